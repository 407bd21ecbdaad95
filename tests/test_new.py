"""`bulletin new` scaffolds an issue that passes `bulletin check` once its hints are filled in."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import SAMPLE_FOLDER, edit, run

DATE = "2021-11-16"


def _fill(path: Path, rank: int) -> None:
    """Fill a scaffolded file the way an editor would: replace every hint with content."""
    text = path.read_text(encoding="utf-8")
    values = {
        "title": f"Item number {rank} of the new issue",
        "name": "Notice on a new plan",
        "name_zh": "关于印发新计划的通知",
        "issuers": "[MIIT]",
        "date": "2021-11-10",
        "text": "MIIT publishes a plan.",
        "label": "MIIT notice",
        "lang": "zh",
    }
    for key, value in values.items():
        text = re.sub(rf"^(\s*(?:- )?{key}):(?: \[\])?  #.*$", rf"\1: {value}", text, flags=re.M)
    text = re.sub(r"^(\s*- title):  #.*$", r"\1: Policy news", text, flags=re.M)
    text = re.sub(r"^TODO: .*$", "Written by the analyst.", text, flags=re.M)
    path.write_text(text, encoding="utf-8")


def test_new_issue_copies_the_team_of_the_latest_issue(project):
    result = run(project, "new", DATE)
    assert result.returncode == 0, result.stderr
    folder = project / "content" / "issues" / DATE
    new = yaml.safe_load((folder / "issue.md").read_text(encoding="utf-8").split("---")[1])
    old = yaml.safe_load((project / SAMPLE_FOLDER / "issue.md").read_text().split("---")[1])
    assert str(new["date"]) == DATE
    assert new["authors"] == old["authors"]
    assert new["editors"] == old["editors"]
    assert sorted(p.name for p in (folder / "top").iterdir()) == [
        f"0{rank}-item-{rank}.md" for rank in range(1, 6)
    ]


def test_new_issue_fails_check_until_filled_then_passes(project):
    assert run(project, "new", DATE).returncode == 0
    unfilled = run(project, "check", DATE)
    assert unfilled.returncode == 1
    assert "top/01-item-1.md:3: error: title: empty" in unfilled.stdout
    assert "unfinished: replace the TODO hint" in unfilled.stdout

    folder = project / "content" / "issues" / DATE
    for rank, path in enumerate(sorted((folder / "top").glob("*.md")), start=1):
        _fill(path, rank)
    _fill(folder / "worth-noting.md", 0)
    filled = run(project, "check", "--strict", DATE)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    assert filled.stdout == ""


def test_new_refuses_an_existing_issue(project):
    result = run(project, "new", SAMPLE_FOLDER.name)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{SAMPLE_FOLDER}: error: the issue already exists")
    assert "Traceback" not in result.stderr


def _front(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    assert isinstance(data, dict)
    return data


# Copied values that YAML would misread written plain: they must come back unchanged.
AWKWARD = ["x: y", "#1", "true", "2021-11-02", "a, b", "[x", "- x", "'quoted'", 'say "hi"', ""]


@pytest.mark.parametrize("value", AWKWARD)
def test_new_issue_copies_awkward_values_exactly(project, value):
    old = project / SAMPLE_FOLDER / "issue.md"
    quoted = json.dumps(value)
    edit(old, "role: Managing editor", f"role: {quoted}")
    edit(old, "[alexander-brown, gregor-sebastian]", f"[{quoted}, gregor-sebastian]")
    result = run(project, "new", DATE)
    assert result.returncode == 0, result.stderr
    new = _front(project / "content" / "issues" / DATE / "issue.md")
    assert new["authors"] == [value, "gregor-sebastian"]
    assert new["editors"] == [
        {"person": "claudia-wessling", "role": value},
        {"person": "fiona-bewley", "role": "Editor"},
    ]


@pytest.mark.parametrize(
    ("old", "new", "authors", "editors"),
    [
        (
            "authors: [alexander-brown, gregor-sebastian]",
            "authors: alexander-brown",
            [],
            "copied",
        ),
        (
            "authors: [alexander-brown, gregor-sebastian]",
            "authors: [alexander-brown, [gregor-sebastian]]",
            [],
            "copied",
        ),
        (
            "editors:\n  - person: claudia-wessling\n    role: Managing editor\n",
            "editors:\n  - claudia-wessling\n",
            "copied",
            [{"person": None, "role": None}],
        ),
        (
            "    role: Managing editor",
            "    role: 1",
            "copied",
            [{"person": None, "role": None}],
        ),
        (
            "editors:",
            "editors: claudia-wessling\nold_editors:",
            "copied",
            [{"person": None, "role": None}],
        ),
    ],
    ids=["authors-text", "authors-nested", "editors-strings", "editor-role-number", "editors-text"],
)
def test_new_issue_leaves_a_team_of_the_wrong_shape_empty(project, old, new, authors, editors):
    issue = project / SAMPLE_FOLDER / "issue.md"
    before = _front(issue)
    edit(issue, old, new)
    result = run(project, "new", DATE)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    written = _front(project / "content" / "issues" / DATE / "issue.md")
    assert written["authors"] == (before["authors"] if authors == "copied" else authors)
    assert written["editors"] == (before["editors"] if editors == "copied" else editors)
