"""The email as subscribers get it: MIME structure, headers, attachment, both bodies, the HTML
in a real browser, and the refusals before anything is sent."""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import shutil
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from browser import axe_violations
from conftest import REPO, SAMPLE, SAMPLE_FOLDER, edit
from smtp_server import Received, bulletin, copy_built_sample, smtp_server

SECRET = "unsubscribe-secret-for-tests"
SUBSCRIBERS = "email,name,company\nanna@example.org,Anna Müller,MERICS\nbob@example.org,,\n" + (
    "chen@example.net,陈静,\n"
)
PAGE = "https://bulletin.example.org/issues/2021-11-02/"


@pytest.fixture
def mail_project(sample_build, tmp_path: Path) -> Path:
    root = copy_built_sample(sample_build, tmp_path / "project")
    (root / "subscribers.csv").write_text(SUBSCRIBERS, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def received(sample_build, certificate, tmp_path_factory) -> list[Received]:
    """The sample issue sent to three subscribers over STARTTLS, as the relay got it."""
    root = tmp_path_factory.mktemp("received") / "project"
    for name in ("content", "templates", "build"):
        shutil.copytree(sample_build.root / name, root / name)
    (root / "subscribers.csv").write_text(SUBSCRIBERS, encoding="utf-8")
    with smtp_server(certificate) as server:
        env = {"BULLETIN_SMTP_URL": server.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        result = bulletin(root, "send", SAMPLE, "--to", str(root / "subscribers.csv"), env=env)
    assert result.returncode == 0, result.stderr
    return sorted(server.recorder.received, key=lambda r: r.recipients)


def unsubscribe(address: str) -> str:
    token = hmac.new(SECRET.encode(), address.lower().encode(), hashlib.sha256).hexdigest()[:32]
    return (
        f"https://bulletin.example.org/unsubscribe?email={quote(address, safe='@')}&token={token}"
    )


def unfolded(value: str) -> str:
    """A List-* header's URLs as a mail program reads them: the whitespace the folding put
    inside the angle brackets removed (RFC 2369)."""
    return re.sub(r"<[^>]*>", lambda url: re.sub(r"\s+", "", url.group()), value)


def header_lines(data: bytes) -> list[bytes]:
    """Every header line of a message and of each of its parts (the lines before each blank
    line that follows the start of the message or a MIME boundary)."""
    lines, found, in_headers = data.split(b"\r\n"), [], True
    boundaries = set(re.findall(rb'boundary="([^"]+)"', data))
    for line in lines:
        if in_headers and line == b"":
            in_headers = False
        elif in_headers:
            found.append(line)
        elif line.startswith(b"--") and line.strip(b"-") in boundaries:
            in_headers = True
    return found


def test_every_header_line_is_folded_to_78_characters(received):
    for r in received:
        lines = header_lines(r.data)
        assert len([line for line in lines if line.startswith(b"Content-Type:")]) == 5
        assert max(len(line) for line in lines) <= 78, r.recipients


def test_the_folded_unsubscribe_address_comes_back_whole(received):
    """Folded inside its angle brackets, the address reads back the same, from the bytes the
    SMTP server received and from Python's email parser, once that whitespace is removed."""
    for r in received:
        (address,) = r.recipients
        expected = f"<{unsubscribe(address)}>"
        raw = re.search(rb"\r\nList-Unsubscribe: (.*?)\r\n(?![ \t])", r.data, flags=re.S)
        assert raw is not None and b"\r\n " in raw[1]  # folded, so the test means something
        assert unfolded(raw[1].decode("ascii")) == expected
        assert unfolded(r.message["List-Unsubscribe"]) == expected
        assert r.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/u",
        "https://bulletin.example.org/unsubscribe?email=anna.mueller@example.org&token=" + "7" * 32,
        "https://example.org/" + "x" * 200,
        "https://example.org/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/1/2/3/4/5/6/7/8",
    ],
)
def test_a_folded_url_header_keeps_its_lines_short_and_its_url(url):
    from bulletin.mail.message import folded_url_header

    data = folded_url_header("List-Unsubscribe", url)
    lines = data.decode("ascii").split("\r\n")
    assert lines[-1] == "" and lines[0].startswith("List-Unsubscribe: <")
    assert all(len(line) <= 78 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:-1])
    assert unfolded("".join(lines).removeprefix("List-Unsubscribe: ")) == f"<{url}>"


