"""`bulletin check` and `bulletin build` as an editor runs them: in a subprocess, end to end.

The rules themselves (which content gives which diagnostic) are cases in tests/fixtures/check/,
run in process by test_check_fixtures.py. Here: what only a real run shows (stdout for the
diagnostics and stderr for the count, exit codes, no traceback), a failed build that leaves
build/ as it was, and builds whose output a check cannot show. The helpers `check`, `line_of`,
`one_line`, `path_of` and `prefix` are used by test_hardening_content.py too.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SAMPLE, SAMPLE_FOLDER, SampleBuild, copy_project, edit, run

ISSUE = SAMPLE_FOLDER.as_posix()  # content/issues/2021-11-02, as diagnostics show it
TOP1 = f"{ISSUE}/top/01-carbon-neutrality.md"
NEWS = f"{ISSUE}/worth-noting.md"


def path_of(project: Path, name: str) -> Path:
    """A file of the sample issue in the temporary project."""
    return project / SAMPLE_FOLDER / name


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the one line of `path` that contains `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, start=1) if text in line]
    assert len(found) == 1, f"{text!r} is on lines {found} of {path}, expected exactly one"
    return found[0]


def check(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `bulletin check ARGS`; it must never crash, whatever the content."""
    result = run(project, "check", *args)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    return result


def prefix(name: str, line: int, severity: str = "error", field: str = "") -> str:
    """The start of a diagnostic line for a file of the sample issue."""
    return f"{ISSUE}/{name}:{line}: {severity}: " + (f"{field}: " if field else "")


def one_line(result: subprocess.CompletedProcess[str], start: str, fragment: str) -> str:
    """The one diagnostic line on stdout starting with `start`; it must contain `fragment`."""
    lines = [line for line in result.stdout.splitlines() if line.startswith(start)]
    assert len(lines) == 1, f"expected one line starting {start!r} in:\n{result.stdout}"
    assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


# `bulletin check`: diagnostics on stdout, the count on stderr, the exit code.


def test_check_prints_every_problem_then_a_count_and_exits_1(project):
    edit(
        path_of(project, "worth-noting.md"), "      - date: 2021-10-26", "      - date: 2021-11-26"
    )
    edit(path_of(project, "issue.md"), "[alexander-brown,", "[alexander-brwn,")
    result = check(project, SAMPLE)
    assert result.stdout.splitlines() == [
        f"{ISSUE}/issue.md:3: error: authors[0]: unknown person 'alexander-brwn' (did you mean "
        "'alexander-brown'?): use an id from content/people.yaml or add the person there",
        f"{NEWS}:39: error: groups[0].items[6].date: the news is dated 2021-11-26, after the "
        "issue date 2021-11-02: correct the date",
    ]
    assert result.stderr == "2 error(s), 0 warning(s) in 1 issue(s) and 3 shared files\n"
    assert result.returncode == 1


def test_strict_turns_a_warning_into_exit_1(project):
    edit(path_of(project, "top/01-carbon-neutrality.md"), "rank: 1", "rank: 1\nsubtitle: More")
    lenient, strict = check(project, SAMPLE), check(project, "--strict", SAMPLE)
    assert lenient.stdout.splitlines() == [
        f"{TOP1}:3: warning: subtitle: unknown field (did you mean 'title'?): fields here are "
        "rank, title, policy, corrections"
    ]
    assert strict.stdout == lenient.stdout
    assert (lenient.returncode, strict.returncode) == (0, 1)


# A failed build writes nothing: one line on stderr, exit 1, build/ as it was.


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden and temporary ones too), with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


MIIIT = (
    f"{TOP1}:8: error: policy.issuers[1]: unknown issuing body 'MIIIT' (did you mean 'MIIT'?): "
    "use an abbreviation from content/bodies.yaml or add the body there"
)
NO_DATE = (
    f"{NEWS}:10: error: groups[0].items[1].date: required field missing: add 'date:' with the "
    "date of the news, not after the issue date"
)
NO_ISSUE = (
    "content/issues/2021-11-03: error: no issue dated 2021-11-03 (issues: 2021-11-02): start "
    "one with 'bulletin new 2021-11-03'"
)
NOT_A_DATE = "DATE '2021-13-01': error: not a real date: write it as YYYY-MM-DD, e.g. 2021-11-02"

# fmt: off
BROKEN_BUILDS = [  # the edit (file of the sample issue, old, new) or None, the DATEs, the line
    pytest.param(("top/01-carbon-neutrality.md", "  issuers: [CCPCC, State Council]",
                  "  issuers: [CCPCC, MIIIT]"), (SAMPLE,), MIIIT, id="content-error"),
    pytest.param(("worth-noting.md", "      - date: 2021-09-30\n        text:", "      - text:"),
                 (), NO_DATE, id="content-error-all-issues"),
    pytest.param(None, ("2021-11-03",), NO_ISSUE, id="missing-issue"),
    pytest.param(None, (SAMPLE, "2021-11-03"), NO_ISSUE, id="one-issue-of-two-missing"),
    pytest.param(None, ("2021-13-01",), NOT_A_DATE, id="malformed-date-argument"),
]
# fmt: on


@pytest.mark.parametrize(("broken", "dates", "expected"), BROKEN_BUILDS)
def test_failed_build_reports_one_line_and_keeps_previous_output(
    sample_build: SampleBuild, tmp_path: Path, broken, dates, expected
):
    root = Path(shutil.copytree(sample_build.root, tmp_path / "project"))
    before = snapshot(root / "build")
    assert before, "the sample build should have built something"
    if broken:
        edit(path_of(root, broken[0]), *broken[1:])
    result = run(root, "build", *dates)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == "", "nothing may be written"
    assert result.stderr.splitlines() == [expected]
    assert result.returncode == 1
    assert snapshot(root / "build") == before


# Builds: what the check cannot show, the page.


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample issue's web page, built with a foreword of two parts and a group title in
    Chinese (two independent edits, one build)."""
    root = copy_project(tmp_path_factory.mktemp("edited"))
    issue = path_of(root, "issue.md")
    issue.write_text(issue.read_text() + "\nIntro.\n\n## Background\n\nSecond part.\n")
    edit(path_of(root, "worth-noting.md"), "title: Policy news", "title: 政策新闻")
    result = run(root, "build", SAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    return (root / "build/issues" / SAMPLE / "index.html").read_text(encoding="utf-8")


def test_a_foreword_with_headings_is_printed_whole(page):
    assert "Intro." in page and "Background" in page and "Second part." in page


def test_group_titles_in_chinese_make_working_anchors(page):
    assert 'id="政策新闻"' in page and 'href="#政策新闻"' in page and 'id=""' not in page
