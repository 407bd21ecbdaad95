"""The structure tree of a tagged PDF as plain Python objects, for the tagging pass: read from
pikepdf once, reshaped freely, written back with a ParentTree made from it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Name

from bulletin.render.marked import PageContent


@dataclass(frozen=True)
class Content:
    """A marked-content sequence of a page, by page index and MCID."""

    page: int
    mcid: int


@dataclass(frozen=True)
class Reference:
    """An annotation an element owns (its OBJR kid, kept as it is)."""

    objr: pikepdf.Object

    @property
    def annotation(self) -> pikepdf.Object:
        return self.objr.Obj


@dataclass(eq=False)
class Element:
    """A structure element: its PDF object, its type (`/P`, `/Link`...), the page of its
    content, its parent and its kids in reading order."""

    obj: pikepdf.Object
    kind: str
    page: int
    parent: Element | None = None
    kids: list[Element | Content | Reference] = field(default_factory=list)

    def elements(self) -> Iterator[Element]:
        """Every element under this one, in reading order."""
        for kid in self.kids:
            if isinstance(kid, Element):
                yield kid
                yield from kid.elements()

    def contents(self, skip: str = "") -> Iterator[Content]:
        """The marked content under this element in reading order, except under `skip` ones."""
        for kid in self.kids:
            if isinstance(kid, Content):
                yield kid
            elif isinstance(kid, Element) and kid.kind != skip:
                yield from kid.contents(skip)

    def annotations(self) -> list[pikepdf.Object]:
        return [kid.annotation for kid in self.kids if isinstance(kid, Reference)]

    def set_kids(self, kids: list[Element | Content | Reference]) -> None:
        """Replace the kids; the elements among them get this one as their parent."""
        self.kids = kids
        for kid in kids:
            if isinstance(kid, Element):
                kid.parent = self

    def replace(self, kid: Element, new: list[Element | Content | Reference]) -> None:
        """Put `new` where `kid` is among the kids."""
        position = next(i for i, each in enumerate(self.kids) if each is kid)
        self.set_kids([*self.kids[:position], *new, *self.kids[position + 1 :]])

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


@dataclass(frozen=True)
class Tree:
    """The structure tree of a PDF: the StructTreeRoot as an element without a type."""

    pdf: pikepdf.Pdf
    root: Element

    def elements(self) -> Iterator[Element]:
        return self.root.elements()

    def of_kind(self, kind: str) -> list[Element]:
        return [element for element in self.elements() if element.kind == kind]


@dataclass(frozen=True)
class Document:
    """A PDF being mended: its structure tree and the parsed content of each page."""

    tree: Tree
    pages: tuple[PageContent, ...]

    def text(self, element: Element, skip: str = "") -> str:
        """The text of an element in reading order, a space between lines; `skip` names a
        type of element left out (e.g. "/Link")."""
        words, last_y = "", None
        for content in element.contents(skip):
            piece = self.pages[content.page].marked.get(content.mcid)
            if piece is None:
                continue
            if last_y is not None and abs(piece.y - last_y) > 1:
                words += " "
            words, last_y = words + piece.text, piece.y
        return " ".join(words.split())


def read_tree(pdf: pikepdf.Pdf) -> Tree:
    """The structure tree of a tagged PDF."""
    pages = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
    root = Element(pdf.Root.StructTreeRoot, "", 0)
    _read_kids(root, pages)
    return Tree(pdf, root)


def _read_kids(element: Element, pages: dict[tuple[int, int], int]) -> None:
    value = element.obj.get("/K")
    values = list(value) if isinstance(value, pikepdf.Array) else [] if value is None else [value]
    for kid in values:
        if isinstance(kid, int):
            element.kids.append(Content(element.page, int(kid)))
        elif not isinstance(kid, pikepdf.Dictionary):
            continue
        elif kid.get("/Type") == Name.MCR:
            page = pages[kid.Pg.objgen] if "/Pg" in kid else element.page
            element.kids.append(Content(page, int(kid.MCID)))
        elif kid.get("/Type") == Name.OBJR:
            element.kids.append(Reference(kid))
        else:
            page = pages[kid.Pg.objgen] if "/Pg" in kid else element.page
            child = Element(kid, str(kid.get("/S", "")), page, element)
            element.kids.append(child)
            _read_kids(child, pages)


def write_tree(tree: Tree) -> None:
    """Write the elements' types, kids and parents back to their objects, and the ParentTree
    made from them: each page's MCIDs to their elements, each annotation to its element."""
    page_objects = [page.obj for page in tree.pdf.pages]
    for element in [tree.root, *tree.elements()]:
        element.obj.K = pikepdf.Array([_kid(element, kid, page_objects) for kid in element.kids])
        if element.parent is not None:
            element.obj.S = Name(element.kind)
            element.obj.P = element.parent.obj
    _write_parent_tree(tree)


def _kid(
    element: Element, kid: Element | Content | Reference, pages: list[pikepdf.Dictionary]
) -> pikepdf.Object:
    if isinstance(kid, Element):
        return kid.obj
    if isinstance(kid, Reference):
        return kid.objr
    if kid.page == element.page:
        return kid.mcid  # type: ignore[return-value]
    return pikepdf.Dictionary(Type=Name.MCR, Pg=pages[kid.page], MCID=kid.mcid)


def _write_parent_tree(tree: Tree) -> None:
    owners: dict[int, dict[int, pikepdf.Object]] = {}
    entries: dict[int, pikepdf.Object] = {}
    for element in tree.elements():
        for kid in element.kids:
            if isinstance(kid, Content):
                owners.setdefault(kid.page, {})[kid.mcid] = element.obj
            elif isinstance(kid, Reference):
                entries[int(kid.annotation.StructParent)] = element.obj
    for number, page in enumerate(tree.pdf.pages):
        mcids = owners.get(number, {})
        array = [mcids.get(mcid) for mcid in range(max(mcids, default=-1) + 1)]
        entries[int(page.obj.get("/StructParents", number))] = pikepdf.Array(array)
    nums = [value for key in sorted(entries) for value in (key, entries[key])]
    root = tree.root.obj
    root.ParentTree = tree.pdf.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    root.ParentTreeNextKey = max(entries, default=-1) + 1
