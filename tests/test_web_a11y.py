"""The web edition in a real browser: axe-core finds no WCAG 2.1 AA violation."""

from __future__ import annotations

import pytest

from browser import axe_violations


@pytest.mark.parametrize("width", [375, 1440])
def test_issue_page_has_no_accessibility_violations(browser, sample_build, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(sample_build.html.as_uri())
    assert axe_violations(page) == []
    page.close()


def test_axe_finds_a_violation_when_there_is_one(browser, tmp_path):
    """The check can fail: an image without alt text is a WCAG violation."""
    broken = tmp_path / "broken.html"
    broken.write_text('<!doctype html><html lang="en"><title>x</title><img src="x.png">')
    page = browser.new_page()
    page.goto(broken.as_uri())
    assert [v["id"] for v in axe_violations(page)] == ["image-alt"]
    page.close()
