"""Diagnostics: one problem found in the content, located by file and line."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem in one content file.

    path: the file, as shown to the editor (relative to the project when possible).
    line: 1-based line in that file; 1 when the problem concerns the whole file.
    severity: error (the issue cannot be built) or warning (it can, but should be fixed).
    field: the dotted name of the field concerned, e.g. `policy.issuers[1]`; empty for the body.
    message: what is wrong and how to fix it.
    """

    path: str
    line: int
    severity: Severity
    field: str
    message: str

    def __post_init__(self) -> None:
        for name in ("path", "field", "message"):  # content quoted in them reaches a terminal
            object.__setattr__(self, name, printable(getattr(self, name)))

    def to_json(self) -> dict[str, object]:
        """The diagnostic as plain data (for JSON output and the build cache)."""
        return asdict(self) | {"severity": self.severity.value}

    @classmethod
    def from_json(cls, row: dict[str, object]) -> Diagnostic:
        return cls(
            str(row["path"]),
            int(str(row["line"])),
            Severity(str(row["severity"])),
            str(row["field"]),
            str(row["message"]),
        )

    def __str__(self) -> str:
        return problem_line(
            self.path, max(self.line, 1), self.severity.value, self.field, self.message
        )


def problem_line(where: str, line: int | None, severity: str, field: str, message: str) -> str:
    """The one way bulletin writes a problem: `where[:line]: severity: [field: ]message`.

    where: a file as shown, an option (`--port 8000`), a variable or a destination; without
    it the line is `severity: message`. line: in that file, when there is one. field: the
    field or part concerned, when it helps (`policy.date`, `template`).
    """
    place = f"{where}:{line}" if line is not None else where
    what = f"{field}: {message}" if field else message
    return f"{place}: {severity}: {what}" if place else f"{severity}: {what}"


_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)
"""Every control character (C0, DEL, C1), format character (soft hyphen, zero-width
characters, bidi marks, embeddings, overrides and isolates, the BOM, tags) and line or
paragraph separator: what a terminal acts on, or hides, instead of showing."""


def printable(text: str) -> str:
    """`text` with each control, format and bidi character written as an escape (\\x1b,
    \\u202e): a message that quotes content shows it, and no terminal acts on it."""
    return _UNPRINTABLE.sub(_escape, text)


def printable_lines(text: str) -> str:
    """`printable` line by line: the line breaks of a message of several lines stay."""
    return "\n".join(printable(line) for line in text.split("\n"))


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def display_path(path: Path, root: Path) -> str:
    """The path as an editor would type it from the project folder."""
    try:
        real = _resolved(root) if root.is_absolute() else root.resolve()
        return str(path.resolve().relative_to(real))
    except ValueError:
        return str(path)


@lru_cache(maxsize=16)
def _resolved(root: Path) -> Path:
    """An absolute project folder, resolved once: every file a check reads is shown from it."""
    return root.resolve()


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    """Whether any diagnostic stops a build (warnings too, when strict)."""
    return any(strict or d.severity is Severity.ERROR for d in diagnostics)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A ' (did you mean X?)' suffix, or '' when nothing is close."""
    by_case = {candidate.lower(): candidate for candidate in candidates}
    close = difflib.get_close_matches(word.lower(), list(by_case), n=1, cutoff=0.6)
    return f" (did you mean {by_case[close[0]]!r}?)" if close else ""


def to_json(diagnostics: Iterable[Diagnostic]) -> str:
    """Diagnostics as a JSON array, for editors' tools and CI."""
    rows = [d.to_json() for d in diagnostics]
    return json.dumps(rows, ensure_ascii=False, indent=2)
