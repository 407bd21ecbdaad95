"""The subscriber service as a Starlette app: the subscribe form (double opt-in), the
confirmation link, one-click unsubscribe (RFC 8058) and the bounce webhook.

Every request is read strictly: a size limit (by Content-Length, then while reading), UTF-8,
known fields. A bad request gets a 4xx answer with a short message, never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bulletin.content.model import Publication
from bulletin.content.values import HEADER_UNSAFE
from bulletin.errors import BulletinError, ConfigError
from bulletin.mail import mailing_list
from bulletin.mail.message import EmailSettings, email_settings
from bulletin.mail.send import SECRET_VARIABLE
from bulletin.mail.subscribers import address_problem
from bulletin.mail.transport import DeliveryFailure, open_transport
from bulletin.project import Project
from bulletin.service import pages, tokens
from bulletin.service.limits import Limits, Window
from bulletin.store.database import Database

SMTP_VARIABLE = "BULLETIN_SMTP_URL"
FORM_LIMIT = 16 * 1024
"""The largest form body accepted, in bytes."""
WEBHOOK_LIMIT = 64 * 1024
COOKIE = "bulletin_form"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""Sent with every page."""
POSTMARK_VARIABLE = "BULLETIN_POSTMARK_PASSWORD"
BOUNCE_TYPES = {"hard": mailing_list.HARD_BOUNCE, "complaint": mailing_list.COMPLAINT}
log = logging.getLogger("bulletin.service")


@dataclass(frozen=True)
class Settings:
    """What the service needs from the project and the environment.

    url: its public address (subscribers.url, ending with a slash). consent: the wording of
    the form's checkbox. origins: the origins (the website's, the service's) whose pages may
    post the form without the form token: a browser sends the `Origin` of the page a form was
    posted from, and no other page can claim it. secret: BULLETIN_UNSUBSCRIBE_SECRET.
    outbox: where confirmation mails go (outbox/confirmations/) without BULLETIN_SMTP_URL.
    """

    site: pages.Site
    url: str
    consent: str
    mail: EmailSettings
    secret: bytes
    outbox: Path
    env: Mapping[str, str]
    origins: frozenset[str] = frozenset()
    postmark_password: str = ""
    database: str = ""


def load_settings(project: Project, env: Mapping[str, str]) -> Settings:
    """The settings from publication.yaml and the environment; a one-line ConfigError when
    the publication fails its check, has no `subscribers` group, or the secret is not set."""
    from bulletin.content.validate import check
    from bulletin.errors import ContentError

    shown = project.shown(project.content / "publication.yaml")
    checked = check(project, [])
    if checked.publication is None:
        raise ContentError(checked.diagnostics)
    publication: Publication = checked.publication
    service = publication.subscribers
    if service is None:
        fix = "add a `subscribers` group with `url` and `consent` (see docs/subscribers.md)"
        raise ConfigError(shown, "no subscriber service set up", fix, field="subscribers")
    secret = env.get(SECRET_VARIABLE, "")
    if not secret:
        fix = "set the secret that signs the unsubscribe links (see docs/sending.md)"
        raise ConfigError(SECRET_VARIABLE, "not set", fix)
    outbox = project.root / "outbox"
    open_transport(env.get(SMTP_VARIABLE), SMTP_VARIABLE, outbox, "confirmations", env).close()
    return Settings(
        site=pages.Site(publication.series, publication.language, "style.css"),
        url=service.url,
        consent=service.consent,
        mail=email_settings(publication, shown),
        secret=secret.encode(),
        outbox=outbox,
        env=dict(env),
        origins=frozenset(_origin(url) for url in (service.url, publication.base_url)),
        postmark_password=env.get(POSTMARK_VARIABLE, ""),
        database=publication.database,
    )


def _origin(url: str) -> str:
    """The origin of an address as a browser sends it: scheme://host[:port]."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Refused(Exception):
    """A request answered with a 4xx status and a short message."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status, self.text = status, text


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, refused (413) as soon as it is known to exceed `limit` bytes."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise Refused(413 if length.isdigit() else 400, f"The request is over {limit} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, f"The request is over {limit} bytes.")
    return bytes(body)


async def read_form(request: Request, limit: int = FORM_LIMIT) -> dict[str, str]:
    """The fields of a form body (urlencoded or multipart, UTF-8); the first of repeated ones."""
    body = await read_body(request, limit)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(
                body.decode(), keep_blank_values=True, errors="strict", max_num_fields=50
            )
        except (UnicodeDecodeError, ValueError):
            raise Refused(400, "The form is not valid UTF-8 text.") from None
    elif kind == "multipart/form-data":
        pairs = await _multipart(request, body)
    else:
        raise Refused(415, "Send the form as application/x-www-form-urlencoded.")
    fields: dict[str, str] = {}
    for key, value in pairs:
        fields.setdefault(key, value)
    return fields


