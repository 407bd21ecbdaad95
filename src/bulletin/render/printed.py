"""What the tagging pass reads from the print HTML, which WeasyPrint 70 does not carry into the
PDF's tags: the terms and descriptions of each `<dl>`, and the notes with the references to
them (a note's text is written at its first reference and floated to the foot of the page)."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from bulletin.content.prose import PRINT_NOTE, PRINT_NOTE_AGAIN


@dataclass(frozen=True)
class Printed:
    """What the print HTML says about the document.

    description_lists: (dt or dd, text) of the items of each `<dl>`, in order.
    notes: the text of each note, by number (the first is note 1), in the order the PDF's
        `footnote` counter numbers them.
    references: the number of the note each reference cites, in reading order (the first
        reference to a note, where its text is written, and each further one).
    """

    description_lists: tuple[tuple[tuple[str, str], ...], ...]
    notes: tuple[str, ...]
    references: tuple[int, ...]


def read_printed(html: str) -> Printed:
    """What the tagging pass needs from a print HTML document."""
    parser = _Reader()
    parser.feed(html)
    parser.close()
    return Printed(
        tuple(tuple(items) for items in parser.lists if items),
        tuple(parser.notes),
        tuple(parser.references),
    )


class _Reader(HTMLParser):
    """Collects the description lists, the notes and the references to notes."""

    def __init__(self) -> None:
        super().__init__()
        self.lists: list[list[tuple[str, str]]] = []
        self.list_depth = 0
        self.notes: list[str] = []
        self.note_depth = 0  # spans open inside the note being read, itself included
        self.references: list[int] = []
        self.again: str | None = None  # the text of a further reference being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self.note_depth and tag == "span":
            self.note_depth += 1
        elif tag == "span" and PRINT_NOTE in classes:
            self.notes.append("")
            self.references.append(len(self.notes))
            self.note_depth = 1
        elif tag == "sup" and PRINT_NOTE_AGAIN in classes:
            self.again = ""
        elif tag == "dl":
            self.list_depth += 1
            self.lists.append([])
        elif tag in ("dt", "dd") and self.list_depth:
            self.lists[-1].append((tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if self.note_depth and tag == "span":
            self.note_depth -= 1
        elif tag == "sup" and self.again is not None:
            if self.again.strip().isdigit():
                self.references.append(int(self.again))
            self.again = None
        elif tag == "dl" and self.list_depth:
            self.list_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.note_depth:
            self.notes[-1] += data
        elif self.again is not None:
            self.again += data
        elif self.list_depth and self.lists[-1]:
            kind, text = self.lists[-1][-1]
            self.lists[-1][-1] = (kind, text + data)
