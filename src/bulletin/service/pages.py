"""The service's HTML pages and the confirmation mail: small, escaped, no script, one
stylesheet of its own (the pages' Content-Security-Policy allows nothing else)."""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from html import escape

from bulletin.mail.message import EmailSettings

STYLESHEET = """\
body { font: 1.0625rem/1.5 system-ui, sans-serif; color: #1a1a1a; background: #fff;
  max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; line-height: 1.25; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input[type=email], input[type=text] { width: 100%; box-sizing: border-box; font: inherit;
  padding: .4rem; border: 1px solid #555; border-radius: 3px; }
.consent { display: flex; gap: .5rem; align-items: flex-start; font-weight: normal; }
.consent input { margin-top: .35rem; }
.hidden { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
.problem { color: #8a0000; border-left: 4px solid #8a0000; padding-left: .75rem; }
button { font: inherit; margin-top: 1.25rem; padding: .5rem 1.25rem; color: #fff;
  background: #1d4e89; border: 0; border-radius: 3px; cursor: pointer; }
button:focus-visible, input:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
"""


@dataclass(frozen=True)
class Site:
    """What every page shows: the series (the title), its language, the stylesheet's address."""

    series: str
    language: str
    stylesheet: str


def page(site: Site, heading: str, body: str) -> str:
    """A whole page: `body` is HTML already escaped."""
    title = f"{escape(heading)}: {escape(site.series)}"
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(site.language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        f'<link rel="stylesheet" href="{escape(site.stylesheet)}">\n</head>\n<body>\n<main>\n'
        f"<h1>{escape(heading)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


def message(site: Site, heading: str, text: str) -> str:
    """A page that says one thing."""
    return page(site, heading, f"<p>{escape(text)}</p>")


def subscribe_form(
    site: Site, consent: str, token: str, problem: str = "", email: str = "", name: str = ""
) -> str:
    """The subscribe form: address, name, the consent checkbox, a honeypot, the form token."""
    shown = f'<p class="problem" role="alert">{escape(problem)}</p>\n' if problem else ""
    body = f"""{shown}<p>Subscribe to {escape(site.series)} by email. We send you a message \
to confirm your address first.</p>
<form method="post" action="subscribe">
<input type="hidden" name="csrf" value="{escape(token)}">
<label for="email">Email address</label>
<input type="email" id="email" name="email" required autocomplete="email" maxlength="254" \
value="{escape(email)}">
<label for="name">Name <span>(optional)</span></label>
<input type="text" id="name" name="name" autocomplete="name" maxlength="200" \
value="{escape(name)}">
<div class="hidden" aria-hidden="true">
<label for="website">Leave this field empty</label>
<input type="text" id="website" name="website" tabindex="-1" autocomplete="off">
</div>
<label class="consent" for="consent"><input type="checkbox" id="consent" name="consent" \
value="yes" required> <span>{escape(consent)}</span></label>
<button type="submit">Subscribe</button>
</form>"""
    return page(site, f"Subscribe to {site.series}", body)


def unsubscribe_form(site: Site) -> str:
    """One button that posts the one-click request (RFC 8058) to the page's own address."""
    body = """<p>Press the button to stop receiving this bulletin by email.</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>"""
    return page(site, "Unsubscribe", body)


def confirmation_mail(
    settings: EmailSettings, series: str, email: str, name: str, link: str
) -> bytes:
    """The mail that asks the reader to confirm: plain text and HTML, CRLF line ends."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = settings.sender
    mail["To"] = Address(display_name=name, addr_spec=email)
    mail["Reply-To"] = settings.reply_to
    mail["Subject"] = f"Please confirm your subscription to {series}"
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid("confirm", domain=settings.sender.domain)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(
        f"Someone, probably you, asked to receive {series} by email at {email}.\n\n"
        f"To confirm, open this link within 48 hours:\n\n{link}\n\n"
        "If it was not you, ignore this message: nothing will be sent to you.\n"
    )
    mail.add_alternative(
        f"<!DOCTYPE html><html><body><p>Someone, probably you, asked to receive "
        f"{escape(series)} by email at {escape(email)}.</p>"
        f'<p><a href="{escape(link)}">Confirm my subscription</a> (within 48 hours)</p>'
        "<p>If it was not you, ignore this message: nothing will be sent to you.</p>"
        "</body></html>",
        subtype="html",
    )
    return mail.as_bytes()
