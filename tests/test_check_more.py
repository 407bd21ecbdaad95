"""More of `bulletin check`: links and images, bodies that would be lost, names that make web
addresses, and problems that must not hide or multiply other problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SAMPLE, SAMPLE_FOLDER, edit, run

ITEM = SAMPLE_FOLDER / "top/02-standardization.md"


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), 1) if text in line)


def _check(project: Path, *args: str):
    result = run(project, "check", *args)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        ("![chart](https://example.org/c.png)", "image 'https://example.org/c.png': images"),
        ("[about us](/about/)", "link '/about/' is not a full address"),
        ("[notes](notes.html)", "link 'notes.html' is not a full address"),
    ],
)
def test_images_and_relative_links_are_errors(project, written, fragment):
    path = project / ITEM
    edit(path, "## Comment\n\n", f"## Comment\n\nSee {written}.\n\n")
    result = _check(project, SAMPLE)
    assert result.returncode == 1
    assert f"{ITEM}:{_line(path, written)}: error: {fragment}" in result.stdout


def test_links_within_the_page_are_fine(project):
    edit(project / ITEM, "## Comment\n\n", "## Comment\n\nSee [item 1](#carbon-neutrality).\n\n")
    assert _check(project, SAMPLE).returncode == 0


def test_text_after_the_worth_noting_front_matter_is_an_error(project):
    path = project / SAMPLE_FOLDER / "worth-noting.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA note that would be lost.\n")
    result = _check(project, SAMPLE)
    line = _line(path, "A note that would be lost")
    expected = f"{SAMPLE_FOLDER}/worth-noting.md:{line}: error: text after the front matter"
    assert result.returncode == 1 and expected in result.stdout


def test_a_foreword_with_headings_is_printed_whole(project):
    issue = project / SAMPLE_FOLDER / "issue.md"
    issue.write_text(issue.read_text() + "\nIntro.\n\n## Background\n\nSecond part.\n")
    assert run(project, "build", SAMPLE).returncode == 0
    page = (project / "build/issues" / SAMPLE / "index.html").read_text(encoding="utf-8")
    assert "Intro." in page and "Background" in page and "Second part." in page


def test_group_titles_in_chinese_make_working_anchors(project):
    path = project / SAMPLE_FOLDER / "worth-noting.md"
    edit(path, "title: Policy news", "title: 政策新闻")
    assert _check(project, SAMPLE).returncode == 0
    assert run(project, "build", SAMPLE).returncode == 0
    page = (project / "build/issues" / SAMPLE / "index.html").read_text(encoding="utf-8")
    assert 'id="政策新闻"' in page and 'href="#政策新闻"' in page and 'id=""' not in page


def test_a_group_title_without_letters_is_an_error(project):
    path = project / SAMPLE_FOLDER / "worth-noting.md"
    edit(path, "title: Policy news", 'title: "***"')
    result = _check(project, SAMPLE)
    line = _line(path, 'title: "***"')
    assert f"worth-noting.md:{line}: error: groups[0].title: the title gives no web anchor" in (
        result.stdout
    )


def test_body_abbreviations_must_make_distinct_page_names(project):
    bodies = project / "content/bodies.yaml"
    bodies.write_text(bodies.read_text() + '"S&T": Science\n"S-T": Technology\n')
    result = _check(project, SAMPLE)
    line = _line(bodies, '"S-T"')
    assert result.returncode == 1
    assert f"content/bodies.yaml:{line}: error: S-T: the abbreviation gives the same page" in (
        result.stdout
    )


def test_a_hidden_folder_is_not_an_issue(project):
    (project / "content/issues/.git").mkdir()
    result = _check(project)
    assert result.returncode == 0, result.stdout


def test_an_unclosed_sidebar_is_reported_where_it_opens(project):
    path = project / ITEM
    edit(path, "## Comment\n\n", "::: sidebar Box\nA box.\n\n## Comment\n\n")
    result = _check(project, SAMPLE)
    assert f"{ITEM}:{_line(path, '::: sidebar Box')}: error: sidebar not closed" in result.stdout


def test_an_unreadable_registry_is_one_problem_not_many(project):
    (project / "content/bodies.yaml").write_bytes("MIIT: x\n".encode("utf-16"))
    result = _check(project, SAMPLE)
    assert result.returncode == 1
    assert [line for line in result.stdout.splitlines() if "error" in line] == [
        "content/bodies.yaml:1: error: the file is not UTF-8 (byte 0xff): save it as UTF-8 in "
        "your editor"
    ]


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("rank: 2", 'rank: "2"', "rank: expected a whole number, found text: write it without"),
        ("issuers: [CCPCC, State Council]", "issuers: [ccpcc, State Council]", "'CCPCC'?"),
        ("url: http://www.gov.cn/", "url: http://www.gov.cn/ x/", "expected a web address"),
    ],
)
def test_hints_for_near_misses(project, old, new, fragment):
    edit(project / ITEM, old, new)
    result = _check(project, SAMPLE)
    assert result.returncode == 1 and fragment in result.stdout
