"""Every sentence an issue's source files put in its PDF, and the PDF's text to find them in.

`issue_sentences(root, date)` reads the issue's files with the project's own reader: the
front-matter texts (titles, policy names and Chinese titles, news texts, source labels, the
names and roles of its people) and every sentence of every Markdown body, rendered to plain
text by markdown-it without the typographer (with its table rule and the footnote and
container plugins: note texts, figure captions and source lines, table captions and rows,
sidebar titles; not a figure's alternate text, which is not printed). `pdf_pages(pdf, tool)`
is the text pdftotext or pypdf extracts, page by page, without the running footer (cropped
by position).
`found(sentence, pages)` compares them as the brief of issue 11 says: whitespace normalised,
the typographer's quotes and dashes mapped back to what was typed, upper-cased headings
case-insensitively, nothing else; a sentence cut by a page break may be found as its two parts
on the two pages.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin
from pypdf import PageObject, PdfReader

from bulletin.content.read import read_markdown, read_yaml

FOOTER_TOP = 60.0
"""Points from the bottom of the page: the running footer's baseline (about 49) is below, the
last line of text (above the 24 mm margin, 68) is above."""
TYPED = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "--", "\u2014": "---"}
)
"""The typographer's quotes and dashes, mapped back to what the editor typed."""
SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+")
CAPTION = re.compile(r"^Table:\s*")
"""A table's caption paragraph, `Table: ...` (the PDF prints it without `Table:`)."""
CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"


@dataclass(frozen=True)
class Sentence:
    """A text the PDF must show, and where it was written (file and field)."""

    origin: str
    text: str


def issue_sentences(root: Path, date: str) -> list[Sentence]:
    """Every sentence of the issue `date` of the project in `root`, in file order."""
    folder = root / "content" / "issues" / date
    people = read_yaml(root / "content/people.yaml", "people.yaml").data
    sentences = _people(folder / "issue.md", people)
    for path in sorted((folder / "top").glob("*.md")):
        sentences += _top_item(path)
    news = folder / "worth-noting.md"
    if news.exists():
        sentences += _worth_noting(news)
    return [sentence for sentence in sentences if sentence.text.strip()]


def _people(path: Path, people: dict) -> list[Sentence]:
    issue = read_markdown(path, path.name).data
    found = []
    for key in issue.get("authors", []):
        person = people[key]
        found += [Sentence(f"{path.name}: authors", person[field]) for field in ("name", "role")]
    for editor in issue.get("editors", []):
        person = people[editor["person"]]
        found.append(Sentence(f"{path.name}: editors.role", editor["role"]))
        found += [Sentence(f"{path.name}: editors", person[field]) for field in ("name", "role")]
    return found


def _top_item(path: Path) -> list[Sentence]:
    document = read_markdown(path, path.name)
    policy = document.data["policy"]
    found = [
        Sentence(f"{path.name}: title", document.data["title"]),
        Sentence(f"{path.name}: policy.name", policy["name"]),
        Sentence(f"{path.name}: policy.name_zh", policy["name_zh"]),
    ]
    return found + [
        Sentence(f"{path.name}: {part}", text) for part, text in body_parts(document.body)
    ]


def _worth_noting(path: Path) -> list[Sentence]:
    document = read_markdown(path, path.name)
    found = []
    for group in document.data.get("groups", []):
        found.append(Sentence(f"{path.name}: groups.title", group["title"]))
        for item in group.get("items", []):
            found += [Sentence(f"{path.name}: items.text", text) for text in split(item["text"])]
            found += [
                Sentence(f"{path.name}: sources.label", source["label"])
                for source in item.get("sources", [])
            ]
    return found + [
        Sentence(f"{path.name}: {part}", text) for part, text in body_parts(document.body)
    ]


