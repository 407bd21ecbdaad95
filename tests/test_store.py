"""The project's database, on SQLite and on a real PostgreSQL server: its schema migrated,
the old send log carried over, the send lock, suppressions, and a send on either."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bulletin.errors import ConfigError, OutputError
from bulletin.mail.sendlog import SendLog, State
from bulletin.mail.subscribers import Subscriber
from bulletin.store.database import OLD_SEND_LOG, URL_VARIABLE, open_database
from bulletin.store.tables import SCHEMA
from conftest import SAMPLE
from smtp_server import bulletin, copy_built_sample, smtp_server, write_subscribers

ANNA, BOB, CARL = (Subscriber(i + 2, f"{n}@example.org", n.title()) for i, n in
                   enumerate(("anna", "bob", "carl")))  # fmt: skip
OLD_SCHEMA = """
CREATE TABLE recipients (
    issue TEXT NOT NULL, key TEXT NOT NULL, email TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL, PRIMARY KEY (issue, key)
);
PRAGMA user_version=1;
"""


def opened(root: Path, url: str, create: bool = True):
    return open_database(root, {URL_VARIABLE: url}, create=create)


def test_a_new_database_has_the_newest_schema(tmp_path, database_url):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import bulletin.store.database as module

    config = Config()
    config.set_main_option("script_location", str(Path(module.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA
    for _ in range(2):  # the second open finds nothing to do
        with opened(tmp_path, database_url) as database, database.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            revision = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert revision.scalar() == SCHEMA
    assert {"recipients", "suppressions", "meta", "alembic_version"} <= tables


def test_the_old_send_log_is_carried_over_once_and_without_loss(tmp_path, database_url):
    old = sqlite3.connect(tmp_path / OLD_SEND_LOG)
    old.executescript(OLD_SCHEMA)
    rows = [
        (SAMPLE, "anna@example.org", "Anna@Example.org", "Anna", "sent", 1, "250 ok", "t1"),
        (SAMPLE, "bob@example.org", "bob@example.org", "", "unknown", 1, "dropped", "t2"),
        ("2021-10-26", "anna@example.org", "anna@example.org", "Anna", "failed", 2, "550", "t3"),
    ]
    old.executemany("INSERT INTO recipients VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    old.commit()
    old.close()
    for _ in range(2):
        with opened(tmp_path, database_url) as database, SendLog(database, False) as log:
            assert log.counts(SAMPLE) == {State.SENT: 1, State.UNKNOWN: 1}
            assert log.counts("2021-10-26") == {State.FAILED: 1}
            entries = list(log.entries(SAMPLE, State))
    assert [(e.email, e.state, e.detail, e.updated) for e in entries] == [
        ("Anna@Example.org", State.SENT, "250 ok", "t1"),
        ("bob@example.org", State.UNKNOWN, "dropped", "t2"),
    ]


def test_one_send_at_a_time_holds_the_lock(tmp_path, database_url):
    with opened(tmp_path, database_url) as database:
        with SendLog(database, True) as first:
            first.begin(SAMPLE)
            busy = pytest.raises(OutputError, match="another 'bulletin send' is running")
            with SendLog(database, True) as second, busy:
                second.begin(SAMPLE)
        with SendLog(database, True) as third:
            assert third.begin(SAMPLE) == 0


def test_marks_are_kept_and_a_sending_mark_becomes_unknown(tmp_path, database_url):
    with opened(tmp_path, database_url) as database:
        with SendLog(database, True) as log:
            log.begin(SAMPLE)
            log.list([ANNA, BOB, CARL], pytest.fail, pytest.fail)
            log.enroll(SAMPLE)
            log.mark(SAMPLE, ANNA, State.SENT, "250 ok", attempts=1)
            log.mark(SAMPLE, BOB, State.SENDING)
            assert log.tally(SAMPLE) == {State.SENT: 1, State.SENDING: 1, State.PENDING: 1}
            assert [s.email for s in log.todo(SAMPLE, {State.PENDING})] == [CARL.email]
        with SendLog(database, True) as log:  # the next run: BOB's message may have arrived
            assert log.begin(SAMPLE) == 1
            assert log.counts(SAMPLE) == {State.SENT: 1, State.UNKNOWN: 1, State.PENDING: 1}


def test_a_suppressed_address_is_left_out_by_any_list(tmp_path, database_url):
    with opened(tmp_path, database_url) as database:
        with SendLog(database, True) as log:
            log.suppress(Subscriber(9, "BOB@example.org", ""), "hard bounce", "550 5.1.1")
        found: list[tuple[int, str]] = []
        with SendLog(database, True) as log:
            log.list([ANNA, BOB, CARL], pytest.fail, lambda s, why: found.append((s.line, why)))
            assert found == [(BOB.line, "hard bounce")]
            assert [s.email for s in log.todo(SAMPLE, {State.PENDING})] == [
                ANNA.email,
                CARL.email,
            ]


def test_a_rehearsal_makes_no_database_file(tmp_path):
    with open_database(tmp_path, {}, create=False) as database, SendLog(database, False) as log:
        log.list([ANNA], pytest.fail, pytest.fail)
        log.mark(SAMPLE, ANNA, State.SENT)
        assert log.counts(SAMPLE) == {}
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:hunter2@db/x", "only SQLite and PostgreSQL are supported"),
        ("not a url", "is not a database URL"),
        ("postgresql://u:hunter2@127.0.0.1:1/x", "cannot open the database"),
    ],
)
def test_a_bad_database_url_is_one_line_without_its_password(tmp_path, url, message):
    with pytest.raises(ConfigError) as raised:
        opened(tmp_path, url)
    line = raised.value.format_message()
    assert message in line and "hunter2" not in line and "\n" not in line


def test_a_send_on_either_database_mails_each_recipient_once(tmp_path, sample_build, certificate,
                                                             database_url):  # fmt: skip
    root = copy_built_sample(sample_build, tmp_path / "project")
    write_subscribers(root / "subscribers.csv", 5)
    csv = str(root / "subscribers.csv")
    with smtp_server(certificate) as server:
        env = {
            "BULLETIN_SMTP_URL": server.url(True),
            "BULLETIN_UNSUBSCRIBE_SECRET": "s",
            URL_VARIABLE: database_url,
        }
        server.recorder.reply("r1@example.org", "rcpt", "550 5.1.1 no such mailbox")
        first = bulletin(root, "send", SAMPLE, "--to", csv, "--backoff", "0.05", env=env)
        again = bulletin(root, "send", SAMPLE, "--to", csv, "--backoff", "0.05", env=env)
        counts = dict(server.recorder.counts)
    assert first.returncode == 0, first.stderr
    assert counts == {f"r{i}@example.org": 1 for i in (0, 2, 3, 4)}
    assert "sent 4, failed 1, skipped 0, unknown 0" in first.stdout
    assert "sent 0, failed 0, skipped 4, unknown 0" in again.stdout
    log = bulletin(root, "send-log", SAMPLE, env={URL_VARIABLE: database_url}).stdout
    assert "5 recipient(s): 0 pending, 0 sending, 4 sent, 1 failed, 0 unknown" in log
    assert not (root / "bulletin.sqlite3").exists()  # the URL given is the database used


def _schema(connection) -> dict[str, object]:
    """Every table's columns (name, type, nullable, default), keys and indexes."""
    seen = inspect(connection)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"], str(c.get("default"))) for c in
             seen.get_columns(table)],
            seen.get_pk_constraint(table)["constrained_columns"],
            sorted((i["name"], tuple(i["column_names"])) for i in seen.get_indexes(table)),
            sorted(tuple(u["column_names"]) for u in seen.get_unique_constraints(table)),
        )
        for table in sorted(seen.get_table_names())
    }  # fmt: skip


