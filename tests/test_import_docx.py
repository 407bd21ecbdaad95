"""`bulletin import FILE.docx`: an exported issue comes back as the same checked issue; an
editor's own Word draft (made here with python-docx) imports with its comment reported and its
tracked change refusing the import until accepted or rejected."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.table import Table

from bulletin.content.model import Issue
from conftest import FEATURES, SAMPLE, SAMPLE_FOLDER, add_feature_issue, copy_project, edit, run
from test_import_text import checked_issue, run_import


def fresh_project(tmp_path: Path) -> Path:
    """A copy of the sample project without the sample issue."""
    root = copy_project(tmp_path / "fresh")
    shutil.rmtree(root / SAMPLE_FOLDER)
    return root


def fields(value: Any) -> Any:
    """A model value as plain data, field by field, to compare and show a readable diff."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: fields(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [fields(v) for v in value]
    if isinstance(value, dict):
        return {k: fields(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("date", [SAMPLE, FEATURES])
def test_exported_issue_imports_as_the_same_issue(tmp_path: Path, date: str) -> None:
    """The sample issue, and the test issue of notes, figures and tables."""
    project = add_feature_issue(copy_project(tmp_path / "export"))
    # Known limit (docs/importing.md): pandoc's docx reader reads no column alignment back.
    edit(project / "content/issues" / FEATURES / "top/02-chip-funds.md", "|:---|", "|---|")
    corrected(project / SAMPLE_FOLDER)
    exported = tmp_path / "issue.docx"
    result = run(project, "export", date, "--docx", "--output", str(exported))
    assert result.returncode == 0, result.stderr
    root = fresh_project(tmp_path)
    imported = run_import(root, str(exported), "--date", date)
    assert imported.exit_code == 0, imported.output
    assert "warning" not in imported.output
    again, original = checked_issue(root, date), checked_issue(project, date)
    folder = Path("content/issues") / date / "top"
    assert sorted(p.stem for p in (root / folder).glob("*.md")) == sorted(
        p.stem for p in (project / folder).glob("*.md")
    )
    for name in ("date", "authors", "editors", "top", "foreword", "corrections", "draft"):
        assert fields(getattr(again, name)) == renamed(fields(getattr(original, name))), name
    assert news(again) == news(original)


def corrected(folder: Path) -> None:
    """The sample issue with a foreword, a correction of the issue and one of item 1."""
    issue = folder / "issue.md"
    edit(
        issue,
        "    role: Editor\n---\n",
        "    role: Editor\n" + CORRECTION.format("2021-11-04") + "---\n",
    )
    issue.write_text(issue.read_text(encoding="utf-8") + "\nA short word before the Top 5.\n")
    item = folder / "top" / "01-carbon-neutrality.md"
    edit(
        item,
        "  date: 2021-10-24\n---",
        "  date: 2021-10-24\n" + CORRECTION.format("2021-11-05") + "---",
    )


CORRECTION = "corrections:\n  - date: {}\n    text: A figure was wrong; it is right now.\n"


RENAMED = {"steel-output.svg": "steel-output-1.svg", "fund-sizes.png": "chip-funds-1.png"}
"""A Word file keeps no image's file name: the import names them ANCHOR-N by item."""


def renamed(value: Any) -> Any:
    """The model's values with the figures' file names as the import gives them."""
    if isinstance(value, str):
        for old, new in RENAMED.items():
            value = new if value == old else value.replace(f"figures/{old}", f"figures/{new}")
        return value
    if isinstance(value, dict):
        return {k: renamed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v) for v in value]
    return value


def news(issue: Issue) -> list[Any]:
    """Worth noting field by field, each item's text with typographic apostrophes and quotes
    as typed: Word (and the printed edition) has them curly where the source has `'` and `"`;
    each item's printed HTML, compared as well, is the same either way."""
    groups = fields(issue.worth_noting)
    for group, typed in zip(groups, issue.worth_noting, strict=True):
        for item, model in zip(group["items"], typed.items, strict=True):
            item["text"] = item["text"].translate(QUOTES)
            item["html"] = str(model.html)
    return groups


QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def draft_docx(path: Path) -> Path:
    """An editor's own Word draft, without the export's styles: headings, `Label: value`
    lines, a list, a table; a comment, and a tracked insertion and deletion."""
    document = docx.Document()
    document.add_paragraph("Author: Alexander Brown")
    document.add_paragraph("Editor: Claudia Wessling: Managing editor")
    document.add_paragraph("Correction: 2021-11-03: A date was wrong.")
    document.add_heading("MERICS Top 5", level=1)
    document.add_heading("1. Beijing caps steel output again", level=2)
    policy = document.add_paragraph("Policy name: Notice on Steel Output (关于钢铁产量的通知)")
    document.add_paragraph("Issuing bodies: MIIT, NDRC")
    document.add_paragraph("Date: October 12, 2021")
    document.add_heading("At a glance", level=3)
    glance = document.add_paragraph("Mills must keep output below last year's level.")
    document.add_paragraph("Northern mills cut first", style="List Bullet")
    document.add_paragraph("Exports are watched", style="List Bullet")
    document.add_heading("MERICS comment", level=3)
    changed = document.add_paragraph("The cap is ")
    document.styles.add_style("Quote Box", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("Output fell.", style="Quote Box")
    add_footnote(document, document.paragraphs[-1], "Crude steel only.")
    table: Table = document.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ("Province", "Cut", "Hebei", "10%"), strict=True):
        cell.text = text
    document.add_heading("Worth noting", level=1)
    document.add_heading("Policy news", level=2)
    news = "October 20: MIIT publishes a hydrogen plan (MIIT notice (CN))"
    document.add_paragraph(news, style="List Bullet")
    document.add_comment(policy.runs[0], text="Check the English title", author="Fiona Bewley")
    changed._p.append(tracked("ins", "Fiona Bewley", "strict", "w:t"))
    changed._p.append(tracked("del", "Gregor Sebastian", "loose", "w:delText"))
    assert glance.text
    document.save(str(path))
    return path


def add_footnote(document: Any, paragraph: Any, text: str) -> None:
    """A Word footnote (id 1) at the end of `paragraph`: python-docx has no API for them, so
    the footnotes part is added as Word writes it, and the reference as a run."""
    namespaces = nsdecls("w")
    xml = (
        f'<w:footnotes {namespaces}><w:footnote w:id="1"><w:p><w:r><w:t>{text}</w:t></w:r>'
        "</w:p></w:footnote></w:footnotes>"
    )
    kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
    footnotes = Part(PackURI("/word/footnotes.xml"), kind, xml.encode(), document.part.package)
    document.part.relate_to(footnotes, RT.FOOTNOTES)
    paragraph._p.append(parse_xml(f'<w:r {namespaces}><w:footnoteReference w:id="1"/></w:r>'))


def tracked(kind: str, author: str, text: str, tag: str) -> Any:
    """A tracked insertion (`ins`) or deletion (`del`) of `text`, as Word writes it."""
    return parse_xml(
        f'<w:{kind} {nsdecls("w")} w:id="{len(text) + len(kind)}" w:author="{author}" '
        f'w:date="2021-11-01T09:00:00Z"><w:r><{tag}>{text}</{tag}></w:r></w:{kind}>'
    )


def test_tracked_changes_refuse_the_import_and_are_listed(tmp_path: Path) -> None:
    root = fresh_project(tmp_path)
    result = run_import(root, str(draft_docx(tmp_path / "draft.docx")), "--date", SAMPLE)
    assert result.exit_code == 1
    assert 'insertion by Fiona Bewley: "strict"' in result.output
    assert 'deletion by Gregor Sebastian: "loose"' in result.output
    assert "--accept-changes" in result.output
    assert not (root / SAMPLE_FOLDER).exists()


@pytest.mark.parametrize(
    ("option", "kept"), [("--accept-changes", "strict"), ("--reject-changes", "loose")]
)
def test_draft_imports_with_every_field_and_its_comment(
    tmp_path: Path, option: str, kept: str
) -> None:
    root = fresh_project(tmp_path)
    source = draft_docx(tmp_path / "draft.docx")
    result = run_import(root, str(source), "--date", SAMPLE, option)
    where = "paragraph 6 (under '1. Beijing caps steel output again')"
    comment = f'{source}: warning: {where}: comment by Fiona Bewley: "Check the English title"'
    assert comment in result.output
    issue = checked_issue(root)
    assert [p.id for p in issue.authors] == ["alexander-brown"]
    assert [(e.person.id, e.role) for e in issue.editors] == [
        ("claudia-wessling", "Managing editor")
    ]
    item = issue.top[0]
    assert (item.rank, item.title) == (1, "Beijing caps steel output again")
    policy = item.policy
    assert (policy.name, policy.name_zh) == ("Notice on Steel Output", "关于钢铁产量的通知")
    assert [b.abbreviation for b in policy.issuers] == ["MIIT", "NDRC"]
    assert policy.date == dt.date(2021, 10, 12)
    body = (root / SAMPLE_FOLDER / "top").glob("01-*.md").__next__().read_text(encoding="utf-8")
    glance = "Mills must keep output below last year's level.\n\n- Northern mills cut first\n"
    assert glance + "- Exports are watched" in body
    assert f"The cap is {kept}" in body
    [group] = issue.worth_noting
    assert group.title == "Policy news"
    [news] = group.items
    assert (news.date, news.text) == (dt.date(2021, 10, 20), "MIIT publishes a hydrogen plan")
    assert [(s.label, s.lang) for s in news.sources] == [("MIIT notice", "zh")]
    assert "Output fell.[^1]" in body and body.endswith("[^1]: Crude steel only.\n")
    [note] = item.comment.notes
    assert note.html == "Crude steel only."
    assert "unknown style 'Quote Box', read as plain" in result.output
    assert [(c.date, c.text) for c in issue.corrections] == [
        (dt.date(2021, 11, 3), "A date was wrong.")
    ]
    assert "| Province | Cut |" in body and "| Hebei    | 10% |" in body
