"""The PDF's tags, as a screen reader meets them, in the default PDF and every `--pdf-variant`:
page furniture and dot leaders are artifacts, one Link element and one annotation per link,
named by its text, Chinese marked zh-Hans, lists as L/LI/Lbl/LBody, no skipped heading level,
and the `pdfua` checker finds nothing. The structure tree is read with pikepdf, the marked
content with pypdf's own text extraction (not the code under test)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pikepdf
import pytest
from pypdf import PageObject, PdfReader
from pypdf.generic import DictionaryObject

from bulletin.render.standards import PDF_VARIANTS
from conftest import SAMPLE
from sentences import FOOTER_TOP, normal
from test_pdf import read_content, squash

PDFS = ("default", *(variant for variant in PDF_VARIANTS if variant != "pdf/ua-1"))
PAGINATION = {"/Type": "/Pagination", "/Subtype": "/Footer"}
MARKER = re.compile(r"(•|\d+\.)")
HAN = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
NOT_CLAIMED = {
    # (rule, variants): findings that are right for a PDF/A file, which claims no PDF/UA
    # conformance (no pdfuaid in its XMP) and, in PDF 2.0's PDF/A-4, has no /Info /Title
    # (the title is in the XMP dc:title, which PDF/A-4 keeps instead).
    ("UA-28-004", tuple(variant for variant in PDF_VARIANTS if variant.startswith("pdf/a"))),
    ("UA-07-001", ("pdf/a-4u",)),
}


# The PDF as pikepdf (structure) and pypdf (marked content) read it


@dataclass(frozen=True)
class Piece:
    """A run of text drawn on a page, with the marked content it is in."""

    text: str
    y: float
    mcid: int | None
    artifact: dict[str, str] | None


@dataclass(frozen=True)
class Tagged:
    """A tagged PDF read for the tests."""

    variant: str
    path: Path
    pdf: pikepdf.Pdf
    pieces: tuple[tuple[Piece, ...], ...]  # by page

    def marked(self, page: int) -> dict[int, str]:
        return self._marked[page]

    @cached_property
    def _marked(self) -> list[dict[int, str]]:
        pages = []
        for pieces in self.pieces:
            texts: dict[int, str] = {}
            for piece in pieces:
                if piece.mcid is not None:
                    texts[piece.mcid] = texts.get(piece.mcid, "") + piece.text
            pages.append(texts)
        return pages

    def page_of(self, node: pikepdf.Object) -> int:
        return self._pages[node.Pg.objgen]

    @cached_property
    def _pages(self) -> dict[tuple[int, int], int]:
        return {page.objgen: number for number, page in enumerate(self.pdf.pages)}

    @cached_property
    def elements(self) -> list[pikepdf.Object]:
        """Every structure element, in document order."""
        return list(elements(self.pdf.Root.StructTreeRoot))

    def text(self, element: pikepdf.Object) -> str:
        page = self.page_of(element) if "/Pg" in element else 0
        parts = []
        for kid in kids(element):
            if isinstance(kid, int):
                parts.append(self.marked(page).get(int(kid), ""))
            elif is_element(kid):
                parts.append(self.text(kid))
        return " ".join(" ".join(parts).split())


def kids(node: pikepdf.Object) -> list[pikepdf.Object]:
    value = node.get("/K")
    return list(value) if isinstance(value, pikepdf.Array) else [] if value is None else [value]


def is_objr(kid: object) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"


def is_element(kid: object) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in ("/MCR", "/OBJR")


def elements(node: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """Every structure element under a node, in document order."""
    for kid in kids(node):
        if is_element(kid):
            yield kid
            yield from elements(kid)


def kind(element: pikepdf.Object) -> str:
    return str(element.get("/S"))


def read_pieces(path: Path) -> tuple[tuple[Piece, ...], ...]:
    """The text of each page with the marked content it is drawn in, by pypdf."""
    return tuple(page_pieces(page) for page in PdfReader(path).pages)


def page_pieces(page: PageObject) -> tuple[Piece, ...]:
    stack: list[tuple[int | None, dict[str, str] | None]] = []
    pieces: list[Piece] = []

    def before(operator: bytes, args: list, cm: list, tm: list) -> None:
        if operator in (b"BDC", b"BMC"):
            properties = args[1] if len(args) > 1 else None
            mcid = None
            if isinstance(properties, DictionaryObject) and "/MCID" in properties:
                mcid = int(properties["/MCID"])
            artifact = None
            if str(args[0]) == "/Artifact":
                artifact = {str(k): str(v) for k, v in (properties or {}).items()}
            stack.append((mcid, artifact))
        elif operator == b"EMC":
            stack.pop()

    def text(text: str, cm: list, tm: list, *_: object) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        mcid, artifact = stack[-1] if stack else (None, None)
        pieces.append(Piece(text, y, mcid, artifact))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return tuple(pieces)


@pytest.fixture(scope="module")
def tagged(sample_build, tmp_path_factory) -> Iterator[dict[str, Tagged]]:
    """The sample issue's PDF in every variant, made in this process when first asked for."""
    from bulletin.content.validate import check
    from bulletin.project import find_project, parse_date
    from bulletin.render.html import Theme, render_print
    from bulletin.render.pdf import render_pdf

    project = find_project(sample_build.root)
    issue = check(project, [parse_date(SAMPLE)]).issues[SAMPLE]
    html = render_print(issue, Theme(project.templates))
    folder = tmp_path_factory.mktemp("variants")

    class Lazy(dict[str, Tagged]):
        def __missing__(self, variant: str) -> Tagged:
            path = sample_build.pdf
            if variant != "default":
                path = folder / f"{variant.replace('/', '-')}.pdf"
                path.write_bytes(render_pdf(html, project.templates, variant))
            self[variant] = Tagged(variant, path, pikepdf.open(path), read_pieces(path))
            return self[variant]

    made = Lazy()
    yield made
    for each in made.values():
        each.pdf.close()