def body_parts(markdown: str) -> list[tuple[str, str]]:
    """The sentences of a Markdown body as plain text, each with the part it is in: `body`
    (paragraphs, list items, headings other than the `## ` sections, which the PDF shows as
    run-in labels), `body.sidebar` (a sidebar's title), `body.figure` (a figure's caption and
    source line; its alternate text is not printed), `body.table` (a table's caption without
    `Table:`, and each row, its cells in order) and `body.note` (a note's text)."""
    parser = (
        MarkdownIt("commonmark", {"html": False})
        .enable("table")
        .use(container_plugin, name="sidebar")
        .use(container_plugin, name="figure")
        .use(footnote_plugin)
    )
    tokens = parser.parse(markdown)
    found: list[tuple[str, str]] = []
    part, row = "body", list[str]()
    for index, token in enumerate(tokens):
        if token.type.startswith("container_") and token.type.endswith("_open"):
            name, _, title = token.info.strip().partition(" ")
            found.append((f"body.{name}", title.strip()))
            part = "body.figure" if name == "figure" else "body"
        elif token.type in ("container_figure_close", "footnote_close", "table_close"):
            part = "body"
        elif token.type == "footnote_open":
            part = "body.note"
        elif token.type == "table_open":
            part = "body.table"
        elif token.type == "tr_close":
            found.append((part, " ".join(row)))
            row = []
        elif token.type == "inline" and part == "body.table":
            row.append(_plain(token))
        elif token.type == "inline" and CAPTION.match(token.content):
            found += [("body.table", text) for text in split(CAPTION.sub("", _plain(token)))]
        elif token.type == "inline" and not _is_section_title(tokens, index):
            found += [(part, text) for text in split(_plain(token))]
    return found


def _is_section_title(tokens: list[Token], index: int) -> bool:
    return index > 0 and tokens[index - 1].type == "heading_open" and tokens[index - 1].tag == "h2"


def _plain(token: Token) -> str:
    pieces = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            pieces.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
    return "".join(pieces)


def split(text: str) -> list[str]:
    """A text's sentences (cut after . ! ? : ; and the whitespace that follows)."""
    return [part for part in SENTENCE_END.split(normal(text)) if part]


def normal(text: str) -> str:
    """Text as compared: typographic quotes and dashes back to what was typed, whitespace as
    single spaces, none beside a Chinese character (wrapping puts line breaks in Chinese)."""
    text = " ".join(text.translate(TYPED).split())
    return re.sub(rf"(?<={CJK}) | (?={CJK})", "", text)


def found(sentence: str, pages: list[str]) -> bool:
    """Whether a sentence is in the normalised pages' text, as typed or upper-cased, whole or
    cut by a page break (its start on one page, the rest on the next)."""
    wanted = normal(sentence)
    if any(_within(wanted, page) for page in pages):
        return True
    cuts = [match.start() for match in re.finditer(" ", wanted)]
    return any(
        _within(wanted[:cut], page) and _within(wanted[cut + 1 :], following)
        for page, following in itertools.pairwise(pages)
        for cut in cuts
    )


def _within(wanted: str, text: str) -> bool:
    return wanted in text or wanted.upper() in text


def pdf_pages(pdf: Path, tool: str) -> list[str]:
    """The normalised text of each page of a PDF without its footer, as `tool` extracts it."""
    count = len(PdfReader(pdf).pages)
    if tool == "pdftotext":
        return [normal(_pdftotext(pdf, number)) for number in range(1, count + 1)]
    return [normal(_pypdf(page)) for page in PdfReader(pdf).pages]


def _pdftotext(pdf: Path, number: int) -> str:
    width, height = (float(value) for value in PdfReader(pdf).pages[number - 1].mediabox[2:])
    crop = ["-x", "0", "-y", "0", "-W", str(int(width) + 1), "-H", str(int(height - FOOTER_TOP))]
    pages = ["-f", str(number), "-l", str(number)]
    command = ["pdftotext", "-enc", "UTF-8", *pages, *crop, str(pdf), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def _pypdf(page: PageObject) -> str:
    pieces: list[str] = []

    def keep(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if y > FOOTER_TOP or not text.strip():
            pieces.append(text)

    page.extract_text(visitor_text=keep)
    return "".join(pieces)


def full_text(pdf: Path, tool: str) -> str:
    """Everything a tool extracts from a PDF, footer included, not normalised."""
    if tool == "pdftotext":
        command = ["pdftotext", "-enc", "UTF-8", str(pdf), "-"]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
