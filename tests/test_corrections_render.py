"""Corrections as readers meet them, in a site built whole from the sample issue corrected twice
(its first item on November 20, the issue as a whole on November 22) and a later issue of
November 16 without corrections: the page's notice and each correction at its place, the PDF's
errata box and the correction at its item (text found by pdftotext and pypdf, tags checked by
pdfua), the Atom feed and the sitemap moved to the day of the latest correction, the archive's
mark, the email's block; and the versions and old anchors of `archive.history` on the page,
through `render_web`. axe-core and the Nu Html Checker check the corrected page, as the audit
(tests/test_audit.py) checks the sample site, which has no corrections."""

from __future__ import annotations

import datetime as dt
import logging
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pikepdf
import pytest

from browser import BEST_PRACTICE, axe_violations
from bulletin.archive.history import History, How, Version, version_path
from conftest import SAMPLE, SAMPLE_FOLDER, copy_project, edit
from sentences import found, normal, pdf_pages
from test_audit import nu_messages
from test_html import Element, parse, parse_source
from test_pdf_tags import (
    Tagged,
    elements,
    is_element,
    kids,
    kind,
    pdfua_validate,  # noqa: F401 (a fixture, asked for by name)
    read_pieces,
)
from web_server import serve

LATER = "2021-11-16"
ITEM_1 = SAMPLE_FOLDER / "top/01-carbon-neutrality.md"
ITEM_TEXT = (
    "An earlier version said the guidelines came from the State Council alone; the *CCPCC* "
    "issued them jointly with it."
)
ITEM_SHOWN = ITEM_TEXT.replace("*", "")
"""The item's correction as printed (its Markdown emphasis is markup)."""
ISSUE_TEXT = "An earlier version gave the wrong date for two news items in Worth noting."
ITEM_DAY, ISSUE_DAY = dt.date(2021, 11, 20), dt.date(2021, 11, 22)
HEADLINE = "Landmark carbon neutrality plan raises the stakes for local officials"
NOTICE = "Version 3, corrected on November 22, 2021: this issue was changed after it went out."
AT_ITEM = f"Correction (November 20, 2021): {ITEM_SHOWN}"
PDF_NAME = "china-industries-2021-11-02.pdf"


@dataclass(frozen=True)
class Corrected:
    """The site built with the corrected sample; `warnings`: what WeasyPrint logged."""

    root: Path
    warnings: tuple[str, ...]

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def page(self) -> Path:
        return self.build / "issues" / SAMPLE / "index.html"

    @property
    def pdf(self) -> Path:
        return self.build / "issues" / SAMPLE / PDF_NAME


def add_corrections(root: Path) -> None:
    """A correction of item 1 (November 20) and one of the issue as a whole (November 22)."""
    edit(
        root / ITEM_1,
        "  date: 2021-10-24\n---",
        f"  date: 2021-10-24\ncorrections:\n  - date: {ITEM_DAY}\n    text: {ITEM_TEXT}\n---",
    )
    edit(
        root / SAMPLE_FOLDER / "issue.md",
        "    role: Editor\n---",
        f"    role: Editor\ncorrections:\n  - date: {ISSUE_DAY}\n    text: {ISSUE_TEXT}\n---",
    )


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory) -> Corrected:
    """The sample corrected, and a later issue without corrections, built as a whole site in
    this process, recording anything WeasyPrint logs."""
    from bulletin.project import find_project
    from bulletin.render.pdf import WarningLog
    from bulletin.site.build import build
    from synthetic import add_issue

    root = copy_project(tmp_path_factory.mktemp("corrected"))
    add_issue(root, dt.date.fromisoformat(LATER))
    add_corrections(root)
    collect = WarningLog()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        build(find_project(root))
    finally:
        logger.removeHandler(collect)
    return Corrected(root, tuple(collect.messages))


@pytest.fixture(scope="module")
def page(corrected: Corrected) -> list[Element]:
    return parse(corrected.page)


def by_id(elements_: list[Element], id_: str) -> Element:
    [element] = [element for element in elements_ if element.attrs.get("id") == id_]
    return element


def words(text: str) -> str:
    return " ".join(text.split())


# The web page


def test_the_notice_comes_after_the_masthead_and_before_the_contents(page):
    notice = by_id(page, "corrections")
    order = [e for e in page if e is notice or "masthead" in e.classes or "contents" in e.classes]
    assert [e.attrs.get("id") or e.classes[0] for e in order] == [
        "masthead",
        "corrections",
        "contents",
    ]
    assert notice.tag == "section" and notice.attrs["aria-labelledby"] == "corrections-title"
    assert words(by_id(page, "corrections-title").text) == "Corrections"
    [line] = [e for e in page if "errata-notice" in e.classes]
    assert words(line.text) == NOTICE


