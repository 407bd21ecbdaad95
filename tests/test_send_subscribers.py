"""The subscriber list: bad rows reported by line and skipped, duplicates found, files refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bulletin.diagnostics import Diagnostic
from bulletin.errors import BulletinError
from bulletin.mail.sendlog import SendLog
from bulletin.mail.subscribers import RowProblem, Subscriber, address_problem, read_subscribers
from bulletin.report import Quiet
from bulletin.store.database import open_database
from conftest import SAMPLE
from smtp_server import bulletin


def read(path: Path, text: str | bytes) -> tuple[list[Subscriber], list[str]]:
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    problems: list[RowProblem] = []
    rows = list(read_subscribers(path, "list.csv", problems.append))
    return rows, [str(p) for p in problems]


def test_rows_keep_their_line_numbers(tmp_path):
    text = (
        "Email,Name,Company\n"
        "anna@example.org,Anna Müller,MERICS\n"
        "\n"
        'bob@example.org,"Bob\n  Smith",\n'
        "not-an-address,Nobody,\n"
        "  carla@example.org  ,,\n"
    )
    rows, problems = read(tmp_path / "list.csv", text)
    assert rows == [
        Subscriber(2, "anna@example.org", "Anna Müller"),
        Subscriber(4, "bob@example.org", "Bob Smith"),
        Subscriber(7, "carla@example.org", ""),
    ]
    assert problems == [
        "list.csv:6: warning: email: 'not-an-address' is not an email address like "
        "name@example.org: fix or remove the row"
    ]


def test_reads_excel_csv_with_a_bom_and_semicolons(tmp_path):
    rows, problems = read(
        tmp_path / "list.csv", "\ufeffname;email\nAnna;anna@example.org\n".encode()
    )
    assert rows == [Subscriber(2, "anna@example.org", "Anna")]
    assert problems == []


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("", "empty: fill in the address or remove the row"),
        ("anna@example", "is not an email address"),
        ("anna@@example.org", "is not an email address"),
        ("anna..b@example.org", "is not an email address"),
        ("anna b@example.org", "is not an email address"),
        ("jürgen@example.de", "has non-ASCII characters"),
    ],
)
def test_invalid_addresses(address, problem):
    found = address_problem(address)
    assert found is not None
    assert problem in found


def test_valid_addresses():
    for address in ("a@b.co", "first.last+news@sub.example.org", "o'neil@example.ie"):
        assert address_problem(address) is None


def test_duplicates_are_found_with_the_first_line(tmp_path):
    rows, _ = read(
        tmp_path / "list.csv",
        "email\nanna@example.org\nbob@example.org\nAnna@Example.org\nbob@example.org\n",
    )
    duplicates: list[tuple[int, int]] = []
    with open_database(tmp_path, {}, create=False) as database:
        log = SendLog(database, record=False)
        log.list(rows, lambda row, first: duplicates.append((row.line, first)), print)
        log.close()
    assert duplicates == [(4, 2), (5, 3)]
    assert not (tmp_path / "bulletin.sqlite3").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"mail,name\nanna@example.org,Anna\n", "list.csv:1: error: no 'email' column"),
        (b"", "list.csv:1: error: no 'email' column (columns: none)"),
        (b"email\n\xff\xfe@example.org\n", "list.csv: error: not UTF-8"),
    ],
)
def test_unreadable_lists_are_refused(tmp_path, content, message):
    with pytest.raises(BulletinError) as error:
        read(tmp_path / "list.csv", content)
    assert error.value.format_message().startswith(message)


def test_send_reports_bad_rows_and_sends_to_the_rest(sample_build, tmp_path):
    root = tmp_path / "project"
    for name in ("content", "templates", "build"):
        shutil.copytree(sample_build.root / name, root / name)
    csv = root / "subscribers.csv"
    csv.write_text(
        "email,name\nanna@example.org,Anna\nanna@\nANNA@example.org,Dup\nbob@example.org,Bob\n",
        encoding="utf-8",
    )
    result = bulletin(root, "send", SAMPLE, "--to", str(csv))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[:2] == [
        "subscribers.csv:3: warning: email: 'anna@' is not an email address like "
        "name@example.org: fix or remove the row",
        "subscribers.csv:4: warning: email: 'ANNA@example.org' is already on line 2: "
        "remove one of the two rows",
    ]
    assert "subscribers.csv: skipped 2 rows (1 duplicate, 1 invalid); 2 recipients listed" in (
        result.stdout
    )
    assert "sent 2, failed 0, skipped 0, unknown 0" in result.stdout


class Recorder(Quiet):
    """A reporter that records what a send run tells it."""

    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []

    def warning(self, diagnostic: Diagnostic) -> None:
        self.events.append(("warning", str(diagnostic)))

    def start(self, total: int) -> None:
        self.events.append(("start", total))

    def outcome(self, item: str, state: str, detail: str) -> None:
        self.events.append(("outcome", item, state, detail))


def test_a_send_run_reports_through_its_reporter_and_prints_nothing(
    sample_build, tmp_path, capfd: pytest.CaptureFixture[str]
):
    from bulletin.mail.send import SendOptions, prepare, send_issue
    from bulletin.mail.sendlog import open_log
    from bulletin.mail.transport import Outbox
    from bulletin.project import find_project, parse_date
    from bulletin.store.database import open_database

    root = tmp_path / "project"
    for name in ("content", "templates", "build"):
        shutil.copytree(sample_build.root / name, root / name)
    csv = root / "subscribers.csv"
    csv.write_text("email\nanna@example.org\nanna@\nANNA@example.org\nbob@example.org\n")
    project = find_project(root)
    edition = prepare(project, parse_date(SAMPLE), {}, real=False)
    transport = Outbox(root / "outbox" / SAMPLE)
    reporter = Recorder()
    with open_database(root, {}, create=False) as database, open_log(database, False) as log:
        where = (csv, "subscribers.csv")
        summary = send_issue(edition, where, transport, log, SendOptions(), reporter)
    assert reporter.events == [
        (
            "warning",
            "subscribers.csv:3: warning: email: 'anna@' is not an email address like "
            "name@example.org: fix or remove the row",
        ),
        (
            "warning",
            "subscribers.csv:4: warning: email: 'ANNA@example.org' is already on line 2: "
            "remove one of the two rows",
        ),
        ("start", 2),
        ("outcome", "anna@example.org", "sent", "written"),
        ("outcome", "bob@example.org", "sent", "written"),
    ]
    assert (summary.sent, summary.paused) == (2, None)
    assert capfd.readouterr() == ("", "")
