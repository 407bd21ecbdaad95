"""Where messages go, chosen by URL: an outbox folder of .eml files, or an SMTP relay over TLS."""

from __future__ import annotations

import contextlib
import math
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlsplit

from bulletin.diagnostics import did_you_mean, display_path
from bulletin.errors import ConfigError, DeliveryError
from bulletin.secrets import MASK, mask, mask_url

PORTS = {"smtp": 587, "smtps": 465}
OPTIONS = ("cafile", "timeout")
MAX_TIMEOUT = 86400.0
USAGE = "use smtp://HOST:587 (STARTTLS), smtps://HOST:465 (TLS) or file:FOLDER (an outbox)"


class DeliveryFailure(Exception):
    """A message that did not go through; `detail` is safe to show (secrets masked)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class TemporaryFailure(DeliveryFailure):
    """Worth retrying: a 4xx reply, or (when `connection` is set) a refused or dropped link."""

    def __init__(self, detail: str, connection: bool = False) -> None:
        super().__init__(detail)
        self.connection = connection


class PermanentFailure(DeliveryFailure):
    """The relay refused the message for good (5xx): do not retry. `bounced`: it refused the
    address itself (a hard bounce: the mailbox or its domain does not exist), not the message
    or the sender."""

    def __init__(self, detail: str, bounced: bool = False) -> None:
        super().__init__(detail)
        self.bounced = bounced


_STATUS = re.compile(r"(\d)\.(\d{1,3})\.\d{1,3}\b")
"""An enhanced status code (RFC 3463) at the start of a reply's text: class.subject.detail."""


def refuses_address(phase: str, code: int, text: str) -> bool:
    """Whether a 5xx reply says the recipient's address is bad: at RCPT TO, an enhanced code
    5.1.x (addressing), or without one, 550, 551 or 553. A refusal of the message (5.7.x
    policy, spam) or of the sender is no bounce of the address."""
    if phase != "RCPT TO" or not 500 <= code < 600:
        return False
    status = _STATUS.match(text)
    if status:
        return status.group(1) == "5" and status.group(2) == "1"
    return code in (550, 551, 553)


class UnknownOutcome(DeliveryFailure):
    """The link broke after the whole message was sent: the relay may have accepted it."""


class RelaySetupError(DeliveryError):
    """The connection to the relay cannot be set up as configured: its certificate is not
    trusted, TLS or STARTTLS fails, it offers no login, refuses the login, or the CA file
    cannot be loaded. No message can go through until the setup is fixed: a send stops."""


class Transport(Protocol):
    """Delivers one message at a time, reusing its connection between messages.

    shown: a description safe to print (password masked).
    records: whether deliveries are real, so the send log records them (an outbox does not).
    deliver: hand `data` over for `recipient`, calling `commit()` at the last moment before
        the message is irrevocably handed over; returns the relay's answer.
    """

    shown: str
    records: bool

    def deliver(self, sender: str, recipient: str, data: bytes, commit: Callable[[], None]) -> str:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Relay:
    """An SMTP relay parsed from its URL; `password` is never shown (see `mask`)."""

    scheme: str
    host: str
    port: int
    user: str
    password: str
    cafile: str | None = None
    timeout: float = 60.0

    @property
    def shown(self) -> str:
        login = (
            f"{quote(self.user, safe='')}{':' + MASK if self.password else ''}@"
            if self.user
            else ""
        )
        return f"{self.scheme}://{login}{self.host}:{self.port}"

    def mask(self, text: str) -> str:
        """`text` with the password, plain or percent-encoded, replaced by ***."""
        return mask(text, self.password)


def open_transport(
    url: str | None, source: str, outbox: Path, issue: str, env: Mapping[str, str]
) -> Transport:
    """The transport for `url` (given by `source`, e.g. BULLETIN_SMTP_URL).

    Without a URL, and for file:FOLDER, an outbox: the issue's folder in `outbox` or FOLDER.
    """
    if not url:
        return Outbox(outbox / issue)
    if url.split(":", 1)[0].lower() == "file":
        return Outbox(Path(unquote(_split(url, source).path)) / issue)
    return Smtp(parse_relay(url, source, env))