def test_the_signature_is_set_off_by_dash_dash_space(received):
    text = received[0].message.get_body(("plain",)).get_content()
    lines = text.splitlines()
    assert lines.count("-- ") == 1
    assert "--" not in lines
    assert lines[lines.index("-- ") + 1].startswith("For further information")
    assert b"\r\n--=20\r\n" in received[0].data  # quoted-printable keeps the space


def test_each_subscriber_gets_one_message_addressed_to_them_alone(received):
    addresses = ["anna@example.org", "bob@example.org", "chen@example.net"]
    assert [r.recipients for r in received] == [(a,) for a in addresses]
    for r, address in zip(received, addresses, strict=True):
        assert r.sender == "bulletin@merics.de"
        assert r.message["To"].addresses[0].addr_spec == address
        others = set(addresses) - {address}
        assert not any(other.encode() in r.data for other in others)
    assert str(received[0].message["To"]) == "Anna Müller <anna@example.org>"
    assert str(received[2].message["To"]) == "陈静 <chen@example.net>"


def test_headers(received):
    message = received[0].message
    assert message["From"] == "MERICS China Industries <bulletin@merics.de>"
    assert message["Reply-To"] == "publications@merics.de"
    assert message["Subject"] == "China Industries: November 2, 2021"
    assert message["List-Id"] == "China Industries <china-industries.merics.de>"
    assert unfolded(message["List-Unsubscribe"]) == f"<{unsubscribe('anna@example.org')}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    ids = {r.message["Message-ID"] for r in received}
    assert len(ids) == 3
    assert all(
        re.fullmatch(r"<china-industries-2021-11-02\.[0-9a-f]{24}@merics\.de>", i) for i in ids
    )
    for name in ("To", "From", "Subject", "Message-ID", "List-Unsubscribe"):
        assert len(message.get_all(name)) == 1
    assert all(len(line) <= 998 for line in received[0].data.split(b"\r\n"))


def test_mime_structure_and_attachment(received, sample_build):
    message = received[0].message
    kinds = [part.get_content_type() for part in message.walk()]
    assert kinds == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
    ]
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "china-industries-2021-11-02.pdf"
    assert attachment.get_content() == sample_build.pdf.read_bytes()


def test_the_bodies_carry_the_same_content(received):
    message = received[1].message
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert len(page.encode("utf-8")) < 100_000
    for phrase in ("Landmark carbon neutrality plan", "Push forward the green and digital", PAGE):
        assert phrase in text
        assert phrase in html.unescape(page)
    assert f"{PAGE}#carbon-neutrality" in text
    assert f'href="{PAGE}#carbon-neutrality"' in page
    assert unsubscribe("bob@example.org") in text
    assert f'href="{html.escape(unsubscribe("bob@example.org"))}"' in page
    assert max(len(line) for line in text.splitlines() if "://" not in line) <= 72


def test_the_html_is_email_safe(received):
    page = received[0].message.get_body(("html",)).get_content()
    css = (REPO / "templates" / "email.css").read_text(encoding="utf-8")
    assert not re.search(r"display:\s*(flex|grid)|float:|position:", css + page)
    assert "<link" not in page
    assert "var(--" not in page
    assert 'class="item-title" style="' in page  # inlined
    styles = re.findall(r"<style[^>]*>(.*?)</style>", page, flags=re.DOTALL)
    assert all(block.strip().startswith("@media") for block in styles)
    assert 'role="presentation"' in page


