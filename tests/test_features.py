"""What editors can write beyond text, in the built outputs of the test issue 2021-11-16
(tests/fixtures/issues/): notes at the foot of the PDF's pages and at the end of each item on
the web, numbered once for the issue; figures (SVG drawn as vector, PNG as an image); a long
table whose header repeats on the next page; sidebars where the editor wrote them; and the
email's numbered notes and figure address."""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from browser import axe_violations
from conftest import FEATURES, FEATURES_FOLDER, add_feature_issue, copy_project, run
from smtp_server import bulletin
from test_html import Element, parse
from test_pdf import contents_lines, heading_page, page_texts

NOTES = [
    # number, the words just before its first reference, words of its text
    (1, "year's level.", "The caps apply to crude"),
    (2, "must meet.", "Energy intensity is the energy"),
    (3, "the national fund.", "Fund sizes are the amounts"),
    (4, "and buildings.", "The best-known case is a"),
    (5, "never driven.", "In 2016 the Ministry of Finance"),
]
"""The notes of the test issue in reading order: items by rank, then within each item."""
AGAIN = [(1, "local officials."), (3, "cannot staff.")]
"""Second references to a note, each with the words before it."""


# The PDF, word by word (pdftotext -bbox: each word with its page and box)


@dataclass(frozen=True)
class Word:
    text: str
    page: int
    left: float
    top: float
    right: float
    height: float


def pdf_words(pdf: Path) -> tuple[list[Word], float]:
    """Every word of the PDF in reading order, and the pages' height in points."""
    xml = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-bbox", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', xml)[1])
    words: list[Word] = []
    for number, page in enumerate(xml.split("<page ")[1:], start=1):
        for left, top, right, bottom, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            page,
        ):
            top_ = float(top)
            words.append(
                Word(_plain(text), number, float(left), top_, float(right), float(bottom) - top_)
            )
    return words, height


def _plain(text: str) -> str:
    """A word as the tests write it: straight quotes, ASCII hyphens, entities decoded."""
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return text.translate(str.maketrans("\u2019\u2018\u201c\u201d\u2010", "''\"\"-"))


def find(words: list[Word], phrase: str) -> list[int]:
    """The index of the first word of each place the phrase is printed."""
    wanted = phrase.split()
    return [
        i
        for i in range(len(words) - len(wanted) + 1)
        if [w.text for w in words[i : i + len(wanted)]] == wanted
    ]


def one(words: list[Word], phrase: str) -> int:
    found = find(words, phrase)
    assert len(found) == 1, f"{phrase!r} is printed {len(found)} times"
    return found[0]


def call_after(words: list[Word], phrase: str) -> Word:
    """The note call printed just after a phrase: a smaller, raised number."""
    start = one(words, phrase)
    call = words[start + len(phrase.split())]
    before = words[start + len(phrase.split()) - 1]
    assert call.text.isdigit(), f"no note call after {phrase!r}: {call.text!r}"
    raised = call.top + call.height < before.top + before.height - 1
    assert call.height < before.height and raised, f"the call after {phrase!r} is not raised"
    return call


@pytest.fixture(scope="module")
def words(feature_build) -> tuple[list[Word], float]:
    return pdf_words(feature_build.pdf)


def test_weasyprint_logs_no_warning(feature_build):
    assert feature_build.warnings == ()


def test_each_note_is_at_the_foot_of_the_page_of_its_call(words):
    words, height = words
    for number, before, text in NOTES:
        call = call_after(words, before)
        assert call.text == str(number)
        note = words[one(words, text)]
        marker = words[one(words, text) - 1]
        assert marker.text == f"{number}.", f"note {number} is marked {marker.text!r}"
        assert note.page == call.page, f"note {number}: call on {call.page}, text on {note.page}"
        assert note.top > call.top and note.top > 0.75 * height, f"note {number} is not at the foot"


def test_a_note_cited_again_keeps_its_number_and_is_printed_once(words):
    words, _ = words
    for number, before in AGAIN:
        assert call_after(words, before).text == str(number)
    for number, _, text in NOTES:
        assert len(find(words, text)) == 1, f"note {number} is printed more than once"


