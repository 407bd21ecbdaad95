"""Issue 8 on the delivery side: bad input never crashes, hangs or reaches the terminal raw.

A: links in build/ that lead out of it or nowhere are refused by publish and --dry-run.
B: a write whose folder is blocked (a dangling link, a file) says what is in the way.
C: a subscriber's name with a control character or a bidi override is refused, by line.
D: a relay that drops the connection during DATA: the recipient is unknown, never mailed
   twice, and the run says what happened and what to run.
"""

from __future__ import annotations

import json
import os
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from bulletin.errors import BulletinError
from bulletin.mail.subscribers import RowProblem, Subscriber, read_subscribers
from bulletin.write import write_all
from conftest import SAMPLE, run
from smtp_server import DROP, bulletin, copy_built_sample, smtp_server, write_subscribers

REBUILD = "bulletin never writes links into build/: remove it and run `bulletin build` again"
OUTSIDE = "publishing it would put what it points to on the website"
SECRET = "unsubscribe-secret-for-tests"


# A: links out of build/ ------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A project whose build/ holds a page and a data file."""
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (root / "content" / "publication.yaml").write_text("series: Test\n", encoding="utf-8")
    (root / "build" / "issues").mkdir(parents=True)
    (root / "build" / "index.html").write_text("<p>v1</p>", encoding="utf-8")
    (root / "build" / "issues" / "data.txt").write_text("v1", encoding="utf-8")
    return root


def refused(site: Path, dest: Path, expected: list[str]) -> None:
    """publish and --dry-run both refuse with exactly `expected`, and change nothing."""
    before = state(site, dest)
    for extra in ((), ("--dry-run",)):
        result = run(site, "publish", str(dest), *extra)
        assert result.returncode == 1, result.stdout + result.stderr
        assert (result.stdout, result.stderr.splitlines()) == ("", expected)
    assert state(site, dest) == before


def state(site: Path, dest: Path) -> tuple[list[str], str]:
    """The names beside DEST (DEST, its releases and theirs) and the publish log."""
    names = sorted(str(p.relative_to(dest.parent)) for p in dest.parent.glob(f"{dest.name}*"))
    names += sorted(os.listdir(f"{dest}.releases")) if os.path.isdir(f"{dest}.releases") else []
    logged = site / "publish-log.jsonl"
    return names, logged.read_text(encoding="utf-8") if logged.exists() else ""


def test_a_link_to_etc_passwd_in_build_is_refused_before_anything_is_copied(
    site: Path, tmp_path: Path
):
    dest = tmp_path / "www" / "site"
    dest.parent.mkdir()
    os.symlink("/etc/passwd", site / "build" / "issues" / "x.pdf")
    refused(
        site,
        dest,
        [f"build/issues/x.pdf: error: is a link to '/etc/passwd', outside build/: {OUTSIDE}; "
         f"{REBUILD}"],
    )  # fmt: skip
    assert os.listdir(tmp_path / "www") == []
    assert not (site / "publish-log.jsonl").exists()


