"""Send an issue to its subscribers, or a correction of it to those who received it: at most
once each, resumable, paced, retried with backoff."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bulletin.archive.history import How
from bulletin.content.model import Erratum, Issue
from bulletin.diagnostics import has_errors
from bulletin.errors import ConfigError, ContentError, DeliveryError, OutputError
from bulletin.mail.mailing_list import HARD_BOUNCE
from bulletin.mail.message import EmailSettings, Letter, compose, email_settings, unsubscribe_url
from bulletin.mail.sendlog import SendLog, State
from bulletin.mail.subscribers import RowProblem, Subscriber, read_subscribers
from bulletin.mail.transport import (
    DeliveryFailure,
    Outbox,
    PermanentFailure,
    RelaySetupError,
    TemporaryFailure,
    Transport,
    UnknownOutcome,
)
from bulletin.project import Project
from bulletin.render.html import Theme
from bulletin.report import Reporter

SECRET_VARIABLE = "BULLETIN_UNSUBSCRIBE_SECRET"
PREVIEW_SECRET = b"preview: not a real secret"


@dataclass(frozen=True)
class Edition:
    """An issue ready to mail: checked, its PDF built, its letter composed; or, with an
    `erratum`, the letter of that correction of it (sent to those who received the issue)."""

    issue: Issue
    settings: EmailSettings
    letter: Letter
    secret: bytes
    erratum: Erratum | None = None

    @property
    def key(self) -> str:
        """Its name in the send log: the issue's date, `DATE/correction-N` for a correction."""
        date = self.issue.date.isoformat()
        return f"{date}/{self.erratum.anchor}" if self.erratum else date

    def message(self, subscriber: Subscriber, test: bool = False) -> bytes:
        url = unsubscribe_url(self.settings.unsubscribe_url, subscriber.email, self.secret)
        return self.letter.to(subscriber.email, subscriber.name, url, test)


@dataclass(frozen=True)
class SendOptions:
    """How a run goes: pace, retries, when to pause, whom to send to again.

    rate: messages per second at most (0: no limit). retries: further attempts after a
    temporary failure, `backoff` seconds before the first, doubling each time.
    pause_after: consecutive failed attempts that pause the run.
    retry_failed, resend_unknown: also send to the failed, the unknown.
    only_new: send to those not in the log at all, refusing when an earlier run left any
    listed recipient pending.
    """

    rate: float = 0.0
    retries: int = 3
    backoff: float = 1.0
    pause_after: int = 10
    retry_failed: bool = False
    resend_unknown: bool = False
    only_new: bool = False


@dataclass
class Summary:
    """What a run did, over the listed recipients (valid, distinct rows of the list).

    sent, failed: this run's outcomes. skipped: mailed by an earlier run, or failed in one
    (without --retry-failed). unknown: may or may not have the issue, and are not sent it again
    without --resend-unknown (new_unknown: of this run, of which dropped: the link to the relay
    broke after it had the whole message, before it confirmed it, and the rest: this run
    stopped as their message was handed over; found_unknown: left by a run that crashed).
    pending: left for the next run.
    bad_rows: rows skipped, by kind (invalid, duplicate). paused: why the run stopped early
    (too many errors in a row, the relay's setup refused, interrupted), as the error that ends
    the command; None when the run went through the list.
    """

    listed: int = 0
    bad_rows: dict[str, int] = field(default_factory=dict)
    found_unknown: int = 0
    sent: int = 0
    failed: int = 0
    new_unknown: int = 0
    dropped: int = 0
    skipped: int = 0
    unknown: int = 0
    pending: int = 0
    paused: DeliveryError | None = None


