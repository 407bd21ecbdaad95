"""The `bulletin` command line: a thin skin over the library; heavy imports happen per command."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

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
@click.option("--drafts", is_flag=True, help="Put issues marked draft on the site too.")
@click.pass_obj
def build(
    project_dir: Path, dates: tuple[str, ...], strict: bool, pdf_variant: str, drafts: bool
) -> None:
    """Check, then build the given issues' web pages and PDFs under build/.

    With no DATE, build the whole site: every issue (drafts only with --drafts), the archive,
    a page per issuing body, the Atom feed, the sitemap, a 404 page and the search index,
    redoing only what changed since the last build. Nothing is written when the check finds
    errors; each file is replaced atomically.
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

    outputs, warnings = build_issues(
        project,
        _dates(dates),
        strict=strict,
        pdf_variant=pdf_variant,
        drafts=drafts,
        on_output=report,
    )
    for warning in warnings:
        click.echo(str(warning), err=True)
    done = "built" if outputs else "nothing changed: up to date"
    click.echo(f"{done} in {time.perf_counter() - start:.2f} s", err=True)


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


@cli.command()
@click.argument("date", metavar="DATE")
@click.option(
    "--to",
    "subscribers",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The subscriber list: a CSV file with an 'email' column (and 'name').",
)
@click.option(
    "--test", "test_address", metavar="ADDRESS", help="Send one copy marked [TEST]; record nothing."
)
@click.option(
    "--smtp",
    "smtp_url",
    metavar="URL",
    envvar="BULLETIN_SMTP_URL",
    help="The relay, smtp://[USER@]HOST:587 (STARTTLS) or smtps://HOST:465; default "
    "$BULLETIN_SMTP_URL, else the outbox folder outbox/DATE/.",
)
@click.option(
    "--rate",
    metavar="N",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="At most this many messages per second (0: no limit).",
)
@click.option("--retry-failed", is_flag=True, help="Also send to the recipients that failed.")
@click.option(
    "--resend-unknown",
    is_flag=True,
    help="Also send to recipients whose state is unknown (they may get a second copy).",
)
@click.option(
    "--retries",
    metavar="N",
    type=click.IntRange(0, 10),
    default=3,
    show_default=True,
    help="Retries after a temporary failure (4xx reply, dropped connection).",
)
@click.option(
    "--backoff",
    metavar="SECONDS",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds before the first retry; doubled before each next one.",
)
@click.option(
    "--pause-after",
    metavar="N",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Pause the run after this many errors in a row.",
)
@click.pass_context
def send(
    ctx: click.Context,
    /,
    date: str,
    subscribers: Path | None,
    test_address: str | None,
    smtp_url: str | None,
    **options: Any,
) -> None:
    """Mail an issue to the subscribers in --to, or one [TEST] copy to --test ADDRESS.

    Refuses when the issue fails its check or its PDF is not built. No recipient is mailed
    twice for an issue: after a crash or a pause, run the same command again to resume.
    Without a relay URL the messages are written to outbox/DATE/ and nothing is recorded.
    """
    import os

    from bulletin.project import find_project, parse_date
    from bulletin.send import prepare
    from bulletin.transport import open_transport

    if (subscribers is None) == (test_address is None):
        raise click.UsageError("give either --to SUBSCRIBERS.csv or --test ADDRESS")
    project = find_project(ctx.obj)
    day = parse_date(date).isoformat()
    given = ctx.get_parameter_source("smtp_url") is click.core.ParameterSource.COMMANDLINE
    source = "--smtp" if given else "BULLETIN_SMTP_URL"
    transport = open_transport(smtp_url, source, project.root / "outbox", day, os.environ)
    edition = prepare(project, parse_date(date), os.environ, transport.records, bool(test_address))
    if test_address:
        _send_test(edition, test_address, transport)
    else:
        assert subscribers is not None
        _send_all(project, edition, subscribers, transport, options)