def parse_relay(url: str, source: str, env: Mapping[str, str]) -> Relay:
    """The relay of an smtp:// or smtps:// URL; user and password from it or from `env`."""
    parts = _split(url, source)
    password = unquote(parts.password or "") or env.get("BULLETIN_SMTP_PASSWORD", "")
    masked = mask_url(url)
    if parts.scheme not in PORTS or not parts.hostname:
        raise ConfigError(source, f"{masked!r} is not a relay address", USAGE)
    try:
        port = parts.port or PORTS[parts.scheme]
    except ValueError:
        raise ConfigError(source, f"bad port in {masked!r}", USAGE) from None
    user = unquote(parts.username or "") or env.get("BULLETIN_SMTP_USER", "")
    if user and not password:
        raise ConfigError(
            source, f"no password for {user!r}", "put it in the URL or in BULLETIN_SMTP_PASSWORD"
        )
    options = _options(parts.query, source, masked)
    return Relay(parts.scheme, parts.hostname, port, user, password, **options)  # type: ignore[arg-type]


def _split(url: str, source: str) -> SplitResult:
    """`url` split into its parts, or a one-line error (password masked) when it cannot be."""
    try:
        return urlsplit(url)
    except ValueError as error:  # e.g. "Invalid IPv6 URL": an unclosed [
        raise ConfigError(
            source, f"{mask_url(url)!r} is not a valid URL ({error})", USAGE
        ) from None


def _options(query: str, source: str, masked: str) -> dict[str, object]:
    options: dict[str, object] = {}
    for key, value in parse_qsl(query):
        if key not in OPTIONS:
            raise ConfigError(
                source,
                f"unknown option {key!r}{did_you_mean(key, OPTIONS)}",
                f"the options are {', '.join(OPTIONS)}",
            )
        if key == "timeout":
            options[key] = _timeout(value, source, masked)
        elif not Path(value).is_file():
            raise ConfigError(
                source,
                f"cafile={value!r} in {masked!r} is not a file",
                "name the file of the CA certificate(s) that signed the relay's certificate (PEM)",
            )
        else:
            options[key] = value
    return options


