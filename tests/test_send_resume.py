"""A `bulletin send` killed mid-run and run again mails every recipient exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLE
from smtp_server import (
    Recorder,
    bulletin,
    copy_built_sample,
    smtp_server,
    write_subscribers,
)

RECIPIENTS = 200
KILL_AT = 60
SECRET = "unsubscribe-secret-for-tests"


@pytest.fixture
def mail_project(sample_build, tmp_path: Path) -> Path:
    root = copy_built_sample(sample_build, tmp_path / "project")
    write_subscribers(root / "subscribers.csv", RECIPIENTS)
    return root


def _command(root: Path) -> list[str]:
    csv = str(root / "subscribers.csv")
    return [sys.executable, "-m", "bulletin", "--project", str(root), "send", SAMPLE, "--to", csv]


def test_a_killed_run_resumes_and_mails_everyone_exactly_once(mail_project, certificate):
    recorder = Recorder(keep=False)
    with smtp_server(certificate, recorder=recorder) as server:
        env = {"BULLETIN_SMTP_URL": server.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        clean = {k: v for k, v in os.environ.items() if not k.startswith("BULLETIN_")}
        process = subprocess.Popen(
            _command(mail_project), env=clean | env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

        def kill(count: int) -> None:  # the relay has message 60, the sender awaits its "250"
            if count == KILL_AT:
                os.kill(process.pid, signal.SIGKILL)

        recorder.on_message = kill
        process.communicate(timeout=60)
        assert process.returncode == -signal.SIGKILL
        assert recorder.total == KILL_AT
        resumed = bulletin(
            mail_project, "send", SAMPLE, "--to", str(mail_project / "subscribers.csv"), env=env
        )
        again = bulletin(
            mail_project, "send", SAMPLE, "--to", str(mail_project / "subscribers.csv"), env=env
        )
    everyone = {f"r{i}@example.org" for i in range(RECIPIENTS)}
    assert set(recorder.counts) == everyone
    assert set(recorder.counts.values()) == {1}
    assert resumed.returncode == 0, resumed.stderr
    sent = RECIPIENTS - KILL_AT
    assert f"sent {sent}, failed 0, skipped {KILL_AT - 1}, unknown 1 " in resumed.stdout
    assert "sent 0, failed 0, skipped 199, unknown 1 " in again.stdout
    log = bulletin(mail_project, "send-log", SAMPLE).stdout
    assert "200 recipient(s): 0 pending, 0 sending, 199 sent, 0 failed, 1 unknown" in log
    assert f"unknown  r{KILL_AT - 1}@example.org" in log
    assert "it may have arrived" in log


def test_only_one_send_runs_at_a_time(mail_project):
    from bulletin.mail.sendlog import open_log
    from bulletin.store.database import open_database

    with open_database(mail_project, {}) as database, open_log(database, record=True) as log:
        log.begin(SAMPLE)
        csv = str(mail_project / "subscribers.csv")
        env = {"BULLETIN_SMTP_URL": "smtp://relay.example.org", "BULLETIN_UNSUBSCRIBE_SECRET": "s"}
        result = bulletin(mail_project, "send", SAMPLE, "--to", csv, env=env)
    assert result.returncode == 1
    assert "another 'bulletin send' is running for this project" in result.stderr


def test_two_senders_on_one_postgresql_database_mail_everyone_exactly_once(
    sample_build, tmp_path, certificate, postgres_url
):
    """Two `bulletin send` started at once on one PostgreSQL database, as on two machines:
    one holds the send lock and the other stops at once; the one sending is SIGKILLed halfway
    through 1,000 recipients and run again. The relay receives each message exactly once."""
    root = copy_built_sample(sample_build, tmp_path / "project")
    write_subscribers(root / "subscribers.csv", 1000)
    recorder = Recorder(keep=False)
    with smtp_server(certificate, recorder=recorder) as server:
        env = {
            "BULLETIN_SMTP_URL": server.url(),
            "BULLETIN_UNSUBSCRIBE_SECRET": SECRET,
            "BULLETIN_DATABASE_URL": postgres_url,
        }
        clean = {k: v for k, v in os.environ.items() if not k.startswith("BULLETIN_")}
        processes = [
            subprocess.Popen(
                _command(root), env=clean | env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]  # fmt: skip

        def kill(count: int) -> None:  # halfway: the relay has message 500, awaiting its "250"
            if count == 500:
                for process in processes:
                    if process.poll() is None:
                        os.kill(process.pid, signal.SIGKILL)

        recorder.on_message = kill
        outcomes = [process.communicate(timeout=120) for process in processes]
        codes = sorted(process.returncode for process in processes)
        assert codes == [-signal.SIGKILL, 1], outcomes
        refused = next(err for (_, err), p in zip(outcomes, processes, strict=True)
                       if p.returncode == 1)  # fmt: skip
        assert "another 'bulletin send' is running for this project" in refused
        resumed = bulletin(root, "send", SAMPLE, "--to", str(root / "subscribers.csv"), env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert set(recorder.counts) == {f"r{i}@example.org" for i in range(1000)}
    assert set(recorder.counts.values()) == {1}
    assert "sent 500, failed 0, skipped 499, unknown 1 " in resumed.stdout