@pytest.fixture(scope="module")
def content(sample_build):
    return read_content(sample_build.root)


def root(document: Tagged) -> pikepdf.Object:
    return document.pdf.Root.StructTreeRoot


# Artifacts


@pytest.mark.parametrize("variant", PDFS)
def test_running_footer_is_a_pagination_artifact(tagged, variant):
    document = tagged[variant]
    for number, pieces in enumerate(document.pieces):
        footer = [piece for piece in pieces if piece.y < FOOTER_TOP and piece.text.strip()]
        assert all(piece.mcid is None for piece in footer), f"page {number + 1}: {footer}"
        assert all(piece.artifact == PAGINATION for piece in footer), footer
        if number > 0:
            drawn = "".join(piece.text for piece in pieces if piece.artifact == PAGINATION)
            text = " ".join(drawn.split())
            assert text == f"China Industries | November 2, 2021 {number + 1}"


@pytest.mark.parametrize("variant", PDFS)
def test_dot_leaders_are_artifacts(tagged, variant):
    document = tagged[variant]
    dots = [p for p in document.pieces[0] if re.fullmatch(r"\s*\.+\s*", p.text)]
    assert len(dots) > 100, "the contents page has dot leaders"
    assert all(piece.mcid is None and piece.artifact is not None for piece in dots)
    marked = [
        text for page in range(len(document.pieces)) for text in document.marked(page).values()
    ]
    assert not [text for text in marked if re.fullmatch(r"\s*\.+\s*", text)]


@pytest.mark.parametrize("variant", PDFS)
def test_every_marked_content_is_in_the_tree_and_the_parent_tree(tagged, variant):
    document = tagged[variant]
    owners: dict[tuple[int, int], pikepdf.Object] = {}
    for element in document.elements:
        for kid in kids(element):
            if isinstance(kid, int):
                owners[(document.page_of(element), int(kid))] = element
    nums = list(root(document).ParentTree.Nums)
    parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for number, page in enumerate(document.pdf.pages):
        in_stream = set(document.marked(number))
        assert in_stream == {mcid for page, mcid in owners if page == number}
        entries = parent_tree[int(page.obj.StructParents)]
        for mcid in in_stream:
            assert entries[mcid].objgen == owners[(number, mcid)].objgen


