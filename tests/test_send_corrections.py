"""`bulletin send --correction` and latecomers on a real SMTP server (aiosmtpd on 127.0.0.1):
a correction goes once to exactly those who received the issue without it, the corrected PDF
attached; a rerun, a crash, a later subscriber and an unsubscribed reader change nothing of
that; `send` run again (or with --only-new) mails only those not mailed yet."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import text

from browser import axe_violations
from conftest import SAMPLE, SAMPLE_FOLDER, build_in_process, copy_project, edit
from smtp_server import DROP, Received, Recorder, bulletin, copy_built_sample, smtp_server

SECRET = "unsubscribe-secret-for-tests"
PAGE = "https://bulletin.example.org/issues/2021-11-02/"
ITEM = SAMPLE_FOLDER / "top" / "01-carbon-neutrality.md"
FIRST = "An earlier version called cutting emissions a priority; the guidelines make it binding."
SECOND = "The foreword now names both authors of the issue."
BEFORE, AFTER = "now become a priority for officials", "now become a binding priority for officials"
"""The edit the first correction explains, in the item's Comment (so in the PDF)."""
SUBJECT = "Correction: China Industries, November 2, 2021"


def subscribe(root: Path, env: dict[str, str], *addresses: str) -> None:
    """Add confirmed subscribers to the project's list, as an import does."""
    csv = root / "join.csv"
    csv.write_text("email\n" + "".join(f"{a}\n" for a in addresses), encoding="utf-8")
    done = bulletin(root, "subscribers", "import", str(csv), "--consent", "tests", env=env)
    assert done.returncode == 0, done.stderr


def correct_item(root: Path) -> None:
    """The first correction: the edit in item 1's Comment, and its entry."""
    item = root / ITEM
    edit(item, BEFORE, AFTER)
    entry = f"corrections:\n  - date: 2021-11-05\n    text: {FIRST}\n---"
    edit(item, "  date: 2021-10-24\n---", "  date: 2021-10-24\n" + entry)


def correct_issue(root: Path) -> None:
    """A second correction, of the issue as a whole, made a week later."""
    entry = f"corrections:\n  - date: 2021-11-12\n    text: {SECOND}\n"
    edit(root / SAMPLE_FOLDER / "issue.md", "date: 2021-11-02\n", "date: 2021-11-02\n" + entry)


def corrected_copy(corrections: tuple[Callable[[Path], None], ...], root: Path) -> Path:
    """A copy of the sample project with these corrections made, built in this process."""
    copy_project(root)
    for correct in corrections:
        correct(root)
    build_in_process(root, SAMPLE)
    return root


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project with the first correction made, built."""
    return corrected_copy((correct_item,), tmp_path_factory.mktemp("corrected"))


@pytest.fixture(scope="module")
def corrected_twice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project with both corrections made, built."""
    root = tmp_path_factory.mktemp("twice")
    return corrected_copy((correct_item, correct_issue), root)


def rebuilt(root: Path, built: Path) -> None:
    """The project at `root` with the content and build of `built`, as the editor has it after
    making the same corrections and running `bulletin build` (its database kept)."""
    for name in ("content", "build"):
        shutil.rmtree(root / name)
        shutil.copytree(built / name, root / name)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """What a command that succeeded said, on stdout then stderr."""
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def corrections(received: list[Received], start: int = 0) -> dict[str, EmailMessage]:
    """The correction messages the relay got (from message `start` on), by recipient."""
    found = {}
    for r in received[start:]:
        if r.message["Subject"] == SUBJECT:
            (address,) = r.recipients
            assert address not in found, f"a second correction message to {address}"
            found[address] = r.message
    return found


def pdf_text(message: EmailMessage, folder: Path) -> str:
    """The attached PDF's text (pdftotext), its white space made single spaces."""
    (attachment,) = message.iter_attachments()
    path = folder / "attached.pdf"
    path.write_bytes(attachment.get_content())
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def attached(message: EmailMessage) -> bytes:
    (attachment,) = message.iter_attachments()
    data: bytes = attachment.get_content()
    return data


