"""An issue as imported (a typed, frozen draft any reader fills) and the one writer that turns
it into the content files of a new issue folder."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bulletin.content.scaffold import namings
from bulletin.content.schema import TOP_ITEM_SECTIONS
from bulletin.errors import ConfigError
from bulletin.project import Project, slugify
from bulletin.write import write_all


@dataclass(frozen=True)
class Finding:
    """Something a reader reports: the line of the source it concerns (None: the whole file)
    and what it says (text it could not place, a person to add to the registry...)."""

    line: int | None
    message: str


@dataclass(frozen=True)
class Person:
    """An author or editor as printed. id: their key in people.yaml once matched ('' until
    then: the writer makes one from the name). line: where the source names them."""

    name: str
    role: str
    id: str = ""
    line: int | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return self.id or slugify(self.name)


@dataclass(frozen=True)
class Editor:
    """A member of the editorial team and their role in it (Managing editor)."""

    person: Person
    role: str


@dataclass(frozen=True)
class Policy:
    """The policy an item analyses. issuers: abbreviations once matched to bodies.yaml, as
    printed before. url: None when the source gives no real address. line: where the source
    names the issuers."""

    name: str
    name_zh: str
    issuers: tuple[str, ...]
    date: dt.date
    url: str | None = None
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Sidebar:
    """A box of an item: its title and its Markdown."""

    title: str
    markdown: str


@dataclass(frozen=True)
class Correction:
    """A correction of the issue or of an item: its day and what it says."""

    date: dt.date
    text: str


@dataclass(frozen=True)
class TopItem:
    """One Top-5 item: headline, policy, and its two sections as Markdown (the comment's
    sidebars apart). anchor: the file name's part after the rank, when the source gives it
    ('' : made from the headline)."""

    rank: int
    title: str
    policy: Policy
    at_a_glance: str
    comment: str
    sidebars: tuple[Sidebar, ...] = ()
    anchor: str = ""
    corrections: tuple[Correction, ...] = ()


@dataclass(frozen=True)
class Source:
    """A source of a Worth-noting item: label, language code (zh, en), address if known."""

    label: str
    lang: str
    url: str | None = None


@dataclass(frozen=True)
class NewsItem:
    """A dated Worth-noting item."""

    date: dt.date
    text: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class NewsGroup:
    """A Worth-noting group (Policy news) and its items."""

    title: str
    items: tuple[NewsItem, ...]


@dataclass(frozen=True)
class Draft:
    """An issue as imported, ready to write. findings: what the reader reports. figures: the
    images the items' Markdown shows, by file name in top/figures/, with their bytes.
    foreword: issue.md's body, as Markdown. corrections, draft: issue.md's fields."""

    authors: tuple[Person, ...]
    editors: tuple[Editor, ...]
    top: tuple[TopItem, ...]
    worth_noting: tuple[NewsGroup, ...]
    findings: tuple[Finding, ...] = ()
    figures: tuple[tuple[str, bytes], ...] = ()
    foreword: str = ""
    corrections: tuple[Correction, ...] = ()
    draft: bool = False


def write_issue(project: Project, date: dt.date, draft: Draft) -> list[Path]:
    """Write content/issues/DATE/ from the draft, all files or none; refuse an existing one."""
    folder = project.issue_folder(date)
    if folder.exists():
        raise ConfigError(
            project.shown(folder),
            "the issue already exists",
            "import under another date, or move the folder away first",
        )
    files = {folder / "issue.md": _front(_issue_fields(date, draft)) + _foreword(draft)}
    for item, name in zip(draft.top, _item_names(folder / "top", draft.top), strict=True):
        files[folder / "top" / name] = _front(_item_fields(item)) + _body(item)
    files[folder / "worth-noting.md"] = _front({"groups": _groups(draft.worth_noting)})
    figures = [(folder / "top" / "figures" / name, data) for name, data in draft.figures]
    write_all([(path, text.encode("utf-8")) for path, text in files.items()] + figures)
    return [*files, *(path for path, _ in figures)]


def _issue_fields(date: dt.date, draft: Draft) -> dict[str, Any]:
    """issue.md's front matter in the schema's order (bulletin.content.schema.ISSUE)."""
    fields: dict[str, Any] = {"date": date, **_team(draft)}
    if draft.draft:
        fields["draft"] = True
    if draft.corrections:
        fields["corrections"] = _corrections(draft.corrections)
    return fields


def _foreword(draft: Draft) -> str:
    return f"\n{draft.foreword.strip()}\n" if draft.foreword.strip() else ""


def _corrections(corrections: tuple[Correction, ...]) -> list[dict[str, Any]]:
    return [{"date": c.date, "text": c.text} for c in corrections]


def _team(draft: Draft) -> dict[str, Any]:
    return {
        "authors": [person.key for person in draft.authors],
        "editors": [{"person": e.person.key, "role": e.role} for e in draft.editors],
    }


def _item_names(top: Path, items: tuple[TopItem, ...]) -> list[str]:
    """The file names `bulletin new` gives items by their headlines (01-china-speeds-up.md),
    each anchor unlike the others; NN-item-N.md for a headline with no letter or digit."""
    scaffolded = {top / f"{i.rank:02d}-item-{i.rank}.md": i.title for i in items}
    found = {naming.path: naming.name for naming in namings(scaffolded, scaffolded)}
    named = [found.get(path) or path.name for path in scaffolded]
    anchored = [f"{i.rank:02d}-{i.anchor}.md" if i.anchor else "" for i in items]
    return [given or made for given, made in zip(anchored, named, strict=True)]


def _item_fields(item: TopItem) -> dict[str, Any]:
    """The item's front matter in the schema's order (bulletin.content.schema.TOP_ITEM)."""
    policy = item.policy
    fields: dict[str, Any] = {"name": policy.name, "name_zh": policy.name_zh}
    if policy.url:
        fields["url"] = policy.url
    fields |= {"issuers": list(policy.issuers), "date": policy.date}
    front = {"rank": item.rank, "title": item.title, "policy": fields}
    return front | ({"corrections": _corrections(item.corrections)} if item.corrections else {})


def _body(item: TopItem) -> str:
    sidebars = "".join(f"\n::: sidebar {s.title}\n{s.markdown}\n:::\n" for s in item.sidebars)
    glance, comment = (section.title for section in TOP_ITEM_SECTIONS)
    return f"\n## {glance}\n\n{item.at_a_glance}\n\n## {comment}\n\n{item.comment}\n{sidebars}"


def _groups(groups: tuple[NewsGroup, ...]) -> list[dict[str, Any]]:
    return [{"title": g.title, "items": [_news(item) for item in g.items]} for g in groups]


def _news(item: NewsItem) -> dict[str, Any]:
    sources = [
        {"label": s.label, **({"url": s.url} if s.url else {}), "lang": s.lang}
        for s in item.sources
    ]
    return {"date": item.date, "text": item.text, "sources": sources}


class _Dumper(yaml.SafeDumper):
    """Writes lists of plain values on one line (`issuers: [CCPCC, State Council]`), all else
    as blocks, as the sample issue is written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # list items indented under their key


def _list(dumper: yaml.SafeDumper, values: list[Any]) -> yaml.SequenceNode:
    flow = all(not isinstance(v, (dict, list)) for v in values)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", values, flow_style=flow)


_Dumper.add_representer(list, _list)


def _front(values: dict[str, Any]) -> str:
    """YAML front matter keeping the given order (the schema's)."""
    text = yaml.dump(values, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**6)
    return f"---\n{text}---\n"
