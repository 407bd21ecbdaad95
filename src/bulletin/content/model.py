"""The typed issue: made by the check from content that passed it, handed to the renderers,
never changed.

Each class is filled from the schema's fields of the same names (`content/schema.py` names
the class a group of fields makes); `tests/test_schema_model.py` keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from markupsafe import Markup

from bulletin.content import markdown
from bulletin.content.words import DEFAULT_LABELS, LANGUAGES
from bulletin.project import slugify


@dataclass(frozen=True)
class Person:
    """Someone named in an issue: id from people.yaml, printed name and role."""

    id: str
    name: str
    role: str


@dataclass(frozen=True)
class Editor:
    """A member of an issue's editorial team with the role they held for it."""

    person: Person
    role: str


@dataclass(frozen=True)
class Publisher:
    """The publisher block of the back page."""

    name: str
    address: tuple[str, ...]
    full_name: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""


@dataclass(frozen=True)
class Contact:
    """Where readers write about the bulletin: the address and the sentence before it."""

    email: str
    text: str = ""


@dataclass(frozen=True)
class Mailing:
    """The `email` group of publication.yaml as written; `mail.message` fills in defaults.

    sender: the From address (the field `from`). unsubscribe_url: with `{token}`.
    unsubscribe_url, from_name, reply_to, list_id: empty when not given.
    """

    sender: str
    unsubscribe_url: str = ""
    from_name: str = ""
    reply_to: str = ""
    list_id: str = ""


@dataclass(frozen=True)
class Subscriptions:
    """The `subscribers` group of publication.yaml: where the subscriber service is, and the
    consent wording of its form. `url` always ends with a slash."""

    url: str
    consent: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", self.url.rstrip("/") + "/")

    @property
    def unsubscribe_url(self) -> str:
        """The service's one-click unsubscribe address, as `email.unsubscribe_url` takes it."""
        return self.url + "unsubscribe?email={email}&token={token}"


def printed_labels(**given: str) -> Mapping[str, str]:
    """The printed labels: the defaults, with those publication.yaml gives over them."""
    return DEFAULT_LABELS | given


WAYBACK_AVAILABILITY = "https://archive.org/wayback/available"
"""The Wayback Machine's availability API: `?url=ADDRESS` answers with its closest copy."""


@dataclass(frozen=True)
class LinkChecks:
    """The `links` group of publication.yaml: how `bulletin links` checks external links.

    snapshots: the availability API asked for an archived copy of a dead link.
    timeout: seconds to wait for each answer. per_host: requests at a time to one host.
    """

    snapshots: str = WAYBACK_AVAILABILITY
    timeout: int = 10
    per_host: int = 2


@dataclass(frozen=True)
class Publication:
    """Series-wide settings from publication.yaml; `base_url` always ends with a slash."""

    series: str
    base_url: str
    publisher: Publisher
    contact: Contact
    language: str = "en"
    labels: Mapping[str, str] = field(default_factory=printed_labels)
    email: Mailing | None = None
    database: str = ""
    subscribers: Subscriptions | None = None
    favicon: str = ""
    """The site's icon, a file named from content/ ('' for the theme's favicon.svg)."""
    feed_entries: int = 20
    """How many of the latest issues the Atom feed carries."""
    links: LinkChecks = field(default_factory=LinkChecks)

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/") + "/")

    @property
    def base_path(self) -> str:
        """The path of the base URL, where the site starts on its host: / or /bulletin/."""
        return urllib.parse.urlsplit(self.base_url).path or "/"


@dataclass(frozen=True)
class IssuingBody:
    """A government body by its abbreviation and full name."""

    abbreviation: str
    name: str


@dataclass(frozen=True)
class Policy:
    """The policy document a Top-5 item analyses."""

    name: str
    name_zh: str
    issuers: tuple[IssuingBody, ...]
    date: dt.date
    url: str | None = None


def note_id(number: int) -> str:
    """The id of a note's text on the web page: fn-3."""
    return f"fn-{number}"


def note_reference_id(number: int, occurrence: int = 1) -> str:
    """The id of a reference to a note on the web page: fnref-3, then fnref-3-2 for the
    second reference to the same note."""
    return f"fnref-{number}" if occurrence == 1 else f"fnref-{number}-{occurrence}"


