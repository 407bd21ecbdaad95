"""`bulletin serve` refuses nonsense requests with a 4xx, never a traceback, and keeps up."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from bulletin.diagnostics import printable
from bulletin.project import find_project
from bulletin.site.serve import EVENTS, STATUS, Preview, PreviewServer
from conftest import SAMPLE, copy_project

PAGE = f"/issues/{SAMPLE}/"
TIMEOUT = 10.0


@dataclass
class Running:
    """A preview server in this process, on 127.0.0.1 and a free port, and what it logged."""

    server: PreviewServer
    log: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])


@dataclass(frozen=True)
class Answer:
    """One HTTP response, as read off the socket."""

    status: int
    headers: str
    body: str


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The sample project, built once and served (`serve --no-watch`) for the whole module."""
    project = find_project(copy_project(tmp_path_factory.mktemp("serve-hardening")))
    preview = Preview(project, on_build=lambda result: None)
    log: list[str] = []
    server = PreviewServer(preview, 0, on_log=log.append)
    serving = threading.Thread(target=server.run, args=(False,), daemon=True)
    serving.start()
    deadline = time.monotonic() + 120
    while preview.result.generation == 0:  # the first build, before serve_forever
        assert serving.is_alive() and time.monotonic() < deadline, "the first build never ended"
        time.sleep(0.1)
    assert preview.result.ok, preview.result.diagnostics
    try:
        assert get(server.server_address[1], STATUS).status == 200
        yield Running(server, log)
    finally:
        server.shutdown()
        serving.join(timeout=TIMEOUT)


@pytest.fixture
def served(running: Running, capsys: pytest.CaptureFixture[str]) -> Iterator[Running]:
    """The server with an empty log; afterwards it printed nothing and still answers."""
    running.log.clear()
    yield running
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == "", captured.err + captured.out
    assert not [line for line in running.log if "error: internal error" in line], running.log
    assert get(running.port, STATUS).status == 200, "the server still answers"


def send(port: int, request: bytes) -> bytes:
    """Send `request` as it is (what urllib would refuse to send); all that comes back before
    the server closes the connection, which must be within TIMEOUT seconds."""
    deadline = time.monotonic() + TIMEOUT
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
            left = deadline - time.monotonic()
            assert left > 0, f"no end to the answer after {TIMEOUT} s: {received[:200]!r}"
            connection.settimeout(left)
    return received


def exchange(port: int, request: bytes) -> Answer:
    """Send `request` as it is and read the answer."""
    received = send(port, request)
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, _, headers = head.decode("latin-1").partition("\r\n")
    assert status_line.startswith("HTTP/1."), received[:200]
    return Answer(int(status_line.split()[1]), headers, body.decode("utf-8", errors="replace"))


def get(port: int, target: str, method: str = "GET") -> Answer:
    request = f"{method} {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
    return exchange(port, request.encode("utf-8", errors="surrogateescape"))


def assert_refused(answer: Answer, status: int, words: str) -> None:
    assert answer.status == status, answer
    assert "content-type: text/plain; charset=utf-8" in answer.headers.lower()
    assert answer.body.startswith(f"{status} "), answer.body
    assert words in answer.body, answer.body
    assert "Traceback" not in answer.body and len(answer.body) < 300


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("since=%C2%B2", "since must be a build number of 1 to 9 digits 0-9, not '²'"),  # audit
        ("since=" + "7" * 5000, "not '7777"),  # audit: 5,000 digits
        ("since=%D9%A3", "since must be a build number"),  # an Arabic-Indic three
        ("since=%EF%BC%91", "since must be a build number"),  # a fullwidth one
        ("since=1234567890", "since must be a build number"),  # ten digits
        ("since=-1", "not '-1'"),
        ("since=+1", "since must be a build number"),
        ("since=1.0", "since must be a build number"),
        ("since=0x1", "since must be a build number"),
        ("since=", "not ''"),
        ("since", "not ''"),
        ("since=1%00", "not '1\\x00'"),
        ("since=%1b%5b2J", "not '\\x1b[2J'"),
        ("since=%ff", "the query is not UTF-8"),
        ("since=1&since=2", "parameter since is given more than once"),
        ("since=1&since=1", "parameter since is given more than once"),
        ("since=1&x=2", "unknown parameter 'x'; it takes since"),
        ("&", "unknown parameter ''"),
        ("since=1&pending=2", "pending must be 0 or 1, not '2'"),
        ("since=1&pending=", "pending must be 0 or 1, not ''"),
        ("since=1&pending=yes", "pending must be 0 or 1, not 'yes'"),
        ("pending=1&pending=1", "parameter pending is given more than once"),
    ],
)
def test_since_is_a_build_number_or_the_events_are_refused(served, query, words):
    assert_refused(get(served.port, f"{EVENTS}?{query}"), 400, words)


def test_the_status_takes_no_parameters(served):
    answer = get(served.port, f"{STATUS}?x=%00")
    assert_refused(answer, 400, "unknown parameter 'x'; it takes no parameters")


