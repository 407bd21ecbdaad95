"""The one exception family: every failure the CLI reports without a traceback.

An error is one or more problems, each located (a file and line, an option, a variable, a
destination), saying what is wrong and how to fix it. `BulletinError.format_message` alone
writes them, one line each: `where[:line]: error: [field: ]message[: fix]`, escaped for the
terminal. Raise the kind that says whose move it is: `ContentError` (the editor's files),
`ConfigError` (what bulletin was told), `OutputError` (what bulletin writes) or
`DeliveryError` (the far end of a send or a publish).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any, Self

import click

from bulletin.diagnostics import Diagnostic, Severity, printable_lines, problem_line


@dataclass(frozen=True)
class Location:
    """Where a problem is, as the user would look for it.

    where: a file as shown (`content/issues/2021-11-02`), an option with its value
    (`--port 8000`, `DATE '2021-13-01'`), an environment variable (`BULLETIN_SMTP_URL`), or a
    destination (its password masked). line: 1-based, when `where` is a file. field: the field
    or part concerned (`email`, `template`), when it helps.
    """

    where: str
    line: int | None = None
    field: str = ""


@dataclass(frozen=True)
class Problem:
    """One problem: where, what is wrong, and how to fix it (empty when there is no fix to
    give). severity: `error`, or `warning` for a warning that --strict made fatal."""

    location: Location
    message: str
    fix: str = ""
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.location
        what = f"{self.message}: {self.fix}" if self.fix else self.message
        return problem_line(where.where, where.line, self.severity.value, where.field, what)


class BulletinError(click.ClickException):
    """A failure reported as one line per problem, exit code 1. Raise one of its kinds.

    Control, format and bidi characters in the text (from content, a file name, a relay's
    reply) are shown escaped.
    """

    def __init__(
        self,
        where: str,
        message: str,
        fix: str = "",
        *,
        line: int | None = None,
        field: str = "",
    ) -> None:
        self.problems: tuple[Problem, ...] = (Problem(Location(where, line, field), message, fix),)
        super().__init__(message)

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> Self:
        """One error for several problems (at least one), reported in the order given."""
        first, *more = problems
        where = first.location
        error = cls(where.where, first.message, first.fix, line=where.line, field=where.field)
        error.problems = (first, *more)
        return error

    @property
    def location(self) -> Location:
        """Where the (first) problem is."""
        return self.problems[0].location

    def format_message(self) -> str:
        return printable_lines("\n".join(str(problem) for problem in self.problems))

    def __str__(self) -> str:
        return self.format_message()

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), file=file, err=file is None)


class ContentError(BulletinError):
    """The content has errors (or, with --strict, warnings): carries every diagnostic found,
    sorted by file and line, so the editor fixes them all in one go."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(sorted(diagnostics))
        click.ClickException.__init__(self, f"{len(self.diagnostics)} problem(s) in the content")
        self.problems = tuple(_problem(d) for d in self.diagnostics)


def _problem(diagnostic: Diagnostic) -> Problem:
    where = Location(diagnostic.path, max(diagnostic.line, 1), diagnostic.field)
    return Problem(where, diagnostic.message, severity=diagnostic.severity)


class ConfigError(BulletinError):
    """What bulletin was told is wrong: a setting, an environment variable, an option or
    argument (and a file it names, such as the subscriber list), the project's layout."""


class OutputError(BulletinError):
    """What bulletin writes cannot be written, or is missing, stale or unfit where a command
    needs it: build/, the PDF to attach, the send log."""


class DeliveryError(BulletinError):
    """The far end of a send or a publish refused or failed: the relay, rsync, the destination;
    or a send run that stopped before its end."""
