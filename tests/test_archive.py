"""The archive of record: what went out is recorded when the site is published, a change no
correction explains fails the check, and every address and anchor that went out keeps
working after an item file is renamed or an issue moves."""

from __future__ import annotations

import functools
import json
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import SAMPLE, copy_project, edit, run

FOLDER = f"content/issues/{SAMPLE}"
ITEM = f"{FOLDER}/top/01-carbon-neutrality.md"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project, built and published once: its archive holds the record."""
    root = copy_project(tmp_path_factory.mktemp("published") / "project")
    built = run(root, "build")
    assert built.returncode == 0, built.stderr
    (root.parent / "www").mkdir()
    result = run(root, "publish", str(root.parent / "www" / "site"))
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def project(published: Path, tmp_path: Path) -> Path:
    """A copy of the published project (content, templates, archive; no build)."""
    root = tmp_path / "project"
    for part in ("content", "templates", "archive"):
        shutil.copytree(published / part, root / part)
    return root


def record(root: Path) -> dict:
    return json.loads((root / "archive" / SAMPLE / "record.json").read_text(encoding="utf-8"))


def test_publishing_records_the_issue_its_pdf_and_every_address(published: Path):
    kept = published / "archive" / SAMPLE / "v1.pdf"
    site = published.parent / "www" / "site"
    pdf = f"issues/{SAMPLE}/china-industries-{SAMPLE}.pdf"
    assert kept.read_bytes() == (site / pdf).read_bytes()
    assert (site / f"issues/{SAMPLE}/versions/1/china-industries-{SAMPLE}.pdf").read_bytes() == (
        kept.read_bytes()
    )
    saved = record(published)
    assert saved["version"] == 1 and saved["issue"] == SAMPLE
    assert [v["how"] for v in saved["versions"]] == ["published"]
    assert saved["anchors"]["item 1"] == "carbon-neutrality"
    assert {f"issues/{SAMPLE}/", pdf} <= set(saved["urls"])
    urls = (published / "archive" / "urls.txt").read_text(encoding="utf-8").splitlines()
    assert {"/", "/feed.xml", "/bodies/miit/", f"/issues/{SAMPLE}/"} <= set(urls)
    assert not any(url.startswith("/pagefind/") for url in urls)
    again = run(published, "publish", str(site))
    assert again.returncode == 0, again.stderr
    assert "recorded" not in again.stderr
    assert record(published) == saved


def test_a_change_to_a_published_issue_fails_the_check_at_its_line(project: Path):
    edit(project / ITEM, "2060", "2070")
    result = run(project, "check")
    line = next(
        number
        for number, text in enumerate((project / ITEM).read_text().splitlines(), 1)
        if "2070" in text
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{ITEM}:{line}: error: changed since version 1 was published on "
        f"{record(project)['versions'][0]['day']}, and no correction says why: add an entry to "
        "`corrections:` in this item's front matter (date, text: what was wrong, what is "
        "right), or undo the change (see docs/corrections.md)"
    ]


def test_a_typo_level_change_counts_too_and_undoing_it_passes(project: Path):
    text = (project / ITEM).read_text(encoding="utf-8")
    (project / ITEM).write_text(text.replace(".", ",", 1), encoding="utf-8")
    assert run(project, "check").returncode == 1
    (project / ITEM).write_text(text, encoding="utf-8")
    assert run(project, "check").returncode == 0


def add_correction(path: Path, day: str, text: str) -> None:
    """A corrections entry at the top of a file's front matter (a new list, or one more)."""
    source = path.read_text(encoding="utf-8")
    entry = f"  - date: {day}\n    text: {text}\n"
    if "\ncorrections:\n" in source:
        source = source.replace("\ncorrections:\n", "\ncorrections:\n" + entry, 1)
    else:
        source = source.replace("---\n", "---\ncorrections:\n" + entry, 1)
    path.write_text(source, encoding="utf-8")


