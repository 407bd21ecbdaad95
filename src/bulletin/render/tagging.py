"""Make WeasyPrint's tagged PDF read well with a screen reader: a pass with pikepdf over its
structure tree and marked content after `write_pdf` (page furniture and dot leaders become
artifacts, one link per `<a>` named by its text, `/Lang` on Chinese, lists as L/LI/Lbl/LBody,
notes as Note and their references as Reference (`notes`), table headers with a scope
(`tables`), heading levels without gaps), which WeasyPrint 70 does not do itself; and the
PDF/A variants, so mended, claim PDF/UA-1 too (`xmp`)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import pikepdf
from pikepdf import Name

from bulletin.render.marked import Font, read_page, rewrite_page
from bulletin.render.notes import tag_notes
from bulletin.render.printed import read_printed
from bulletin.render.structure import (
    Content,
    Document,
    Element,
    Reference,
    Tree,
    read_tree,
    write_tree,
)
from bulletin.render.tables import scope_table_headers
from bulletin.render.xmp import claim_pdfua

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
CHINESE = "zh-Hans"
"""The language of text in Han characters without Latin letters: the bulletin's Chinese is
simplified (`lang="zh-Hans"` in the templates), which WeasyPrint 70 does not tag."""
LEADER = re.compile(r"\.+")
FOOTER = pikepdf.Dictionary(Type=Name.Pagination, Subtype=Name.Footer)
HEADER = pikepdf.Dictionary(Type=Name.Pagination, Subtype=Name.Header)
LAYOUT = pikepdf.Dictionary()  # a dot of a leader: `/Artifact BMC`, a layout artifact
Box = tuple[float, float, float, float]


def tag_pdf(pdf_bytes: bytes, html: str) -> bytes:
    """The PDF WeasyPrint wrote for `html`, its tags mended for assistive technology."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        fonts: dict[tuple[int, int], Font] = {}
        pages = tuple(read_page(page, fonts) for page in pdf.pages)
        document = Document(read_tree(pdf), pages)
        printed = read_printed(html)
        artifacts = page_artifacts(document)
        merge_link_fragments(document)
        name_links(document)
        flatten_nested_links(document)
        mark_languages(document)
        shape_lists(document, printed.description_lists)
        tag_notes(document, printed.notes, printed.references)
        scope_table_headers(document.tree)
        close_heading_gaps(document.tree)
        rewrite_pages(document, artifacts)
        write_tree(document.tree)
        claim_pdfua(pdf)
        return save(pdf)


# Artifacts: running footers and dot leaders


Artifacts = list[dict[int, pikepdf.Dictionary]]
"""By page, the MCIDs that become artifacts and the properties of each."""


def page_artifacts(document: Document) -> Artifacts:
    """The marked content of page-margin boxes (WeasyPrint 70 builds their elements but leaves
    them out of the tree) is to become pagination artifacts; each dot of a leader, taken out
    of its link, a layout one."""
    in_tree = set(document.tree.root.contents())
    leaders = {(content.page, content.mcid) for content in take_leader_dots(document)}
    artifacts = []
    for number, page in enumerate(document.tree.pdf.pages):
        height = float(page.mediabox[3])
        marked = document.pages[number].marked
        furniture = {
            mcid: FOOTER if piece.y < height / 2 else HEADER
            for mcid, piece in marked.items()
            if Content(number, mcid) not in in_tree
        }
        artifacts.append(furniture | {mcid: LAYOUT for mcid in marked if (number, mcid) in leaders})
    return artifacts


def rewrite_pages(document: Document, artifacts: Artifacts) -> None:
    """Write the artifacts into the pages' content and number the marked content left in the
    tree from 0 on each page, in its order, so that the ParentTree has no gaps."""
    numbers: list[dict[int, int]] = []
    for number, page in enumerate(document.tree.pdf.pages):
        kept = sorted(set(document.pages[number].marked) - set(artifacts[number]))
        numbers.append({mcid: new for new, mcid in enumerate(kept)})
        rewrite_page(
            document.tree.pdf, page, document.pages[number], artifacts[number], numbers[-1]
        )
    for element in [document.tree.root, *document.tree.elements()]:
        element.kids = [
            Content(kid.page, numbers[kid.page][kid.mcid]) if isinstance(kid, Content) else kid
            for kid in element.kids
            if not isinstance(kid, Content) or kid.mcid in numbers[kid.page]
        ]


