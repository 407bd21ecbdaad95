"""The mailing list in the project's database: who is on it, what they agreed to, when; CSV
lists brought in and out; erasure that keeps an address unmailed without keeping it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Row, delete, select, tuple_

from bulletin.mail.sendlog import CONFIRMED
from bulletin.mail.subscribers import RowProblem, read_subscribers
from bulletin.report import Reporter
from bulletin.store.database import Database
from bulletin.store.tables import digest, recipients, subscribers, suppressions, utc_now

_PAGE = 500
ERASED = "erased"
"""Why an address that was forgotten is suppressed."""
UNSUBSCRIBED = "unsubscribed"
HARD_BOUNCE = "hard bounce"
COMPLAINT = "complaint"
"""Why an address is suppressed: it unsubscribed, its mailbox does not exist, or its owner
marked the bulletin as spam."""


class Status(StrEnum):
    """Where a subscriber stands. PENDING: asked, not confirmed yet (never mailed an issue).
    CONFIRMED: mailed every issue. UNSUBSCRIBED: left (and suppressed)."""

    PENDING = "pending"
    CONFIRMED = CONFIRMED
    UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True)
class Member:
    """A subscriber as the list keeps them, with the record of their consent.

    consent: the wording they agreed to. source: where (a page, `import of FILE`).
    consented, confirmed: when (UTC; confirmed is '' until they confirm).
    soft_bounces: temporary delivery failures counted so far.
    """

    email: str
    name: str
    status: Status
    consent: str
    source: str
    consented: str
    confirmed: str
    soft_bounces: int


@dataclass(frozen=True)
class Imported:
    """What an import did: rows added as confirmed subscribers, rows already on the list,
    suppressed addresses left out, rows skipped as invalid or duplicate."""

    added: int = 0
    already: int = 0
    suppressed: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class Suppression:
    """Why an address is never mailed again, and since when."""

    reason: str
    detail: str
    created: str


def import_csv(
    database: Database, path: Path, shown: str, consent: str, reporter: Reporter
) -> Imported:
    """Bring a CSV list in: each valid, new, unsuppressed address becomes a confirmed
    subscriber whose consent is `consent` (where they agreed), from `import of FILE`. Bad
    rows are reported by line (as warnings) and skipped."""
    counts = {"added": 0, "already": 0, "suppressed": 0, "skipped": 0}

    def problem(found: RowProblem) -> None:
        counts["skipped"] += 1
        reporter.warning(found.diagnostic)

    now, source = utc_now(), f"import of {shown}"
    with database.connect() as connection:
        seen: set[str] = set()
        for subscriber in read_subscribers(path, shown, problem):
            if subscriber.key in seen:
                message = f"{subscriber.email!r} appears twice: the first row is imported"
                problem(RowProblem(shown, subscriber.line, "email", message, "duplicate"))
                continue
            seen.add(subscriber.key)
            if _suppression(connection, subscriber.email):
                counts["suppressed"] += 1
                message = f"{subscriber.email!r} is suppressed: it is never mailed again"
                reporter.warning(
                    RowProblem(shown, subscriber.line, "email", message, "").diagnostic
                )
                continue
            row = {
                "key": subscriber.key, "email": subscriber.email, "name": subscriber.name,
                "state": Status.CONFIRMED, "digest": digest(subscriber.email),
                "consent": consent, "source": source, "consented": now, "confirmed": now,
                "created": now, "updated": now,
            }  # fmt: skip
            statement = database.insert(subscribers).values(**row).on_conflict_do_nothing()
            added = connection.execute(statement.returning(subscribers.c.key)).first()
            counts["added" if added else "already"] += 1
            if counts["added"] % _PAGE == 0:
                connection.commit()
        connection.commit()
    return Imported(**counts)


def members(database: Database, status: Status | None = None) -> Iterator[Member]:
    """The subscribers (in `status`, or all), oldest first, read a page at a time."""
    after = ("", "")
    with database.connect() as connection:
        while True:
            query = select(subscribers).where(
                tuple_(subscribers.c.created, subscribers.c.key) > tuple_(*after)
            )
            if status is not None:
                query = query.where(subscribers.c.state == status)
            page = connection.execute(
                query.order_by(subscribers.c.created, subscribers.c.key).limit(_PAGE)
            ).all()
            connection.rollback()
            if not page:
                return
            for row in page:
                after = (row.created, row.key)
                yield _member(row)


def find(database: Database, email: str) -> Member | None:
    """The subscriber with this address (any case), or None."""
    with database.connect() as connection:
        row = connection.execute(
            select(subscribers).where(subscribers.c.key == email.strip().casefold())
        ).first()
    return _member(row) if row else None


def suppression(database: Database, email: str) -> Suppression | None:
    """Why this address is never mailed again, or None when it is not suppressed."""
    with database.connect() as connection:
        return _suppression(connection, email)


def mailed(database: Database, email: str) -> list[tuple[str, str, str]]:
    """The issues the send log holds for this address: (issue, state, when), by issue."""
    with database.connect() as connection:
        rows = connection.execute(
            select(recipients.c.issue, recipients.c.state, recipients.c.updated)
            .where(recipients.c.key == email.strip().casefold())
            .order_by(recipients.c.issue)
        ).all()
    return [(issue, state, updated) for issue, state, updated in rows]


def forget(database: Database, email: str) -> bool:
    """Erase an address: its subscriber record and its rows of the send log are deleted;
    what is kept is its digest in the suppressions, so that it is never mailed again.
    Whether the list or the log held it."""
    key = email.strip().casefold()
    with database.connect() as connection:
        held = connection.execute(delete(subscribers).where(subscribers.c.key == key)).rowcount
        held += connection.execute(delete(recipients).where(recipients.c.key == key)).rowcount
        row = {"digest": digest(email), "reason": ERASED, "detail": "", "created": utc_now()}
        connection.execute(database.insert(suppressions).values(**row).on_conflict_do_nothing())
        connection.commit()
    return held > 0


def export_csv(database: Database, out: TextIO, status: Status | None = None) -> int:
    """Write the subscribers (in `status`, or all) as CSV with their consent record; how
    many. Suppressed addresses have no row: the list keeps only their digest."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "name", "state", "consent", "source", "consented", "confirmed"])
    count = 0
    for member in members(database, status):
        writer.writerow([
            member.email, member.name, member.status, member.consent, member.source,
            member.consented, member.confirmed,
        ])  # fmt: skip
        count += 1
    return count