def test_a_link_out_of_build_is_refused_after_a_good_publish_too(site: Path, tmp_path: Path):
    dest = tmp_path / "site"
    first = run(site, "publish", str(dest))
    assert first.returncode == 0, first.stderr
    live = os.readlink(dest)
    os.symlink("../../content/publication.yaml", site / "build" / "issues" / "x.pdf")
    refused(
        site,
        dest,
        ["build/issues/x.pdf: error: is a link to '../../content/publication.yaml', outside "
         f"build/ (content/publication.yaml): {OUTSIDE}; {REBUILD}"],
    )  # fmt: skip
    assert os.readlink(dest) == live
    assert not (dest / "issues" / "x.pdf").exists()
    assert len((site / "publish-log.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_dangling_looping_outside_and_absolute_links_are_each_one_line(site: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.txt").write_text("not for the web", encoding="utf-8")
    build = site / "build"
    os.symlink(outside, build / "shared")
    os.symlink("missing.html", build / "issues" / "gone.html")
    os.symlink("b", build / "a")
    os.symlink("a", build / "b")
    os.symlink(build / "index.html", build / "home.html")
    os.mkfifo(build / "pipe")  # reading it would hang: it must not be read
    nowhere, loop = "which leads nowhere", "which leads round in a loop of links"
    refused(
        site,
        tmp_path / "site",
        [f"build/a: error: is a link to 'b', {loop}: {REBUILD}",
         f"build/b: error: is a link to 'a', {loop}: {REBUILD}",
         f"build/home.html: error: is a link to '{build / 'index.html'}', which reaches build/ "
         f"only from outside it: in the release it would lead elsewhere; {REBUILD}",
         f"build/issues/gone.html: error: is a link to 'missing.html', {nowhere}: {REBUILD}",
         "build/pipe: error: is neither a file nor a folder (a fifo, a socket or a device): "
         "remove it",
         f"build/shared: error: is a link to '{outside}', outside build/: {OUTSIDE}; {REBUILD}"],
    )  # fmt: skip


def test_build_as_a_link_to_a_folder_elsewhere_is_published_resolved_once(
    site: Path, tmp_path: Path
):
    elsewhere = tmp_path / "elsewhere" / "site-build"
    elsewhere.parent.mkdir()
    os.rename(site / "build", elsewhere)
    os.symlink(elsewhere, site / "build")
    os.symlink("index.html", elsewhere / "latest.html")  # inside build/: kept as a link
    dest = tmp_path / "site"
    planned = run(site, "publish", str(dest), "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.splitlines() == [
        "added index.html",
        "added issues/data.txt",
        "added latest.html",
    ]
    published = run(site, "publish", str(dest))
    assert published.returncode == 0, published.stderr
    assert (dest / "issues" / "data.txt").read_text(encoding="utf-8") == "v1"
    assert os.readlink(dest / "latest.html") == "index.html"
    assert (dest / "latest.html").read_text(encoding="utf-8") == "<p>v1</p>"
    [record] = [json.loads(line) for line in (site / "publish-log.jsonl").open()]
    assert record["files"] == 2


def test_a_dangling_build_link_is_nothing_to_publish_in_one_line(site: Path, tmp_path: Path):
    os.rename(site / "build", tmp_path / "moved")
    os.symlink(tmp_path / "gone", site / "build")
    dest = tmp_path / "site"
    result = run(site, "publish", str(dest))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{site / 'build'}: error: nothing to publish to {dest}: build/ is a link to "
        f"'{tmp_path / 'gone'}', which does not exist: create that folder or remove the link, "
        "then run 'bulletin build'"
    ]


# B: what is in the way of a write --------------------------------------------------------


def test_build_with_a_dangling_build_link_says_what_is_in_the_way(project: Path, tmp_path: Path):
    os.symlink(tmp_path / "nowhere", project / "build")
    result = run(project, "build", SAMPLE)
    assert result.returncode == 1, result.stdout
    assert result.stderr.splitlines() == [
        f"{project / 'build'}: error: cannot write: is a link to '{tmp_path / 'nowhere'}', "
        f"which does not exist: create {tmp_path / 'nowhere'} or remove the link"
    ]
    assert not (tmp_path / "nowhere").exists()


def test_build_with_a_file_named_build_says_move_it_away(project: Path):
    (project / "build").write_text("notes", encoding="utf-8")
    result = run(project, "build", SAMPLE)
    assert result.returncode == 1, result.stdout
    assert result.stderr.splitlines() == [
        "build: error: cannot write: is a file, not a folder: move it away"
    ]
    assert (project / "build").read_text(encoding="utf-8") == "notes"


def blocked(tmp_path: Path, files: list[str]) -> str:
    """The error of writing `files` (relative to build/) with write_all, as build shows it."""
    build = tmp_path / "build"
    with pytest.raises(BulletinError) as error:
        write_all([(build / name, b"data") for name in files], "build")
    return error.value.format_message()


def leftovers(tmp_path: Path) -> list[str]:
    """Everything but folders (a write may leave the empty folders it made, never a file)."""
    paths = (p for p in tmp_path.rglob("*") if p.is_symlink() or not p.is_dir())
    return sorted(p.relative_to(tmp_path).as_posix() for p in paths)


def test_a_relative_dangling_link_names_the_folder_to_create(tmp_path: Path):
    os.symlink("../elsewhere/build", tmp_path / "build")
    message = blocked(tmp_path, ["index.html", "assets/site.css"])
    target = os.path.normpath(tmp_path / "../elsewhere/build")
    assert message == (
        "build: error: cannot write: is a link to '../elsewhere/build', which does not exist: "
        f"create {target} or remove the link"
    )
    assert leftovers(tmp_path) == ["build"]


