"""The issue as an email, or one correction of it: HTML (CSS inlined) and plain text from the
same content, the PDF attached."""

from __future__ import annotations

import binascii
import hashlib
import hmac
import html
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import quote

from bulletin.content import values
from bulletin.content.model import Erratum, Issue, Publication
from bulletin.errors import ConfigError
from bulletin.render.html import Theme, longdate
from bulletin.render.plaintext import plain, wrap

PLACEHOLDER = "bulletin-unsubscribe-placeholder"
"""Stands for the recipient's unsubscribe address in the bodies rendered once per issue."""
_TEXT_SLOT = b"bulletin-text-part\r\n"
_HTML_SLOT = b"bulletin-html-part\r\n"
FOLD_WIDTH = 78
"""The longest header line (RFC 5322 asks for at most 78 characters where a header can fold)."""


@dataclass(frozen=True)
class EmailSettings:
    """The `email` group of publication.yaml, with its defaults filled in.

    sender: the From address and name. reply_to: where replies go. list_id: the List-Id header.
    unsubscribe_url: the one-click unsubscribe address, with `{token}` (and maybe `{email}`).
    """

    sender: Address
    reply_to: str
    list_id: str
    unsubscribe_url: str


def email_settings(publication: Publication, shown: str) -> EmailSettings:
    """The settings of the `email` group of publication.yaml (shown as `shown`), checked by
    `bulletin check`, with their defaults; an error naming the file when there is no group."""
    mailing, series = publication.email, publication.series
    if mailing is None:
        raise ConfigError(
            shown,
            "not set up",
            "add an `email` group with `from` and `unsubscribe_url` (see docs/sending.md)",
            field="email",
        )
    list_id = mailing.list_id or values.default_list_id(series, publication.base_url)
    service = publication.subscribers
    unsubscribe = mailing.unsubscribe_url or (service.unsubscribe_url if service else "")
    if not unsubscribe:  # `bulletin check` refuses this: a last guard
        raise ConfigError(shown, "no unsubscribe address", _NO_UNSUBSCRIBE, field="email")
    return EmailSettings(
        sender=Address(display_name=mailing.from_name or series, addr_spec=mailing.sender),
        reply_to=mailing.reply_to or publication.contact.email,
        list_id=formataddr((series, list_id)),
        unsubscribe_url=unsubscribe,
    )


_NO_UNSUBSCRIBE = "set email.unsubscribe_url, or subscribers.url for the subscriber service"


def page_url(issue: Issue) -> str:
    """The address of the issue's web page."""
    return issue.url


def subject(issue: Issue, test: bool = False, erratum: Erratum | None = None) -> str:
    """'China Industries: November 2, 2021', or for a correction of it 'Correction:
    China Industries, November 2, 2021'; marked '[TEST] ' for a test send."""
    test_mark = "[TEST] " if test else ""
    day, series = longdate(issue.date), issue.publication.series
    if erratum is not None:
        return f"{test_mark}Correction: {series}, {day}"
    return f"{test_mark}{series}: {day}"


def correction_url(issue: Issue, erratum: Erratum) -> str:
    """The address of a correction on the issue's web page: its anchor."""
    return f"{page_url(issue)}#{erratum.anchor}"


def _template_values(issue: Issue, erratum: Erratum | None) -> dict[str, object]:
    """What email.html and email.txt are given; for a correction, correction.html and
    correction.txt are also given the erratum, its address, and the corrections before it."""
    values: dict[str, object] = {
        "issue": issue,
        "page_url": page_url(issue),
        "unsubscribe_url": PLACEHOLDER,
    }
    if erratum is not None:
        values |= {
            "erratum": erratum,
            "correction_url": correction_url(issue, erratum),
            "earlier": issue.errata[: erratum.number - 1],
        }
    return values


def _template(erratum: Erratum | None, suffix: str) -> str:
    return f"{'correction' if erratum else 'email'}.{suffix}"


def render_html(issue: Issue, theme: Theme, erratum: Erratum | None = None) -> str:
    """The email-safe HTML body of the issue (or of `erratum`, a correction of it), CSS
    inlined (theme.css variables resolved, @media kept)."""
    import css_inline  # compiled; loaded only by the commands that send

    template = theme.environment.get_template(_template(erratum, "html"))
    page = template.render(_template_values(issue, erratum))
    css = theme.stylesheet("theme.css") + "\n" + theme.stylesheet("email.css")
    inliner = css_inline.CSSInliner(
        keep_at_rules=True,
        load_remote_stylesheets=False,
        resolve_css_variables=True,
        extra_css=css,
    )
    return inliner.inline(page)


