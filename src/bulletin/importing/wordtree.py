"""Pandoc's JSON tree of a Word file: reading it, the comments, tracked changes and unknown
styles in it, and the small walks the Word reader makes over its nodes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bulletin.content.word import (
    SIDEBAR_TITLE_STYLE,
)
from bulletin.errors import ConfigError
from bulletin.importing.draft import Finding

KNOWN_STYLES = frozenset(
    {
        *("Issue", "Policy", "Item", "News Item", "News Source", SIDEBAR_TITLE_STYLE),
        *("Figure Caption", "Figure Source", "Hyperlink", "First Paragraph", "Body Text"),
        *("Compact", "Table Caption", "Image Caption", "Captioned Figure", "Footnote Text"),
        *("Footnote Reference", "Block Text", "List Paragraph", "List Bullet", "List Number"),
        *("Normal", "Title"),
    }
)
"""Paragraph and character styles the reader knows: the export's and pandoc's own."""
CHANGES = ("insertion", "deletion")


def docx_tree(source: Path, changes: str, media: Path) -> dict[str, Any]:
    """Pandoc's JSON tree of `source`, styles kept; changes: `all` (marked), `accept` or
    `reject`; images extracted under `media`."""
    import pypandoc

    args = [f"--track-changes={changes}", f"--extract-media={media}"]
    try:
        text = pypandoc.convert_file(str(source), "json", format="docx+styles", extra_args=args)
    except RuntimeError:
        fix = "save it from Word as a .docx (Word document)"
        raise ConfigError(str(source), "not a Word file pandoc can read", fix) from None
    tree: dict[str, Any] = json.loads(text)
    return tree


@dataclass(frozen=True)
class Remark:
    """A comment, a tracked change or an unknown style, where it is (paragraph, heading)."""

    kind: str
    author: str
    text: str
    where: str

    @property
    def finding(self) -> Finding:
        if self.kind == "style":
            return Finding(None, f"{self.where}: unknown style {self.text!r}, read as plain")
        what = "comment" if self.kind == "comment-start" else self.kind
        return Finding(None, f"{self.where}: {what} by {self.author}: {json.dumps(self.text)}")


def remarks(tree: dict[str, Any]) -> list[Remark]:
    """Every comment, tracked change and unknown style in the tree, in document order."""
    found: list[Remark] = []
    heading = ""
    for number, block in enumerate(tree["blocks"], start=1):
        if block["t"] == "Header":
            heading = plain(block["c"][2])
        where = f"paragraph {number}" + (f" (under {heading!r})" if heading else "")
        found += [Remark(*spec, where) for spec in _marks(block)]
    return list(dict.fromkeys(found))


def _marks(node: Any) -> Iterator[tuple[str, str, str]]:
    if isinstance(node, list):
        for kid in node:
            yield from _marks(kid)
    elif isinstance(node, dict):
        if node.get("t") in ("Span", "Div"):
            (_, classes, attributes), kids = node["c"]
            attrs = dict(attributes)
            style = attrs.get("custom-style")
            if style is not None and style not in KNOWN_STYLES:
                yield "style", "", style
            for kind in (*CHANGES, "comment-start"):
                if kind in classes:
                    yield kind, attrs.get("author", "unknown"), plain(kids)
        yield from _marks(node.get("c"))


def plain(node: Any) -> str:
    """The text of inlines (or blocks), spaces as spaces."""
    if isinstance(node, list):
        return "".join(plain(kid) for kid in node)
    if not isinstance(node, dict):
        return ""
    if node["t"] in ("Space", "SoftBreak", "LineBreak"):
        return " "
    if node["t"] == "Str":
        return str(node["c"])
    if node["t"] == "Note":
        return ""
    return plain(node.get("c"))


FIELD_STYLES = frozenset({"Issue", "Policy", "Item", "News Item", "News Source"})
"""The export's paragraph styles the reader keeps; pandoc's own (Body Text...) are unwrapped."""
KEPT_SPANS = frozenset({SIDEBAR_TITLE_STYLE, "Figure Caption", "Figure Source"})


def unwrapped(node: Any) -> Any:
    """The tree without pandoc's wrappers for Word's own styles (Body Text, Hyperlink...)."""
    if isinstance(node, list):
        out: list[Any] = []
        for kid in node:
            if isinstance(kid, dict) and kid.get("t") in ("Div", "Span"):
                (ident, classes, attrs), kids = kid["c"]
                style = dict(attrs).get("custom-style")
                if style and style not in FIELD_STYLES | KEPT_SPANS and not ident and not classes:
                    out += unwrapped(kids)
                    continue
            out.append(unwrapped(kid))
        return out
    if isinstance(node, dict) and node.get("t") == "BulletList":
        return {"t": "BulletList", "c": [_tight(unwrapped(item)) for item in node["c"]]}
    if isinstance(node, dict):
        return {key: unwrapped(value) for key, value in node.items()}
    return node


def _tight(item: list[Any]) -> list[Any]:
    """A list item of one paragraph as a tight one (Word has no loose lists)."""
    if len(item) == 1 and item[0]["t"] == "Para":
        return [{"t": "Plain", "c": item[0]["c"]}]
    return item


def style_of(block: dict[str, Any]) -> str | None:
    if block["t"] != "Div":
        return None
    return dict(block["c"][0][2]).get("custom-style")


def link_in(block: Any) -> str | None:
    """The address of a `Link:` field's hyperlink."""
    if isinstance(block, dict) and block.get("t") == "Link":
        return str(block["c"][2][0])
    kids = block.get("c") if isinstance(block, dict) else block
    if isinstance(kids, list):
        for kid in kids:
            found = link_in(kid)
            if found:
                return found
    return None


