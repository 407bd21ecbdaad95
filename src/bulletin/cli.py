"""The `bulletin` command line: a thin skin over the library; heavy imports happen per command."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import click

from bulletin.standards import PDF_VARIANTS

_debug = False


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
    ctx.obj = project_dir


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
def check(project_dir: Path, dates: tuple[str, ...], strict: bool, output_format: str) -> None:
    """Check issues (all of them when no DATE is given) and report every problem.

    Each problem is printed as `path:line: error|warning: field: message`.
    The exit code is 1 when any error is found (or any warning, with --strict).
    """
    from bulletin.diagnostics import Severity, has_errors, to_json
    from bulletin.project import find_project
    from bulletin.validate import check as check_issues

    project = find_project(project_dir)
    raw, diagnostics = check_issues(project, _dates(dates))
    if output_format == "json":
        click.echo(to_json(diagnostics))
    else:
        for diagnostic in diagnostics:
            click.echo(str(diagnostic))
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    files = len(raw.issues) + 3
    click.echo(
        f"{errors} error(s), {len(diagnostics) - errors} warning(s) in "
        f"{len(raw.issues)} issue(s) and {files - len(raw.issues)} shared files",
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
@click.pass_obj
def build(project_dir: Path, dates: tuple[str, ...], strict: bool, pdf_variant: str) -> None:
    """Check, then build each issue's web page and PDF under build/ (all issues when no DATE).

    Nothing is written when the check finds errors; each file is replaced atomically.
    """
    from bulletin.build import Output
    from bulletin.build import build as build_issues
    from bulletin.project import find_project

    project = find_project(project_dir)
    start = time.perf_counter()

    def report(output: Output) -> None:
        click.echo(
            f"wrote {project.shown(output.path)} ({_size(len(output.data))}, "
            f"{output.seconds * 1000:.0f} ms)"
        )

    _, warnings = build_issues(project, _dates(dates), strict, pdf_variant, on_output=report)
    for warning in warnings:
        click.echo(str(warning), err=True)
    click.echo(f"built in {time.perf_counter() - start:.2f} s", err=True)


@cli.command()
@click.argument("date", metavar="DATE")
@click.pass_obj
def new(project_dir: Path, date: str) -> None:
    """Start a new issue: scaffold content/issues/DATE/ with every required field and a hint.

    Authors and editorial team are copied from the latest issue.
    """
    from bulletin.project import find_project, parse_date
    from bulletin.scaffold import scaffold_issue

    project = find_project(project_dir)
    for path in scaffold_issue(project, parse_date(date)):
        click.echo(f"created {project.shown(path)}")
    click.echo(f"fill in the hints, then run 'bulletin check {date}'", err=True)


def _dates(arguments: tuple[str, ...]) -> list[dt.date] | None:
    from bulletin.project import parse_date

    return [parse_date(text) for text in arguments] if arguments else None


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def main() -> None:
    """Entry point: run the CLI; an unexpected failure is one line unless --debug."""
    try:
        cli.main(prog_name="bulletin")
    except Exception as error:
        if _debug:
            raise
        click.echo(
            f"error: internal error: {type(error).__name__}: {error} "
            "(run with --debug for the traceback)",
            err=True,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