def _send_test(edition: Any, address: str, transport: Any) -> None:
    from bulletin.errors import BulletinError
    from bulletin.send import send_test
    from bulletin.subscribers import address_problem

    problem = address_problem(address)
    if problem:
        raise BulletinError(f"--test: error: {problem}")
    reply = send_test(edition, address, transport)
    click.echo(f"sent a [TEST] copy to {address} via {transport.shown} ({reply}); nothing recorded")


def _send_all(
    project: Any, edition: Any, subscribers: Path, transport: Any, options: dict[str, Any]
) -> None:
    from bulletin.send import SendOptions, send_issue
    from bulletin.sendlog import FILE_NAME, open_log

    start = time.perf_counter()
    progress = _SendProgress(edition.key)
    with open_log(project.root, FILE_NAME, transport.records) as log:
        where = (subscribers, project.shown(subscribers))
        reporter: Any = progress
        summary = send_issue(edition, where, transport, log, SendOptions(**options), reporter)
    progress.close()
    seconds = time.perf_counter() - start
    for line in progress.failures:
        click.echo(line)
    if summary.bad_rows:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(summary.bad_rows.items()))
        click.echo(
            f"{project.shown(subscribers)}: skipped {sum(summary.bad_rows.values())} "
            f"rows ({kinds}); {summary.listed} recipients listed"
        )
    click.echo(
        f"{edition.key} via {transport.shown}: sent {summary.sent}, failed {summary.failed}, "
        f"skipped {summary.skipped}, unknown {summary.unknown}"
        + (f", pending {summary.pending}" if summary.pending else "")
        + f" in {seconds:.1f} s ({summary.sent / seconds:.0f} messages/s)"
    )
    _send_notes(summary, edition, transport.records)


def _send_notes(summary: Any, edition: Any, recorded: bool) -> None:
    """What the summary line needs explained; the pause, as the error that ends the command."""
    from bulletin.errors import BulletinError
    from bulletin.send import PREVIEW_SECRET

    if summary.unknown:
        click.echo(
            f"unknown: {summary.unknown} recipient(s) may or may not have the issue (a run "
            f"stopped as they were sent): see 'bulletin send-log {edition.key}'; "
            "--resend-unknown sends them another copy",
            err=True,
        )
    if not recorded:
        click.echo(
            "a rehearsal: nothing recorded; set BULLETIN_SMTP_URL (or --smtp) to send", err=True
        )
    if edition.secret == PREVIEW_SECRET:
        click.echo(
            "the unsubscribe links carry preview tokens: set BULLETIN_UNSUBSCRIBE_SECRET "
            "for a real send",
            err=True,
        )
    if summary.paused:
        raise BulletinError(summary.paused)


