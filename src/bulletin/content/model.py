"""The typed issue: built from checked content, handed to the renderers, never changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from bulletin.content import markdown
from bulletin.content.read import RawDocument, RawIssue, RawProject
from bulletin.content.schema import DEFAULT_LABELS, LANGUAGES
from bulletin.project import item_anchor, slugify


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
    full_name: str
    address: tuple[str, ...]
    phone: str
    email: str
    website: str


@dataclass(frozen=True)
class Publication:
    """Series-wide settings from publication.yaml; labels merged over the defaults."""

    series: str
    language: str
    base_url: str
    publisher: Publisher
    contact_text: str
    contact_email: str
    labels: dict[str, str]


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
    url: str | None
    issuers: tuple[IssuingBody, ...]
    date: dt.date


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
    anchor: str
    title: str
    at_a_glance: Markup
    comment: Markup
    sidebars: tuple[Sidebar, ...]
    policy: Policy


@dataclass(frozen=True)
class Source:
    """Where a news item comes from; `tag` is the printed language tag (EN, CN)."""

    label: str
    url: str | None
    tag: str


@dataclass(frozen=True)
class NewsItem:
    """A dated one-line item of Worth noting; `html` is its rendered text."""

    date: dt.date
    html: Markup
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class NewsGroup:
    """A group of Worth noting, such as Policy news, with its anchor."""

    title: str
    anchor: str
    items: tuple[NewsItem, ...]


@dataclass(frozen=True)
class Issue:
    """One issue of the bulletin, ready to render."""

    publication: Publication
    date: dt.date
    authors: tuple[Person, ...]
    editors: tuple[Editor, ...]
    foreword: Markup
    top: tuple[TopItem, ...]
    worth_noting: tuple[NewsGroup, ...]
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


def build_issue(raw: RawProject, issue: RawIssue) -> Issue:
    """The typed issue from content that passed its check."""
    assert raw.publication and raw.people and raw.bodies and issue.issue
    people = {key: Person(key, v["name"], v["role"]) for key, v in raw.people.data.items()}
    bodies = {key: IssuingBody(key, name) for key, name in raw.bodies.data.items()}
    data = issue.issue.data
    top = sorted((_top_item(doc, bodies) for doc in issue.top), key=lambda item: item.rank)
    groups = issue.worth_noting.data["groups"] if issue.worth_noting else []
    return Issue(
        publication=_publication(raw.publication.data),
        date=data["date"],
        authors=tuple(people[key] for key in data["authors"]),
        editors=tuple(Editor(people[e["person"]], e["role"]) for e in data["editors"]),
        foreword=Markup(markdown.render_text(issue.issue.body)),
        top=tuple(top),
        worth_noting=tuple(_news_group(group) for group in groups),
        draft=bool(data.get("draft")),
    )


def build_publication(raw: RawProject) -> Publication:
    """The typed publication settings from checked content."""
    assert raw.publication
    return _publication(raw.publication.data)


def _publication(data: dict[str, Any]) -> Publication:
    publisher = data["publisher"]
    return Publication(
        series=data["series"],
        language=data.get("language") or "en",
        base_url=data["base_url"].rstrip("/") + "/",
        publisher=Publisher(
            name=publisher["name"],
            full_name=publisher.get("full_name") or "",
            address=tuple(publisher["address"]),
            phone=publisher.get("phone") or "",
            email=publisher.get("email") or "",
            website=publisher.get("website") or "",
        ),
        contact_text=data["contact"].get("text") or "",
        contact_email=data["contact"]["email"],
        labels=DEFAULT_LABELS | (data.get("labels") or {}),
    )


def _top_item(doc: RawDocument, bodies: dict[str, IssuingBody]) -> TopItem:
    data = doc.data
    body = markdown.split(doc.body)
    sections = {s.title: Markup(markdown.render(s.tokens)) for s in body.sections}
    policy = data["policy"]
    return TopItem(
        rank=data["rank"],
        anchor=item_anchor(doc.path),
        title=data["title"],
        at_a_glance=sections["At a glance"],
        comment=sections["Comment"],
        sidebars=tuple(Sidebar(s.title, Markup(markdown.render(s.tokens))) for s in body.sidebars),
        policy=Policy(
            name=policy["name"],
            name_zh=policy["name_zh"],
            url=policy.get("url"),
            issuers=tuple(bodies[key] for key in policy["issuers"]),
            date=policy["date"],
        ),
    )


def _news_group(group: dict[str, Any]) -> NewsGroup:
    items = tuple(
        NewsItem(
            date=item["date"],
            html=Markup(markdown.render_inline(item["text"])),
            sources=tuple(
                Source(s["label"], s.get("url"), LANGUAGES[s["lang"]]) for s in item["sources"]
            ),
        )
        for item in group["items"]
    )
    return NewsGroup(group["title"], slugify(group["title"]), items)
