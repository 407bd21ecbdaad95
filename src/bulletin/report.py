"""Progress, as the library reports it and the command line draws it: the library never prints.

A build, a send and a publish each take a `Reporter` and call it as they go. `Quiet` shows
nothing: it is the library's default, and the base of the command line's reporters, each of
which overrides only what it draws.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from bulletin.diagnostics import Diagnostic


class Reporter(Protocol):
    """Receives the progress of one piece of work (a build, a send, a publish)."""

    def step(self, message: str) -> None:
        """A stage begun or done, as one line for the user, e.g. `switched site to R`."""

    def wrote(self, path: Path, size: int, seconds: float) -> None:
        """A file written: where, its size in bytes, and how long it took to make."""

    def warning(self, diagnostic: Diagnostic) -> None:
        """A problem that does not stop the work: a warning of the check, a row of the
        subscriber list that is skipped."""

    def start(self, total: int) -> None:
        """How many items (recipients) the work will go through: a progress bar's length."""

    def outcome(self, item: str, state: str, detail: str) -> None:
        """One item done: `item` (a recipient's address), how it ended (`sent`, `failed`,
        `unknown`, or `pending`: left for the next run), and the far end's answer."""

    def retry(self, item: str, detail: str, seconds: float) -> None:
        """A temporary failure for `item`: `detail`; the next attempt comes after `seconds`."""


class Quiet:
    """A `Reporter` that shows nothing; subclass it to draw some of the progress."""

    def step(self, message: str) -> None:
        pass

    def wrote(self, path: Path, size: int, seconds: float) -> None:
        pass

    def warning(self, diagnostic: Diagnostic) -> None:
        pass

    def start(self, total: int) -> None:
        pass

    def outcome(self, item: str, state: str, detail: str) -> None:
        pass

    def retry(self, item: str, detail: str, seconds: float) -> None:
        pass


QUIET: Reporter = Quiet()