def test_a_good_since_still_reloads_an_older_page(served):
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=TIMEOUT)
    try:
        connection.request("GET", f"{EVENTS}?since=0")  # the site is at build 1
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Type") == "text/event-stream"
        assert response.read() == b"data: reload\n\n"
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("target", "status", "words"),
    [
        ("/%00", 400, "the path has a control character (\\x00)"),  # audit
        ("/index.html%00.png", 400, "control character (\\x00)"),  # audit
        (f"{PAGE}%00/", 400, "control character (\\x00)"),
        ("/%1b%5b2J", 400, "control character (\\x1b)"),
        ("/%C2%85", 400, "control character (\\x85)"),
        ("/%ff%fe", 400, "the path is not UTF-8"),  # audit
        ("/%C3%28.html", 400, "the path is not UTF-8"),
        ("/%ED%A0%80", 400, "the path is not UTF-8"),  # a lone surrogate
        ("/" + "a" * 10_000, 414, "at most 8192 are served"),  # audit
        ("/a" * 3000, 414, "the path is too long"),
        ("/" + "a" * 256, 414, "255 between two slashes"),
        ("/" + "%C3%A9" * 128, 414, "255 between two slashes"),  # 256 bytes, 128 characters
        ("/../../../etc/passwd", 400, "the path has a '..' segment"),  # audit
        ("/%2e%2e/%2e%2e/etc/passwd", 400, "'..' segment"),
        ("/issues/..%2f..%2f..%2fetc/passwd", 400, "'..' segment"),
        (f"{PAGE}..", 400, "'..' segment"),
        ("http://example.com/", 400, "the path must start with /, not 'http://example.com/'"),
        ("*", 400, "must start with /"),
    ],
)
def test_a_nonsense_path_is_refused(served, target, status, words):
    assert_refused(get(served.port, target), status, words)


def test_a_head_request_is_checked_too(served):
    answer = get(served.port, "/index.html%00.png", method="HEAD")
    assert answer.status == 400 and answer.body == ""


@pytest.mark.parametrize(
    "query", ["utm_source=newsletter&utm_medium=email", "%ff%00", "q=%E2%80%AE", "since=%C2%B2"]
)
def test_a_page_ignores_its_query(served, query):
    """Links in the newsletter carry tracking parameters; the page's own scripts read the rest."""
    answer = get(served.port, f"{PAGE}?{query}")
    assert answer.status == 200
    assert "Landmark carbon neutrality plan" in answer.body


def test_every_request_line_is_escaped_in_the_log(served):
    refused = get(served.port, "/\x1b[31mred\u202e")  # raw escape and bidi bytes, not %-escaped
    assert_refused(refused, 400, "control character (\\x1b)")
    # http.server answers these with send_error, which logs through log_error
    garbage = send(served.port, b"\x1b]0;owned\x07 / \x9b2J\r\n\r\n")  # an HTTP/0.9 answer
    assert b"Error code: 400" in garbage and b"\x1b" not in garbage
    method = exchange(served.port, b"\x1b[2J\x9b / HTTP/1.0\r\n\r\n")
    assert method.status == 501  # an unknown method, as RFC 9110 says
    assert all(printable(line) == line for line in served.log), served.log
    assert served.log == [
        '127.0.0.1 "GET /\\x1b[31mredâ\\x80® HTTP/1.0" 400 -',  # read as latin-1
        "127.0.0.1 code 400, message Bad request version ('\\x9b2J')",
        '127.0.0.1 "\\x1b]0;owned\\x07 / \\x9b2J" 400 -',
        "127.0.0.1 code 501, message Unsupported method ('\\x1b[2J\\x9b')",
        '127.0.0.1 "\\x1b[2J\\x9b / HTTP/1.0" 501 -',
    ]


def test_an_unexpected_error_is_one_line_in_the_log(served):
    try:
        raise OSError(36, "File name too long", "/" + "a" * 1000 + "\x1b[2J")
    except OSError:
        served.server.handle_error(None, ("127.0.0.1", 4321))
    try:
        raise BrokenPipeError(32, "Broken pipe")
    except BrokenPipeError:
        served.server.handle_error(None, ("127.0.0.1", 4322))  # a client hung up: not logged
    [line] = served.log
    assert line.startswith("127.0.0.1 error: internal error: OSError: [Errno 36] File name")
    assert len(line) < 400 and printable(line) == line
    served.log.clear()


def test_200_concurrent_page_requests_are_all_answered_within_2_s(served):
    request = f"GET {PAGE} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    ready = threading.Barrier(200, timeout=30)

    def fetch(_: int) -> tuple[int, float]:
        ready.wait()
        start = time.perf_counter()
        answer = exchange(served.port, request)
        return answer.status, time.perf_counter() - start

    with ThreadPoolExecutor(max_workers=200) as pool:
        answers = list(pool.map(fetch, range(200), timeout=60))
    assert [status for status, _ in answers] == [200] * 200
    slowest = max(seconds for _, seconds in answers)
    assert slowest < 2.0, f"the slowest of 200 took {slowest:.2f} s"
