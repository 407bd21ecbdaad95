"""The printed edition, read back from the sample PDF with pypdf and the poppler tools.

What is checked: the contents page (every entry, dot leaders, true page numbers), the page
numbers in the footers, live links (web links and internal contents links), the bookmarks,
the document metadata, the Chinese titles and their embedded CJK font, a clean WeasyPrint log,
and the page format. Expected values come from the content files, read with the project's own
reader; where a heading "really appears" is found in the text of each page.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from bulletin.content.read import read_markdown, read_yaml
from bulletin.content.schema import DEFAULT_LABELS
from conftest import SAMPLE

A4 = (595.28, 841.89)  # points
LEADER_LINE = re.compile(r"^(?P<text>.*?)\s*\.{4,}\s*(?P<page>\d+)\s*$")


# The content, as the editors wrote it


@dataclass(frozen=True)
class Item:
    """What a Top-5 file says about the parts the PDF must show."""

    rank: int
    title: str
    name_zh: str
    url: str | None
    comment_links: tuple[str, ...]


@dataclass(frozen=True)
class Content:
    """The sample issue's content files, reduced to what the PDF must show."""

    series: str
    date: dt.date
    authors: tuple[str, ...]
    labels: dict[str, str]
    items: tuple[Item, ...]
    groups: tuple[str, ...]

    def contents_entries(self) -> list[str]:
        """The contents as it should read: section labels, numbered items, group titles."""
        return [
            self.labels["top"],
            *(f"{item.rank}. {item.title}" for item in self.items),
            self.labels["worth_noting"],
            *self.groups,
        ]


def read_content(root: Path, date: str = SAMPLE) -> Content:
    """An issue (the sample by default) as its files say, read with the project's own
    YAML/front-matter reader."""
    folder = root / "content/issues" / date
    publication = read_yaml(root / "content/publication.yaml", "publication.yaml").data
    people = read_yaml(root / "content/people.yaml", "people.yaml").data
    issue = read_markdown(folder / "issue.md", "issue.md").data
    groups = read_markdown(folder / "worth-noting.md", "worth-noting.md").data["groups"]
    items = []
    for path in sorted((folder / "top").glob("*.md")):
        doc = read_markdown(path, path.name)
        comment = doc.body.split("## Comment", 1)[1].split(":::", 1)[0]
        policy = doc.data["policy"]
        items.append(
            Item(
                rank=doc.data["rank"],
                title=doc.data["title"],
                name_zh=policy["name_zh"],
                url=policy.get("url"),
                comment_links=tuple(re.findall(r"\]\((https?://[^)\s]+)\)", comment)),
            )
        )
    return Content(
        series=publication["series"],
        date=issue["date"],
        authors=tuple(people[key]["name"] for key in issue["authors"]),
        labels=DEFAULT_LABELS | publication.get("labels", {}),
        items=tuple(sorted(items, key=lambda item: item.rank)),
        groups=tuple(group["title"] for group in groups),
    )


# The PDF, as a reader sees it


def squash(text: str) -> str:
    """Text compared loosely: no whitespace or hyphens (wrapping, letter-spacing), any case."""
    return re.sub(r"[\s\u00ad\u2010\u2011-]+", "", text).casefold()


def without_spaces(text: str) -> str:
    """Text without any whitespace: wrapping splits Chinese titles at arbitrary points."""
    return re.sub(r"\s+", "", text)


