"""The website around the issues: archive, issuing-body pages, search page, 404, feed, sitemap,
robots.txt."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bulletin.content.model import Issue, IssuingBody, Publication, TopItem
from bulletin.project import slugify
from bulletin.render.html import Theme

if TYPE_CHECKING:
    from jinja2 import Environment

BodyIndex = list[tuple[IssuingBody, list[tuple[Issue, TopItem]]]]


@dataclass(frozen=True)
class Page:
    """A file of the site: its path under build/ and its content."""

    path: str
    data: bytes


def render_site(publication: Publication, issues: Sequence[Issue], theme: Theme) -> list[Page]:
    """Every site-wide file for the given (published) issues, newest first on the archive."""
    newest = sorted(issues, key=lambda issue: issue.date, reverse=True)
    bodies = body_index(newest)
    env = theme.environment
    context = {"pub": publication}
    pages = [
        _page("index.html", env.get_template("archive.html").render(issues=newest, **context)),
        _page(
            "bodies/index.html", env.get_template("bodies.html").render(bodies=bodies, **context)
        ),
        _page("search/index.html", _search_page(env, newest, context)),
        _page("404.html", env.get_template("404.html").render(**context)),
    ]
    template = env.get_template("body.html")
    for body, entries in bodies:
        html = template.render(body=body, entries=entries, **context)
        pages.append(_page(f"bodies/{slugify(body.abbreviation)}/index.html", html))
    pages.append(Page("feed.xml", render_feed(publication, newest, theme)))
    pages.append(_page("sitemap.xml", _sitemap(publication, newest, bodies, theme)))
    pages.append(_page("robots.txt", env.get_template("robots.txt").render(**context)))
    return pages


def _search_page(env: Environment, newest: Sequence[Issue], context: Mapping[str, object]) -> str:
    """The search page, over the search index of each year with a published issue, newest
    year first (`site.search`)."""
    years = list(dict.fromkeys(str(issue.date.year) for issue in newest))
    return env.get_template("search.html").render(years=years, **context)


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
    changed = max(map(updated, newest), default=None)  # the archive marks corrected issues
    pages = [(base, changed), (base + "bodies/", latest), (base + "search/", None)]
    pages += [(issue.url, updated(issue)) for issue in newest]
    pages += [
        (f"{base}bodies/{slugify(body.abbreviation)}/", entries[0][0].date)
        for body, entries in bodies
    ]
    return theme.environment.get_template("sitemap.xml").render(pages=pages)


def updated(issue: Issue) -> dt.date:
    """The day an issue's page last changed: its latest correction, else its date."""
    return issue.corrected or issue.date


def _page(path: str, text: str) -> Page:
    return Page(path, text.encode("utf-8"))


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
