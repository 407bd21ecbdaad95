"""What one value must be, by its kind: the checks that need nothing but the value itself."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import PurePosixPath
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from bulletin.content import markdown
from bulletin.content.words import LANGUAGES, Kind
from bulletin.diagnostics import did_you_mean
from bulletin.project import slugify

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HEADER_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What no email header may hold: control characters, bidi embeddings, overrides, isolates."""
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")
"""An email address as relays accept it: ASCII, a dotted domain (no quoted local parts)."""
_LIST_ID = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
QUOTED_LENGTH = 60
"""How much of a value a message quotes."""
TODO = re.compile(r"^\s*(?:[-*]\s+|\d+\.\s+)?TODO\b")
"""A hint `bulletin new` writes for the editor to replace (a value or a line of a body)."""


def quoted(value: Any) -> str:
    """A value as a message quotes it: its repr, cut to QUOTED_LENGTH characters."""
    text = repr(value)
    return text if len(text) <= QUOTED_LENGTH else text[: QUOTED_LENGTH - 3] + "..."


FIGURE_SYNTAX = "'::: figure Caption', the image, a line 'Source: ...', then ':::'"
"""How a figure is written, for the messages that ask for one."""


def link_problems(targets: Iterable[markdown.Target]) -> Iterator[tuple[int, str]]:
    """What is wrong with the links and images of a text (its line, the problem):
    placeholders, images outside a figure, addresses that are not full web or mail addresses.
    Notes, and the images of figures, have checks of their own."""
    for target in targets:
        if target.kind == "note" or (target.kind == "image" and target.within == "figure"):
            continue
        if target.kind == "image":
            yield (
                target.line,
                f"image {quoted(target.url)} outside a figure: put it in one, {FIGURE_SYNTAX}",
            )
        elif problem := _target_problem(target.url):
            yield target.line, problem


def control_problem(value: str, one_line: bool = False) -> str | None:
    """A control character in a value (one that the YAML escapes \\x.., \\e, \\0 can
    write); with `one_line`, also a line break, a tab or a bidi control, since the value
    reaches an email header."""
    found = (HEADER_UNSAFE if one_line else _CONTROL).search(value)
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    if one_line:
        return (
            f"holds {code} at character {found.start() + 1}, which an email header cannot "
            "hold: write the value on one line, without control characters"
        )
    return f"holds the control character {code} at character {found.start() + 1}: remove it"


def _target_problem(target: str) -> str | None:
    if target.strip() in ("", "#"):
        return f"placeholder link {quoted(target)}: give the real address or remove it"
    if not markdown.is_safe_link(target):
        scheme = quoted(target.split(":", 1)[0].strip() + ":")
        return f"unsafe link scheme {scheme}: only http, https and mailto links are allowed"
    if ":" not in target.split("/", 1)[0] and not target.startswith("#"):
        return f"link {quoted(target)} is not a full address: write it as https://..."
    return None


def shape_problem(kind: Kind, value: list[Any] | dict[str, Any]) -> str:
    """A list or a group of fields where one value of `kind` belongs."""
    if isinstance(value, list):
        hint = "give one value, not a list"
    else:
        hint = "give one value, not fields (put a value holding ': ' in quotes)"
    return f"expected one {kind.value}, found {kind_of(value)}: {hint}"


def text(value: Any) -> str | None:
    if isinstance(value, str):
        return None
    return f"expected text, found {kind_of(value)}: put the value in quotes"


NOTE_REFERENCE = re.compile(r"\[\^[^\]\s]+\]")
"""A note's reference, `[^label]`, where no note can be cited (a title)."""


def title(value: Any) -> str | None:
    if isinstance(value, str) and NOTE_REFERENCE.search(value):
        return "a title cannot cite a note: cite it in the text"
    return text(value)


def chinese(value: Any) -> str | None:
    if isinstance(value, str) and not markdown.has_cjk(value):
        return f"{quoted(value)} has no Chinese characters: give the original Chinese title"
    return text(value)