def prepare(
    project: Project,
    date: dt.date,
    env: Mapping[str, str],
    real: bool,
    test: bool = False,
    correction: bool = False,
) -> Edition:
    """The issue's edition for mailing (with `correction`, its latest correction's); refuses
    when it fails its check, lacks its PDF (or the PDF is older than its files), or has no
    correction to mail.

    real: the transport delivers, so the unsubscribe secret is required (a rehearsal previews
    without). test: the subject is marked [TEST].
    """
    from bulletin.content.validate import check

    checked = check(project, [date])
    if has_errors(checked.diagnostics):
        raise ContentError(checked.diagnostics)
    issue = checked.issues[date.isoformat()]
    erratum = _latest_correction(project, issue) if correction else None
    settings = email_settings(
        issue.publication, project.shown(project.content / "publication.yaml")
    )
    pdf = _built_pdf(project, issue).read_bytes()
    if real and not test:
        pdf = _as_sent(project, issue, pdf, correction)
    theme = Theme(project.templates)
    with theme.errors(project.shown):
        letter = compose(issue, settings, theme, pdf, test, erratum)
    return Edition(issue, settings, letter, _secret(env, real), erratum)


def _latest_correction(project: Project, issue: Issue) -> Erratum:
    """The correction `send --correction` mails: the latest made."""
    if not issue.errata:
        raise ConfigError(
            project.shown(project.issue_folder(issue.date)),
            "the issue has no correction to mail",
            "add a `corrections:` entry (date, text) to the item corrected, or to issue.md, "
            f"then run 'bulletin build {issue.date.isoformat()}' (see docs/corrections.md)",
            field="corrections",
        )
    return issue.errata[-1]


def _built_pdf(project: Project, issue: Issue) -> Path:
    pdf: Path = project.build / issue.path / f"{issue.slug}.pdf"
    date = issue.date.isoformat()
    if not pdf.is_file():
        raise OutputError(
            project.shown(pdf), "the PDF is not built", f"run 'bulletin build {date}' first"
        )
    folder = project.issue_folder(issue.date)
    newer = [p for p in folder.rglob("*") if p.stat().st_mtime > pdf.stat().st_mtime]
    if newer:
        raise OutputError(
            project.shown(pdf),
            f"older than {project.shown(newer[0])}",
            f"run 'bulletin build {date}' so that the PDF matches the issue",
        )
    return pdf


def _as_sent(project: Project, issue: Issue, built: bytes, correction: bool) -> bytes:
    """The PDF that goes out: this version's as first sent or published, kept byte for byte
    in the archive; the built one when this version goes out now (recorded, then sent). A
    correction's mail records its version only when an earlier one was sent: otherwise the
    send refuses, and nothing went out."""
    from bulletin.archive.record import kept_pdf, read_record, record_issue

    name = issue.date.isoformat()
    record = read_record(project, name)
    if correction and not (record and any(v.how is How.SENT for v in record.versions)):
        return built
    if record_issue(project, issue, How.SENT, built) is not None:
        return built
    return kept_pdf(project, issue.version, name).read_bytes()


def _secret(env: Mapping[str, str], real: bool) -> bytes:
    secret = env.get(SECRET_VARIABLE, "")
    if secret:
        return secret.encode()
    if real:
        raise ConfigError(
            SECRET_VARIABLE,
            "not set",
            "the unsubscribe links are signed with it; set the secret the website's "
            "unsubscribe page checks (see docs/sending.md)",
        )
    return PREVIEW_SECRET


def send_test(edition: Edition, address: str, transport: Transport) -> str:
    """One copy (of an edition prepared with test=True) to `address`; nothing recorded."""
    data = edition.message(Subscriber(0, address, ""), test=True)
    try:
        return transport.deliver(edition.settings.sender.addr_spec, address, data, lambda: None)
    except DeliveryFailure as failure:
        raise DeliveryError(
            address, f"the test message was not delivered: {failure.detail}"
        ) from None
    finally:
        transport.close()