def test_a_new_database_made_at_once_equals_one_made_by_the_migrations(tmp_path, database_url):
    from sqlalchemy import create_engine

    from bulletin.store.database import create_newest, upgrade

    made = {}
    for how, make in (("at once", create_newest), ("migrations", upgrade)):
        url = database_url if how == "at once" else _second_database(tmp_path, database_url)
        engine = create_engine(url)
        with engine.connect() as connection:
            make(connection)
            connection.commit()
            made[how] = _schema(connection)
        engine.dispose()
    assert made["at once"] == made["migrations"]
    assert "subscribers" in made["at once"]


def _second_database(tmp_path: Path, url: str) -> str:
    """Another empty database beside the one of `url` (same server)."""
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/second.sqlite3"
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"{parsed.database}_second"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def test_publication_yaml_names_the_database_and_the_environment_overrides_it(
    tmp_path, sample_build, postgres_url
):
    root = copy_built_sample(sample_build, tmp_path / "project")
    publication = root / "content" / "publication.yaml"
    text = publication.read_text(encoding="utf-8")
    publication.write_text(text + "database: sqlite:///data/list.sqlite3\n", encoding="utf-8")
    (root / "list.csv").write_text("email\nanna@example.org\n", encoding="utf-8")
    imported = bulletin(root, "subscribers", "import", str(root / "list.csv"), "--consent", "x")
    assert imported.returncode == 0, imported.stderr
    assert (root / "data" / "list.sqlite3").is_file()
    assert not (root / "bulletin.sqlite3").exists()
    overridden = bulletin(root, "subscribers", "list", env={URL_VARIABLE: postgres_url})
    assert overridden.returncode == 0 and overridden.stdout == ""  # another, empty list
    assert "anna@example.org" in bulletin(root, "subscribers", "list").stdout
    secret = text + "database: postgresql://bulletin:hunter2@db.example.org/bulletin\n"
    publication.write_text(secret, encoding="utf-8")
    refused = bulletin(root, "subscribers", "list")
    assert refused.returncode == 1
    assert "database: holds a password: keep it out of publication.yaml" in refused.stderr
    checked = bulletin(root, "check")
    assert "content/publication.yaml" in checked.stdout and "holds a password" in checked.stdout
