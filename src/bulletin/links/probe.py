"""Ask a server for an address, politely: HEAD first (GET when the server refuses HEAD, its
body never read), a limited number of requests at a time in all and to each host, a timeout
per request, each redirect followed by hand so that the chain can be reported."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from importlib.metadata import version

import httpx

from bulletin.links.settings import MAX_REDIRECTS, Settings

HEAD_REFUSED = frozenset({400, 403, 405, 406, 501})
"""Answers to HEAD that may only mean the server does not do HEAD: asked again with GET."""


class Failure(StrEnum):
    """Why an address gave no final answer."""

    TIMEOUT = "timeout"
    TLS = "TLS error"
    UNREACHABLE = "unreachable"
    LOOP = "redirect loop"
    TOO_MANY = "too many redirects"
    INVALID = "invalid"


@dataclass(frozen=True)
class Hop:
    """One answer: the address asked, its status, and where it redirects ('' if nowhere)."""

    url: str
    status: int
    location: str = ""


@dataclass(frozen=True)
class Probe:
    """What asking for one address gave.

    url: the address first asked for. hops: each answer in order, the redirects then the
    last one. failure: why no final answer came (None when one did), in words in `detail`.
    seconds: from the first request to the last answer, turns waited for not counted.
    """

    url: str
    hops: tuple[Hop, ...] = ()
    failure: Failure | None = None
    detail: str = ""
    seconds: float = 0.0

    @property
    def redirects(self) -> tuple[Hop, ...]:
        """The answers that redirected."""
        return tuple(hop for hop in self.hops if hop.location)


class Client:
    """An httpx client that takes turns: at most `concurrency` requests at a time, and
    `per_host` to one host (and port); each request limited to `timeout` seconds."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self.http = http
        self.timeout = settings.timeout
        self.per_host = settings.per_host
        self.all = asyncio.Semaphore(settings.concurrency)
        self.hosts: dict[tuple[str, int | None], asyncio.Semaphore] = {}

    @asynccontextmanager
    async def turn(self, url: httpx.URL) -> AsyncIterator[None]:
        """Wait for a turn at the host of `url`, then for one in all."""
        host = self.hosts.setdefault((url.host, url.port), asyncio.Semaphore(self.per_host))
        async with host, self.all:
            yield

    async def ask(self, method: str, url: str, body: bool = False) -> tuple[httpx.Response, float]:
        """The answer to one request (its body read only when `body`), and the seconds it
        took once its turn came."""
        request = self.http.build_request(method, url)
        async with self.turn(request.url):
            start = time.perf_counter()
            async with asyncio.timeout(self.timeout):
                response = await self.http.send(request, stream=True)
                try:
                    if body:
                        await response.aread()
                finally:
                    await response.aclose()
            return response, time.perf_counter() - start


@asynccontextmanager
async def client(settings: Settings) -> AsyncIterator[Client]:
    """A client for one run: redirects not followed, a User-Agent naming bulletin."""
    agent = f"bulletin/{version('bulletin')} (link check)"
    limits = httpx.Limits(max_connections=settings.concurrency)
    async with httpx.AsyncClient(
        headers={"User-Agent": agent},
        timeout=settings.timeout,
        limits=limits,
        follow_redirects=False,
    ) as http:
        yield Client(http, settings)


async def probe(http: Client, url: str) -> Probe:
    """Ask for `url`, following its redirects up to MAX_REDIRECTS."""
    hops: list[Hop] = []
    seconds = 0.0
    try:
        current: str | None = url
        while current is not None:
            hop, took = await _answer(http, current)
            hops.append(hop)
            seconds += took
            current = _next(hops)
        return Probe(url, tuple(hops), seconds=seconds)
    except _Stop as stop:
        return Probe(url, tuple(hops), stop.failure, stop.detail, seconds)
    except FAILURES as error:
        failure, detail = explain(error, http.timeout)
        took = http.timeout if failure is Failure.TIMEOUT else 0.0
        return Probe(url, tuple(hops), failure, detail, seconds + took)


async def _answer(http: Client, url: str) -> tuple[Hop, float]:
    """One answer for `url`: to HEAD, or to GET when the server refuses HEAD."""
    try:
        response, took = await http.ask("HEAD", url)
    except httpx.RemoteProtocolError:  # some servers drop a HEAD request
        response, took = None, 0.0
    if response is None or response.status_code in HEAD_REFUSED:
        response, more = await http.ask("GET", url)
        took += more
    location = ""
    if response.has_redirect_location:
        location = str(response.url.join(response.headers["location"]))
    return Hop(url, response.status_code, location), took


class _Stop(Exception):
    """A redirect not to follow."""

    def __init__(self, failure: Failure, detail: str) -> None:
        super().__init__(detail)
        self.failure = failure
        self.detail = detail


def _next(hops: list[Hop]) -> str | None:
    """The address the last answer redirects to, if any; a loop, too many redirects or a
    redirect off the web stop the probe."""
    location = hops[-1].location
    if not location:
        return None
    if location in (hop.url for hop in hops):
        raise _Stop(Failure.LOOP, "the redirects lead back to an address already asked")
    if len(hops) > MAX_REDIRECTS:
        raise _Stop(Failure.TOO_MANY, f"more than {MAX_REDIRECTS} redirects")
    if httpx.URL(location).scheme not in ("http", "https"):
        raise _Stop(Failure.INVALID, f"redirected to {location}, which is not a web address")
    return location


FAILURES = (TimeoutError, httpx.HTTPError, httpx.InvalidURL)
"""What a request may raise for the far end's fault (or the address's)."""


def explain(error: Exception, timeout: float) -> tuple[Failure, str]:
    """What a failed request means, in words: a timeout, TLS, a host that does not resolve,
    a refused connection, or the reason httpx gives."""
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return Failure.TIMEOUT, f"no answer within {timeout:g} s"
    for cause in _causes(error):
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or "certificate verify failed"
            return Failure.TLS, f"the server's certificate is not trusted ({reason})"
        if isinstance(cause, ssl.SSLError):
            return Failure.TLS, f"the TLS handshake failed ({cause.reason or cause})"
        if isinstance(cause, socket.gaierror):
            return Failure.UNREACHABLE, "the host name does not resolve (DNS)"
        if isinstance(cause, ConnectionRefusedError):
            return Failure.UNREACHABLE, "the connection was refused"
    if isinstance(error, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return Failure.INVALID, f"not a valid web address ({error})"
    return Failure.UNREACHABLE, str(error) or type(error).__name__


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and the errors it was raised from, outermost first."""
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__
