"""The whole built site against independent validators, served over HTTP on 127.0.0.1: axe-core
(WCAG 2.1 AA and best practices) on every page at two widths, the Nu Html Checker (no error, no
warning) on every HTML file, Lighthouse (100 for accessibility, best practices and SEO) on the two
issue pages, the archive and its year page; the site holds the sample issue and the test issue
of notes, figures and tables. Each check is shown to fail on a page that breaks its rules.

The tools are installed by the Makefile (`make test`): axe-core, vnu-jar and lighthouse from
npm into .venv/node, Java and chromium from Debian.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import BEST_PRACTICE, CHROMIUM_ARGS, REPO, axe_violations
from conftest import add_feature_issue, build_whole_site, copy_project
from web_server import serve

NODE = REPO / ".venv" / "node" / "node_modules"
VNU = NODE / "vnu-jar" / "build" / "dist" / "vnu.jar"
LIGHTHOUSE = NODE / "lighthouse" / "cli" / "index.js"
BASE_URL = "https://bulletin.example.org/"
"""The sample project's base_url: the 404 page links from it, so the browser is given the
local site at that address."""
WIDTHS = (1280, 375)
LIGHTHOUSE_CATEGORIES = ("accessibility", "best-practices", "seo")
LIGHTHOUSE_SECONDS = 120
"""The most one Lighthouse run may take (about 10-20 s)."""
VNU_SECONDS = 180
BROKEN_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"></head>
<body><div><img src="missing.png"><a href="other.html">click here</a></div></body></html>
"""
"""A page every validator finds fault with: no lang, no title, an image without alt text,
content outside any landmark, a link that says nothing."""


@pytest.fixture(scope="module")
def site_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site audited, built whole: the sample issue, the test issue of notes, figures and
    tables (2021-11-16), a draft (2021-11-30, left out) and one more issue (2021-12-14)."""
    return build_whole_site(add_feature_issue(copy_project(tmp_path_factory.mktemp("audit"))))


@pytest.fixture(scope="module")
def pages(site_build: Path) -> list[str]:
    """Every HTML page of the built site, relative to build/ (the search index's files
    aside), with the kinds the site must have."""
    build = site_build / "build"
    found = sorted(
        str(path.relative_to(build))
        for path in build.rglob("*.html")
        if "pagefind" not in path.relative_to(build).parts
    )
    for kind in ("index.html", "404.html", "search/index.html", "bodies/index.html"):
        assert kind in found
    assert "issues/2021/index.html" in found and "bodies/miit/2021/index.html" in found
    issues = [page for page in found if re.fullmatch(r"issues/[\d-]{10}/index.html", page)]
    assert len(issues) == 3  # the draft is left out
    assert sum(page.startswith("bodies/") for page in found) > 10
    return found


@pytest.fixture(scope="module")
def site_url(site_build: Path) -> Iterator[str]:
    """The built site at the root of a local web server."""
    with serve(site_build / "build") as url:
        yield url


@pytest.fixture(scope="module")
def broken_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """BROKEN_PAGE at the root of another local web server."""
    folder = tmp_path_factory.mktemp("broken")
    (folder / "index.html").write_text(BROKEN_PAGE, encoding="utf-8")
    with serve(folder) as url:
        yield url


def _new_page(browser, width: int, site: Path | None = None):
    """A browser page `width` pixels wide; the files of `site` (the built site), if given,
    are given to it at the site's base_url."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    if site is not None:
        page.route(f"{BASE_URL}**", lambda route: _local(route, site))
    return page


def _local(route, site: Path) -> None:
    path = site / route.request.url.removeprefix(BASE_URL).split("#")[0]
    path = path / "index.html" if path.is_dir() else path
    if path.is_file():
        route.fulfill(path=str(path))
    else:
        route.fulfill(status=404, body="not found")


# axe-core


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_nothing_on_any_page(browser, site_build, site_url, pages, width):
    page = _new_page(browser, width, site_build / "build")
    found = {}
    for path in pages:
        page.goto(site_url + path, wait_until="load")
        if violations := axe_violations(page, BEST_PRACTICE):
            found[path] = violations
    page.close()
    assert found == {}