def _suppression(connection: Connection, email: str) -> Suppression | None:
    row = connection.execute(
        select(suppressions.c.reason, suppressions.c.detail, suppressions.c.created).where(
            suppressions.c.digest == digest(email)
        )
    ).first()
    return Suppression(*row) if row else None


def _member(row: Row[Any]) -> Member:
    values = row._mapping
    return Member(
        email=values["email"],
        name=values["name"],
        status=Status(values["state"]),
        consent=values["consent"],
        source=values["source"],
        consented=values["consented"],
        confirmed=values["confirmed"],
        soft_bounces=values["soft_bounces"],
    )


@dataclass(frozen=True)
class Asked:
    """What a subscribe request did: `new` when the address was not on the list (a pending
    subscriber was recorded); `confirmed` when it already is; `suppressed` when it may not
    be mailed. A page shows the same answer whatever it is."""

    new: bool = False
    confirmed: bool = False
    suppressed: bool = False


def ask(database: Database, email: str, name: str, consent: str, source: str) -> Asked:
    """Record a request to subscribe: a pending subscriber with their consent (the wording,
    the page it came from, now). An address already pending gets its consent renewed; a
    confirmed or suppressed one is left as it is."""
    now, key = utc_now(), email.strip().casefold()
    with database.connect() as connection:
        if _suppression(connection, email):
            return Asked(suppressed=True)
        row = connection.execute(
            select(subscribers.c.state).where(subscribers.c.key == key)
        ).first()
        if row and row[0] == Status.CONFIRMED:
            return Asked(confirmed=True)
        values = {
            "key": key, "email": email.strip(), "name": name, "state": Status.PENDING,
            "digest": digest(email), "consent": consent, "source": source, "consented": now,
            "confirmed": "", "created": now, "updated": now,
        }  # fmt: skip
        statement = database.insert(subscribers).values(**values)
        renewed = {k: statement.excluded[k] for k in ("name", "consent", "source", "consented",
                                                        "updated")}  # fmt: skip
        connection.execute(statement.on_conflict_do_update(index_elements=["key"], set_=renewed))
        connection.commit()
    return Asked(new=row is None)


def confirm(database: Database, email: str) -> bool:
    """Confirm a pending subscriber (the link of the confirmation mail was opened); whether
    the address is now confirmed (False when it is unknown, unsubscribed or suppressed)."""
    key, now = email.strip().casefold(), utc_now()
    with database.connect() as connection:
        if _suppression(connection, email):
            return False
        connection.execute(
            subscribers.update()
            .where(subscribers.c.key == key, subscribers.c.state == Status.PENDING)
            .values(state=Status.CONFIRMED, confirmed=now, updated=now)
        )
        state = connection.execute(
            select(subscribers.c.state).where(subscribers.c.key == key)
        ).scalar()
        connection.commit()
    return state == Status.CONFIRMED


def suppress(database: Database, email: str, reason: str, detail: str = "") -> None:
    """Never mail the address again (`reason`: unsubscribed, hard bounce, complaint), at once
    and idempotently; a subscriber of the list becomes unsubscribed."""
    key, now = email.strip().casefold(), utc_now()
    with database.connect() as connection:
        row = {"digest": digest(email), "reason": reason, "detail": detail, "created": now}
        connection.execute(database.insert(suppressions).values(**row).on_conflict_do_nothing())
        connection.execute(
            subscribers.update()
            .where(subscribers.c.key == key, subscribers.c.state != Status.UNSUBSCRIBED)
            .values(state=Status.UNSUBSCRIBED, updated=now)
        )
        connection.commit()


def soft_bounce(database: Database, email: str) -> int:
    """Count a temporary delivery failure of a subscriber; how many so far (0: not on the
    list). A soft bounce suppresses nothing."""
    key = email.strip().casefold()
    with database.connect() as connection:
        connection.execute(
            subscribers.update()
            .where(subscribers.c.key == key)
            .values(soft_bounces=subscribers.c.soft_bounces + 1, updated=utc_now())
        )
        count = connection.execute(
            select(subscribers.c.soft_bounces).where(subscribers.c.key == key)
        ).scalar()
        connection.commit()
    return int(count or 0)
