"""`bulletin publish`: atomic releases in a folder and over rsync, dry runs, masked passwords."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bulletin.errors import BulletinError
from bulletin.project import find_project
from bulletin.report import Quiet
from bulletin.site.publish import parse_target, publish
from conftest import copy_project, run

PNG = bytes(range(256)) * 4
PASSWORD = "s3cret-Pw"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A project whose build/ holds two pages, a data file and a binary file."""
    root = tmp_path / "project"
    (root / "content").mkdir(parents=True)
    (root / "content" / "publication.yaml").write_text("series: Test\n", encoding="utf-8")
    write_build(root, "v1")
    (root / "build" / "logo.png").write_bytes(PNG)
    (root / "build" / "logo.png").chmod(0o600)
    (root / "build" / "old.html").write_text("to be removed", encoding="utf-8")
    return root


def write_build(root: Path, version: str) -> None:
    (root / "build" / "issues").mkdir(parents=True, exist_ok=True)
    (root / "build" / "index.html").write_text(f"<p>{version}</p>", encoding="utf-8")
    (root / "build" / "issues" / "data.txt").write_text(version, encoding="utf-8")


def releases(dest: Path) -> list[str]:
    return sorted(os.listdir(f"{dest}.releases"))


def log(root: Path) -> list[dict[str, object]]:
    lines = (root / "publish-log.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_publish_to_a_folder_twice_switches_the_symlink_and_links_unchanged_files(
    site: Path, tmp_path: Path
):
    dest = tmp_path / "www" / "site"
    dest.parent.mkdir()
    first = run(site, "publish", str(dest))
    assert first.returncode == 0, first.stderr
    [release] = releases(dest)
    assert os.readlink(dest) == f"site.releases/{release}"
    assert (dest / "index.html").read_text(encoding="utf-8") == "<p>v1</p>"
    assert (dest / "logo.png").read_bytes() == PNG
    assert (dest / "logo.png").stat().st_mode & 0o777 == 0o644, "the web server must read it"
    assert f"published release {release} to {dest}: 4 files" in first.stdout

    write_build(site, "v2")
    (site / "build" / "old.html").unlink()
    os.utime(site / "build" / "logo.png", (1, 1))  # rebuilt: same bytes, another time
    second = run(site, "publish", f"file://{dest}")
    assert second.returncode == 0, second.stderr
    old, new = releases(dest)
    assert (old, os.readlink(dest)) == (release, f"site.releases/{new}")
    assert (dest / "issues" / "data.txt").read_text(encoding="utf-8") == "v2"
    assert not (dest / "old.html").exists()
    assert (dest.parent / "site.releases" / old / "old.html").is_file()
    previous = dest.parent / "site.releases" / old / "logo.png"
    assert (dest / "logo.png").stat().st_ino == previous.stat().st_ino
    assert [entry["release"] for entry in log(site)] == [old, new]
    assert log(site)[1]["destination"] == f"file://{dest}"
    assert log(site)[1]["files"] == 3


def test_keep_deletes_older_releases_after_the_switch(site: Path, tmp_path: Path):
    dest = tmp_path / "site"
    project = find_project(site)
    target = parse_target(str(dest), {})
    published = []
    for version in range(5):
        write_build(site, f"v{version}")
        published.append(publish(project, target, keep=2).release)
    assert releases(dest) == published[-2:]
    result = run(site, "publish", str(dest), "--keep", "1")
    assert result.returncode == 0, result.stderr
    assert f"removed old release {published[-1]}" in result.stderr
    assert releases(dest) == [os.readlink(dest).split("/")[1]]


