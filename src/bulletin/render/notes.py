"""Notes in the PDF's tags, as a screen reader expects them: each note's text a `/Note` with a
unique `/ID` (PDF/UA-1 7.9) and its number a `/Lbl`, each reference to it a `/Reference`.

WeasyPrint 70 tags a note's text (floated to the foot of the page) as a `/Span` and each
reference as a `/NonStruct`. The print HTML says which notes there are, their texts and the
order of the references (`printed.Printed`); the pass finds them in the tree by that text and
that order. A note stays where the page prints it, at the foot of the page: ISO 32000-1
(14.8.4.4, Note) lets a note be placed in the body or elsewhere, reached by its reference."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pikepdf

from bulletin.render.structure import Content, Document, Element

NOTE_ID = "note-{number}"
"""The `/ID` of note `number`'s structure element."""
RAISED = 1.0
"""Points a reference's baseline is above the text before it, at least (a raised number)."""


def tag_notes(document: Document, notes: Sequence[str], references: Sequence[int]) -> None:
    """Tag the texts of `notes` (note 1 first) as `/Note` elements and the `references` (the
    note number of each, in reading order) as `/Reference` elements."""
    found = note_elements(document, notes)
    taken = {str(e.obj.ID) for e in document.tree.elements() if "/ID" in e.obj} if found else set()
    for number, element in found.items():
        element.kind = "/Note"
        element.obj.ID = pikepdf.String(_unique(NOTE_ID.format(number=number), taken))
        label = next((kid for kid in element.kids if isinstance(kid, Element)), None)
        if label is not None and _is_marker(document.text(label), number):
            label.kind = "/Lbl"
    for element in reference_elements(document, references):
        element.kind = "/Reference"


def note_elements(document: Document, notes: Sequence[str]) -> dict[int, Element]:
    """The element of each note's text, by number: the innermost whose text is the note's
    text after its number (`1. `, `[1]`: the marker the stylesheet makes), not the area at
    the foot of the page when it holds that one note. Only elements whose text holds a note
    are looked into."""
    squashed = [(_squash(text), number) for number, text in enumerate(notes, start=1)]
    wanted = [(note, number) for note, number in squashed if note]
    found: dict[int, Element] = {}

    def visit(element: Element) -> None:
        text = _squash(document.text(element))
        inside = [(note, number) for note, number in wanted if note in text]
        for note, number in inside:
            if text.endswith(note) and _is_marker(text[: -len(note)], number):
                found[number] = element  # an element inside it may take its place
        for kid in element.kids if inside else ():
            if isinstance(kid, Element):
                visit(kid)

    if wanted:
        visit(document.tree.root)
    return found


def reference_elements(document: Document, references: Sequence[int]) -> list[Element]:
    """The element of each reference, in reading order: a `/NonStruct` (a `::footnote-call`
    or a `<sup>`) outside the notes whose text is the number of the next reference expected,
    raised above the text before it."""
    if not references:
        return []
    order = list(document.tree.root.contents())
    before = {content: order[i - 1] for i, content in enumerate(order) if i}
    found: list[Element] = []
    for element in document.tree.elements():
        if len(found) == len(references):
            break
        if (
            element.kind == "/NonStruct"
            and document.text(element) == str(references[len(found)])
            and not any(ancestor.kind == "/Note" for ancestor in element.ancestors())
            and _raised(document, element, before)
        ):
            found.append(element)
    return found


def _raised(document: Document, element: Element, before: dict[Content, Content]) -> bool:
    """Whether an element's text sits higher than the text just before it on its page (true
    when nothing comes before it on the page)."""
    first = next(element.contents(), None)
    previous = before.get(first) if first is not None else None
    if first is None or previous is None or previous.page != first.page:
        return True
    marked = document.pages[first.page].marked
    if first.mcid not in marked or previous.mcid not in marked:
        return False
    return marked[first.mcid].y >= marked[previous.mcid].y + RAISED


def _is_marker(text: str, number: int) -> bool:
    """Whether a text is nothing but a note's number and punctuation (`1.`, `[1]`, `1`)."""
    return re.fullmatch(rf"\W*{number}\W*", text.strip()) is not None


def _squash(text: str) -> str:
    return "".join(text.split())


def _unique(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... the first not taken; it is then taken."""
    name, count = wanted, 1
    while name in taken:
        count += 1
        name = f"{wanted}-{count}"
    taken.add(name)
    return name
