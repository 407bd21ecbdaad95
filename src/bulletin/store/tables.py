"""The tables of the project's database, as SQLAlchemy Core sees them (the migrations make
them; `SCHEMA` names the newest migration)."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

SCHEMA = "0004"
"""The revision of the newest migration: a database at it needs no migrating."""

metadata = MetaData()


def utc_now() -> str:
    """The time as the database keeps it: UTC, to the second, `YYYY-MM-DD HH:MM:SS`."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def digest(email: str) -> str:
    """What a suppression keeps of an address: the SHA-256 of it case-folded."""
    return hashlib.sha256(email.strip().casefold().encode("utf-8")).hexdigest()


recipients = Table(
    "recipients",
    metadata,
    Column("issue", String(32), primary_key=True),
    Column("key", String(320), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", Text, nullable=False, server_default=""),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("detail", Text, nullable=False, server_default=""),
    Column("updated", String(32), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("recipients_by_state", "issue", "state"),
)
"""The send log: each recipient's state for each issue (see `mail.sendlog.State`), and the
version of the issue (`Issue.version`) the last attempt sent: 1 as first sent, one more per
correction (a row of an older log, without it, is version 1). A correction's mail is a send
of its own, under `DATE/correction-N`."""

suppressions = Table(
    "suppressions",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("reason", String(32), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
    Column("created", String(32), nullable=False),
)
"""Addresses never to be mailed again, by the SHA-256 of the address case-folded (so that an
erased subscriber stays suppressed without the address being kept)."""

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
"""Facts about the database itself, such as an old send log carried over."""

subscribers = Table(
    "subscribers",
    metadata,
    Column("key", String(320), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", Text, nullable=False, server_default=""),
    Column("state", String(16), nullable=False),
    Column("digest", String(64), nullable=False, unique=True),
    Column("consent", Text, nullable=False, server_default=""),
    Column("source", Text, nullable=False, server_default=""),
    Column("consented", String(32), nullable=False),
    Column("confirmed", String(32), nullable=False, server_default=""),
    Column("soft_bounces", Integer, nullable=False, server_default="0"),
    Column("created", String(32), nullable=False),
    Column("updated", String(32), nullable=False),
    Index("subscribers_by_state", "state", "created"),
)
"""The list: each address (`key`, case-folded) with its state (`mail.mailing_list.Status`),
what it agreed to (`consent`, the wording), where (`source`: a page, an import) and when
(`consented`, `confirmed`)."""