def pdftotext(pdf: Path, *options: str) -> str:
    command = ["pdftotext", "-enc", "UTF-8", *options, str(pdf), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def page_texts(pdf: Path) -> dict[int, str]:
    """The layout text of each page, by 1-based page number."""
    count = len(PdfReader(pdf).pages)
    return {n: pdftotext(pdf, "-layout", "-f", str(n), "-l", str(n)) for n in range(1, count + 1)}


def heading_page(pages: dict[int, str], heading: str) -> int | None:
    """The first page after the contents page on which the heading's text appears."""
    return next((n for n, text in pages.items() if n > 1 and squash(heading) in squash(text)), None)


def contents_lines(page: str, title: str) -> list[tuple[str, int]]:
    """(entry text, page number) of each contents line, after the contents title.

    An entry ends on the line carrying its dot leader and number; lines before it without
    a leader are the start of a wrapped title.
    """
    lines = page.splitlines()
    start = next(i for i, line in enumerate(lines) if squash(line) == squash(title))
    entries, wrapped = [], []
    for line in lines[start + 1 :]:
        match = LEADER_LINE.match(line)
        if match:
            entries.append((" ".join([*wrapped, match["text"].strip()]), int(match["page"])))
            wrapped = []
        elif line.strip():
            wrapped.append(line.strip())
    return entries


def destination_page(reader: PdfReader, dest: object) -> int:
    """The 1-based page of a link destination: a name, or an explicit [page /XYZ ...] array."""
    if isinstance(dest, str):
        return reader.get_destination_page_number(reader.named_destinations[dest]) + 1
    pages = [page.indirect_reference for page in reader.pages]
    return pages.index(dest[0]) + 1


def annotations(reader: PdfReader, number: int) -> list[dict]:
    """The annotations of a page, top to bottom."""
    annots = [a.get_object() for a in reader.pages[number - 1].get("/Annots") or []]
    return sorted(annots, key=lambda a: -max(a["/Rect"][1], a["/Rect"][3]))


def internal_link(annot: dict) -> object | None:
    """The destination of a link within the document, or None."""
    if "/Dest" in annot:
        return annot["/Dest"]
    action = annot.get("/A") or {}
    return action.get("/D") if action.get("/S") == "/GoTo" else None


def outline_tree(reader: PdfReader) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """Top-level bookmarks with their 1-based page and their children."""
    tree: list[tuple[str, int, list[tuple[str, int]]]] = []
    for entry in reader.outline:
        if isinstance(entry, list):
            assert tree, "children before any top-level bookmark"
            assert not any(isinstance(child, list) for child in entry), "more than two levels"
            tree[-1][2].extend(
                (child.title, reader.get_destination_page_number(child) + 1) for child in entry
            )
        else:
            tree.append((entry.title, reader.get_destination_page_number(entry) + 1, []))
    return tree


@pytest.fixture(scope="module")
def content(sample_build):
    return read_content(sample_build.root)


@pytest.fixture(scope="module")
def reader(sample_build):
    return PdfReader(sample_build.pdf)


@pytest.fixture(scope="module")
def pages(sample_build):
    return page_texts(sample_build.pdf)


@pytest.fixture(scope="module")
def contents(pages, content):
    return contents_lines(pages[1], content.labels["contents"])


# Contents


def test_contents_lists_every_entry_with_dot_leader_and_number(contents, content):
    assert [squash(text) for text, _ in contents] == [
        squash(entry) for entry in content.contents_entries()
    ], f"contents page read: {contents}"


def test_contents_numbers_are_the_pages_of_the_headings(contents, pages):
    assert len(contents) >= 7  # the sections, five items, at least one group
    found = {text: (number, heading_page(pages, text)) for text, number in contents}
    misnumbered = {text: pair for text, pair in found.items() if pair[0] != pair[1]}
    assert misnumbered == {}, "entry: (number in the contents, page where the heading is)"


def test_contents_entries_link_to_their_pages(reader, contents):
    destinations: list[object] = []
    for annot in annotations(reader, 1):
        dest = internal_link(annot)
        if dest is not None and dest not in destinations:  # each entry makes several boxes
            destinations.append(dest)
    linked = [destination_page(reader, dest) for dest in destinations]
    assert linked == [number for _, number in contents]


# Footers, links, bookmarks, metadata


def test_footer_shows_the_page_number_from_page_two(pages):
    for number, text in pages.items():
        last_lines = [line for line in text.splitlines() if line.strip()][-3:]
        if number == 1:  # ends with contents lines, whose numbers follow dot leaders
            bare = [line for line in last_lines if not LEADER_LINE.match(line)]
            assert not any(line.split()[-1].isdigit() for line in bare), last_lines
        else:
            assert last_lines[-1].split()[-1] == str(number), f"page {number}: {last_lines}"


def test_policy_urls_and_comment_links_are_live(reader, content):
    uris = {
        annot["/A"]["/URI"]
        for number in range(1, len(reader.pages) + 1)
        for annot in annotations(reader, number)
        if annot.get("/A", {}).get("/S") == "/URI"
    }
    expected = {item.url for item in content.items if item.url}
    expected |= {link for item in content.items for link in item.comment_links}
    assert content.items[0].comment_links, "item 1's comment should hold an inline link"
    assert expected - uris == set()


def test_bookmarks_are_sections_and_items_at_their_pages(reader, content, pages):
    tree = outline_tree(reader)
    assert [title for title, _, _ in tree] == [
        content.labels["top"],
        content.labels["worth_noting"],
    ]
    items = [re.sub(r"^\d+\.\s*", "", title) for title, _ in tree[0][2]]
    assert items == [item.title for item in content.items]
    assert [title for title, _ in tree[1][2]] == list(content.groups)
    bookmarks = [(title, page) for title, page, _ in tree]
    bookmarks += [child for _, _, children in tree for child in children]
    found = {title: (page, heading_page(pages, title)) for title, page in bookmarks}
    misplaced = {title: pair for title, pair in found.items() if pair[0] != pair[1]}
    assert misplaced == {}, "bookmark: (its page, page where the heading is)"


def test_metadata_names_series_date_and_authors(reader, content):
    metadata = reader.metadata
    long_date = f"{content.date:%B} {content.date.day}, {content.date.year}"
    assert content.series in metadata.title
    assert long_date in metadata.title or content.date.isoformat() in metadata.title
    assert metadata.author == ", ".join(content.authors) == "Alexander Brown, Gregor Sebastian"
    assert metadata.creation_date.date() == content.date == dt.date(2021, 11, 2)


# Chinese text and fonts


def test_chinese_titles_are_extracted_as_written(sample_build, content):
    text = without_spaces(pdftotext(sample_build.pdf))
    shown = [item.name_zh for item in content.items if f"({without_spaces(item.name_zh)})" in text]
    assert shown == [item.name_zh for item in content.items]


FONT_ROW = re.compile(
    r"^(?P<name>.+?)\s+(?P<type>.+?)\s+(?P<encoding>\S+)\s+"
    r"(?P<emb>yes|no)\s+(?P<sub>yes|no)\s+(?P<uni>yes|no)\s+\d+\s+\d+\s*$"
)


def fonts(pdf: Path) -> list[dict[str, str]]:
    """The rows of `pdffonts` (name, type, encoding, emb, sub, uni), after its two header lines."""
    output = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    rows = output.stdout.splitlines()[2:]
    matches = [FONT_ROW.match(row) for row in rows]
    assert all(matches), rows
    return [match.groupdict() for match in matches if match]


def test_chinese_is_set_in_an_embedded_subset_cjk_font(sample_build):
    rows = fonts(sample_build.pdf)
    cjk = [row for row in rows if "notosanscjk" in squash(row["name"])]
    assert cjk, f"no Noto Sans CJK font in {[row['name'] for row in rows]}"
    assert all(row["emb"] == "yes" and row["sub"] == "yes" for row in cjk), cjk
    assert [row["name"] for row in rows if row["emb"] != "yes"] == []


# The WeasyPrint log


def test_weasyprint_logs_no_warning(sample_build):
    assert sample_build.warnings == ()


def test_weasyprint_warnings_are_caught_when_there_are_some(project):
    """The check above can fail: a bad CSS value in print.css is logged and recorded."""
    from bulletin.project import find_project, parse_date
    from bulletin.site.build import build

    with (project / "templates/print.css").open("a", encoding="utf-8") as css:
        css.write("\n.masthead-date { font-size: banana; }\n")
    from bulletin.render.pdf import WarningLog

    collect = WarningLog()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        build(find_project(project), [parse_date(SAMPLE)])
    finally:
        logger.removeHandler(collect)
    assert any("banana" in message for message in collect.messages), collect.messages


# Page format


def test_pages_are_a4_and_six_to_twelve(reader):
    assert 6 <= len(reader.pages) <= 12
    sizes = {(float(page.mediabox.width), float(page.mediabox.height)) for page in reader.pages}
    assert all(abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1 for w, h in sizes), sizes
