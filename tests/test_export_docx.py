"""`bulletin export DATE --docx`: the Word file opened with python-docx, and read back by pandoc
as the importer will read it (the round-trip contract of docs/importing.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import pypandoc
import pytest

from conftest import (
    FEATURES,
    SAMPLE,
    SAMPLE_FOLDER,
    add_feature_issue,
    copy_project,
    edit,
    run,
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample issue and the test issue of notes, figures and tables, each exported."""
    root = add_feature_issue(copy_project(tmp_path_factory.mktemp("export")))
    paths = {}
    for date in (SAMPLE, FEATURES):
        result = run(root, "export", date, "--docx")
        assert result.returncode == 0, result.stderr
        paths[date] = root / "build/issues" / date / f"china-industries-{date}.docx"
    return paths


def paragraphs(path: Path, style: str | None = None) -> list[str]:
    document = docx.Document(str(path))
    return [p.text for p in document.paragraphs if style is None or p.style.name == style]


def test_headings_carry_the_sections_and_the_ranked_headlines(exported):
    path = exported[SAMPLE]
    assert paragraphs(path, "Heading 1") == ["MERICS Top 5", "Worth noting"]
    items = paragraphs(path, "Heading 2")[:5]
    assert [item.split(". ")[0] for item in items] == ["1", "2", "3", "4", "5"]
    assert items[0].startswith("1. Landmark carbon neutrality plan")
    assert paragraphs(path, "Heading 3")[:2] == ["At a glance", "MERICS comment"]


def test_each_item_has_its_policy_fields(exported):
    policy = paragraphs(exported[SAMPLE], "Policy")
    assert policy[:5] == [
        "Policy name: Working Guidance for Carbon Dioxide Peaking and Carbon Neutrality in Full "
        "and Faithful Implementation of the New Development Philosophy",
        "Chinese title: 中共中央 国务院关于完整准确全面贯彻新发展理念做好碳达峰碳中和工作的意见",
        "Link: http://www.gov.cn/zhengce/2021-10/24/content_5644613.htm",
        "Issuing bodies: CCPCC; State Council",
        "Date: 2021-10-24",
    ]
    assert sum(line.startswith("Chinese title: ") for line in policy) == 5
    assert "Anchor: carbon-neutrality" in paragraphs(exported[SAMPLE], "Item")


def test_the_issue_fields_and_properties(exported):
    path = exported[SAMPLE]
    assert paragraphs(path, "Issue") == [
        "Date: 2021-11-02",
        "Author: Alexander Brown (alexander-brown)",
        "Author: Gregor Sebastian (gregor-sebastian)",
        "Editor: Claudia Wessling (claudia-wessling): Managing editor",
        "Editor: Fiona Bewley (fiona-bewley): Editor",
    ]
    properties = docx.Document(str(path)).core_properties
    assert properties.title == "China Industries 2021-11-02"
    assert "Alexander Brown" in properties.author


def test_at_a_glance_bullets_and_worth_noting(exported):
    texts = paragraphs(exported[SAMPLE])
    assert any(t.startswith("Push forward the green and digital transformation") for t in texts)
    news = paragraphs(exported[SAMPLE], "News Item")
    assert len(news) == 13
    assert news[0].startswith("2021-09-29: The Ministry of Transport publishes")
    sources = paragraphs(exported[SAMPLE], "News Source")
    assert sources[0] == "MOT notice (CN)"
    assert "South China Morning Post article (EN)" in sources


def test_sidebar_is_a_one_cell_table_headed_by_its_title(exported):
    document = docx.Document(str(exported[SAMPLE]))
    cells = [t.cell(0, 0) for t in document.tables if len(t.columns) == 1]
    first = cells[0].paragraphs[0]
    assert (
        first.text == "Green technologies are China\u2019s priority for carbon neutrality and "
        "industrial upgrading"
    )
    assert first.runs[0].style.name == "Sidebar Title"
    assert "Marine equipment" in [p.text for p in cells[0].paragraphs]


def test_notes_tables_and_figures(exported):
    path = exported[FEATURES]
    notes = footnotes(path)
    assert any(n.startswith("The caps apply to crude steel") for n in notes)
    document = docx.Document(str(path))
    table = next(t for t in document.tables if len(t.columns) == 5)
    assert [c.text for c in table.rows[0].cells] == [
        "Province",
        "Fund (CNY bn)",
        "Firms funded",
        "Share of national IC output",
        "Since",
    ]
    assert [c.text for c in table.rows[1].cells][:2] == ["Beijing", "32.0"]
    assert len(document.inline_shapes) == 2


def footnotes(path: Path) -> list[str]:
    """The text of each Word footnote, read from its part."""
    document = docx.Document(str(path))
    part = next(p for p in document.part.package.parts if p.partname.endswith("footnotes.xml"))
    tree = docx.oxml.parse_xml(part.blob)
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    return [
        "".join(t.text for t in note.iterfind(".//w:t", ns)).strip()
        for note in tree.iterfind("w:footnote", ns)
        if "".join(t.text for t in note.iterfind(".//w:t", ns)).strip()
    ]


def styles(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        if node.get("t") in {"Div", "Span"}:
            found.update(v for k, v in node["c"][0][2] if k == "custom-style")
        for value in node.values():
            styles(value, found)
    elif isinstance(node, list):
        for value in node:
            styles(value, found)
    return found


def test_pandoc_reads_back_the_styles_notes_and_figures(exported):
    tree = json.loads(pypandoc.convert_file(str(exported[FEATURES]), "json", format="docx+styles"))
    found = styles(tree["blocks"], set())
    assert {"Issue", "Policy", "Item", "Sidebar Title", "Figure Caption", "Figure Source",
            "News Item", "News Source"} <= found  # fmt: skip
    text = json.dumps(tree, ensure_ascii=False)
    assert '"t": "Note"' in text
    assert text.count('"t": "Figure"') == 2
    assert "关于做好第四季度粗钢产量调控工作的通知" in text


def test_a_failing_check_refuses_and_writes_nothing(project):
    item = project / SAMPLE_FOLDER / "top/01-carbon-neutrality.md"
    edit(item, "date: 2021-10-24", "date: 2021-13-01")
    result = run(project, "export", SAMPLE, "--docx")
    assert result.returncode == 1
    assert "content/issues/2021-11-02/top/01-carbon-neutrality.md:9: error: policy.date" in (
        result.stderr
    )
    assert not (project / "build").exists()


def test_output_option(project, tmp_path):
    target = tmp_path / "review.docx"
    result = run(project, "export", SAMPLE, "--docx", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert paragraphs(target, "Issue")[0] == "Date: 2021-11-02"
