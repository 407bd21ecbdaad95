"""Preview the built site on 127.0.0.1: rebuild on change, reload the page, show errors in it.

After each change the pages are built first and open pages reload at once; the PDFs, social
cards and search index follow in the background (`build.finish_site`), while each page says
they are being updated.
"""

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

from bulletin.diagnostics import Diagnostic, printable
from bulletin.errors import BulletinError
from bulletin.project import Project
from bulletin.report import QUIET
from bulletin.site.build import Options, build, finish_site
from bulletin.site.targets import (
    EVENTS,
    STATUS,
    Refusal,
    check_target,
    events_parameters,
    shorten,
    split_target,
)

HOST = "127.0.0.1"
KEEPALIVE_SECONDS = 10.0
PAGE_SUFFIXES = (".html", ".htm")
REQUEST_TIMEOUT_SECONDS = 60.0  # a connection that sends nothing for this long is closed
_RELOAD_SCRIPT = (
    '<script>(() => {{ const events = new EventSource("{events}?since={generation}{pending}");'
    ' events.onmessage = (event) => {{ if (event.data === "reload") {{ events.close();'
    ' location.reload(); }} else if (event.data === "finished") {{ events.close();'
    ' document.getElementById("{note}")?.remove(); }} }}; }})();</script>'
)
_NOTE_ID = "bulletin-preview-pending"
_NOTE_STYLE = (
    "position:fixed;bottom:1em;right:1em;z-index:2147483647;margin:0;padding:.5em 1em;"
    "background:#fffbe6;color:#333;border:1px solid #b90;border-radius:4px;font:14px/1.4 sans-serif"
)
_BANNER_STYLE = (
    "position:sticky;top:0;z-index:2147483647;margin:0;padding:1em;background:#fff0f0;"
    "color:#600;border-bottom:3px solid #c00;font:14px/1.4 monospace;white-space:pre-wrap"
)


PAGES = "pages"
REST = "PDFs and search index"


@dataclass(frozen=True)
class BuildResult:
    """The outcome of one build of the site, as the preview shows it.

    ok: whether the build wrote the site (False when the check or a template failed).
    diagnostics: the errors that stopped it, or the warnings of a good build, as lines.
    built_at: when the build finished (ISO 8601, local time); None before the first.
    seconds: how long the build took.
    generation: how many builds have finished; pages reload when it changes.
    pending: whether the PDFs, social cards and search index are being made after the pages.
    part: what was built: the pages, or what the background made after them.
    """

    ok: bool
    diagnostics: tuple[str, ...]
    built_at: str | None
    seconds: float
    generation: int
    pending: bool = False
    part: str = PAGES

    @property
    def failed(self) -> bool:
        """Whether a build was made and failed (not before the first build)."""
        return not self.ok and self.generation > 0