def take_leader_dots(document: Document) -> list[Content]:
    """The dots of the leaders, taken out of their links: the content of a link that is
    nothing but dots, when it has more than one such."""
    taken = []
    for link in document.tree.of_kind("/Link"):
        dots = {kid for kid in link.kids if isinstance(kid, Content) and _is_dot(document, kid)}
        if len(dots) > 1:
            link.set_kids(
                [kid for kid in link.kids if not isinstance(kid, Content) or kid not in dots]
            )
            taken += sorted(dots, key=lambda content: content.mcid)
    return taken


def _is_dot(document: Document, content: Content) -> bool:
    piece = document.pages[content.page].marked.get(content.mcid)
    return piece is not None and LEADER.fullmatch(piece.text) is not None


# Links: one element and one annotation per <a>, named by its text


def target(link: Element) -> str:
    """Where a link's annotation leads (its destination or URI, as text), or ""."""
    for annotation in link.annotations():
        if "/Dest" in annotation:
            return repr(annotation.Dest)
        action = annotation.get("/A")
        if isinstance(action, pikepdf.Dictionary):
            return repr(action.get("/URI", action.get("/D")))
    return ""


def _is_link(kid: object) -> bool:
    return isinstance(kid, Element) and kid.kind == "/Link"


def merge_link_fragments(document: Document) -> None:
    """A link broken over lines is one Link element per line, side by side, with the same
    target: they become one, with one annotation covering every piece."""
    for element in [document.tree.root, *document.tree.elements()]:
        merged: list[Element | Content | Reference] = []
        for kid in element.kids:
            previous = merged[-1] if merged else None
            if (
                isinstance(kid, Element)
                and isinstance(previous, Element)
                and _is_link(kid)
                and _is_link(previous)
                and target(kid) == target(previous) != ""
            ):
                previous.set_kids([*previous.kids, *_content(kid)])
                take_annotations(document, previous, kid)
            else:
                merged.append(kid)
        if len(merged) != len(element.kids):
            element.set_kids(merged)


def take_annotations(document: Document, link: Element, other: Element) -> None:
    """`other`'s annotations leave their page; their rectangles become pieces of `link`'s."""
    rects = [_box(annotation.Rect) for annotation in other.annotations()]
    for annotation in other.annotations():
        remove_annotation(document, annotation)
    if link.annotations():
        add_pieces(link.annotations()[0], rects)


def remove_annotation(document: Document, annotation: pikepdf.Object) -> None:
    """Take an annotation off its page."""
    page = document.tree.pdf.pages[_page_number(document, annotation)]
    annots = [a for a in page.obj.Annots if a.objgen != annotation.objgen]
    page.obj.Annots = pikepdf.Array(annots)


def _page_number(document: Document, annotation: pikepdf.Object) -> int:
    for number, page in enumerate(document.tree.pdf.pages):
        if any(a.objgen == annotation.objgen for a in page.obj.get("/Annots", ())):
            return number
    raise ValueError(f"annotation {annotation.objgen} is on no page")


def add_pieces(annotation: pikepdf.Object, rects: list[Box]) -> None:
    """Extend a link annotation over more rectangles: /Rect their union, /QuadPoints one quad
    per line of the link, top to bottom (a wrapped link is clickable where it is drawn)."""
    pieces = join_lines([*quads_of(annotation), _box(annotation.Rect), *rects])
    left, bottom = min(b[0] for b in pieces), min(b[1] for b in pieces)
    annotation.Rect = pikepdf.Array(
        [left, bottom, max(b[2] for b in pieces), max(b[3] for b in pieces)]
    )
    annotation.QuadPoints = pikepdf.Array(
        [value for x1, y1, x2, y2 in pieces for value in (x1, y2, x2, y2, x1, y1, x2, y1)]
    )


