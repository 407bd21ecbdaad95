"""The mailing list in the database, on SQLite and PostgreSQL: a CSV list brought in with its
consent, listed, shown, exported, forgotten; `bulletin send` with no --to mails the list."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bulletin.mail.mailing_list import (
    ERASED,
    Status,
    export_csv,
    find,
    forget,
    import_csv,
    mailed,
    members,
    suppression,
)
from bulletin.mail.sendlog import SendLog, State
from bulletin.mail.subscribers import Subscriber
from bulletin.report import Quiet
from bulletin.store.database import URL_VARIABLE, open_database
from conftest import SAMPLE
from smtp_server import bulletin, copy_built_sample, smtp_server

CONSENT = "signed up at the 2021 conference"


class Warnings(Quiet):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def warning(self, diagnostic) -> None:
        self.lines.append(str(diagnostic))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_import_adds_confirmed_subscribers_with_their_consent(tmp_path, database_url):
    rows = "email,name\nanna@example.org,Anna\nbad@\nANNA@example.org,Again\nbob@example.org,\n"
    warnings = Warnings()
    with open_database(tmp_path, {URL_VARIABLE: database_url}) as database:
        done = import_csv(database, write(tmp_path / "old.csv", rows), "old.csv", CONSENT, warnings)
        again = import_csv(database, tmp_path / "old.csv", "old.csv", CONSENT, Warnings())
        everyone = list(members(database))
        anna = find(database, "Anna@Example.ORG")
    assert (done.added, done.already, done.skipped) == (2, 0, 2)
    assert (again.added, again.already) == (0, 2)
    assert [w.split(": warning: ")[0] for w in warnings.lines] == ["old.csv:3", "old.csv:4"]
    assert [(m.email, m.status) for m in everyone] == [
        ("anna@example.org", Status.CONFIRMED),
        ("bob@example.org", Status.CONFIRMED),
    ]
    assert anna is not None and anna.consent == CONSENT and anna.source == "import of old.csv"
    assert anna.confirmed == anna.consented != ""


def test_forget_erases_the_address_and_keeps_it_suppressed(tmp_path, database_url):
    with open_database(tmp_path, {URL_VARIABLE: database_url}) as database:
        import_csv(database, write(tmp_path / "l.csv", "email\nanna@example.org\n"), "l.csv",
                   CONSENT, Warnings())  # fmt: skip
        with SendLog(database, True) as log:
            anna = Subscriber(2, "anna@example.org", "")
            log.mark(SAMPLE, anna, State.SENT, "250 ok")
        assert mailed(database, "anna@example.org") == [(SAMPLE, "sent", mailed(database,
                      "anna@example.org")[0][2])]  # fmt: skip
        assert forget(database, "Anna@example.org") is True
        assert find(database, "anna@example.org") is None
        assert mailed(database, "anna@example.org") == []
        kept = suppression(database, "anna@example.org")
        assert kept is not None and kept.reason == ERASED
        again = import_csv(database, tmp_path / "l.csv", "l.csv", CONSENT, Warnings())
        assert (again.added, again.suppressed) == (0, 1)
        out = io.StringIO()
        assert export_csv(database, out) == 0
    with database.engine.connect() as connection:  # nothing of the address is left in clear
        for table in ("subscribers", "recipients", "suppressions", "meta"):
            rows = connection.exec_driver_sql(f"SELECT * FROM {table}").all()
            assert "anna" not in repr(rows)


def test_the_commands_import_list_show_export_and_forget(tmp_path, sample_build):
    root = copy_built_sample(sample_build, tmp_path / "project")
    write(root / "old.csv", "email,name\nanna@example.org,Anna Müller\nbob@example.org,Bob\n")
    imported = bulletin(root, "subscribers", "import", str(root / "old.csv"), "--consent", CONSENT)
    assert imported.returncode == 0, imported.stderr
    assert "added 2, already on the list 0, suppressed 0, skipped 0" in imported.stdout
    listed = bulletin(root, "subscribers", "list", "--state", "confirmed").stdout
    assert listed.splitlines() == [
        "confirmed    anna@example.org  Anna Müller",
        "confirmed    bob@example.org  Bob",
    ]
    shown = bulletin(root, "subscribers", "show", "ANNA@example.org").stdout
    assert "anna@example.org: confirmed" in shown and repr(CONSENT) in shown
    exported = list(csv.DictReader(io.StringIO(bulletin(root, "subscribers", "export").stdout)))
    assert [row["email"] for row in exported] == ["anna@example.org", "bob@example.org"]
    assert exported[0]["consent"] == CONSENT
    forgotten = bulletin(root, "subscribers", "forget", "bob@example.org")
    assert "bob@example.org: erased; suppressed for good" in forgotten.stdout
    gone = bulletin(root, "subscribers", "show", "nobody@example.org")
    assert gone.returncode == 1
    assert "nobody@example.org: error: not on the list" in gone.stderr
    empty = bulletin(root, "subscribers", "import", str(root / "old.csv"), "--consent", " ")
    assert empty.returncode == 1 and "--consent: error: empty" in empty.stderr


def test_send_without_a_list_file_mails_the_confirmed_subscribers_once(
    tmp_path, sample_build, certificate, database_url
):
    root = copy_built_sample(sample_build, tmp_path / "project")
    write(root / "old.csv", "email\nanna@example.org\nbob@example.org\ncarl@example.org\n")
    env = {URL_VARIABLE: database_url}
    bulletin(root, "subscribers", "import", str(root / "old.csv"), "--consent", CONSENT, env=env)
    bulletin(root, "subscribers", "forget", "carl@example.org", env=env)
    with smtp_server(certificate) as server:
        env |= {"BULLETIN_SMTP_URL": server.url(True), "BULLETIN_UNSUBSCRIBE_SECRET": "s"}
        first = bulletin(root, "send", SAMPLE, env=env)
        again = bulletin(root, "send", SAMPLE, "--to", str(root / "old.csv"), env=env)
        counts = dict(server.recorder.counts)
    assert first.returncode == 0, first.stderr
    assert counts == {"anna@example.org": 1, "bob@example.org": 1}
    assert "sent 2, failed 0, skipped 0, unknown 0" in first.stdout
    assert "'carl@example.org' is suppressed (erased)" in again.stderr
    assert "sent 0, failed 0, skipped 2, unknown 0" in again.stdout


def test_ask_confirm_suppress_and_soft_bounces(tmp_path, database_url):
    from bulletin.mail.mailing_list import UNSUBSCRIBED, ask, confirm, soft_bounce, suppress

    with open_database(tmp_path, {URL_VARIABLE: database_url}) as database:
        assert ask(database, "Anna@example.org", "Anna", CONSENT, "https://x.org/s").new
        again = ask(database, "anna@example.org", "Anna M.", "new wording", "https://x.org/s")
        assert not again.new and not again.confirmed
        pending = find(database, "anna@example.org")
        assert pending and pending.status is Status.PENDING and pending.consent == "new wording"
        assert confirm(database, "ANNA@example.org") is True
        assert ask(database, "anna@example.org", "", CONSENT, "x").confirmed
        assert confirm(database, "nobody@example.org") is False
        assert soft_bounce(database, "anna@example.org") == 1
        assert soft_bounce(database, "anna@example.org") == 2
        assert suppression(database, "anna@example.org") is None
        for _ in range(2):  # idempotent
            suppress(database, "anna@example.org", UNSUBSCRIBED)
        gone = find(database, "anna@example.org")
        assert gone and gone.status is Status.UNSUBSCRIBED and gone.soft_bounces == 2
        assert ask(database, "anna@example.org", "", CONSENT, "x").suppressed
        assert confirm(database, "anna@example.org") is False
        with SendLog(database, True) as log:
            log.list_subscribed()
            assert list(log.todo(SAMPLE, {State.PENDING})) == []