class _SendProgress:  # a bulletin.send.Reporter, not imported until `send` runs
    """Draws `bulletin send`'s progress bar; keeps the first failures to list at the end."""

    shown = 20

    def __init__(self, issue: str) -> None:
        self.issue = issue
        self.bar: Any = None
        self.failures: list[str] = []
        self.more = 0

    def problem(self, problem: object) -> None:
        click.echo(str(problem), err=True)

    def start(self, total: int) -> None:
        self.bar = click.progressbar(length=total, label="sending", file=sys.stderr, show_pos=True)
        self.bar.render_progress()

    def outcome(self, subscriber: Any, state: str, detail: str) -> None:
        self.bar.update(1)
        if state != "sent":
            if len(self.failures) < self.shown:
                self.failures.append(f"{state}: {subscriber.email}: {detail}")
            else:
                self.more += 1

    def retry(self, subscriber: Any, detail: str, seconds: float) -> None:
        start = "\n" if sys.stderr.isatty() else ""  # below the progress bar
        click.echo(f"{start}retrying {subscriber.email} in {seconds:g} s: {detail}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()
        if self.more:
            self.failures.append(f"... and {self.more} more: see 'bulletin send-log {self.issue}'")


@cli.command("send-log")
@click.argument("date", metavar="DATE")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(["pending", "sending", "sent", "failed", "unknown"]),
    help="List the recipients in this state (repeatable); default: failed and unknown.",
)
@click.pass_obj
def send_log(project_dir: Path, date: str, states: tuple[str, ...]) -> None:
    """Show where an issue's recipients stand: how many sent, failed, unknown, pending.

    Lists the failed and unknown recipients with the relay's last answer (or those in --state).
    """
    from bulletin.project import find_project, parse_date
    from bulletin.sendlog import FILE_NAME, State, open_log

    project = find_project(project_dir)
    day = parse_date(date).isoformat()
    with open_log(project.root, FILE_NAME, record=False) as log:
        counts = log.counts(day)
        total = sum(counts.values())
        parts = ", ".join(f"{counts.get(state, 0)} {state}" for state in State)
        click.echo(f"{day}: {total} recipient(s): {parts}")
        wanted = [State(s) for s in states] or [State.FAILED, State.UNKNOWN, State.SENDING]
        for entry in log.entries(day, wanted):
            tries = f"{entry.attempts} attempt{'s' if entry.attempts != 1 else ''}"
            click.echo(f"{entry.state:<8} {entry.email}  {entry.updated}  {tries}  {entry.detail}")


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to serve on, on 127.0.0.1 only; 0 picks any free port.",
)
@click.option(
    "--no-watch", is_flag=True, help="Build once and serve; do not rebuild when files change."
)
@click.option("--drafts", is_flag=True, help="Put issues marked draft on the site too.")
@click.pass_obj
def serve(project_dir: Path, port: int, no_watch: bool, drafts: bool) -> None:
    """Preview the whole site: build it, serve build/ on 127.0.0.1, rebuild on change.

    Open pages reload after each rebuild; when the check or a template fails, the last good
    pages stay, with the problems listed at the top. Stop with Ctrl-C.
    """
    from bulletin.errors import BulletinError
    from bulletin.project import find_project
    from bulletin.serve import BuildResult, Preview, PreviewServer

    def report(result: BuildResult) -> None:
        when = (result.built_at or "")[11:]
        if result.ok:
            click.echo(f"{when} built in {result.seconds:.2f} s")
        else:
            click.echo(f"{when} build failed, serving the last good pages:")
        for line in result.diagnostics:
            click.echo(line)

    preview = Preview(find_project(project_dir), on_build=report, drafts=drafts)
    try:
        server = PreviewServer(preview, port)
    except OSError as error:
        raise BulletinError(
            f"--port {port}: error: cannot serve there ({error.strerror}): "
            "pass another port, or --port 0 for any free one"
        ) from None
    click.echo(f"serving {server.url} (Ctrl-C to stop)")
    try:
        server.run(watching=not no_watch)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


@cli.command()
@click.argument("destination", metavar="DEST")
@click.option(
    "--dry-run", is_flag=True, help="List the files publishing would add, change or delete."
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Releases to keep at DEST, the live one included; older ones are deleted.",
)
@click.pass_obj
def publish(project_dir: Path, destination: str, dry_run: bool, keep: int) -> None:
    """Deploy build/ to DEST atomically: readers see the old site or the new one, never a mix.

    DEST is a folder (a path or file:///path) or an rsync destination (user@host:path over SSH,
    or rsync://[user@]host[:port]/module/path). build/ is copied into a new release folder
    beside DEST, then the symlink DEST is switched to it in one step. A password comes from
    the URL or BULLETIN_RSYNC_PASSWORD and is never printed. Each publish is recorded in
    publish-log.jsonl. See docs/publishing.md.
    """
    import os

    from bulletin.project import find_project
    from bulletin.publish import parse_target, plan
    from bulletin.publish import publish as deploy

    project = find_project(project_dir)
    target = parse_target(destination, os.environ)
    if dry_run:
        changes = plan(project, target)
        for change in changes:
            click.echo(f"{change.kind} {change.path}")
        click.echo(f"dry run: {len(changes)} change(s) at {target.shown}, nothing done", err=True)
        return
    release = deploy(project, target, keep, report=lambda line: click.echo(line, err=True))
    click.echo(
        f"published release {release.release} to {release.destination}: {release.files} files, "
        f"{_size(release.bytes)}, {release.seconds:.2f} s"
    )


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