def _box(rect: pikepdf.Object) -> Box:
    x1, y1, x2, y2 = (float(value) for value in rect)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def join_lines(boxes: list[Box]) -> list[Box]:
    """Boxes as one box per line, top to bottom: boxes on a line that touch or overlap (a
    link's text, its generated page number, an inline block in it) become their union."""
    lines: list[Box] = []
    for box in sorted(boxes, key=lambda box: (-box[3], box[0])):
        last = lines[-1] if lines else None
        if last is not None and _same_line(last, box) and _touch(last, box):
            lines[-1] = (
                *(min(last[0], box[0]), min(last[1], box[1])),
                *(max(last[2], box[2]), max(last[3], box[3])),
            )
        else:
            lines.append(box)
    return lines


def _same_line(a: Box, b: Box) -> bool:
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return overlap > min(a[3] - a[1], b[3] - b[1]) / 2


def _touch(a: Box, b: Box) -> bool:
    return a[0] <= b[2] + 1 and b[0] <= a[2] + 1


def quads_of(annotation: pikepdf.Object) -> list[Box]:
    """The rectangles of an annotation's /QuadPoints (none when it has none)."""
    values = [float(value) for value in annotation.get("/QuadPoints", pikepdf.Array())]
    quads = [values[i : i + 8] for i in range(0, len(values) - 7, 8)]
    return [(min(q[0::2]), min(q[1::2]), max(q[0::2]), max(q[1::2])) for q in quads]


def name_links(document: Document) -> None:
    """Each link annotation's /Contents (its alternate text) is the visible text of its `<a>`,
    without generated content (a contents entry's leader and page number); an internal link
    without words is named by the bookmark of its destination; a bare target only when there
    is nothing else."""
    titles = bookmark_titles(document.tree.pdf)
    names = named_destinations(document.tree.pdf)
    for link in document.tree.of_kind("/Link"):
        text = document.text(link, skip="/Link") or document.text(link)
        for annotation in link.annotations():
            place = destination(annotation, names)
            if place is not None and place in titles and not any(c.isalnum() for c in text):
                text = titles[place]
            if text:
                annotation.Contents = pikepdf.String(text)


Place = tuple[int, int]
"""Where a destination is: its page's object number and its rounded y."""


def destination(annotation: pikepdf.Object, names: dict[str, pikepdf.Object]) -> Place | None:
    """Where an internal link leads (its /Dest, or the named destination it names), or None."""
    dest = annotation.get("/Dest")
    if isinstance(dest, pikepdf.String):
        dest = names.get(str(dest))
    return _place(dest)


def _place(dest: object) -> Place | None:
    if isinstance(dest, pikepdf.Array) and len(dest) >= 4 and dest[0].is_indirect:
        return dest[0].objgen[0], round(float(dest[3]))
    return None


def named_destinations(pdf: pikepdf.Pdf) -> dict[str, pikepdf.Object]:
    """The document's named destinations (WeasyPrint writes one flat /Names array)."""
    names = pdf.Root.get("/Names", pikepdf.Dictionary()).get("/Dests", pikepdf.Dictionary())
    flat = list(names.get("/Names", pikepdf.Array()))
    return {str(flat[i]): flat[i + 1] for i in range(0, len(flat) - 1, 2)}


def bookmark_titles(pdf: pikepdf.Pdf) -> dict[Place, str]:
    """The title of each bookmark by where it leads."""
    titles: dict[Place, str] = {}
    outlines = pdf.Root.get("/Outlines", pikepdf.Dictionary())
    stack = [outlines.First] if "/First" in outlines else []
    while stack:
        item = stack.pop()
        place = _place(item.get("/Dest"))
        if place is not None:
            titles.setdefault(place, str(item.get("/Title", "")))
        stack += [item[key] for key in ("/First", "/Next") if key in item]
    return titles


