"""The database fixtures on the real parts: SQLAlchemy Core on SQLite and PostgreSQL, a server
reachable on 127.0.0.1 only, a new database per test, and the two promises the send log and the
send lock rest on: a commit outlives its connection, and a session's advisory lock dies with
its process."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

import postgres

SEND_LOCK = 7_301_120
"""An advisory lock key, as the send lock will take one."""


@contextmanager
def engine_of(url: str) -> Iterator[sa.Engine]:
    """An engine whose connections are all closed at the end."""
    engine = sa.create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def conninfo(url: str) -> str:
    """The libpq connection string of a SQLAlchemy URL, for a child process to connect with."""
    parsed = sa.make_url(url)
    return f"host={parsed.host} port={parsed.port} user={parsed.username} dbname={parsed.database}"


@contextmanager
def child(url: str, code: str) -> Iterator[subprocess.Popen[str]]:
    """A Python process that connects (`db` in `code`), runs `code`, says "ready" and sleeps
    until killed."""
    script = (
        "import sys, time, psycopg\n"
        "db = psycopg.connect(sys.argv[1], connect_timeout=10)\n"
        f"{code}\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, conninfo(url)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line == "ready\n", process.communicate(timeout=10)[1]
        yield process
    finally:
        process.kill()
        process.communicate(timeout=10)


def kill_9(process: subprocess.Popen[str]) -> None:
    """SIGKILL: no cleanup in the process, the kernel closes its socket."""
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


def test_core_round_trip(database_url: str) -> None:
    """Create a table, insert, select: the same Core code on both backends."""
    metadata = sa.MetaData()
    subscribers = sa.Table(
        "subscribers",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
    )
    with engine_of(database_url) as engine:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                subscribers.insert(), [{"email": "ana@example.org"}, {"email": "bo@example.org"}]
            )
        with engine.connect() as connection:
            emails = connection.scalars(sa.select(subscribers.c.email).order_by("id")).all()
            with pytest.raises(sa.exc.IntegrityError):
                connection.execute(subscribers.insert(), {"email": "ana@example.org"})
    assert emails == ["ana@example.org", "bo@example.org"]


def test_server_listens_on_loopback_only(postgres_server: postgres.Server, postgres_url: str):
    """TCP on 127.0.0.1 answers, with fsync on; other loopback addresses are refused."""
    with engine_of(postgres_url) as engine, engine.connect() as connection:
        assert connection.scalar(sa.text("SHOW listen_addresses")) == "127.0.0.1"
        assert str(connection.scalar(sa.text("SELECT inet_server_addr()"))) == "127.0.0.1"
        assert connection.scalar(sa.text("SHOW fsync")) == "on"
    for family, address in [(socket.AF_INET, "127.0.0.2"), (socket.AF_INET6, "::1")]:
        with socket.socket(family, socket.SOCK_STREAM) as probe, pytest.raises(OSError):
            probe.settimeout(5)
            probe.connect((address, postgres_server.port))


SEEN: set[str] = set()
"""The databases the runs of `test_each_test_has_a_new_database` got."""


@pytest.mark.parametrize("run", ["first", "second"])
def test_each_test_has_a_new_database(postgres_url: str, run: str) -> None:
    """Whichever runs first, each run finds an empty database no other run had."""
    with engine_of(postgres_url) as engine:
        assert sa.inspect(engine).get_table_names() == []
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE TABLE left_by_{run} (id integer)"))
    name = sa.make_url(postgres_url).database
    assert name not in SEEN
    SEEN.add(str(name))


def test_database_is_dropped_even_with_connections_open(postgres_server: postgres.Server):
    """A test that leaves a connection open does not keep its database."""
    with postgres.database(postgres_server) as url:
        engine = sa.create_engine(url)
        engine.connect()  # left open on purpose
    name = sa.make_url(url).database
    with postgres_server.connect() as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchall()
    engine.dispose()
    assert found == []


def test_commit_outlives_killed_process(postgres_url: str) -> None:
    """A row committed stays after its process is SIGKILLed; a transaction left open is gone."""
    with engine_of(postgres_url) as engine:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE send_log (address text)"))
        code = (
            "db.execute(\"INSERT INTO send_log VALUES ('committed@example.org')\")\n"
            "db.commit()\n"
            "db.execute(\"INSERT INTO send_log VALUES ('open@example.org')\")"
        )
        with child(postgres_url, code) as process:
            kill_9(process)
        with engine.connect() as connection:
            rows = connection.scalars(sa.text("SELECT address FROM send_log")).all()
    assert rows == ["committed@example.org"]


def test_advisory_lock_dies_with_its_process(postgres_url: str) -> None:
    """A session-level advisory lock is refused to others while its holder lives, and free
    once the holder is SIGKILLed: the send lock needs no cleanup after a crash."""
    take = sa.text("SELECT pg_try_advisory_lock(:key)").bindparams(key=SEND_LOCK)
    with engine_of(postgres_url) as engine, engine.connect() as connection:
        with child(postgres_url, f"db.execute('SELECT pg_advisory_lock({SEND_LOCK})')") as holder:
            assert connection.scalar(take) is False
            kill_9(holder)
        deadline = time.monotonic() + 10
        while not connection.scalar(take):
            assert time.monotonic() < deadline, "the lock outlived its holder by 10 s"
            time.sleep(0.02)
        assert connection.scalar(sa.text(f"SELECT pg_advisory_unlock({SEND_LOCK})")) is True


def test_missing_binaries_are_an_error_with_the_fix(tmp_path: Path) -> None:
    """No server binaries: an error that says to run `make setup`, never a skip."""
    with pytest.raises(postgres.PostgresUnavailable, match="make setup"):
        postgres.find_bindir(debian_root=tmp_path, pg_config=None)


def test_newest_installed_version_is_used(tmp_path: Path) -> None:
    """Of the versions whose initdb is there, the newest by number, not by name."""
    for version in ["9.6", "15", "16", "17"]:
        (tmp_path / version / "bin").mkdir(parents=True)
    for version in ["9.6", "15", "16"]:  # 17: a folder left by a removed package
        (tmp_path / version / "bin" / "initdb").touch()
    assert postgres.find_bindir(debian_root=tmp_path, pg_config=None) == tmp_path / "16" / "bin"
