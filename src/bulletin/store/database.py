"""Open the project's database by URL, bring its schema up to date, hold the send lock.

The URL comes from `BULLETIN_DATABASE_URL`; without it the database is an SQLite file in the
project, so a fresh machine needs nothing more. `postgresql://user:password@host/name` (the
psycopg driver) lets the machine that sends and the web host share one list and one log.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from bulletin.errors import ConfigError, OutputError
from bulletin.secrets import mask_url
from bulletin.store.tables import SCHEMA, meta, metadata, recipients

URL_VARIABLE = "BULLETIN_DATABASE_URL"
FILE_NAME = "bulletin.sqlite3"
"""The default database, in the project's folder."""
OLD_SEND_LOG = "sendlog.sqlite3"
"""The send log of bulletin 0.1, carried over into the database the first time it opens."""
_CARRIED = "carried over " + OLD_SEND_LOG
_SEND_LOCK = 0x62756C6C6574696E  # "bulletin": the keys of the locks on PostgreSQL
_MIGRATE_LOCK = _SEND_LOCK + 1
_PAGE = 500


def database_url(root: Path, env: Mapping[str, str], configured: str = "") -> str:
    """The project's database URL: BULLETIN_DATABASE_URL, else the one publication.yaml gives
    (`configured`; an SQLite path in it is from the project folder), else the SQLite file in
    `root`."""
    if env.get(URL_VARIABLE):
        return env[URL_VARIABLE]
    if configured.startswith("sqlite:///") and not configured.startswith("sqlite:////"):
        return f"sqlite:///{root / configured.removeprefix('sqlite:///')}"
    return configured or f"sqlite:///{root / FILE_NAME}"


@dataclass(frozen=True)
class Database:
    """An open database: its engine, the URL as shown (password masked), the project root
    (where an old send log may wait to be carried over)."""

    engine: Engine
    shown: str
    root: Path

    def close(self) -> None:
        """Close every connection of the engine."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def insert(self, table: Any) -> Any:
        """An INSERT for `table` that can say what to do on a conflict, in this dialect."""
        return (postgresql.insert if self.is_postgresql else sqlite.insert)(table)

    def connect(self) -> Connection:
        """A connection (commit as you go); a clear error when the server cannot be reached."""
        try:
            return self.engine.connect()
        except DBAPIError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise ConfigError(
                self.shown, f"cannot open the database ({reason})", _URL_FIX
            ) from None

    @contextlib.contextmanager
    def send_lock(self) -> Iterator[None]:
        """Hold the project's send lock, or refuse at once when another send holds it. On
        PostgreSQL it is an advisory lock of a connection of its own, so it holds across
        machines and is released when the process holding it dies, however it dies."""
        if self.is_postgresql:
            with self.connect() as connection:
                taken = connection.execute(select(func.pg_try_advisory_lock(_SEND_LOCK)))
                if not taken.scalar():
                    raise _busy(self.shown)
                try:
                    yield
                finally:
                    connection.execute(select(func.pg_advisory_unlock(_SEND_LOCK)))
            return
        path = self.engine.url.database
        if not path or path == ":memory:":
            yield
            return
        lock = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise _busy(self.shown) from None
            yield
        finally:
            os.close(lock)


_URL_FIX = (
    f"check {URL_VARIABLE} (sqlite:///PATH or postgresql://USER:PASSWORD@HOST/NAME), "
    "or leave it unset for the project's SQLite file"
)


def _busy(shown: str) -> OutputError:
    return OutputError(
        shown,
        "another 'bulletin send' is running for this project",
        "wait for it to finish, then run this one again",
    )


def open_database(
    root: Path, env: Mapping[str, str], *, create: bool = True, configured: str = ""
) -> Database:
    """The project's database, migrated to the newest schema, the old send log carried over.

    With `create=False` (a rehearsal, which records nothing) a missing SQLite file is not
    made: an empty database in memory stands in for it.
    """
    url = database_url(root, env, configured)
    database = Database(_engine(url, root, create), mask_url(url), root)
    with database.connect() as connection:
        migrate(database, connection)
        _carry_over(database, connection)
    return database


def _engine(url: str, root: Path, create: bool) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            URL_VARIABLE, f"{mask_url(url)!r} is not a database URL", _URL_FIX
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            URL_VARIABLE, f"{mask_url(url)!r}: only SQLite and PostgreSQL are supported", _URL_FIX
        )
    if parsed.get_backend_name() == "postgresql":
        try:
            return create_engine(parsed, pool_pre_ping=True)
        except NoSuchModuleError:
            raise ConfigError(URL_VARIABLE, "no driver for this URL", _URL_FIX) from None
    path = parsed.database or ""
    if not create and path and not Path(path).exists():
        engine = create_engine("sqlite://", poolclass=StaticPool)
    else:
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
    event.listen(engine, "connect", _sqlite_settings)
    return engine


def _sqlite_settings(connection: sqlite3.Connection, _: object) -> None:
    """Write-ahead logging, fsync only at checkpoints (a `sending` mark asks for more: see
    `mail.sendlog`), and a wait instead of an error when another process writes."""
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
        connection.execute(f"PRAGMA {pragma}")


def migrate(database: Database, connection: Connection) -> None:
    """Bring the schema to SCHEMA with Alembic (imported only when there is work to do), one
    process at a time: two commands started at once on a new database migrate it once."""
    current = _revision(connection)
    connection.rollback()
    if current == SCHEMA:
        return
    with _migrating(database, connection):
        current = _revision(connection)
        if current is None and not inspect(connection).get_table_names():
            create_newest(connection)
        elif current != SCHEMA:
            upgrade(connection)
        connection.commit()


def create_newest(connection: Connection) -> None:
    """Make an empty database the newest schema at once, and record it as migrated (what
    the migrations would make: `tests/test_store.py` compares the two)."""
    metadata.create_all(connection)
    _alembic_version.create(connection)
    connection.execute(_alembic_version.insert().values(version_num=SCHEMA))


def upgrade(connection: Connection) -> None:
    """Run the migrations the database has not had, with Alembic."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


