"""`bulletin send` against a real aiosmtpd relay: TLS, login, retries, failures, pauses, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SAMPLE
from smtp_server import (
    DROP,
    PASSWORD,
    bulletin,
    copy_built_sample,
    smtp_server,
    write_subscribers,
)

SECRET = "unsubscribe-secret-for-tests"
QUICK = ("--backoff", "0.05")


@pytest.fixture
def mail_project(sample_build, tmp_path: Path) -> Path:
    """The sample project with its issue built, and a list of five subscribers."""
    root = copy_built_sample(sample_build, tmp_path / "project")
    write_subscribers(root / "subscribers.csv", 5)
    return root


def relay(server, password: bool = True) -> dict[str, str]:
    env = {"BULLETIN_SMTP_URL": server.url(password), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
    return env if password else env | {"BULLETIN_SMTP_PASSWORD": PASSWORD}


def send(root: Path, env: dict[str, str], *args: str):
    return bulletin(root, "send", SAMPLE, "--to", str(root / "subscribers.csv"), *args, env=env)


def send_log(root: Path, *args: str) -> str:
    result = bulletin(root, "send-log", SAMPLE, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_delivers_over_tls_after_login(mail_project, certificate, mode):
    with smtp_server(certificate, mode) as server:
        result = send(mail_project, relay(server))
        assert result.returncode == 0, result.stderr
        assert server.recorder.logins == ["mailer"]
        assert dict(server.recorder.counts) == {f"r{i}@example.org": 1 for i in range(5)}
    if mode == "starttls":
        assert server.recorder.commands[:2] == ["STARTTLS", "AUTH"]
    assert "sent 5, failed 0, skipped 0, unknown 0" in result.stdout
    assert "2021-11-02: 5 recipient(s): 0 pending, 0 sending, 5 sent" in send_log(mail_project)


def test_never_logs_in_or_sends_without_tls(mail_project, certificate):
    with smtp_server(certificate, "plain") as server:
        result = send(mail_project, relay(server))
    assert result.returncode == 1
    assert "does not offer STARTTLS" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.recorder.commands == []  # no AUTH: the password never crossed the wire
    assert server.recorder.total == 0


def test_tls_to_a_port_without_it_is_one_line_at_once_not_retried(mail_project, certificate):
    with smtp_server(certificate, "plain") as server:  # the relay greets in clear text
        env = relay(server) | {"BULLETIN_SMTP_URL": server.url().replace("smtp://", "smtps://")}
        result = send(mail_project, env, *QUICK)
    assert result.returncode == 1
    assert "retrying" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"smtps://mailer:***@127.0.0.1:{server.port}: error: the TLS handshake failed "
        "(WRONG_VERSION_NUMBER): smtps:// expects implicit TLS, on port 465; for STARTTLS "
        "(port 587) use smtp://"
    )
    assert "Traceback" not in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert server.recorder.total == 0


def test_a_cafile_without_certificates_is_one_line(mail_project):
    url = f"smtp://mailer@127.0.0.1:1?cafile={mail_project / 'subscribers.csv'}"
    env = {"BULLETIN_SMTP_URL": url, "BULLETIN_SMTP_PASSWORD": PASSWORD}
    result = send(mail_project, env | {"BULLETIN_UNSUBSCRIBE_SECRET": SECRET}, *QUICK)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("smtp://mailer:***@127.0.0.1:1: error: cannot load the CA file ")
    assert "NO_CERTIFICATE_OR_CRL_FOUND" in last
    assert "retrying" not in result.stderr


def test_refuses_a_wrong_password_and_an_untrusted_certificate(mail_project, certificate):
    with smtp_server(certificate) as server:
        wrong = relay(server, password=False) | {"BULLETIN_SMTP_PASSWORD": "not-it"}
        refused = send(mail_project, wrong)
        untrusted = send(
            mail_project, relay(server) | {"BULLETIN_SMTP_URL": server.url().split("?")[0]}
        )
    assert refused.returncode == 1
    assert "login refused (535" in refused.stderr
    assert "check the user and BULLETIN_SMTP_PASSWORD" in refused.stderr
    assert untrusted.returncode == 1
    assert "certificate is not trusted" in untrusted.stderr
    assert server.recorder.total == 0


def test_temporary_failures_are_retried_until_delivered(mail_project, certificate):
    with smtp_server(certificate) as server:
        server.recorder.reply("r1@example.org", "rcpt", "451 4.7.1 greylisted, try again")
        server.recorder.reply("r2@example.org", "data", "452 4.3.1 insufficient storage")
        server.recorder.reply("r3@example.org", "rcpt", DROP)
        result = send(mail_project, relay(server), *QUICK)
        assert result.returncode == 0, result.stderr
        assert dict(server.recorder.counts) == {f"r{i}@example.org": 1 for i in range(5)}
        assert server.recorder.rcpt_attempts["r1@example.org"] == 2
    assert "retrying r1@example.org in 0.05 s: RCPT TO: 451 4.7.1 greylisted" in result.stderr
    assert "sent 5, failed 0" in result.stdout
    assert "5 sent" in send_log(mail_project)
    sent = send_log(mail_project, "--state", "sent")
    assert "r2@example.org  " in sent
    assert "2 attempts" in sent.split("r2@example.org")[1].splitlines()[0]


def test_permanent_failures_are_recorded_and_not_retried(mail_project, certificate):
    """A mailbox that does not exist is a hard bounce: suppressed, never mailed again, by any
    list; a message refused as spam fails, and --retry-failed may try it again."""
    with smtp_server(certificate) as server:
        server.recorder.reply("r2@example.org", "rcpt", "550 5.1.1 no such mailbox")
        server.recorder.reply("r4@example.org", "data", "554 5.7.1 rejected as spam")
        first = send(mail_project, relay(server), *QUICK)
        again = send(mail_project, relay(server), *QUICK)
        assert server.recorder.rcpt_attempts["r2@example.org"] == 1
        assert server.recorder.total == 3
        retried = send(mail_project, relay(server), "--retry-failed", *QUICK)
        assert server.recorder.rcpt_attempts["r2@example.org"] == 1
    assert first.returncode == 0, first.stderr
    assert "sent 3, failed 2, skipped 0, unknown 0" in first.stdout
    assert "failed: r2@example.org: RCPT TO: 550 5.1.1 no such mailbox" in first.stdout
    assert "skipped 1 rows (1 suppressed); 4 recipients listed" in again.stdout
    assert "'r2@example.org' is suppressed (hard bounce)" in again.stderr
    assert "sent 0, failed 0, skipped 4, unknown 0" in again.stdout
    assert "sent 1, failed 0, skipped 3, unknown 0" in retried.stdout
    assert "failed: r4@example.org: end of DATA: 554 5.7.1 rejected as spam" in first.stdout
    log = send_log(mail_project)
    assert "4 sent, 1 failed" in log
    assert "failed   r2@example.org" in log and "RCPT TO: 550 5.1.1 no such mailbox" in log


def test_a_recipient_deferred_until_it_failed_counts_its_real_attempts(mail_project, certificate):
    with smtp_server(certificate) as server:
        server.recorder.reply("r2@example.org", "rcpt", *["452 4.2.2 mailbox full"] * 4)
        result = send(mail_project, relay(server), "--retries", "3", *QUICK)
        assert server.recorder.rcpt_attempts["r2@example.org"] == 4
    assert result.returncode == 0, result.stderr
    assert "failed: r2@example.org: RCPT TO: 452 4.2.2 mailbox full (deferred 4 times)" in (
        result.stdout
    )
    [line] = [line for line in send_log(mail_project).splitlines() if "r2@example.org" in line]
    assert line.startswith("failed ")
    assert "  4 attempts  " in line


def test_retry_failed_reaches_only_the_failed(mail_project, certificate):
    with smtp_server(certificate) as server:
        server.recorder.reply("r0@example.org", "rcpt", "550 5.2.2 mailbox full")
        server.recorder.reply("r3@example.org", "rcpt", "450 4.2.1 busy", "450 4.2.1 busy")
        first = send(mail_project, relay(server), "--retries", "1", *QUICK)
        assert "failed: r3@example.org: RCPT TO: 450 4.2.1 busy (deferred 2 times)" in first.stdout
        before = dict(server.recorder.counts)
        retried = send(mail_project, relay(server), "--retry-failed", *QUICK)
        after = dict(server.recorder.counts)
    assert before == {f"r{i}@example.org": 1 for i in (1, 2, 4)}
    assert after == {f"r{i}@example.org": 1 for i in range(5)}
    assert "sent 2, failed 0, skipped 3, unknown 0" in retried.stdout


def test_a_link_lost_after_the_message_is_unknown_and_not_resent(mail_project, certificate):
    with smtp_server(certificate) as server:
        server.recorder.reply("r2@example.org", "data", DROP)  # received, but no answer
        first = send(mail_project, relay(server), *QUICK)
        again = send(mail_project, relay(server), *QUICK)
        assert server.recorder.counts["r2@example.org"] == 1
        asked = send(mail_project, relay(server), "--resend-unknown", *QUICK)
        assert server.recorder.counts["r2@example.org"] == 2
    assert "sent 4, failed 0, skipped 0, unknown 1" in first.stdout
    assert "--resend-unknown sends them another copy" in first.stderr
    assert "sent 0, failed 0, skipped 4, unknown 1" in again.stdout
    assert "sent 1, failed 0, skipped 4, unknown 0" in asked.stdout


def test_pauses_after_consecutive_errors_then_resumes(mail_project, certificate):
    with smtp_server(certificate) as server:
        for i in range(5):
            server.recorder.reply(f"r{i}@example.org", "rcpt", *["421 4.3.2 shutting down"] * 9)
        paused = send(mail_project, relay(server), "--pause-after", "3", *QUICK)
        assert server.recorder.total == 0
        server.recorder.script.clear()
        resumed = send(mail_project, relay(server), *QUICK)
        assert dict(server.recorder.counts) == {f"r{i}@example.org": 1 for i in range(5)}
    assert paused.returncode == 1
    assert paused.stderr.strip().endswith(
        "2021-11-02: error: paused after 3 consecutive errors (the last: RCPT TO: 421 4.3.2 "
        "shutting down): fix the cause, then run the same command again to resume"
    )
    assert "sent 0, failed 0, skipped 0, unknown 0, pending 5" in paused.stdout
    assert "sent 5, failed 0, skipped 0, unknown 0" in resumed.stdout


def test_recipients_left_pending_end_the_command_with_an_error(mail_project, certificate):
    with smtp_server(certificate) as server:
        server.recorder.reply("r1@example.org", "rcpt", DROP, DROP)
        first = send(mail_project, relay(server), "--retries", "1", *QUICK)
        again = send(mail_project, relay(server), *QUICK)
        assert dict(server.recorder.counts) == {f"r{i}@example.org": 1 for i in range(5)}
    assert first.returncode == 1
    assert "sent 4, failed 0, skipped 0, unknown 0, pending 1" in first.stdout
    assert first.stderr.strip().splitlines()[-1] == (
        "2021-11-02: error: 1 recipient(s) left pending: run the same command again to resume"
    )
    assert again.returncode == 0, again.stderr
    assert "sent 1, failed 0, skipped 4, unknown 0 in" in again.stdout


def test_an_unreachable_relay_leaves_everyone_pending(mail_project, certificate):
    with smtp_server(certificate) as server:
        env = relay(server)
    result = send(mail_project, env, "--retries", "1", "--pause-after", "4", *QUICK)
    assert result.returncode == 1
    assert "paused after 4 consecutive errors (the last: cannot connect" in result.stderr
    assert "Connection refused" in result.stderr
    assert "sent 0, failed 0, skipped 0, unknown 0, pending 5" in result.stdout


def test_the_password_is_never_shown(mail_project, certificate):
    outputs = []
    with smtp_server(certificate) as server:
        server.recorder.reply("r1@example.org", "rcpt", "550 5.1.1 unknown")
        for env in (relay(server), relay(server, password=False)):
            outputs += [send(mail_project, env, *QUICK), send(mail_project, env, "--retry-failed")]
        wrong = relay(server) | {"BULLETIN_SMTP_URL": server.url().replace("@127", "x@127")}
        outputs.append(send(mail_project, wrong))
        outputs.append(
            bulletin(mail_project, "send", SAMPLE, "--test", "me@example.org", env=wrong)
        )
    with smtp_server(certificate, "plain") as plain:
        outputs.append(send(mail_project, relay(plain)))
    outputs.append(send(mail_project, relay(server)))  # the relay is gone
    outputs.append(bulletin(mail_project, "send-log", SAMPLE, "--state", "sent"))
    text = "".join(result.stdout + result.stderr for result in outputs)
    assert "mailer:***@127.0.0.1" in text
    assert PASSWORD not in text
    assert PASSWORD.replace("-", "%2D") not in text
    for name in ("bulletin.sqlite3", "bulletin.sqlite3-wal"):
        path = mail_project / name
        assert PASSWORD.encode() not in (path.read_bytes() if path.exists() else b"")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("smtpx://relay.example.org", "is not a relay address: use smtp://HOST:587"),
        ("smtp://relay.example.org:99999", "bad port in"),
        ("smtp://me@relay.example.org", "no password for 'me': put it in the URL or in"),
        ("smtp://relay.example.org?cafle=x", "unknown option 'cafle' (did you mean 'cafile'?)"),
        (
            "smtp://u:hunter2@127.0.0.1:1?timeout=-1",
            "timeout='-1' in 'smtp://u:***@127.0.0.1:1?timeout=-1' is not a number of seconds "
            "above 0",
        ),
        ("smtp://u:hunter2@127.0.0.1:1?timeout=inf", "timeout='inf' in 'smtp://u:***@"),
        (
            "smtp://u:hunter2@127.0.0.1:1?cafile=/nonexistent",
            "cafile='/nonexistent' in 'smtp://u:***@127.0.0.1:1?cafile=/nonexistent' is not a file",
        ),
        (
            "smtp://u:hunter2@[::1:25",
            "'smtp://u:***@[::1:25' is not a valid URL (Invalid IPv6 URL): use smtp://HOST:587",
        ),
        ("file://[::1/outbox", "'file://[::1/outbox' is not a valid URL (Invalid IPv6 URL)"),
    ],
)
def test_a_bad_relay_url_is_one_clear_line(mail_project, url, message):
    result = send(mail_project, {"BULLETIN_SMTP_URL": url, "BULLETIN_UNSUBSCRIBE_SECRET": "s"})
    assert result.returncode == 1
    assert result.stderr.startswith("BULLETIN_SMTP_URL: error: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "hunter2" not in result.stdout + result.stderr


def test_a_bad_relay_url_given_with_smtp_is_one_clear_line(mail_project):
    result = bulletin(
        mail_project, "send", SAMPLE, "--test", "me@example.org", "--smtp", "smtp://u:pw@[::1:25"
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "--smtp: error: 'smtp://u:***@[::1:25' is not a valid URL (Invalid IPv6 URL): use "
        "smtp://HOST:587 (STARTTLS), smtps://HOST:465 (TLS) or file:FOLDER (an outbox)"
    ]


def test_the_rate_limit_spaces_the_messages(mail_project, certificate):
    write_subscribers(mail_project / "subscribers.csv", 6)
    with smtp_server(certificate) as server:
        result = send(mail_project, relay(server), "--rate", "10")
    assert result.returncode == 0, result.stderr
    seconds = float(result.stdout.split(" in ")[1].split(" s ")[0])
    assert seconds >= 0.5
