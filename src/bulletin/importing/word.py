"""Read pandoc's tree of a Word file (.docx) into a draft: the layout `bulletin export --docx`
writes (styled fields) or an editor's own draft (headings and `Label: value` lines), its
sections as the content format's Markdown."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bulletin.content.word import (
    FIGURE_CAPTION_STYLE,
    FIGURE_SOURCE_STYLE,
    ISSUERS_SEPARATOR,
)
from bulletin.importing.draft import (
    Correction,
    Draft,
    Editor,
    Finding,
    NewsGroup,
    NewsItem,
    Person,
    Policy,
    Source,
    TopItem,
)
from bulletin.importing.text import POLICY, TAGS, Line, TextReader, printed_date
from bulletin.importing.wordtree import (
    image_in,
    link_in,
    plain,
    raw,
    sidebar_blocks,
    sidebar_title,
    spans,
    style_of,
    unwrapped,
)

_BREAK = "BULLETIN-BLOCK-BREAK"
TABLE_CAPTION = "Table: "
_NOTE_DEF = re.compile(r"^\[\^(\d+)\]:\s?", re.MULTILINE)
_NOTE_REF = re.compile(r"\[\^(\d+)\]")
_PERSON = re.compile(r"(?P<name>[^():]+?)(?: \((?P<id>[^()]+)\))?(?::\s*(?P<role>.*))?")
_SOURCE = re.compile(r"(?P<label>.+) \((?P<tag>[A-Z]{2})\)(?: (?P<url>\S+))?")


@dataclass
class _Item:
    """A Top-5 item while its blocks are read."""

    rank: int
    title: str
    facts: dict[str, str] = field(default_factory=dict)
    glance: list[Any] = field(default_factory=list)
    comment: list[Any] = field(default_factory=list)
    section: str = "facts"
    corrections: list[str] = field(default_factory=list)


class WordReader:
    """Reads the tree's blocks part by part (issue fields, Top 5, Worth noting)."""

    def __init__(self, labels: Mapping[str, str], date: dt.date) -> None:
        self.labels = labels
        self.date = date
        self.part = ""
        self.findings: list[Finding] = []
        self.fields: list[tuple[str, str]] = []
        self.items: list[_Item] = []
        self.groups: list[tuple[str, list[NewsItem]]] = []
        self.text = TextReader(labels, date)
        self.news_texts: list[list[Any]] = []  # each News Item's inlines after its date
        self.figures: list[tuple[str, bytes]] = []  # each figure's file name and bytes
        self.foreword: list[Any] = []  # the blocks before the first part's heading

    def read(self, blocks: list[Any]) -> None:
        for number, block in enumerate(blocks, start=1):
            self.block(number, block)

    def block(self, number: int, block: dict[str, Any]) -> None:
        if block["t"] == "Header":
            self.heading(number, plain(block["c"][2]).strip())
        elif block["t"] == "Div" and style_of(block) in ("Issue", "Policy", "Item"):
            for kid in block["c"][1]:
                self.field(number, plain(kid).strip(), kid)
        elif block["t"] == "Div" and style_of(block) in ("News Item", "News Source"):
            self.news(number, str(style_of(block)), block["c"][1])
        elif block["t"] == "Div":
            for kid in block["c"][1]:
                self.block(number, kid)
        elif block["t"] == "Para" and self.fact(plain(block["c"]).strip(), block):
            pass
        elif block["t"] == "BulletList" and self.part == "worth_noting":
            self.bullets(number, block["c"])
        else:
            self.body(number, block)

    def heading(self, number: int, text: str) -> None:
        """A part's label, a numbered headline, a section's label or a news group's title,
        at whatever heading level the file gives it."""
        keys = {self.labels[key].casefold(): key for key in ("top", "worth_noting")}
        sections = {self.labels[key].casefold(): key for key in ("at_a_glance", "comment")}
        numbered = re.fullmatch(r"(\d+)\.\s+(.+)", text)
        if text.casefold() in keys:
            self.part = keys[text.casefold()]
        elif self.part == "top" and numbered:
            self.items.append(_Item(int(numbered[1]), numbered[2]))
        elif self.part == "top" and self.items and text.casefold() in sections:
            self.items[-1].section = (
                "glance" if sections[text.casefold()] == "at_a_glance" else "comment"
            )
        elif self.part == "worth_noting":
            self.groups.append((text, []))
        else:
            self.unplaced(number, text)

    def unplaced(self, number: int, text: str) -> None:
        self.findings.append(Finding(None, f"paragraph {number}: not placed, left out: {text}"))

    def field(self, number: int, text: str, block: Any) -> None:
        if not self.fact(text, block):
            self.unplaced(number, text)

    def fact(self, text: str, block: Any) -> bool:
        """A `Label: value` line of the issue or of the item being read; False otherwise."""
        label, _, value = text.partition(": ")
        if self.part == "" and label in ("Date", "Author", "Editor", "Draft", "Correction"):
            self.fields.append((label, value.strip()))
            return True
        known = ("Policy name", "Chinese title", "Link", "Issuing bodies", "Issuing body")
        reading = self.part == "top" and self.items and self.items[-1].section == "facts"
        if reading and label == "Correction":
            self.items[-1].corrections.append(value.strip())
            return True
        if reading and label in (*known, "Date", "Anchor"):
            self.items[-1].facts[label] = link_in(block) or value.strip()
            return True
        return False

    def body(self, number: int, block: dict[str, Any]) -> None:
        if self.part == "" and not self.items:
            self.foreword.append(block)
            return
        if self.part != "top" or not self.items or self.items[-1].section == "facts":
            self.unplaced(number, plain(block)[:80])
            return
        item = self.items[-1]
        (item.glance if item.section == "glance" else item.comment).extend(self.fenced(block))

    def fenced(self, block: dict[str, Any]) -> list[Any]:
        """A block as the content format has it: a sidebar's table or a figure as a fenced
        `:::` block, a table's caption as a `Table:` line."""
        title = sidebar_title(block)
        if title is not None:
            return [raw(f"::: sidebar {title}"), *sidebar_blocks(block), raw(":::")]
        if block["t"] == "Figure":
            return [raw(self.figure(block))]
        if block["t"] == "Table" and block["c"][1][1]:
            caption = plain(block["c"][1][1]).strip()
            uncaptioned = {"t": "Table", "c": [block["c"][0], [None, []], *block["c"][2:]]}
            return [raw(f"{TABLE_CAPTION}{caption}"), uncaptioned]
        return [block]

    def figure(self, block: dict[str, Any]) -> str:
        """`::: figure Caption`, the image (its file kept for the issue's figures/ folder),
        the source line, `:::`."""
        caption = plain(block["c"][1][1]).strip()
        styled = spans(block["c"][1][1])
        title = styled.get(FIGURE_CAPTION_STYLE, caption)
        source = styled.get(FIGURE_SOURCE_STYLE, "")
        image = image_in(block["c"][2])
        if image is None:
            return f"::: figure {title}\n{source}\n:::"
        alt, path = image
        item = self.items[-1]
        stem = item.facts.get("Anchor") or f"item-{item.rank}"
        number = 1 + sum(name.startswith(f"{stem}-") for name, _ in self.figures)
        name = f"{stem}-{number}{Path(path).suffix.lower()}"
        self.figures.append((name, Path(path).read_bytes()))
        return f"::: figure {title}\n![{alt}](figures/{name})\n{source}\n:::"

    def news(self, number: int, style: str, blocks: list[Any]) -> None:
        for block in blocks:
            text = plain(block).strip()
            dated = re.match(r"(\d{4}-\d\d-\d\d): ", text)
            if style == "News Item" and self.groups and dated:
                self.groups[-1][1].append(NewsItem(dt.date.fromisoformat(dated[1]), "", ()))
                self.news_texts.append([{"t": "Plain", "c": block["c"][2:]}])
            elif style == "News Source" and self.groups and self.groups[-1][1]:
                self.source(number, text)
            else:
                self.unplaced(number, text)

    def source(self, number: int, text: str) -> None:
        found = _SOURCE.fullmatch(text)
        if found is None or found["tag"] not in TAGS:
            self.unplaced(number, text)
            return
        items = self.groups[-1][1]
        source = Source(found["label"], TAGS[found["tag"]], found["url"])
        items[-1] = NewsItem(items[-1].date, items[-1].text, (*items[-1].sources, source))

    def bullets(self, number: int, items: list[Any]) -> None:
        """A Worth-noting list as in the text layout: `Month D: text (sources)`."""
        for blocks in items:
            news = self.text.news(Line(number, plain(blocks).strip()), plain(blocks).strip())
            if news is not None and self.groups:
                self.groups[-1][1].append(news)
        self.findings += self.text.findings
        self.text.findings = []


