"""The send log: an SQLite database in the project with each recipient's state per issue."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bulletin.errors import OutputError
from bulletin.mail.subscribers import Subscriber

FILE_NAME = "sendlog.sqlite3"
VERSION = 1
_PAGE = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS recipients (
    issue TEXT NOT NULL,
    key TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL,
    PRIMARY KEY (issue, key)
);
CREATE INDEX IF NOT EXISTS recipients_by_state ON recipients (issue, state);
CREATE TEMP TABLE IF NOT EXISTS listed (
    key TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL, line INTEGER NOT NULL
);
"""


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
    """The log of one project. With `record=False` (a rehearsal) it is read, never written."""

    def __init__(self, path: Path, shown: str, record: bool) -> None:
        self.path, self.shown, self.record = path, shown, record
        self._lock: int | None = None
        target = str(path) if record or path.exists() else ":memory:"
        try:
            self.db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
            self._prepare()
        except sqlite3.DatabaseError as error:
            raise OutputError(
                shown, f"not a readable send log ({error})", "move the file away to start a new log"
            ) from None

    def _prepare(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > VERSION:
            raise OutputError(self.shown, "made by a newer bulletin", "upgrade bulletin")
        if self.record:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # FULL for `sending` marks: see mark()
            self.db.execute(f"PRAGMA user_version={VERSION}")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()
        if self._lock is not None:
            os.close(self._lock)

    def __enter__(self) -> SendLog:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def begin(self, issue: str) -> int:
        """Take the project's send lock; turn recipients left `sending` into `unknown`."""
        if not self.record:
            return 0
        self._lock = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                self.shown,
                "another 'bulletin send' is running for this project",
                "wait for it to finish, then run this one again",
            ) from None
        return self.settle(issue)

    def settle(self, issue: str) -> int:
        """Turn recipients left `sending` by a run that stopped into `unknown`; how many."""
        if not self.record:
            return 0
        detail = "the run stopped after the message was handed over: it may have arrived"
        cursor = self.db.execute(
            "UPDATE recipients SET state = ?, detail = ?, updated = ? "
            "WHERE issue = ? AND state = ?",
            (State.UNKNOWN, detail, _now(), issue, State.SENDING),
        )
        return cursor.rowcount

    def list(
        self, subscribers: Iterable[Subscriber], on_duplicate: Callable[[Subscriber, int], None]
    ) -> None:
        """Remember the subscribers of this run; report each duplicate with its first line."""
        self.db.execute("BEGIN")
        try:
            for subscriber in subscribers:
                row = (subscriber.key, subscriber.email, subscriber.name, subscriber.line)
                added = self.db.execute(
                    "INSERT INTO temp.listed VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", row
                ).rowcount
                if not added:
                    first = self.db.execute(
                        "SELECT line FROM temp.listed WHERE key = ?", (subscriber.key,)
                    ).fetchone()[0]
                    on_duplicate(subscriber, first)
        finally:
            self.db.execute("COMMIT")

    def enroll(self, issue: str) -> None:
        """Record every listed subscriber not yet in the log for `issue` as pending."""
        if self.record:
            self.db.execute(
                "INSERT INTO recipients (issue, key, email, name, state, updated) "
                "SELECT ?, key, email, name, ?, ? FROM temp.listed WHERE true "
                "ON CONFLICT DO NOTHING",
                (issue, State.PENDING, _now()),
            )

    def tally(self, issue: str) -> dict[State, int]:
        """How many of the listed subscribers are in each state for `issue`."""
        rows = self.db.execute(
            "SELECT coalesce(r.state, ?), count(*) FROM temp.listed AS l LEFT JOIN recipients "
            "AS r ON r.issue = ? AND r.key = l.key GROUP BY 1",
            (State.PENDING, issue),
        )
        return {State(state): count for state, count in rows}

    def todo(self, issue: str, states: Iterable[State]) -> Iterator[Subscriber]:
        """The listed subscribers in any of `states`, in list order, read a page at a time."""
        wanted = sorted(states)
        marks = ", ".join("?" for _ in wanted)
        query = (
            "SELECT l.rowid, l.line, l.email, l.name FROM temp.listed AS l LEFT JOIN recipients "
            "AS r ON r.issue = ? AND r.key = l.key "
            f"WHERE l.rowid > ? AND coalesce(r.state, 'pending') IN ({marks}) "
            f"ORDER BY l.rowid LIMIT {_PAGE}"
        )
        after = 0
        while page := self.db.execute(query, (issue, after, *wanted)).fetchall():
            for rowid, line, email, name in page:
                after = rowid
                yield Subscriber(line, email, name)

    def mark(
        self, issue: str, subscriber: Subscriber, state: State, detail: str = "", attempts: int = 0
    ) -> None:
        """Record a recipient's new state (a no-op in a rehearsal).

        A `sending` mark is on disk (fsync) when this returns, even against a power loss: lost,
        the recipient would look pending and get a second copy. Other marks are flushed with
        the next `sending` mark; lost, a `sent` falls back to `sending`, so to unknown: never
        to a resend.
        """
        if not self.record:
            return
        durable = state is State.SENDING
        if durable:
            self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "INSERT INTO recipients (issue, key, email, name, state, attempts, detail, updated) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (issue, key) DO UPDATE SET "
            "state = excluded.state, attempts = attempts + excluded.attempts, "
            "detail = excluded.detail, updated = excluded.updated",
            (issue, subscriber.key, subscriber.email, subscriber.name, state, attempts, detail,
             _now()),
        )  # fmt: skip
        if durable:
            self.db.execute("PRAGMA synchronous=NORMAL")

    def counts(self, issue: str) -> dict[State, int]:
        """How many recipients of `issue` the log holds in each state."""
        rows = self.db.execute(
            "SELECT state, count(*) FROM recipients WHERE issue = ? GROUP BY state", (issue,)
        )
        return {State(state): count for state, count in rows}

    def entries(self, issue: str, states: Iterable[State]) -> Iterator[Entry]:
        """The recipients of `issue` in any of `states`, by address."""
        wanted = sorted(states)
        marks = ", ".join("?" for _ in wanted)
        rows = self.db.execute(
            "SELECT email, name, state, attempts, detail, updated FROM recipients "
            f"WHERE issue = ? AND state IN ({marks}) ORDER BY key",
            (issue, *wanted),
        )
        for email, name, state, attempts, detail, updated in rows:
            yield Entry(email, name, State(state), attempts, detail, updated)


def open_log(root: Path, shown: str, record: bool) -> SendLog:
    """The send log of the project at `root` (created when recording and missing)."""
    return SendLog(root / FILE_NAME, shown, record)


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