def send_issue(
    edition: Edition,
    subscribers: tuple[Path, str] | None,
    transport: Transport,
    log: SendLog,
    options: SendOptions,
    reporter: Reporter,
) -> Summary:
    """Mail the edition to every recipient the log has not mailed it: of the CSV file (path,
    shown) when given, else of the list's confirmed subscribers; for a correction, those the
    log has as sent the issue in a version without it. No suppressed address is ever mailed.

    A recipient is marked `sending` just before the relay can accept the message and `sent`
    once it did, so no crash can cause a second copy. Returns the summary, also when paused.
    """
    summary = Summary(found_unknown=log.begin(edition.key))
    if edition.erratum is not None:
        _list_received(edition, edition.erratum, log, summary)
    else:
        _list(subscribers, log, reporter, summary)
    if options.only_new:
        _refuse_left_pending(edition, log)
    if isinstance(transport, Outbox):
        transport.clear()
    log.enroll(edition.key)
    states = {State.PENDING}
    states |= {State.FAILED} if options.retry_failed else set()
    states |= {State.UNKNOWN} if options.resend_unknown else set()
    before = log.tally(edition.key)
    total = sum(before.get(state, 0) for state in states)
    reporter.start(total)
    run = _Run(edition, transport, log, options, reporter, summary)
    try:
        for subscriber in log.todo(edition.key, states):
            run.deliver(subscriber)
    except _Paused as pause:
        fix = "fix the cause, then run the same command again to resume"
        summary.paused = DeliveryError(edition.key, str(pause), fix)
    except RelaySetupError as error:  # no message can go through until the setup is fixed
        summary.paused = error
    except KeyboardInterrupt:
        summary.paused = DeliveryError(edition.key, "interrupted", "run the same command to resume")
    finally:
        transport.close()
        summary.new_unknown += log.settle(edition.key)
    _tally(summary, before, states, total)
    return summary


def _list(
    subscribers: tuple[Path, str] | None, log: SendLog, reporter: Reporter, summary: Summary
) -> None:
    if subscribers is None:
        log.list_subscribed()
        return
    path, shown = subscribers

    def problem(found: RowProblem) -> None:
        summary.bad_rows[found.kind] = summary.bad_rows.get(found.kind, 0) + 1
        reporter.warning(found.diagnostic)

    def duplicate(subscriber: Subscriber, first: int) -> None:
        message = f"{subscriber.email!r} is already on line {first}: remove one of the two rows"
        problem(RowProblem(shown, subscriber.line, "email", message, "duplicate"))

    def suppressed(subscriber: Subscriber, reason: str) -> None:
        message = f"{subscriber.email!r} is suppressed ({reason}): it is never mailed again"
        problem(RowProblem(shown, subscriber.line, "email", message, "suppressed"))

    log.list(read_subscribers(path, shown, problem), duplicate, suppressed)


def _list_received(edition: Edition, erratum: Erratum, log: SendLog, summary: Summary) -> None:
    """List those who received the issue in a version before `erratum` (number + 1), so
    without it; refuse when the issue was never sent."""
    issue = edition.issue.date.isoformat()
    if not log.counts(issue).get(State.SENT):
        raise ConfigError(
            "--correction",
            f"{issue} was never sent: the send log has no recipient who received it",
            f"a correction goes to those who received the issue: send the issue itself with "
            f"'bulletin send {issue}'",
        )
    if suppressed := log.list_received(issue, erratum.number + 1):
        summary.bad_rows["suppressed"] = suppressed


def _refuse_left_pending(edition: Edition, log: SendLog) -> None:
    """--only-new mails those not in the log: refuse when an earlier run left some of those
    listed pending, which it would leave unmailed."""
    if pending := log.left_pending(edition.key):
        raise ConfigError(
            "--only-new",
            f"{pending} recipient(s) were left pending by an earlier run of {edition.key} "
            "that stopped",
            "resume it first: run the same command without --only-new (which mails them, "
            "and those not in the send log yet)",
        )


def _tally(summary: Summary, before: dict[State, int], tried: set[State], total: int) -> None:
    """Complete the summary from the states before the run and this run's outcomes."""
    summary.listed = sum(before.values())
    summary.skipped = before.get(State.SENT, 0)
    summary.skipped += 0 if State.FAILED in tried else before.get(State.FAILED, 0)
    summary.unknown = summary.new_unknown
    summary.unknown += 0 if State.UNKNOWN in tried else before.get(State.UNKNOWN, 0)
    summary.pending = total - summary.sent - summary.failed - summary.new_unknown


class _Paused(Exception):
    """Too many consecutive errors: stop, leaving the rest pending."""


