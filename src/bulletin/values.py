"""What one value must be, by its kind: the checks that need nothing but the value itself."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, TypeGuard

from bulletin import markdown
from bulletin.diagnostics import did_you_mean
from bulletin.schema import LANGUAGES, Kind

_CODE_SPAN = re.compile(r"(`+).*?\1")
_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^\s)>]*)[^)]*\)?")
_LINK_TARGET = re.compile(
    r"\]\(\s*<?([^\s)>]*)|<([A-Za-z][A-Za-z0-9+.\-]*:[^\s>]*)>|^ {0,3}\[[^\]]+\]:[ \t]*<?([^\s>]*)"
)
"""The target of an inline link `[text](target)`, an autolink `<scheme:...>` or a reference
definition `[label]: target`."""


def link_problems(text: str) -> list[str]:
    """What is wrong with the links written in a line of Markdown: placeholders, images,
    addresses that are not full web or mail addresses."""
    line = _CODE_SPAN.sub("", text)
    problems = [
        f"image {match.group(1)!r}: images are not part of the bulletin; remove it"
        for match in _IMAGE.finditer(line)
    ]
    for match in _LINK_TARGET.finditer(_IMAGE.sub("", line)):
        target = next(group for group in match.groups() if group is not None)
        problem = _target_problem(target)
        if problem:
            problems.append(problem)
    return problems


def _target_problem(target: str) -> str | None:
    if target in ("", "#"):
        return f"placeholder link {target!r}: give the real address or remove it"
    if not markdown.is_safe_link(target):
        scheme = target.split(":", 1)[0]
        return f"unsafe link scheme '{scheme}:': only http, https and mailto links are allowed"
    if ":" not in target.split("/", 1)[0] and not target.startswith("#"):
        return f"link {target!r} is not a full address: write it as https://..."
    return None


def text(value: Any) -> str | None:
    if isinstance(value, str):
        return None
    return f"expected text, found {kind_of(value)}: put the value in quotes"


def chinese(value: Any) -> str | None:
    if isinstance(value, str) and not markdown.has_cjk(value):
        return f"{value!r} has no Chinese characters: give the original Chinese title"
    return text(value)


def boolean(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    return f"expected true or false, found {kind_of(value)} {value!r}"


def integer(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return None
    hint = ": write it without quotes" if isinstance(value, str) and value.isdigit() else ""
    return f"expected a whole number, found {kind_of(value)}{hint}"


def is_date(value: Any) -> TypeGuard[dt.date]:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def date(value: Any) -> str | None:
    if is_date(value):
        return None
    if isinstance(value, dt.datetime):
        return f"{value} has a time of day: write only the date as YYYY-MM-DD, {value.date()}"
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
        try:
            real = dt.date(*map(int, value.split("-")))
        except ValueError:
            return f"{value} is not a real date: check the month and day"
        return f"{value!r} is text, not a date: write {real.isoformat()} (YYYY-MM-DD, no quotes)"
    return f"expected a date written YYYY-MM-DD, found {kind_of(value)} {value!r}"


def url(value: Any) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        return f"expected a web address starting with https:// or http://, found {value!r}"
    return None


def email(value: Any) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return None
    return f"expected an email address like name@example.org, found {value!r}"


def language(value: Any) -> str | None:
    if value in LANGUAGES:
        return None
    return (
        f"unknown language {value!r}{did_you_mean(str(value), LANGUAGES)}: "
        f"use one of {', '.join(LANGUAGES)}"
    )


CHECKS: dict[Kind, Callable[[Any], str | None]] = {
    Kind.TEXT: text,
    Kind.CHINESE: chinese,
    Kind.INTEGER: integer,
    Kind.BOOLEAN: boolean,
    Kind.DATE: date,
    Kind.URL: url,
    Kind.EMAIL: email,
    Kind.LANGUAGE: language,
}
"""The check of each kind of value that needs nothing but the value; the problem, or None."""


def kind_of(value: Any) -> str:
    """What a value is, in the words shown to editors."""
    names = {
        dict: "a group of fields",
        list: "a list",
        str: "text",
        bool: "yes/no",
        int: "a number",
        float: "a number",
        type(None): "nothing",
    }
    if isinstance(value, dt.date):
        return "a date"
    return names.get(type(value), type(value).__name__)