def bodies(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies, white space made single spaces."""
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    return " ".join(plain.get_content().split()), " ".join(html.get_content().split())


@pytest.fixture
def mail_project(sample_build, tmp_path: Path) -> Path:
    return copy_built_sample(sample_build, tmp_path / "project")


def test_a_correction_reaches_exactly_those_who_received_the_issue_once(
    mail_project, corrected, corrected_twice, certificate, tmp_path
):
    """Three readers get the issue; a correction is made and a fourth joins and gets the
    corrected issue by --only-new: the correction goes to the three, once, the new PDF
    attached; then one unsubscribes, and a second correction goes to the other three."""
    root = mail_project
    pdf = root / "build" / "issues" / SAMPLE / "china-industries-2021-11-02.pdf"
    first_three = ["anna@example.org", "bob@example.org", "chen@example.net"]
    with smtp_server(certificate) as server:
        env = {"BULLETIN_SMTP_URL": server.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        subscribe(root, env, *first_three)
        ok(bulletin(root, "send", SAMPLE, env=env))
        as_sent = attached(server.recorder.received[0].message)
        rebuilt(root, corrected)
        corrected_pdf = pdf.read_bytes()
        subscribe(root, env, "dave@example.org")
        latecomer = ok(bulletin(root, "send", SAMPLE, "--only-new", env=env))
        mark = len(server.recorder.received)
        first = ok(bulletin(root, "send", SAMPLE, "--correction", env=env))
        again = ok(bulletin(root, "send", SAMPLE, "--correction", env=env))
        first_mails = corrections(server.recorder.received, mark)
        mark = len(server.recorder.received)
        unsubscribe(root, "bob@example.org")
        rebuilt(root, corrected_twice)
        second = ok(bulletin(root, "send", SAMPLE, "--correction", env=env))
        second_mails = corrections(server.recorder.received, mark)
        log = ok(bulletin(root, "send-log", SAMPLE, "--correction", "2", "--state", "sent"))
    assert "sent 1, failed 0, skipped 3, unknown 0" in latecomer
    assert sorted(first_mails) == first_three
    assert "2021-11-02/correction-1 via smtp://" in first
    assert "sent 3, failed 0, skipped 0, unknown 0" in first
    assert "sent 0, failed 0, skipped 3, unknown 0" in again
    message = first_mails["anna@example.org"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "unsubscribe?email=anna@example.org&token=" in "".join(
        message["List-Unsubscribe"].split()
    )
    assert ".correction-1." in message["Message-ID"]
    plain, html = bodies(message)
    for body in (plain, html):
        assert FIRST in body and "Landmark carbon neutrality plan" in body
        assert "November 5, 2021" in body and f"{PAGE}#correction-1" in body
        assert "Earlier corrections" not in body.title()
    assert "1. Landmark carbon neutrality plan raises the stakes for local officials" in plain
    assert "Unsubscribe: https://bulletin.example.org/unsubscribe?email=anna@example.org" in plain
    new_pdf = attached(message)
    assert new_pdf == corrected_pdf != as_sent
    assert AFTER in pdf_text(message, tmp_path) and BEFORE not in pdf_text(message, tmp_path)
    assert sorted(second_mails) == ["anna@example.org", "chen@example.net", "dave@example.org"]
    assert "the send log: skipped 1 rows (1 suppressed); 3 recipients listed" in second
    plain, html = bodies(second_mails["dave@example.org"])
    for body in (plain, html):
        assert SECOND in body and "the issue as a whole" in body.lower()
        assert f"{PAGE}#correction-2" in body and f"{PAGE}#correction-1" in body
        assert "EARLIER CORRECTIONS" in body.upper() and FIRST in body
    tallies = "0 pending, 0 sending, {} sent, 0 failed, 0 unknown"
    assert log.splitlines()[:3] == [
        f"2021-11-02: 4 recipient(s): {tallies.format(4)}",
        f"2021-11-02/correction-1: 3 recipient(s): {tallies.format(3)}",
        f"2021-11-02/correction-2: 3 recipient(s): {tallies.format(3)}",
    ]
    assert [line.split()[1] for line in log.splitlines()[3:]] == sorted(second_mails)


def test_the_attached_pdf_carries_the_correction(mail_project, corrected, certificate, tmp_path):
    root = mail_project
    with smtp_server(certificate) as server:
        env = {"BULLETIN_SMTP_URL": server.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        subscribe(root, env, "anna@example.org")
        ok(bulletin(root, "send", SAMPLE, env=env))
        rebuilt(root, corrected)
        ok(bulletin(root, "send", SAMPLE, "--correction", env=env))
        (message,) = corrections(server.recorder.received).values()
    assert FIRST in pdf_text(message, tmp_path)


def unsubscribe(root: Path, address: str, env: dict[str, str] | None = None) -> None:
    """The reader unsubscribes (as the one-click link does)."""
    from bulletin.mail.mailing_list import UNSUBSCRIBED, suppress
    from bulletin.store.database import open_database

    with open_database(root, env or {}) as database:
        suppress(database, address, UNSUBSCRIBED)


def test_a_killed_correction_send_resumes_without_a_second_copy(
    mail_project, corrected, certificate, postgres_url
):
    """On PostgreSQL: the correction's send is SIGKILLed while the relay holds its second
    message; run again, it mails the rest, and nobody gets a second copy."""
    root = mail_project
    readers = [f"r{i}@example.org" for i in range(6)]
    recorder = Recorder()
    with smtp_server(certificate, recorder=recorder) as server:
        env = {
            "BULLETIN_SMTP_URL": server.url(),
            "BULLETIN_UNSUBSCRIBE_SECRET": SECRET,
            "BULLETIN_DATABASE_URL": postgres_url,
        }
        subscribe(root, env, *readers)
        ok(bulletin(root, "send", SAMPLE, env=env))
        rebuilt(root, corrected)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("BULLETIN_")}
        command = [sys.executable, "-m", "bulletin", "--project", str(root), "send", SAMPLE,
                   "--correction"]  # fmt: skip
        process = subprocess.Popen(
            command, env=clean | env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

        def kill(count: int) -> None:  # the relay has the second correction, not yet answered
            if count == len(readers) + 2:
                os.kill(process.pid, signal.SIGKILL)

        recorder.on_message = kill
        process.communicate(timeout=60)
        recorder.on_message = None
        resumed = ok(bulletin(root, "send", SAMPLE, "--correction", env=env))
        again = ok(bulletin(root, "send", SAMPLE, "--correction", env=env))
    assert process.returncode == -signal.SIGKILL
    got = Counter(r.recipients[0] for r in recorder.received if r.message["Subject"] == SUBJECT)
    assert sorted(got) == readers and set(got.values()) == {1}
    assert "sent 4, failed 0, skipped 1, unknown 1 " in resumed
    assert "1 recipient(s) may or may not have the correction, and were NOT sent it again" in (
        resumed
    )
    assert "send-log 2021-11-02 --correction 1 --state unknown\n" in resumed
    assert "send 2021-11-02 --correction --resend-unknown\n" in resumed
    assert "sent 0, failed 0, skipped 5, unknown 1 " in again


def test_send_again_and_only_new_mail_each_latecomer_exactly_once(mail_project, certificate):
    root = mail_project
    with smtp_server(certificate) as server:
        env = {"BULLETIN_SMTP_URL": server.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        subscribe(root, env, "anna@example.org", "bob@example.org")
        ok(bulletin(root, "send", SAMPLE, env=env))
        subscribe(root, env, "carl@example.org")
        plain_again = ok(bulletin(root, "send", SAMPLE, env=env))
        subscribe(root, env, "dora@example.org")
        only_new = ok(bulletin(root, "send", SAMPLE, "--only-new", env=env))
        nothing = ok(bulletin(root, "send", SAMPLE, "--only-new", env=env))
        counts = dict(server.recorder.counts)
    assert "sent 1, failed 0, skipped 2, unknown 0" in plain_again
    assert "sent 1, failed 0, skipped 3, unknown 0" in only_new
    assert "sent 0, failed 0, skipped 4, unknown 0" in nothing
    assert counts == {f"{n}@example.org": 1 for n in ("anna", "bob", "carl", "dora")}


def test_only_new_refuses_while_a_run_left_recipients_pending(mail_project, certificate):
    """A run that paused left recipients pending: --only-new would leave them unmailed, so it
    refuses until the run is resumed; then it mails only the latecomer."""
    root = mail_project
    with smtp_server(certificate) as server:
        env = {"BULLETIN_SMTP_URL": server.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        subscribe(root, env, "anna@example.org", "bob@example.org", "carl@example.org")
        server.recorder.reply("anna@example.org", "rcpt", DROP)
        paused = bulletin(root, "send", SAMPLE, "--retries", "0", "--pause-after", "1", env=env)
        subscribe(root, env, "dora@example.org")
        refused = bulletin(root, "send", SAMPLE, "--only-new", env=env)
        resumed = ok(bulletin(root, "send", SAMPLE, env=env))
        subscribe(root, env, "emil@example.org")
        only_new = ok(bulletin(root, "send", SAMPLE, "--only-new", env=env))
        counts = dict(server.recorder.counts)
    assert paused.returncode == 1 and "pending 3" in paused.stdout
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "--only-new: error: 3 recipient(s) were left pending by an earlier run of 2021-11-02 "
        "that stopped: resume it first: run the same command without --only-new (which mails "
        "them, and those not in the send log yet)"
    )
    assert "sent 4, failed 0, skipped 0, unknown 0" in resumed
    assert "sent 1, failed 0, skipped 4, unknown 0" in only_new
    assert counts == {f"{n}@example.org": 1 for n in ("anna", "bob", "carl", "dora", "emil")}


def test_the_refusals_of_send_correction(mail_project, corrected):
    root = mail_project
    env = {"BULLETIN_SMTP_URL": "smtp://relay.example.org", "BULLETIN_UNSUBSCRIBE_SECRET": "s"}
    none = bulletin(root, "send", SAMPLE, "--correction", env=env)
    correct_item(root)
    stale = bulletin(root, "send", SAMPLE, "--correction", env=env)
    rebuilt(root, corrected)
    never = bulletin(root, "send", SAMPLE, "--correction", env=env)
    assert not (root / "archive").exists()  # nothing went out, so nothing is recorded
    (root / "subscribers.csv").write_text("email\nanna@example.org\n", encoding="utf-8")
    with_to = bulletin(root, "send", SAMPLE, "--correction", "--to", "subscribers.csv", env=env)
    clashes = [
        bulletin(root, "send", SAMPLE, "--only-new", *more, env=env)
        for more in (["--correction"], ["--retry-failed"], ["--resend-unknown"],
                     ["--test", "me@example.org"])
    ]  # fmt: skip
    (root / "build" / "issues" / SAMPLE / "china-industries-2021-11-02.pdf").unlink()
    unbuilt = bulletin(root, "send", SAMPLE, "--correction", env=env)
    refused = {
        none: "content/issues/2021-11-02: error: corrections: the issue has no correction to "
        "mail: add a `corrections:` entry (date, text) to the item corrected, or to issue.md, "
        "then run 'bulletin build 2021-11-02' (see docs/corrections.md)",
        stale: "build/issues/2021-11-02/china-industries-2021-11-02.pdf: error: older than "
        f"{ITEM}: run 'bulletin build 2021-11-02' so that the PDF matches the issue",
        never: "--correction: error: 2021-11-02 was never sent: the send log has no recipient "
        "who received it: a correction goes to those who received the issue: send the issue "
        "itself with 'bulletin send 2021-11-02'",
    }
    for result, message in refused.items():
        assert (result.returncode, result.stderr.strip()) == (1, message)
    assert with_to.returncode == 2
    assert "--correction mails those the send log has as sent the issue: leave out --to" in (
        with_to.stderr
    )
    for clash, option in zip(clashes, ("--correction", "--retry-failed", "--resend-unknown",
                                       "--test"), strict=True):  # fmt: skip
        assert clash.returncode == 2
        assert f"--only-new mails only those not in the send log yet: leave out {option}" in (
            clash.stderr
        )
    assert unbuilt.returncode == 1
    assert "china-industries-2021-11-02.pdf: error: the PDF is not built" in unbuilt.stderr


def test_a_test_copy_of_the_correction_is_email_safe_and_accessible(
    corrected_twice, certificate, browser, tmp_path
):
    """One [TEST] copy of the second correction, nothing recorded; its HTML, with the first
    correction listed as an earlier one, has its CSS inlined, fits a phone and passes axe."""
    root = tmp_path / "project"
    shutil.copytree(corrected_twice, root)
    with smtp_server(certificate) as server:
        env = {"BULLETIN_SMTP_URL": server.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        done = ok(bulletin(root, "send", SAMPLE, "--correction", "--test", "me@example.org",
                           env=env))  # fmt: skip
        (received,) = server.recorder.received
    assert "sent a [TEST] copy to me@example.org" in done and "nothing recorded" in done
    assert not (root / "bulletin.sqlite3").exists()
    assert received.message["Subject"] == "[TEST] " + SUBJECT
    html = received.message.get_body(("html",))
    assert html is not None
    path = tmp_path / "correction.html"
    path.write_text(html.get_content(), encoding="utf-8")
    assert 'class="item-title" style="' in path.read_text(encoding="utf-8")  # inlined
    page = browser.new_page(viewport={"width": 375, "height": 900})
    page.goto(path.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("h2").all_inner_texts() == ["CORRECTION 2", "EARLIER CORRECTIONS"]
    assert axe_violations(page) == []
    page.close()


def test_rows_of_an_older_log_are_version_1(tmp_path, database_url):
    """A database at migration 0003 with a recipient: migrated, the row is version 1, and a
    mark records the version it is given."""
    from sqlalchemy import create_engine

    from bulletin.mail.sendlog import SendLog, State
    from bulletin.mail.subscribers import Subscriber
    from bulletin.store.database import URL_VARIABLE, open_database

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        _upgrade_to(connection, "0003")
        connection.execute(
            text(
                "INSERT INTO recipients (issue, key, email, name, state, attempts, detail, "
                "updated) VALUES (:issue, 'anna@example.org', 'anna@example.org', '', 'sent', "
                "1, '250 ok', 't')"
            ),
            {"issue": SAMPLE},
        )
        connection.commit()
    engine.dispose()
    with open_database(tmp_path, {URL_VARIABLE: database_url}) as database:
        with SendLog(database, True) as log:
            log.mark(SAMPLE, Subscriber(0, "bob@example.org", ""), State.SENT, version=3)
        with database.connect() as connection:
            rows = connection.execute(
                text("SELECT key, version FROM recipients ORDER BY key")
            ).all()
    assert [tuple(row) for row in rows] == [("anna@example.org", 1), ("bob@example.org", 3)]


def _upgrade_to(connection, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    import bulletin.store.database as module

    config = Config()
    config.set_main_option("script_location", str(Path(module.__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def test_end_to_end_send_correct_build_and_mail_the_correction(certificate, tmp_path):
    """The archive of record end to end, as an editor runs it: the issue is sent; a
    correction is made and the site built; the page, the new PDF, the kept as-sent PDF and the
    feed say so; the correction reaches exactly the issue's recipients, once."""
    import feedparser

    root = copy_project(tmp_path / "project")
    readers = ["anna@example.org", "bob@example.org", "chen@example.net"]
    kept_url = f"issues/{SAMPLE}/versions/1/china-industries-{SAMPLE}.pdf"
    with smtp_server(certificate) as server:
        env = {"BULLETIN_SMTP_URL": server.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        ok(bulletin(root, "build", env=env, timeout=300))
        feed_before = feedparser.parse((root / "build" / "feed.xml").read_bytes())
        subscribe(root, env, *readers)
        ok(bulletin(root, "send", SAMPLE, env=env))
        issue_mails = list(server.recorder.received)
        as_sent = attached(issue_mails[0].message)
        correct_item(root)
        ok(bulletin(root, "build", env=env, timeout=300))
        first = ok(bulletin(root, "send", SAMPLE, "--correction", env=env))
        rerun = ok(bulletin(root, "send", SAMPLE, "--correction", env=env))
        mails = corrections(server.recorder.received, len(issue_mails))
    assert sorted(r.recipients[0] for r in issue_mails) == readers
    assert (root / "archive" / SAMPLE / "v1.pdf").read_bytes() == as_sent
    assert (root / "build" / kept_url).read_bytes() == as_sent
    page = (root / "build" / "issues" / SAMPLE / "index.html").read_text(encoding="utf-8")
    assert 'id="correction-1"' in page and FIRST in page and f'href="../../{kept_url}"' in page
    new_pdf = root / "build" / "issues" / SAMPLE / f"china-industries-{SAMPLE}.pdf"
    text = subprocess.run(["pdftotext", str(new_pdf), "-"], capture_output=True, text=True)
    assert FIRST in " ".join(text.stdout.split()) and new_pdf.read_bytes() != as_sent
    feed = feedparser.parse((root / "build" / "feed.xml").read_bytes())
    entry = next(e for e in feed.entries if SAMPLE in e.link)
    assert entry.updated.startswith("2021-11-05")
    assert next(e for e in feed_before.entries if SAMPLE in e.link).updated < entry.updated
    assert sorted(mails) == readers
    assert all(attached(m) == new_pdf.read_bytes() for m in mails.values())
    assert "sent 3, failed 0, skipped 0, unknown 0" in first
    assert "sent 0, failed 0, skipped 3, unknown 0" in rerun
    assert (root / "archive" / SAMPLE / "v2.pdf").read_bytes() == new_pdf.read_bytes()
    assert (root / "archive" / SAMPLE / "v1.pdf").read_bytes() == as_sent
