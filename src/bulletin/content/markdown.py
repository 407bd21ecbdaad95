"""Markdown for bulletin bodies: CommonMark without raw HTML, safe links, tables, notes, and the
parts of a body: sections, sidebars and figures, note texts."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.rules_core.smartquotes import process_inlines
from markdown_it.rules_core.state_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup, escape
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import footnote_ref

SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*):")
_CJK_RUN = re.compile(
    r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002ebef]+"
)
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")


def has_cjk(text: str) -> bool:
    """Whether the text holds at least one Chinese character."""
    return bool(_CJK_CHAR.search(text))


def is_safe_link(url: str) -> bool:
    """Links to the web, to mail, or within the site; never javascript:, data:, file: ..."""
    match = _SCHEME.match(url)
    return match is None or match.group(1).lower() in SAFE_SCHEMES


BOXES = ("sidebar", "figure")
"""The containers a body may hold, `::: sidebar Title` and `::: figure Caption`."""


@dataclass(frozen=True)
class Block:
    """A `## Title` section of a body, with its source line; its tokens hold its sidebars and
    figures where they were written (note texts are taken out, into `Body.notes`)."""

    title: str
    line: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Box:
    """A `::: sidebar Title` or `::: figure Caption` of a body, at any depth: its kind, title,
    source line and the tokens inside it."""

    kind: str
    title: str
    line: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class NoteText:
    """The text of a note, `[^label]: ...`, wherever in the body it is written: its label,
    source line and block tokens."""

    label: str
    line: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Body:
    """A Markdown body split into its parts; lines are 0-based within the body."""

    preamble: tuple[Token, ...]
    sections: tuple[Block, ...]
    boxes: tuple[Box, ...] = ()
    notes: tuple[NoteText, ...] = ()


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """The one Markdown parser: CommonMark, raw HTML off, typographic quotes, tables, notes,
    sidebars and figures."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["replacements", "smartquotes", "table"])
    md.core.ruler.at("smartquotes", _smartquotes)
    _extend(md)
    md.validateLink = is_safe_link  # type: ignore[method-assign]
    md.core.ruler.push("lang_zh", _mark_chinese)
    return md


def _extend(md: MarkdownIt) -> None:
    """What both parsers add to CommonMark: notes (`[^1]`, each kept where its text is
    written; a reference to a note never written is still a reference, to be reported) and
    the containers."""
    md.use(footnote_plugin, inline=False, move_to_end=False, always_match_refs=True)
    md.inline.ruler.at("footnote_ref", _note_reference)
    for name in BOXES:
        md.use(container_plugin, name=name)


MAX_LABEL = 100
"""The longest note label read: the plugin looks for a label's `]` to the end of the line,
so that a line of thousands of `[^` would take a time that grows with its square."""


def _note_reference(state: StateInline, silent: bool) -> bool:
    """The plugin's note reference, tried only where a label's `]` comes soon enough."""
    start = state.pos
    if not state.src.startswith("[^", start):
        return False
    if state.src.find("]", start + 2, min(state.posMax, start + 3 + MAX_LABEL)) < 0:
        return False
    return bool(footnote_ref(state, silent, always_match=True))


@lru_cache(maxsize=1)
def typographer() -> MarkdownIt:
    """A parser of plain text that only makes typographic quotes and dashes (for titles)."""
    md = MarkdownIt("zero", {"typographer": True})
    md.enable(["replacements", "smartquotes"])
    md.core.ruler.at("smartquotes", _smartquotes)
    return md


def typographic(text: str) -> str:
    """Plain text (a title, a caption) with the body's typographic quotes, dashes and
    ellipses, and nothing else changed: no Markdown is read in it."""
    tokens = typographer().parseInline(text)
    children = tokens[0].children if tokens and tokens[0].children else []
    return "".join(child.content for child in children) if children else text


@dataclass(frozen=True)
class Target:
    """Where a link or an image written in a body points, or the label of a note it cites
    (`[^label]`), as written; `line` is 0-based."""

    kind: Literal["link", "image", "note"]
    url: str
    line: int
    within: Literal["", "figure", "note"] = ""
    """The figure or the note text the target is written in, if any."""


