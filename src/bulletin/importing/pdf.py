"""The text of a PDF issue, by poppler's pdftotext, brought to the layout of the plain-text
issues: page footers gone, paragraphs apart, the facts panel as `Label: value` lines, each
sidebar after its item's facts."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from bulletin.errors import ConfigError
from bulletin.importing.text import BULLET, CJK, Line

FACTS = ("policy_name", "issuing_bodies", "issuing_body", "date")
"""The labels of the facts panel, each printed alone above its value."""
LIST_ITEM = re.compile(r"(\d+)\. \S.*")
SENTENCE_END = re.compile(r"[.!?:)”\"]$")
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
TYPOGRAPHIC = re.compile(f"(?<!{CJK.pattern})[\u2018\u2019\u201c\u201d](?!{CJK.pattern})")
FULL = 0.85
"""A line shorter than this share of the page's text width, ending a sentence, ends its
paragraph (pdftotext leaves no blank line between the paragraphs of a section)."""


def pdf_text(source: Path) -> str:
    """The text of the PDF at `source`, as pdftotext gives it (pages apart by form feeds)."""
    try:
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(source), "-"],
            capture_output=True,
            check=False,
            timeout=120,
        )
    except FileNotFoundError:
        raise ConfigError("pdftotext", "not installed", "install poppler-utils") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
        raise ConfigError(str(source), f"not a readable PDF ({reason[0]})", "give the issue's PDF")
    return done.stdout.decode("utf-8", "replace")


def pdf_lines(text: str, labels: Mapping[str, str], footer: str) -> list[Line]:
    """pdftotext's `text` as numbered lines in the plain-text layout. footer: the start of
    the running footer (`China Industries |`), dropped with the page number after it."""
    lines = [Line(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1)]
    lines = _without_footers(lines, footer)
    lines = _paragraphs_apart(lines, labels)
    return _facts_joined(lines, labels)


def _without_footers(lines: list[Line], footer: str) -> list[Line]:
    """The lines without each page's footer and number, nor the blank lines around them, so
    that a paragraph split by a page break reads on."""
    kept: list[Line] = []
    skip, footed = 0, False
    for index, line in enumerate(lines):
        if line.text.startswith(footer):
            while kept and not kept[-1].text:
                kept.pop()
            rest = [other.text for other in lines[index + 1 : index + 4]]
            skip = next((i + 1 for i, t in enumerate(rest) if t.isdigit()), 0)
            footed = True
        elif skip:
            skip -= 1
        elif line.text or not (footed or (kept and not kept[-1].text)):
            kept.append(_plain_quotes(line))
            footed = False
    return kept


def _plain_quotes(line: Line) -> Line:
    return Line(line.number, plain_quotes(line.text))


def plain_quotes(text: str) -> str:
    """The text with the typographic quotes bulletin prints as the straight ones its sources
    hold (it makes them typographic again when it prints); those beside a Chinese character
    are Chinese text's own, kept."""
    return TYPOGRAPHIC.sub(lambda q: q[0].translate(QUOTES), text)


def _paragraphs_apart(lines: list[Line], labels: Mapping[str, str]) -> list[Line]:
    """A blank line before each section's opening (At a glance:), bullet, numbered list item
    and fact label, and after a short line that ends a sentence."""
    openers = tuple(f"{labels[key]}:" for key in ("at_a_glance", "comment"))
    width = max((len(line.text) for line in lines if "...." not in line.text), default=0)
    result: list[Line] = []
    for index, line in enumerate(lines):
        before = result[-1].text if result else ""
        starts = line.text.startswith(openers) or BULLET.fullmatch(line.text)
        numbered = LIST_ITEM.fullmatch(line.text) and index and _listed(lines, index)
        ended = SENTENCE_END.search(before) and len(before) < FULL * width
        if before and (starts or numbered or ended or _is_fact(line.text, labels)):
            result.append(Line(line.number, ""))
        result.append(line)
    return result


def _listed(lines: list[Line], index: int) -> bool:
    """Whether the numbered line at `index` is an item of a list: the first (1.) or one
    after its predecessor, so that a wrapped line starting with a year (2060. Among) is not."""
    number = int(lines[index].text.split(".")[0])
    if number == 1:
        return True
    earlier = (LIST_ITEM.fullmatch(line.text) for line in reversed(lines[:index]))
    return any(found and int(found[1]) == number - 1 for found in earlier)


def _is_fact(text: str, labels: Mapping[str, str]) -> bool:
    return any(text == labels[key] for key in FACTS)


def _facts_joined(lines: list[Line], labels: Mapping[str, str]) -> list[Line]:
    """Each fact label joined to the paragraph after it (`Date: October 24, 2021`); list
    items printed after a label, beside the panel, moved back before it; each item's
    sidebar (the title, text and list before the panel) moved after its Date."""
    result: list[Line] = []
    pending = ""
    for line in lines:
        if _is_fact(line.text, labels):
            pending = line.text
        elif pending and line.text and LIST_ITEM.fullmatch(line.text):
            _insert_before_facts(result, line)
        elif pending and line.text:
            result.append(Line(line.number, f"{pending}: {line.text}"))
            pending = ""
        elif line.text or not pending:
            result.append(line)
    return _sidebars_after_facts(result, labels)


def _insert_before_facts(result: list[Line], line: Line) -> None:
    """Put a list item back at the end of the list it continues, before the facts."""
    at = max(i for i, kept in enumerate(result) if LIST_ITEM.fullmatch(kept.text))
    result[at + 1 : at + 1] = [Line(line.number, ""), line]


def _sidebars_after_facts(lines: list[Line], labels: Mapping[str, str]) -> list[Line]:
    """Move each sidebar printed before its item's facts (a title line, its text and a
    numbered list) to after the item's Date, where the plain-text layout has it."""
    name, date = f"{labels['policy_name']}:", f"{labels['date']}:"
    result = list(lines)
    for line in lines:
        if not line.text.startswith(name):
            continue
        start = _sidebar_start(result, result.index(line))
        if start is None:
            continue
        box = [_as_bullet(kept) for kept in result[start : result.index(line)]]
        del result[start : result.index(line)]
        end = next(i for i, kept in enumerate(result) if kept.text.startswith(date) and i > start)
        title = Line(box[0].number, "")
        result[end + 1 : end + 1] = [title, box[0], title, *box[1:]]
    return result


def _as_bullet(line: Line) -> Line:
    """A sidebar's list item written `- 1. ...`, as the plain text has it, so that it is not
    taken for an item's headline."""
    return Line(line.number, f"- {line.text}") if LIST_ITEM.fullmatch(line.text) else line


def _sidebar_start(lines: list[Line], facts: int) -> int | None:
    """Where the sidebar before the facts at `facts` starts: the title line (not ending a
    sentence) just after a paragraph's end, above a numbered list that runs to the facts;
    None when no list comes just before the facts."""
    texts = [line.text for line in lines[:facts] if line.text]
    if not texts or not LIST_ITEM.fullmatch(texts[-1]):
        return None
    index = facts - 1
    while index > 0 and (not lines[index].text or LIST_ITEM.fullmatch(lines[index].text)):
        index -= 1
    while index > 0:
        above = lines[index - 1].text
        if not SENTENCE_END.search(lines[index].text) and (not above or above.endswith(".")):
            return index
        index -= 1
    return None
