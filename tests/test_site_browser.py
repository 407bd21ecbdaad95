"""The site in a real browser, served under a sub-path: browse, follow links, search, and
no WCAG 2.1 AA violation on any kind of page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import axe_violations
from web_server import serve

PREFIX = "/bulletin/"


@pytest.fixture(scope="module")
def site_url(site_build: Path) -> Iterator[str]:
    """The site under a sub-path, as a web server with the site in a sub-folder serves it."""
    with serve(site_build / "build", PREFIX) as url:
        yield url


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    yield page
    page.close()


def test_browse_from_the_archive_to_an_item(page, site_url):
    page.goto(site_url)
    page.get_by_role("link", name="November 16, 2021").click()
    assert page.url == f"{site_url}issues/2021-11-16/"
    page.locator("nav.contents a").filter(has_text="3. Beijing targets").click()
    assert page.url.endswith("issues/2021-11-16/#internet-of-things")
    assert page.locator("#internet-of-things").is_visible()


def test_search_finds_the_one_item_with_a_word(page, site_url):
    page.goto(f"{site_url}search/")
    page.locator("#search input").fill("zeppelin")
    results = page.locator(".pagefind-ui__result")
    results.first.wait_for(timeout=10_000)
    assert results.count() == 1
    results.first.locator("a").first.click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{site_url}issues/2021-11-16/")
    assert "A note on zeppelin." in page.content()


@pytest.mark.parametrize("path", ["", "issues/2021-11-16/", "bodies/", "bodies/miit/", "search/"])
def test_page_has_no_accessibility_violations(page, site_url, path):
    page.goto(site_url + path)
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