# Links


def link_annotations(document: Tagged, page: int) -> list[pikepdf.Object]:
    annots = document.pdf.pages[page].obj.get("/Annots", [])
    return [annot for annot in annots if annot.get("/Subtype") == "/Link"]


@pytest.mark.parametrize("variant", PDFS)
def test_one_link_element_and_annotation_per_contents_entry(tagged, variant, content):
    document = tagged[variant]
    entries = content.contents_entries()
    annotations = link_annotations(document, 0)
    assert [squash(str(annot.Contents)) for annot in annotations] == [squash(e) for e in entries]
    links = [e for e in document.elements if kind(e) == "/Link"]
    on_cover = [link for link in links if document.page_of(link) == 0]
    objrs = [[kid for kid in kids(link) if is_objr(kid)] for link in on_cover]
    assert [len(refs) for refs in objrs] == [1] * len(entries)
    assert [refs[0].Obj.objgen for refs in objrs] == [annot.objgen for annot in annotations]
    texts = [squash(document.text(link)) for link in on_cover]  # the entry, then its page
    assert all(
        text.startswith(squash(entry)) and text[len(squash(entry)) :].isdigit()
        for text, entry in zip(texts, entries, strict=True)
    ), texts


@pytest.mark.parametrize("variant", PDFS)
def test_each_link_annotation_has_one_link_element_and_no_link_nests(tagged, variant):
    document = tagged[variant]
    owners: dict[tuple[int, int], list[str]] = {}
    for element in document.elements:
        assert kind(element) != "/Link" or not any(
            kind(inner) == "/Link" for inner in elements(element)
        )
        for kid in kids(element):
            if is_objr(kid):
                owners.setdefault(kid.Obj.objgen, []).append(kind(element))
    annotations = [
        a for page in range(len(document.pdf.pages)) for a in link_annotations(document, page)
    ]
    assert {annot.objgen: owners.get(annot.objgen) for annot in annotations} == {
        annot.objgen: ["/Link"] for annot in annotations
    }


@pytest.mark.parametrize("variant", PDFS)
def test_link_alternate_text_is_its_visible_text_never_a_bare_target(tagged, variant, sample_build):
    document = tagged[variant]
    names = []
    for page in range(len(document.pdf.pages)):
        for annot in link_annotations(document, page):
            contents = str(annot.get("/Contents", ""))
            targets = {str(annot.get("/Dest", "")), str(annot.get("/A", {}).get("/URI", ""))}
            assert contents and contents not in targets, (contents, targets)
            names.append(contents)
    policies = [policy for policy in read_policies(sample_build.root) if policy[1]]
    assert policies, "the sample's policies have links"
    written = [normal(name) for name, _ in policies]  # the PDF sets them with curly quotes
    assert written == [normal(name) for name in names if normal(name) in written]


def read_policies(root_folder: Path) -> list[tuple[str, str | None]]:
    """(English name, URL) of each Top-5 item's policy."""
    from bulletin.content.read import read_markdown

    folder = root_folder / "content/issues" / SAMPLE / "top"
    policies = [read_markdown(p, p.name).data["policy"] for p in sorted(folder.glob("*.md"))]
    return [(policy["name"], policy.get("url")) for policy in policies]


