"""The one exception family: every failure the CLI reports without a traceback."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

import click

from bulletin.diagnostics import Diagnostic, printable_lines


class BulletinError(click.ClickException):
    """A failure to report to the user as one or more plain lines, exit code 1.

    Control, format and bidi characters in the message (from content, a file name, a relay's
    reply) are shown escaped."""

    def format_message(self) -> str:
        return printable_lines(super().format_message())

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(self.format_message(), file=file, err=file is None)


class ContentError(BulletinError):
    """The content has errors; carries every diagnostic found."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = tuple(sorted(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))
