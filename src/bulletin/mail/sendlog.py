"""The send log: each recipient's state per issue, in the project's database (`store`).

One connection per run, committing as it goes. The recipients of a run are first listed in a
temporary table, then joined with the log, so a list of any length is read a page at a time.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, and_, func, select, text
from sqlalchemy.sql.expression import Exists, Join

from bulletin.mail.subscribers import Subscriber
from bulletin.store.database import Database
from bulletin.store.tables import digest, recipients, subscribers, suppressions, utc_now

_PAGE = 500
CONFIRMED = "confirmed"
"""The state of a subscriber of the list who is mailed (see `mail.mailing_list.Status`)."""

_listed = Table(
    "listed",
    MetaData(),
    Column("position", Integer, primary_key=True),
    Column("key", String(320), nullable=False, unique=True),
    Column("email", String(320), nullable=False),
    Column("name", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    prefixes=["TEMPORARY"],
)
"""The recipients of this run, in list order (a table of the connection alone)."""


class State(StrEnum):
    """Where a recipient stands for one issue.

    PENDING: not mailed yet. SENDING: the message is complete at the relay, only the final
    "." is left to send; found at the start of a run, it becomes UNKNOWN (the process died
    while the relay may have accepted the message). SENT: the relay accepted it. FAILED: the
    relay refused it (5xx), or kept deferring it (4xx) past every retry.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Entry:
    """A recipient's row in the log: state, attempts so far, the last relay answer, when."""

    email: str
    name: str
    state: State
    attempts: int
    detail: str
    updated: str