@dataclass(frozen=True)
class Note:
    """A note of a Top-5 item (`[^label]` in its body), printed at the foot of the page in
    the PDF and listed at the end of the item on the web.

    number: its number, running through the whole issue in reading order (items by rank, then
        within the item), the same on the web page and in the PDF.
    html: its text, rendered as inline HTML (a note is one paragraph).
    references: how many times the item cites it (each reference gets a back-link on the web).
    """

    number: int
    html: Markup
    references: int = 1

    @property
    def id(self) -> str:
        """The id of the note's text on the web page."""
        return note_id(self.number)

    @property
    def reference_ids(self) -> tuple[str, ...]:
        """The ids of its references, in reading order, for the back-links."""
        return tuple(note_reference_id(self.number, k) for k in range(1, self.references + 1))


@dataclass(frozen=True)
class Figure:
    """An image file of an issue drawn in a body (`::: figure`).

    path: where the file is, relative to the issue folder, as a POSIX path (top/figures/x.svg).
    name: the file name it is published under, in the issue's figures/ folder on the site.
    width, height: its size in CSS pixels (an SVG's width and height, or its viewBox; a raster
        image's pixels), written on the <img> so that the page does not shift as it loads.
    """

    path: str
    name: str
    width: int
    height: int

    @property
    def published(self) -> str:
        """Its address relative to the issue page: figures/NAME."""
        return f"figures/{self.name}"

    @property
    def vector(self) -> bool:
        """Whether it is an SVG drawing (mail programs do not show those)."""
        return self.name.lower().endswith(".svg")

    @property
    def mailed(self) -> str:
        """Its address relative to the issue page in the email: an SVG drawing goes by its PNG
        copy, figures/NAME.png (chart.svg -> chart.svg.png), made by the build."""
        return self.published + ".png" if self.vector else self.published

    @property
    def files(self) -> tuple[str, ...]:
        """The names it takes in the issue's figures/ folder: its own, and its PNG copy's."""
        return (self.name, self.name + ".png") if self.vector else (self.name,)


@dataclass(frozen=True)
class Prose:
    """A part of a body rendered for each edition, from one parse.

    web: the HTML of the web page: notes cited as numbered links to the notes at the end of
        the item, figures from the issue's figures/ folder, tables in a scrolling region.
    print: the HTML WeasyPrint lays out: each note's text inline at its first reference (it
        floats to the foot of the page), figures from the issue folder (the PDF's base URL).
    email: the HTML of the email (and of the feed), read away from the page: notes cited as
        [N], figures at their address under the issue's URL, plain tables.
    notes: the notes it cites, by number.
    figures: the figures it draws, in order.
    """

    web: Markup
    print: Markup
    email: Markup
    notes: tuple[Note, ...] = ()
    figures: tuple[Figure, ...] = ()

    def __html__(self) -> str:
        """The web edition, when a template prints the part itself."""
        return str(self.web)

    def __bool__(self) -> bool:
        """Whether there is anything to print (an issue's foreword may be empty)."""
        return bool(self.web.strip())


@dataclass(frozen=True)
class Correction:
    """A correction made after the issue went out: the day, and what was wrong and what is
    right now, as inline Markdown."""

    date: dt.date
    text: str

    @cached_property
    def html(self) -> Markup:
        """The text rendered as inline HTML."""
        return Markup(markdown.render_inline(markdown.typographic(self.text)))


@dataclass(frozen=True)
class TopItem:
    """One analysed item of the Top 5.

    anchor: a stable id from the file name (01-carbon-neutrality.md -> carbon-neutrality).
    at_a_glance, comment: the body's two sections, each with its sidebars, figures and tables
        where the editor wrote them.
    """

    rank: int
    title: str
    policy: Policy
    anchor: str
    at_a_glance: Prose
    comment: Prose
    corrections: tuple[Correction, ...] = ()

    @property
    def notes(self) -> tuple[Note, ...]:
        """Every note of the item, once each, by number."""
        notes = {
            note.number: note for part in (self.at_a_glance, self.comment) for note in part.notes
        }
        return tuple(notes[number] for number in sorted(notes))

    @property
    def figures(self) -> tuple[Figure, ...]:
        """Every figure of the item, in reading order."""
        return (*self.at_a_glance.figures, *self.comment.figures)


