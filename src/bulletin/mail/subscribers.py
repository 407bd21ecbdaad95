"""Read the subscriber list, a CSV file (email, name, ...), row by row; bad rows by line."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bulletin.content.values import ADDRESS, HEADER_UNSAFE
from bulletin.diagnostics import Diagnostic, Severity, did_you_mean, printable
from bulletin.errors import ConfigError

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Subscriber:
    """One valid row of the list.

    line: the row's line in the CSV file (1 is the header).
    email: the address as written (surrounding spaces removed).
    name: the display name ('' when none), on one line.
    key: the address case-folded, which identifies the subscriber (Anna@X.org is anna@x.org).
    """

    line: int
    email: str
    name: str

    @property
    def key(self) -> str:
        return self.email.casefold()


@dataclass(frozen=True)
class RowProblem:
    """A row that is skipped, and why: printed as `path:line: warning: field: message`."""

    path: str
    line: int
    field: str
    message: str
    kind: str

    @property
    def diagnostic(self) -> Diagnostic:
        """The problem as a warning on its line of the list."""
        return Diagnostic(self.path, self.line, Severity.WARNING, self.field, self.message)

    def __str__(self) -> str:
        return str(self.diagnostic)


def address_problem(email: str) -> str | None:
    """Why `email` is not a deliverable address, or None when it is one."""
    if not email:
        return "empty: fill in the address or remove the row"
    if not email.isascii():
        return f"{email!r} has non-ASCII characters, which relays rarely accept: fix or remove it"
    if len(email) > 254 or not ADDRESS.fullmatch(email) or len(email.split("@")[0]) > 64:
        return f"{email!r} is not an email address like name@example.org: fix or remove the row"
    return None


def name_problem(name: str) -> str | None:
    """Why `name` (already on one line) cannot be a To: header's display name, or None: it
    holds a control character or a bidi override, which a header or a terminal acts on."""
    unsafe = sorted(set(HEADER_UNSAFE.findall(name)))
    controls = [c for c in unsafe if ord(c) < 0x100]
    bidi = [c for c in unsafe if ord(c) >= 0x100]
    if not controls and not bidi:
        return None
    kinds = [f"control character(s) {' '.join(controls)}"] if controls else []
    kinds += [f"bidi override(s) {' '.join(bidi)}"] if bidi else []
    return printable(
        f"'{name}' holds the {' and the '.join(kinds)}, which must not reach the To: header: "
        "delete them from the name, or remove the row"
    )


def read_subscribers(
    path: Path, shown: str, on_problem: Callable[[RowProblem], None]
) -> Iterator[Subscriber]:
    """The valid rows of the CSV file, one at a time; each bad row goes to `on_problem`.

    Duplicates are not found here (see `sendlog`, which remembers every address of the list).
    Raises ConfigError when the file cannot be read or has no `email` column.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            yield from _rows(file, shown, on_problem)
    except FileNotFoundError:
        raise ConfigError(
            shown, "no such subscriber list", "give the path of a CSV file with an 'email' column"
        ) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            shown,
            f"not UTF-8 ({error.reason} at byte {error.start})",
            "save the list as CSV UTF-8",
        ) from None
    except csv.Error as error:
        raise ConfigError(shown, f"not a readable CSV file: {error}") from None


def _rows(
    file: Iterator[str], shown: str, on_problem: Callable[[RowProblem], None]
) -> Iterator[Subscriber]:
    header_line = next(file, "")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    columns = [
        c.strip().casefold() for c in next(csv.reader([header_line], delimiter=delimiter), [])
    ]
    email_at = _email_column(columns, shown)
    name_at = columns.index("name") if "name" in columns else None
    reader = csv.reader(file, delimiter=delimiter)
    line = 1
    for row in reader:
        start, line = line + 1, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        email = row[email_at].strip() if email_at < len(row) else ""
        problem = address_problem(email)
        if problem:
            on_problem(RowProblem(shown, start, "email", problem, "invalid"))
            continue
        name = row[name_at] if name_at is not None and name_at < len(row) else ""
        name = _SPACE.sub(" ", name).strip()
        problem = name_problem(name)
        if problem:
            on_problem(RowProblem(shown, start, "name", problem, "invalid"))
            continue
        yield Subscriber(start, email, name)


def _email_column(columns: list[str], shown: str) -> int:
    if "email" in columns:
        return columns.index("email")
    found = ", ".join(repr(c) for c in columns if c) or "none"
    raise ConfigError(
        shown,
        f"no 'email' column{did_you_mean('email', columns)} (columns: {found})",
        "the first row names the columns, e.g. 'email,name'",
        line=1,
    )