class SendLog:
    """The log, on one connection. With `record=False` (a rehearsal) it is read, never
    written: the run's marks go nowhere."""

    def __init__(self, database: Database, record: bool) -> None:
        self.database, self.shown, self.record = database, database.shown, record
        self.db = database.connect()
        self._held = ExitStack()
        self._drop_listed()  # left by a run on this pooled connection that failed
        _listed.create(self.db)
        self.db.commit()

    def _drop_listed(self) -> None:
        schema = "pg_temp" if self.database.is_postgresql else "temp"
        self.db.exec_driver_sql(f"DROP TABLE IF EXISTS {schema}.listed")
        self.db.commit()

    def close(self) -> None:
        try:
            self._held.close()
            self.db.rollback()
            self._drop_listed()
        finally:
            self.db.close()

    def __enter__(self) -> SendLog:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def begin(self, issue: str) -> int:
        """Take the project's send lock; turn recipients left `sending` into `unknown`."""
        if not self.record:
            return 0
        self._held.enter_context(self.database.send_lock())
        return self.settle(issue)

    def settle(self, issue: str) -> int:
        """Turn recipients left `sending` by a run that stopped into `unknown`; how many."""
        if not self.record:
            return 0
        detail = "the run stopped after the message was handed over: it may have arrived"
        result = self.db.execute(
            recipients.update()
            .where(recipients.c.issue == issue, recipients.c.state == State.SENDING)
            .values(state=State.UNKNOWN, detail=detail, updated=utc_now())
        )
        self.db.commit()
        return result.rowcount

    def list(
        self,
        subscribers: Iterable[Subscriber],
        on_duplicate: Callable[[Subscriber, int], None],
        on_suppressed: Callable[[Subscriber, str], None],
    ) -> None:
        """Remember the subscribers of this run; report each duplicate with its first line,
        and leave out (reporting each, with the reason) every suppressed address."""
        first: dict[str, int] = {}
        page: builtins.list[dict[str, object]] = []
        for subscriber in subscribers:
            if subscriber.key in first:
                on_duplicate(subscriber, first[subscriber.key])
                continue
            first[subscriber.key] = subscriber.line
            page.append(_row(subscriber))
            if len(page) == _PAGE:
                self._add(page)
        self._add(page)
        self._leave_out_suppressed(on_suppressed)

    def list_subscribed(self) -> None:
        """Remember the list's confirmed subscribers, oldest first, for this run (the
        suppressed are left out: the list keeps no suppressed address confirmed, and a CSV
        import never adds one)."""
        chosen = (
            select(subscribers.c.key, subscribers.c.email, subscribers.c.name, text("0"),
                   subscribers.c.digest)
            .where(subscribers.c.state == CONFIRMED)
            .order_by(subscribers.c.created, subscribers.c.key)
        )  # fmt: skip
        columns = ["key", "email", "name", "line", "digest"]
        self.db.execute(_listed.insert().from_select(columns, chosen))
        self.db.execute(_listed.delete().where(_suppressed()))
        self.db.commit()

    def list_received(self, issue: str, below: int) -> int:
        """Remember, for this run, every recipient the log has as sent `issue` in a version
        below `below` (those who lack a correction made since), by address, read a page at a
        time; leave out the suppressed since (unsubscribed, bounced, forgotten): how many."""
        after = ""
        while True:
            page = self.db.execute(
                select(recipients.c.key, recipients.c.email, recipients.c.name)
                .where(
                    recipients.c.issue == issue,
                    recipients.c.state == State.SENT,
                    recipients.c.version < below,
                    recipients.c.key > after,
                )
                .order_by(recipients.c.key)
                .limit(_PAGE)
            ).all()
            if not page:
                break
            after = page[-1].key
            self._add([_row(Subscriber(0, email, name)) for _, email, name in page])
        left_out: int = self.db.execute(_listed.delete().where(_suppressed())).rowcount
        self.db.commit()
        return left_out

    def left_pending(self, issue: str) -> int:
        """How many of the listed subscribers the log has as pending for `issue`: enrolled by
        an earlier run that stopped before it mailed them."""
        count = self.db.execute(
            select(func.count())
            .select_from(_listed)
            .join(recipients, and_(recipients.c.issue == issue, recipients.c.key == _listed.c.key))
            .where(recipients.c.state == State.PENDING)
        ).scalar_one()
        self.db.rollback()
        return int(count)

    def _leave_out_suppressed(self, on_suppressed: Callable[[Subscriber, str], None]) -> None:
        found = self.db.execute(
            select(_listed.c.line, _listed.c.email, _listed.c.name, suppressions.c.reason)
            .join(suppressions, suppressions.c.digest == _listed.c.digest)
            .order_by(_listed.c.position)
        ).all()
        for line, email, name, reason in found:
            on_suppressed(Subscriber(line, email, name), reason)
        self.db.execute(_listed.delete().where(_suppressed()))
        self.db.commit()

    def _add(self, page: builtins.list[dict[str, object]]) -> None:
        if page:
            self.db.execute(_listed.insert(), page)
            self.db.commit()
            page.clear()

    def enroll(self, issue: str) -> None:
        """Record every listed subscriber not yet in the log for `issue` as pending."""
        if not self.record:
            return
        chosen = select(
            text(":issue"), _listed.c.key, _listed.c.email, _listed.c.name, text(":state"),
            text(":updated"),
        ).order_by(_listed.c.position)  # fmt: skip
        statement = self.database.insert(recipients).from_select(
            ["issue", "key", "email", "name", "state", "updated"], chosen
        )
        values = {"issue": issue, "state": State.PENDING, "updated": utc_now()}
        self.db.execute(statement.on_conflict_do_nothing(), values)
        self.db.commit()

    def tally(self, issue: str) -> dict[State, int]:
        """How many of the listed subscribers are in each state for `issue`."""
        state = func.coalesce(recipients.c.state, State.PENDING)
        rows = self.db.execute(
            select(state, func.count()).select_from(_joined(issue)).group_by(state)
        ).all()
        self.db.rollback()
        return {State(name): count for name, count in rows}

    def todo(self, issue: str, states: Iterable[State]) -> Iterator[Subscriber]:
        """The listed subscribers in any of `states`, in list order, read a page at a time;
        never one suppressed since it was listed (unsubscribed during the run, say)."""
        wanted = sorted(states)
        after = 0
        while True:
            page = self.db.execute(
                select(_listed.c.position, _listed.c.line, _listed.c.email, _listed.c.name)
                .select_from(_joined(issue))
                .where(
                    _listed.c.position > after,
                    func.coalesce(recipients.c.state, State.PENDING).in_(wanted),
                    ~_suppressed(),
                )
                .order_by(_listed.c.position)
                .limit(_PAGE)
            ).all()
            self.db.rollback()
            if not page:
                return
            for position, line, email, name in page:
                after = position
                yield Subscriber(line, email, name)

    def mark(
        self,
        issue: str,
        subscriber: Subscriber,
        state: State,
        detail: str = "",
        attempts: int = 0,
        version: int = 1,
    ) -> None:
        """Record a recipient's new state, and the `version` of the issue this attempt sends
        (`Issue.version`); a no-op in a rehearsal.

        A `sending` mark is on disk when this returns, even against a power loss (committed
        on PostgreSQL; with a full fsync on SQLite): lost, the recipient would look pending
        and get a second copy. Other marks are flushed with the next `sending` mark on SQLite;
        lost, a `sent` falls back to `sending`, so to unknown: never to a resend.
        """
        if not self.record:
            return
        durable = state is State.SENDING and not self.database.is_postgresql
        if durable:
            self.db.exec_driver_sql("PRAGMA synchronous=FULL")
        statement = self.database.insert(recipients).values(
            issue=issue, key=subscriber.key, email=subscriber.email, name=subscriber.name,
            state=state, attempts=attempts, detail=detail, updated=utc_now(), version=version,
        )  # fmt: skip
        self.db.execute(
            statement.on_conflict_do_update(
                index_elements=["issue", "key"],
                set_={
                    "state": statement.excluded.state,
                    "attempts": recipients.c.attempts + statement.excluded.attempts,
                    "detail": statement.excluded.detail,
                    "updated": statement.excluded.updated,
                    "version": statement.excluded.version,
                },
            )
        )
        self.db.commit()
        if durable:
            self.db.exec_driver_sql("PRAGMA synchronous=NORMAL")

    def suppress(self, subscriber: Subscriber, reason: str, detail: str) -> None:
        """Never mail this address again (a hard bounce: the relay refused it for good)."""
        if not self.record:
            return
        row = {"digest": digest(subscriber.email), "reason": reason, "detail": detail}
        statement = self.database.insert(suppressions).values(**row, created=utc_now())
        self.db.execute(statement.on_conflict_do_nothing())
        self.db.commit()

    def counts(self, issue: str) -> dict[State, int]:
        """How many recipients of `issue` the log holds in each state."""
        rows = self.db.execute(
            select(recipients.c.state, func.count())
            .where(recipients.c.issue == issue)
            .group_by(recipients.c.state)
        ).all()
        self.db.rollback()
        return {State(state): count for state, count in rows}

    def corrections(self, issue: str) -> builtins.list[str]:
        """The keys under which the log holds the mails of the corrections of `issue`
        (`DATE/correction-N`), by number."""
        keys = self.db.execute(
            select(recipients.c.issue)
            .where(recipients.c.issue.startswith(f"{issue}/correction-", autoescape=True))
            .distinct()
        ).scalars()
        found = sorted(keys, key=lambda key: int(key.rsplit("-", 1)[1]))
        self.db.rollback()
        return found

    def entries(self, issue: str, states: Iterable[State]) -> Iterator[Entry]:
        """The recipients of `issue` in any of `states`, by address."""
        columns = recipients.c
        rows = self.db.execute(
            select(
                columns.email, columns.name, columns.state, columns.attempts, columns.detail,
                columns.updated,
            )
            .where(columns.issue == issue, columns.state.in_(sorted(states)))
            .order_by(columns.key)
        ).all()  # fmt: skip
        self.db.rollback()
        for email, name, state, attempts, detail, updated in rows:
            yield Entry(email, name, State(state), attempts, detail, updated)


def _row(subscriber: Subscriber) -> dict[str, object]:
    return {
        "key": subscriber.key,
        "email": subscriber.email,
        "name": subscriber.name,
        "line": subscriber.line,
        "digest": digest(subscriber.email),
    }


def _joined(issue: str) -> Join:
    """The listed recipients with their row of the log for `issue`, if any."""
    return _listed.outerjoin(
        recipients, and_(recipients.c.issue == issue, recipients.c.key == _listed.c.key)
    )


def _suppressed() -> Exists:
    """Whether the listed address is suppressed."""
    return select(suppressions.c.digest).where(suppressions.c.digest == _listed.c.digest).exists()


def open_log(database: Database, record: bool) -> SendLog:
    """The send log in the project's database."""
    return SendLog(database, record)
