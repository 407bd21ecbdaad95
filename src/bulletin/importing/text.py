"""Read the plain text of a back-catalogue issue, laid out like the reference issue, into a
draft: Top-5 items with their policies and sidebars, Worth noting, authors, editorial team."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bulletin.content.words import LANGUAGES
from bulletin.importing.draft import (
    Draft,
    Editor,
    Finding,
    NewsGroup,
    NewsItem,
    Person,
    Policy,
    Sidebar,
    Source,
    TopItem,
)

SECTIONS = ("contents", "top", "worth_noting", "authors", "editorial_team", "publisher")
"""The labels whose line, alone, opens a part of the issue, in the order they are printed."""
HEADLINE = re.compile(r"(\d+)\.\s+(\S.*)")
BULLET = re.compile(r"[-•]\s+(.*)")
NUMBERED = re.compile(r"[-•]?\s*(\d+)\.(?:\*\*)?\s+(.*)")
POLICY = re.compile(
    r"(?P<name>.+?)\s+\((?P<zh>[^()]*[\u3400-\u9fff][^()]*)\)"
    r"(?:\s*\(\[[^\]]*\]\((?P<url>[^)]*)\)\))?"
)
NEWS = re.compile(r"\*?(?P<month>[A-Z][a-z]+) (?P<day>\d{1,2}):\*? (?P<text>.*)")
MARKDOWN_SOURCES = re.compile(r"\s*\((\[.*\]\([^)]*\))\)\.?$")
PLAIN_SOURCES = re.compile(r"\s*\(((?:[^()]+ \([A-Z]{2}\)(?:; )?)+)\)\.?$")
MARKDOWN_SOURCE = re.compile(r"\[(?P<label>.+?) \\?\((?P<tag>[A-Z]{2})\\?\)\]\((?P<url>[^)]*)\)")
PLAIN_SOURCE = re.compile(r"(?P<label>.+?) \((?P<tag>[A-Z]{2})\)")
PLACEHOLDER_LINK = re.compile(r"\[([^\]]+)\]\(#\)")
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
TAGS = {tag: code for code, tag in LANGUAGES.items()}


@dataclass(frozen=True)
class Line:
    """A line of the source, stripped, with its 1-based number."""

    number: int
    text: str


@dataclass(frozen=True)
class Masthead:
    """What the first page prints apart from the contents: the series and publisher name."""

    series: str
    publisher: str


def read_text(text: str, labels: Mapping[str, str], masthead: Masthead, date: dt.date) -> Draft:
    """The draft of the issue in `text`, every line it could not place among its findings.

    labels: the publication's printed labels (`top`, `comment`, ...). date: the issue's date,
    which gives the year of the Worth-noting items.
    """
    lines = [Line(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1)]
    return read_lines(lines, labels, masthead, date)


def read_lines(
    lines: list[Line], labels: Mapping[str, str], masthead: Masthead, date: dt.date
) -> Draft:
    """The draft of the issue in `lines` (stripped, numbered as in the source; a blank one
    ends a paragraph), as `read_text`."""
    parts = _parts(lines, labels)
    reader = TextReader(labels, date)
    reader.masthead(parts.get("", []), masthead)
    top = reader.top(parts.get("top", []))
    news = reader.worth_noting(parts.get("worth_noting", []))
    authors = reader.authors(parts.get("authors", []))
    editors = reader.editors(parts.get("editorial_team", []))
    return Draft(authors, editors, top, news, tuple(reader.findings))


def _parts(lines: list[Line], labels: Mapping[str, str]) -> dict[str, list[Line]]:
    """The lines of each part of the issue, by the label that opens it ('' before the first);
    blank lines are kept as empty ones, since they end paragraphs."""
    openers = {labels[key].casefold(): key for key in SECTIONS}
    parts: dict[str, list[Line]] = {"": []}
    current = ""
    for line in lines:
        if line.text.casefold() in openers:
            current = openers[line.text.casefold()]
            parts.setdefault(current, [])
        else:
            parts[current].append(line)
    return parts


def paragraphs(lines: list[Line]) -> Iterator[Line]:
    """Each run of non-blank lines joined into one, with the number of its first line; a
    bullet (`- `, `• `) starts a run of its own."""
    run: list[Line] = []
    for line in [*lines, Line(0, "")]:
        if run and (not line.text or BULLET.fullmatch(line.text)):
            yield Line(run[0].number, joined(run))
            run = []
        if line.text:
            run.append(line)


def joined(run: list[Line]) -> str:
    """Lines of a paragraph joined by spaces; not between Chinese characters, nor after a word
    broken at a hyphen (Chengdu-/Chongqing)."""
    text = run[0].text
    for line in run[1:]:
        close = CJK.match(text[-1:]) and CJK.match(line.text[:1])
        broken = re.search(r"[A-Za-z]-$", text) and line.text[:1].isupper()
        text += line.text if close or broken else f" {line.text}"
    return text


def printed_date(text: str, issue: dt.date) -> dt.date:
    """`October 24, 2021`, or `October 24` in the year before the issue's date."""
    if re.search(r"\d{4}$", text):
        return dt.datetime.strptime(text, "%B %d, %Y").date()
    day = dt.datetime.strptime(f"{text} {issue.year}", "%B %d %Y").date()
    return day if day <= issue else day.replace(year=issue.year - 1)


