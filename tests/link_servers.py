"""Real servers on 127.0.0.1 for the link checks, each in threads of the test process: an HTTP
server answering pages scripted by path (redirects, 404, HEAD refused, slow, held until enough
requests are in flight), a stand-in snapshot service, the same over HTTPS with a self-signed
certificate, and a server that accepts connections and never answers. Each counts what it is
sent, and the most requests it had in flight at once."""

from __future__ import annotations

import collections
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

SNAPSHOTS = "/wayback/available"
"""The path of the stand-in snapshot service's availability API."""
TAKEN = "20211102000000"
ARCHIVE = f"http://web.archive.org/web/{TAKEN}/"
"""An archived copy of ADDRESS is ARCHIVE + ADDRESS, taken at TAKEN."""
DROP = -1
"""`Page.head` for a server that hangs up on HEAD."""
HOLD_LIMIT = 2.0
"""The longest a held page waits for the other requests (so that a test always ends)."""


@dataclass(frozen=True)
class Page:
    """What the server answers at a path.

    status: to GET (and HEAD, unless `head` says otherwise; DROP: HEAD gets the connection
    closed without an answer). location: the Location header.
    delay: seconds before answering. hold: answer only once this many requests are in flight
    (or after HOLD_LIMIT seconds).
    """

    status: int = 200
    location: str = ""
    head: int | None = None
    delay: float = 0.0
    hold: int = 0


@dataclass
class Record:
    """What a server was sent: requests by (method, path), the most in flight at once, the
    User-Agents, connections accepted."""

    requests: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    agents: set[str] = field(default_factory=set)
    connections: int = 0
    in_flight: int = 0
    most: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def begin(self, method: str, path: str, agent: str) -> None:
        with self.changed:
            self.requests[(method, path)] += 1
            self.agents.add(agent)
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            self.changed.notify_all()

    def end(self) -> None:
        with self.changed:
            self.in_flight -= 1
            self.changed.notify_all()

    def hold(self, count: int) -> None:
        """Wait until `count` requests are in flight, HOLD_LIMIT seconds at most."""
        with self.changed:
            self.changed.wait_for(lambda: self.in_flight >= count, timeout=HOLD_LIMIT)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_HEAD(self) -> None:
        self.answer("HEAD")

    def do_GET(self) -> None:
        self.answer("GET")

    def answer(self, method: str) -> None:
        parts = urlsplit(self.path)
        record = self.server.record
        record.begin(method, parts.path, self.headers.get("User-Agent", ""))
        try:
            if parts.path == SNAPSHOTS:
                self.snapshot(parse_qs(parts.query).get("url", [""])[0])
            else:
                self.page(method, self.server.pages.get(parts.path, Page(404)))
        finally:
            record.end()

    def page(self, method: str, page: Page) -> None:
        if page.hold:
            self.server.record.hold(page.hold)
        time.sleep(page.delay)
        if method == "HEAD" and page.head == DROP:
            self.close_connection = True
            return
        status = page.head if method == "HEAD" and page.head else page.status
        headers = {"Location": page.location} if page.location else {}
        self.reply(status, headers, b"<p>a page</p>" if method == "GET" else b"")

    def snapshot(self, url: str) -> None:
        """The availability API: the closest copy of `url`, when the service holds one (by
        the path of `url`)."""
        held = self.server.snapshots
        if held is None:
            self.reply(500, {}, b"down")
            return
        closest = {}
        if urlsplit(url).path in held:
            copy = {"available": True, "url": ARCHIVE + url, "timestamp": TAKEN, "status": "200"}
            closest = {"closest": copy}
        answer = {"url": url, "archived_snapshots": closest}
        self.reply(200, {"Content-Type": "application/json"}, json.dumps(answer).encode())

    def reply(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    pages: Mapping[str, Page] = {}
    snapshots: frozenset[str] | None = None
    record: Record

    def get_request(self) -> tuple[socket.socket, object]:
        self.record.connections += 1
        return super().get_request()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up, a TLS handshake refused: nothing to report


@dataclass(frozen=True)
class Server:
    """A running server: its base address and what it was sent."""

    base: str
    record: Record

    def url(self, path: str) -> str:
        return self.base + path


@contextmanager
def http_server(
    pages: Mapping[str, Page],
    snapshots: frozenset[str] | None = frozenset(),
    certificate: tuple[Path, Path] | None = None,
) -> Iterator[Server]:
    """Serve `pages` and the snapshot service while the block runs; the service holds a
    copy of the addresses whose paths are in `snapshots` (None: it fails with 500). HTTPS
    with `certificate` (cert, key)."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.pages, server.snapshots, server.record = pages, snapshots, Record()
    scheme = "http"
    if certificate is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*certificate)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"{scheme}://127.0.0.1:{server.server_address[1]}", server.record)
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_server() -> Iterator[Server]:
    """A server that accepts connections and never answers (nor closes them) while the block
    runs; it counts the connections."""
    listener = socket.create_server(("127.0.0.1", 0))
    record, held = Record(), []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            record.connections += 1
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield Server(f"http://127.0.0.1:{listener.getsockname()[1]}", record)
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        listener.close()
        for connection in held:
            connection.close()


def closed_port() -> int:
    """A port of 127.0.0.1 on which nothing listens (a connection there is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
