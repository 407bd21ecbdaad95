"""Diagnostics: one problem found in the content, located by file and line."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem in one content file.

    path: the file, as shown to the editor (relative to the project when possible).
    line: 1-based line in that file; 0 when the problem concerns the whole file.
    severity: error (the issue cannot be built) or warning (it can, but should be fixed).
    field: the dotted name of the field concerned, e.g. `policy.issuers[1]`; empty for the body.
    message: what is wrong and how to fix it.
    """

    path: str
    line: int
    severity: Severity
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {self.severity.value}: {what}"


def display_path(path: Path, root: Path) -> str:
    """The path as an editor would type it from the project folder."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    """Whether any diagnostic stops a build (warnings too, when strict)."""
    return any(strict or d.severity is Severity.ERROR for d in diagnostics)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A ' (did you mean X?)' suffix, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def to_json(diagnostics: Iterable[Diagnostic]) -> str:
    """Diagnostics as a JSON array, for editors' tools and CI."""
    rows = [asdict(d) | {"severity": d.severity.value} for d in diagnostics]
    return json.dumps(rows, ensure_ascii=False, indent=2)