@pytest.mark.parametrize("width", [600, 375])
def test_the_html_reads_well_and_is_accessible(received, browser, tmp_path, width):
    path = tmp_path / "email.html"
    path.write_text(received[0].message.get_body(("html",)).get_content(), encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(path.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    column = page.locator("table.column").bounding_box()
    assert column is not None
    assert column["width"] == (576 if width == 600 else 375)
    size = page.eval_on_selector(".glance p", "p => getComputedStyle(p).fontSize")
    assert float(size.removesuffix("px")) >= 14
    page.screenshot(path=str(tmp_path / f"email-{width}.png"), full_page=True)
    assert axe_violations(page) == []
    page.close()


def test_a_test_send_is_marked_and_records_nothing(mail_project, certificate):
    with smtp_server(certificate) as server:
        env = {"BULLETIN_SMTP_URL": server.url(), "BULLETIN_UNSUBSCRIBE_SECRET": SECRET}
        result = bulletin(mail_project, "send", SAMPLE, "--test", "editor@example.org", env=env)
    assert result.returncode == 0, result.stderr
    assert "sent a [TEST] copy to editor@example.org" in result.stdout
    (message,) = server.recorder.received
    assert message.recipients == ("editor@example.org",)
    assert message.message["Subject"] == "[TEST] China Industries: November 2, 2021"
    assert not (mail_project / "bulletin.sqlite3").exists()


def test_without_a_relay_the_messages_go_to_the_outbox(mail_project):
    for _ in range(2):
        result = bulletin(
            mail_project, "send", SAMPLE, "--to", str(mail_project / "subscribers.csv")
        )
        assert result.returncode == 0, result.stderr
    files = sorted((mail_project / "outbox" / SAMPLE).glob("*.eml"))
    assert [f.name for f in files] == [
        "000001-anna@example.org.eml",
        "000002-bob@example.org.eml",
        "000003-chen@example.net.eml",
    ]
    message = Received("", (), files[0].read_bytes()).message
    assert message["To"].addresses[0].addr_spec == "anna@example.org"
    assert "a rehearsal: nothing recorded" in result.stderr
    assert "preview tokens: set BULLETIN_UNSUBSCRIBE_SECRET" in result.stderr
    assert not (mail_project / "bulletin.sqlite3").exists()


def _send(root: Path, env: dict[str, str] | None = None, *args: str):
    env = env or {"BULLETIN_SMTP_URL": "smtp://relay.invalid", "BULLETIN_UNSUBSCRIBE_SECRET": "s"}
    return bulletin(root, "send", SAMPLE, "--to", str(root / "subscribers.csv"), *args, env=env)


def _refusal(result) -> str:
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    return result.stderr.strip()


def test_refuses_an_issue_that_fails_its_check(mail_project):
    edit(mail_project / SAMPLE_FOLDER / "top" / "02-standardization.md", "rank: 2", "rank: 1")
    message = _refusal(_send(mail_project))
    assert "top/02-standardization.md:2: error: rank:" in message


def test_refuses_without_the_pdf_or_with_an_old_one(mail_project):
    pdf = mail_project / "build" / "issues" / SAMPLE / "china-industries-2021-11-02.pdf"
    (mail_project / SAMPLE_FOLDER / "issue.md").touch()
    assert _refusal(_send(mail_project)) == (
        f"build/issues/{SAMPLE}/china-industries-2021-11-02.pdf: error: older than "
        f"{SAMPLE_FOLDER}/issue.md: run 'bulletin build {SAMPLE}' so that the PDF matches the issue"
    )
    pdf.unlink()
    assert _refusal(_send(mail_project)) == (
        f"build/issues/{SAMPLE}/china-industries-2021-11-02.pdf: error: the PDF is not built: "
        f"run 'bulletin build {SAMPLE}' first"
    )


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--to", "missing.csv"], {}, "missing.csv: error: no such subscriber list"),
        ([], {"BULLETIN_SMTP_URL": "smtp://relay.invalid"}, "BULLETIN_UNSUBSCRIBE_SECRET: error"),
        (["--test", "not-an-address"], {}, "--test: error: 'not-an-address' is not an email"),
    ],
)
def test_refuses_bad_input_in_one_line(mail_project, args, env, expected):
    args = args or ["--to", str(mail_project / "subscribers.csv")]
    message = _refusal(bulletin(mail_project, "send", SAMPLE, *args, env=env))
    assert message.startswith(expected)
    assert len(message.splitlines()) == 1


