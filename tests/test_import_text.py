"""`bulletin import`: the reference issue's text, and the PDF bulletin builds for the sample
issue, become issues that pass the check with the sample issue's facts; bad input is one line.

The reference text is read from ../shared/reference/ at test time: none of its sentences is
written here; the expected values come from the sample issue or from the reference file."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bulletin.cli import cli
from bulletin.content.model import Issue
from bulletin.content.validate import check
from bulletin.project import Project
from conftest import REPO, SAMPLE, SAMPLE_FOLDER, SampleBuild, build_in_process, copy_project, edit

REFERENCE = next(
    (
        folder / "shared" / "reference" / "000_a5fd7f2e3c6d97a0.txt"
        for folder in REPO.parents
        if (folder / "shared" / "reference").is_dir()
    ),
    REPO.parent / "shared" / "reference" / "000_a5fd7f2e3c6d97a0.txt",
)
"""The reference issue, in ../shared/reference/ beside the repository (or a worktree of it)."""
needs_reference = pytest.mark.skipif(not REFERENCE.is_file(), reason="no reference issue here")


def run_import(root: Path, *arguments: str) -> Result:
    return CliRunner().invoke(cli, ["--project", str(root), "import", *arguments])


def checked_issue(root: Path, date: str = SAMPLE) -> Issue:
    checked = check(Project(root), [dt.date.fromisoformat(date)])
    assert date in checked.issues, [str(d) for d in checked.diagnostics]
    return checked.issues[date]


@pytest.fixture(scope="module")
def sample() -> Issue:
    return checked_issue(REPO)


def imported(tmp_path: Path, source: Path) -> tuple[Issue, Result]:
    """The issue imported from `source` into a copy of the sample project without the sample
    issue, under the sample's date."""
    root = copy_project(tmp_path / "project")
    shutil.rmtree(root / SAMPLE_FOLDER)
    result = run_import(root, str(source), "--date", SAMPLE)
    assert result.exit_code == 0, result.output
    return checked_issue(root), result


def sectors(issue: Issue) -> list[list[str]]:
    """The items of the numbered lists in each item's sidebars."""
    found = []
    for item in issue.top:
        for aside in re.findall(r"<aside.*?</aside>", str(item.comment.web), re.S):
            found.append(re.findall(r"<li>(.*?)</li>", aside))
    return found


def facts(issue: Issue) -> dict[str, object]:
    """What an import must keep, apart from the headlines and the wording of the prose."""
    return {
        "name_zh": [item.policy.name_zh for item in issue.top],
        "issuers": [[body.abbreviation for body in item.policy.issuers] for item in issue.top],
        "policy dates": [item.policy.date for item in issue.top],
        "sectors": sectors(issue),
        "worth noting": [
            (group.title, [(n.date, [(s.label, s.lang) for s in n.sources]) for n in group.items])
            for group in issue.worth_noting
        ],
        "authors": [(p.id, p.name, p.role) for p in issue.authors],
        "editors": [(e.person.id, e.person.name, e.person.role, e.role) for e in issue.editors],
    }


def reference_headlines() -> list[str]:
    """The headlines as the reference's contents list them, dot leaders and pages cut."""
    text = REFERENCE.read_text(encoding="utf-8")
    return re.findall(r"^\d\. (.+?)\.{3,}\s*\d+$", text, re.M)


@needs_reference
def test_the_reference_text_imports_with_the_sample_facts(tmp_path: Path, sample: Issue):
    issue, result = imported(tmp_path, REFERENCE)
    assert [item.title for item in issue.top] == reference_headlines()
    assert len(reference_headlines()) == 5
    assert facts(issue) == facts(sample)
    assert len(sectors(issue)[0]) == 9
    assert sum(len(group.items) for group in issue.worth_noting) == 13
    assert "warning" not in result.output  # every line placed, every person and body known
    assert "wrote content/issues/2021-11-02/worth-noting.md" in result.output


@needs_reference
def test_placeholder_links_become_text_and_the_policy_url_is_left_out(tmp_path: Path):
    issue, _ = imported(tmp_path, REFERENCE)
    assert all(item.policy.url is None for item in issue.top)
    assert 'href="#"' not in "".join(str(item.comment.web) for item in issue.top)