async def _multipart(request: Request, body: bytes) -> list[tuple[str, str]]:
    async def once() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        body.decode()
        form = await MultiPartParser(request.headers, once(), max_files=0, max_fields=50).parse()
    except (UnicodeDecodeError, MultiPartException):
        raise Refused(400, "The form is not valid multipart UTF-8 text.") from None
    return [(key, value) for key, value in form.multi_items() if isinstance(value, str)]


T = TypeVar("T")


class Service:
    """The routes, over one database and the settings; rate limits kept in memory."""

    def __init__(self, settings: Settings, database: Database, limits: Limits) -> None:
        self.settings, self.database = settings, database
        self.per_client = Window(limits.posts_per_minute, 60.0, limits.keys)
        self.per_address = Window(limits.mails_per_hour, 3600.0, limits.keys)
        # SQLite takes one writer at a time: writes from several threads wait on its lock in
        # sleeps of up to 50 ms, so they go one at a time through one thread.
        self.writers = anyio.CapacityLimiter(8 if database.is_postgresql else 1)

    async def write(self, change: Callable[..., T], *args: Any) -> T:
        """Run a change of the list in a worker thread, as many at once as the database takes."""
        return await anyio.to_thread.run_sync(change, *args, limiter=self.writers)

    def html(self, body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(body, status, headers=HEADERS)

    def say(self, status: int, heading: str, text: str) -> HTMLResponse:
        return self.html(pages.message(self.settings.site, heading, text), status)

    async def stylesheet(self, request: Request) -> Response:
        return Response(pages.STYLESHEET, media_type="text/css", headers=HEADERS)

    async def subscribe_page(self, request: Request) -> Response:
        token = tokens.form_token(self.settings.secret)
        response = self.html(pages.subscribe_form(self.settings.site, self.settings.consent, token))
        self._set_cookie(response, token)
        return response

    def _set_cookie(self, response: Response, token: str) -> None:
        url = urlsplit(self.settings.url)
        response.set_cookie(
            COOKIE,
            token,
            max_age=86400,
            path=url.path or "/",
            secure=url.scheme == "https",
            httponly=True,
            samesite="strict",
        )

    async def subscribe(self, request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        if not self.per_client.allow(client):
            return self.say(429, "Too many requests", "Too many requests: try again in a minute.")
        form = await read_form(request)
        token, cookie = form.get("csrf", ""), request.cookies.get(COOKIE, "")
        from_site = request.headers.get("origin", "") in self.settings.origins
        if not from_site and not tokens.form_token_valid(self.settings.secret, cookie, token):
            text = "This form has expired or did not come from this site: reload the page."
            raise Refused(403, text)
        checking = self.say(200, "Check your mailbox", _CHECK)
        if form.get("website"):  # the honeypot: only a robot fills it in
            return checking
        email, name = form.get("email", "").strip(), form.get("name", "").strip()
        problem = _form_problem(email, name, form.get("consent", ""))
        if problem:
            token = tokens.form_token(self.settings.secret)
            shown = pages.subscribe_form(
                self.settings.site, self.settings.consent, token, problem, email, name
            )
            response = self.html(shown, 400)
            self._set_cookie(response, token)
            return response
        if self.per_address.allow(email.casefold()):
            source = _source(request.headers.get("referer", ""), self.settings.url + "subscribe")
            checking.background = BackgroundTask(self.ask_and_mail, email, name, source)
        return checking

    def ask_and_mail(self, email: str, name: str, source: str) -> None:
        """Record the request; mail a confirmation link unless the address is confirmed or
        suppressed (after the answer was sent, so its timing says nothing)."""
        settings = self.settings
        try:
            asked = mailing_list.ask(self.database, email, name, settings.consent, source)
            if asked.confirmed or asked.suppressed:
                return
            token = tokens.confirmation_token(settings.secret, email)
            link = f"{settings.url}confirm?token={token}"
            data = pages.confirmation_mail(settings.mail, settings.site.series, email, name, link)
            env = settings.env
            transport = open_transport(
                env.get(SMTP_VARIABLE), SMTP_VARIABLE, settings.outbox, "confirmations", env
            )
            try:
                transport.deliver(settings.mail.sender.addr_spec, email, data, lambda: None)
            finally:
                transport.close()
        except DeliveryFailure as failure:
            log.warning("confirmation mail not sent: %s", failure.detail)
        except BulletinError as error:
            log.warning("confirmation mail not sent: %s", error.format_message())

    async def confirm(self, request: Request) -> Response:
        token = request.query_params.get("token", "")
        email = tokens.confirmed_address(self.settings.secret, token)
        if email is None:
            text = "This confirmation link is not valid or has expired: please subscribe again."
            return self.say(400, "Link not valid", text)
        if not await self.write(mailing_list.confirm, self.database, email):
            text = "This address can no longer be confirmed: it has left the list."
            return self.say(410, "Not confirmed", text)
        series = self.settings.site.series
        return self.say(200, "Subscribed", f"Thank you: {email} now receives {series}.")

    def _unsubscriber(self, request: Request) -> str:
        email = request.query_params.get("email", "").strip()
        token = request.query_params.get("token", "")
        if not email or len(email) > 254 or HEADER_UNSAFE.search(email):
            raise Refused(400, "This unsubscribe link has no valid address.")
        if not tokens.unsubscribe_token_valid(self.settings.secret, email, token):
            raise Refused(403, "This unsubscribe link is not valid: use the one of a recent issue.")
        return email

    async def unsubscribe_page(self, request: Request) -> Response:
        self._unsubscriber(request)
        return self.html(pages.unsubscribe_form(self.settings.site))

    async def unsubscribe(self, request: Request) -> Response:
        email = self._unsubscriber(request)
        form = await read_form(request)
        if form.get("List-Unsubscribe") != "One-Click":
            raise Refused(400, "The body must be List-Unsubscribe=One-Click.")
        await self.write(
            mailing_list.suppress, self.database, email, mailing_list.UNSUBSCRIBED, "one-click"
        )
        return self.say(200, "Unsubscribed", f"{email} receives no more mail from this list.")

    async def bounces(self, request: Request) -> Response:
        body = await read_body(request, WEBHOOK_LIMIT)
        signature = request.headers.get("x-bulletin-signature")
        if signature is None:
            raise Refused(401, "X-Bulletin-Signature is missing.")
        if not tokens.body_signature_valid(self.settings.secret, body, signature):
            raise Refused(403, "X-Bulletin-Signature does not match the body.")
        return await self._record(*_bounce(body))

    async def postmark(self, request: Request) -> Response:
        """Postmark's bounce and spam-complaint webhook, authenticated by the HTTP Basic
        password set in Postmark's webhook URL (BULLETIN_POSTMARK_PASSWORD)."""
        password = self.settings.postmark_password
        if not password:
            raise Refused(404, f"Not set up: set {POSTMARK_VARIABLE} to take Postmark's calls.")
        given = _basic_password(request.headers.get("authorization", ""))
        if given is None:
            raise Refused(401, "The Basic authorization of the webhook URL is missing.")
        if not hmac.compare_digest(given.encode(), password.encode()):
            raise Refused(403, "The webhook's password does not match.")
        kind, email, detail = _postmark_event(await read_body(request, WEBHOOK_LIMIT))
        if kind is None:
            return JSONResponse({"email": email, "done": "ignored"})
        return await self._record(kind, email, detail)

    async def _record(self, kind: str, email: str, detail: str) -> Response:
        if kind == "soft":
            count = await self.write(mailing_list.soft_bounce, self.database, email)
            return JSONResponse({"email": email, "done": "counted", "soft_bounces": count})
        await self.write(mailing_list.suppress, self.database, email, BOUNCE_TYPES[kind], detail)
        return JSONResponse({"email": email, "done": "suppressed"})

    async def refused(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, Refused)
        if request.url.path.startswith("/bounces"):
            return PlainTextResponse(error.text + "\n", error.status)
        return self.say(error.status, "Request refused", error.text)

    async def http_error(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        text = {404: "There is no such page here.", 405: "This page does not take that method."}
        response = self.say(error.status_code, "Not here", text.get(error.status_code, "Refused."))
        response.headers.update(error.headers or {})
        return response


_CHECK = (
    "If the address can be subscribed, a message with a confirmation link is on its way to it. "
    "Open the link within 48 hours to start receiving the bulletin."
)


def _form_problem(email: str, name: str, consent: str) -> str:
    if not email:
        return "Fill in your email address."
    if address_problem(email):
        return "That is not an email address like name@example.org."
    if len(name) > 200 or HEADER_UNSAFE.search(name):
        return "The name must be one line of at most 200 characters, without control characters."
    if not consent:
        return "Tick the box to agree to receive the bulletin."
    return ""


def _source(referer: str, page: str) -> str:
    """Where the request came from, as the consent record keeps it: the Referer when it is a
    plausible web address, else the form's page."""
    plausible = referer.startswith(("https://", "http://")) and len(referer) <= 500
    return referer if plausible and not HEADER_UNSAFE.search(referer) else page


def _json_object(body: bytes, shape: str) -> dict[str, Any]:
    """A webhook body as a JSON object, or Refused(400) saying what it must be (`shape`)."""
    try:
        data: Any = json.loads(body.decode())
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "The body is not JSON in UTF-8.") from None
    if not isinstance(data, dict):
        raise Refused(400, f"The body must be {shape}.")
    return data


def _event_address(data: dict[str, Any], key: str) -> str:
    """The address a webhook event is about, or Refused(400)."""
    email = data.get(key)
    if not isinstance(email, str) or not email.strip() or len(email) > 254:
        raise Refused(400, f'"{key}" must be an address.')
    if HEADER_UNSAFE.search(email):
        raise Refused(400, f'"{key}" holds control characters.')
    return email.strip()


def _bounce(body: bytes) -> tuple[str, str, str]:
    """The type, address and detail of a webhook body, or Refused(400) saying what is wrong."""
    data = _json_object(body, 'an object: {"type": ..., "email": ..., "detail": ...}')
    kind, detail = data.get("type"), data.get("detail", "")
    if kind not in ("hard", "soft", "complaint"):
        raise Refused(400, '"type" must be "hard", "soft" or "complaint".')
    email = _event_address(data, "email")
    if not isinstance(detail, str) or len(detail) > 1000:
        raise Refused(400, '"detail" must be a text of at most 1,000 characters.')
    return kind, email, detail


POSTMARK_KINDS = {
    "HardBounce": "hard",
    "BadEmailAddress": "hard",
    "SpamComplaint": "complaint",
    "SoftBounce": "soft",
    "Transient": "soft",
    "DnsError": "soft",
}
"""Postmark's bounce types that bulletin acts on; the others (auto-replies, subscribe and
unsubscribe requests by mail, challenges...) are acknowledged and ignored."""


def _postmark_event(body: bytes) -> tuple[str | None, str, str]:
    """The kind (None: not acted on), address and detail of a Postmark webhook call."""
    data = _json_object(body, "a Postmark bounce or spam complaint object")
    kind = "SpamComplaint" if data.get("RecordType") == "SpamComplaint" else data.get("Type")
    email = _event_address(data, "Email")
    detail = data.get("Description") or data.get("Details") or ""
    detail = detail[:1000] if isinstance(detail, str) else ""
    return POSTMARK_KINDS.get(kind) if isinstance(kind, str) else None, email, detail


def _basic_password(header: str) -> str | None:
    """The password of an `Authorization: Basic ...` header, or None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2]


def create_app(settings: Settings, database: Database, limits: Limits | None = None) -> Starlette:
    """The service's ASGI app."""
    service = Service(settings, database, limits or Limits())
    routes = [
        Route("/subscribe", service.subscribe_page, methods=["GET"]),
        Route("/subscribe", service.subscribe, methods=["POST"]),
        Route("/confirm", service.confirm, methods=["GET"]),
        Route("/unsubscribe", service.unsubscribe_page, methods=["GET"]),
        Route("/unsubscribe", service.unsubscribe, methods=["POST"]),
        Route("/bounces", service.bounces, methods=["POST"]),
        Route("/bounces/postmark", service.postmark, methods=["POST"]),
        Route("/style.css", service.stylesheet, methods=["GET"]),
    ]
    handlers = {Refused: service.refused, HTTPException: service.http_error}
    return Starlette(routes=routes, exception_handlers=handlers)


def serve(project: Project, env: Mapping[str, str], host: str, port: int, ready: Any) -> None:
    """Serve under uvicorn until stopped; `ready(url)` is called once the port listens."""
    import socket

    import uvicorn

    from bulletin.store.database import open_database

    settings = load_settings(project, env)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(1024)  # from here a connection waits for uvicorn, never refused
    except OSError as error:
        listener.close()
        fix = "pass another port, or --port 0 for any free one"
        raise ConfigError(f"--port {port}", f"cannot serve there ({error.strerror})", fix) from None
    with open_database(project.root, env, configured=settings.database) as database:
        app = create_app(settings, database)
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            server_header=False,
            timeout_keep_alive=5,
            limit_concurrency=200,
        )
        shown = f"[{host}]" if family == socket.AF_INET6 else host
        ready(f"http://{shown}:{listener.getsockname()[1]}/")
        uvicorn.Server(config).run(sockets=[listener])


__all__ = ["Limits", "Settings", "create_app", "load_settings", "serve"]
