"""The web edition in a real browser: readable on a phone and on a wide screen, linkable
down to each item, a prominent PDF link, and a print stylesheet."""

from __future__ import annotations

import pytest


@pytest.fixture(params=[375, 1440], ids=["phone", "desktop"])
def page(request, browser, sample_build):
    page = browser.new_page(viewport={"width": request.param, "height": 800})
    page.goto(sample_build.html.as_uri())
    yield page
    page.close()


def _box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_no_horizontal_scrolling(page):
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_text_lines_stay_readable(page):
    """Body text at least 16 px, lines no longer than about 80 characters."""
    size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.comment p')).fontSize)"
    )
    assert size >= 16
    assert _box(page, ".comment p")["width"] <= 80 * size * 0.55


def test_pdf_link_is_in_the_first_screen(page, sample_build):
    box = _box(page, ".pdf-link a")
    assert box["y"] + box["height"] <= page.viewport_size["height"]
    assert page.locator(".pdf-link a").get_attribute("href") == sample_build.pdf.name


def test_contents_sit_beside_the_text_and_stay_in_view_on_wide_screens(browser, sample_build):
    page = browser.new_page(viewport={"width": 1440, "height": 800})
    page.goto(sample_build.html.as_uri())
    contents, main = _box(page, "nav.contents"), _box(page, "main")
    assert contents["x"] + contents["width"] <= main["x"]
    page.mouse.wheel(0, 4000)
    page.wait_for_timeout(100)
    assert 0 <= _box(page, "nav.contents")["y"] < 800
    page.close()


def test_every_item_and_section_heading_has_a_permalink(page):
    headings = page.locator("main h2, main h3")
    assert headings.count() >= 9
    for i in range(headings.count()):
        link = headings.nth(i).locator("a.permalink")
        target = link.get_attribute("href")
        assert target.startswith("#") and page.locator(target).count() == 1


def test_following_a_contents_link_brings_the_item_into_view(page):
    entry = page.locator("nav.contents a[href^='#']").nth(3)
    target = entry.get_attribute("href")
    entry.click()
    assert page.evaluate("location.hash") == target
    box = _box(page, target)
    assert 0 <= box["y"] < page.viewport_size["height"]


def test_print_stylesheet_hides_the_screen_only_parts(browser, sample_build):
    page = browser.new_page()
    page.goto(sample_build.html.as_uri())
    page.emulate_media(media="print")
    assert not page.locator(".pdf-link").is_visible()
    assert page.locator(".item-title").first.is_visible()
    page.close()