def _timeout(value: str, source: str, masked: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_TIMEOUT:  # also refuses nan
        raise ConfigError(
            source,
            f"timeout={value!r} in {masked!r} is not a number of seconds above 0 "
            f"(and at most {MAX_TIMEOUT:g})",
            "e.g. ?timeout=30",
        )
    return seconds


class Outbox:
    """A folder of .eml files, one a recipient: what a real send would hand to the relay."""

    records = False

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.shown = f"outbox {display_path(folder, Path.cwd())}"
        self.count = 0

    def deliver(self, sender: str, recipient: str, data: bytes, commit: Callable[[], None]) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        name = re.sub(r"[^A-Za-z0-9@._-]+", "_", recipient)
        commit()
        (self.folder / f"{self.count:06d}-{name}.eml").write_bytes(data)
        return "written"

    def clear(self) -> None:
        """Remove the .eml files of an earlier rehearsal."""
        for old in self.folder.glob("*.eml"):
            old.unlink()

    def close(self) -> None:
        pass


class Smtp:
    """One SMTP connection, opened on first use and reused; STARTTLS required on smtp://."""

    records = True

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.shown = relay.shown
        self._smtp: smtplib.SMTP | None = None

    def deliver(self, sender: str, recipient: str, data: bytes, commit: Callable[[], None]) -> str:
        smtp = self._smtp or self._open()
        try:
            self._expect(smtp, smtp.mail(sender), (250,), "MAIL FROM")
            self._expect(smtp, smtp.rcpt(recipient), (250, 251), "RCPT TO")
            self._expect(smtp, smtp.docmd("DATA"), (354,), "DATA")
            smtp.send(_dot_stuffed(data))
        except OSError as error:  # smtplib's errors are OSErrors too
            self._drop()
            raise TemporaryFailure(self._say("connection lost", error), connection=True) from None
        return self._finish(smtp, commit)

    def _finish(self, smtp: smtplib.SMTP, commit: Callable[[], None]) -> str:
        """Send the final "." after `commit()`; a broken link from here on is an unknown."""
        try:
            commit()
        except BaseException:
            self._drop()  # the relay discards a message whose "." never came
            raise
        try:
            smtp.send(b".\r\n")
            reply = smtp.getreply()
        except OSError as error:
            self._drop()
            detail = self._say("connection lost after the message was sent", error)
            raise UnknownOutcome(detail) from None
        self._expect(smtp, reply, (250,), "end of DATA", reset=False)
        return self._reply(reply)

    def _open(self) -> smtplib.SMTP:
        relay = self.relay
        try:
            context = self._context()
            if relay.scheme == "smtps":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    relay.host, relay.port, timeout=relay.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(relay.host, relay.port, timeout=relay.timeout)
                self._starttls(smtp, context)
            # the final "." goes apart from the message: without this, Nagle's algorithm holds
            # it back until the relay's delayed ACK, 40 ms a message
            assert smtp.sock is not None
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if relay.user:
                smtp.login(relay.user, relay.password)
        except ssl.SSLCertVerificationError as error:
            raise RelaySetupError(
                self.shown,
                f"the relay's certificate is not trusted ({error.verify_message})",
                "fix its certificate, or name the CA file with ?cafile=PATH",
            ) from None
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError) as error:  # closed mid-handshake
            detail = self._say("cannot connect", error)  # a busy relay may do that: retry
            raise TemporaryFailure(detail, connection=True) from None
        except ssl.SSLError as error:  # a handshake that cannot succeed: a setup to fix
            raise self._handshake_failed(error) from None
        except smtplib.SMTPNotSupportedError:
            raise RelaySetupError(
                self.shown,
                "the relay does not offer a login (AUTH)",
                "leave the user out of the URL and BULLETIN_SMTP_USER",
            ) from None
        except smtplib.SMTPAuthenticationError as error:
            reply = self._reply((error.smtp_code, error.smtp_error))
            raise RelaySetupError(
                self.shown, f"login refused ({reply})", "check the user and BULLETIN_SMTP_PASSWORD"
            ) from None
        except OSError as error:
            raise TemporaryFailure(self._say("cannot connect", error), connection=True) from None
        self._smtp = smtp
        return smtp

    def _context(self) -> ssl.SSLContext:
        """The TLS context: the system's CAs, or those of ?cafile=PATH."""
        cafile = self.relay.cafile
        try:
            return ssl.create_default_context(cafile=cafile)
        except (OSError, ssl.SSLError) as error:  # unreadable, or no certificate in it
            reason = error.reason if isinstance(error, ssl.SSLError) else error.strerror
            raise RelaySetupError(
                self.shown,
                f"cannot load the CA file {cafile!r} ({reason})",
                "name a readable PEM file of CA certificates with ?cafile=PATH",
            ) from None

    def _handshake_failed(self, error: ssl.SSLError) -> RelaySetupError:
        """The error for a TLS handshake that failed for another cause than the
        certificate: most often TLS spoken to a port that expects something else."""
        reason = error.reason or error.strerror or error
        if self.relay.scheme == "smtps":
            fix = "smtps:// expects implicit TLS, on port 465; for STARTTLS (port 587) use smtp://"
        else:
            fix = (
                "the relay offered STARTTLS but could not agree on TLS: check its TLS setup; for "
                "implicit TLS (port 465) use smtps://"
            )
        return RelaySetupError(self.shown, f"the TLS handshake failed ({reason})", fix)

    def _starttls(self, smtp: smtplib.SMTP, context: ssl.SSLContext) -> None:
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            smtp.close()
            raise RelaySetupError(
                self.shown,
                "the relay does not offer STARTTLS, and bulletin never sends a login or a "
                "message unencrypted",
                "enable TLS on the relay, or use smtps://",
            )
        smtp.starttls(context=context)
        smtp.ehlo()

    def _expect(
        self,
        smtp: smtplib.SMTP,
        reply: tuple[int, bytes],
        accepted: tuple[int, ...],
        phase: str,
        reset: bool = True,
    ) -> None:
        code = reply[0]
        if code in accepted:
            return
        detail = f"{phase}: {self._reply(reply)}"
        if code == 421 or code < 0:
            self._drop()
        elif reset:
            self._reset(smtp)
        if 500 <= code < 600:
            text = reply[1].decode("utf-8", "replace").strip()
            raise PermanentFailure(detail, refuses_address(phase, code, text))
        raise TemporaryFailure(detail, connection=code == 421 or code < 0)

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except OSError:
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def _reply(self, reply: tuple[int, bytes | str]) -> str:
        code, text = reply
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
        return self.relay.mask(f"{code} {' '.join(text.split())}")

    def _say(self, what: str, error: BaseException) -> str:
        return self.relay.mask(f"{what} ({self.shown}): {error or type(error).__name__}")

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.quit()
            self._drop()


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA carries it: a leading "." doubled, ending with CRLF, without the
    final "." line (sent apart, after the log records the recipient as `sending`)."""
    data = (b"." if data.startswith(b".") else b"") + data.replace(b"\n.", b"\n..")
    return data if data.endswith(b"\r\n") else data + b"\r\n"
