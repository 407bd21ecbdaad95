"""What the parts of a Markdown body must be beyond its links: notes cited and written once,
figures made of one described image and a source line, table captions just before a table.

Each check takes a body read once (`markdown.read`) and yields its problems as (line within
the body, message); `validate` adds the body's first line and reports them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it.token import Token

from bulletin.content import markdown, values

Problem = tuple[int, str]

CAPTION = re.compile(r"^Table:\s*")
"""A table's caption: a paragraph `Table: caption text` just before the table (as pandoc)."""
SOURCE = re.compile(r"^Source:\s*\S")
"""A figure's source line: `Source: ...`."""


def note_problems(parsed: markdown.Parsed) -> Iterator[Problem]:
    """Notes cited but never written, written but never cited, written twice, longer than a
    paragraph, or citing another note."""
    written: dict[str, markdown.NoteText] = {}
    for note in parsed.body.notes:
        if note.label in written:
            yield note.line, f"note [^{note.label}] is written twice: keep one text for it"
        written.setdefault(note.label, note)
        yield from _note_text_problems(note)
    citations = [target for target in parsed.targets if target.kind == "note"]
    for target in citations:
        yield from _citation_problems(target, written)
    cited = {target.url for target in citations}
    for label, note in written.items():
        if label not in cited:
            yield note.line, _NEVER_CITED.format(label=label)


_NEVER_CITED = (
    "note [^{label}] is written but never cited: cite it as [^{label}] in the text, or remove it"
)
_NOT_WRITTEN = (
    "note [^{label}] is cited but not written: add a line '[^{label}]: the note' after the "
    "paragraph, or remove the reference"
)


def _citation_problems(
    target: markdown.Target, written: dict[str, markdown.NoteText]
) -> Iterator[Problem]:
    if target.within == "note":
        message = f"a note cannot cite a note ([^{target.url}]): put what it says in this note"
        yield target.line, message
    elif target.url not in written:
        yield target.line, _NOT_WRITTEN.format(label=target.url)


def _note_text_problems(note: markdown.NoteText) -> Iterator[Problem]:
    """A note is one paragraph: it is printed inline, at the foot of the page."""
    if not note.tokens:
        yield note.line, f"note [^{note.label}] is empty: write its text after '[^{note.label}]: '"
        return
    base = min(token.level for token in note.tokens)
    blocks = [t.type for t in note.tokens if t.level == base and t.nesting == 1]
    if blocks != ["paragraph_open"]:
        message = (
            f"note [^{note.label}] has more than one paragraph (or a list or table): a note "
            "is one paragraph; move the rest into the text"
        )
        yield note.line, message


def top_only(parsed: markdown.Parsed, where: str) -> Iterator[Problem]:
    """Notes and figures belong to Top-5 items: elsewhere (`where`: the foreword) each is an
    error at its line."""
    only = "notes are written in Top-5 items only"
    for target in parsed.targets:
        if target.kind == "note":
            message = f"a note ([^{target.url}]) in {where}: {only}; put what it says in the text"
            yield target.line, message
    for note in parsed.body.notes:
        yield note.line, f"a note text ([^{note.label}]:) in {where}: {only}"
    for box in parsed.body.boxes:
        if box.kind == "figure":
            yield box.line, f"a figure in {where}: figures are written in Top-5 items only"


@dataclass(frozen=True)
class FigureParts:
    """What a `::: figure` holds, line by line.

    images: each line holding only an image: its line (within the body) and image token.
    sources: each line starting `Source:`: its inline tokens.
    problems: lines that are neither, and blocks other than paragraphs.
    """

    images: tuple[tuple[int, Token], ...]
    sources: tuple[tuple[Token, ...], ...]
    problems: tuple[Problem, ...]