def read_tree(tree: dict[str, Any], labels: Mapping[str, str], date: dt.date) -> Draft:
    """The draft of the issue in pandoc's tree, what it cannot place among its findings.
    Images are read from where the tree's Image nodes say (pandoc's --extract-media)."""
    tree = {**tree, "blocks": unwrapped(tree["blocks"])}
    reader = WordReader(labels, date)
    reader.read(tree["blocks"])
    sections = [part for item in reader.items for part in (item.glance, item.comment)]
    parts, notes = markdown([reader.foreword, *sections, *reader.news_texts], tree)
    texts = iter(parts)
    foreword = next(texts)
    top = [_top(item, texts, notes, date, reader.findings) for item in reader.items]
    authors, editors = _team(reader.fields)
    left_out = (_left_out(label, value, date) for label, value in reader.fields)
    reader.findings += [finding for finding in left_out if finding]
    given = [value for label, value in reader.fields if label == "Correction"]
    news = tuple(
        NewsGroup(title, tuple(replace(i, text=i.text or next(texts)) for i in items))
        for title, items in reader.groups
    )
    return Draft(
        authors,
        editors,
        tuple(t for t in top if t),
        news,
        tuple(reader.findings),
        tuple(reader.figures),
        foreword,
        _corrections(given, reader.findings),
        any(label == "Draft" and value == "yes" for label, value in reader.fields),
    )