def test_a_file_at_build_issues_is_named_and_nothing_is_half_written(tmp_path: Path):
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "issues").write_text("", encoding="utf-8")
    message = blocked(tmp_path, ["index.html", "issues/2021-11-02/index.html"])
    assert message == "build/issues: error: cannot write: is a file, not a folder: move it away"
    assert leftovers(tmp_path) == ["build/issues"]  # index.html was staged, then removed


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("loop", "build: error: cannot write: is a link to 'build', which leads round in a loop: "
         "remove the link"),
        ("folder", "build/index.html: error: cannot write: is a folder, where the file must go: "
         "move it away"),
        ("deep", "build/issues/2021-11-02: error: cannot write: is a file, not a folder: "
         "move it away"),
    ],
)  # fmt: skip
def test_other_things_in_the_way(tmp_path: Path, setup: str, message: str):
    build = tmp_path / "build"
    if setup == "loop":
        os.symlink("build", build)
    elif setup == "folder":
        (build / "index.html").mkdir(parents=True)
    else:
        (build / "issues").mkdir(parents=True)
        (build / "issues" / "2021-11-02").write_text("", encoding="utf-8")
    before = leftovers(tmp_path)
    assert blocked(tmp_path, ["a.html", "index.html", "issues/2021-11-02/index.html"]) == message
    assert leftovers(tmp_path) == before


# C: control characters in a subscriber's name --------------------------------------------


def read_list(path: Path, text: str) -> tuple[list[Subscriber], list[RowProblem]]:
    path.write_text(text, encoding="utf-8")
    problems: list[RowProblem] = []
    return list(read_subscribers(path, "list.csv", problems.append)), problems


def test_a_nul_in_a_name_is_refused_on_its_line(tmp_path: Path):
    rows, problems = read_list(tmp_path / "list.csv", "email,name\na@example.org,Anna\x00 M\n")
    assert rows == []
    assert [str(p) for p in problems] == [
        "list.csv:2: warning: name: 'Anna\\x00 M' holds the control character(s) \\x00, which "
        "must not reach the To: header: delete them from the name, or remove the row"
    ]
    assert (problems[0].field, problems[0].kind) == ("name", "invalid")


def test_escape_and_bidi_override_in_names_are_refused_by_the_row_start_line(tmp_path: Path):
    text = (
        "email,name\n"
        "ok@example.org,Olga\n"
        'esc@example.org,"Bob\n\x1b[31mRed\x07"\n'  # the row starts on line 3
        "rlo@example.org,Eve \u202egro.elpmaxe\u2069\n"
        "tab@example.org,Tab\tbed\n"  # whitespace: collapsed, not refused
        "zh@example.org,李伟\n"
    )
    rows, problems = read_list(tmp_path / "list.csv", text)
    assert [(r.line, r.email, r.name) for r in rows] == [
        (2, "ok@example.org", "Olga"),
        (6, "tab@example.org", "Tab bed"),
        (7, "zh@example.org", "李伟"),
    ]
    assert [str(p) for p in problems] == [
        "list.csv:3: warning: name: 'Bob \\x1b[31mRed\\x07' holds the control character(s) "
        "\\x07 \\x1b, which must not reach the To: header: delete them from the name, or remove "
        "the row",
        "list.csv:5: warning: name: 'Eve \\u202egro.elpmaxe\\u2069' holds the bidi override(s) "
        "\\u202e \\u2069, which must not reach the To: header: delete them from the name, or "
        "remove the row",
    ]


def test_a_row_problem_is_shown_escaped():
    problem = RowProblem("li\x1bst.csv", 4, "email", "'a\x1b]0;x\x07@b' is bad", "invalid")
    assert str(problem) == "li\\x1bst.csv:4: warning: email: 'a\\x1b]0;x\\x07@b' is bad"


def test_send_skips_names_with_controls_and_no_header_gets_them(sample_build, tmp_path: Path):
    root = copy_built_sample(sample_build, tmp_path / "project")
    csv = root / "subscribers.csv"
    csv.write_text(
        "email,name\nanna@example.org,Anna\nnul@example.org,N\x00ul\n"
        "esc@example.org,\x1b[2JWiped\nrlo@example.org,\u202eEve\nbob@example.org,Bob\n",
        encoding="utf-8",
    )
    result = bulletin(root, "send", SAMPLE, "--to", str(csv))  # a rehearsal: to outbox/
    assert result.returncode == 0, result.stderr
    shown = result.stdout + result.stderr
    assert not {"\x00", "\x1b", "\u202e"} & set(shown)
    assert [line for line in result.stderr.splitlines() if ": warning: name:" in line] == [
        "subscribers.csv:3: warning: name: 'N\\x00ul' holds the control character(s) \\x00, "
        "which must not reach the To: header: delete them from the name, or remove the row",
        "subscribers.csv:4: warning: name: '\\x1b[2JWiped' holds the control character(s) "
        "\\x1b, which must not reach the To: header: delete them from the name, or remove the "
        "row",
        "subscribers.csv:5: warning: name: '\\u202eEve' holds the bidi override(s) \\u202e, "
        "which must not reach the To: header: delete them from the name, or remove the row",
    ]
    assert "subscribers.csv: skipped 3 rows (3 invalid); 2 recipients listed" in result.stdout
    letters = sorted((root / "outbox" / SAMPLE).glob("*.eml"))
    headers = [message_from_bytes(p.read_bytes(), policy=policy.default)["To"] for p in letters]
    assert headers == ["Anna <anna@example.org>", "Bob <bob@example.org>"]


