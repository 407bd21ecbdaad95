"""The `bulletin` command line: a thin skin over the library; heavy imports happen per command.

The group and the entry point are here; the commands are in `content` (check, build, new),
`website` (serve, publish), `mail` (send, send-log), `links` (links) and `importing`
(import).
"""

from __future__ import annotations

import datetime as dt
import shlex
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from bulletin.project import Project
    from bulletin.store.database import Database

_debug = False


@dataclass(frozen=True)
class Session:
    """What every command is given (`click.pass_obj`): the folder of --project, and the project
    in it, found when a command first asks, so that `--help` works anywhere."""

    folder: Path

    @cached_property
    def project(self) -> Project:
        """The project in `folder`, found once; a one-line error when there is none."""
        from bulletin.project import find_project

        return find_project(self.folder)

    def database(self, create: bool = True) -> Database:
        """The project's database, where publication.yaml or BULLETIN_DATABASE_URL says (the
        shared files must pass their check: a wrong database is never guessed at)."""
        import os

        from bulletin.content.read import read_project
        from bulletin.content.validate import validate
        from bulletin.errors import ContentError
        from bulletin.store.database import open_database

        checked = validate(read_project(self.project, []))
        if checked.publication is None:
            raise ContentError(checked.diagnostics)
        configured = checked.publication.database
        return open_database(self.project.root, os.environ, create=create, configured=configured)

    def command(self, *arguments: str) -> str:
        """The bulletin command line that does `arguments` for this project, ready to paste."""
        project = () if self.folder == Path(".") else ("--project", str(self.folder))
        return shlex.join(["bulletin", *project, *arguments])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (holds content/).",
)
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@click.version_option(package_name="bulletin")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path, debug: bool) -> None:
    """Write a policy-analysis bulletin as Markdown; check it; build its PDF and web page."""
    global _debug
    _debug = debug
    ctx.obj = Session(project_dir)


def _dates(arguments: tuple[str, ...]) -> list[dt.date] | None:
    from bulletin.project import parse_date

    dates = [parse_date(text) for text in arguments]
    return list(dict.fromkeys(dates)) if dates else None  # each issue once


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def main() -> None:
    """Entry point: run the CLI; an unexpected failure is one line unless --debug."""
    try:
        cli.main(prog_name="bulletin")
    except Exception as error:
        if _debug:
            raise
        from bulletin.diagnostics import printable

        click.echo(
            f"error: internal error: {type(error).__name__}: {printable(str(error))} "
            "(run with --debug for the traceback)",
            err=True,
        )
        sys.exit(2)


from bulletin.cli import (  # noqa: E402  (they register)
    content,
    importing,
    links,
    mail,
    subscribers,
    website,
)

__all__ = ["cli", "content", "importing", "links", "mail", "main", "subscribers", "website"]
