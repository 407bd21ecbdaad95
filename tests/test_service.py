"""The subscriber service for real: uvicorn on 127.0.0.1, an aiosmtpd relay, chromium. Subscribe
with double opt-in, then `bulletin send` reaches the address once; one-click unsubscribe from a
sent message; the bounce webhook; and abuse: floods, robots, malformed requests."""

from __future__ import annotations

import base64
import http.client
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
import uvicorn

from bulletin.mail import mailing_list
from bulletin.mail.mailing_list import Status, find, suppression
from bulletin.project import find_project
from bulletin.service.app import COOKIE, create_app, load_settings
from bulletin.service.limits import Limits, Window
from bulletin.service.tokens import body_signature, confirmation_token
from bulletin.store.database import URL_VARIABLE, Database, open_database
from conftest import SAMPLE, edit
from smtp_server import Recorder, bulletin, copy_built_sample, smtp_server

SECRET = "service-test-secret"
CONSENT = "I agree to receive China Industries by email; I can leave at any time."
PUBLIC = "https://bulletin.example.org/list/"
"""The service's address as mail programs see it (nginx would proxy it to the service)."""


@dataclass(frozen=True)
class Service:
    """A running service: its address, the project, its database, the environment it runs in."""

    url: str
    root: Path
    database: Database
    env: dict[str, str]

    def local(self, public: str) -> str:
        """An address of a message (under PUBLIC) as the test reaches it."""
        assert public.startswith(PUBLIC), public
        return self.url + public[len(PUBLIC) :]


def set_up(root: Path, url: str) -> None:
    """publication.yaml with a `subscribers` group at `url`, unsubscribing through PUBLIC."""
    yaml = root / "content" / "publication.yaml"
    edit(
        yaml,
        "unsubscribe_url: https://bulletin.example.org/unsubscribe?",
        f"unsubscribe_url: {PUBLIC}unsubscribe?",
    )
    with yaml.open("a", encoding="utf-8") as out:
        out.write(f'subscribers:\n  url: {url}\n  consent: "{CONSENT}"\n')


@contextmanager
def running(root: Path, env: dict[str, str], limits: Limits | None = None) -> Iterator[Service]:
    """The service of the project at `root` under uvicorn, in a thread, until the block ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    set_up(root, url)
    project = find_project(root)
    database = open_database(root, env)
    app = create_app(load_settings(project, env), database, limits)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the service did not start"
        time.sleep(0.01)
    try:
        yield Service(url, root, database, env)
    finally:
        server.should_exit = True
        thread.join(10)
        database.close()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str


def connect(url: str) -> http.client.HTTPConnection:
    """A connection to the service, sending each packet at once (without TCP_NODELAY, a
    request whose body follows its headers waits 40 ms for a delayed ACK)."""
    link = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
    link.connect()
    assert link.sock is not None
    link.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return link


def call(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    connection: http.client.HTTPConnection | None = None,
) -> Answer:
    """One request with http.client (no cookie jar, nothing added), over `connection` if given."""
    parts = urlsplit(url)
    link = connection or connect(url)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        link.request(method, target, body=body, headers=headers or {})
        response = link.getresponse()
        return Answer(response.status, response.headers, response.read().decode())
    finally:
        if connection is None:
            link.close()


def altered(token: str) -> str:
    """The token with its last character changed (to another one, whatever it was)."""
    return token[:-1] + ("1" if token.endswith("0") else "0")


def form_token(service: Service) -> str:
    """The form token of a fresh subscribe page (the same in its cookie and its hidden field)."""
    page = call(service.url + "subscribe")
    cookie = page.headers["Set-Cookie"]
    token = re.search(rf"{COOKIE}=([^;]+)", cookie)
    assert token and f'value="{token.group(1)}"' in page.text
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    return token.group(1)


def subscribe(
    service: Service,
    token: str,
    fields: dict[str, str] | None = None,
    client: str = "192.0.2.1",
    connection: http.client.HTTPConnection | None = None,
) -> Answer:
    """POST the subscribe form as a browser would, from `client` (X-Forwarded-For, which
    uvicorn believes from 127.0.0.1 as it would from nginx)."""
    values = {"email": "anna@example.org", "name": "Anna", "consent": "yes", "csrf": token}
    body = urlencode(values | (fields or {})).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"{COOKIE}={token}",
        "X-Forwarded-For": client,
    }
    return call(service.url + "subscribe", "POST", body, headers, connection)


def one_click(url: str, body: bytes = b"List-Unsubscribe=One-Click") -> Answer:
    """The POST of RFC 8058 section 3.1, as a mail program sends it: no cookie, no token."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return call(url, "POST", body, headers)