# D: a relay that drops the connection during DATA ----------------------------------------


@pytest.fixture
def mail_project(sample_build, tmp_path: Path) -> Path:
    root = copy_built_sample(sample_build, tmp_path / "project")
    write_subscribers(root / "subscribers.csv", 5)
    return root


def send(root: Path, server, *args: str):
    env = {"BULLETIN_SMTP_URL": server.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
    csv = str(root / "subscribers.csv")
    return bulletin(root, "send", SAMPLE, "--to", csv, "--backoff", "0.05", *args, env=env)


def test_a_drop_during_data_says_what_happened_and_what_to_run(mail_project, certificate):
    csv = mail_project / "subscribers.csv"
    with smtp_server(certificate) as server:
        server.recorder.reply("r2@example.org", "data", DROP)  # received, then no answer
        first = send(mail_project, server)
        again = send(mail_project, server)
        counts = dict(server.recorder.counts)
    assert first.returncode == 0, first.stderr
    assert counts == {f"r{i}@example.org": 1 for i in range(5)}, "nobody mailed twice"
    assert first.stdout.splitlines()[0] == (
        f"unknown: r2@example.org: connection lost after the message was sent "
        f"(smtp://mailer:***@127.0.0.1:{server.port}): Connection unexpectedly closed"
    )
    assert "sent 4, failed 0, skipped 0, unknown 1 in" in first.stdout
    project = f"bulletin --project {mail_project}"
    notes = [line for line in first.stderr.splitlines() if line.startswith("unknown:")]
    assert notes == [
        "unknown: 1 recipient(s) may or may not have the issue, and were NOT sent it again: for "
        "1, the relay dropped the connection (or stopped answering) after receiving the whole "
        "message, before confirming it: it may or may not have been delivered",
        f"unknown: to see who they are: {project} send-log {SAMPLE} --state unknown",
        "unknown: --resend-unknown sends them another copy (a second one to any who got the "
        f"first): {project} send {SAMPLE} --to {csv} --resend-unknown",
    ]
    assert again.returncode == 0, again.stderr
    assert "sent 0, failed 0, skipped 4, unknown 1 in" in again.stdout
    assert "and were NOT sent it again: 1 left unknown by an earlier run" in again.stderr
    listed = bulletin(mail_project, "send-log", SAMPLE, "--state", "unknown").stdout
    assert "unknown  r2@example.org  " in listed


def test_the_printed_resend_command_sends_exactly_the_unknown_once_more(mail_project, certificate):
    with smtp_server(certificate) as server:
        server.recorder.reply("r0@example.org", "data", DROP)
        server.recorder.reply("r3@example.org", "data", DROP)
        first = send(mail_project, server)
        assert "unknown 2 in" in first.stdout
        assert "for 2, the relay dropped the connection" in first.stderr
        resent = send(mail_project, server, "--resend-unknown")
        again = send(mail_project, server, "--resend-unknown")
        counts = dict(server.recorder.counts)
    assert counts == {f"r{i}@example.org": 2 if i in (0, 3) else 1 for i in range(5)}
    assert "sent 2, failed 0, skipped 3, unknown 0 in" in resent.stdout
    assert "sent 0, failed 0, skipped 5, unknown 0 in" in again.stdout
    assert "unknown:" not in resent.stderr + again.stderr


def test_a_relay_reply_with_control_characters_is_shown_escaped(mail_project, certificate):
    with smtp_server(certificate) as server:
        server.recorder.reply("r1@example.org", "rcpt", "550 5.1.1 no\x1b[2J such\x07 user")
        result = send(mail_project, server)
    assert result.returncode == 0, result.stderr
    assert "failed: r1@example.org: RCPT TO: 550 5.1.1 no\\x1b[2J such\\x07 user" in result.stdout
    listed = bulletin(mail_project, "send-log", SAMPLE).stdout
    assert "550 5.1.1 no\\x1b[2J such\\x07 user" in listed
    assert "\x1b" not in result.stdout + result.stderr + listed