def _append(blocks: list[str], markdown: str, marker: str = "- ") -> None:
    """Add a paragraph to a section's Markdown blocks, or an item to the list it ends with."""
    listed = markdown.startswith(marker) or NUMBERED.fullmatch(markdown) is not None
    if listed and blocks and (blocks[-1].startswith(marker) or blocks[-1][:1].isdigit()):
        blocks[-1] += f"\n{markdown}"
    else:
        blocks.append(markdown)


def _inline(text: str) -> str:
    """A paragraph's Markdown with placeholder links `[text](#)` left as their text."""
    return PLACEHOLDER_LINK.sub(r"\1", text)


@dataclass
class _Item:
    """A Top-5 item while its lines are read."""

    rank: int
    title: str
    line: int
    glance: list[str]
    comment: list[str]
    policy: dict[str, object]
    sidebars: list[tuple[str, list[str]]]
    section: str = "glance"


class TextReader:
    """Reads the parts of an issue, collecting what it cannot place as findings."""

    def __init__(self, labels: Mapping[str, str], date: dt.date) -> None:
        self.labels = labels
        self.date = date
        self.findings: list[Finding] = []

    def unplaced(self, line: Line, where: str) -> None:
        self.findings.append(Finding(line.number, f"{where}: not placed, left out: {line.text}"))

    def masthead(self, lines: list[Line], masthead: Masthead) -> None:
        """Check the first page's lines: the date, series, publisher and authors are known."""
        known = {masthead.series.casefold(), masthead.publisher.casefold()}
        for line in (line for line in lines if line.text):
            dated = re.fullmatch(r"[A-Za-z]+ \d{1,2}, \d{4}", line.text)
            if dated and printed_date(line.text.title(), self.date) != self.date:
                message = f"masthead: dated {line.text}, imported as {self.date.isoformat()}"
                self.findings.append(Finding(line.number, message))
            elif not (dated or line.text.casefold() in known or line.text.isupper()):
                self.unplaced(line, "masthead")

    def top(self, lines: list[Line]) -> tuple[TopItem, ...]:
        items: list[_Item] = []
        for line in paragraphs(lines):
            headline = HEADLINE.fullmatch(line.text)
            if headline and int(headline[1]) == len(items) + 1:
                items.append(_Item(int(headline[1]), headline[2], line.number, [], [], {}, []))
            elif not items:
                self.unplaced(line, self.labels["top"])
            else:
                self.item_line(items[-1], line)
        return tuple(item for item in map(self.finished, items) if item is not None)

    def item_line(self, item: _Item, line: Line) -> None:
        """Place one paragraph of an item: a section's opening, a bullet, a policy fact."""
        labels = self.labels
        for key, section in (("at_a_glance", "glance"), ("comment", "comment")):
            prefix = f"{labels[key]}:".casefold()
            if line.text.casefold().startswith(prefix):
                item.section = section
                self.add(item, _inline(line.text[len(prefix) :].strip()))
                return
        if not self.policy_fact(item, line):
            self.item_text(item, line)

    def policy_fact(self, item: _Item, line: Line) -> bool:
        """Take `Policy name: ...`, `Issuing bodies: ...` or `Date: ...`; False otherwise."""
        facts = {"policy_name": "name", "issuing_bodies": "issuers", "issuing_body": "issuers"}
        facts["date"] = "date"
        for key, fact in facts.items():
            prefix = f"{self.labels[key]}:".casefold()
            if line.text.casefold().startswith(prefix):
                item.policy[fact] = Line(line.number, line.text[len(prefix) :].strip())
                item.section = "sidebar" if fact == "date" else "policy"
                return True
        return False

    def item_text(self, item: _Item, line: Line) -> None:
        """A paragraph or list line of the section being read."""
        numbered = NUMBERED.fullmatch(line.text)
        bullet = BULLET.fullmatch(line.text)
        if item.section == "sidebar" and numbered and item.sidebars:
            _append(item.sidebars[-1][1], f"{numbered[1]}. {_inline(numbered[2])}", "1. ")
        elif item.section == "sidebar" and not item.sidebars:
            item.sidebars.append((line.text, []))
        elif item.section == "sidebar":
            _append(item.sidebars[-1][1], _inline(line.text))
        elif item.section in ("glance", "comment") and bullet:
            self.add(item, f"- {_inline(bullet[1])}")
        elif item.section in ("glance", "comment"):
            self.add(item, _inline(line.text))
        else:
            self.unplaced(line, f"item {item.rank}")

    def add(self, item: _Item, markdown: str) -> None:
        """Add a paragraph or a list item to the section being read."""
        _append(item.glance if item.section == "glance" else item.comment, markdown)

    def finished(self, item: _Item) -> TopItem | None:
        """The typed item, or None (with a finding) when its policy facts are incomplete."""
        policy = self.policy(item)
        if policy is None:
            return None
        sidebars = tuple(Sidebar(title, "\n\n".join(body)) for title, body in item.sidebars)
        return TopItem(
            item.rank,
            item.title,
            policy,
            "\n\n".join(item.glance),
            "\n\n".join(item.comment),
            sidebars,
        )

    def policy(self, item: _Item) -> Policy | None:
        facts = item.policy
        name, issuers, date = (facts.get(key) for key in ("name", "issuers", "date"))
        if not (isinstance(name, Line) and isinstance(issuers, Line) and isinstance(date, Line)):
            missing = "Policy name, Issuing bodies and Date"
            self.findings.append(Finding(item.line, f"item {item.rank}: needs {missing}: left out"))
            return None
        named = POLICY.fullmatch(name.text)
        if named is None:
            self.findings.append(
                Finding(name.number, "policy name: no Chinese title in brackets after it")
            )
            return None
        url = named["url"] if named["url"] not in (None, "", "#") else None
        bodies = tuple(body.strip() for body in issuers.text.split(","))
        return Policy(
            named["name"],
            named["zh"],
            bodies,
            printed_date(date.text, self.date),
            url,
            issuers.number,
        )

    def worth_noting(self, lines: list[Line]) -> tuple[NewsGroup, ...]:
        groups: list[tuple[str, list[NewsItem]]] = []
        for line in paragraphs(lines):
            bullet = BULLET.fullmatch(line.text)
            if bullet is None:
                groups.append((line.text, []))
            elif not groups:
                self.unplaced(line, self.labels["worth_noting"])
            else:
                news = self.news(line, bullet[1])
                if news is not None:
                    groups[-1][1].append(news)
        return tuple(NewsGroup(title, tuple(items)) for title, items in groups)

    def news(self, line: Line, text: str) -> NewsItem | None:
        """A `*Month D:* text (sources)` item."""
        found = NEWS.fullmatch(text)
        if found is None:
            self.unplaced(line, "Worth noting: not a `Month D:` item")
            return None
        body, sources = self.sources(line, found["text"])
        date = printed_date(f"{found['month']} {found['day']}", self.date)
        return NewsItem(date, _inline(body), sources)

    def sources(self, line: Line, text: str) -> tuple[str, tuple[Source, ...]]:
        """The item's text and the sources in brackets at its end."""
        for whole, one in ((MARKDOWN_SOURCES, MARKDOWN_SOURCE), (PLAIN_SOURCES, PLAIN_SOURCE)):
            found = whole.search(text)
            if found:
                parts = [one.fullmatch(part.strip()) for part in found[1].split("; ")]
                if all(parts):
                    return text[: found.start()], tuple(self.source(line, p) for p in parts if p)
        self.findings.append(Finding(line.number, "Worth noting: no `(label (LANG))` sources"))
        return text, ()

    def source(self, line: Line, found: re.Match[str]) -> Source:
        url = found.groupdict().get("url")
        if found["tag"] not in TAGS:
            self.findings.append(Finding(line.number, f"source language {found['tag']}: unknown"))
        lang = TAGS.get(found["tag"], found["tag"].lower())
        return Source(found["label"], lang, url if url not in (None, "", "#") else None)

    def authors(self, lines: list[Line]) -> tuple[Person, ...]:
        """Name and role, one line each, for each author."""
        named = [line for line in lines if line.text]
        if len(named) % 2:
            self.unplaced(named[-1], self.labels["authors"])
        pairs = zip(named[::2], named[1::2], strict=False)
        return tuple(Person(name.text, role.text, line=name.number) for name, role in pairs)

    def editors(self, lines: list[Line]) -> tuple[Editor, ...]:
        """`Role:`, then the name, then their position (on one or more lines), for each
        editor; a `...:` line followed by an email address is the contact, left out."""
        named = [line for line in lines if line.text]
        editors: list[tuple[str, Line, list[str]]] = []
        index = 0
        while index < len(named):
            line, after = named[index], named[index + 1] if index + 1 < len(named) else None
            if after and re.fullmatch(r"\S+@\S+", after.text):
                index += 2  # the contact and its address: publication.yaml has them
            elif line.text.endswith(":") and after:
                editors.append((line.text[:-1], after, []))
                index += 2
            else:
                if editors:
                    editors[-1][2].append(line.text)
                else:
                    self.unplaced(line, self.labels["editorial_team"])
                index += 1
        return tuple(
            Editor(Person(name.text, " ".join(position), line=name.number), role)
            for role, name, position in editors
            if role
        )
