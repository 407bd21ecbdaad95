"""Rules between a value and the rest of its issue, declared beside their fields in the schema.

A rule gets a value that passed the check of its kind, and the `Context` of the file it is in;
it yields a message for each problem (none when the value is right).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bulletin.content import markdown, values


@dataclass(frozen=True)
class Context:
    """What a rule may compare a value with.

    issue_date: the date of the issue the file belongs to, when issue.md gives a real one.
    folder: the name of the issue's folder ('' outside an issue).
    """

    issue_date: dt.date | None = None
    folder: str = ""


Rule = Callable[[Any, Context], Iterator[str]]


def not_after_issue(what: str) -> Rule:
    """A date must not be later than the issue's: `what` names the thing dated."""

    def rule(value: dt.date, context: Context) -> Iterator[str]:
        if context.issue_date and value > context.issue_date:
            yield (
                f"{what} is dated {value}, after the issue date {context.issue_date}: "
                "correct the date"
            )

    return rule


def not_before_issue(what: str) -> Rule:
    """A date must not be earlier than the issue's: `what` names the thing dated."""

    def rule(value: dt.date, context: Context) -> Iterator[str]:
        if context.issue_date and value < context.issue_date:
            yield (
                f"{what} is dated {value}, before the issue date {context.issue_date}: "
                "correct the date"
            )

    return rule


def at_least(least: int, unit: str) -> Rule:
    """A number must be `least` or more (of `unit`, e.g. "second")."""

    def rule(value: int, context: Context) -> Iterator[str]:
        if value < least:
            yield f"{value} is too few: give at least {least} {unit}{'s' if least > 1 else ''}"

    return rule


def same_as_folder(value: dt.date, context: Context) -> Iterator[str]:
    """An issue's date is the name of its folder."""
    if value.isoformat() != context.folder:
        yield (
            f"{value} does not match the folder name {context.folder!r}: make them the same date"
        )


def safe_links(value: str, context: Context) -> Iterator[str]:
    """The links of a line of inline Markdown are real, full and safe addresses; it cites no
    note (notes belong to Top-5 items)."""
    targets = markdown.inline_targets(value)
    for _, problem in values.link_problems(t for t in targets if t.kind == "link"):
        yield problem
    for target in targets:
        if target.kind == "image":
            yield (
                f"image {values.quoted(target.url)} in a news item: remove it (figures go in "
                "Top-5 items)"
            )
        elif target.kind == "note":
            yield (
                f"a note ([^{target.url}]) in a news item: notes are written in Top-5 items "
                "only; put what it says in the sentence"
            )