def sidebar_title(block: dict[str, Any]) -> str | None:
    """The title of a sidebar (a one-cell table opened by a `Sidebar Title` span), or None."""
    cells = _cells(block)
    if len(cells) != 1 or not cells[0] or cells[0][0]["t"] not in ("Para", "Plain"):
        return None
    first = cells[0][0]["c"]
    spans = [i for i in first if i["t"] == "Span" and SIDEBAR_TITLE_STYLE in json.dumps(i["c"][0])]
    return plain(spans[0]["c"][1]).strip() if spans else None


def raw(markdown: str) -> dict[str, Any]:
    return {"t": "RawBlock", "c": ["markdown", markdown]}


def spans(node: Any) -> dict[str, str]:
    """The text of each styled span under `node`, by style."""
    found: dict[str, str] = {}
    if isinstance(node, list):
        for kid in node:
            found |= spans(kid)
    elif isinstance(node, dict):
        if node.get("t") == "Span" and dict(node["c"][0][2]).get("custom-style"):
            found[dict(node["c"][0][2])["custom-style"]] = plain(node["c"][1]).strip()
        found |= spans(node.get("c"))
    return found


def image_in(node: Any) -> tuple[str, str] | None:
    """The description and file of the first image under `node`."""
    if isinstance(node, dict) and node.get("t") == "Image":
        return plain(node["c"][1]).strip(), str(node["c"][2][0])
    kids = node.get("c") if isinstance(node, dict) else node
    for kid in kids if isinstance(kids, list) else []:
        found = image_in(kid)
        if found:
            return found
    return None


def sidebar_blocks(block: dict[str, Any]) -> list[Any]:
    return list(_cells(block)[0][1:])


def _cells(block: dict[str, Any]) -> list[list[Any]]:
    """The blocks of each cell of a table (pandoc's Table: attr, caption, specs, head,
    bodies, foot)."""
    if block["t"] != "Table":
        return []
    cells: list[list[Any]] = []
    for body in block["c"][4]:
        for row in [*body[2], *body[3]]:
            cells += [cell[4] for cell in row[1]]
    return cells
