"""`bulletin new` scaffolds an issue that passes `bulletin check` once its hints are filled in."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
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
    assert "warning" not in unfilled.stdout

    folder = project / "content" / "issues" / DATE
    for rank, path in enumerate(sorted((folder / "top").glob("*.md")), start=1):
        _fill(path, rank)
    _fill(folder / "worth-noting.md", 0)
    assert run(project, "new", DATE).returncode == 0
    filled = run(project, "check", "--strict", DATE)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    assert filled.stdout == ""


def test_new_names_the_item_files_from_their_headlines_before_publication(project):
    """new, a headline filled in, check warns; new again renames the files; the page's anchors
    come from the headlines; check is clean; a third new changes nothing."""
    assert run(project, "new", DATE).returncode == 0
    folder = project / "content" / "issues" / DATE
    for rank, path in enumerate(sorted((folder / "top").glob("*.md")), start=1):
        _fill(path, rank)
    _fill(folder / "worth-noting.md", 0)
    first = folder / "top" / "01-item-1.md"
    edit(first, "title: Item number 1 of the new issue", "title: China speeds up standard setting")
    texts = {path.name: path.read_bytes() for path in (folder / "top").iterdir()}

    warned = run(project, "check", DATE)
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert warned.stdout.splitlines()[0] == (
        f"content/issues/{DATE}/top/01-item-1.md:1: warning: the file name gives the anchor "
        f"#item-1, not one from the headline: run `bulletin new {DATE}` to rename it to "
        "01-china-speeds-up-standard-setting.md before the issue is first published"
    )
    assert len(warned.stdout.splitlines()) == 5

    renamed = run(project, "new", DATE)
    assert renamed.returncode == 0, renamed.stderr
    names = ["china-speeds-up-standard-setting"] + [
        f"item-number-{rank}-of-the-new" for rank in range(2, 6)
    ]
    assert renamed.stdout.splitlines() == [
        f"top/0{rank}-item-{rank}.md -> top/0{rank}-{name}.md"
        for rank, name in enumerate(names, start=1)
    ]
    assert {path.name: path.read_bytes() for path in (folder / "top").iterdir()} == {
        f"0{rank}-{name}.md": texts[f"0{rank}-item-{rank}.md"]
        for rank, name in enumerate(names, start=1)
    }
    clean = run(project, "check", "--strict", DATE)
    assert (clean.returncode, clean.stdout) == (0, ""), clean.stdout + clean.stderr
    built = run(project, "build", DATE)
    assert built.returncode == 0, built.stderr
    page = (project / "build" / "issues" / DATE / "index.html").read_text(encoding="utf-8")
    assert _item_anchors(page) == names

    again = run(project, "new", DATE)
    assert (again.returncode, again.stdout) == (0, "")
    assert again.stderr == (
        f"content/issues/{DATE}: the issue already exists and no item file is left to rename: "
        "edit its files, or pick another date\n"
    )
    assert sorted(path.name for path in (folder / "top").iterdir()) == sorted(
        f"0{rank}-{name}.md" for rank, name in enumerate(names, start=1)
    )


class _Items(HTMLParser):
    """The ids of a page's Top-5 items (`<article class="item">`), in order."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "article" and found.get("class") == "item":
            self.ids.append(str(found.get("id")))


def _item_anchors(page: str) -> list[str]:
    parser = _Items()
    parser.feed(page)
    return parser.ids


def _headline(path: Path, headline: str) -> None:
    """Write an item's headline where the scaffold left its hint."""
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^title:  #.*$", f"title: {headline}", text, flags=re.M), "utf-8")


def _top(project: Path) -> Path:
    return project / "content" / "issues" / DATE / "top"


def test_new_gives_items_with_the_same_headline_distinct_names(project):
    assert run(project, "new", DATE).returncode == 0
    for rank in (1, 2, 3):
        _headline(_top(project) / f"0{rank}-item-{rank}.md", "Standards, standards!")
    (_top(project) / "09-standards-2.md").write_text("not an item", encoding="utf-8")
    result = run(project, "new", DATE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "top/01-item-1.md -> top/01-standards-standards.md",
        "top/02-item-2.md -> top/02-standards-standards-2.md",
        "top/03-item-3.md -> top/03-standards-standards-3.md",
    ]
    assert (_top(project) / "09-standards-2.md").read_text(encoding="utf-8") == "not an item"


def test_new_shortens_a_long_headline_at_a_word(project):
    """At most six words and 50 characters; a first word longer than that is cut."""
    chinese = "工业和信息化部关于印发工业领域数据安全管理办法的通知" * 3
    headlines = [
        "MIIT and the CAC tighten the rules on industrial data security across all sectors",
        "Standardization administration consolidates international standardization",
        chinese,
    ]
    assert run(project, "new", DATE).returncode == 0
    for rank, headline in enumerate(headlines, start=1):
        _headline(_top(project) / f"0{rank}-item-{rank}.md", headline)
    result = run(project, "new", DATE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "top/01-item-1.md -> top/01-miit-and-the-cac-tighten-the.md",
        "top/02-item-2.md -> top/02-standardization-administration-consolidates.md",
        f"top/03-item-3.md -> top/03-{chinese[:50]}.md",
    ]


def test_new_keeps_a_file_whose_headline_gives_no_name(project):
    assert run(project, "new", DATE).returncode == 0
    _headline(_top(project) / "01-item-1.md", '"?!"')
    result = run(project, "new", DATE)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        "top/01-item-1.md: kept: the headline has no letter or digit to name the file by"
    )
    assert (_top(project) / "01-item-1.md").is_file()
    warned = run(project, "check", DATE)
    assert (
        f"content/issues/{DATE}/top/01-item-1.md:1: warning: the file name gives the anchor "
        "#item-1, not one from the headline: write letters or digits in the headline, or "
        "rename the file before the issue is first published"
    ) in warned.stdout.splitlines()


def test_new_leaves_a_file_renamed_by_hand_alone(project):
    assert run(project, "new", DATE).returncode == 0
    _headline(_top(project) / "01-item-1.md", "China speeds up standard setting")
    (_top(project) / "01-item-1.md").rename(_top(project) / "01-standards.md")
    result = run(project, "new", DATE)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "no item file is left to rename" in result.stderr
    assert sorted(path.name for path in _top(project).iterdir())[0] == "01-standards.md"
    assert "warning" not in run(project, "check", DATE).stdout


def test_new_refuses_to_rename_the_items_of_a_recorded_issue(project):
    assert run(project, "new", DATE).returncode == 0
    _headline(_top(project) / "01-item-1.md", "China speeds up standard setting")
    record = project / "archive" / DATE / "record.json"
    record.parent.mkdir(parents=True)
    record.write_text("{}", encoding="utf-8")
    before = sorted(path.name for path in _top(project).iterdir())
    result = run(project, "new", DATE)
    assert result.returncode == 1
    assert result.stderr == (
        f"content/issues/{DATE}: error: the issue was published or sent: its anchors are "
        "recorded, so its item files keep their names: a file renamed by hand after "
        "publication keeps its old anchor as an alias (see docs/corrections.md)\n"
    )
    assert sorted(path.name for path in _top(project).iterdir()) == before
    assert "warning" not in run(project, "check", DATE).stdout


def test_new_on_an_existing_issue_with_nothing_to_rename_says_so(project):
    result = run(project, "new", SAMPLE_FOLDER.name)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == (
        f"{SAMPLE_FOLDER}: the issue already exists and no item file is left to rename: "
        "edit its files, or pick another date\n"
    )
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
