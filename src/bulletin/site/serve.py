"""Preview the built site on 127.0.0.1: rebuild on change, reload the page, show errors in it."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

from bulletin.diagnostics import printable
from bulletin.errors import BulletinError
from bulletin.project import Project
from bulletin.site.build import build
from bulletin.site.targets import (
    EVENTS,
    STATUS,
    Refusal,
    check_target,
    shorten,
    since_parameter,
    split_target,
)

HOST = "127.0.0.1"
KEEPALIVE_SECONDS = 10.0
PAGE_SUFFIXES = (".html", ".htm")
REQUEST_TIMEOUT_SECONDS = 60.0  # a connection that sends nothing for this long is closed
_RELOAD_SCRIPT = (
    '<script>(() => {{ const events = new EventSource("{events}?since={generation}");'
    ' events.onmessage = (event) => {{ if (event.data === "reload") {{ events.close();'
    " location.reload(); }} }}; }})();</script>"
)
_BANNER_STYLE = (
    "position:sticky;top:0;z-index:2147483647;margin:0;padding:1em;background:#fff0f0;"
    "color:#600;border-bottom:3px solid #c00;font:14px/1.4 monospace;white-space:pre-wrap"
)


@dataclass(frozen=True)
class BuildResult:
    """The outcome of one build of the site, as the preview shows it.

    ok: whether the build wrote the site (False when the check or a template failed).
    diagnostics: the errors that stopped it, or the warnings of a good build, as lines.
    built_at: when the build finished (ISO 8601, local time); None before the first.
    seconds: how long the build took.
    generation: how many builds have finished; pages reload when it changes.
    """

    ok: bool
    diagnostics: tuple[str, ...]
    built_at: str | None
    seconds: float
    generation: int

    @property
    def failed(self) -> bool:
        """Whether a build was made and failed (not before the first build)."""
        return not self.ok and self.generation > 0


class Preview:
    """The site being previewed: builds it and tells waiting pages when a build has finished."""

    def __init__(
        self, project: Project, on_build: Callable[[BuildResult], None], drafts: bool = False
    ) -> None:
        self.project = project
        self.on_build = on_build
        self.drafts = drafts
        self.stopping = threading.Event()
        self._changed = threading.Condition()
        self._result = BuildResult(False, (), None, 0.0, 0)

    @property
    def result(self) -> BuildResult:
        with self._changed:
            return self._result

    def rebuild(self) -> BuildResult:
        """Build the whole site; on failure the last good files stay and the result says why."""
        start = time.perf_counter()
        ok, diagnostics = _build_site(self.project, self.drafts)
        finished = dt.datetime.now().isoformat(timespec="seconds")
        with self._changed:
            generation = self._result.generation + 1
            seconds = time.perf_counter() - start
            result = BuildResult(ok, diagnostics, finished, seconds, generation)
            self._result = result
            self._changed.notify_all()
        self.on_build(result)
        return result

    def wait(self, since: int, timeout: float) -> BuildResult:
        """The result once a build newer than `since` has finished, or after `timeout`."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._result.generation != since or self.stopping.is_set(), timeout
            )
            return self._result

    def stop(self) -> None:
        """Release every page waiting for a reload and stop watching."""
        self.stopping.set()
        with self._changed:
            self._changed.notify_all()


def _build_site(project: Project, drafts: bool) -> tuple[bool, tuple[str, ...]]:
    try:
        _, warnings = build(project=project, dates=None, drafts=drafts)
    except BulletinError as error:  # the content's diagnostics, a template's error...
        return False, tuple(error.format_message().splitlines())
    except Exception as error:  # a long-running preview reports a bug and keeps serving
        return False, (f"error: internal error: {type(error).__name__}: {error}",)
    return True, tuple(str(w) for w in warnings)


def watch(preview: Preview) -> None:
    """Rebuild after each batch of changes in content/ and templates/, until stopped.

    The first build happens once the watches are in place, so no early edit is missed.
    """
    from watchfiles import watch as watch_files

    project = preview.project
    folders = [path for path in (project.content, project.templates) if path.is_dir()]
    batches = watch_files(
        *folders,
        stop_event=preview.stopping,
        raise_interrupt=False,
        step=100,
        rust_timeout=500,
        yield_on_timeout=True,  # the first (empty) batch says the watches are in place
    )
    for changes in batches:
        if changes or preview.result.generation == 0:
            preview.rebuild()