_alembic_version = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), primary_key=True),
)
"""Alembic's record of the migrations a database has had (its own table)."""


@contextlib.contextmanager
def _migrating(database: Database, connection: Connection) -> Iterator[None]:
    """Hold the migration lock: on PostgreSQL an advisory lock of the transaction (released
    as it commits), on SQLite an exclusive flock of the database file itself (apart from
    SQLite's own locks and from the send lock)."""
    if database.is_postgresql:
        connection.execute(select(func.pg_advisory_xact_lock(_MIGRATE_LOCK)))
        yield
        return
    path = database.engine.url.database
    if not path or path == ":memory:":
        yield
        return
    with open(path, "rb") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        yield


def _revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else None


def _carry_over(database: Database, connection: Connection) -> None:
    """Copy the send log of bulletin 0.1 (sendlog.sqlite3 in the project) into the database,
    once: a recipient it holds is never mailed that issue again."""
    old = database.root / OLD_SEND_LOG
    if not old.is_file():
        return
    if connection.execute(select(meta.c.value).where(meta.c.key == _CARRIED)).first():
        connection.rollback()
        return
    source = sqlite3.connect(f"file:{old}?mode=ro", uri=True)
    try:
        rows = source.execute(
            "SELECT issue, key, email, name, state, attempts, detail, updated FROM recipients"
        )
        names = ("issue", "key", "email", "name", "state", "attempts", "detail", "updated")
        while page := rows.fetchmany(_PAGE):
            statement = database.insert(recipients).on_conflict_do_nothing()
            connection.execute(statement, [dict(zip(names, row, strict=True)) for row in page])
    except sqlite3.DatabaseError as error:
        connection.rollback()
        raise OutputError(
            OLD_SEND_LOG,
            f"the old send log cannot be read ({error})",
            "move it away if it is not a send log, then run the command again",
        ) from None
    finally:
        source.close()
    connection.execute(database.insert(meta).values(key=_CARRIED, value=str(old)))
    connection.commit()