def flatten_nested_links(document: Document) -> None:
    """WeasyPrint nests the Link elements of `a::after` and of its leader in the link's own,
    and gives an inline block in a link an annotation of its own: their content joins the
    outer link, their annotations become pieces of its one."""
    outermost = [
        link
        for link in document.tree.of_kind("/Link")
        if not any(_is_link(ancestor) for ancestor in link.ancestors())
    ]
    for link in outermost:
        for inner in [e for e in link.elements() if _is_link(e) or e.annotations()]:
            take_annotations(document, link, inner)
            if _is_link(inner):
                assert inner.parent is not None
                inner.parent.replace(inner, _content(inner))
            else:  # an inline block in the link has an annotation of its own
                inner.set_kids(_content(inner))


def _content(element: Element) -> list[Element | Content | Reference]:
    return [kid for kid in element.kids if not isinstance(kid, Reference)]


# Languages, lists, headings


def mark_languages(document: Document) -> None:
    """/Lang zh-Hans on each outermost element whose text is Chinese (Han, no Latin)."""

    def visit(element: Element, inside: bool) -> None:
        text = document.text(element)
        chinese = bool(HAN.search(text)) and not LATIN.search(text)
        if chinese and not inside:
            element.obj.Lang = pikepdf.String(CHINESE)
        for kid in element.kids:
            if isinstance(kid, Element):
                visit(kid, inside or chinese)

    visit(document.tree.root, False)


def shape_lists(document: Document, descriptions: Sequence[Sequence[tuple[str, str]]]) -> None:
    """No list directly in a list (WeasyPrint makes one per column of a multi-column list), and
    a description list as items whose Lbl is the term and LBody the description."""
    wanted = [[squash(text) for _, text in items] for items in descriptions]
    for element in document.tree.of_kind("/L"):
        while any(isinstance(kid, Element) and kid.kind == "/L" for kid in element.kids):
            element.set_kids([grandkid for kid in element.kids for grandkid in _unwrap(kid)])
        items = [kid for kid in element.kids if isinstance(kid, Element)]
        if [squash(document.text(item)) for item in items] in wanted:
            pair_terms(element, items)


def _unwrap(kid: Element | Content | Reference) -> list[Element | Content | Reference]:
    return kid.kids if isinstance(kid, Element) and kid.kind == "/L" else [kid]


def pair_terms(element: Element, items: list[Element]) -> None:
    """Turn the items of a `<dl>` (term, description, term, description...: one LI with one
    LBody each, as WeasyPrint makes them) into one LI per pair: Lbl term, LBody description."""
    bodies = [kid for item in items for kid in item.kids if isinstance(kid, Element)]
    if len(items) % 2 or any(len(item.kids) != 1 for item in items) or len(bodies) != len(items):
        return
    for term, label, body in zip(items[0::2], bodies[0::2], bodies[1::2], strict=True):
        label.kind = "/Lbl"
        term.set_kids([label, body])
    element.set_kids(list(items[0::2]))


def squash(text: str) -> str:
    """Text compared without whitespace or case (the PDF's upper-cased and wrapped text)."""
    return "".join(text.split()).casefold()


def close_heading_gaps(tree: Tree) -> None:
    """Headings never skip a level in reading order: an H4 right after an H2 becomes an H3."""
    previous = 0
    for element in tree.elements():
        match = re.fullmatch(r"/H([1-6])", element.kind)
        if match:
            level = min(int(match[1]), previous + 1)
            element.kind, previous = f"/H{level}", level


def save(pdf: pikepdf.Pdf) -> bytes:
    """The mended PDF, as deterministic as WeasyPrint's (the same input, the same bytes), with
    object streams only where WeasyPrint used them (never in PDF/A-1), the XMP as it is (no
    metadata date, no producer of pikepdf's)."""
    output = io.BytesIO()
    pdf.save(
        output,
        object_stream_mode=pikepdf.ObjectStreamMode.preserve,
        deterministic_id=True,
        fix_metadata_version=False,
        recompress_flate=False,
    )
    return output.getvalue()