class PreviewServer(ThreadingHTTPServer):
    """Serves the project's build/ folder on 127.0.0.1 only, with live reload and errors."""

    daemon_threads = True
    request_queue_size = 1024  # a page's many requests at once wait in the kernel, not time out

    def __init__(
        self, preview: Preview, port: int, on_log: Callable[[str], None] = lambda line: None
    ) -> None:
        self.preview = preview
        self.on_log = on_log
        super().__init__((HOST, port), _Handler)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"

    def run(self, watching: bool) -> None:
        """Build at once (or as soon as watching), serve until interrupted (Ctrl-C).

        Pages asked for before the first build is done are the old ones; they reload after it.
        """
        watcher = threading.Thread(target=watch, args=(self.preview,), daemon=True)
        if watching:
            watcher.start()
        else:
            self.preview.rebuild()
        try:
            self.serve_forever()
        finally:
            self.preview.stop()
            if watching:
                watcher.join(timeout=10)  # a build in progress finishes first
            self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A request that failed unexpectedly: one line to `on_log`, no traceback; keep serving."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            return  # the client hung up
        what = shorten(f"{type(error).__name__}: {error}", 300)
        self.on_log(printable(f"{client_address[0]} error: internal error: {what}"))


class _Handler(SimpleHTTPRequestHandler):
    server: PreviewServer
    timeout = REQUEST_TIMEOUT_SECONDS

    def __init__(self, request: Any, client_address: Any, server: PreviewServer) -> None:
        build_folder = str(server.preview.project.build)
        super().__init__(request, client_address, server, directory=build_folder)

    def parse_request(self) -> bool:
        """Read the request line and headers, then refuse a nonsense address (any method)."""
        if not super().parse_request():
            return False
        try:
            check_target(self.path)
        except Refusal as refusal:
            self._refuse(refusal)
            return False
        return True

    def _refuse(self, refusal: Refusal) -> None:
        body = f"{refusal.status.value} {refusal.status.phrase}: {refusal.reason}\n".encode()
        self.close_connection = True
        self.send_response(refusal.status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        route, _ = split_target(self.path)
        if route == EVENTS:
            self._events()
        elif route == STATUS:
            self._status()
        else:
            super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self) -> BinaryIO | None:
        """HTML pages get the reload script and, after a failed build, the error banner."""
        route, _ = split_target(self.path)
        try:
            target, page = self._find(route)
        except OSError as error:  # the path passed check_path, but the file cannot be read
            self._refuse(Refusal(f"cannot read this path: {error.strerror}", HTTPStatus.NOT_FOUND))
            return None
        if page is not None:
            return self._page(HTTPStatus.OK, page)
        if not target.exists() and Path(route).suffix in ("", *PAGE_SUFFIXES):
            return self._page(HTTPStatus.NOT_FOUND, _MISSING_PAGE.format(path=html.escape(route)))
        return super().send_head()  # other files, directory listings, redirects to folder/

    def _find(self, route: str) -> tuple[Path, str | None]:
        """The file in build/ that `route` names, and its text when it is an HTML page."""
        target = Path(self.translate_path(route))
        if route.endswith("/") and (target / "index.html").is_file():
            target = target / "index.html"
        if target.is_file() and target.suffix in PAGE_SUFFIXES:
            return target, target.read_text(encoding="utf-8", errors="replace")
        return target, None

    def _page(self, status: HTTPStatus, text: str) -> BinaryIO:
        body = decorate(text, self.server.preview.result).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def _status(self) -> None:
        result = self.server.preview.result
        fields = {"ok": result.ok, "diagnostics": result.diagnostics, "built_at": result.built_at}
        body = json.dumps(fields, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: `reload` once a build newer than the page's has finished."""
        preview = self.server.preview
        since = since_parameter(split_target(self.path)[1])  # checked in parse_request
        if since is None:
            since = preview.result.generation
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            while not preview.stopping.is_set():
                if preview.wait(since, KEEPALIVE_SECONDS).generation != since:
                    self.wfile.write(b"data: reload\n\n")
                    self.wfile.flush()
                    return
                self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def log_message(self, format: str, *args: Any) -> None:
        """Each request, and each error answered (`log_error`), as one line safe for a terminal."""
        self.server.on_log(printable(f"{self.address_string()} {format % args}"))


_MISSING_PAGE = (
    '<!doctype html><html lang="en"><head><title>Not built</title></head><body>'
    "<p>No page at {path} in build/ (yet): it appears here when a build writes it.</p>"
    "</body></html>"
)


def decorate(page: str, result: BuildResult) -> str:
    """The page with the reload script before </body>, and the error banner after <body>."""
    script = _RELOAD_SCRIPT.format(events=EVENTS, generation=result.generation)
    end = page.lower().rfind("</body>")
    page = page + script if end < 0 else page[:end] + script + page[end:]
    if not result.failed:
        return page
    start = re.search(r"<body\b[^>]*>", page, flags=re.IGNORECASE)
    at = start.end() if start else 0
    return page[:at] + banner(result.diagnostics) + page[at:]


def banner(diagnostics: tuple[str, ...]) -> str:
    """The error banner: the build failed, these are the problems, the page is the last good."""
    lines = "\n".join(html.escape(line) for line in diagnostics)
    return (
        f'<div id="bulletin-preview-errors" role="alert" style="{_BANNER_STYLE}">'
        "<strong>The last build failed; pages shown are from the last good build.</strong>\n"
        f"{lines}</div>"
    )