@lru_cache(maxsize=1)
def checker() -> MarkdownIt:
    """The parser bodies are read with: the blocks and inlines of `parser()`, but every link
    and image kept as written (no scheme refused, nothing encoded), so that each can be
    reported, and no typography yet (`typeset` does it once the body passed its check)."""
    md = MarkdownIt("commonmark", {"html": False})
    md.enable("table")
    md.disable("text_join")  # parser() joins text after its typographic rules: so does typeset
    _extend(md)
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    return md


@dataclass(frozen=True)
class Parsed:
    """A body read once: its tokens, its parts, and the targets of its links and images.

    The tokens are as written until `typeset` turns them into what `parser()` would make.
    """

    tokens: tuple[Token, ...]
    body: Body
    targets: tuple[Target, ...]


def read(text: str) -> Parsed:
    """A body's tokens, parts and link targets, from one parse."""
    env: dict[str, Any] = {}
    tokens = checker().parse(text, env)
    return Parsed(tuple(tokens), _split(tokens), tuple(_targets(tokens, text.split("\n"), env)))


def typeset(parsed: Parsed) -> None:
    """Make a body that passed its check ready to render, in place: its links encoded, then
    the rules `parser()` runs after reading (typographic quotes and dashes, text joined,
    Chinese marked). Call it once per `read`. A body that passed has no unsafe links and only
    local images (in figures), the only tokens in which the two parsers differ."""
    md = parser()
    for token in parsed.tokens:
        for child in token.children or ():
            if child.type in ("link_open", "image"):
                name = "href" if child.type == "link_open" else "src"
                child.attrSet(name, md.normalizeLink(str(child.attrGet(name) or "")))
    state = StateCore("", md, {})
    state.tokens = list(parsed.tokens)
    names = md.core.ruler.get_active_rules()
    for name, rule in zip(names, md.core.ruler.getRules(""), strict=True):
        if names.index(name) > names.index("inline"):
            rule(state)


def inline_targets(text: str) -> tuple[Target, ...]:
    """The targets of the links and images in one line of inline Markdown (a news item)."""
    env: dict[str, Any] = {}
    tokens = checker().parse(text, env)
    return tuple(_targets(tokens, text.split("\n"), env))


_SEARCH = 10_000
"""How far past the previous target a target is looked for in its block's text."""


def _targets(tokens: list[Token], lines: list[str], env: dict[str, Any]) -> Iterator[Target]:
    """Each link, image and note reference the renderer would make (code spans hold none),
    with the line it is written on: found after the previous one in its block, else the
    block's first line. A reference definition (`[label]: url`) is a target on its own line;
    the links that use it are not reported again."""
    defined = env.get("references", {}).values()
    yield from (Target("link", str(d["href"]), d["map"][0]) for d in defined if d.get("map"))
    references = {str(d["href"]) for d in defined}
    inside = {"figure": 0, "note": 0}
    for block in tokens:
        _enter(inside, block)
        if not block.children or not block.map:
            continue
        within = "note" if inside["note"] else "figure" if inside["figure"] else ""
        text = "\n".join(lines[block.map[0] : block.map[1]])
        line, offset = block.map[0], 0
        for child in block.children:
            kind, url, written = _target(child)
            if not kind:
                continue
            found = text.find(written, offset, offset + _SEARCH) if written else -1
            if found >= 0:
                line += text.count("\n", offset, found)
                offset = found
            elif url in references:
                continue
            yield Target(kind, url, line, within)  # type: ignore[arg-type]


def _enter(inside: dict[str, int], token: Token) -> None:
    """Count the figures and note texts a block token opens or closes."""
    if token.type.startswith("container_figure_"):
        inside["figure"] += token.nesting
    elif token.type.startswith("footnote_reference_"):
        inside["note"] += token.nesting


def _target(child: Token) -> tuple[str, str, str]:
    """What an inline token points to: its kind, its address or label, the text to find."""
    if child.type == "footnote_ref":
        label = str(child.meta["label"])
        return "note", label, f"[^{label}]"
    if child.type in ("link_open", "image"):
        kind = "link" if child.type == "link_open" else "image"
        url = str(child.attrGet("href" if kind == "link" else "src") or "")
        return kind, url, url
    return "", "", ""


MAX_QUOTES = 500
"""The most quote marks a paragraph may have to get typographic quotes."""


