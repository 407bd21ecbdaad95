"""The website around the issues: the archive (the latest issues, then a page per year),
issuing-body pages (paged by year too), search page, 404, feed, sitemap, robots.txt."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from jinja2 import Template

from bulletin.content.model import Issue, IssuingBody, Publication, TopItem
from bulletin.project import slugify
from bulletin.render.html import Theme

if TYPE_CHECKING:
    from jinja2 import Environment

BodyIndex = list[tuple[IssuingBody, list[tuple[Issue, TopItem]]]]
Entry = TypeVar("Entry")
LATEST = 12
"""How many of the latest issues the home page lists, and of the latest items a body's page:
the rest are on the year pages (issues/2021/, bodies/miit/2021/), so no page grows with the
archive."""


@dataclass(frozen=True)
class Page:
    """A file of the site: its path under build/ and its content."""

    path: str
    data: bytes


def render_site(publication: Publication, issues: Sequence[Issue], theme: Theme) -> list[Page]:
    """Every site-wide file for the given (published) issues, newest first on each list."""
    return render_site_since(publication, issues, theme, Lists()).pages


@dataclass(frozen=True)
class Lists:
    """What the list pages of the site (the archive and body pages, each latest or by year) were
    rendered from, so that a build renders again only those whose entries changed.

    keys: what each issue is made from (`cache.issue_key`), by date; none: render every page.
    before: the key of each list page when it was last rendered, by path within the site.
    exists: whether a file of the site (by path within it) is there.
    """

    keys: Mapping[dt.date, str] = field(default_factory=dict)
    before: Mapping[str, str] = field(default_factory=dict)
    exists: Callable[[str], bool] = lambda path: False

    def key(self, path: str, years: Years, dates: Iterable[dt.date]) -> str:
        """What a list page is made from: its place, its year navigation, its entries' issues
        (and so the shared inputs: templates, publication); "" when the keys are unknown."""
        if not self.keys:
            return ""
        made = [path, repr(years), *(self.keys[day] for day in dict.fromkeys(dates))]
        return hashlib.sha1("\0".join(made).encode(), usedforsecurity=False).hexdigest()

    def unchanged(self, path: str, key: str) -> bool:
        return bool(key) and self.before.get(path) == key and self.exists(path)


@dataclass(frozen=True)
class SitePages:
    """The site-wide files rendered, and the key of every list page (rendered now or kept)."""

    pages: list[Page]
    lists: dict[str, str]


def render_site_since(
    publication: Publication, issues: Sequence[Issue], theme: Theme, lists: Lists
) -> SitePages:
    """Every site-wide file for the given (published) issues, newest first on each list, but
    the list pages `lists` has as made from the same issues and inputs."""
    newest = sorted(issues, key=lambda issue: issue.date, reverse=True)
    bodies = body_index(newest)
    env = theme.environment
    context = {"pub": publication}
    keys: dict[str, str] = {}
    pages = [
        *_archive_pages(env.get_template("archive.html"), newest, context, lists, keys),
        _page(
            "bodies/index.html", env.get_template("bodies.html").render(bodies=bodies, **context)
        ),
        _page("search/index.html", _search_page(env, newest, context)),
        _page("404.html", env.get_template("404.html").render(**context)),
    ]
    for body, entries in bodies:
        pages += _body_pages(env.get_template("body.html"), body, entries, context, lists, keys)
    pages.append(Page("feed.xml", render_feed(publication, newest, theme)))
    pages.append(_page("sitemap.xml", _sitemap(publication, newest, bodies, theme)))
    pages.append(_page("robots.txt", env.get_template("robots.txt").render(**context)))
    return SitePages(pages, keys)


def _search_page(env: Environment, newest: Sequence[Issue], context: Mapping[str, object]) -> str:
    """The search page, over the search index of each year with a published issue, newest
    year first (`site.search`)."""
    years = list(dict.fromkeys(str(issue.date.year) for issue in newest))
    return env.get_template("search.html").render(years=years, **context)


@dataclass(frozen=True)
class Years:
    """The years a list of the site spans, newest first, with how many entries each holds,
    and the year a page shows (None on the page of the latest entries)."""

    counts: tuple[tuple[int, int], ...]
    current: int | None = None
    earlier: int | None = None
    """On the page of the latest entries, the year of the newest entry it leaves out."""

    @property
    def older(self) -> int | None:
        """The year before the current one that has entries (None on the oldest, or no year)."""
        numbers = [year for year, _ in self.counts]
        if self.current is None or numbers.index(self.current) + 1 == len(numbers):
            return None
        return numbers[numbers.index(self.current) + 1]

    @property
    def newer(self) -> int | None:
        """The year after the current one that has entries (None on the newest, or no year)."""
        numbers = [year for year, _ in self.counts]
        if self.current is None or numbers.index(self.current) == 0:
            return None
        return numbers[numbers.index(self.current) - 1]


def by_year(entries: Sequence[Entry], day: Callable[[Entry], dt.date]) -> dict[int, list[Entry]]:
    """Entries (newest first) grouped by the year of `day`, newest year first, in their order."""
    years: dict[int, list[Entry]] = {}
    for entry in entries:
        years.setdefault(day(entry).year, []).append(entry)
    return years


@dataclass(frozen=True)
class Listing:
    """Where a list of the site lives: its page of the latest entries (`home`, "" for the
    site's root) and the folder of its year pages (`years`), both paths within the site."""

    home: str
    years: str

    def year(self, number: int) -> str:
        """The path of a year's page within the site: issues/2021/."""
        return f"{self.years}{number}/"


def _paged(
    template: Template,
    listing: Listing,
    entries: Sequence[Entry],
    day: Callable[[Entry], dt.date],
    lists: Lists,
    keys: dict[str, str],
    **context: Any,
) -> Iterator[Page]:
    """The page of the latest entries of a list (newest first), then one page per year, each
    with the navigation between the years; but those `lists` has as unchanged. The key of
    each goes into `keys`."""
    years = by_year(entries, day)
    counts = tuple((year, len(listed)) for year, listed in years.items())
    earlier = day(entries[LATEST]).year if len(entries) > LATEST else None
    pages = [(listing.home, entries[:LATEST], Years(counts, earlier=earlier))]
    pages += [(listing.year(year), listed, Years(counts, year)) for year, listed in years.items()]
    for path, listed, where in pages:
        name = f"{path}index.html"
        keys[name] = lists.key(name, where, map(day, listed))
        if lists.unchanged(name, keys[name]):
            continue
        root = "../" * path.count("/")
        html = template.render(
            entries=listed, total=len(entries), years=where, listing=listing, root=root, **context
        )
        yield _page(name, html)


def _archive_pages(
    template: Template,
    newest: Sequence[Issue],
    context: dict[str, Any],
    lists: Lists,
    keys: dict[str, str],
) -> Iterator[Page]:
    """The home page (the latest issues) and the archive's year pages (issues/2021/)."""
    listing = Listing("", "issues/")
    return _paged(template, listing, newest, _issue_date, lists, keys, **context)


def _issue_date(issue: Issue) -> dt.date:
    return issue.date


def _entry_date(entry: tuple[Issue, TopItem]) -> dt.date:
    return entry[0].date


def _body_pages(
    template: Template,
    body: IssuingBody,
    entries: list[tuple[Issue, TopItem]],
    context: dict[str, Any],
    lists: Lists,
    keys: dict[str, str],
) -> Iterator[Page]:
    """A body's page (its latest items) and its year pages (bodies/miit/2021/)."""
    folder = f"bodies/{slugify(body.abbreviation)}/"
    listing = Listing(folder, folder)
    return _paged(template, listing, entries, _entry_date, lists, keys, body=body, **context)


def body_index(issues: Sequence[Issue]) -> BodyIndex:
    """Each issuing body with every Top-5 item about one of its policies, in issue order."""
    entries: dict[IssuingBody, list[tuple[Issue, TopItem]]] = defaultdict(list)
    for issue in issues:
        for item in issue.top:
            for body in item.policy.issuers:
                entries[body].append((issue, item))
    return sorted(entries.items(), key=lambda pair: pair[0].abbreviation.lower())


def render_feed(publication: Publication, newest: Sequence[Issue], theme: Theme) -> bytes:
    """The Atom feed: one entry per issue of the latest `publication.feed_entries`, newest
    first, with the At-a-glance summaries; an entry is updated on the day of its issue's
    latest correction, the feed with its newest entry."""
    from feedgen.feed import FeedGenerator  # imported here: only the site build needs it

    feed = FeedGenerator()
    feed.id(publication.base_url)
    feed.title(publication.series)
    feed.author({"name": publication.publisher.full_name or publication.publisher.name})
    feed.link(href=publication.base_url, rel="alternate")
    feed.link(href=publication.base_url + "feed.xml", rel="self")
    feed.language(publication.language)
    feed.generator("bulletin")
    newest = newest[: publication.feed_entries]
    feed.updated(_moment(max(map(updated, newest), default=dt.date(1970, 1, 1))))
    template = theme.environment.get_template("feed_entry.html")
    for issue in newest:
        entry = feed.add_entry(order="append")
        entry.id(issue.url)
        entry.title(f"{publication.series}: {issue.date:%B} {issue.date.day}, {issue.date.year}")
        entry.link(href=issue.url, rel="alternate")
        entry.published(_moment(issue.date))
        entry.updated(_moment(updated(issue)))
        for person in issue.authors:
            entry.author({"name": person.name})
        entry.content(template.render(issue=issue), type="html")
    return bytes(feed.atom_str(pretty=True))


def _sitemap(
    publication: Publication, newest: Sequence[Issue], bodies: BodyIndex, theme: Theme
) -> str:
    base = publication.base_url
    latest = newest[0].date if newest else None
    changed = max(map(updated, newest[:LATEST]), default=None)  # the home page marks corrections
    pages = [(base, changed), (base + "bodies/", latest), (base + "search/", None)]
    pages += [(issue.url, updated(issue)) for issue in newest]
    years = by_year(newest, lambda issue: issue.date).items()
    pages += [(f"{base}issues/{year}/", max(map(updated, listed))) for year, listed in years]
    for body, entries in bodies:
        folder = f"{base}bodies/{slugify(body.abbreviation)}/"
        pages.append((folder, entries[0][0].date))
        items = by_year(entries, lambda entry: entry[0].date).items()
        pages += [(f"{folder}{year}/", listed[0][0].date) for year, listed in items]
    return theme.environment.get_template("sitemap.xml").render(pages=pages)


def updated(issue: Issue) -> dt.date:
    """The day an issue's page last changed: its latest correction, else its date."""
    return issue.corrected or issue.date


def _page(path: str, text: str) -> Page:
    return Page(path, text.encode("utf-8"))


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
