"""The bodies of an issue rendered for each edition (web, print, email), in reading order: notes
numbered through the issue, figures, tables with their captions and numeric columns, sidebars
where the editor wrote them.

`Typesetter` is made once per issue by the check and fed the foreword, then each Top-5 item by
rank; what it returns is frozen (`model.Prose`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markupsafe import Markup, escape

from bulletin.content import bodies, markdown
from bulletin.content.model import Figure, Note, Prose, note_id, note_reference_id

EDITIONS = ("web", "print", "email")
EMAIL_WIDTH = 536
"""The widest image the email shows: its 600 px column less the item's padding."""
NUMBER = re.compile(
    r"[+\-\u2212\u00b1~<>]?\s?(?:[$\u20ac\u00a3\u00a5]|(?:USD|CNY|RMB|EUR)\s)?[+\-\u2212]?"
    r"\d[\d,.\u00a0\u202f]*\s?(?:%|\u2030|pp|bn|m|k|t|kt|Mt|GW|GWh|TWh|x)?"
)
"""A table cell that is a number: digits with , and . (or thin spaces), a sign, a currency
before ($, €, £, ¥, or USD, CNY, RMB, EUR and a space) or a unit after (%, ‰, pp, bn, m, k,
t, kt, Mt, GW, GWh, TWh, x)."""
MISSING = {"", "-", "\u2013", "\u2014", "n/a", "..", "\u2026"}
"""Cells that hold no value (a dash, n/a): they do not make a column text."""
_ALIGN = re.compile(r"text-align:(left|center|right)")
PRINT_NOTE = "footnote"
"""The class of a note's text in print, written at its first reference (print.css floats it
to the foot of the page; the PDF's tagging pass finds notes by it)."""
PRINT_NOTE_AGAIN = "footnote-again"
"""The class of a further reference to a note in print: the note's number, raised."""


@dataclass
class Typesetter:
    """Renders the bodies of one issue, in reading order, numbering notes and tables as it goes.

    page_url: the issue page's address, under which the email finds the figures.
    notes, tables: how many notes and tables were numbered so far.
    """

    page_url: str
    notes: int = 0
    tables: int = 0

    def foreword(self, parsed: markdown.Parsed) -> Prose:
        """The foreword (the check refused notes and figures in it)."""
        return _prose(self.arrange(parsed.tokens, {}), {}, self.page_url)

    def item(
        self, sections: Sequence[tuple[str, markdown.Block]], parsed: markdown.Parsed,
        figures: Mapping[str, Figure],
    ) -> dict[str, Prose]:  # fmt: skip
        """Each section of a Top-5 item as `Prose`, by attribute; `sections` in reading order,
        `figures` by the path written in the body."""
        arranged = {attr: self.arrange(block.tokens, figures) for attr, block in sections}
        numbers, counts = self.number(list(arranged.values()))
        texts = {note.label: note for note in parsed.body.notes}
        notes = {
            number: Note(number, _note_html(texts[label]), counts[label])
            for label, number in numbers.items()
        }
        return {attr: _prose(tokens, notes, self.page_url) for attr, tokens in arranged.items()}

    def arrange(self, tokens: Sequence[Token], figures: Mapping[str, Figure]) -> list[Token]:
        """A section's tokens ready for the edition renderers: each figure one `figure` token,
        each table numbered with its caption and the alignment of its columns."""
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.type == "container_figure_open":
                end = markdown.closing(tokens, i, "container_")
                out.append(_figure_token(token, tokens[i + 1 : end], figures))
                i = end + 1
                continue
            if token.type == "table_open":
                self.tables += 1
                token.meta["number"] = self.tables
                _align_columns(tokens, i)
                if _caption_before(out):
                    token.meta["caption"] = _take_caption(out)
            out.append(token)
            i += 1
        return out

    def number(self, sections: list[list[Token]]) -> tuple[dict[str, int], dict[str, int]]:
        """Number the notes cited in an item's sections by first reference, after those of
        the items before; mark each reference with its note's number and which reference to
        that note it is. The number and the count of references of each label."""
        numbers: dict[str, int] = {}
        counts: dict[str, int] = {}
        for reference in (r for tokens in sections for r in _references(tokens)):
            label = str(reference.meta["label"])
            if label not in numbers:
                self.notes += 1
                numbers[label] = self.notes
            counts[label] = counts.get(label, 0) + 1
            reference.meta["number"] = numbers[label]
            reference.meta["occurrence"] = counts[label]
        return numbers, counts


