"""Commands on the content: check issues, build them, start a new one, export one."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bulletin.cli import Session, _dates, _size, cli
from bulletin.diagnostics import Diagnostic
from bulletin.render.standards import PDF_VARIANTS
from bulletin.report import Quiet

if TYPE_CHECKING:
    from bulletin.content.scaffold import Naming


@cli.command()
@click.argument("dates", nargs=-1, metavar="[DATE]...")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Print diagnostics as text lines or as JSON.",
)
@click.pass_obj
def check(session: Session, dates: tuple[str, ...], strict: bool, output_format: str) -> None:
    """Check issues (all of them when no DATE is given) and report every problem.

    Each problem is printed as `path:line: error|warning: field: message`.
    The exit code is 1 when any error is found (or any warning, with --strict).
    """
    from bulletin.content.validate import check as check_issues
    from bulletin.diagnostics import Severity, has_errors, to_json

    checked = check_issues(session.project, _dates(dates))
    diagnostics, issues = checked.diagnostics, len(checked.folders)
    if output_format == "json":
        click.echo(to_json(diagnostics))
    else:
        for diagnostic in diagnostics:
            click.echo(str(diagnostic))
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    click.echo(
        f"{errors} error(s), {len(diagnostics) - errors} warning(s) in "
        f"{issues} issue(s) and 3 shared files",
        err=True,
    )
    if has_errors(diagnostics, strict):
        sys.exit(1)


@cli.command()
@click.argument("dates", nargs=-1, metavar="[DATE]...")
@click.option("--strict", is_flag=True, help="Refuse to build when there are warnings.")
@click.option(
    "--pdf-variant",
    type=click.Choice(PDF_VARIANTS),
    default=PDF_VARIANTS[0],
    show_default=True,
    help="PDF standard: accessible PDF/UA or archival PDF/A.",
)
@click.option("--drafts", is_flag=True, help="Put issues marked draft on the site too.")
@click.option(
    "--no-pdf",
    is_flag=True,
    help="Build the HTML only: no PDF, social card or PNG copy of a figure (the next build "
    "without it makes those that are missing or out of date).",
)
@click.pass_obj
def build(
    session: Session,
    dates: tuple[str, ...],
    strict: bool,
    pdf_variant: str,
    drafts: bool,
    no_pdf: bool,
) -> None:
    """Check, then build the given issues' web pages and PDFs under build/.

    With no DATE, build the whole site: every issue (drafts only with --drafts), the archive,
    a page per issuing body, the Atom feed, the sitemap, a 404 page and the search index,
    redoing only what changed since the last build. Nothing is written when the check finds
    errors; each file is replaced atomically, each PDF as soon as it is made.
    """
    from bulletin.site.build import build as build_issues

    project = session.project
    start = time.perf_counter()
    outputs, _ = build_issues(
        project,
        _dates(dates),
        strict=strict,
        pdf_variant=pdf_variant,
        drafts=drafts,
        pdf=not no_pdf,
        reporter=_BuildProgress(project.shown),
    )
    done = "built" if outputs else "nothing changed: up to date"
    click.echo(f"{done} in {time.perf_counter() - start:.2f} s", err=True)


class _BuildProgress(Quiet):
    """Draws `bulletin build`: each file written, with its size and render time, on stdout;
    the check's warnings on stderr."""

    def __init__(self, shown: Callable[[Path], str]) -> None:
        self.shown = shown

    def wrote(self, path: Path, size: int, seconds: float) -> None:
        click.echo(f"wrote {self.shown(path)} ({_size(size)}, {seconds * 1000:.0f} ms)")

    def warning(self, diagnostic: Diagnostic) -> None:
        click.echo(str(diagnostic), err=True)


@cli.command()
@click.argument("date", metavar="DATE")
@click.pass_obj
def new(session: Session, date: str) -> None:
    """Start a new issue: scaffold content/issues/DATE/ with every required field and a hint.

    Authors and editorial team are copied from the latest issue. Run again once the headlines
    are filled in, before the issue is first published: each item file still named
    NN-item-N.md is renamed after its headline (NN-china-speeds-up.md), which gives the item
    its web anchor. An issue already published or sent keeps its names.
    """
    from bulletin.content.scaffold import name_items, scaffold_issue
    from bulletin.project import parse_date

    project, day = session.project, parse_date(date)
    folder = project.issue_folder(day)
    if folder.exists():
        _name_items(project.shown(folder), name_items(project, day))
        return
    for path in scaffold_issue(project, day):
        click.echo(f"created {project.shown(path)}")
    click.echo(f"fill in the hints, then run 'bulletin check {date}'", err=True)


def _name_items(folder: str, namings: list[Naming]) -> None:
    """Draws the renames of `bulletin new` on an existing issue, and the files it kept."""
    for naming in namings:
        old = f"top/{naming.path.name}"
        if naming.name:
            click.echo(f"{old} -> top/{naming.name}")
        else:
            click.echo(
                f"{old}: kept: the headline has no letter or digit to name the file by", err=True
            )
    if not any(naming.name for naming in namings):
        click.echo(
            f"{folder}: the issue already exists and no item file is left to rename: "
            "edit its files, or pick another date",
            err=True,
        )


@cli.command()
@click.argument("date", metavar="DATE")
@click.option(
    "--docx",
    "as_docx",
    is_flag=True,
    required=True,
    help="Export as a Word file (.docx) for reviewers; the only format so far.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it (default: build/issues/DATE/SLUG.docx).",
)
@click.pass_obj
def export(session: Session, date: str, as_docx: bool, output: Path | None) -> None:
    """Export a checked issue as a Word file for reviewers outside the team.

    Refuses, printing the check's problems, when the issue has errors. Every field of the
    issue is kept in the file (headings, named styles, footnotes: docs/importing.md), so that
    it can be edited in Word and imported again.
    """
    from bulletin.project import parse_date
    from bulletin.render.docx import export_docx

    start = time.perf_counter()
    path = export_docx(session.project, parse_date(date), output)
    size = path.stat().st_size
    click.echo(f"wrote {session.project.shown(path)} ({_size(size)})")
    click.echo(f"exported in {time.perf_counter() - start:.2f} s", err=True)
