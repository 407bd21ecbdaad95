"""`bulletin serve`: a real server on 127.0.0.1 rebuilds on change, reloads pages, shows errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from bulletin.site.serve import EVENTS, banner
from conftest import SAMPLE, SAMPLE_FOLDER, edit

PAGE = f"issues/{SAMPLE}/"
ITEM = SAMPLE_FOLDER / "top" / "01-carbon-neutrality.md"
OLD_TITLE = "title: Landmark carbon neutrality plan"
NEW_TITLE = "Revised carbon neutrality plan"
BANNER = 'id="bulletin-preview-errors"'
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def wait_until(condition: Callable[[], Any], timeout: float = 30) -> None:
    """Poll until `condition()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout} s"
        time.sleep(0.1)


@dataclass
class Server:
    """A `bulletin serve` subprocess and what it printed."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        serving = [line for line in self.lines if line.startswith("serving http://")]
        return serving[0].split()[1] if serving else ""

    def get(self, path: str) -> str:
        with _NO_PROXY.open(self.url + path, timeout=10) as response:
            return str(response.read().decode("utf-8"))

    def status(self) -> dict[str, Any]:
        return dict(json.loads(self.get("__bulletin/status")))

    def read_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))


def start_server(project: Path, *options: str) -> Server:
    """`bulletin serve --port 0 OPTIONS` on `project`, once its first build is done."""
    command = [sys.executable, "-m", "bulletin", "--project", str(project), "serve", "--port", "0"]
    process = subprocess.Popen(
        [*command, *options], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    running = Server(process)
    threading.Thread(target=running.read_output, daemon=True).start()
    try:
        wait_until(lambda: running.url or process.poll() is not None)
        assert running.url, "\n".join(running.lines)
        wait_until(lambda: running.status()["built_at"], timeout=60)
    except BaseException:
        stop(running)
        raise
    return running


def stop(server: Server) -> None:
    server.process.kill()
    server.process.wait(timeout=10)


@pytest.fixture
def server(project: Path) -> Iterator[Server]:
    """The sample project served, built without errors, its PDF and search index too."""
    running = start_server(project)
    try:
        assert running.status()["ok"], running.status()
        wait_until(lambda: not running.status()["pending"], timeout=120)
        yield running
    finally:
        stop(running)


def _listening_addresses(port: int) -> set[str]:
    """The local addresses (hex, as the kernel lists them) of TCP sockets listening on `port`."""
    addresses = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":
                addresses.add(address)
    return addresses


def test_serves_the_build_on_loopback_only_with_the_reload_script(server, project):
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])
    assert server.url == f"http://127.0.0.1:{port}/"
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
    page = server.get(PAGE)
    assert "Landmark carbon neutrality plan" in page
    assert f'new EventSource("{EVENTS}?since=1")' in page.split("</body>")[0]
    assert BANNER not in page
    on_disk = (project / "build" / PAGE / "index.html").read_text(encoding="utf-8")
    assert EVENTS not in on_disk
    assert server.status()["diagnostics"] == []
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=10) == 0
    wait_until(lambda: "stopped" in server.lines, timeout=5)


def test_rebuilds_on_change_and_shows_errors_in_every_page(server, project):
    item = project / ITEM
    edit(item, OLD_TITLE, f"title: {NEW_TITLE}")
    wait_until(lambda: NEW_TITLE in server.get(PAGE))

    edit(item, "rank: 1\n", "rank: one\n")
    wait_until(lambda: not server.status()["ok"])
    diagnostic = f"{ITEM}:2: error: rank: "
    assert any(d.startswith(diagnostic) for d in server.status()["diagnostics"])
    page = server.get(PAGE)
    assert diagnostic in page.split(BANNER, 1)[1].split("</div>", 1)[0]
    assert NEW_TITLE in page, "the last good page stays"
    # and the terminal says it (printed just after the result is published: wait for it)
    wait_until(lambda: any(line.startswith(diagnostic) for line in server.lines))

    edit(item, "rank: one\n", "rank: 1\n")
    wait_until(lambda: server.status()["ok"])
    assert BANNER not in server.get(PAGE)


def test_a_broken_template_is_shown_in_the_page(server, project):
    template = project / "templates" / "web.html"
    good = template.read_text(encoding="utf-8")
    template.write_text(good + "{% endif %}\n", encoding="utf-8")
    wait_until(lambda: not server.status()["ok"])
    assert BANNER in server.get(PAGE)
    assert "templates/web.html:" in server.get(PAGE).split(BANNER, 1)[1]
    template.write_text(good, encoding="utf-8")
    wait_until(lambda: server.status()["ok"])
    assert BANNER not in server.get(PAGE)


def test_the_open_page_reloads_itself_after_a_change(server, project, browser):
    page = browser.new_page()
    try:
        page.goto(server.url + PAGE)
        expect(page.locator("main")).to_contain_text("Landmark carbon neutrality plan")
        page.evaluate("window.beforeReload = true")
        edit(project / ITEM, OLD_TITLE, f"title: {NEW_TITLE}")
        expect(page.locator("main")).to_contain_text(NEW_TITLE, timeout=30_000)
        assert page.evaluate("window.beforeReload") is None, "the page was loaded anew"
        edit(project / ITEM, "rank: 1\n", "rank: one\n")
        errors = page.locator("#bulletin-preview-errors")
        expect(errors).to_contain_text(f"{ITEM}:2: error: rank:", timeout=30_000)
        expect(errors).to_be_in_viewport()
    finally:
        page.close()


def test_an_edit_shows_in_the_page_before_its_pdf_is_made_again(project, browser):
    """The pages come first: the open page reloads with the new text while the PDF is still
    being made (the item is long, so that takes seconds), saying so; the note goes once the
    PDF is written, and the PDF then has the new text."""
    long_item = "\n\n".join(f"Paragraph {n} of a long analysis. " * 12 for n in range(120))
    edit(project / ITEM, "## Comment\n", f"## Comment\n\n{long_item}\n")
    running = start_server(project)
    pdf = project / "build" / PAGE / f"china-industries-{SAMPLE}.pdf"
    page = browser.new_page()
    try:
        wait_until(lambda: not running.status()["pending"], timeout=180)
        assert running.status()["ok"], running.status()
        made = pdf.stat().st_mtime_ns
        page.goto(running.url + PAGE)
        expect(page.locator("#bulletin-preview-pending")).to_have_count(0)
        edit(project / ITEM, OLD_TITLE, f"title: {NEW_TITLE}")
        expect(page.locator("main")).to_contain_text(NEW_TITLE, timeout=30_000)
        note = page.locator("#bulletin-preview-pending")
        expect(note).to_contain_text("Updating the PDF")
        assert pdf.stat().st_mtime_ns == made, "the page waited for the PDF"
        assert running.status()["pending"]
        expect(note).to_have_count(0, timeout=180_000)
        assert pdf.stat().st_mtime_ns > made
        assert NEW_TITLE in "".join(p.extract_text() for p in PdfReader(pdf).pages[:3])
        assert any("PDFs and search index built in" in line for line in running.lines)
    finally:
        page.close()
        stop(running)


def test_drafts_are_served_with_the_drafts_option(project):
    issue = project / SAMPLE_FOLDER / "issue.md"
    edit(issue, "date: 2021-11-02\n", "date: 2021-11-02\ndraft: true\n")
    for options, served in [(["--drafts"], True), ([], False)]:
        running = start_server(project, *options)
        try:
            assert running.status()["ok"], running.status()
            try:
                assert "Landmark carbon neutrality plan" in running.get(PAGE)
                assert served, f"a draft served with {options}"
            except urllib.error.HTTPError as error:
                assert error.code == 404 and not served, f"no draft with {options}"
        finally:
            stop(running)


def test_the_banner_escapes_diagnostics():
    shown = banner(("content/a.md:3: error: title: <script>alert(1)</script> & more",))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in shown
    assert "<script>" not in shown
