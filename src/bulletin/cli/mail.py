"""Commands that mail an issue to its subscribers and show where the mailing stands."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bulletin.cli import Session, cli
from bulletin.diagnostics import Diagnostic, printable
from bulletin.report import Quiet

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from bulletin.mail.send import Edition, SendOptions, Summary
    from bulletin.mail.transport import Transport
    from bulletin.project import Project


@cli.command()
@click.argument("date", metavar="DATE")
@click.option(
    "--to",
    "subscribers",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mail the subscribers of this CSV file (an 'email' column, and 'name') instead of "
    "the list's confirmed subscribers.",
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
@click.option(
    "--correction",
    is_flag=True,
    help="Mail the issue's latest correction (with the corrected PDF) to those the send log "
    "has as sent the issue without it; once each, like the issue.",
)
@click.option(
    "--only-new",
    is_flag=True,
    help="Mail only those not in the send log for the issue at all (who joined since it was "
    "sent); refuses while an earlier run has recipients left pending.",
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
@click.pass_obj
def send(
    session: Session,
    date: str,
    subscribers: Path | None,
    test_address: str | None,
    smtp_url: str | None,
    rate: float,
    correction: bool,
    only_new: bool,
    retry_failed: bool,
    resend_unknown: bool,
    retries: int,
    backoff: float,
    pause_after: int,
) -> None:
    """Mail an issue to the list's subscribers (or those in --to), or one [TEST] copy; with
    --correction, its latest correction to those who received it.

    Refuses when the issue fails its check or its PDF is not built. No recipient is mailed
    twice for an issue (or a correction): after a crash or a pause, run the same command again
    to resume; run again later, it mails only those not mailed yet (who joined since).
    Without a relay URL the messages are written to outbox/DATE/ (outbox/DATE/correction/)
    and nothing is recorded.
    """
    import os

    from bulletin.mail.send import SendOptions, prepare
    from bulletin.mail.transport import open_transport
    from bulletin.project import parse_date

    _refuse_combinations(
        subscribers, test_address, correction, only_new, retry_failed, resend_unknown
    )
    project = session.project
    day = parse_date(date).isoformat()
    given = click.get_current_context().get_parameter_source("smtp_url")
    source = "--smtp" if given is click.core.ParameterSource.COMMANDLINE else "BULLETIN_SMTP_URL"
    folder = f"{day}/correction" if correction else day
    transport = open_transport(smtp_url, source, project.root / "outbox", folder, os.environ)
    real, test = transport.records, bool(test_address)
    edition = prepare(project, parse_date(date), os.environ, real, test, correction)
    if test_address:
        _send_test(edition, test_address, transport)
    else:
        options = SendOptions(
            rate=rate,
            retries=retries,
            backoff=backoff,
            pause_after=pause_after,
            retry_failed=retry_failed,
            resend_unknown=resend_unknown,
            only_new=only_new,
        )
        to = ("--to", str(subscribers)) if subscribers else ()
        which = ("--correction",) if correction else ()
        number = (str(edition.erratum.number),) if edition.erratum else ()
        again = (
            session.command("send", day, *to, *which, "--resend-unknown"),
            session.command("send-log", day, *which, *number, "--state", "unknown"),
        )
        _send_all(project, edition, subscribers, transport, options, again)


def _refuse_combinations(
    subscribers: Path | None,
    test_address: str | None,
    correction: bool,
    only_new: bool,
    retry_failed: bool,
    resend_unknown: bool,
) -> None:
    """Options of `send` that make no sense together."""
    if subscribers is not None and test_address is not None:
        raise click.UsageError("give either --to SUBSCRIBERS.csv or --test ADDRESS, not both")
    if correction and subscribers is not None:
        raise click.UsageError(
            "--correction mails those the send log has as sent the issue: leave out --to"
        )
    given = {
        "--correction": correction,
        "--retry-failed": retry_failed,
        "--resend-unknown": resend_unknown,
        "--test": test_address is not None,
    }
    clash = next((name for name, on in given.items() if on), None)
    if only_new and clash:
        raise click.UsageError(
            f"--only-new mails only those not in the send log yet: leave out {clash}"
        )


def _send_test(edition: Edition, address: str, transport: Transport) -> None:
    from bulletin.errors import ConfigError
    from bulletin.mail.send import send_test
    from bulletin.mail.subscribers import address_problem

    problem = address_problem(address)
    if problem:
        raise ConfigError("--test", problem)
    reply = send_test(edition, address, transport)
    click.echo(
        printable(
            f"sent a [TEST] copy to {address} via {transport.shown} ({reply}); nothing recorded"
        )
    )


def _send_all(
    project: Project,
    edition: Edition,
    subscribers: Path | None,
    transport: Transport,
    options: SendOptions,
    again: tuple[str, str],
) -> None:
    """Send to the list; `again`: the commands that resend to the unknown and list them."""
    from bulletin.mail.send import send_issue
    from bulletin.mail.sendlog import open_log
    from bulletin.store.database import open_database

    start = time.perf_counter()
    progress = _SendProgress(edition.key)
    configured = edition.issue.publication.database
    database = open_database(
        project.root, os.environ, create=transport.records, configured=configured
    )
    with database, open_log(database, transport.records) as log:
        where = (subscribers, project.shown(subscribers)) if subscribers else None
        summary = send_issue(edition, where, transport, log, options, progress)
    progress.close()
    seconds = time.perf_counter() - start
    source = "the send log" if edition.erratum else "the list"
    for line in progress.failures:
        click.echo(printable(line))
    if summary.bad_rows:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(summary.bad_rows.items()))
        click.echo(
            printable(
                f"{where[1] if where else source}: skipped {sum(summary.bad_rows.values())} "
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


def _unknown_notes(summary: Summary, again: tuple[str, str], what: str) -> list[str]:
    """What the unknown recipients went through, that they were not sent `what` (the issue,
    the correction) again, and the commands (`again`) that send them another copy and list
    them."""
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
        f"unknown: {summary.unknown} recipient(s) may or may not have {what}, and were NOT "
        f"sent it again: {'; '.join(causes)}",
        f"unknown: to see who they are: {listing}",
        "unknown: --resend-unknown sends them another copy (a second one to any who got the "
        f"first): {resend}",
    ]


def _send_notes(summary: Summary, edition: Edition, recorded: bool, again: tuple[str, str]) -> None:
    """What the summary line needs explained; the pause, or recipients left pending, as the
    error that ends the command (exit code 1)."""
    from bulletin.errors import DeliveryError
    from bulletin.mail.send import PREVIEW_SECRET

    if summary.unknown:
        what = "the correction" if edition.erratum else "the issue"
        for line in _unknown_notes(summary, again, what):
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
        raise summary.paused
    if summary.pending > 0:
        raise DeliveryError(
            edition.key,
            f"{summary.pending} recipient(s) left pending",
            "run the same command again to resume",
        )


class _SendProgress(Quiet):
    """Draws `bulletin send`'s progress bar; keeps the first failures to list at the end."""

    shown = 20

    def __init__(self, issue: str) -> None:
        self.issue = issue
        self.bar: ProgressBar[int] | None = None
        self.failures: list[str] = []
        self.more = 0

    def warning(self, diagnostic: Diagnostic) -> None:
        click.echo(str(diagnostic), err=True)

    def start(self, total: int) -> None:
        self.bar = click.progressbar(length=total, label="sending", file=sys.stderr, show_pos=True)
        self.bar.render_progress()

    def outcome(self, item: str, state: str, detail: str) -> None:
        if self.bar is not None:
            self.bar.update(1)
        if state != "sent":
            if len(self.failures) < self.shown:
                self.failures.append(f"{state}: {item}: {detail}")
            else:
                self.more += 1

    def retry(self, item: str, detail: str, seconds: float) -> None:
        start = "\n" if sys.stderr.isatty() else ""  # below the progress bar
        line = f"retrying {item} in {seconds:g} s: {detail}"
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
@click.option(
    "--correction",
    "number",
    metavar="N",
    type=click.IntRange(min=1),
    help="List the recipients of the mail of correction N instead of the issue's.",
)
@click.pass_obj
def send_log(session: Session, date: str, states: tuple[str, ...], number: int | None) -> None:
    """Show where an issue's recipients stand: how many sent, failed, unknown, pending; and
    the same for the mail of each of its corrections.

    Lists the failed and unknown recipients with the relay's last answer (or those in --state),
    of the issue or, with --correction N, of that correction's mail.
    """
    from bulletin.mail.sendlog import State, open_log
    from bulletin.project import parse_date

    day = parse_date(date).isoformat()
    database = session.database(create=False)
    with database, open_log(database, record=False) as log:
        for key in (day, *log.corrections(day)):
            counts = log.counts(key)
            parts = ", ".join(f"{counts.get(state, 0)} {state}" for state in State)
            click.echo(f"{key}: {sum(counts.values())} recipient(s): {parts}")
        wanted = [State(s) for s in states] or [State.FAILED, State.UNKNOWN, State.SENDING]
        listed = f"{day}/correction-{number}" if number else day
        for entry in log.entries(listed, wanted):
            tries = f"{entry.attempts} attempt{'s' if entry.attempts != 1 else ''}"
            line = f"{entry.state:<8} {entry.email}  {entry.updated}  {tries}  {entry.detail}"
            click.echo(printable(line))
