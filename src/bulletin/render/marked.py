"""The marked content of a PDF page as the tagging pass sees it: the text and height of each
marked-content sequence (MCID), read through the fonts' ToUnicode maps; and the rewriting of
the page with chosen sequences made artifacts and the others numbered anew."""

from __future__ import annotations

import array
import re
import sys
from dataclasses import dataclass
from decimal import Decimal

import pikepdf

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_RANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


@dataclass(frozen=True)
class Marked:
    """One marked-content sequence: the text it shows and the height of its first glyph's
    baseline, in points from the bottom of the page."""

    text: str
    y: float


@dataclass(frozen=True)
class Font:
    """What a font's codes mean: bytes per code (1, or 2 big-endian) and the text of each."""

    width: int
    texts: dict[int, str]

    def decode(self, data: bytes) -> str:
        codes = array.array(
            "B" if self.width == 1 else "H", data[: len(data) // self.width * self.width]
        )
        if self.width == 2 and sys.byteorder == "little":
            codes.byteswap()
        return "".join([self.texts.get(code, "") for code in codes])


def read_font(font: pikepdf.Object) -> Font:
    """A font's ToUnicode map (the bfchar and bfrange maps WeasyPrint writes)."""
    width = 2 if font.get("/Subtype") == pikepdf.Name.Type0 else 1
    if "/ToUnicode" not in font:
        return Font(width, {})
    cmap = font.ToUnicode.read_bytes()
    texts: dict[int, str] = {}
    for block in _BFCHAR.findall(cmap):
        for code, text in _PAIR.findall(block):
            texts[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in _BFRANGE.findall(cmap):
        for first, last, start in _RANGE.findall(block):
            base = int(start, 16)
            for offset in range(int(last, 16) - int(first, 16) + 1):
                texts[int(first, 16) + offset] = chr(base + offset)
    return Font(width, texts)


def multiply(a: Matrix, b: Matrix) -> Matrix:
    """The matrix product a x b (apply a, then b), as PDF writes matrices."""
    return (
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    )


def _matrix(operands: list[pikepdf.Object]) -> Matrix:
    a, b, c, d, e, f = (float(value) for value in operands)
    return (a, b, c, d, e, f)


def _mcid(operands: list[pikepdf.Object]) -> int | None:
    properties = operands[1] if len(operands) > 1 else None
    if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
        return int(properties.MCID)
    return None


def _shown(operands: list[pikepdf.Object], op: str, font: Font | None) -> str:
    if font is None:
        return ""
    if op == "TJ":
        # numbers (kerning) come out of a pikepdf array as Python numbers, strings as objects
        items = [bytes(item) for item in operands[0] if not isinstance(item, int | Decimal)]
    else:
        items = [bytes(operands[-1])]
    return font.decode(b"".join(items))


_FOLLOWED = frozenset(
    ("BDC", "BMC", "EMC", "q", "Q", "cm", "BT", "Tm", "Td", "TD", "Tf", "TJ", "Tj", "'", '"')
)
"""The operators that mark content, place text or show it; the reader skips the others."""


class _Reader:
    """Walks a page's operators, keeping the graphics and text state the positions need."""

    def __init__(self, page: pikepdf.Page, known: dict[tuple[int, int], Font]) -> None:
        resources = page.obj.get("/Resources", pikepdf.Dictionary())
        self.fonts = {}
        for name, font in resources.get("/Font", pikepdf.Dictionary()).items():
            if font.objgen not in known or not font.is_indirect:
                known[font.objgen] = read_font(font)
            self.fonts[str(name)] = known[font.objgen]
        self.ctm, self.saved = IDENTITY, list[Matrix]()
        self.line = self.text_matrix = IDENTITY
        self.font: Font | None = None
        self.open: list[int | None] = []
        self.found: dict[int, tuple[list[str], float | None]] = {}

    def step(self, operands: list[pikepdf.Object], op: str) -> int | None:
        """Follow one operator; the MCID of the marked content it begins, if it begins one."""
        if op in ("BDC", "BMC"):
            mcid = _mcid(operands) if op == "BDC" else None
            self.open.append(mcid)
            if mcid is not None:
                self.found[mcid] = ([], None)
            return mcid
        if op == "EMC" and self.open:
            self.open.pop()
        elif op in ("q", "Q", "cm"):
            self._graphics(operands, op)
        elif op in ("BT", "Tm", "Td", "TD", "Tf"):
            self._text_state(operands, op)
        elif op in ("TJ", "Tj", "'", '"'):
            self._show(_shown(operands, op, self.font))
        return None

    def _graphics(self, operands: list[pikepdf.Object], op: str) -> None:
        if op == "q":
            self.saved.append(self.ctm)
        elif op == "Q":
            self.ctm = self.saved.pop() if self.saved else IDENTITY
        else:
            self.ctm = multiply(_matrix(operands), self.ctm)

    def _text_state(self, operands: list[pikepdf.Object], op: str) -> None:
        if op == "BT":
            self.line = self.text_matrix = IDENTITY
        elif op == "Tm":
            self.line = self.text_matrix = _matrix(operands)
        elif op in ("Td", "TD"):
            tx, ty = (float(value) for value in operands)
            self.line = self.text_matrix = multiply((1, 0, 0, 1, tx, ty), self.line)
        else:
            self.font = self.fonts.get(str(operands[0]))

    def _show(self, text: str) -> None:
        mcid = next((mcid for mcid in reversed(self.open) if mcid is not None), None)
        if mcid is None:
            return
        parts, y = self.found[mcid]
        parts.append(text)
        if y is None:
            self.found[mcid] = (parts, multiply(self.text_matrix, self.ctm)[5])


@dataclass(frozen=True)
class PageContent:
    """A page's content stream, parsed; the marked text in it and the place of the operator
    that begins it (`BDC`), by MCID."""

    instructions: list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage]
    marked: dict[int, Marked]
    begins: dict[int, int]


def read_page(page: pikepdf.Page, fonts: dict[tuple[int, int], Font] | None = None) -> PageContent:
    """The text and height of every marked-content sequence of a page, by MCID;
    `fonts` keeps the fonts read, by object, for the next pages."""
    reader = _Reader(page, {} if fonts is None else fonts)
    instructions = list(pikepdf.parse_content_stream(page))
    begins = {}
    for index, instruction in enumerate(instructions):
        operator = str(instruction.operator)
        if operator in _FOLLOWED:
            mcid = reader.step(list(instruction.operands), operator)
            if mcid is not None:
                begins[mcid] = index
    marked = {mcid: Marked("".join(parts), y or 0.0) for mcid, (parts, y) in reader.found.items()}
    return PageContent(instructions, marked, begins)


def rewrite_page(
    pdf: pikepdf.Pdf,
    page: pikepdf.Page,
    content: PageContent,
    artifacts: dict[int, pikepdf.Dictionary],
    numbers: dict[int, int],
) -> None:
    """Rewrite a page's marked content: the given MCIDs become `/Artifact` with the given
    properties (`BDC`, or `BMC` for none), page furniture outside the structure; the others
    take their new number from `numbers`."""
    operations = list(content.instructions)
    for mcid, properties in artifacts.items():
        operands = (
            [pikepdf.Name.Artifact, properties] if len(properties) else [pikepdf.Name.Artifact]
        )
        operator = pikepdf.Operator("BDC" if len(properties) else "BMC")
        operations[content.begins[mcid]] = pikepdf.ContentStreamInstruction(operands, operator)
    for mcid, number in numbers.items():
        if number != mcid:
            begin = operations[content.begins[mcid]]
            renumbered = begin.operands[1]  # a direct object of this parse: ours to change
            renumbered.MCID = number
            operations[content.begins[mcid]] = pikepdf.ContentStreamInstruction(
                [begin.operands[0], renumbered], begin.operator
            )
    if artifacts or any(number != mcid for mcid, number in numbers.items()):
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(operations))