def _smartquotes(state: StateCore) -> None:
    """markdown-it's typographic quotes, on blocks of up to MAX_QUOTES quote marks: it pairs
    each quote with an earlier one, in a time that grows with the square of their number, so
    a block with more (pasted data, say) keeps its straight quotes rather than stall a build."""
    for token in state.tokens:
        if token.type != "inline" or token.children is None:
            continue
        if 0 < token.content.count("'") + token.content.count('"') <= MAX_QUOTES:
            process_inlines(token.children, state)


def _split(tokens: list[Token]) -> Body:
    """A body's sections (the text before the first is its preamble), its boxes at any
    depth, and its note texts, taken out of the text wherever they are written."""
    notes, kept = _take_notes(tokens)
    preamble: list[Token] = []
    sections: list[tuple[str, int, list[Token]]] = []
    current = preamble
    i = 0
    while i < len(kept):
        token = kept[i]
        if token.type == "heading_open" and token.tag == "h2" and token.level == 0:
            current = []
            sections.append((kept[i + 1].content.strip(), _line(token), current))
            i += 3
        else:
            current.append(token)
            i += 1
    blocks = tuple(Block(title, line, tuple(part)) for title, line, part in sections)
    return Body(tuple(preamble), blocks, tuple(_boxes(kept)), tuple(notes))


def _take_notes(tokens: list[Token]) -> tuple[list[NoteText], list[Token]]:
    """The note texts of a body, and its tokens without them."""
    notes: list[NoteText] = []
    kept: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type != "footnote_reference_open":
            kept.append(token)
            i += 1
            continue
        end = closing(tokens, i, "footnote_reference_")
        notes.append(NoteText(str(token.meta["label"]), _line(token), tuple(tokens[i + 1 : end])))
        i = end + 1
    return notes, kept


def _boxes(tokens: list[Token]) -> Iterator[Box]:
    for i, token in enumerate(tokens):
        kind = token.type.removeprefix("container_").removesuffix("_open")
        if token.type.startswith("container_") and token.nesting == 1 and kind in BOXES:
            end = closing(tokens, i, "container_")
            title = box_title(token)
            yield Box(kind, title, _line(token), tuple(tokens[i + 1 : end]))


def box_title(token: Token) -> str:
    """The title written after `::: sidebar` or `::: figure`."""
    info = token.info.strip()
    return info.partition(" ")[2].strip()


def title_html(text: str) -> Markup:
    """A plain-text title (of a sidebar, a figure) as HTML: typographic quotes, escaped, its
    Chinese marked like the text's."""
    return chinese_marked(typographic(text))


def chinese_marked(text: str) -> Markup:
    """Plain text as HTML, each run of Chinese in <span lang="zh-Hans"> so that fonts and
    readers know it."""
    return Markup(_CJK_RUN.sub(_chinese_span, str(escape(text))))


def _chinese_span(match: re.Match[str]) -> str:
    run = match.group()
    return f'<span lang="zh-Hans">{run}</span>' if _CJK_CHAR.search(run) else run


def render(tokens: tuple[Token, ...]) -> str:
    """HTML for a run of block tokens."""
    md = parser()
    return str(md.renderer.render(list(tokens), md.options, {}))


def render_inline(text: str) -> str:
    """HTML for one line of inline Markdown (a news item, say)."""
    return str(parser().renderInline(text))


def _line(token: Token) -> int:
    return token.map[0] if token.map else 0


def closing(tokens: Sequence[Token], start: int, prefix: str) -> int:
    """The index of the token closing the one at `start`, counting tokens of `prefix`."""
    depth = 0
    for i in range(start, len(tokens)):
        depth += tokens[i].nesting if tokens[i].type.startswith(prefix) else 0
        if depth == 0:
            return i
    return len(tokens) - 1


def _mark_chinese(state: object) -> None:
    """Mark the Chinese of the text (`chinese_marked`): a text token holding some becomes
    the same text as HTML, its runs of Chinese in spans."""
    for block in getattr(state, "tokens", []):
        if block.type != "inline" or not block.children or not _CJK_CHAR.search(block.content):
            continue
        block.children = [
            Token("html_inline", "", 0, content=str(chinese_marked(child.content)))
            if child.type == "text" and _CJK_CHAR.search(child.content)
            else child
            for child in block.children
        ]