@needs_reference
def test_unknown_people_and_bodies_are_proposed_then_added(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    shutil.rmtree(root / SAMPLE_FOLDER)
    people = root / "content" / "people.yaml"
    registry = people.read_text(encoding="utf-8")
    kept = registry.split("fiona-bewley:")[0]
    people.write_text(kept.replace("name: Claudia", "name: C."), encoding="utf-8")
    bodies = root / "content" / "bodies.yaml"
    bodies.write_text(bodies.read_text().replace("NRTA: ", "XNRTA: "), encoding="utf-8")
    result = run_import(root, str(REFERENCE), "--date", SAMPLE)
    assert result.exit_code == 1
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    proposed = re.findall(
        rf"{REFERENCE}:(\d+): warning: not in people.yaml: proposed: (.*)", result.output
    )
    assert [lines[int(line) - 1] for line, _ in proposed] == ["Claudia Wessling", "Fiona Bewley"]
    assert proposed[0][1].startswith('"claudia-wessling-2": {name: "Claudia Wessling", ')
    assert proposed[1][1] == (
        '"fiona-bewley": {name: "Fiona Bewley", role: "'
        + registry.split("fiona-bewley:")[1].split("role: ")[1].strip()
        + '"}'
    )
    assert 'not in bodies.yaml: proposed: "NRTA": "NRTA"' in result.output
    assert "fiona-bewley" in result.output.split("warning")[-1]  # the check's error names her
    shutil.rmtree(root / SAMPLE_FOLDER)
    result = run_import(root, str(REFERENCE), "--date", SAMPLE, "--add-to-registries")
    assert result.exit_code == 0, result.output
    assert "wrote content/people.yaml" in result.output
    assert "wrote content/bodies.yaml" in result.output
    editors = [e.person.id for e in checked_issue(root).editors]
    assert editors == ["claudia-wessling-2", "fiona-bewley"]


def test_text_it_cannot_place_is_reported_with_its_line(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    source = tmp_path / "issue.txt"
    source.write_text(
        "MERICS TOP 5\n\nA stray line\n\n1. A headline\n\nAt a glance: Text.\n\n"
        "MERICS comment: More text.\n\nPolicy name: A plan (一个计划)\n\nIssuing body: MIIT\n\n"
        "Date: October 1, 2021\n",
        encoding="utf-8",
    )
    result = run_import(root, str(source), "--date", "2021-12-01")
    assert f"{source}:3: warning: MERICS Top 5: not placed, left out: A stray line" in result.output
    issue = (root / "content/issues/2021-12-01/top/01-a-headline.md").read_text(encoding="utf-8")
    assert "name_zh: 一个计划\n" in issue and "date: 2021-10-01\n" in issue


def test_the_built_pdf_imports_with_the_sample_facts(
    tmp_path: Path, sample: Issue, sample_build: SampleBuild
):
    issue, result = imported(tmp_path, sample_build.pdf)
    assert [item.title for item in issue.top] == [item.title for item in sample.top]
    assert facts(issue) == facts(sample)
    assert [item.policy.name for item in issue.top] == [item.policy.name for item in sample.top]
    assert sidebar_titles(issue) == sidebar_titles(sample)
    assert [i.at_a_glance.web for i in issue.top] == [i.at_a_glance.web for i in sample.top]
    news = [[item.text for item in group.items] for group in issue.worth_noting]
    assert news == [[item.text for item in group.items] for group in sample.worth_noting]
    assert "warning" not in result.output
    assert addresses(issue) == addresses(sample)
    assert len(addresses(sample)["policies"]) == 2  # the sample has these addresses to find
    assert addresses(sample)["comments"][0] == [
        "http://www.gov.cn/zhengce/content/2021-10/26/content_5644984.htm"
    ]


def addresses(issue: Issue) -> dict[str, list[object]]:
    """Every address of the issue: policies', sources' (None included: which one has it
    counts), and the hrefs of each item's At a glance and comment."""
    return {
        "policies": [item.policy.url for item in issue.top if item.policy.url],
        "sources": [s.url for g in issue.worth_noting for n in g.items for s in n.sources],
        "glances": [re.findall(r'href="([^"]*)"', str(i.at_a_glance.web)) for i in issue.top],
        "comments": [re.findall(r'href="([^"]*)"', str(i.comment.web)) for i in issue.top],
    }


def test_a_pdf_gives_its_sources_and_glance_links_and_reports_links_it_cannot_place(
    tmp_path: Path,
):
    root = copy_project(tmp_path / "linked")
    issue = root / SAMPLE_FOLDER
    edit(issue / "worth-noting.md", "label: MIIT notice\n", f"label: MIIT notice\n{URL}")
    edit(
        issue / "worth-noting.md",
        "new infrastructure plan",
        "new [infrastructure plan](https://example.org/plan)",
    )
    edit(
        issue / "top/03-internet-of-things.md",
        "A three-year plan",
        "A [three-year plan](https://example.org/iot)",
    )
    built = build_in_process(root, SAMPLE)
    linked = checked_issue(root)
    imported_issue, result = imported(tmp_path, built.pdf)
    assert addresses(imported_issue) == addresses(linked)
    assert "https://example.org/notice" in addresses(linked)["sources"]
    assert addresses(linked)["glances"][2] == ["https://example.org/iot"]
    link = "link 'infrastructure plan' (https://example.org/plan)"
    warning = f"{built.pdf}: warning: page 7: {link}: not placed, left out"
    assert warning in result.output


URL = "            url: https://example.org/notice\n"


def sidebar_titles(issue: Issue) -> list[str]:
    """The title of each sidebar of the issue's items, as the page labels its box."""
    web = "".join(str(item.comment.web) for item in issue.top)
    return re.findall(r'<aside[^>]*aria-label="([^"]*)"', web)


@needs_reference
def test_a_date_unlike_the_masthead_is_reported(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    result = run_import(root, str(REFERENCE), "--date", "2021-12-01")
    assert f"{REFERENCE}:4: warning: masthead: dated " in result.output
    assert "imported as 2021-12-01" in result.output


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("missing.txt", None, "missing.txt: error: no such file: check the path"),
        ("issue.rtf", "text", "issue.rtf: error: cannot import a .rtf: give a .txt, .pdf or .docx"),
        ("issue.docx", "text", "issue.docx: error: not a Word file pandoc can read"),
        ("empty.txt", " \n\n", "empty.txt: error: the file holds no text"),
        ("other.txt", "Some text\n", "other.txt: error: no Top-5 item found"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, name: str, text: str | None, message: str
):
    root = copy_project(tmp_path / "project")
    source = tmp_path / name
    if text is not None:
        source.write_text(text, encoding="utf-8")
    before = sorted(root.rglob("*"))
    result = run_import(root, str(source), "--date", "2021-12-01")
    assert result.exit_code == 1
    assert message in result.output and len(result.output.splitlines()) == 1
    assert sorted(root.rglob("*")) == before


@needs_reference
def test_an_existing_issue_is_refused(tmp_path: Path):
    root = copy_project(tmp_path / "project")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    result = run_import(root, str(REFERENCE), "--date", SAMPLE)
    assert result.exit_code == 1
    assert result.output == (
        "content/issues/2021-11-02: error: the issue already exists: import under another "
        "date, or move the folder away first\n"
    )
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
