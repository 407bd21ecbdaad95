"""A real SMTP server for the email tests: aiosmtpd on 127.0.0.1, STARTTLS or implicit TLS,
AUTH, replies scripted per address (451, 550 ...), every message counted as received."""

from __future__ import annotations

import collections
import logging
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

USER = "mailer"
PASSWORD = "Sw0rdf1sh-9zQ"
"""The relay's login; tests check that the password never appears in any output."""
DROP = "drop the connection"

logging.getLogger("mail.log").setLevel(logging.ERROR)  # not aiosmtpd's deprecation notices


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1, made by openssl."""

    cert: Path
    key: Path


def make_certificate(folder: Path) -> Certificate:
    """`openssl req -x509` a key and certificate for 127.0.0.1 and localhost into `folder`."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)


@dataclass(frozen=True)
class Received:
    """One message as the server got it: envelope and the parsed message."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Recorder:
    """The server's handler: scripted replies, received messages, commands seen, logins.

    script: per address, replies to give at "rcpt" or "data", one per attempt, then 250;
        DROP closes the connection instead (at "data": after the message was received).
    on_message: called with the count after each message is received, before the reply.
    """

    keep: bool = True
    script: dict[tuple[str, str], collections.deque[str]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    counts: collections.Counter[str] = field(default_factory=collections.Counter)
    rcpt_attempts: collections.Counter[str] = field(default_factory=collections.Counter)
    commands: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    on_message: Callable[[int], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, address: str, phase: str, *replies: str) -> None:
        """Answer the next attempts for `address` at `phase` ("rcpt", "data") with `replies`."""
        self.script[(address, phase)] = collections.deque(replies)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def _scripted(self, address: str, phase: str) -> str | None:
        queue = self.script.get((address, phase))
        return queue.popleft() if queue else None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.rcpt_attempts[address] += 1
        reply = self._scripted(address, "rcpt")
        if reply == DROP:
            return _drop(server)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        replies = [self._scripted(address, "data") for address in envelope.rcpt_tos]
        reply = next((r for r in replies if r), None)
        if reply and reply != DROP:
            return reply
        data = envelope.original_content or b""
        with self.lock:
            self.counts.update(envelope.rcpt_tos)
            if self.keep:
                self.received.append(
                    Received(envelope.mail_from or "", tuple(envelope.rcpt_tos), data)
                )
            count = self.total
        if self.on_message:
            self.on_message(count)
        return _drop(server) if reply == DROP else "250 2.0.0 OK: queued"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append(data.login.decode())
        ok = data.login.decode() == USER and data.password.decode() == PASSWORD
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


class _RecordingSMTP(SMTP):
    """aiosmtpd's server, noting each AUTH and STARTTLS command it is sent, and counting an
    implicit-TLS link as TLS (aiosmtpd only counts STARTTLS, and refuses AUTH otherwise)."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        if transport.get_extra_info("sslcontext") is not None and self._tls_protocol is None:
            self._tls_protocol = transport  # only ever tested for truth outside STARTTLS

    async def smtp_AUTH(self, arg: str) -> None:
        self.event_handler.commands.append("AUTH")
        await super().smtp_AUTH(arg)

    async def smtp_STARTTLS(self, arg: str) -> None:
        self.event_handler.commands.append("STARTTLS")
        await super().smtp_STARTTLS(arg)


class _BulkDataSMTP(_RecordingSMTP):
    """Reads DATA in 64 KB chunks instead of line by line: a counting server fast enough to
    measure the sender (aiosmtpd's own DATA takes about 15 ms for a 300 KB message)."""

    async def smtp_DATA(self, arg: str) -> None:
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        buffer = bytearray()
        while not buffer.endswith(b"\r\n.\r\n"):
            chunk = await self._reader.read(1 << 16)
            if not chunk:
                return
            buffer += chunk
        content = bytes(buffer[:-3]).replace(b"\r\n..", b"\r\n.")
        self.envelope.content = self.envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push(status)


class _Controller(Controller):
    bulk_data = False

    def factory(self) -> SMTP:
        smtp = _BulkDataSMTP if self.bulk_data else _RecordingSMTP
        return smtp(self.handler, **self.SMTP_kwargs)


@dataclass(frozen=True)
class Server:
    """A running server: its handler, port, mode and the URL bulletin sends to."""

    recorder: Recorder
    port: int
    mode: str
    certificate: Certificate

    def url(self, password: bool = True) -> str:
        """The relay URL: smtp:// (STARTTLS) or smtps://, trusting the test certificate."""
        scheme = "smtps" if self.mode == "smtps" else "smtp"
        login = f"{USER}:{quote(PASSWORD, safe='')}@" if password else f"{USER}@"
        return f"{scheme}://{login}127.0.0.1:{self.port}?cafile={self.certificate.cert}&timeout=10"


@contextmanager
def smtp_server(
    certificate: Certificate,
    mode: str = "starttls",
    recorder: Recorder | None = None,
    bulk_data: bool = False,
) -> Iterator[Server]:
    """Serve on a free port of 127.0.0.1 until the block ends.

    mode: "starttls" (STARTTLS required before AUTH and mail), "smtps" (implicit TLS), or
    "plain" (no TLS at all: bulletin must refuse to log in). bulk_data: read DATA in chunks.
    """
    recorder = recorder or Recorder()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.cert, certificate.key)
    port = _free_port()
    options: dict[str, Any] = {
        "hostname": "127.0.0.1",
        "port": port,
        "authenticator": recorder.authenticate,
        "auth_required": True,
        "data_size_limit": None,
    }
    if mode == "starttls":
        options |= {"tls_context": context, "require_starttls": True}
    elif mode == "smtps":
        options |= {"ssl_context": context}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        controller = _Controller(recorder, **options)
        controller.bulk_data = bulk_data
        controller.start()
    try:
        yield Server(recorder, port, mode, certificate)
    finally:
        controller.stop()


def _drop(server: SMTP) -> str:
    """Close the client's connection without an answer (the reply pushed after it is lost)."""
    assert server.transport is not None
    server.transport.close()
    return "421 4.4.2 connection dropped"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def write_subscribers(path: Path, count: int, domain: str = "example.org") -> Path:
    """A list of `count` subscribers r0@domain, r1@domain, ... with names."""
    rows = "".join(f"r{i}@{domain},Reader {i}\n" for i in range(count))
    path.write_text("email,name\n" + rows, encoding="utf-8")
    return path


def bulletin(
    root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`bulletin --project ROOT ARGS...` in a subprocess, with BULLETIN_* taken only from `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BULLETIN_")}
    command = [sys.executable, "-m", "bulletin", "--project", str(root), *args]
    return subprocess.run(
        command, env=clean | (env or {}), capture_output=True, text=True, timeout=timeout
    )


def copy_built_sample(sample_build: Any, root: Path) -> Path:
    """A private copy of the sample project with its issue already built (PDF included)."""
    for name in ("content", "templates", "build"):
        shutil.copytree(sample_build.root / name, root / name)
    return root