@dataclass(frozen=True)
class _Env:
    """What the edition renderers need: the edition, the notes by number, the page's URL."""

    edition: str
    page_url: str
    notes: Mapping[int, Note] = field(default_factory=dict)


def _prose(tokens: list[Token], notes: Mapping[int, Note], page_url: str) -> Prose:
    """One section in every edition, with the notes it cites and the figures it draws."""
    html = {edition: _render(tokens, _Env(edition, page_url, notes)) for edition in EDITIONS}
    cited = sorted({int(r.meta["number"]) for r in _references(tokens)})
    drawn = tuple(t.meta["figure"] for t in tokens if t.type == "figure")
    return Prose(**html, notes=tuple(notes[n] for n in cited), figures=drawn)


def _render(tokens: list[Token], env: _Env) -> Markup:
    md = _renderer()
    return Markup(md.renderer.render(tokens, md.options, {"bulletin": env}))


def _note_html(text: markdown.NoteText) -> Markup:
    """A note's one paragraph as inline HTML."""
    inline = next(t for t in text.tokens if t.type == "inline")
    md = _renderer()
    assert isinstance(md.renderer, RendererHTML)
    return Markup(md.renderer.renderInline(inline.children or [], md.options, {}).strip())


def _references(tokens: list[Token]) -> list[Token]:
    """The note references of a section, in reading order (figure sources included)."""
    found: list[Token] = []
    for token in tokens:
        children = token.meta["source"] if token.type == "figure" else token.children or ()
        found += [child for child in children if child.type == "footnote_ref"]
    return found


def _figure_token(opening: Token, inside: Sequence[Token], figures: Mapping[str, Figure]) -> Token:
    """One token standing for a whole `::: figure` (which passed its check)."""
    box = markdown.Box("figure", markdown.box_title(opening), 0, tuple(inside))
    parts = bodies.figure_parts(box)
    image = parts.images[0][1]
    token = Token("figure", "figure", 0, block=True)
    token.meta = {
        "figure": figures[str(image.attrGet("src"))],
        "caption": box.title,
        "image": image,
        "source": parts.sources[0],
    }
    return token


def _caption_before(out: list[Token]) -> bool:
    """Whether the tokens so far end with a `Table: ...` paragraph."""
    return (
        len(out) >= 3
        and out[-3].type == "paragraph_open"
        and out[-2].type == "inline"
        and bool(bodies.CAPTION.match(out[-2].content))
    )


def _take_caption(out: list[Token]) -> list[Token]:
    """Take the caption paragraph off the end of `out`: its inline tokens, without `Table:`."""
    inline = out[-2]
    del out[-3:]
    children = list(inline.children or [])
    if children and children[0].type == "text":
        first = children[0].copy()
        first.content = bodies.CAPTION.sub("", first.content, count=1)
        children[0] = first
    return children


def _align_columns(tokens: Sequence[Token], start: int) -> None:
    """Give each cell of the table at `start` its column's alignment, as a class: the one
    written (`:--`, `:-:`, `--:`), else right-aligned when every value of the column is a
    number; header cells get `scope="col"`."""
    cells = _cells(tokens, start)
    columns = {column for column, _, _ in cells}
    for column in columns:
        mine = [(cell, text) for c, cell, text in cells if c == column]
        written = {_ALIGN.search(str(cell.attrGet("style") or "")) for cell, _ in mine} - {None}
        values = [text.strip() for cell, text in mine if cell.type == "td_open"]
        if written:
            name = f"align-{next(iter(written)).group(1)}"  # type: ignore[union-attr]
        elif values and all(v in MISSING or NUMBER.fullmatch(v) for v in values):
            name = "num" if any(v not in MISSING for v in values) else ""
        else:
            name = ""
        for cell, _ in mine:
            _style_cell(cell, name)


def _cells(tokens: Sequence[Token], start: int) -> list[tuple[int, Token, str]]:
    """Each cell of a table: its column, its opening token, its text as written."""
    cells: list[tuple[int, Token, str]] = []
    column = 0
    for i in range(start, len(tokens)):
        token = tokens[i]
        if token.type == "table_close":
            break
        if token.type == "tr_open":
            column = 0
        elif token.type in ("th_open", "td_open"):
            text = tokens[i + 1].content if tokens[i + 1].type == "inline" else ""
            cells.append((column, token, text))
            column += 1
    return cells