def test_the_notice_lists_every_correction_in_the_order_made(page):
    entries = [e for e in page if e.tag == "li" and e.inside("ol", "errata-list")]
    assert [words(e.text) for e in entries] == [
        f"Correction (November 20, 2021), 1. {HEADLINE}: {ITEM_SHOWN}",
        f"Correction (November 22, 2021): {ISSUE_TEXT}",
    ]
    [link] = [e for e in page if e.tag == "a" and "errata-item" in e.classes]
    assert link.attrs["href"] == "#correction-1" and link.ancestors[-1] is entries[0]
    assert entries[1].attrs.get("id") == "correction-2"  # the issue's: shown only here
    assert "id" not in entries[0].attrs


def test_a_correction_of_an_item_is_a_note_at_the_top_of_the_item(page):
    correction = by_id(page, "correction-1")
    assert correction.attrs.get("role") == "note" and "correction" in correction.classes
    item = correction.ancestors[-1]
    assert item.tag == "article" and item.attrs["id"] == "carbon-neutrality"
    assert words(correction.text) == AT_ITEM
    inside = [e for e in page if item in e.ancestors and e.ancestors[-1] is item]
    assert [e.tag for e in inside[:2]] == ["h3", "div"] and inside[1] is correction
    assert "glance" in inside[2].classes
    assert [e for e in page if "correction" in e.classes] == [correction]


def test_every_in_page_link_lands_and_no_id_is_given_twice(page):
    ids = Counter(e.attrs["id"] for e in page if "id" in e.attrs)
    assert [id_ for id_, count in ids.items() if count > 1] == []
    targets = {e.attrs["href"][1:] for e in page if e.attrs.get("href", "").startswith("#")}
    assert {"correction-1", "corrections"} <= ids.keys() and targets <= ids.keys()


def test_a_page_without_corrections_shows_no_notice(corrected):
    later = parse(corrected.build / "issues" / LATER / "index.html")
    assert not [e for e in later if e.attrs.get("id", "").startswith("correction")]
    assert not [e for e in later if {"errata", "correction"} & set(e.classes)]


def test_the_page_says_when_it_was_modified(page):
    [meta] = [e for e in page if e.attrs.get("property") == "article:modified_time"]
    assert meta.attrs["content"] == ISSUE_DAY.isoformat()


# The record of the issue (archive.history) on the page


def history_of(*versions: tuple[How, dt.date]) -> History:
    """A history of these versions (how, day), with old ids for item 1 and the first group."""
    kept = tuple(
        Version(number, how, day, version_path(f"issues/{SAMPLE}/", number, PDF_NAME[:-4]))
        for number, (how, day) in enumerate(versions, 1)
    )
    aliases = {"carbon-neutrality": ("item-1", "landmark"), "policy-news": ("news-1",)}
    return History(kept, MappingProxyType(aliases))


SENT_THEN_CORRECTED = history_of((How.SENT, dt.date(2021, 11, 2)), (How.SENT, ITEM_DAY))


