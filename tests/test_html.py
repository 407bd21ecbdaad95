"""The web edition: build/issues/DATE/index.html, parsed with the standard library's html.parser.

What is checked: contents links that land on an element, unique ids, Chinese titles marked
lang="zh-Hans", the page language, the PDF and stylesheet it links, and that nothing an
editor writes (raw HTML, javascript: links) becomes a script, an event handler or a live
javascript: link.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bulletin.content import markdown
from bulletin.content.read import read_markdown
from conftest import SAMPLE, SAMPLE_FOLDER, copy_project, edit, run

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip

ITEM_1 = SAMPLE_FOLDER / "top/01-carbon-neutrality.md"
WORTH_NOTING = SAMPLE_FOLDER / "worth-noting.md"
NEWS_TEXT = "text: MIIT invites comments on instructions for new energy vehicle safety systems."


@dataclass
class Element:
    """One element of the page: tag, attributes, its text (with its descendants'), ancestors."""

    tag: str
    attrs: dict[str, str]
    ancestors: tuple[Element, ...]
    text: str = ""
    classes: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.classes = self.attrs.get("class", "").split()

    def inside(self, tag: str, cls: str) -> bool:
        return any(a.tag == tag and cls in a.classes for a in self.ancestors)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, tuple(self.open))
        self.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}, tuple(self.open)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data


def parse(path: Path) -> list[Element]:
    """Every element of an HTML file, in document order."""
    return parse_source(path.read_text(encoding="utf-8"))


def parse_source(source: str) -> list[Element]:
    """Every element of an HTML text, in document order."""
    parser = _Parser()
    parser.feed(source)
    parser.close()
    return parser.elements


def page_path(root: Path) -> Path:
    return root / "build/issues" / SAMPLE / "index.html"


def is_javascript(url: str) -> bool:
    """Whether a browser would run the URL: scheme 'javascript', ignoring case and blanks."""
    return re.sub(r"[\x00-\x20]+", "", url).lower().startswith("javascript:")


@pytest.fixture(scope="module")
def elements(sample_build):
    return parse(sample_build.html)


# The sample page


def test_page_language_is_english(elements):
    assert elements[0].tag == "html"
    assert elements[0].attrs.get("lang") == "en"


def test_page_describes_itself_for_search_and_sharing(elements):
    meta = {
        e.attrs.get("name") or e.attrs.get("property"): e.attrs.get("content", "")
        for e in elements
        if e.tag == "meta"
    }
    issue_url = "https://bulletin.example.org/issues/2021-11-02/"
    assert meta["og:url"] == issue_url
    assert meta["og:title"] == "China Industries: November 2, 2021"
    assert meta["og:type"] == "article"
    assert meta["article:published_time"] == "2021-11-02"
    assert meta["og:description"].startswith("MERICS Top 5: Landmark carbon neutrality plan")
    assert meta["description"].startswith("China Industries, November 2, 2021: ")
    canonical = [e.attrs["href"] for e in elements if e.attrs.get("rel") == "canonical"]
    assert canonical == [issue_url]


def test_contents_links_land_on_elements_of_the_page(elements, sample_build):
    folder = sample_build.root / SAMPLE_FOLDER
    items = len(list((folder / "top").glob("*.md")))
    groups = len(read_markdown(folder / "worth-noting.md", "worth-noting.md").data["groups"])
    hrefs = [
        e.attrs.get("href", "") for e in elements if e.tag == "a" and e.inside("nav", "contents")
    ]
    assert len(hrefs) == 2 + items + groups  # two sections, their entries
    assert all(href.startswith("#") and len(href) > 1 for href in hrefs), hrefs
    ids = {e.attrs["id"] for e in elements if "id" in e.attrs}
    assert [href for href in hrefs if href[1:] not in ids] == []


def test_ids_are_unique(elements):
    ids = Counter(e.attrs["id"] for e in elements if "id" in e.attrs)
    assert len(ids) > 10
    assert [name for name, count in ids.items() if count > 1] == []


def test_chinese_titles_are_marked_as_chinese(elements, sample_build):
    top = sorted((sample_build.root / SAMPLE_FOLDER / "top").glob("*.md"))
    titles = [read_markdown(path, path.name).data["policy"]["name_zh"] for path in top]
    chinese = [e.text for e in elements if e.attrs.get("lang") == "zh-Hans"]
    assert [title for title in titles if not any(title in text for text in chinese)] == []


def test_links_the_pdf_beside_the_page(elements, sample_build):
    pdfs = [
        e.attrs["href"]
        for e in elements
        if e.tag == "a" and e.attrs.get("href", "").endswith(".pdf")
    ]
    assert pdfs
    assert {(sample_build.html.parent / href).resolve() for href in pdfs} == {
        sample_build.pdf.resolve()
    }
    assert sample_build.pdf.is_file()