@pytest.mark.parametrize("variant", PDFS)
def test_a_wrapped_link_is_one_annotation_with_a_quad_per_line(tagged, variant):
    document = tagged[variant]
    annotations = [
        a for page in range(len(document.pdf.pages)) for a in link_annotations(document, page)
    ]
    wrapped = [annot for annot in annotations if len(annot.get("/QuadPoints", [])) >= 16]
    assert wrapped, "the sample's first policy name is a link over two lines"
    for annot in wrapped:
        x1, y1, x2, y2 = (float(value) for value in annot.Rect)
        quads = [float(value) for value in annot.QuadPoints]
        assert all(x1 - 0.01 <= x <= x2 + 0.01 for x in quads[0::2])
        assert all(y1 - 0.01 <= y <= y2 + 0.01 for y in quads[1::2])
        tops = [max(quads[i + 1 : i + 8 : 2]) for i in range(0, len(quads), 8)]
        assert tops == sorted(tops, reverse=True) and len(set(tops)) == len(tops), "one per line"


# Languages, lists, headings


@pytest.mark.parametrize("variant", PDFS)
def test_every_chinese_title_is_marked_zh_hans(tagged, variant, content):
    document = tagged[variant]
    chinese = [e for e in document.elements if str(e.get("/Lang", "")) == "zh-Hans"]
    texts = [document.text(element) for element in chinese]
    assert all(HAN.search(text) and not LATIN.search(text) for text in texts), texts
    joined = "".join("".join(texts).split())
    missing = [
        item.name_zh for item in content.items if "".join(item.name_zh.split()) not in joined
    ]
    assert missing == []


@pytest.mark.parametrize("variant", PDFS)
def test_lists_are_l_li_lbl_lbody(tagged, variant):
    document = tagged[variant]
    for element in document.elements:
        kinds = [kind(kid) for kid in kids(element) if is_element(kid)]
        if kind(element) == "/L":
            assert "/L" not in kinds, "a list directly in a list"
        if kind(element) == "/LI":
            assert kinds in (["/LBody"], ["/Lbl", "/LBody"]), kinds
        if kind(element) == "/Lbl":
            assert kind(element.P) == "/LI"
    marked = [document.marked(number) for number in range(len(document.pieces))]
    markers = [
        (page, mcid, ancestors)
        for page, mcid, ancestors in marked_content(document, root(document), 0, ())
        if MARKER.fullmatch(marked[page].get(mcid, "").strip())
        and "/L" in ancestors
        and "/Link" not in ancestors
    ]
    assert len(markers) > 10, "the sample's lists have bullets and numbers"
    assert [m for m in markers if "/Lbl" not in m[2]] == [], "list markers outside a Lbl"


def marked_content(
    document: Tagged, node: pikepdf.Object, page: int, ancestors: tuple[str, ...]
) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """(page, MCID, the types of the elements it is in) of all marked content under a node."""
    for kid in kids(node):
        if isinstance(kid, int):
            yield page, int(kid), ancestors
        elif is_element(kid):
            kid_page = document.page_of(kid) if "/Pg" in kid else page
            yield from marked_content(document, kid, kid_page, (*ancestors, kind(kid)))


@pytest.mark.parametrize("variant", PDFS)
def test_facts_panel_is_a_list_of_terms_and_descriptions(tagged, variant, content):
    document = tagged[variant]
    labels = content.labels
    panels = []
    for element in document.elements:
        items = [kid for kid in kids(element) if is_element(kid)]
        if kind(element) == "/L" and all(len(kids(item)) == 2 for item in items):
            panels.append([document.text(kids(item)[0]) for item in items])
    bodies = (labels["issuing_body"], labels["issuing_bodies"])
    facts = [p for p in panels if len(p) == 3 and p[1] in bodies]
    assert [[p[0], p[2]] for p in facts] == [[labels["policy_name"], labels["date"]]] * len(
        content.items
    ), panels


@pytest.mark.parametrize("variant", PDFS)
def test_heading_levels_never_skip(tagged, variant):
    document = tagged[variant]
    levels = [int(kind(e)[2:]) for e in document.elements if re.fullmatch(r"/H[1-6]", kind(e))]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    assert {2, 3, 4} <= set(levels)


# Checkers and standards


