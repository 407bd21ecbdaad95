"""Markdown for bulletin bodies: CommonMark without raw HTML, safe links, sections and sidebars."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from markdown_it import MarkdownIt
from markdown_it.rules_core.smartquotes import process_inlines
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

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


@dataclass(frozen=True)
class Block:
    """A `## Title` section or a `::: sidebar Title` box of a body, with its source line."""

    title: str
    line: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Body:
    """A Markdown body split into its parts; lines are 0-based within the body."""

    preamble: tuple[Token, ...]
    sections: tuple[Block, ...]
    sidebars: tuple[Block, ...]


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """The one Markdown parser: CommonMark, raw HTML off, typographic quotes, sidebars."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["replacements", "smartquotes", "table"])
    md.core.ruler.at("smartquotes", _smartquotes)
    md.disable("image")  # the bulletin has no images; `check` reports them
    md.use(container_plugin, name="sidebar")
    md.validateLink = is_safe_link  # type: ignore[method-assign]
    md.core.ruler.push("lang_zh", _mark_chinese)
    return md


@dataclass(frozen=True)
class Target:
    """Where a link or an image written in a body points, as written; `line` is 0-based."""

    kind: Literal["link", "image"]
    url: str
    line: int


@lru_cache(maxsize=1)
def checker() -> MarkdownIt:
    """The parser bodies are read with: the blocks and inlines of `parser()`, but every link
    and image kept as written (no scheme refused, nothing encoded), so that each can be
    reported, and no typography yet (`typeset` does it once the body passed its check)."""
    md = MarkdownIt("commonmark", {"html": False})
    md.enable("table")
    md.disable("text_join")  # parser() joins text after its typographic rules: so does typeset
    md.use(container_plugin, name="sidebar")
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
    Chinese marked). Call it once per `read`. A body that passed has no images and no unsafe
    links, the only tokens in which the two parsers differ."""
    md = parser()
    for token in parsed.tokens:
        for child in token.children or ():
            if child.type == "link_open":
                child.attrSet("href", md.normalizeLink(str(child.attrGet("href") or "")))
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
    """Each link and image the renderer would make (code spans hold none), with the line it
    is written on: found after the previous one in its block, else the block's first line.
    A reference definition (`[label]: url`) is a target on its own line; the links that use
    it are not reported again."""
    defined = env.get("references", {}).values()
    yield from (Target("link", str(d["href"]), d["map"][0]) for d in defined if d.get("map"))
    references = {str(d["href"]) for d in defined}
    for block in tokens:
        if not block.children or not block.map:
            continue
        text = "\n".join(lines[block.map[0] : block.map[1]])
        line, offset = block.map[0], 0
        for child in block.children:
            if child.type not in ("link_open", "image"):
                continue
            kind = "link" if child.type == "link_open" else "image"
            url = str(child.attrGet("href" if kind == "link" else "src") or "")
            found = text.find(url, offset, offset + _SEARCH) if url else -1
            if found >= 0:
                line += text.count("\n", offset, found)
                offset = found
            elif url in references:
                continue
            yield Target(kind, url, line)  # type: ignore[arg-type]


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
    preamble: list[Token] = []
    sections: list[tuple[str, int, list[Token]]] = []
    sidebars: list[Block] = []
    current = preamble
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open" and token.tag == "h2":
            current = []
            sections.append((tokens[i + 1].content.strip(), _line(token), current))
            i += 3
        elif token.type == "container_sidebar_open" and token.level == 0:
            end = _closing(tokens, i)
            title = token.info.strip().removeprefix("sidebar").strip()
            sidebars.append(Block(title, _line(token), tuple(tokens[i + 1 : end])))
            i = end + 1
        else:
            current.append(token)
            i += 1
    blocks = tuple(Block(title, line, tuple(part)) for title, line, part in sections)
    return Body(tuple(preamble), blocks, tuple(sidebars))


def render(tokens: tuple[Token, ...]) -> str:
    """HTML for a run of block tokens."""
    md = parser()
    return str(md.renderer.render(list(tokens), md.options, {}))


def render_inline(text: str) -> str:
    """HTML for one line of inline Markdown (a news item, say)."""
    return str(parser().renderInline(text))


def _line(token: Token) -> int:
    return token.map[0] if token.map else 0


def _closing(tokens: list[Token], start: int) -> int:
    depth = 0
    for i in range(start, len(tokens)):
        depth += tokens[i].nesting if tokens[i].type.startswith("container_") else 0
        if depth == 0:
            return i
    return len(tokens) - 1


def _mark_chinese(state: object) -> None:
    """Wrap runs of Chinese characters in <span lang="zh-Hans"> so fonts and readers know."""
    for block in getattr(state, "tokens", []):
        if block.type != "inline" or not block.children or not _CJK_CHAR.search(block.content):
            continue
        children: list[Token] = []
        for child in block.children:
            children.extend(_split_text(child) if child.type == "text" else [child])
        block.children = children


def _split_text(token: Token) -> list[Token]:
    parts: list[Token] = []
    last = 0
    for match in _CJK_RUN.finditer(token.content):
        if not _CJK_CHAR.search(match.group()):
            continue
        parts.append(_text(token.content[last : match.start()]))
        parts.append(Token("html_inline", "", 0, content='<span lang="zh-Hans">'))
        parts.append(_text(match.group()))
        parts.append(Token("html_inline", "", 0, content="</span>"))
        last = match.end()
    parts.append(_text(token.content[last:]))
    return [p for p in parts if p.content]


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)