def test_a_correction_of_the_item_explains_its_change_not_another(project: Path):
    edit(project / ITEM, "2060", "2070")
    other = next((project / FOLDER / "top").glob("02-*.md"))
    add_correction(other, "2021-11-05", "A date was wrong.")
    failed = run(project, "check")
    assert failed.returncode == 1 and failed.stdout.startswith(f"{ITEM}:")
    add_correction(project / ITEM, "2021-11-05", "The target year is 2070, not 2060.")
    passed = run(project, "check")
    assert passed.returncode == 0, passed.stdout


def test_a_correction_of_the_issue_explains_a_change_anywhere(project: Path):
    worth = project / FOLDER / "worth-noting.md"
    worth.write_text(worth.read_text(encoding="utf-8").replace("MIIT", "MIIT ", 1))
    assert run(project, "check").returncode == 1
    add_correction(project / FOLDER / "issue.md", "2021-11-05", "A news line was corrected.")
    assert run(project, "check").returncode == 0


def test_a_correction_that_went_out_may_not_change(project: Path):
    edit(project / ITEM, "2060", "2070")
    add_correction(project / ITEM, "2021-11-05", "The target year is 2070.")
    assert run(project, "build").returncode == 0
    assert run(project, "publish", str(project.parent / "site")).returncode == 0
    assert record(project)["version"] == 2
    edit(project / ITEM, "The target year is 2070.", "The year is 2070.")
    result = run(project, "check")
    assert result.returncode == 1
    assert re.fullmatch(
        rf"{ITEM}:2: error: corrections\[0\]: this correction went out with version 2 "
        r"was published on \S+: leave it as it was and add a new entry after it",
        result.stdout.strip(),
    ), result.stdout


def test_an_unreadable_record_is_an_error_naming_it(project: Path):
    (project / "archive" / SAMPLE / "record.json").write_text("{", encoding="utf-8")
    result = run(project, "check")
    assert result.returncode == 1
    assert result.stdout.startswith(f"archive/{SAMPLE}/record.json:1: error: the record")
    assert "Traceback" not in result.stdout + result.stderr


def test_a_build_that_would_drop_a_published_address_fails_and_writes_nothing(project: Path):
    urls = project / "archive" / "urls.txt"
    urls.write_text(urls.read_text(encoding="utf-8") + "/bodies/gone/\n", encoding="utf-8")
    result = run(project, "build")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "archive: error: the build would drop /bodies/gone/, which went out before: put back "
        "what made it (an issue folder, an issuing body, a figure), or move an issue's archive "
        "folder with its content folder (see docs/corrections.md)"
    ]
    assert not (project / "build" / "index.html").exists()


def test_an_unreadable_list_of_addresses_is_one_line(project: Path):
    (project / "archive" / "urls.txt").write_bytes(b"/\xff\n")
    result = run(project, "build")
    assert result.returncode == 1
    assert result.stderr.startswith("archive/urls.txt: error: cannot be read (")
    assert "Traceback" not in result.stderr
    assert not (project / "build" / "index.html").exists()


# Every address and anchor that went out still resolves