class Steps(Quiet):
    """A reporter that records the steps it is told of."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    def step(self, message: str) -> None:
        self.steps.append(message)


def test_publish_reports_each_step_to_its_reporter_and_prints_nothing(
    site: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
):
    project = find_project(site)
    target = parse_target(str(tmp_path / "site"), {})
    first = publish(project, target, keep=1)
    reporter = Steps()
    second = publish(project, target, keep=1, reporter=reporter)
    assert reporter.steps == [
        f"copying 4 files to site.releases/{second.release}",
        f"switched {tmp_path / 'site'} to {second.release}",
        f"removed old release {first.release}",
    ]
    assert capfd.readouterr() == ("", "")


def test_a_reader_during_20_publishes_never_sees_a_mix_or_a_missing_file(
    site: Path, tmp_path: Path
):
    dest = tmp_path / "site"
    project = find_project(site)
    target = parse_target(str(dest), {})
    publish(project, target)
    stop = threading.Event()
    seen: set[str] = set()
    problems: list[str] = []
    reader = threading.Thread(target=read_until, args=(dest, stop, seen, problems))
    reader.start()
    try:
        for version in range(20):
            write_build(site, f"v{version}")
            publish(project, target, keep=5)
    finally:
        stop.set()
        reader.join()
    assert problems == []
    assert len(seen) > 10, "the reader did not see the releases change"


def read_until(dest: Path, stop: threading.Event, seen: set[str], problems: list[str]) -> None:
    """Read the page and its data file from one resolution of DEST, as a server request would."""
    while not stop.is_set():
        try:
            (dest / "index.html").read_bytes()
            folder = os.open(dest, os.O_RDONLY | os.O_DIRECTORY)
            try:
                page = read_at(folder, "index.html").removeprefix("<p>").removesuffix("</p>")
                data = read_at(folder, "issues/data.txt")
            finally:
                os.close(folder)
        except OSError as error:
            problems.append(f"{error.filename}: {error.strerror}")
            continue
        if page != data:
            problems.append(f"mix: index.html {page}, data.txt {data}")
        seen.add(page)


def read_at(folder: int, name: str) -> str:
    handle = os.open(name, os.O_RDONLY, dir_fd=folder)
    with os.fdopen(handle, encoding="utf-8") as file:
        return file.read()


def test_dry_run_lists_changes_and_changes_nothing(site: Path, tmp_path: Path):
    dest = tmp_path / "site"
    assert run(site, "publish", str(dest)).returncode == 0
    before = (releases(dest), os.readlink(dest), log(site))
    write_build(site, "v2")
    (site / "build" / "old.html").unlink()
    (site / "build" / "new.html").write_text("new", encoding="utf-8")
    result = run(site, "publish", str(dest), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == [
        "added new.html",
        "changed index.html",
        "changed issues/data.txt",
        "deleted old.html",
    ]
    assert (releases(dest), os.readlink(dest), log(site)) == before
    assert (dest / "index.html").read_text(encoding="utf-8") == "<p>v1</p>"


def test_dry_run_before_the_first_publish_lists_every_file(site: Path, tmp_path: Path):
    result = run(site, "publish", str(tmp_path / "site"), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "added issues/data.txt" in result.stdout.splitlines()
    assert len(result.stdout.splitlines()) == 4
    assert not (tmp_path / "site.releases").exists()
    assert not (site / "publish-log.jsonl").exists()


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """An rsync daemon on 127.0.0.1 with module `www` for user alice; its port and folder."""
    folder, config = tmp_path / "daemon-www", tmp_path / "rsyncd"
    folder.mkdir()
    config.mkdir()
    (config / "secrets").write_text(f"alice:{PASSWORD}\n", encoding="utf-8")
    (config / "secrets").chmod(0o600)
    (config / "rsyncd.conf").write_text(
        f"use chroot = no\nmunge symlinks = no\nuid = {os.getuid()}\ngid = {os.getgid()}\n"
        f"[www]\npath = {folder}\nread only = no\nauth users = alice\n"
        f"secrets file = {config / 'secrets'}\nlog file = {config / 'log'}\n",
        encoding="utf-8",
    )
    port = free_port()
    command = ["rsync", "--daemon", "--no-detach", f"--config={config / 'rsyncd.conf'}"]
    process = subprocess.Popen([*command, f"--port={port}", "--address=127.0.0.1"])
    try:
        wait_for(port)
        yield port, folder
    finally:
        process.terminate()
        process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"rsync daemon did not start on port {port}")


def test_publish_over_rsync_with_a_password_never_shows_it(
    site: Path, daemon: tuple[int, Path], monkeypatch: pytest.MonkeyPatch
):
    port, folder = daemon
    url = f"rsync://alice:{PASSWORD}@127.0.0.1:{port}/www/site"
    first = run(site, "publish", url)
    assert first.returncode == 0, first.stderr
    assert (folder / "site" / "index.html").read_text(encoding="utf-8") == "<p>v1</p>"
    write_build(site, "v2")
    monkeypatch.setenv("BULLETIN_RSYNC_PASSWORD", PASSWORD)
    second = run(site, "publish", f"rsync://alice@127.0.0.1:{port}/www/site")
    assert second.returncode == 0, second.stderr
    assert (folder / "site" / "issues" / "data.txt").read_text(encoding="utf-8") == "v2"
    assert len(os.listdir(folder / "site.releases")) == 2
    wrong = run(site, "publish", url.replace(PASSWORD, "wrong-pass"))
    assert wrong.returncode == 1
    assert "auth failed" in wrong.stderr and "wrong-pass" not in wrong.stderr
    shown = [first.stdout, first.stderr, second.stdout, second.stderr, wrong.stdout]
    shown.append((site / "publish-log.jsonl").read_text(encoding="utf-8"))
    assert "alice:***@" in "".join(shown) and PASSWORD not in "".join(shown)


def test_a_failing_destination_is_one_line_without_the_password(site: Path):
    port = free_port()
    result = run(site, "publish", f"rsync://alice:{PASSWORD}@127.0.0.1:{port}/www/site")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"rsync://alice:***@127.0.0.1:{port}/www/site: error: rsync failed")
    assert "Connection refused" in line and "BULLETIN_RSYNC_PASSWORD" in line
    assert PASSWORD not in result.stdout + result.stderr
    assert not (site / "publish-log.jsonl").exists()


@pytest.mark.parametrize("build", ["missing", "empty"])
def test_nothing_to_publish_is_one_line(site: Path, tmp_path: Path, build: str):
    for path in sorted((site / "build").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    if build == "missing":
        (site / "build").rmdir()
    result = run(site, "publish", str(tmp_path / "site"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"build: error: nothing to publish to {tmp_path / 'site'} (build/ is missing or empty): "
        "run 'bulletin build' first"
    ]
    assert not (tmp_path / "site.releases").exists()


def test_an_existing_real_folder_is_refused_and_left_alone(site: Path, tmp_path: Path):
    dest = tmp_path / "docroot"
    dest.mkdir()
    (dest / "index.html").write_text("live", encoding="utf-8")
    result = run(site, "publish", str(dest))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{dest}: error: is a real folder or file, not a symlink")
    assert "move it aside (e.g. to docroot.old)" in result.stderr
    assert (dest / "index.html").read_text(encoding="utf-8") == "live"
    assert not (tmp_path / "docroot.releases").exists()


def test_targets_are_chosen_by_the_form_of_dest():
    local = parse_target("www/site/", {})
    assert (local.prefix, local.path) == ("", os.path.abspath("www/site"))
    assert parse_target("file:///srv/www/site", {}).path == "/srv/www/site"
    ssh = parse_target("deploy@example.org:www/site", {})
    assert (ssh.prefix, ssh.at("x"), ssh.password) == (
        "deploy@example.org:",
        "deploy@example.org:www/x",
        None,
    )
    daemon = parse_target("rsync://u@example.org:8873/www/site", {"BULLETIN_RSYNC_PASSWORD": "e"})
    assert (daemon.prefix, daemon.path) == ("rsync://u@example.org:8873/", "www/site")
    assert daemon.password == "e"
    assert parse_target("rsync://u:p%40ss@example.org/www/site", {}).password == "p@ss"


@pytest.mark.parametrize(
    ("dest", "message"),
    [
        ("s3://bucket/site", "s3://bucket/site: error: cannot publish to s3:// URLs"),
        ("rsync://u:pw@host/www", "rsync://u:***@host/www: error: name a folder inside"),
        ("file://elsewhere/site", "file://elsewhere/site: error: file:// URL names a host"),
        ("/", "/: error: name the folder to publish to"),
        ("rsync://u:pw@[::1/m/p", "rsync://u:***@[::1/m/p: error: not a valid URL (Invalid IPv6"),
        ("file://[::1/site", "file://[::1/site: error: not a valid URL (Invalid IPv6 URL)"),
    ],
)
def test_bad_destinations_are_one_line_errors(dest: str, message: str):
    with pytest.raises(BulletinError) as error:
        parse_target(dest, {})
    assert error.value.format_message().startswith(message)


def test_a_malformed_url_is_one_line_without_the_password(site: Path):
    result = run(site, "publish", f"rsync://u:{PASSWORD}@[::1/m/p")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "rsync://u:***@[::1/m/p: error: not a valid URL (Invalid IPv6 URL): give a path, "
        "file:///path, user@host:path or rsync://[user@]host[:port]/module/path"
    ]


def add_issue_source(root: Path, name: str, front: str) -> None:
    """content/issues/NAME/issue.md with the given front matter, and its page in build/."""
    (root / "content" / "issues" / name).mkdir(parents=True, exist_ok=True)
    (root / "content" / "issues" / name / "issue.md").write_text(
        f"---\n{front}---\nForeword.\n", encoding="utf-8"
    )
    (root / "build" / "issues" / name).mkdir(parents=True, exist_ok=True)
    (root / "build" / "issues" / name / "index.html").write_text(name, encoding="utf-8")


def test_a_draft_in_build_is_refused_by_publish_and_dry_run(site: Path, tmp_path: Path):
    add_issue_source(site, "2021-11-16", "draft: false\n")
    add_issue_source(site, "2021-11-30", "draft: true\n")
    add_issue_source(site, "2021-12-14", "draft: [unclosed\n")  # unreadable: not a draft
    add_issue_source(site, "2021-12-28", "date: 2021-12-28\n")
    (site / "content" / "issues" / "2021-12-28" / "issue.md").unlink()  # no issue.md: neither
    dest = tmp_path / "site"
    refusal = [
        f"build/issues: error: holds the draft issue(s) 2021-11-30, not to be published to "
        f"{dest}: run `bulletin build` without --drafts, then publish"
    ]
    for extra in ((), ("--dry-run",)):
        result = run(site, "publish", str(dest), *extra)
        assert result.returncode == 1
        assert (result.stdout, result.stderr.splitlines()) == ("", refusal)
    assert not dest.exists() and not (tmp_path / "site.releases").exists()
    assert not (site / "publish-log.jsonl").exists()
    add_issue_source(site, "2021-11-30", "draft: false\n")
    published = run(site, "publish", str(dest))
    assert published.returncode == 0, published.stderr
    assert (dest / "issues" / "2021-11-30" / "index.html").is_file()


def test_publish_after_a_build_with_drafts_refuses_until_built_without(tmp_path: Path):
    from synthetic import add_issue

    root = copy_project(tmp_path / "project")
    add_issue(root, dt.date(2021, 11, 30), draft=True)
    dest = tmp_path / "www" / "site"
    dest.parent.mkdir()
    for build in (("build", "2021-11-30"), ("build", "--drafts")):
        built = run(root, *build)
        assert built.returncode == 0, built.stdout + built.stderr
        assert (root / "build" / "issues" / "2021-11-30" / "index.html").is_file()
        for extra in ((), ("--dry-run",)):
            result = run(root, "publish", str(dest), *extra)
            assert result.returncode == 1, result.stdout
            assert result.stderr.startswith(
                "build/issues: error: holds the draft issue(s) 2021-11-30, not to be published"
            )
    assert os.listdir(tmp_path / "www") == []
    built = run(root, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    result = run(root, "publish", str(dest))
    assert result.returncode == 0, result.stderr
    assert (dest / "issues" / "2021-11-02" / "index.html").is_file()
    assert not (dest / "issues" / "2021-11-30").exists()
