"""The command that checks the external links of issues: `bulletin links`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from bulletin.cli import Session, _dates, cli
from bulletin.report import Quiet

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


@cli.command()
@click.argument("dates", nargs=-1, metavar="[DATE]...")
@click.option("--strict", is_flag=True, help="Report problems as errors and exit with 1.")
@click.option(
    "--timeout",
    metavar="SECONDS",
    type=float,
    help="Seconds to wait for each answer [default: links.timeout, else 10].",
)
@click.option(
    "--per-host",
    metavar="N",
    type=int,
    help="Requests at a time to one host [default: links.per_host, else 2].",
)
@click.option(
    "--concurrency", metavar="N", type=int, help="Requests at a time in all [default: 10]."
)
@click.option(
    "--slow",
    metavar="SECONDS",
    type=float,
    help="Report an answer that took longer as slow [default: 5].",
)
@click.option(
    "--snapshots",
    metavar="URL",
    help="The availability API asked for archived copies of dead links [default: "
    "links.snapshots, else the Wayback Machine's].",
)
@click.option("--no-cache", is_flag=True, help="Ask again for addresses checked within a day.")
@click.pass_obj
def links(
    session: Session,
    dates: tuple[str, ...],
    strict: bool,
    timeout: float | None,
    per_host: int | None,
    concurrency: int | None,
    slow: float | None,
    snapshots: str | None,
    no_cache: bool,
) -> None:
    """Check the external links of issues (all of them when no DATE is given).

    Each address is asked for once (HEAD, else GET), a few at a time per host, its redirects
    followed; the results are kept for a day in .bulletin-cache/links.json. Each problem is
    printed at each place it is written: `path:line: warning: link: URL: what (fix)`, with an
    archived copy for a dead link. The exit code is 1 with --strict when there is a problem,
    or when a file cannot be read.
    """
    from bulletin.diagnostics import has_errors
    from bulletin.links.check import check_links
    from bulletin.links.settings import Options

    options = Options(timeout, per_host, concurrency, slow, snapshots, use_cache=not no_cache)
    progress = _LinkProgress()
    try:
        found = check_links(session.project, _dates(dates), options, strict, progress)
    finally:
        progress.close()
    for diagnostic in found.diagnostics:
        click.echo(str(diagnostic))
    click.echo(
        f"{found.links} link(s) checked, {found.cached} cached, {found.problems} problem(s), "
        f"{found.seconds:.1f} s",
        err=True,
    )
    if has_errors(found.diagnostics):
        sys.exit(1)


class _LinkProgress(Quiet):
    """Draws a progress bar of the addresses asked for, on a terminal only."""

    def __init__(self) -> None:
        self.bar: ProgressBar[int] | None = None

    def start(self, total: int) -> None:
        if total and sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label="checking links", file=sys.stderr)
            self.bar.render_progress()

    def outcome(self, item: str, state: str, detail: str) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()
