"""Turn the rendered HTML of an issue's text into wrapped plain text, for the email's text part."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from html.parser import HTMLParser

WIDTH = 72
_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "table",
           "figure", "figcaption", "caption"}  # fmt: skip
_SPACE = re.compile(r"\s+")


def plain(html: str, width: int = WIDTH, marker: str = "") -> str:
    """Paragraphs separated by blank lines, list items as "- " or "1. ", links as text <URL>,
    an image as its alternate text in brackets, a figure's source on a line of its own;
    `marker` (a note's "[3] ") starts the first paragraph, whose next lines it indents."""
    parser = _Parser()
    parser.feed(str(html))  # str: slices of a Markup would escape what is added to them
    parser.close()
    parser.flush()
    if marker and parser.blocks:
        first = parser.blocks[0]
        indent = " " * len(marker)
        parser.blocks[0] = _Block(first.text, marker + first.first, indent + first.rest, False)
    out = ""
    previous: _Block | None = None
    for block in parser.blocks:
        if previous is not None:
            out += "\n" if previous.in_list and block.in_list else "\n\n"
        out += block.wrap(width)
        previous = block
    return out


def wrap(text: str, width: int = WIDTH, indent: str = "") -> str:
    """One paragraph of plain text, wrapped, every line indented by `indent`."""
    return textwrap.fill(
        _SPACE.sub(" ", text).strip(),
        width,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


@dataclass(frozen=True)
class _Block:
    text: str
    first: str
    rest: str
    in_list: bool

    def wrap(self, width: int) -> str:
        return textwrap.fill(
            self.text,
            width,
            initial_indent=self.first,
            subsequent_indent=self.rest,
            break_long_words=False,
            break_on_hyphens=False,
        )


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self.text = ""
        self.lists: list[int | None] = []  # None for a bulleted list, else the next number
        self.bullet: str | None = None
        self.link: tuple[str, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS or tag in {"ul", "ol", "li"}:
            self.flush()
        if tag == "ul":
            self.lists.append(None)
        elif tag == "ol":
            self.lists.append(int(dict(attrs).get("start") or 1))
        elif tag == "li":
            self.bullet = self._bullet()
        elif tag == "a":
            self.link = (dict(attrs).get("href") or "", len(self.text))
        elif tag in {"td", "th"} and self.text:
            self.text += " | "
        elif tag == "br":
            self.text += " "
        elif tag == "img":
            self.flush()
            self.text = f"[{dict(attrs).get('alt') or 'image'}]"
            self.flush()
        elif tag == "span" and "figure-source" in (dict(attrs).get("class") or "").split():
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.link:
            href, start = self.link
            label = self.text[start:].strip()
            if href and href not in (label, f"mailto:{label}"):
                self.text += f" <{href}>"
            self.link = None
        elif tag in _BLOCKS or tag in {"li", "ul", "ol"}:
            self.flush()
            if tag in {"ul", "ol"} and self.lists:
                self.lists.pop()

    def handle_data(self, data: str) -> None:
        self.text += data

    def flush(self) -> None:
        text = _SPACE.sub(" ", self.text).strip()
        self.text = ""
        if not text:
            return
        depth = len(self.lists)
        indent = "   " * max(depth - 1, 0)
        bullet = self.bullet
        self.bullet = None
        first = indent + bullet if bullet else indent + ("   " if depth else "")
        self.blocks.append(_Block(text, first, indent + "   " if depth else "", depth > 0))

    def _bullet(self) -> str:
        if not self.lists or self.lists[-1] is None:
            return "-  "
        number = self.lists[-1]
        self.lists[-1] = number + 1
        return f"{number}. ".ljust(3)