class _Run:
    """The delivery loop's state: the pace, the count of consecutive errors."""

    def __init__(
        self,
        edition: Edition,
        transport: Transport,
        log: SendLog,
        options: SendOptions,
        reporter: Reporter,
        summary: Summary,
    ) -> None:
        self.edition, self.transport, self.log = edition, transport, log
        self.options, self.reporter, self.summary = options, reporter, summary
        self.sender = edition.settings.sender.addr_spec
        self.errors = 0
        self.interval = 1 / options.rate if options.rate > 0 else 0.0
        self.next_slot = time.monotonic()

    def deliver(self, subscriber: Subscriber) -> None:
        """Try one recipient, retrying temporary failures, and record where it ends up."""
        data = self.edition.message(subscriber)
        attempt = 0
        while failure := self._attempt(subscriber, data):
            if attempt == self.options.retries:
                self._gave_up(subscriber, failure)
                return
            seconds = self.options.backoff * 2**attempt
            self.reporter.retry(subscriber.email, failure.detail, seconds)
            time.sleep(seconds)
            attempt += 1

    def _attempt(self, subscriber: Subscriber, data: bytes) -> TemporaryFailure | None:
        """One attempt; None when it ended the recipient's turn (sent, failed or unknown)."""
        self._pace()
        try:
            reply = self.transport.deliver(
                self.sender, subscriber.email, data, self._commit(subscriber)
            )
        except TemporaryFailure as failure:
            self._mark(subscriber, State.PENDING, failure.detail)
            self._error(failure.detail)
            return failure
        except PermanentFailure as failure:
            self._finish(subscriber, State.FAILED, failure.detail)
            if failure.bounced:
                self.log.suppress(subscriber, HARD_BOUNCE, failure.detail)
            self._error(failure.detail)
        except UnknownOutcome as failure:
            self._finish(subscriber, State.UNKNOWN, failure.detail)
            self._error(failure.detail)
        else:
            self._finish(subscriber, State.SENT, reply)
            self.errors = 0
        return None

    def _gave_up(self, subscriber: Subscriber, failure: TemporaryFailure) -> None:
        """After the last retry: a relay that kept deferring fails the recipient; a relay that
        could not be reached leaves it pending for the next run. Each attempt is already
        counted in the log (marked pending), so this mark adds none."""
        tries = self.options.retries + 1
        if failure.connection:
            self.reporter.outcome(subscriber.email, State.PENDING, failure.detail)
            return
        detail = f"{failure.detail} (deferred {tries} times)"
        self._finish(subscriber, State.FAILED, detail, attempts=0)

    def _commit(self, subscriber: Subscriber) -> _Commit:
        return _Commit(self.log, self.edition.key, subscriber, self.edition.issue.version)

    def _mark(self, subscriber: Subscriber, state: State, detail: str, attempts: int = 1) -> None:
        """Record `state`, counting `attempts` more attempts (1: the one that just ended), with
        the version of the issue sent."""
        version = self.edition.issue.version
        self.log.mark(self.edition.key, subscriber, state, detail, attempts, version)

    def _finish(self, subscriber: Subscriber, state: State, detail: str, attempts: int = 1) -> None:
        self._mark(subscriber, state, detail, attempts)
        if state is State.SENT:
            self.summary.sent += 1
        elif state is State.FAILED:
            self.summary.failed += 1
        elif state is State.UNKNOWN:
            self.summary.new_unknown += 1
            self.summary.dropped += 1
        self.reporter.outcome(subscriber.email, state, detail)

    def _error(self, detail: str) -> None:
        self.errors += 1
        if self.errors >= self.options.pause_after:
            raise _Paused(f"paused after {self.errors} consecutive errors (the last: {detail})")

    def _pace(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_slot > now:
            time.sleep(self.next_slot - now)
        self.next_slot = max(self.next_slot, now) + self.interval


@dataclass(frozen=True)
class _Commit:
    """Marks a recipient `sending` in the log, with the version of the issue sent: called
    right before the relay can accept."""

    log: SendLog
    issue: str
    subscriber: Subscriber
    version: int

    def __call__(self) -> None:
        self.log.mark(self.issue, self.subscriber, State.SENDING, version=self.version)
