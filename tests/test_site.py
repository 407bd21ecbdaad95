"""`bulletin build` with no date: the whole site, checked file by file and link by link."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
import yaml

from conftest import SAMPLE, copy_project, edit, run
from synthetic import add_issue

PUBLISHED = ["2021-12-14", "2021-11-16", SAMPLE]  # newest first
DRAFT = "2021-11-30"
BASE = "https://bulletin.example.org/"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def site(site_build: Path) -> Path:
    return site_build


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for name in ("href", "src"):
            if values.get(name) and not (tag == "link" and values.get("rel") == "canonical"):
                self.links.append(str(values[name]))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _pages(build: Path) -> list[Path]:
    return sorted(p for p in build.rglob("*.html") if "pagefind" not in p.parts)


def _target(build: Path, page: Path, link: str) -> tuple[Path, str] | None:
    """The file and fragment an internal link points to, or None for an external link."""
    here = "https://site.invalid/" + page.relative_to(build).as_posix()
    url = urlparse(urljoin(here, link.replace(BASE, "https://site.invalid/")))
    if url.netloc != "site.invalid":
        return None
    path = build / unquote(url.path).lstrip("/")
    if url.path.endswith("/"):
        path = path / "index.html"
    return path, url.fragment


# The archive


def test_archive_lists_published_issues_newest_first(site):
    archive = (site / "build/index.html").read_text(encoding="utf-8")
    dates = re.findall(r'id="issue-(\d{4}-\d\d-\d\d)"', archive)
    assert dates == PUBLISHED


def test_archive_links_each_issue_page_pdf_and_headlines(site):
    links = _parse(site / "build/index.html").links
    for date in PUBLISHED:
        assert f"issues/{date}/" in links
        assert f"issues/{date}/china-industries-{date}.pdf" in links
        assert f"issues/{date}/#carbon-neutrality" in links


def test_drafts_are_left_out(site):
    assert not (site / "build/issues" / DRAFT).exists()
    assert DRAFT not in (site / "build/index.html").read_text(encoding="utf-8")
    assert DRAFT not in (site / "build/feed.xml").read_text(encoding="utf-8")


def test_every_internal_link_and_anchor_resolves(site):
    build = site / "build"
    pages = _pages(build)
    assert len(pages) > 20
    broken = []
    for page in pages:
        for link in _parse(page).links:
            target = _target(build, page, link)
            if target is None:
                continue
            path, fragment = target
            if not path.is_file():
                broken.append(f"{page.relative_to(build)}: {link} (no file)")
            elif fragment and path.suffix == ".html" and fragment not in _parse(path).ids:
                broken.append(f"{page.relative_to(build)}: {link} (no id)")
    assert broken == []


def test_crawler_can_fail_on_a_broken_link(tmp_path):
    build = tmp_path / "build"
    (build / "a").mkdir(parents=True)
    (build / "index.html").write_text('<a href="a/">a</a> <a href="a/#x">x</a>')
    (build / "a/index.html").write_text('<p id="y">y</p>')
    page = build / "index.html"
    path, fragment = _target(build, page, "a/#x")
    assert path.is_file() and fragment not in _parse(path).ids


# Feed and sitemap


def test_feed_is_valid_atom_with_one_entry_per_issue(site):
    feed = ET.parse(site / "build/feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}").text
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == BASE + "feed.xml"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}id").text for e in entries] == [f"{BASE}issues/{d}/" for d in PUBLISHED]
    for entry in entries:
        for required in ("id", "title", "updated", "author/" + ATOM + "name"):
            assert entry.find(f"{ATOM}{required}") is not None, required
        links = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert [link.get("href") for link in links] == [entry.find(f"{ATOM}id").text]
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html" and "#carbon-neutrality" in content.text


def test_feed_parses_with_a_feed_reader(site):
    import feedparser

    parsed = feedparser.parse((site / "build/feed.xml").read_bytes())
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert len(parsed.entries) == len(PUBLISHED)


def test_sitemap_lists_every_page(site):
    build = site / "build"
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = ET.parse(build / "sitemap.xml").getroot()
    listed = {loc.text for loc in root.iter(f"{namespace}loc")}
    expected = set()
    for page in _pages(build):
        if page.name == "404.html":
            continue
        folder = page.parent.relative_to(build).as_posix()
        expected.add(BASE + ("" if folder == "." else folder + "/"))
    assert listed == expected


# Issuing bodies


def _policies(root: Path, date: str) -> list[tuple[str, list[str]]]:
    """(title, issuers) of each Top-5 item of an issue, read straight from its files."""
    found = []
    for item in sorted((root / "content/issues" / date / "top").glob("*.md")):
        data = yaml.safe_load(item.read_text(encoding="utf-8").split("---")[1])
        found.append((data["title"], data["policy"]["issuers"]))
    return found


@pytest.mark.parametrize(("body", "slug"), [("MIIT", "miit"), ("State Council", "state-council")])
def test_body_page_lists_every_item_that_body_issued(site, body, slug):
    page = (site / "build/bodies" / slug / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<h2><a href="../../issues/([\d-]+)/#([\w-]+)">(.*?)</a></h2>', page)
    expected = [
        title for date in PUBLISHED for title, issuers in _policies(site, date) if body in issuers
    ]
    assert [title.replace("&#39;", "'") for _, _, title in listed] == expected
    assert {date for date, _, _ in listed} <= set(PUBLISHED)


# Citation and anchors


def test_each_item_has_a_cite_this_line(site):
    page = (site / "build/issues" / SAMPLE / "index.html").read_text(encoding="utf-8")
    url = f"{BASE}issues/{SAMPLE}/#standardization"
    assert (
        "Alexander Brown and Gregor Sebastian. “China accelerates standard setting in pursuit of "
        "economic and political gains.” China Industries, MERICS, November 2, 2021. "
        f'<a href="{url}">{url}</a>'
    ) in page


# Incremental builds and drafts


def test_rebuilding_an_unchanged_site_writes_nothing(site):
    result = run(site, "build")
    assert result.returncode == 0
    assert result.stdout == ""
    assert "nothing changed" in result.stderr


def test_editing_one_item_rebuilds_that_issue_and_the_site_pages_only(tmp_path):
    root = copy_project(tmp_path / "p")
    add_issue(root, dt.date(2021, 11, 16))
    assert run(root, "build").returncode == 0
    edit(root / "content/issues/2021-11-16/top/02-standardization.md", "rank: 2", "rank: 2\n")
    written = run(root, "build").stdout
    assert "build/issues/2021-11-16/china-industries-2021-11-16.pdf" in written
    assert f"build/issues/{SAMPLE}/" not in written
    assert "build/index.html" in written


def test_drafts_flag_puts_the_draft_on_the_site_and_removing_it_takes_it_away(tmp_path):
    root = copy_project(tmp_path / "p")
    add_issue(root, dt.date(2021, 11, 30), draft=True)
    assert run(root, "build", "--drafts").returncode == 0
    assert (root / "build/issues" / DRAFT / "index.html").is_file()
    assert "Draft" in (root / "build/index.html").read_text(encoding="utf-8")
    assert run(root, "build").returncode == 0
    assert not (root / "build/issues" / DRAFT).exists()


def test_a_content_error_stops_the_site_build_and_keeps_the_site(site, tmp_path):
    root = copy_project(tmp_path / "p")
    assert run(root, "build").returncode == 0
    before = {p: p.read_bytes() for p in (root / "build").rglob("*") if p.is_file()}
    edit(root / "content/issues" / SAMPLE / "top/01-carbon-neutrality.md", "rank: 1", "rank: one")
    result = run(root, "build")
    assert result.returncode == 1 and "rank: expected a whole number" in result.stderr
    after = {p: p.read_bytes() for p in (root / "build").rglob("*") if p.is_file()}
    assert after == before


def test_the_feed_carries_the_latest_feed_entries_issues(tmp_path):
    """publication.yaml's `feed_entries` caps the feed at the latest N issues (20 by
    default), newest first; a number below 1 fails the check at its line."""
    import feedparser

    from bulletin.content.validate import check
    from bulletin.project import find_project
    from bulletin.render.html import Theme
    from bulletin.site.pages import render_feed

    root = copy_project(tmp_path / "project")
    dates = [dt.date(2021, 11, 16), dt.date(2021, 11, 30), dt.date(2021, 12, 14)]
    for date in dates:
        add_issue(root, date)
    publication = root / "content" / "publication.yaml"
    publication.write_text(
        publication.read_text(encoding="utf-8") + "feed_entries: 2\n", encoding="utf-8"
    )
    project = find_project(root)
    checked = check(project, None)
    assert checked.publication is not None and checked.publication.feed_entries == 2
    newest = sorted(checked.issues.values(), key=lambda issue: issue.date, reverse=True)
    feed = feedparser.parse(render_feed(checked.publication, newest, Theme(project.templates)))
    assert [entry.link for entry in feed.entries] == [
        f"{BASE}issues/{date}/" for date in ("2021-12-14", "2021-11-30")
    ]
    lines = publication.read_text(encoding="utf-8").splitlines()
    publication.write_text("\n".join([*lines[:-1], "feed_entries: 0", ""]), encoding="utf-8")
    result = run(root, "check")
    assert result.returncode == 1
    assert (
        f"content/publication.yaml:{len(lines)}: error: feed_entries: 0 is too few: give at "
        "least 1 issue"
    ) in result.stdout