class _Redirecting(SimpleHTTPRequestHandler):
    """Serves build/ as a static host that reads `_redirects` (Netlify, Cloudflare Pages)."""

    def send_head(self):  # type: ignore[no-untyped-def]
        rules = Path(self.directory) / "_redirects"
        moved = {}
        if rules.is_file():
            for line in rules.read_text(encoding="utf-8").splitlines():
                old, new, _ = line.split()
                moved[old] = new
        path = urllib.parse.urlsplit(self.path).path
        if path in moved:
            self.send_response(301)
            self.send_header("Location", moved[path])
            self.end_headers()
            return None
        return super().send_head()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve_site(folder: Path) -> Iterator[str]:
    handler = functools.partial(_Redirecting, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Page(HTMLParser):
    """The ids of a page and the address its refresh leads to, if any."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refresh = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "meta" and found.get("http-equiv") == "refresh":
            self.refresh = str(found.get("content", "")).split("url=", 1)[1]


def fetch(base: str, path: str) -> tuple[str, bytes, _Page]:
    """GET an address (following 301s and refresh pages): the final address, its body and
    what the page holds."""
    url = f"{base}/{path}"
    for _ in range(5):
        with urllib.request.urlopen(url, timeout=10) as response:
            final, body = response.url, response.read()
        page = _Page()
        if final.endswith("/") or final.endswith(".html"):
            page.feed(body.decode("utf-8"))
        if not page.refresh:
            return final, body, page
        url = urllib.parse.urljoin(final, page.refresh)
    raise AssertionError(f"{path}: too many refreshes")


def crawl_recorded(root: Path) -> None:
    """Every address the archive recorded resolves, and every anchor a page had is on it."""
    records = [json.loads(p.read_text()) for p in (root / "archive").glob("*/record.json")]
    urls = [u.removeprefix("/") for u in (root / "archive" / "urls.txt").read_text().split()]
    urls += [url for saved in records for url in saved["urls"]]
    with serve_site(root / "build") as base:
        for url in sorted(set(urls)):
            try:
                fetch(base, url)
            except urllib.error.HTTPError as error:
                raise AssertionError(f"/{url}: {error.code}") from None
        for saved in records:
            _, _, page = fetch(base, f"issues/{saved['issue']}/")
            for role, ids in saved["anchors"].items():
                for anchor in ids.split():
                    assert anchor in page.ids, f"#{anchor} ({role}) is gone"


def test_every_recorded_address_and_anchor_resolves_after_an_item_file_is_renamed(
    project: Path,
):
    top = project / FOLDER / "top"
    (top / "01-carbon-neutrality.md").rename(top / "01-carbon-peak-by-2030.md")
    built = run(project, "build")
    assert built.returncode == 0, built.stderr
    page = (project / "build" / "issues" / SAMPLE / "index.html").read_text(encoding="utf-8")
    assert 'id="carbon-peak-by-2030"' in page
    crawl_recorded(project)
    assert record(project)["anchors"]["item 1"] == "carbon-neutrality"
    assert run(project, "publish", str(project.parent / "site")).returncode == 0
    assert record(project)["anchors"]["item 1"] == "carbon-neutrality carbon-peak-by-2030"


def test_an_issue_moved_to_another_date_keeps_its_old_addresses(project: Path):
    new = "2021-11-03"
    (project / FOLDER).rename(project / "content" / "issues" / new)
    (project / "archive" / SAMPLE).rename(project / "archive" / new)
    issue = project / "content" / "issues" / new / "issue.md"
    edit(issue, f"date: {SAMPLE}", f"date: {new}")
    add_correction(issue, "2021-11-05", "The issue was dated a day early.")
    built = run(project, "build")
    assert built.returncode == 0, built.stderr
    rules = (project / "build" / "_redirects").read_text(encoding="utf-8").splitlines()
    assert f"/issues/{SAMPLE}/ /issues/{new}/ 301" in rules
    assert (
        f"/issues/{SAMPLE}/china-industries-{SAMPLE}.pdf "
        f"/issues/{new}/china-industries-{new}.pdf 301"
    ) in rules
    nginx = (project / "build" / "redirects.map").read_text(encoding="utf-8")
    assert f"/issues/{SAMPLE}/ /issues/{new}/;\n" in nginx
    moved = (project / "build" / "issues" / SAMPLE / "index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="https://bulletin.example.org/issues/{new}/">' in moved
    kept = project / "build" / "issues" / SAMPLE / "versions/1" / f"china-industries-{SAMPLE}.pdf"
    assert kept.read_bytes() == (project / "archive" / new / "v1.pdf").read_bytes()
    crawl_recorded(project)
