"""Commands that mail an issue to its subscribers and show where the mailing stands."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import Any

import click

from bulletin.cli import cli
from bulletin.diagnostics import printable


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

    from bulletin.mail.send import prepare
    from bulletin.mail.transport import open_transport
    from bulletin.project import find_project, parse_date

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
        again = (
            _command(ctx.obj, "send", day, "--to", str(subscribers), "--resend-unknown"),
            _command(ctx.obj, "send-log", day, "--state", "unknown"),
        )
        _send_all(project, edition, subscribers, transport, options, again)


def _send_test(edition: Any, address: str, transport: Any) -> None:
    from bulletin.errors import BulletinError
    from bulletin.mail.send import send_test
    from bulletin.mail.subscribers import address_problem

    problem = address_problem(address)
    if problem:
        raise BulletinError(f"--test: error: {problem}")
    reply = send_test(edition, address, transport)
    click.echo(
        printable(
            f"sent a [TEST] copy to {address} via {transport.shown} ({reply}); nothing recorded"
        )
    )


def _command(project_dir: Path, *arguments: str) -> str:
    """The bulletin command line that does `arguments` for this project, ready to paste."""
    project = () if project_dir == Path(".") else ("--project", str(project_dir))
    return shlex.join(["bulletin", *project, *arguments])


def _send_all(
    project: Any,
    edition: Any,
    subscribers: Path,
    transport: Any,
    options: dict[str, Any],
    again: tuple[str, str],
) -> None:
    """Send to the list; `again`: the commands that resend to the unknown and list them."""
    from bulletin.mail.send import SendOptions, send_issue
    from bulletin.mail.sendlog import FILE_NAME, open_log

    start = time.perf_counter()
    progress = _SendProgress(edition.key)
    with open_log(project.root, FILE_NAME, transport.records) as log:
        where = (subscribers, project.shown(subscribers))
        reporter: Any = progress
        summary = send_issue(edition, where, transport, log, SendOptions(**options), reporter)
    progress.close()
    seconds = time.perf_counter() - start
    for line in progress.failures:
        click.echo(printable(line))
    if summary.bad_rows:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(summary.bad_rows.items()))
        click.echo(
            printable(
                f"{project.shown(subscribers)}: skipped {sum(summary.bad_rows.values())} "
                f"rows ({kinds}); {summary.listed} recipients listed"
            )
        )
    click.echo(
        printable(
            f"{edition.key} via {transport.shown}: sent {summary.sent}, failed {summary.failed}, "
            f"skipped {summary.skipped}, unknown {summary.unknown}"
            + (f", pending {summary.pending}" if summary.pending else "")
            + f" in {seconds:.1f} s ({summary.sent / seconds:.0f} messages/s)"
        )
    )
    _send_notes(summary, edition, transport.records, again)


def _unknown_notes(summary: Any, again: tuple[str, str]) -> list[str]:
    """What the unknown recipients went through, that they were not sent the issue again, and
    the commands (`again`) that send them another copy and list them."""
    causes = []
    if summary.dropped:
        causes.append(
            f"for {summary.dropped}, the relay dropped the connection (or stopped answering) "
            "after receiving the whole message, before confirming it: it may or may not have "
            "been delivered"
        )
    if stopped := summary.new_unknown - summary.dropped:
        causes.append(f"for {stopped}, this run stopped while handing the message over")
    if earlier := summary.unknown - summary.new_unknown:
        causes.append(f"{earlier} left unknown by an earlier run")
    resend, listing = again
    return [
        f"unknown: {summary.unknown} recipient(s) may or may not have the issue, and were NOT "
        f"sent it again: {'; '.join(causes)}",
        f"unknown: to see who they are: {listing}",
        "unknown: --resend-unknown sends them another copy (a second one to any who got the "
        f"first): {resend}",
    ]


def _send_notes(summary: Any, edition: Any, recorded: bool, again: tuple[str, str]) -> None:
    """What the summary line needs explained; the pause, or recipients left pending, as the
    error that ends the command (exit code 1)."""
    from bulletin.errors import BulletinError
    from bulletin.mail.send import PREVIEW_SECRET

    if summary.unknown:
        for line in _unknown_notes(summary, again):
            click.echo(printable(line), err=True)
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
    if summary.pending > 0:
        raise BulletinError(
            f"{edition.key}: error: {summary.pending} recipient(s) left pending: run the same "
            "command again to resume"
        )


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
        line = f"retrying {subscriber.email} in {seconds:g} s: {detail}"
        click.echo(start + printable(line), err=True)

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
    from bulletin.mail.sendlog import FILE_NAME, State, open_log
    from bulletin.project import find_project, parse_date

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
            line = f"{entry.state:<8} {entry.email}  {entry.updated}  {tries}  {entry.detail}"
            click.echo(printable(line))
