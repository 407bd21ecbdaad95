"""The archive and the issuing-body pages paged by year, at many synthetic issues over several
years: the home page and each body's page list a bounded number, each year page exactly its
year, and the links between them resolve. Rendered in process (no PDFs), pages parsed as HTML."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from bulletin.content.validate import check
from bulletin.project import find_project
from bulletin.render.html import Theme, render_web
from bulletin.site.pages import LATEST, render_site
from conftest import SAMPLE, copy_project
from synthetic import add_issue

FIRST, LAST = dt.date(2021, 11, 16), dt.date(2024, 2, 20)
EVERY = dt.timedelta(days=28)
BASE = "https://bulletin.example.org/"
ISSUE_ID = re.compile(r'id="issue-(\d{4}-\d\d-\d\d)"')


class _Page(HTMLParser):
    """The links of a page, its ids, and its links marked rel=prev / rel=next."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.rel: dict[str, str] = {}
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
            if values.get("rel"):
                self.rel[values["rel"]] = values["href"]
            if values.get("aria-current") == "page":
                self.current.append(values["href"])


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample issue and one issue every four weeks from FIRST to LAST (2021 to 2024): the
    site's pages and each issue's web page, written under build/."""
    root = copy_project(tmp_path_factory.mktemp("years"))
    day = FIRST
    while day <= LAST:
        add_issue(root, day)
        day += EVERY
    project = find_project(root)
    checked = check(project, None)
    assert not checked.diagnostics, checked.diagnostics
    theme = Theme(project.templates)
    issues = list(checked.issues.values())
    files = [(page.path, page.data) for page in render_site(checked.publication, issues, theme)]
    files += [(f"{i.path}index.html", render_web(i, theme).encode()) for i in issues]
    for name, data in files:
        (project.build / name).parent.mkdir(parents=True, exist_ok=True)
        (project.build / name).write_bytes(data)
    return project.build


def _dates(build: Path) -> list[str]:
    """Every issue of the site, newest first, from the issue folders."""
    found = [p.name for p in (build / "issues").iterdir() if re.fullmatch(r"[\d-]{10}", p.name)]
    return sorted(found, reverse=True)


def _years(build: Path) -> list[str]:
    return sorted((p.name for p in (build / "issues").iterdir() if len(p.name) == 4), reverse=True)


def test_the_issues_span_several_years(build):
    assert _dates(build)[-1] == SAMPLE and len(_dates(build)) > 2 * LATEST
    assert _years(build) == ["2024", "2023", "2022", "2021"]


def test_the_home_page_lists_the_latest_issues_only(build):
    listed = ISSUE_ID.findall((build / "index.html").read_text(encoding="utf-8"))
    assert listed == _dates(build)[:LATEST]


def test_each_year_page_lists_exactly_the_issues_of_its_year(build):
    for year in _years(build):
        page = (build / "issues" / year / "index.html").read_text(encoding="utf-8")
        expected = [date for date in _dates(build) if date.startswith(year)]
        assert ISSUE_ID.findall(page) == expected, year


def test_every_page_links_every_year_and_marks_its_own(build):
    home = _parse(build / "index.html")
    years = [link for link in home.links if re.fullmatch(r"issues/\d{4}/", link)]
    assert list(dict.fromkeys(years)) == [f"issues/{year}/" for year in _years(build)]
    assert home.current == ["./"]  # the site navigation's "All issues"
    for year in _years(build):
        page = _parse(build / "issues" / year / "index.html")
        assert page.current == [f"../../issues/{year}/"]
        for other in _years(build):
            assert f"../../issues/{other}/" in page.links


def test_previous_and_next_lead_to_the_neighbouring_years(build):
    years = _years(build)  # newest first
    for index, year in enumerate(years):
        rel = _parse(build / "issues" / year / "index.html").rel
        older = years[index + 1] if index + 1 < len(years) else None
        newer = years[index - 1] if index > 0 else None
        assert rel.get("prev") == (f"../../issues/{older}/" if older else None)
        assert rel.get("next") == (f"../../issues/{newer}/" if newer else None)
    assert _parse(build / "index.html").rel["prev"] == f"issues/{_dates(build)[LATEST][:4]}/"


def _body_items(path: Path) -> list[tuple[str, str]]:
    """(issue date, item anchor) of each item a body's page lists."""
    html = path.read_text(encoding="utf-8")
    return re.findall(r'<h2><a href="(?:\.\./)+issues/([\d-]+)/#([\w-]+)">', html)


def test_body_pages_list_the_latest_items_and_each_year_exactly_its_own(build):
    folder = build / "bodies" / "miit"
    every = [entry for year in _years(build) for entry in _body_items(folder / year / "index.html")]
    assert [date for date, _ in every] == sorted((d for d, _ in every), reverse=True)
    assert len(every) > 3 * LATEST
    assert _body_items(folder / "index.html") == every[:LATEST]
    for year in _years(build):
        assert {date[:4] for date, _ in _body_items(folder / year / "index.html")} == {year}


def test_no_page_around_the_issues_grows_with_the_archive(build):
    sizes = {
        path.relative_to(build).as_posix(): path.stat().st_size
        for path in build.rglob("index.html")
        if not re.search(r"issues/[\d-]{10}/", path.as_posix())
    }
    year = max(
        size for name, size in sizes.items() if re.fullmatch(r"issues/\d{4}/index.html", name)
    )
    assert sizes["index.html"] < year  # 12 issues, against 13 or 14 in a full year


def _target(build: Path, page: Path, link: str) -> tuple[Path, str] | None:
    here = "https://site.invalid/" + page.relative_to(build).as_posix()
    url = urlparse(urljoin(here, link.replace(BASE, "https://site.invalid/")))
    if url.netloc != "site.invalid":
        return None
    path = build / url.path.lstrip("/")
    return (path / "index.html" if url.path.endswith("/") else path), url.fragment


def test_every_link_between_the_lists_and_the_issues_resolves(build):
    lists = [build / "index.html", *build.glob("issues/[0-9][0-9][0-9][0-9]/index.html")]
    lists += build.glob("bodies/*/index.html")
    lists += build.glob("bodies/*/[0-9][0-9][0-9][0-9]/index.html")
    broken = []
    for page in lists:
        for link in _parse(page).links:
            target = _target(build, page, link)
            if target is None or target[0].suffix == ".pdf" or target[0].name == "feed.xml":
                continue  # no PDFs in this build; the feed is not HTML
            path, fragment = target
            if not path.is_file() or (fragment and fragment not in _parse(path).ids):
                broken.append(f"{page.relative_to(build)}: {link}")
    assert broken == []
    assert len(lists) > 40


def test_the_sitemap_lists_every_year_page(build):
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = ET.parse(build / "sitemap.xml").getroot()
    listed = {loc.text for loc in root.iter(f"{namespace}loc")}
    pages = [*build.glob("issues/[0-9]*/index.html"), *build.glob("bodies/**/index.html")]
    expected = {BASE + p.parent.relative_to(build).as_posix() + "/" for p in pages}
    assert expected <= listed
    assert BASE + "issues/2022/" in listed and BASE + "bodies/miit/2022/" in listed
