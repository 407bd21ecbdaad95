"""The `bulletin import` command: an issue from a back catalogue's plain text or PDF, or a
Word file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bulletin.cli import Session, cli


@cli.command(name="import")
@click.argument("source", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--date", "date", required=True, metavar="DATE", help="The new issue's date.")
@click.option(
    "--add-to-registries",
    "add",
    is_flag=True,
    help="Write the proposed people and issuing bodies into people.yaml and bodies.yaml.",
)
@click.option(
    "--accept-changes",
    "changes",
    flag_value="accept",
    help="Take a Word file's tracked changes as accepted (without it they refuse the import).",
)
@click.option(
    "--reject-changes",
    "changes",
    flag_value="reject",
    help="Take a Word file's tracked changes as rejected.",
)
@click.pass_obj
def import_(session: Session, source: Path, date: str, add: bool, changes: str | None) -> None:
    """Import an issue from FILE (.txt or .pdf laid out like a printed issue, or a .docx as
    `bulletin export --docx` writes it or with the headings of a printed issue) as DATE.

    A Word file's comments are reported as warnings; its tracked changes are listed and
    refuse the import unless --accept-changes or --reject-changes is given.

    Writes content/issues/DATE/ (all its files or none), printing each file written, then
    every line it could not place and every person or issuing body not in the registries
    (proposed as YAML lines) as `FILE:line: warning: ...`. Then checks the new issue and
    prints its diagnostics; the exit code is 1 when the check finds an error.
    """
    from bulletin.content.validate import check
    from bulletin.diagnostics import has_errors, problem_line
    from bulletin.importing.issue import import_issue
    from bulletin.project import parse_date

    project, day = session.project, parse_date(date)
    imported = import_issue(project, source, day, add, changes or "all")
    for path in imported.written:
        click.echo(f"wrote {project.shown(path)}")
    for finding in imported.findings:
        line = problem_line(str(source), finding.line, "warning", "", finding.message)
        click.echo(line, err=True)
    diagnostics = check(project, [day]).diagnostics
    for diagnostic in diagnostics:
        click.echo(str(diagnostic))
    if has_errors(diagnostics, False):
        sys.exit(1)
