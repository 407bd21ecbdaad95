"""The typed issue: made by the check from content that passed it, handed to the renderers,
never changed.

Each class is filled from the schema's fields of the same names (`content/schema.py` names
the class a group of fields makes); `tests/test_schema_model.py` keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/") + "/")


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


@dataclass(frozen=True)
class Sidebar:
    """A boxed aside of an item: title and rendered HTML."""

    title: str
    html: Markup


@dataclass(frozen=True)
class TopItem:
    """One analysed item of the Top 5.

    anchor: a stable id from the file name (01-carbon-neutrality.md -> carbon-neutrality).
    at_a_glance, comment: the rendered HTML of the body's two sections.
    """

    rank: int
    title: str
    policy: Policy
    anchor: str
    at_a_glance: Markup
    comment: Markup
    sidebars: tuple[Sidebar, ...] = ()


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
    """A group of Worth noting, such as Policy news."""

    title: str
    items: tuple[NewsItem, ...]

    @property
    def anchor(self) -> str:
        """The group's id on the page, from its title: policy-news."""
        return slugify(self.title)


@dataclass(frozen=True)
class Issue:
    """One issue of the bulletin, ready to render."""

    publication: Publication
    date: dt.date
    authors: tuple[Person, ...]
    editors: tuple[Editor, ...]
    foreword: Markup
    top: tuple[TopItem, ...]
    worth_noting: tuple[NewsGroup, ...] = ()
    draft: bool = False

    @property
    def issuers(self) -> tuple[IssuingBody, ...]:
        """Every body that issued a Top-5 policy, once each, in order of appearance."""
        bodies = (body for item in self.top for body in item.policy.issuers)
        return tuple(dict.fromkeys(bodies))

    @property
    def path(self) -> str:
        """The issue page's path within the site: issues/2021-11-02/."""
        return f"issues/{self.date.isoformat()}/"

    @property
    def url(self) -> str:
        """The issue page's public address, under the publication's base URL."""
        return self.publication.base_url + self.path

    @property
    def slug(self) -> str:
        """The file stem of the issue's PDF: series and date, e.g. china-industries-2021-11-02."""
        return f"{slugify(self.publication.series)}-{self.date.isoformat()}"