def boolean(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    return f"expected true or false, found {kind_of(value)} {quoted(value)}"


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
    return f"expected a date written YYYY-MM-DD, found {kind_of(value)} {quoted(value)}"


def url(value: Any) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        return f"expected a web address starting with https:// or http://, found {quoted(value)}"
    return None


def email(value: Any) -> str | None:
    if isinstance(value, str) and len(value) <= 254 and ADDRESS.fullmatch(value):
        return None
    return f"expected an email address like name@example.org (ASCII), found {quoted(value)}"


def language(value: Any) -> str | None:
    if isinstance(value, str) and value in LANGUAGES:
        return None
    close = did_you_mean(value, LANGUAGES) if isinstance(value, str) else ""
    return f"unknown language {quoted(value)}{close}: use one of {', '.join(LANGUAGES)}"


def unsubscribe_address(value: Any) -> str | None:
    """The one-click unsubscribe address: mail programs call it, so https, ASCII, {token}."""
    https = isinstance(value, str) and value.startswith("https://") and value.isascii()
    if https and "{token}" in value:
        return None
    return (
        f"{quoted(value)} must be ASCII, start with https:// and hold {{token}}, e.g. "
        "https://example.org/unsubscribe?email={email}&token={token}"
    )


def list_id(value: Any) -> str | None:
    """A List-Id: a dotted name of letters, digits and hyphens."""
    if isinstance(value, str) and len(value) <= 255 and _LIST_ID.fullmatch(value):
        return None
    return (
        f"{quoted(value)} is not a dotted name: use letters, digits and hyphens between dots, "
        "e.g. china-industries.merics.de"
    )


_PASSWORD = re.compile(r"://[^/@]*:[^/@]*@")


def database_url(value: Any) -> str | None:
    """Where the list and the send log are kept: SQLite or PostgreSQL, with no password (a
    content file is no place for one)."""
    schemes = ("sqlite:///", "postgresql://", "postgresql+psycopg://", "postgres://")
    if not isinstance(value, str) or not value.startswith(schemes):
        return (
            f"{quoted(value)} is not a database URL: write sqlite:///PATH (from the project "
            "folder) or postgresql://USER@HOST/NAME"
        )
    if _PASSWORD.search(value):
        return (
            "holds a password: keep it out of publication.yaml, in PGPASSWORD or ~/.pgpass, or "
            "give the whole URL in BULLETIN_DATABASE_URL"
        )
    return None


ICON_SUFFIXES = (".svg", ".png", ".ico")
"""The icon files every current browser shows."""


def icon(value: Any) -> str | None:
    """The site's icon: a .svg, .png or .ico file, named from content/ (its presence is a
    rule between files, `validate._Checker.check_favicon`)."""
    path = PurePosixPath(value) if isinstance(value, str) else None
    if path is None or path.is_absolute() or ".." in path.parts or "\\" in str(value):
        return (
            f"expected a file name in content/, such as favicon.svg, found {quoted(value)}: "
            "write the path from content/, with / between folders"
        )
    if path.suffix.lower() not in ICON_SUFFIXES:
        return f"{quoted(value)} is not an icon browsers show: give a .svg, .png or .ico file"
    return None


def default_list_id(series: str, base_url: str) -> str:
    """The List-Id when publication.yaml gives none: the series' slug and the site's host."""
    try:
        host = urlsplit(base_url).hostname or "localhost"
    except ValueError:
        host = "localhost"
    return f"{slugify(series)}.{host}"


CHECKS: dict[Kind, Callable[[Any], str | None]] = {
    Kind.TEXT: text,
    Kind.TITLE: title,
    Kind.CHINESE: chinese,
    Kind.INTEGER: integer,
    Kind.BOOLEAN: boolean,
    Kind.DATE: date,
    Kind.URL: url,
    Kind.EMAIL: email,
    Kind.LIST_ID: list_id,
    Kind.UNSUBSCRIBE: unsubscribe_address,
    Kind.DATABASE: database_url,
    Kind.ICON: icon,
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