def _corrections(given: list[str], findings: list[Finding]) -> tuple[Correction, ...]:
    """`YYYY-MM-DD: text` lines as corrections; another form is reported and left out."""
    found = []
    for value in given:
        day, _, text = value.partition(": ")
        try:
            found.append(Correction(dt.date.fromisoformat(day), text.strip()))
        except ValueError:
            findings.append(Finding(None, f"Correction: {value}: write it as YYYY-MM-DD: text"))
    return tuple(found)


def _left_out(label: str, value: str, date: dt.date) -> Finding | None:
    """A date unlike the one imported under."""
    if label == "Date" and value != date.isoformat():
        return Finding(None, f"the file is dated {value}, imported as {date.isoformat()}")
    return None


def _top(
    item: _Item, texts: Iterator[str], notes: dict[str, str], date: dt.date, found: list[Finding]
) -> TopItem | None:
    """The typed item, the texts of the notes it cites after its comment."""
    glance, comment = next(texts), next(texts)
    cited = dict.fromkeys(_NOTE_REF.findall(glance + comment))
    comment += "".join(f"\n\n[^{n}]: {notes[n]}" for n in cited)
    policy = _policy(item, date, found)
    if policy is None:
        return None
    anchor = item.facts.get("Anchor", "")
    corrections = _corrections(item.corrections, found)
    return TopItem(item.rank, item.title, policy, glance, comment, (), anchor, corrections)


def _policy(item: _Item, date: dt.date, findings: list[Finding]) -> Policy | None:
    """The item's policy from the export's fields or the text layout's."""
    facts = item.facts
    name, zh = facts.get("Policy name", ""), facts.get("Chinese title", "")
    named = POLICY.fullmatch(name)
    if not zh and named:
        name, zh = named["name"], named["zh"]
        facts.setdefault("Link", named["url"] or "")
    issuers = facts.get("Issuing bodies") or facts.get("Issuing body", "")
    when = facts.get("Date", "")
    if not (name and zh and issuers and when):
        missing = "Policy name (with its Chinese title), Issuing bodies and Date"
        findings.append(Finding(None, f"item {item.rank}: needs {missing}: left out"))
        return None
    separator = ISSUERS_SEPARATOR.strip() if ISSUERS_SEPARATOR.strip() in issuers else ","
    bodies = tuple(body.strip() for body in issuers.split(separator))
    iso = re.fullmatch(r"\d{4}-\d\d-\d\d", when)
    day = dt.date.fromisoformat(when) if iso else printed_date(when, date)
    return Policy(name, zh, bodies, day, facts.get("Link") or None)


def _team(fields: list[tuple[str, str]]) -> tuple[tuple[Person, ...], tuple[Editor, ...]]:
    """Authors (`Name (id)`) and editors (`Name (id): role`) from the issue's fields."""
    authors, editors = [], []
    for label, value in fields:
        found = _PERSON.fullmatch(value)
        if found and label == "Author":
            authors.append(Person(found["name"], "", found["id"] or ""))
        elif found and label == "Editor":
            person = Person(found["name"], "", found["id"] or "")
            editors.append(Editor(person, found["role"] or ""))
    return tuple(authors), tuple(editors)


def markdown(sections: list[list[Any]], tree: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Each list of blocks as the content format's Markdown (one pandoc run for all), notes
    as `[^n]`, a note cited again with the same text numbered as the first; and the notes'
    texts by number."""
    import pypandoc

    breaker = {"t": "Para", "c": [{"t": "Str", "c": _BREAK}]}
    blocks = [b for section in sections for b in (*section, breaker)]
    doc = {**tree, "blocks": blocks, "meta": {}}
    text = pypandoc.convert_text(
        json.dumps(doc), "gfm+footnotes+pipe_tables", format="json", extra_args=["--wrap=none"]
    )
    starts = list(_NOTE_DEF.finditer(text))
    ends = [m.start() for m in starts[1:]] + [len(text)] * bool(starts)
    notes = {m[1]: text[m.end() : end].strip() for m, end in zip(starts, ends, strict=True)}
    first = {note: number for number, note in reversed(notes.items())}
    text = text[: starts[0].start()] if starts else text
    text = _NOTE_REF.sub(lambda m: f"[^{first[notes[m[1]]]}]", text)
    text = re.sub(rf"^({TABLE_CAPTION}.*)\n\n\|", r"\1\n|", text, flags=re.MULTILINE)
    parts = text.split(f"{_BREAK}\n")[: len(sections)]
    return [part.strip() for part in parts], notes