def wait_for(recorder: Recorder, address: str, count: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while recorder.counts[address] < count:
        assert time.monotonic() < deadline, f"{address}: {recorder.counts[address]} of {count}"
        time.sleep(0.02)


def confirmation_link(recorder: Recorder, address: str) -> str:
    mails = [r.message for r in recorder.received if address in r.recipients]
    text = mails[-1].get_body(("plain",))
    assert text is not None
    found = re.search(r"(http\S+/confirm\?token=[\w.-]+)", text.get_content())
    assert found, text.get_content()
    return found.group(1)


def signed(service: Service, event: dict[str, str]) -> Answer:
    body = json.dumps(event).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Bulletin-Signature": body_signature(SECRET.encode(), body),
    }
    return call(service.url + "bounces", "POST", body, headers)


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


def test_subscribe_in_a_browser_confirm_then_send_reaches_the_address_once(
    tmp_path, sample_build, certificate, page, browser
):
    from browser import AXE, axe_violations

    root = copy_built_sample(sample_build, tmp_path / "project")
    with smtp_server(certificate) as relay:
        env = {"BULLETIN_SMTP_URL": relay.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        with running(root, env) as service:
            if AXE.is_file():  # axe is a script the page's CSP would block: a page without it
                checked = browser.new_page(bypass_csp=True)
                checked.goto(service.url + "subscribe")
                assert axe_violations(checked) == []
                checked.close()
            page.goto(service.url + "subscribe")
            assert page.title() == "Subscribe to China Industries: China Industries"
            page.get_by_label("Email address").fill("reader@example.org")
            page.get_by_label("Name").fill("Rea Der")
            page.get_by_label(CONSENT).check()
            page.get_by_role("button", name="Subscribe").click()
            assert page.get_by_role("heading", name="Check your mailbox").is_visible()
            wait_for(relay.recorder, "reader@example.org", 1)
            link = confirmation_link(relay.recorder, "reader@example.org")
            pending = find(service.database, "reader@example.org")
            assert pending and pending.status is Status.PENDING and pending.consent == CONSENT
            page.goto(link)
            assert page.get_by_role("heading", name="Subscribed").is_visible()
            member = find(service.database, "reader@example.org")
            assert member and member.status is Status.CONFIRMED and member.name == "Rea Der"
            assert member.source == service.url + "subscribe"
        sent = bulletin(root, "send", SAMPLE, env=env)
        assert sent.returncode == 0, sent.stderr
        assert "sent 1, failed 0" in sent.stdout
        assert relay.recorder.counts == {"reader@example.org": 2}  # confirmation + issue
        issue = relay.recorder.received[-1].message
        assert issue["Subject"] == "China Industries: November 2, 2021"


def test_one_click_unsubscribe_from_a_sent_message(
    tmp_path, sample_build, certificate, database_url
):
    root = copy_built_sample(sample_build, tmp_path / "project")
    env = {URL_VARIABLE: database_url, "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
    with running(root, env) as service:
        for address in ("anna@example.org", "bob@example.org"):
            mailing_list.ask(service.database, address, "", CONSENT, "test")
            assert mailing_list.confirm(service.database, address)
        rehearsal = bulletin(root, "send", SAMPLE, env=env)  # no relay: outbox/DATE/*.eml
        assert rehearsal.returncode == 0, rehearsal.stderr
        [eml] = (root / "outbox" / SAMPLE).glob("*anna@example.org.eml")
        message = message_from_bytes(eml.read_bytes(), policy=policy.default)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        folded = str(message["List-Unsubscribe"])  # mail programs drop the folding's spaces
        url = service.local("".join(folded.split()).strip("<>"))
        forged = url[:-1] + ("1" if url.endswith("0") else "0")
        other = url.replace(quote("anna@example.org", safe="@"), "bob@example.org")
        for bad in (forged, other, url.split("&token=")[0]):
            refused = one_click(bad)
            assert refused.status in (400, 403), (bad, refused)
            assert "not valid" in refused.text or "address" in refused.text
        assert one_click(url, b"List-Unsubscribe=Maybe").status == 400
        assert suppression(service.database, "anna@example.org") is None
        page = call(url)  # GET shows a button, changes nothing
        assert page.status == 200 and 'value="One-Click"' in page.text
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert find(service.database, "anna@example.org").status is Status.CONFIRMED
        for _ in range(2):  # idempotent
            done = one_click(url)
            assert done.status == 200 and "receives no more mail" in done.text
        gone = suppression(service.database, "anna@example.org")
        assert gone and gone.reason == mailing_list.UNSUBSCRIBED
        assert suppression(service.database, "bob@example.org") is None
    with smtp_server(certificate) as relay:
        sent = bulletin(root, "send", SAMPLE, env=env | {"BULLETIN_SMTP_URL": relay.url()})
        assert sent.returncode == 0, sent.stderr
        assert relay.recorder.counts == {"bob@example.org": 1}


def test_a_multipart_one_click_is_accepted(tmp_path, project):
    env = {"BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
    with running(project, env) as service:
        from bulletin.mail.message import unsubscribe_url

        url = unsubscribe_url(
            service.url + "unsubscribe?email={email}&token={token}",
            "o'brien+news@example.org",
            SECRET.encode(),
        )
        body = (
            b'--XyZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
            b"One-Click\r\n--XyZ--\r\n"
        )
        headers = {"Content-Type": "multipart/form-data; boundary=XyZ"}
        assert call(url, "POST", body, headers).status == 200
        assert suppression(service.database, "O'Brien+news@example.org")


def test_the_bounce_webhook(tmp_path, project, database_url):
    env = {URL_VARIABLE: database_url, "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
    with running(project, env) as service:
        for address in ("hard@example.org", "soft@example.org", "spam@example.org"):
            mailing_list.ask(service.database, address, "", CONSENT, "test")
            mailing_list.confirm(service.database, address)
        event = {"type": "hard", "email": "hard@example.org", "detail": "550 5.1.1 no mailbox"}
        body = json.dumps(event).encode()
        wrong = {"X-Bulletin-Signature": body_signature(b"another secret", body)}
        assert call(service.url + "bounces", "POST", body, wrong).status == 403
        assert call(service.url + "bounces", "POST", body, {}).status == 401
        altered = body.replace(b"hard@", b"soft@")
        resigned = {"X-Bulletin-Signature": body_signature(SECRET.encode(), body)}
        assert call(service.url + "bounces", "POST", altered, resigned).status == 403
        assert all(suppression(service.database, a) is None for a in ("hard@example.org",))
        assert signed(service, event).status == 200
        hard = suppression(service.database, "hard@example.org")
        assert hard and hard.reason == mailing_list.HARD_BOUNCE and "5.1.1" in hard.detail
        assert signed(service, {"type": "complaint", "email": "spam@example.org"}).status == 200
        spam = suppression(service.database, "spam@example.org")
        assert spam and spam.reason == mailing_list.COMPLAINT
        for count in (1, 2):
            soft = signed(service, {"type": "soft", "email": "soft@example.org"})
            assert soft.status == 200 and json.loads(soft.text)["soft_bounces"] == count
        assert suppression(service.database, "soft@example.org") is None
        assert find(service.database, "soft@example.org").status is Status.CONFIRMED
        for bad in ({"type": "bounce", "email": "x@example.org"}, {"type": "hard"}, []):
            answer = signed(service, bad)  # type: ignore[arg-type]
            assert answer.status == 400 and answer.text.strip()


def test_floods_and_robots_send_at_most_three_mails(tmp_path, project, certificate):
    with smtp_server(certificate) as relay:
        env = {"BULLETIN_SMTP_URL": relay.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        with running(project, env) as service:
            token = form_token(service)
            robot = subscribe(service, token, {"email": "robot@example.org", "website": "x"})
            assert robot.status == 200 and "Check your mailbox" in robot.text
            start = time.monotonic()
            statuses = [
                subscribe(service, token, client=f"198.51.{i // 250}.{i % 250}").status
                for i in range(1000)
            ]  # one connection each: a kept-alive one waits about 40 ms a request here
            seconds = time.monotonic() - start
            assert set(statuses) == {200}, "the same answer, mailed or not"
            same_client = [
                subscribe(service, token, client="203.0.113.9").status for _ in range(12)
            ]
            assert same_client[:10] == [200] * 10 and same_client[10:] == [429, 429]
            time.sleep(1)  # any mail still on its way would arrive
            assert 1 <= relay.recorder.counts["anna@example.org"] <= 3
            assert relay.recorder.counts["robot@example.org"] == 0
            assert find(service.database, "robot@example.org") is None
    assert seconds < 20


def test_bad_requests_get_a_4xx_with_a_message(tmp_path, project):
    env = {"BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
    with running(project, env) as service:
        token = form_token(service)
        form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"{COOKIE}={token}"}
        good = f"email=anna%40example.org&consent=yes&csrf={token}&name="
        cases = {
            "no email": subscribe(service, token, {"email": ""}),
            "not an address": subscribe(service, token, {"email": "anna@"}),
            "no consent": subscribe(service, token, {"consent": ""}),
            "CR/LF in the name": subscribe(service, token, {"name": "Anna\r\nBcc: x@example.org"}),
            "bidi in the name": subscribe(service, token, {"name": "Anna\u202e"}),
            "no token": subscribe(service, token, {"csrf": ""}),
            "another token": subscribe(service, token, {"csrf": altered(token)}),
            "1 MB body": call(service.url + "subscribe", "POST", b"a" * 2**20, form),
            "1 MB chunked": call(
                service.url + "subscribe", "POST", iter([b"a" * 2**16] * 16), form
            ),  # type: ignore[arg-type]
            "raw non-UTF-8": call(
                service.url + "subscribe", "POST", (good + "\xff").encode("latin-1"), form
            ),
            "encoded non-UTF-8": call(
                service.url + "subscribe", "POST", (good + "Ren%E9").encode(), form
            ),
            "JSON body": call(
                service.url + "subscribe", "POST", b"{}", form | {"Content-Type": "text/json"}
            ),
            "unknown path": call(service.url + "admin"),
            "wrong method": call(service.url + "subscribe", "PUT", b""),
            "bad confirmation": call(service.url + "confirm?token=abc.def"),
            "no confirmation": call(service.url + "confirm"),
            "bad unsubscribe": call(service.url + "unsubscribe?email=a%40b.org&token=00"),
            "webhook 1 MB": call(service.url + "bounces", "POST", b"{" * 2**20),
        }
        expected = {
            "1 MB body": 413, "1 MB chunked": 413, "webhook 1 MB": 413, "unknown path": 404,
            "wrong method": 405, "no token": 403, "another token": 403, "JSON body": 415,
            "bad unsubscribe": 403,
        }  # fmt: skip
        for name, answer in cases.items():
            assert answer.status == expected.get(name, 400), (name, answer.status, answer.text)
            assert len(answer.text.strip()) > 10, name
            assert "Traceback" not in answer.text, name
        assert "one line" in cases["CR/LF in the name"].text
        assert "not valid UTF-8" in cases["raw non-UTF-8"].text
        assert cases["wrong method"].headers["Allow"]
        assert find(service.database, "anna@example.org") is None


def test_an_expired_or_altered_confirmation_link_is_refused(tmp_path, project):
    env = {"BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
    with running(project, env) as service:
        mailing_list.ask(service.database, "anna@example.org", "", CONSENT, "test")
        old = confirmation_token(SECRET.encode(), "anna@example.org", now=time.time() - 49 * 3600)
        new = confirmation_token(SECRET.encode(), "anna@example.org")
        encoded, signature = new.split(".")
        other = confirmation_token(b"not the secret", "anna@example.org")
        for token in (old, other, encoded[:-2] + "x." + signature, encoded):
            answer = call(service.url + f"confirm?token={token}")
            assert answer.status == 400 and "not valid or has expired" in answer.text
        assert find(service.database, "anna@example.org").status is Status.PENDING
        assert call(service.url + f"confirm?token={new}").status == 200
        assert find(service.database, "anna@example.org").status is Status.CONFIRMED


def test_the_windows_keep_bounded_memory():
    now = [0.0]
    window = Window(3, 60.0, keys=100, clock=lambda: now[0])
    assert [window.allow("a") for _ in range(4)] == [True, True, True, False]
    now[0] = 61.0
    assert window.allow("a")
    for i in range(10_000):
        window.allow(f"k{i}")
    assert len(window) == 100


def test_the_command_serves_and_refuses_to_start_without_the_secret(tmp_path, project):
    import subprocess
    import sys

    set_up(project, "https://bulletin.example.org/list/")
    missing = bulletin(project, "subscribers", "serve", "--port", "0")
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        "BULLETIN_UNSUBSCRIBE_SECRET: error: not set: set the secret that signs the "
        "unsubscribe links (see docs/sending.md)"
    ]
    command = [
        sys.executable,
        "-m",
        "bulletin",
        "--project",
        str(project),
        "subscribers",
        "serve",
        "--port",
        "0",
    ]
    env = {"BULLETIN_UNSUBSCRIBE_SECRET": SECRET, "PATH": "/usr/bin:/bin"}
    import os

    env |= {k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "HOME")}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.fullmatch(r"serving (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C to stop\)\n", line)
        assert found, line + (process.stderr.read() if process.poll() is not None else "")
        url = found.group(1)
        deadline = time.monotonic() + 10
        while True:
            try:
                answer = call(url + "subscribe")
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert answer.status == 200 and 'lang="en"' in answer.text
        assert CONSENT in answer.text and 'tabindex="-1"' in answer.text
    finally:
        process.terminate()
        process.wait(10)


def test_the_websites_form_posts_without_a_form_token_only_from_the_website(
    tmp_path, project, certificate
):
    """The subscribe form of the static site (archive, issue pages) has no form token: the
    browser's `Origin` says it comes from the website; any other origin is refused."""
    form = urlencode({"email": "bea@example.org", "name": "", "consent": "yes", "website": ""})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with smtp_server(certificate) as relay:
        env = {"BULLETIN_SMTP_URL": relay.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        with running(project, env) as service:
            elsewhere = call(service.url + "subscribe", "POST", form.encode(),
                             headers | {"Origin": "https://evil.example"})  # fmt: skip
            assert elsewhere.status == 403
            site = call(service.url + "subscribe", "POST", form.encode(),
                        headers | {"Origin": "https://bulletin.example.org"})  # fmt: skip
            assert site.status == 200 and "Check your mailbox" in site.text
            wait_for(relay.recorder, "bea@example.org", 1)
            member = find(service.database, "bea@example.org")
            assert member is not None and member.status.value == "pending"


def postmark(service: Service, event: object, password: str | None) -> Answer:
    """A call of Postmark's webhook, with the Basic password of its URL (none when None)."""
    headers = {"Content-Type": "application/json"}
    if password is not None:
        pair = base64.b64encode(f"postmark:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {pair}"
    return call(service.url + "bounces/postmark", "POST", json.dumps(event).encode(), headers)


def test_postmarks_bounce_webhook(tmp_path, project, database_url):
    """Postmark's own payloads (RecordType Bounce with its Type, SpamComplaint), behind the
    Basic password of the webhook URL."""
    env = {URL_VARIABLE: database_url, "BULLETIN_UNSUBSCRIBE_SECRET": SECRET,
           "BULLETIN_POSTMARK_PASSWORD": "pm-password"}  # fmt: skip
    hard = {"RecordType": "Bounce", "Type": "HardBounce", "TypeCode": 1,
            "Email": "hard@example.org", "Description": "The server was unable to deliver",
            "BouncedAt": "2021-11-02T10:00:00Z"}  # fmt: skip
    with running(project, env) as service:
        for address in ("hard@example.org", "soft@example.org", "spam@example.org"):
            mailing_list.ask(service.database, address, "", CONSENT, "test")
            mailing_list.confirm(service.database, address)
        assert postmark(service, hard, None).status == 401
        assert postmark(service, hard, "guess").status == 403
        assert suppression(service.database, "hard@example.org") is None
        assert postmark(service, hard, "pm-password").status == 200
        found = suppression(service.database, "hard@example.org")
        assert found and found.reason == mailing_list.HARD_BOUNCE
        complaint = {"RecordType": "SpamComplaint", "Type": "SpamComplaint",
                     "Email": "spam@example.org"}  # fmt: skip
        assert postmark(service, complaint, "pm-password").status == 200
        spam = suppression(service.database, "spam@example.org")
        assert spam and spam.reason == mailing_list.COMPLAINT
        soft = postmark(service, hard | {"Type": "SoftBounce", "Email": "soft@example.org"},
                        "pm-password")  # fmt: skip
        assert json.loads(soft.text)["soft_bounces"] == 1
        reply = postmark(service, hard | {"Type": "AutoResponder", "Email": "soft@example.org"},
                         "pm-password")  # fmt: skip
        assert json.loads(reply.text)["done"] == "ignored"
        assert suppression(service.database, "soft@example.org") is None
        assert postmark(service, {"Type": "HardBounce"}, "pm-password").status == 400


def test_postmarks_webhook_is_closed_without_its_password(tmp_path, project):
    with running(project, {"BULLETIN_UNSUBSCRIBE_SECRET": SECRET}) as service:
        answer = postmark(service, {"Type": "HardBounce", "Email": "a@example.org"}, "x")
        assert answer.status == 404 and "BULLETIN_POSTMARK_PASSWORD" in answer.text