@dataclass(frozen=True)
class Source:
    """Where a news item comes from, and in which language."""

    label: str
    lang: str
    url: str | None = None

    @property
    def tag(self) -> str:
        """The language as printed after the source: EN, CN..."""
        return LANGUAGES[self.lang]


@dataclass(frozen=True)
class NewsItem:
    """A dated one-line item of Worth noting: its inline Markdown and its sources."""

    date: dt.date
    text: str
    sources: tuple[Source, ...]

    @cached_property
    def html(self) -> Markup:
        """The text rendered as inline HTML."""
        return Markup(markdown.render_inline(self.text))


@dataclass(frozen=True)
class NewsGroup:
    """A group of Worth noting, such as Policy news.

    title: as written; the group's anchor is made from it.
    """

    title: str
    items: tuple[NewsItem, ...]

    @property
    def anchor(self) -> str:
        """The group's id on the page, from its title as written: policy-news."""
        return slugify(self.title)

    @cached_property
    def heading(self) -> str:
        """The title as printed, with typographic quotes and dashes like the text."""
        return markdown.typographic(self.title)


@dataclass(frozen=True)
class Erratum:
    """A correction in its place in the issue: its number (1 for the first made), and the
    item it corrects (None: the issue as a whole)."""

    number: int
    correction: Correction
    item: TopItem | None = None

    @property
    def anchor(self) -> str:
        """Its id on the page: correction-1."""
        return f"correction-{self.number}"


_Found = tuple[dt.date, int, int, Correction, TopItem | None]
"""A correction with when and where it was made: day, rank (0: the issue), place in its list."""


def _made(found: _Found) -> tuple[dt.date, int, int]:
    return found[:3]


SLUG_BYTES = 100
"""The most of a PDF's file name the series takes, in bytes (UTF-8)."""


def issue_path(date: dt.date) -> str:
    """The path of an issue's page within the site: issues/2021-11-02/."""
    return f"issues/{date.isoformat()}/"


@dataclass(frozen=True)
class Issue:
    """One issue of the bulletin, ready to render."""

    publication: Publication
    date: dt.date
    authors: tuple[Person, ...]
    editors: tuple[Editor, ...]
    foreword: Prose
    top: tuple[TopItem, ...]
    worth_noting: tuple[NewsGroup, ...] = ()
    draft: bool = False
    corrections: tuple[Correction, ...] = ()

    @cached_property
    def errata(self) -> tuple[Erratum, ...]:
        """Every correction of the issue and of its items, numbered in the order they were
        made (by day; on one day, the issue's before the items', by rank)."""
        found: list[_Found] = [(c.date, 0, i, c, None) for i, c in enumerate(self.corrections)]
        found += [
            (c.date, item.rank, i, c, item)
            for item in self.top
            for i, c in enumerate(item.corrections)
        ]
        return tuple(
            Erratum(number, correction, item)
            for number, (*_, correction, item) in enumerate(sorted(found, key=_made), 1)
        )

    @property
    def version(self) -> int:
        """The issue's version: 1 as first sent, one more for each correction."""
        return 1 + len(self.errata)

    @property
    def corrected(self) -> dt.date | None:
        """The day of the latest correction, if any."""
        return self.errata[-1].correction.date if self.errata else None

    @property
    def issuers(self) -> tuple[IssuingBody, ...]:
        """Every body that issued a Top-5 policy, once each, in order of appearance."""
        bodies = (body for item in self.top for body in item.policy.issuers)
        return tuple(dict.fromkeys(bodies))

    @property
    def figures(self) -> tuple[Figure, ...]:
        """Every figure of the issue, once each by name, in reading order."""
        figures = {figure.name: figure for item in self.top for figure in item.figures}
        return tuple(figures.values())

    @property
    def path(self) -> str:
        """The issue page's path within the site: issues/2021-11-02/."""
        return issue_path(self.date)

    @property
    def url(self) -> str:
        """The issue page's public address, under the publication's base URL."""
        return self.publication.base_url + self.path

    @property
    def slug(self) -> str:
        """The file stem of the issue's PDF: series and date, e.g. china-industries-2021-11-02;
        the series cut to 100 bytes, so that the name fits a file system's 255."""
        series = slugify(self.publication.series).encode()[:SLUG_BYTES]
        return f"{series.decode(errors='ignore').strip('-')}-{self.date.isoformat()}"
