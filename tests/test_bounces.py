"""Bounce messages from an mbox file or a Maildir: a hard bounce suppresses its address, a
soft one is counted, a message that is no bounce is left alone."""

from __future__ import annotations

import mailbox
from email import message_from_string
from email.message import EmailMessage, Message

import pytest

from bulletin.mail.mailing_list import Status, find, import_csv, suppression
from bulletin.report import Quiet
from bulletin.store.database import URL_VARIABLE, open_database
from smtp_server import bulletin, copy_built_sample


def dsn(recipient: str, action: str, status: str) -> Message:
    """A delivery status notification (RFC 3464) as a relay sends it back."""
    return message_from_string(
        "From: MAILER-DAEMON@relay.example.org\n"
        "To: bulletin@example.org\n"
        "Subject: Delivery Status Notification\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type="delivery-status"; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\n"
        f"Delivery to {recipient}: {action}.\n\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; relay.example.org\n\n"
        f"Final-Recipient: rfc822; {recipient}\nAction: {action}\nStatus: {status}\n\n"
        "--b--\n"
    )


def newsletter_reply() -> EmailMessage:
    reply = EmailMessage()
    reply["From"] = "reader@example.org"
    reply["Subject"] = "Re: China Industries"
    reply.set_content("Thanks for the issue.\n")
    return reply


@pytest.mark.parametrize("kind", ["mbox", "maildir"])
def test_bounce_messages_suppress_hard_bounces_and_count_soft_ones(tmp_path, kind, sample_build):
    root = copy_built_sample(sample_build, tmp_path / "project")
    (root / "list.csv").write_text("email\nanna@example.org\nbob@example.org\n", encoding="utf-8")
    with open_database(root, {}) as database:
        import_csv(database, root / "list.csv", "list.csv", "web form", Quiet())
    path = root / ("bounces.mbox" if kind == "mbox" else "Maildir")
    box = mailbox.mbox(path) if kind == "mbox" else mailbox.Maildir(path)
    for message in (
        dsn("anna@example.org", "failed", "5.1.1"),
        dsn("bob@example.org", "delayed", "4.2.2"),
        newsletter_reply(),
    ):
        box.add(message)
    box.close()
    result = bulletin(root, "subscribers", "bounces", str(path))
    assert result.returncode == 0, result.stderr
    assert "suppressed anna@example.org (hard bounce)" in result.stdout
    assert "counted bob@example.org (soft bounce)" in result.stdout
    assert "3 message(s): 1 hard bounce(s) suppressed, 1 soft, 1 not a bounce" in result.stdout
    with open_database(root, {}) as database:
        anna, bob = find(database, "anna@example.org"), find(database, "bob@example.org")
        assert anna and anna.status is Status.UNSUBSCRIBED
        assert suppression(database, "anna@example.org") is not None
        assert bob and bob.status is Status.CONFIRMED and bob.soft_bounces == 1
        assert suppression(database, "bob@example.org") is None


def test_a_path_that_is_no_mailbox_is_one_line(tmp_path, sample_build):
    root = copy_built_sample(sample_build, tmp_path / "project")
    (root / "folder").mkdir()
    for target, message in (
        ("missing.mbox", "no such file or folder"),
        ("folder", "not a Maildir"),
    ):
        result = bulletin(root, "subscribers", "bounces", str(root / target))
        assert result.returncode == 1
        assert message in result.stderr and "Traceback" not in result.stderr


def test_a_bounce_on_postgresql_suppresses_too(tmp_path, postgres_url):
    from bulletin.mail.bounces import record_bounces

    path = tmp_path / "bounces.mbox"
    box = mailbox.mbox(path)
    box.add(dsn("carl@example.org", "failed", "5.1.1"))
    box.close()
    with open_database(tmp_path, {URL_VARIABLE: postgres_url}) as database:
        found = record_bounces(database, path, "bounces.mbox")
        assert found.hard == ("carl@example.org",)
        assert suppression(database, "carl@example.org") is not None