class Preview:
    """The site being previewed: builds its pages, then finishes the rest in the background,
    and tells waiting pages when a build has finished."""

    def __init__(
        self, project: Project, on_build: Callable[[BuildResult], None], drafts: bool = False
    ) -> None:
        self.project = project
        self.on_build = on_build
        self.drafts = drafts
        self.stopping = threading.Event()
        self._changed = threading.Condition()
        self._result = BuildResult(False, (), None, 0.0, 0)
        self._unfinished = threading.Event()
        self._finisher = threading.Thread(target=self._finish_in_background, daemon=True)

    @property
    def result(self) -> BuildResult:
        with self._changed:
            return self._result

    def rebuild(self) -> BuildResult:
        """Build the pages of the site; on failure the last good files stay and the result says
        why. After a good build, the background finishes the PDFs and the search index."""
        start = time.perf_counter()
        ok, diagnostics = _build_pages(self.project, self.drafts)
        with self._changed:
            generation = self._result.generation + 1
            seconds = time.perf_counter() - start
            result = BuildResult(ok, diagnostics, _now(), seconds, generation, pending=ok)
            self._announce(result)
        if ok:
            self._unfinished.set()
            if not self._finisher.is_alive():
                self._finisher.start()
        self.on_build(result)
        return result

    def _finish_in_background(self) -> None:
        """Make what the pages lack after each good build of them, until stopped. A finish
        overtaken by a newer build of the pages is not announced: the next one is."""
        while not self.stopping.is_set():
            if not self._unfinished.wait(timeout=0.5):
                continue
            self._unfinished.clear()
            generation = self.result.generation
            start = time.perf_counter()
            ok, diagnostics = _finish(self.project, self.drafts)
            seconds = time.perf_counter() - start
            with self._changed:
                if self._result.generation != generation or self._unfinished.is_set():
                    continue
                again = generation if ok else generation + 1  # a failure reloads, for the banner
                result = BuildResult(ok, diagnostics, _now(), seconds, again, part=REST)
                self._announce(result)
            self.on_build(result)

    def _announce(self, result: BuildResult) -> None:
        """Make `result` the preview's and wake the pages waiting for news (lock held)."""
        self._result = result
        self._changed.notify_all()

    def wait(self, since: int, pending: bool, timeout: float) -> BuildResult:
        """The result once a build newer than `since` has finished, or (`pending`) once the
        background has finished the rest of build `since`; else after `timeout`."""

        def news() -> bool:
            result = self._result
            finished = pending and not result.pending
            return result.generation != since or finished or self.stopping.is_set()

        with self._changed:
            self._changed.wait_for(news, timeout)
            return self._result

    def stop(self) -> None:
        """Release every page waiting for a reload and stop watching."""
        self.stopping.set()
        with self._changed:
            self._changed.notify_all()


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _build_pages(project: Project, drafts: bool) -> tuple[bool, tuple[str, ...]]:
    return _reported(lambda: build(project, None, drafts=drafts, pdf=False, search=False)[1])


def _finish(project: Project, drafts: bool) -> tuple[bool, tuple[str, ...]]:
    return _reported(lambda: finish_site(project, Options(drafts=drafts), QUIET)[1])


def _reported(work: Callable[[], list[Diagnostic]]) -> tuple[bool, tuple[str, ...]]:
    """Whether `work` succeeded, and its warnings or what stopped it, as lines."""
    try:
        warnings = work()
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
        step=50,
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
        fields = {
            "ok": result.ok,
            "diagnostics": result.diagnostics,
            "built_at": result.built_at,
            "pending": result.pending,
        }
        body = json.dumps(fields, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: `reload` once a build newer than the page's has finished."""
        preview = self.server.preview
        since, pending = events_parameters(split_target(self.path)[1])  # checked before
        if since is None:
            since = preview.result.generation
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            while not preview.stopping.is_set():
                result = preview.wait(since, pending, KEEPALIVE_SECONDS)
                if result.generation != since or (pending and not result.pending):
                    event = b"reload" if result.generation != since else b"finished"
                    self.wfile.write(b"data: " + event + b"\n\n")
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
    """The page with the reload script (and, while the PDFs are made, a note saying so) before
    </body>, and the error banner after <body>."""
    pending = "&pending=1" if result.pending else ""
    script = _RELOAD_SCRIPT.format(
        events=EVENTS, generation=result.generation, pending=pending, note=_NOTE_ID
    )
    end = page.lower().rfind("</body>")
    added = (_PENDING_NOTE if result.pending else "") + script
    page = page + added if end < 0 else page[:end] + added + page[end:]
    if not result.failed:
        return page
    start = re.search(r"<body\b[^>]*>", page, flags=re.IGNORECASE)
    at = start.end() if start else 0
    return page[:at] + banner(result.diagnostics) + page[at:]


_PENDING_NOTE = (
    f'<p id="{_NOTE_ID}" role="status" style="{_NOTE_STYLE}">'
    "Updating the PDF and the search index: this page is up to date, the PDF will be soon.</p>"
)


def banner(diagnostics: tuple[str, ...]) -> str:
    """The error banner: the build failed, these are the problems, the page is the last good."""
    lines = "\n".join(html.escape(line) for line in diagnostics)
    return (
        f'<div id="bulletin-preview-errors" role="alert" style="{_BANNER_STYLE}">'
        "<strong>The last build failed; pages shown are from the last good build.</strong>\n"
        f"{lines}</div>"
    )