def figure_parts(box: markdown.Box) -> FigureParts:
    """The lines of a figure: its image, its source line, and what does not belong."""
    images: list[tuple[int, Token]] = []
    sources: list[tuple[Token, ...]] = []
    problems: list[Problem] = []
    for token in box.tokens:
        if token.type not in ("inline", "paragraph_open", "paragraph_close"):
            problems.append((token.map[0] if token.map else box.line, _FIGURE_ONLY))
            break
        for line, written, children in _lines(token):
            kind = _kind(written, children)
            if kind == "image":
                images.append((line, next(c for c in children if c.type == "image")))
            elif kind == "source":
                sources.append(children)
            elif kind != "blank":
                problems.append((line, _LINE_PROBLEMS[kind]))
    return FigureParts(tuple(images), tuple(sources), tuple(problems))


_FIGURE_ONLY = (
    "a figure holds only its image and its 'Source:' line: move other text out of the figure"
)
_OWN_LINE = "write the figure's image on a line of its own, with nothing else"
_LINE_PROBLEMS = {
    "stray image": _OWN_LINE,
    "empty source": "the figure's 'Source:' line is empty: say where the figure comes from",
    "other": _FIGURE_ONLY,
}


def _lines(token: Token) -> Iterator[tuple[int, str, tuple[Token, ...]]]:
    """Each line of an inline token: its line in the body, its text as written, its tokens."""
    if token.type != "inline":
        return
    written = token.content.split("\n")
    first = token.map[0] if token.map else 0
    number, children = 0, list[Token]()
    for child in token.children or ():
        if child.type in ("softbreak", "hardbreak"):
            yield first + number, written[min(number, len(written) - 1)], tuple(children)
            number, children = number + 1, []
        else:
            children.append(child)
    yield first + number, written[min(number, len(written) - 1)], tuple(children)


def _kind(written: str, children: tuple[Token, ...]) -> str:
    """What a line of a figure is: image, source, blank, stray image, or other."""
    shown = [c for c in children if not (c.type == "text" and not c.content.strip())]
    images = sum(c.type == "image" for c in children)
    if len(shown) == 1 and images == 1:
        return "image"
    if images:
        return "stray image"
    if written.strip().startswith("Source:"):
        return "source" if SOURCE.match(written.strip()) else "empty source"
    return "other" if written.strip() else "blank"


def figure_problems(box: markdown.Box) -> Iterator[Problem]:
    """A figure needs a caption, one image with alternate text and one source line."""
    parts = figure_parts(box)
    yield from parts.problems
    if not box.title:
        yield box.line, "figure without a caption: write it after '::: figure'"
    if not parts.images and not any(message == _OWN_LINE for _, message in parts.problems):
        yield box.line, _NO_IMAGE
    elif len(parts.images) > 1:
        yield parts.images[1][0], "a second image in a figure: give each its own '::: figure'"
    for line, image in parts.images:
        if not image.content.strip():
            yield line, _NO_ALTERNATE_TEXT
    empty = any(message == _LINE_PROBLEMS["empty source"] for _, message in parts.problems)
    if not parts.sources and not empty:
        yield box.line, "figure without a source: add a line 'Source: ...' after the image"
    elif len(parts.sources) > 1:
        yield box.line, "figure with more than one 'Source:' line: join them in one"


_NO_IMAGE = (
    f"figure without an image: write {values.FIGURE_SYNTAX}; the image as "
    "![what it shows](figures/NAME.svg)"
)
_NO_ALTERNATE_TEXT = (
    "figure image without alternate text: describe what it shows between the brackets, "
    "![what it shows](...)"
)


def caption_problems(parsed: markdown.Parsed) -> Iterator[Problem]:
    """A `Table: ...` paragraph must be followed by its table."""
    tokens = parsed.tokens
    for i, token in enumerate(tokens):
        paragraph = i > 0 and tokens[i - 1].type == "paragraph_open"
        if token.type != "inline" or not paragraph or not CAPTION.match(token.content):
            continue
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if after is None or after.type != "table_open":
            caption = values.quoted(token.content)
            message = f"table caption {caption} is not followed by a table: {_CAPTION_FIX}"
            yield token.map[0] if token.map else 0, message


_CAPTION_FIX = "write it on the line just before the table"