def test_linked_stylesheet_exists_under_build(elements, sample_build):
    sheets = [
        e.attrs["href"] for e in elements if e.tag == "link" and e.attrs.get("rel") == "stylesheet"
    ]
    assert sheets
    build = (sample_build.root / "build").resolve()
    for href in sheets:
        path = (sample_build.html.parent / href).resolve()
        assert path.is_file() and path.is_relative_to(build), href


# Hostile content


HOSTILE = "<script>alert(1)</script> and <img src=x onerror=alert(1)> here."
HOSTILE_NEWS = "<script>alert(2)</script> <img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A project with raw HTML in item 1's comment and in a news item, as `check` allows them;
    built with the CLI. Returns (root, page source, elements)."""
    root = copy_project(tmp_path_factory.mktemp("hostile"))
    edit(root / ITEM_1, "## Comment\n\n", f"## Comment\n\n{HOSTILE}\n\n")
    edit(root / WORTH_NOTING, NEWS_TEXT, f"text: '{HOSTILE_NEWS} MIIT invites comments.'")
    result = run(root, "build", SAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    page = page_path(root)
    return root, page.read_text(encoding="utf-8"), parse(page)


def test_raw_html_in_content_makes_no_script(hostile):
    _, _, elements = hostile
    assert [e for e in elements if e.tag == "script"] == []


def test_raw_html_in_content_makes_no_event_handler(hostile):
    _, _, elements = hostile
    assert [(e.tag, a) for e in elements for a in e.attrs if a.lower().startswith("on")] == []


def test_javascript_link_in_news_text_refuses_the_build(project):
    edit(project / WORTH_NOTING, NEWS_TEXT, "text: 'MIIT invites [comments](javascript:alert(2)).'")
    result = run(project, "build", SAMPLE)
    assert result.returncode == 1
    assert "text: unsafe link scheme 'javascript:'" in result.stderr
    assert not page_path(project).exists()


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "JavaScript:alert(1)", "vbscript:x", "data:text/html,x"]
)
def test_renderer_never_makes_a_live_unsafe_link_even_unchecked(link):
    """Defence in depth: the Markdown renderer itself refuses the link, whatever check says."""
    for html in (markdown.render_inline(f"[x]({link})"), markdown.render_inline(f"<{link}>")):
        elements = parse_source(html)
        assert [e.attrs for e in elements if "href" in e.attrs] == []


def test_raw_html_in_content_is_shown_escaped(hostile):
    _, source, elements = hostile
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in source
    comment = next(e.text for e in elements if "comment" in e.classes)
    assert "<script>alert(1)</script>" in comment and "onerror=alert(1)" in comment


def test_javascript_link_in_a_body_refuses_the_build(project):
    edit(project / ITEM_1, "## Comment\n\n", "## Comment\n\nSee [x](javascript:alert(1)).\n\n")
    result = run(project, "build", SAMPLE)
    assert result.returncode == 1
    assert "unsafe link scheme 'javascript:'" in result.stderr
    assert not page_path(project).exists()


# Anchors made from content


def render_page(root: Path) -> list[Element] | None:
    """The web page of content that `check` accepts, rendered without its PDF; None if refused."""
    from bulletin.content.validate import check
    from bulletin.diagnostics import has_errors
    from bulletin.project import find_project, parse_date
    from bulletin.render.html import Theme, render_web

    checked = check(find_project(root), [parse_date(SAMPLE)])
    if has_errors(checked.diagnostics):
        return None
    html = render_web(checked.issues[SAMPLE], Theme(root / "templates"))
    path = root / "page.html"
    path.write_text(html, encoding="utf-8")
    return parse(path)


def rename_item_1(root: Path) -> None:
    (root / ITEM_1).rename(root / ITEM_1.with_name("01-content.md"))


def repeat_group_title(root: Path) -> None:
    edit(root / WORTH_NOTING, "title: Corporate news", "title: Policy news")


@pytest.mark.parametrize("change", [rename_item_1, repeat_group_title])
def test_content_that_checks_clean_gives_unique_ids(project, change):
    """An item file named 01-content.md would take the page's own #content; two groups of
    the same title would share an anchor: `check` must refuse both, or the ids stay unique."""
    change(project)
    elements = render_page(project)
    if elements is None:
        return  # refused by check: fine
    ids = Counter(e.attrs["id"] for e in elements if "id" in e.attrs)
    assert [name for name, count in ids.items() if count > 1] == []