def render_with(corrected: Corrected, history: History, name: str) -> Path:
    """The corrected issue's page rendered with `history`, written beside the built page."""
    from bulletin.content.validate import check
    from bulletin.project import find_project, parse_date
    from bulletin.render.html import Theme, render_web

    project = find_project(corrected.root)
    issue = check(project, [parse_date(SAMPLE)]).issues[SAMPLE]
    path = corrected.page.with_name(name)
    path.write_text(render_web(issue, Theme(project.templates), history), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def with_history(corrected: Corrected) -> Path:
    return render_with(corrected, SENT_THEN_CORRECTED, "with-history.html")


def pdf_links(elements_: list[Element]) -> list[tuple[str, str]]:
    return [
        (e.attrs["href"], words(e.text))
        for e in elements_
        if e.tag == "a" and e.inside("nav", "pdf-link")
    ]


def test_the_versions_kept_are_linked_beside_the_pdf_oldest_first(with_history):
    versions = f"../../issues/{SAMPLE}/versions"
    assert pdf_links(parse(with_history)) == [
        (PDF_NAME, "Download the PDF"),
        (f"{versions}/1/{PDF_NAME}", "As sent on November 2, 2021 (PDF)"),
        (f"{versions}/2/{PDF_NAME}", "Version 2, corrected on November 20, 2021 (PDF)"),
    ]
    assert (with_history.parent / "../..").resolve() == with_history.parents[2]  # the root


def test_a_version_first_published_on_the_site_says_so(corrected):
    published = history_of((How.PUBLISHED, dt.date(2021, 11, 3)))
    path = render_with(corrected, published, "published.html")
    assert [text for _, text in pdf_links(parse(path))] == [
        "Download the PDF",
        "As published on November 3, 2021 (PDF)",
    ]


def test_without_a_history_the_page_links_only_the_pdf(page):
    assert pdf_links(page) == [(PDF_NAME, "Download the PDF")]
    assert not [e for e in page if "anchor-alias" in e.classes]


def test_old_ids_stay_as_empty_elements_at_the_start_of_their_item_or_group(with_history):
    elements_ = parse(with_history)
    aliases = [e for e in elements_ if "anchor-alias" in e.classes]
    assert [(e.attrs["id"], e.ancestors[-1].attrs["id"], e.text) for e in aliases] == [
        ("item-1", "carbon-neutrality", ""),
        ("landmark", "carbon-neutrality", ""),
        ("news-1", "policy-news", ""),
    ]
    for alias in aliases:
        parent = alias.ancestors[-1]
        children = [e for e in elements_ if e.ancestors and e.ancestors[-1] is parent]
        assert children.index(alias) < [e.tag for e in children].index("h3")
    ids = Counter(e.attrs["id"] for e in elements_ if "id" in e.attrs)
    assert [id_ for id_, count in ids.items() if count > 1] == []


@pytest.fixture(scope="module")
def site_url(corrected: Corrected) -> Iterator[str]:
    with serve(corrected.build) as url:
        yield url


@pytest.mark.parametrize("old, now", [("item-1", "carbon-neutrality"), ("news-1", "policy-news")])
def test_an_old_id_in_an_address_lands_on_its_item_in_a_browser(
    browser, site_url, with_history, old, now
):
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(f"{site_url}issues/{SAMPLE}/{with_history.name}#{old}", wait_until="load")
    top = tab.evaluate(f"document.getElementById('{now}').getBoundingClientRect().top")
    scrolled = tab.evaluate("window.scrollY")
    tab.close()
    assert scrolled > 300 and -1 <= top <= 40, (scrolled, top)  # scrolled to it


# The corrected pages against axe-core and the Nu Html Checker


@pytest.mark.parametrize("width", [1280, 375])
def test_axe_finds_nothing_on_the_corrected_pages(browser, site_url, with_history, width):
    tab = browser.new_page(viewport={"width": width, "height": 900})
    found_ = {}
    for path in (f"issues/{SAMPLE}/", f"issues/{SAMPLE}/{with_history.name}", ""):
        tab.goto(site_url + path, wait_until="load")
        if violations := axe_violations(tab, BEST_PRACTICE):
            found_[path] = violations
    tab.close()
    assert found_ == {}


def test_the_nu_html_checker_finds_nothing_on_the_corrected_pages(corrected, with_history):
    pages = [corrected.page, with_history, corrected.build / "index.html"]
    assert nu_messages(pages) == {}


# The archive, the feed, the sitemap


def test_the_archive_marks_the_corrected_issue_only(corrected):
    archive = parse(corrected.build / "index.html")
    marks = [
        e for e in archive if e.tag == "a" and e.attrs.get("href", "").endswith("#corrections")
    ]
    assert [(m.attrs["href"], words(m.text)) for m in marks] == [
        (f"issues/{SAMPLE}/#corrections", "Version 3, corrected on November 22, 2021")
    ]


def test_the_feed_entry_is_updated_on_the_day_of_the_latest_correction(corrected):
    import feedparser

    feed = feedparser.parse((corrected.build / "feed.xml").read_bytes())
    assert feed.bozo == 0
    entries = {entry.id.rstrip("/").rsplit("/", 1)[1]: entry for entry in feed.entries}
    assert entries[SAMPLE].published.startswith(SAMPLE)
    assert entries[SAMPLE].updated.startswith(ISSUE_DAY.isoformat())
    assert entries[LATER].updated.startswith(LATER)  # newer issue, older change
    assert feed.feed.updated.startswith(ISSUE_DAY.isoformat())
    content = parse_source(entries[SAMPLE].content[0].value)
    [notice] = [e for e in content if "errata-notice" in e.classes]
    assert words(notice.text) == NOTICE and content.index(notice) == 0  # before the items
    links = [e.attrs["href"] for e in content if "errata-item" in e.classes]
    assert links == [f"https://bulletin.example.org/issues/{SAMPLE}/#correction-1"]


def test_the_sitemap_gives_the_issue_page_and_the_archive_the_correction_day(corrected):
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = ET.parse(corrected.build / "sitemap.xml").getroot()
    lastmod = {
        url.findtext(f"{namespace}loc"): url.findtext(f"{namespace}lastmod")
        for url in root.iter(f"{namespace}url")
    }
    base = "https://bulletin.example.org/"
    assert lastmod[f"{base}issues/{SAMPLE}/"] == ISSUE_DAY.isoformat()
    assert lastmod[f"{base}issues/{LATER}/"] == LATER
    assert lastmod[base] == ISSUE_DAY.isoformat()


# The PDF


@pytest.mark.parametrize("tool", ["pdftotext", "pypdf"])
def test_the_pdf_prints_the_errata_box_on_the_cover_and_the_correction_at_its_item(corrected, tool):
    pages = pdf_pages(corrected.pdf, tool)
    cover = pages[0]
    for sentence in (
        NOTICE,
        f"Correction (November 20, 2021), 1. {HEADLINE} (p. 2): {ITEM_SHOWN}",
        f"Correction (November 22, 2021): {ISSUE_TEXT}",
    ):
        assert found(sentence, [cover]), sentence
    assert cover.index("CORRECTIONS") < cover.index("CONTENTS")  # the box before the contents
    item_page = pages[1]
    assert f"1. {HEADLINE} {AT_ITEM}" in item_page


def test_weasyprint_logs_no_warning(corrected):
    assert corrected.warnings == ()


def test_the_pdf_is_modified_on_the_day_of_the_latest_correction(corrected):
    from pypdf import PdfReader

    info = PdfReader(corrected.pdf).metadata
    assert info["/ModDate"].startswith("D:20211122") and info["/CreationDate"].startswith(
        "D:20211102"
    )


@pytest.fixture(scope="module")
def tagged(corrected: Corrected) -> Iterator[Tagged]:
    """The corrected PDF as test_pdf_tags reads it: its structure and marked content."""
    with pikepdf.open(corrected.pdf) as pdf:
        pieces = read_pieces(corrected.pdf)
        yield Tagged(SAMPLE, corrected.root, "default", corrected.pdf, pdf, pieces)


def test_the_errata_box_is_a_section_with_its_heading_and_a_list(tagged):
    [box] = [e for e in tagged.of_kind("/Sect") if tagged.text(e).startswith("CORRECTIONS")]
    inner = [kind(kid) for kid in kids(box) if is_element(kid)]
    assert inner == ["/H2", "/P", "/L"]
    items = [kid for kid in kids(kids(box)[2]) if is_element(kid)]
    assert [[kind(k) for k in kids(item) if is_element(k)] for item in items] == [
        ["/Lbl", "/LBody"]
    ] * 2
    assert [tagged.text(kids(item)[0]) for item in items] == ["1.", "2."]
    [link] = [e for e in elements(box) if kind(e) == "/Link"]
    assert normal(tagged.text(link)) == f"1. {HEADLINE} (p. 2)"


def test_the_correction_at_the_item_is_read_after_its_heading(tagged):
    [article] = [e for e in tagged.of_kind("/Art") if tagged.text(e).startswith(f"1. {HEADLINE}")]
    inner = [kid for kid in kids(article) if is_element(kid)]
    assert [kind(kid) for kid in inner[:2]] == ["/H3", "/Div"]
    assert normal(tagged.text(inner[1])).replace("( ", "(").replace(" )", ")") == AT_ITEM


def test_pdfua_finds_nothing_in_the_corrected_pdf(tagged, pdfua_validate):  # noqa: F811
    report = pdfua_validate(str(tagged.path))
    assert report.skipped == ()
    assert [(finding.rule_id, finding.message) for finding in report.findings] == []


# The email of the issue, sent after a correction


def test_the_email_shows_the_corrections_at_the_top(corrected):
    from bulletin.content.validate import check
    from bulletin.mail.message import render_html, render_text
    from bulletin.project import find_project, parse_date
    from bulletin.render.html import Theme

    project = find_project(corrected.root)
    issue = check(project, [parse_date(SAMPLE)]).issues[SAMPLE]
    theme = Theme(project.templates)
    text = render_text(issue, theme)
    assert words(text).index("CORRECTIONS") < words(text).index("MERICS TOP 5")
    assert NOTICE in words(text)
    url = f"https://bulletin.example.org/issues/{SAMPLE}/#correction-1"
    assert f"1. Correction (November 20, 2021), 1. {HEADLINE} <{url}>: {ITEM_SHOWN}" in words(text)
    assert f"2. Correction (November 22, 2021): {ISSUE_TEXT}" in words(text)
    html = parse_source(render_html(issue, theme))
    [block] = [e for e in html if e.tag == "td" and "errata" in e.classes]
    assert NOTICE in words(block.text)
    assert [e.attrs["href"] for e in html if e.tag == "a" and e.inside("td", "errata")] == [url]