def test_axe_best_practices_find_content_outside_landmarks(browser, broken_url):
    page = _new_page(browser, 1280)
    page.goto(broken_url, wait_until="load")
    rules = {violation["id"] for violation in axe_violations(page, BEST_PRACTICE)}
    page.close()
    assert {"region", "image-alt", "html-has-lang", "document-title"} <= rules


# The Nu Html Checker


def nu_messages(files: list[Path]) -> dict[str, list[str]]:
    """The Nu Html Checker's errors and warnings (one JVM for all files), by file name, each as
    'line: type: message'."""
    assert VNU.is_file(), "vnu-jar is not installed: run `make test`, which installs it"
    java = shutil.which("java")
    assert java, "java is not installed: run `make test`, which installs default-jre-headless"
    command = [java, "-jar", str(VNU), "--format", "json", "--exit-zero-always", *map(str, files)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=VNU_SECONDS)
    assert result.stderr.lstrip().startswith("{"), result.stderr[-2000:]  # a crash, not a report
    report = json.loads(result.stderr)  # vnu writes its JSON report on stderr
    found: dict[str, list[str]] = {}
    for message in report["messages"]:
        name = message.get("url", "").removeprefix("file:")
        line = f"{message.get('lastLine', '?')}: {message['type']}"
        if message.get("subType"):
            line += f" ({message['subType']})"
        found.setdefault(name, []).append(f"{line}: {message.get('message', '')}")
    return found


def test_the_nu_html_checker_finds_no_error_and_no_warning(site_build, pages, tmp_path):
    build = site_build / "build"
    broken = tmp_path / "broken.html"
    broken.write_text(BROKEN_PAGE, encoding="utf-8")
    found = nu_messages([*(build / page for page in pages), broken])
    assert any("alt" in message for message in found.pop(str(broken), [])), "no fault found"
    assert found == {}


# Lighthouse


def lighthouse(url: str, folder: Path) -> dict[str, Any]:
    """Lighthouse's report on `url` (accessibility, best practices, SEO; a phone's screen),
    in Debian's chromium."""
    assert LIGHTHOUSE.is_file(), "lighthouse is not installed: run `make test`, which installs it"
    node, chromium = shutil.which("node"), shutil.which("chromium")
    assert node and chromium, "node and chromium are needed: run `make test`"
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    categories = ",".join(LIGHTHOUSE_CATEGORIES)
    command = [node, str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output-path=stdout",
               f"--only-categories={categories}", f"--chrome-flags={flags}"]  # fmt: skip
    environment = {**os.environ, "CHROME_PATH": chromium, "HOME": str(folder)}
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=LIGHTHOUSE_SECONDS, env=environment,
        cwd=folder, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def shortfalls(report: dict[str, Any]) -> dict[str, list[str]]:
    """Each category scored below 100, with its failing audits as 'id: title'."""
    failing: dict[str, list[str]] = {}
    for name, category in report["categories"].items():
        if category["score"] == 1:
            continue
        audits = [report["audits"][ref["id"]] for ref in category["auditRefs"]]
        failing[f"{name} {round(category['score'] * 100)}"] = [
            f"{audit['id']}: {audit['title']}"
            for audit in audits
            if audit["scoreDisplayMode"] in ("binary", "numeric") and (audit["score"] or 0) < 1
        ]
    return failing


@pytest.mark.parametrize(
    "path",
    ["issues/2021-11-02/", "issues/2021-11-16/", "", "issues/2021/"],
    ids=["issue", "issue-with-notes-figures-tables", "archive", "archive-year"],
)
def test_lighthouse_scores_100(site_url, path, tmp_path):
    report = lighthouse(site_url + path, tmp_path)
    assert set(report["categories"]) == set(LIGHTHOUSE_CATEGORIES)
    assert shortfalls(report) == {}


def test_lighthouse_names_what_fails(broken_url, tmp_path):
    failing = shortfalls(lighthouse(broken_url, tmp_path))
    audits = {line.split(":")[0] for lines in failing.values() for line in lines}
    assert {"image-alt", "document-title", "html-has-lang", "link-text"} <= audits