def pdf_images(reader: PdfReader) -> dict[int, tuple[int, int]]:
    """The size of every image of the PDF (in its pages' resources, forms included), by
    object number."""
    found: dict[int, tuple[int, int]] = {}

    def walk(resources) -> None:
        for ref in (resources or {}).get("/XObject", {}).values():
            xobject = ref.get_object()
            if xobject["/Subtype"] == "/Image":
                found[ref.idnum] = (int(xobject["/Width"]), int(xobject["/Height"]))
            elif xobject["/Subtype"] == "/Form":
                walk(xobject.get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return found


def test_an_svg_figure_is_drawn_as_vector_and_a_png_as_an_image(feature_build, words):
    words, _ = words
    images = list(pdf_images(PdfReader(feature_build.pdf)).values())
    assert images == [(960, 420)]  # the PNG; the SVG is drawn as paths and text
    svg = words[one(words, "Crude steel output has fallen for five months in a row")]
    assert words[one(words, "Source: National Bureau of Statistics, monthly")].page == svg.page
    months = {w.text for w in words if w.page == svg.page and w.text in ("Jan", "May", "Oct")}
    assert months == {"Jan", "May", "Oct"}  # the chart's own text, drawn as text
    png = words[one(words, "Local chip funds now outweigh the national fund")]
    assert words[one(words, "Source: MERICS research based on fund")].page == png.page


def test_a_long_table_repeats_its_header_on_the_next_page(words):
    words, _ = words
    first, last = words[one(words, "Beijing 32.0")], words[one(words, "Xinjiang 1.0")]
    assert last.page == first.page + 1
    headers = [words[i] for i in find(words, "Firms funded Share of national IC output Since")]
    assert [h.page for h in headers] == [first.page, last.page]
    assert all(h.top < row.top for h, row in zip(headers, (first, last), strict=True))
    assert len(find(words, "Announced provincial integrated circuit")) == 1  # caption once


def test_numeric_columns_are_right_aligned_and_text_left(words):
    words, _ = words
    rows = [("Beijing", "32.0"), ("Tianjin", "10.5"), ("Hebei", "4.0"), ("Xinjiang", "1.0")]
    cells = [(words[one(words, f"{a} {b}")], words[one(words, f"{a} {b}") + 1]) for a, b in rows]
    assert max(n.left for n, _ in cells) - min(n.left for n, _ in cells) < 0.5  # names: left
    assert max(v.right for _, v in cells) - min(v.right for _, v in cells) < 0.5  # numbers: right
    assert len({v.left for _, v in cells}) > 1


def test_sidebars_are_printed_where_the_editor_wrote_them(words):
    words, _ = words
    order = [
        "the energy figures they are judged on.",
        "How the quota reaches a mill",
        "The mills have reacted by cutting",
        "Crude steel output has fallen for five months",
        "Who gains from the caps",
        "The cap is likely to stay",
        "Policy name",
    ]
    places = [find(words, phrase)[0] for phrase in order]
    assert places == sorted(places)


def test_a_wrapped_headline_in_the_contents_ends_in_its_page_number(feature_build):
    pages = page_texts(feature_build.pdf)
    lines = [line.strip() for line in pages[1].splitlines()]
    start = next(i for i, line in enumerate(lines) if "Beijing tells steelmakers" in line)
    assert "...." not in lines[start] and lines[start + 1].startswith("winter ....")  # wrapped
    entries = dict(contents_lines(pages[1], "Contents"))
    title = (
        "1. Beijing tells steelmakers to cap crude output again as provinces race to meet "
        "energy intensity targets by winter"
    )
    assert entries[title] == heading_page(pages, title)
    assert all(page == heading_page(pages, entry) for entry, page in entries.items())


# The web page


@pytest.fixture(scope="module")
def elements(feature_build) -> list[Element]:
    return parse(feature_build.html)


def test_ids_are_unique_and_every_note_link_lands_on_one(elements):
    ids = Counter(e.attrs["id"] for e in elements if "id" in e.attrs)
    assert [i for i, n in ids.items() if n > 1] == []
    links = [e for e in elements if e.tag == "a" and e.attrs.get("href", "").startswith("#")]
    assert [a.attrs["href"] for a in links if a.attrs["href"][1:] not in ids] == []


def test_notes_are_numbered_through_the_issue_with_back_links(elements):
    refs = [e for e in elements if e.tag == "a" and e.inside("sup", "note-ref")]
    first = list(dict.fromkeys(a.text for a in refs))
    assert first == ["1", "2", "3", "4", "5"]
    assert Counter(a.text for a in refs) == {"1": 2, "2": 1, "3": 2, "4": 1, "5": 1}
    for a in refs:
        assert a.attrs["href"] == f"#fn-{a.text}" and a.attrs["aria-label"] == f"Note {a.text}"
    notes = {e.attrs["id"]: e for e in elements if e.tag == "li" and e.inside("div", "notes")}
    for number, _, text in NOTES:
        note = notes[f"fn-{number}"]
        assert text in note.text.replace("\u2011", "-")
        back_links = [e for e in elements if "note-back" in e.classes]
        backs = [e.attrs["href"] for e in back_links if note in e.ancestors]
        ref_ids = [a.attrs["id"] for a in refs if a.text == str(number)]
        assert backs == [f"#{i}" for i in ref_ids]


def test_notes_are_listed_at_the_end_of_their_item(elements):
    articles = [e for e in elements if e.tag == "article"]
    for article, numbers in zip(articles, (["1", "2"], ["3", "4"], ["5"]), strict=True):
        inside = [e for e in elements if article in e.ancestors]
        [notes] = [e for e in inside if "notes" in e.classes]
        mine = [e for e in inside if e.tag == "li" and notes in e.ancestors]
        assert [e.attrs["value"] for e in mine] == numbers
        after = inside[inside.index(notes) + 1 :]
        assert all(notes in e.ancestors for e in after), "the notes are not last in the item"


def test_figures_have_alternate_text_size_caption_and_source(feature_build, elements):
    images = [e for e in elements if e.tag == "img" and e.inside("figure", "figure")]
    assert [(i.attrs["src"], i.attrs["width"], i.attrs["height"]) for i in images] == [
        ("figures/steel-output.svg", "640", "320"),
        ("figures/fund-sizes.png", "960", "420"),
    ]
    assert all(len(i.attrs["alt"]) > 40 for i in images)
    captions = [e.text for e in elements if e.tag == "figcaption"]
    assert "Crude steel output has fallen" in captions[0] and "Source: National" in captions[0]
    source = feature_build.root / FEATURES_FOLDER / "top"
    for image in images:
        copied = feature_build.html.parent / image.attrs["src"]
        assert copied.read_bytes() == (source / image.attrs["src"]).read_bytes()


def test_a_table_has_a_named_scrolling_region_a_header_and_numeric_columns(elements):
    region = next(e for e in elements if "table-scroll" in e.classes)
    assert region.attrs["role"] == "region" and region.attrs["tabindex"] == "0"
    caption = next(e for e in elements if e.tag == "caption")
    assert caption.attrs["id"] == region.attrs["aria-labelledby"]
    assert caption.text.startswith("Announced provincial integrated circuit funds")
    headers = [e for e in elements if e.tag == "th"]
    assert {h.attrs.get("scope") for h in headers} == {"col"}
    assert all(any(a.tag == "thead" for a in h.ancestors) for h in headers)
    classes = [h.attrs.get("class", "") for h in headers]
    assert classes == ["", "num", "num", "num", "align-left"]  # "Since": its written alignment
    first_row = [e for e in elements if e.tag == "td"][:5]
    assert [c.attrs.get("class", "") for c in first_row] == classes


def test_titles_get_typographic_quotes_and_anchors_stay(elements):
    titles = [e.text for e in elements if e.tag == "h3" and "item-title" in e.classes]
    assert "China\u2019s \u201chydrogen valleys\u201d compete" in titles[2]
    policy = [e.text for e in elements if e.tag == "dd" and e.inside("dl", "policy")]
    assert any("\u201cFuel Cell Vehicle Demonstration\u201d" in text for text in policy)
    anchors = [e.attrs["id"] for e in elements if e.tag == "section" and "news-group" in e.classes]
    assert anchors == ["policy-news", "corporate-news"]


def test_a_phone_shows_the_page_without_overflow_and_the_table_scrolls(browser, feature_build):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(feature_build.html.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    region = page.locator(".table-scroll")
    assert region.evaluate("e => e.scrollWidth > e.clientWidth")
    for image in page.locator("figure img").all():
        box = image.bounding_box()
        parent = image.evaluate("e => e.parentElement.getBoundingClientRect().width")
        ratio = int(image.get_attribute("height")) / int(image.get_attribute("width"))
        assert box["width"] <= parent + 0.5
        assert abs(box["height"] - box["width"] * ratio) < 2
    region.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('.table-scroll').scrollLeft > 0")
    page.close()


@pytest.mark.parametrize("width", [375, 1440])
def test_the_page_passes_axe(browser, feature_build, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(feature_build.html.as_uri())
    assert axe_violations(page) == []
    page.close()


# The email


def test_the_email_numbers_the_notes_of_each_summary_and_shows_figures_from_the_site(
    feature_build, tmp_path
):
    root = tmp_path / "project"
    for name in ("content", "templates", "build"):
        shutil.copytree(feature_build.root / name, root / name)
    (root / "subscribers.csv").write_text("email\nanna@example.org\n", encoding="utf-8")
    result = bulletin(root, "send", FEATURES, "--to", str(root / "subscribers.csv"))
    assert result.returncode == 0, result.stderr
    [sent] = (root / "outbox" / FEATURES).glob("*.eml")
    message = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "year's level.[1] Mills" in " ".join(text.replace("\u2019", "'").split())
    figure = "\n\n[Bar chart comparing announced chip investment funds in billion yuan:"
    assert figure in text
    assert "\n\nLocal chip funds now outweigh the national fund\n\nSource: MERICS" in text
    assert re.search(r"\n\[1\] The caps apply to crude steel,[^\n]*\n    \S", text)
    assert "\n[3] Fund sizes are the amounts announced" in text
    assert text.index("[3] Fund sizes") < text.index(
        "comment: https://bulletin.example.org/issues/2021-11-16/#chip"
    )
    assert "[2]" not in text  # cited in a comment only: the email shows summaries
    html = message.get_body(("html",)).get_content()
    url = "https://bulletin.example.org/issues/2021-11-16/figures/fund-sizes.png"
    image = re.search(rf'<img src="{re.escape(url)}"[^>]*>', html)
    assert image and 'width="536"' in image[0] and 'height="234"' in image[0]
    assert "[1]</sup>" in html and "[1] The caps apply" in html


def test_an_svg_figure_is_mailed_as_a_png_copy_the_build_makes(tmp_path):
    root = add_feature_issue(copy_project(tmp_path / "p"))
    item = root / FEATURES_FOLDER / "top/01-steel-output.md"
    text = item.read_text(encoding="utf-8")
    start = text.index("::: figure Crude steel")
    block = text[start : text.index(":::\n", start + 3) + 4]
    summary = text.replace(block, "").replace("## Comment", block + "\n## Comment", 1)
    item.write_text(summary, encoding="utf-8")
    assert run(root, "build", FEATURES).returncode == 0
    copy = root / "build/issues" / FEATURES / "figures/steel-output.svg.png"
    with Image.open(copy) as image:
        assert image.format == "PNG" and image.size == (1072, 536)  # twice 536 x 268
        colours = {colour: count for count, colour in image.convert("RGB").getcolors(1 << 24)}
        bars = colours.get((13, 90, 110), 0)
    assert bars > 1072 * 536 // 20  # the drawing's bars, in the accent colour, are there
    (root / "subscribers.csv").write_text("email\nanna@example.org\n", encoding="utf-8")
    result = bulletin(root, "send", FEATURES, "--to", str(root / "subscribers.csv"))
    assert result.returncode == 0, result.stderr
    [sent] = (root / "outbox" / FEATURES).glob("*.eml")
    html = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    body = html.get_body(("html",)).get_content()
    url = "https://bulletin.example.org/issues/2021-11-16/figures/steel-output.svg.png"
    image_tag = re.search(rf'<img src="{re.escape(url)}"[^>]*>', body)
    assert image_tag and 'width="536"' in image_tag[0] and 'height="268"' in image_tag[0]


# The site build, the check


def test_a_changed_figure_is_noticed_by_the_site_build(tmp_path):
    root = add_feature_issue(copy_project(tmp_path))
    assert run(root, "build").returncode == 0
    figure = root / FEATURES_FOLDER / "top/figures/steel-output.svg"
    built = root / "build/issues" / FEATURES / "figures/steel-output.svg"
    assert built.read_bytes() == figure.read_bytes()
    figure.write_text(
        figure.read_text().replace('width="640" height="320"', 'width="600" height="300"')
    )
    os.utime(figure, ns=(figure.stat().st_mtime_ns + 10**9,) * 2)
    result = run(root, "build")
    assert result.returncode == 0, result.stderr
    assert built.read_bytes() == figure.read_bytes()
    page = (root / "build/issues" / FEATURES / "index.html").read_text()
    assert 'src="figures/steel-output.svg" alt="' in page and 'width="600" height="300"' in page
    sample = root / "content/issues/2021-11-02/issue.md"
    sample.write_text(sample.read_text() + "\nA foreword.\n")
    assert run(root, "build").returncode == 0
    assert built.is_file()  # the issue not rendered again keeps its figures


def test_a_figure_linked_from_outside_the_issue_folder_is_refused(tmp_path):
    root = add_feature_issue(copy_project(tmp_path))
    outside = tmp_path / "elsewhere.svg"
    figure = root / FEATURES_FOLDER / "top/figures/steel-output.svg"
    outside.write_bytes(figure.read_bytes())
    figure.unlink()
    figure.symlink_to(outside)
    result = run(root, "check", FEATURES)
    assert result.returncode == 1
    assert result.stdout == (
        f"{FEATURES_FOLDER}/top/01-steel-output.md:36: error: figure "
        "'figures/steel-output.svg' links to a file outside the issue folder: copy the file "
        "into the issue folder (in figures/, say) and write its path from this file\n"
    )
    assert result.stderr == "1 error(s), 0 warning(s) in 1 issue(s) and 3 shared files\n"