@pytest.fixture(scope="module")
def pdfua_validate():
    """pdfua's validate, with its heading rule mended: pdfua 0.1.3's `as_integer` asks a
    pikepdf.Array for `is_integer`, which raises ValueError for any heading whose /K is an
    array (ours are: a heading is several text runs), and the rule is then skipped. The patch
    answers None for an array, as it does for any other non-number; the rule then runs."""
    import pdfua.document
    import pdfua.rules.structure

    original = pdfua.document.as_integer

    def as_integer(value: object) -> int | None:
        return None if isinstance(value, pikepdf.Array) else original(value)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdfua.document, "as_integer", as_integer)
        patch.setattr(pdfua.rules.structure, "as_integer", as_integer)
        yield pdfua.validate


@pytest.mark.parametrize("variant", PDFS)
def test_pdfua_finds_nothing_and_skips_no_rule(tagged, variant, pdfua_validate):
    document = tagged[variant]
    report = pdfua_validate(str(document.path))
    assert report.skipped == ()
    assert len(report.outcomes) >= 12
    findings = [
        (finding.rule_id, finding.message)
        for finding in report.findings
        if not any(finding.rule_id == rule and variant in vs for rule, vs in NOT_CLAIMED)
    ]
    assert findings == []


@pytest.mark.parametrize("variant", PDFS)
def test_variant_keeps_its_identification_id_and_pdf_a_1_has_no_object_streams(tagged, variant):
    document = tagged[variant]
    xmp = document.pdf.Root.Metadata.read_bytes().decode("utf-8")
    name = "pdf/ua-1" if variant == "default" else variant
    family, part = re.fullmatch(r"pdf/(ua|a)-(\d)\w?", name).groups()
    assert re.search(rf"pdf{family}id:part\W+{part}\b", xmp), xmp[:600]
    assert len(document.pdf.trailer.ID) == 2
    if name.startswith("pdf/a-1"):
        data = document.path.read_bytes()
        assert b"/ObjStm" not in data and b"/XRef" not in data
        assert document.pdf.pdf_version == "1.4"


# The pass on a document of its own


SMALL = """<!doctype html><html lang="en"><head><title>Small</title><style>
@page { size: A6; margin: 20mm 10mm; @top-center { content: "Running head" } }
h1 { bookmark-level: 1; break-before: page }
</style></head><body>
<p>Go <a href="#far">&rarr;</a> or read <a href="https://example.org/a">the example page</a>.</p>
<dl><dt>Term</dt><dd>Its description</dd></dl>
<h1 id="far">The far section</h1><p>Here.</p>
</body></html>"""


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Iterator[Tagged]:
    """A small document made for the pass's other cases: a running head, an internal link
    without words, a description list of one term."""
    from bulletin.render.pdf import render_pdf

    path = tmp_path_factory.mktemp("small") / "small.pdf"
    path.write_bytes(render_pdf(SMALL, path.parent, "pdf/ua-1"))
    with pikepdf.open(path) as pdf:
        yield Tagged("small", path, pdf, read_pieces(path))


def test_a_running_head_is_a_header_artifact(small):
    head = [piece for piece in small.pieces[0] if "Running head" in piece.text]
    assert head and all(p.artifact == {"/Type": "/Pagination", "/Subtype": "/Header"} for p in head)


def test_a_link_without_words_is_named_by_the_bookmark_of_its_destination(small):
    names = [str(annot.Contents) for annot in link_annotations(small, 0)]
    assert names == ["The far section", "the example page"]


def test_a_description_list_is_one_item_of_term_and_description(small):
    lists = [e for e in small.elements if kind(e) == "/L"]
    assert len(lists) == 1
    items = [kid for kid in kids(lists[0]) if is_element(kid)]
    assert [[kind(kid) for kid in kids(item)] for item in items] == [["/Lbl", "/LBody"]]
    assert [small.text(kid) for kid in kids(items[0])] == ["Term", "Its description"]
