"""What the site tells browsers, crawlers and link previews: the icon (the theme's or the
publication's own), robots.txt, page descriptions of at most 160 characters, the PDF link in
a landmark and the search box's visible label."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
from markupsafe import Markup

from conftest import REPO, SAMPLE, copy_project, edit, run

BASE = "https://bulletin.example.org/"


def pages(build: Path) -> list[Path]:
    return sorted(p for p in build.rglob("*.html") if "pagefind" not in p.parts)


def attribute_values(page: Path, pattern: str) -> list[str]:
    """The values a regular expression's group finds in a page's source, unescaped."""
    text = page.read_text(encoding="utf-8")
    return [Markup(value).unescape() for value in re.findall(pattern, text)]


# The icon


def test_every_page_links_the_theme_icon_at_the_site_root(site_build):
    build = site_build / "build"
    icon = build / "favicon.svg"
    assert icon.read_bytes() == (REPO / "templates" / "favicon.svg").read_bytes()
    for page in pages(build):
        (href,) = attribute_values(page, r'<link rel="icon" href="([^"]+)">')
        here = BASE + page.relative_to(build).as_posix()
        assert urljoin(here, href) == BASE + "favicon.svg", page


def test_a_publication_icon_replaces_the_theme_icon(tmp_path):
    root = copy_project(tmp_path / "p")
    publication = root / "content" / "publication.yaml"
    edit(publication, "language: en\n", "language: en\nfavicon: brand/Icon.PNG\n")
    (root / "content" / "brand").mkdir()
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 40  # what browsers are given: the file as it is
    (root / "content" / "brand" / "Icon.PNG").write_bytes(png)
    result = run(root, "build", SAMPLE)
    assert result.returncode == 0, result.stderr
    build = root / "build"
    assert (build / "favicon.png").read_bytes() == png
    assert not (build / "favicon.svg").exists()
    page = build / "issues" / SAMPLE / "index.html"
    assert attribute_values(page, r'<link rel="icon" href="([^"]+)">') == ["../../favicon.png"]


def test_a_missing_theme_icon_is_one_line_naming_it_and_nothing_is_written(tmp_path):
    root = copy_project(tmp_path / "p")
    (root / "templates" / "favicon.svg").unlink()
    result = run(root, "build", SAMPLE)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "templates/favicon.svg: error: favicon: the site's icon is missing: put the icon there, "
        "or name another with `favicon` in content/publication.yaml"
    )
    assert not (root / "build").exists()


def test_a_changed_icon_rebuilds_the_site(tmp_path):
    root = copy_project(tmp_path / "p")
    edit(root / "content" / "publication.yaml", "language: en\n", "language: en\nfavicon: i.ico\n")
    (root / "content" / "i.ico").write_bytes(b"\0\0\1\0first")
    assert run(root, "build").returncode == 0
    (root / "content" / "i.ico").write_bytes(b"\0\0\1\0second icon")
    result = run(root, "build")
    assert result.returncode == 0, result.stderr
    assert "build/favicon.ico" in result.stdout
    assert (root / "build" / "favicon.ico").read_bytes() == b"\0\0\1\0second icon"


# robots.txt


def test_robots_txt_names_the_sitemap_by_its_address(site_build):
    robots = (site_build / "build" / "robots.txt").read_text(encoding="utf-8")
    lines = robots.splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {BASE}sitemap.xml" in lines
    assert not any(line.startswith("Disallow: /") and line != "Disallow: " for line in lines)


# Descriptions


def test_every_description_is_at_most_160_characters_and_says_what_the_page_is(site_build):
    build = site_build / "build"
    for page in pages(build):
        descriptions = attribute_values(page, r'<meta name="description" content="([^"]*)">')
        descriptions += attribute_values(
            page, r'<meta property="og:description" content="([^"]*)">'
        )
        assert descriptions, page
        assert all(20 < len(text) <= 160 for text in descriptions), (page, descriptions)
    issue = build / "issues" / SAMPLE / "index.html"
    (description,) = attribute_values(issue, r'<meta name="description" content="([^"]*)">')
    assert description.startswith("China Industries, November 2, 2021: Landmark carbon")
    assert description.endswith("\u2026")
    assert (
        "Every policy of the"
        in attribute_values(
            build / "bodies" / "miit" / "index.html", r'<meta name="description" content="([^"]*)">'
        )[0]
    )


@pytest.mark.parametrize(
    ("text", "clipped"),
    [
        ("Short one.", "Short one."),
        ("one two three four", "one two\u2026"),
        ("one two, three", "one two\u2026"),
        ("one twothreefour", "one\u2026"),
        ("abcdefghijklmnop", "abcdefghi\u2026"),
        ("0123456789", "0123456789"),
        ("one two three", "one two\u2026"),
    ],
)
def test_clip_cuts_at_a_word_with_an_ellipsis(text, clipped):
    from bulletin.render.html import clip

    assert clip(text, 10) == clipped
    assert len(clipped) <= 10


def test_clip_cuts_markup_as_the_text_it_shows():
    from bulletin.render.html import clip

    cut = clip(Markup("R&amp;D &amp; more words"), 10)
    assert isinstance(cut, Markup)
    assert cut == Markup("R&amp;D &amp;\u2026")  # 'R&D &' + ellipsis: no reference split
    assert Markup(cut).unescape() == "R&D &\u2026"


# Landmarks and labels


def test_the_pdf_link_is_inside_a_landmark(sample_build):
    page = sample_build.html.read_text(encoding="utf-8")
    nav = re.search(r'<nav class="pdf-link" aria-label="([^"]+)">(.*?)</nav>', page, re.S)
    assert nav is not None and nav[1] == "Download the PDF"
    assert 'href="china-industries-2021-11-02.pdf"' in nav[2]


def test_the_search_box_has_a_visible_label(browser, site_build):
    from web_server import serve

    with serve(site_build / "build") as url:
        page = browser.new_page(viewport={"width": 375, "height": 800})
        page.goto(url + "search/")
        box = page.get_by_label("Words to find in every issue of China Industries")
        box.wait_for(timeout=10_000)
        assert box.evaluate("input => input.classList.contains('pagefind-ui__search-input')")
        label = page.locator("label.search-label")
        assert label.is_visible()
        label.click()
        assert box.evaluate("input => document.activeElement === input")
        page.close()