def render_text(issue: Issue, theme: Theme, erratum: Erratum | None = None) -> str:
    """The plain-text alternative, from the same content as the HTML."""
    template = theme.environment.get_template(_template(erratum, "txt"))
    text = template.render(_template_values(issue, erratum), plain=plain, wrap=wrap)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def unsubscribe_token(secret: bytes, email: str) -> str:
    """The token of an address's unsubscribe link: the first 32 hex digits of HMAC-SHA256
    over the address lower-cased (docs/sending.md)."""
    return hmac.new(secret, email.lower().encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_url(template: str, email: str, secret: bytes) -> str:
    """The recipient's one-click unsubscribe address, with its token and address filled in."""
    token = unsubscribe_token(secret, email)
    return template.replace("{token}", token).replace("{email}", quote(email, safe="@"))


class Letter:
    """One issue's email (or one correction's), composed and serialized once; `to()` makes
    each recipient's copy. `issue_key` names it in the Message-ID: the issue's slug, and
    `.correction-N` after it for a correction.

    Only four headers (To, Date, Message-ID, List-Unsubscribe) and the unsubscribe address in
    the two bodies differ between recipients: the rest, the PDF above all, is reused as bytes.
    """

    def __init__(self, message: EmailMessage, text: str, html_body: str, issue_key: str) -> None:
        self.text, self.html, self.issue_key = text, html_body, issue_key
        self.domain = message["From"].addresses[0].domain
        shared = message.as_bytes(policy=SMTP)
        if shared.count(_TEXT_SLOT) != 1 or shared.count(_HTML_SLOT) != 1:
            raise AssertionError("each body's slot must appear once in the shared message")
        self._head, rest = shared.split(_TEXT_SLOT)
        self._middle, self._tail = rest.split(_HTML_SLOT)

    def to(self, email: str, name: str, unsubscribe: str, test: bool = False) -> bytes:
        """The complete message for one recipient, CRLF line ends, ready for DATA."""
        header = EmailMessage(policy=SMTP)
        header["To"] = Address(display_name=name, addr_spec=email)
        header["Date"] = formatdate(localtime=True)
        header["Message-ID"] = self._message_id(email, test)
        headers = header.as_bytes()[:-2] + folded_url_header("List-Unsubscribe", unsubscribe)
        text = _quoted_printable(self.text.replace(PLACEHOLDER, unsubscribe))
        body = _quoted_printable(self.html.replace(PLACEHOLDER, html.escape(unsubscribe)))
        return b"".join((headers, self._head, text, self._middle, body, self._tail))

    def _message_id(self, email: str, test: bool) -> str:
        """Stable per issue and recipient, so a mail system can spot a copy it already has."""
        if test:
            return make_msgid("test", domain=self.domain)
        digest = hashlib.sha256(f"{self.issue_key}\n{email.lower()}".encode()).hexdigest()[:24]
        return f"<{self.issue_key}.{digest}@{self.domain}>"


def folded_url_header(name: str, url: str, width: int = FOLD_WIDTH) -> bytes:
    """`name: <url>` as header lines of at most `width` characters, CRLF-terminated.

    RFC 2369 lets a List-* header fold inside the angle brackets of its URL, and mail programs
    remove that whitespace; the email package would instead encode the long URL as an encoded
    word, which they would not. A line breaks after a / or before a ? or &, where one fits.
    """
    lines, line, rest = [], f"{name}: <", url + ">"
    while len(line) + len(rest) > width:
        room = width - len(line)
        breaks = (i for i in range(1, room) if rest[i - 1] == "/" or rest[i] in "?&")
        cut = max(breaks, default=room)
        lines.append(line + rest[:cut])
        line, rest = " ", rest[cut:]
    lines.append(line + rest)
    return "".join(f"{text}\r\n" for text in lines).encode("ascii")


def compose(
    issue: Issue,
    settings: EmailSettings,
    theme: Theme,
    pdf: bytes,
    test: bool = False,
    erratum: Erratum | None = None,
) -> Letter:
    """The issue's letter (or that of `erratum`, a correction of it): headers shared by all
    recipients, both bodies, the PDF attached."""
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.sender
    message["Reply-To"] = settings.reply_to
    message["Subject"] = subject(issue, test, erratum)
    message["List-Id"] = settings.list_id
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(_TEXT_SLOT.decode().strip() + "\n", cte="quoted-printable")
    message.add_alternative(
        _HTML_SLOT.decode().strip() + "\n", subtype="html", cte="quoted-printable"
    )
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"{issue.slug}.pdf")
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]
    text, body = render_text(issue, theme, erratum), render_html(issue, theme, erratum)
    key = f"{issue.slug}.{erratum.anchor}" if erratum else issue.slug
    return Letter(message, text, body, key)


def _quoted_printable(text: str) -> bytes:
    """A body encoded quoted-printable with CRLF line ends, as the part's slot expects."""
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    return encoded if encoded.endswith(b"\r\n") else encoded + b"\r\n"
