"""The issue as a Word file for reviewers (`bulletin export DATE --docx`), through pandoc.

The typed `Issue` becomes an HTML document laid out for a lossless round trip (every field in a
heading, a paragraph of a named style or a Word footnote; docs/importing.md, Export to Word);
pandoc reads it into its JSON tree, where each note becomes a Word footnote, and writes the
tree as .docx with the figures from the issue folder.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from bulletin.content.markdown import chinese_marked
from bulletin.content.model import Correction, Issue, NewsGroup, Person, Prose, TopItem
from bulletin.content.prose import PRINT_NOTE, PRINT_NOTE_AGAIN
from bulletin.content.word import (
    FIGURE_CAPTION_STYLE,
    FIGURE_SOURCE_STYLE,
    ISSUE_STYLE,
    ISSUERS_SEPARATOR,
    ITEM_STYLE,
    NEWS_ITEM_STYLE,
    NEWS_SOURCE_STYLE,
    POLICY_STYLE,
    SIDEBAR_TITLE_STYLE,
)
from bulletin.diagnostics import has_errors
from bulletin.errors import ContentError, OutputError
from bulletin.project import Project, require_issue
from bulletin.write import write_atomic

_SIDEBAR = re.compile(r'<aside class="sidebar"[^>]*>\s*<h4 class="sidebar-title">(.*?)</h4>')
_NOTE_AGAIN = re.compile(rf'<sup class="{PRINT_NOTE_AGAIN}">(\d+)</sup>')


def export_docx(project: Project, date: dt.date, output: Path | None = None) -> Path:
    """Check the issue, then write it as .docx (by default build/issues/DATE/SLUG.docx), all or
    nothing; refuses with the check's diagnostics when it has errors."""
    from bulletin.content.validate import check

    require_issue(project, date)
    checked = check(project, [date])
    if has_errors(checked.diagnostics):
        raise ContentError(checked.diagnostics)
    issue = checked.issues[date.isoformat()]
    path = output or project.build / "issues" / date.isoformat() / f"{issue.slug}.docx"
    write_atomic(path, render_docx(issue, project.issue_folder(date)))
    return path


def render_docx(issue: Issue, folder: Path) -> bytes:
    """The issue as .docx bytes; figures are read from `folder`, the issue's folder."""
    import pypandoc

    tree = json.loads(pypandoc.convert_text(review_html(issue), "json", format="html"))
    tree["blocks"] = with_notes(tree["blocks"])
    tree["meta"] = _meta(issue)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "issue.docx"
        try:
            pypandoc.convert_text(
                json.dumps(tree),
                "docx",
                format="json",
                outputfile=str(out),
                extra_args=[f"--resource-path={folder}"],
            )
        except RuntimeError as error:
            fix = "check that the issue's figures open, and that pypandoc-binary is installed"
            raise OutputError("pandoc", f"cannot write the Word file: {error}", fix) from None
        return out.read_bytes()


def review_html(issue: Issue) -> str:
    """The HTML pandoc reads: the issue's fields and foreword, the Top-5 items, Worth noting."""
    labels = issue.publication.labels
    parts = [
        _styled(ISSUE_STYLE, _issue_fields(issue)),
        _body(issue.foreword),
        f"<h1>{escape(labels['top'])}</h1>",
        *(_item(item, labels) for item in issue.top),
    ]
    if issue.worth_noting:
        parts.append(f"<h1>{escape(labels['worth_noting'])}</h1>")
        parts += [_news_group(group) for group in issue.worth_noting]
    return (
        f'<html lang="{escape(issue.publication.language)}"><body>\n'
        + "\n".join(parts)
        + ("\n</body></html>\n")
    )


def _issue_fields(issue: Issue) -> Iterable[Markup]:
    yield _field("Date", issue.date.isoformat())
    for person in issue.authors:
        yield _field("Author", _person(person))
    for editor in issue.editors:
        yield _field("Editor", _person(editor.person) + Markup(": ") + editor.role)
    if issue.draft:
        yield _field("Draft", "yes")
    yield from _corrections(issue.corrections)


def _person(person: Person) -> Markup:
    """`Name (id)`: the name for the reader, the id of people.yaml for the import."""
    return escape(person.name) + Markup(" (") + person.id + Markup(")")


def _corrections(corrections: Iterable[Correction]) -> Iterable[Markup]:
    for correction in corrections:
        yield _field("Correction", correction.date.isoformat() + Markup(": ") + correction.html)