def test_refuses_an_unknown_date_and_an_unset_email_group(mail_project):
    unknown = bulletin(mail_project, "send", "2030-01-01", "--test", "me@example.org")
    assert "no issue dated 2030-01-01" in _refusal(unknown)
    publication = mail_project / "content" / "publication.yaml"
    edit(publication, "token={token}", "id={email}")
    line = _refusal(bulletin(mail_project, "send", SAMPLE, "--test", "me@example.org"))
    assert re.match(r"content/publication\.yaml:\d+: error: email\.unsubscribe_url: ", line)
    text = publication.read_text(encoding="utf-8")
    publication.write_text(text.split("\nemail:")[0], encoding="utf-8")
    line = _refusal(bulletin(mail_project, "send", SAMPLE, "--test", "me@example.org"))
    assert line.startswith("content/publication.yaml: error: email: not set up: add an `email`")


def test_takes_a_list_or_a_test_address_not_both(mail_project):
    csv = str(mail_project / "subscribers.csv")
    result = bulletin(mail_project, "send", SAMPLE, "--to", csv, "--test", "a@example.org")
    assert result.returncode == 2
    assert "give either --to SUBSCRIBERS.csv or --test ADDRESS, not both" in result.stderr


def test_without_a_list_file_the_rehearsal_of_an_empty_list_mails_nobody(mail_project):
    result = bulletin(mail_project, "send", SAMPLE)
    assert result.returncode == 0, result.stderr
    assert "sent 0, failed 0, skipped 0, unknown 0" in result.stdout
    assert not (mail_project / "bulletin.sqlite3").exists()


def test_plain_text_of_rendered_markdown():
    from bulletin.render.plaintext import plain

    rendered = (
        "<p>See <a href='https://example.org/a'>the plan</a> and "
        "<a href='https://example.org/b'>https://example.org/b</a>, or write to "
        "<a href='mailto:x@example.org'>x@example.org</a>.</p>"
        "<ol start='9'><li>nine</li><li>ten<ul><li>a point long enough to be wrapped onto a "
        "second line of its own</li></ul></li></ol>"
    )
    assert plain(rendered, width=40) == (
        "See the plan <https://example.org/a> and\n"
        "https://example.org/b, or write to\n"
        "x@example.org.\n"
        "\n"
        "9. nine\n"
        "10. ten\n"
        "   -  a point long enough to be wrapped\n"
        "      onto a second line of its own"
    )


def test_docs_show_the_address_in_the_unsubscribe_link_as_it_is_sent(received):
    """docs/sending.md's example header and its words on {email} match what a message carries."""
    from bulletin.mail.message import unsubscribe_url

    docs = (REPO / "docs" / "sending.md").read_text(encoding="utf-8")
    [shown] = set(re.findall(r"^List-Unsubscribe: <[^>]*[?&]email=([^&>]*)", docs, flags=re.M))
    sent = re.search(r"[?&]email=([^&>]*)", unfolded(received[0].message["List-Unsubscribe"]))
    assert sent is not None and sent[1] == shown == "anna@example.org"
    template = "https://example.org/u?email={email}&token={token}"
    odd = unsubscribe_url(template, "o'brien+news@example.org", b"k").split("&")[0]
    assert f"`{odd.partition('email=')[2]}`" in docs
    assert "URL-encoded" not in docs
