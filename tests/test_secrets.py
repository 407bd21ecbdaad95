"""One masking of passwords in URLs, for the relay (send) and the destination (publish)."""

from __future__ import annotations

import pytest

from bulletin.errors import ConfigError
from bulletin.mail.transport import Relay, parse_relay
from bulletin.secrets import mask, mask_url
from bulletin.site.publish import Target, parse_target


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        # a password in the user part
        ("rsync://bob:pa55@host/www/site", "rsync://bob:***@host/www/site"),
        ("smtp://u:hunter2@127.0.0.1:1?timeout=-1", "smtp://u:***@127.0.0.1:1?timeout=-1"),
        ("smtps://:pw@relay.example.org", "smtps://:***@relay.example.org"),  # no user name
        # a password holding "@", "/", "?" or "#" unencoded: hidden up to the last "@"
        ("rsync://bob:p@ss:w/rd@host:873/m/p", "rsync://bob:***@host:873/m/p"),
        ("smtp://u:p@ss@host:1", "smtp://u:***@host:1"),
        ("smtp://u:pa/ss@host:587", "smtp://u:***@host:587"),
        ("smtp://u:p?w@host:1", "smtp://u:***@host:1"),
        ("smtp://u:p#w@host", "smtp://u:***@host"),
        ("smtp://u:p@ss/x@host", "smtp://u:***@host"),
        # an "@" after the host: the mask runs to it (shows less, never the password)
        ("smtp://u:pw@host:1?cafile=/a@b.pem", "smtp://u:***@b.pem"),
        # no password: as it is
        ("rsync://bob@host/www/site", "rsync://bob@host/www/site"),
        ("rsync://bob@host:873/m/p", "rsync://bob@host:873/m/p"),
        ("file:///var/www/site", "file:///var/www/site"),
        ("bob@host:/var/www/site", "bob@host:/var/www/site"),
        ("rsync://host:873/www/a@b", "rsync://host:873/www/a@b"),
        ("rsync://bob@host/www/a:b@c", "rsync://bob@host/www/a:b@c"),
        ("smtp://[::1]:25?cafile=/a@b", "smtp://[::1]:25?cafile=/a@b"),
        ("www/site", "www/site"),
        # malformed: urlsplit refuses them, the mask still hides the password
        ("smtp://u:hunter2@[::1:25", "smtp://u:***@[::1:25"),
        ("rsync://u:pw@[::1/m/p", "rsync://u:***@[::1/m/p"),
        ("smtp://u:hunter2@host:port", "smtp://u:***@host:port"),
    ],
)
def test_mask_url_hides_the_password_and_keeps_the_address(url: str, masked: str):
    assert mask_url(url) == masked
    assert mask_url(masked) == masked


def test_mask_hides_a_known_secret_plain_and_percent_encoded():
    assert mask("535 bad login p@ss for p%40ss", "p@ss") == "535 bad login *** for ***"
    assert mask("nothing to hide", "") == "nothing to hide"
    assert mask("nothing to hide", None) == "nothing to hide"


def test_send_and_publish_show_urls_through_the_same_mask():
    url = "rsync://bob:p@ss/w@host:873/www/site"
    assert parse_target(url, {}).shown == mask_url(url) == "rsync://bob:***@host:873/www/site"
    with pytest.raises(ConfigError) as error:
        parse_relay("smtp://u:pa/ss@relay.example.org:port", "--smtp", {})
    assert "pa/ss" not in error.value.format_message()
    assert error.value.format_message() == (
        "--smtp: error: bad port in 'smtp://u:***@relay.example.org:port': "
        "use smtp://HOST:587 (STARTTLS), smtps://HOST:465 (TLS) or file:FOLDER (an outbox)"
    )


def test_a_secret_in_a_reply_is_masked_by_the_relay_and_the_destination():
    relay = Relay("smtp", "host", 587, "u", "p@ss")
    assert relay.mask("535 p@ss / p%40ss refused") == "535 *** / *** refused"
    target = Target("rsync://u@host/", "www/site", "rsync://u:***@host/www/site", "p@ss")
    assert target.masked("auth failed for p@ss") == "auth failed for ***"