def _item(item: TopItem, labels: Any) -> str:
    """An item: its headline (Heading 2, with the rank), its fields, its two sections."""
    policy = item.policy
    fields = [
        _field("Policy name", chinese_marked(policy.name)),
        _field("Chinese title", chinese_marked(policy.name_zh)),
    ]
    if policy.url:
        fields.append(_field("Link", _link(policy.url)))
    abbreviations = ISSUERS_SEPARATOR.join(body.abbreviation for body in policy.issuers)
    fields += [_field("Issuing bodies", abbreviations), _field("Date", policy.date.isoformat())]
    own = [_field("Anchor", item.anchor), *_corrections(item.corrections)]
    return "\n".join(
        [
            f"<h2>{item.rank}. {chinese_marked(item.title)}</h2>",
            _styled(POLICY_STYLE, fields),
            _styled(ITEM_STYLE, own),
            f"<h3>{escape(labels['at_a_glance'])}</h3>",
            _body(item.at_a_glance),
            f"<h3>{escape(labels['comment'])}</h3>",
            _body(item.comment),
        ]
    )


def _news_group(group: NewsGroup) -> str:
    """A Worth-noting group: its title (Heading 2), each item, then each of its sources."""
    parts = [f"<h2>{chinese_marked(group.title)}</h2>"]
    for item in group.items:
        parts.append(_styled(NEWS_ITEM_STYLE, [item.date.isoformat() + Markup(": ") + item.html]))
        sources = [
            escape(f"{source.label} ({source.tag})")
            + (Markup(" ") + _link(source.url) if source.url else Markup(""))
            for source in item.sources
        ]
        parts.append(_styled(NEWS_SOURCE_STYLE, sources))
    return "\n".join(parts)


def _body(prose: Prose) -> str:
    """A section's print edition, made ready for pandoc: each note's text marked with its
    number, each further reference too, a sidebar as a one-cell table headed by its title, a
    figure's caption and source in their character styles."""
    html = str(prose.print)
    for note in prose.notes:
        first = f'<span class="{PRINT_NOTE}">{note.html}</span>'
        html = html.replace(first, f'<span class="{PRINT_NOTE}" data-note="{note.number}">'
                            f"{note.html}</span>")  # fmt: skip
    html = _NOTE_AGAIN.sub(rf'<span class="{PRINT_NOTE_AGAIN}" data-note="\1"></span>', html)
    html = _SIDEBAR.sub(
        rf'<table><tr><td><p><span data-custom-style="{SIDEBAR_TITLE_STYLE}">\1</span></p>', html
    ).replace("</aside>", "</td></tr></table>")
    for name, style in (("caption", FIGURE_CAPTION_STYLE), ("source", FIGURE_SOURCE_STYLE)):
        html = html.replace(f'<span class="figure-{name}">', f'<span data-custom-style="{style}">')
    return html


def _field(label: str, value: str) -> Markup:
    return escape(label) + Markup(": ") + escape(value)


def _link(url: str) -> Markup:
    return Markup('<a href="{0}">{0}</a>').format(url)


def _styled(style: str, paragraphs: Iterable[Markup]) -> str:
    """Paragraphs in one Word paragraph style (pandoc's `custom-style`)."""
    inside = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return f'<div data-custom-style="{style}">{inside}</div>'


def with_notes(blocks: Any) -> Any:
    """Pandoc blocks with each marked note (a span with `note="N"`) as a Word footnote: the
    text of note N at each reference to it, the first and any further one."""
    texts: dict[str, list[Any]] = {}

    def visit(node: Any) -> Any:
        if isinstance(node, list):
            return [visit(kid) for kid in node]
        if not isinstance(node, dict):
            return node
        if node.get("t") == "Span":
            (_, classes, attributes), inlines = node["c"]
            number = dict(attributes).get("note")
            if number is not None and PRINT_NOTE in classes:
                texts[number] = visit(inlines)
            if number is not None and number in texts:
                return {"t": "Note", "c": [{"t": "Para", "c": texts[number]}]}
        return {key: visit(value) for key, value in node.items()}

    return visit(blocks)


def _meta(issue: Issue) -> dict[str, Any]:
    """The document's properties: title, authors' names, date, language."""
    return {
        "title": _meta_text(f"{issue.publication.series} {issue.date.isoformat()}"),
        "author": {"t": "MetaList", "c": [_meta_text(p.name) for p in issue.authors]},
        "date": _meta_text(issue.date.isoformat()),
        "lang": _meta_text(issue.publication.language),
    }


def _meta_text(text: str) -> dict[str, Any]:
    return {"t": "MetaInlines", "c": [{"t": "Str", "c": text}]}