def _style_cell(cell: Token, name: str) -> None:
    attributes: dict[str, Any] = {k: v for k, v in cell.attrs.items() if k != "style"}
    if name:
        attributes["class"] = name
    if cell.type == "th_open":
        attributes["scope"] = "col"
    cell.attrs = attributes


# The edition renderers: markdown-it's HTML renderer with rules for what bulletin adds.


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    """markdown-it's renderer, with the rules of the editions (read from env["bulletin"])."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.add_render_rule("footnote_ref", _note_reference)
    md.add_render_rule("figure", _figure)
    md.add_render_rule("container_sidebar_open", _sidebar_open)
    md.add_render_rule("container_sidebar_close", _sidebar_close)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    return md


Rule = Any
"""A render rule: (renderer, tokens, index, options, env) -> HTML."""


def _edition(env: Mapping[str, Any]) -> _Env:
    found = env.get("bulletin")
    return found if isinstance(found, _Env) else _Env("web", "")


def _note_reference(self: Rule, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A reference to a note: a link to it (web), its text to float to the foot of the page
    at its first reference (print), [N] (email)."""
    meta = tokens[idx].meta
    number, occurrence = int(meta["number"]), int(meta["occurrence"])
    edition = _edition(env)
    if edition.edition == "print":
        if occurrence == 1:
            return f'<span class="{PRINT_NOTE}">{edition.notes[number].html}</span>'
        return f'<sup class="{PRINT_NOTE_AGAIN}">{number}</sup>'
    if edition.edition == "email":
        return f'<sup class="note-ref">[{number}]</sup>'
    return (
        f'<sup class="note-ref"><a href="#{note_id(number)}" '
        f'id="{note_reference_id(number, occurrence)}" aria-label="Note {number}">{number}</a>'
        "</sup>"
    )


def email_size(figure: Figure) -> tuple[int, int]:
    """The size a figure is shown at in the email: its own, narrowed to the email's column."""
    width = min(figure.width, EMAIL_WIDTH)
    return width, max(1, round(figure.height * width / figure.width))


def _figure(self: Rule, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A figure: its image (from the issue folder in print, under the issue's URL in the
    email), its caption and its source line."""
    meta = tokens[idx].meta
    figure: Figure = meta["figure"]
    edition = _edition(env)
    width, height = figure.width, figure.height
    if edition.edition == "print":
        src = figure.path
    elif edition.edition == "email":
        src = edition.page_url + figure.mailed
        width, height = email_size(figure)
    else:
        src = figure.published
    alt = self.renderInlineAsText(meta["image"].children or [], options, env)
    source = self.renderInline(list(meta["source"]), options, env).strip()
    return (
        f'<figure class="figure">\n<img src="{escape(src)}" alt="{escape(alt)}" '
        f'width="{width}" height="{height}">\n<figcaption><span class="figure-caption">'
        f"{markdown.title_html(meta['caption'])}</span> "
        f'<span class="figure-source">{source}</span></figcaption>\n</figure>\n'
    )


def _sidebar_open(self: Rule, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    title = markdown.box_title(tokens[idx])
    return (
        f'<aside class="sidebar" aria-label="{escape(markdown.typographic(title))}">\n'
        f'<h4 class="sidebar-title">{markdown.title_html(title)}</h4>\n'
    )


def _sidebar_close(self: Rule, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "</aside>\n"


def _table_open(self: Rule, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """A table with its caption; on the web inside a region that scrolls sideways on a narrow
    screen, named by the caption (or "Table N") and reachable by keyboard."""
    meta = tokens[idx].meta
    number = int(meta.get("number", 0))
    caption = meta.get("caption")
    ident = f"table-{number}"
    html = "<table>\n"
    if caption is not None:
        text = self.renderInline(caption, options, env).strip()
        html += f'<caption id="{ident}">{text}</caption>\n'
    if _edition(env).edition != "web":
        return html
    name = f'aria-labelledby="{ident}"' if caption is not None else f'aria-label="Table {number}"'
    return f'<div class="table-scroll" role="region" tabindex="0" {name}>\n{html}'


def _table_close(self: Rule, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "</table>\n</div>\n" if _edition(env).edition == "web" else "</table>\n"
