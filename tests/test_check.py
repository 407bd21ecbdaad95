"""`bulletin check` (and a failing `bulletin build`) on broken content.

Every test breaks one thing in a private copy of the sample project with `edit(...)`, runs the
CLI in a subprocess and asserts the exact diagnostic: `path:line: error|warning: field: message`,
with the line computed from the edited file, a fix hint, the exit code and no traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SAMPLE, SAMPLE_FOLDER, copy_project, edit, run

ISSUE = SAMPLE_FOLDER.as_posix()  # content/issues/2021-11-02, as diagnostics show it
ISSUE_MD = "issue.md"
TOP1 = "top/01-carbon-neutrality.md"
TOP2 = "top/02-standardization.md"
TOP5 = "top/05-industrial-data-security.md"
NEWS = "worth-noting.md"

TITLE = "title: Landmark carbon neutrality plan raises the stakes for local officials"
ISSUERS = "  issuers: [CCPCC, State Council]"
POLICY_DATE = "  date: 2021-10-24"  # top/01, line 9
POLICY_URL = "  url: http://www.gov.cn/zhengce/2021-10/24/content_5644613.htm"
NAME_ZH = "  name_zh: 中共中央 国务院关于完整准确全面贯彻新发展理念做好碳达峰碳中和工作的意见"
LINK_TEXT = "[action plan to peak carbon emissions by 2030]"
LINK_TARGET = "(http://www.gov.cn/zhengce/content/2021-10/26/content_5644984.htm)"
NEWS_TEXT = (
    "        text: MIIT invites comments on instructions for new energy vehicle safety systems."
)
SIDEBAR = (
    "::: sidebar Green technologies are China's priority for carbon neutrality and industrial "
    "upgrading"
)


# Helpers


def path_of(project: Path, name: str) -> Path:
    """A file of the sample issue in the temporary project."""
    return project / SAMPLE_FOLDER / name


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the one line of `path` that contains `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, start=1) if text in line]
    assert len(found) == 1, f"{text!r} is on lines {found} of {path}, expected exactly one"
    return found[0]


def body_start(path: Path) -> int:
    """The 1-based line just after the front matter's closing '---'."""
    lines = path.read_text(encoding="utf-8").splitlines()
    fences = [number for number, line in enumerate(lines, start=1) if line == "---"]
    return fences[1] + 1


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


def located(result: subprocess.CompletedProcess[str]) -> list[tuple[str, int]]:
    """(path, line) of every diagnostic line on stdout, in printed order."""
    pairs = []
    for line in result.stdout.splitlines():
        path, number, _ = line.split(":", 2)
        pairs.append((path, int(number)))
    return pairs


# One rule, one broken field. Each row: id, file, old text, new text, text on the line the
# diagnostic must point at, field ("" for the Markdown body), fragment of the message, severity.

# fmt: off
FIELD_RULES = [
    ("required-field-empty", TOP1, TITLE, 'title: ""', "title:", "title",
     "empty: fill in the headline", "error"),
    ("required-list-empty", ISSUE_MD, "[alexander-brown, gregor-sebastian]", "[]", "authors:",
     "authors", "empty: fill in the analysts", "error"),
    ("wrong-type-rank-text", TOP1, "rank: 1", 'rank: "one"', "rank:", "rank",
     "expected a whole number, found text", "error"),
    ("wrong-type-rank-float", TOP1, "rank: 1", "rank: 1.5", "rank:", "rank",
     "expected a whole number, found a number", "error"),
    ("wrong-type-list-as-text", ISSUE_MD, "[alexander-brown, gregor-sebastian]",
     "alexander-brown", "authors:", "authors",
     "found text: write it as [a, b] or as '- ' lines", "error"),
    ("wrong-type-issuers-as-text", TOP1, ISSUERS, "  issuers: CCPCC", "issuers:",
     "policy.issuers", "found text: write it as [a, b]", "error"),
    ("unknown-field-warning", TOP1, "rank: 1", "rank: 1\nsubtitle: More", "subtitle:", "subtitle",
     "unknown field (did you mean 'title'?): fields here are rank, title, policy", "warning"),
    ("unknown-nested-field-warning", NEWS, "            lang: en\n  - title: Corporate",
     "            lang: en\n            langue: en\n  - title: Corporate", "langue:",
     "groups[0].items[6].sources[1].langue", "unknown field (did you mean 'lang'?)", "warning"),
    ("impossible-policy-date", TOP1, POLICY_DATE, "  date: 2021-02-30", "2021-02-30",
     "policy.date", "2021-02-30 is not a real date: check the month and day", "error"),
    ("impossible-issue-date", ISSUE_MD, "date: 2021-11-02", "date: 2021-02-30", "date:", "date",
     "2021-02-30 is not a real date", "error"),
    ("impossible-news-date", NEWS, "      - date: 2021-10-08", "      - date: 2021-10-32",
     "2021-10-32", "groups[0].items[2].date", "is not a real date", "error"),
    ("date-in-wrong-format", TOP1, POLICY_DATE, "  date: 24.10.2021", "24.10.2021",
     "policy.date", "expected a date written YYYY-MM-DD, found text '24.10.2021'", "error"),
    ("rank-duplicate", TOP2, "rank: 2", "rank: 1", "rank:", "rank",
     f"rank 1 is also used by {ISSUE}/{TOP1}: give each item its own rank", "error"),
    ("rank-gap", TOP5, "rank: 5", "rank: 6", "rank:", "rank",
     "rank 6 leaves a gap: ranks must run 1 to 5 (missing 5)", "error"),
    ("policy-date-after-issue", TOP1, POLICY_DATE, "  date: 2021-11-24", "2021-11-24",
     "policy.date", "the policy is dated 2021-11-24, after the issue date 2021-11-02: correct",
     "error"),
    ("news-date-after-issue", NEWS, "      - date: 2021-10-26", "      - date: 2021-11-26",
     "2021-11-26", "groups[0].items[6].date",
     "the news is dated 2021-11-26, after the issue date", "error"),
    ("issue-date-not-folder", ISSUE_MD, "date: 2021-11-02", "date: 2021-11-03", "date:", "date",
     "2021-11-03 does not match the folder name '2021-11-02': make them the same", "error"),
    ("unknown-body-did-you-mean", TOP1, ISSUERS, "  issuers: [CCPCC, MIIIT]", "issuers:",
     "policy.issuers[1]", "unknown issuing body 'MIIIT' (did you mean 'MIIT'?): use an "
     "abbreviation from content/bodies.yaml", "error"),
    ("unknown-author-did-you-mean", ISSUE_MD, "[alexander-brown,", "[alexander-brwn,",
     "authors:", "authors[0]", "unknown person 'alexander-brwn' (did you mean "
     "'alexander-brown'?): use an id from content/people.yaml", "error"),
    ("unknown-editor-did-you-mean", ISSUE_MD, "person: fiona-bewley", "person: fiona-bewly",
     "fiona-bewly", "editors[1].person",
     "unknown person 'fiona-bewly' (did you mean 'fiona-bewley'?)", "error"),
    ("chinese-title-without-cjk", TOP1, NAME_ZH, "  name_zh: Opinions on carbon neutrality",
     "name_zh:", "policy.name_zh", "'Opinions on carbon neutrality' has no Chinese characters: "
     "give the original Chinese title", "error"),
    ("news-item-without-date", NEWS, "      - date: 2021-09-30\n        text:", "      - text:",
     "text: MIIT names 987", "groups[0].items[1].date",
     "required field missing: add 'date:' with the date of the news", "error"),
    ("news-item-without-sources", NEWS,
     "        sources:\n          - label: MIIT notice\n            lang: zh\n"
     "      - date: 2021-10-08", "      - date: 2021-10-08", "date: 2021-09-30",
     "groups[0].items[1].sources",
     "required field missing: add 'sources:' with the sources of the news", "error"),
    ("news-item-empty-sources", NEWS,
     "        sources:\n          - label: MOT notice\n            lang: zh\n",
     "        sources: []\n", "sources: []", "groups[0].items[0].sources",
     "empty: fill in the sources", "error"),
    ("placeholder-url-hash", TOP1, POLICY_URL, '  url: "#"', "url:", "policy.url",
     "placeholder link '#': give the real address or leave the field out", "error"),
    ("placeholder-url-empty", TOP1, POLICY_URL, '  url: ""', "url:", "policy.url",
     "placeholder link '': give the real address", "error"),
    ("url-without-scheme", TOP1, POLICY_URL, "  url: www.gov.cn/zhengce", "url:", "policy.url",
     "expected a web address starting with https:// or http://", "error"),
    ("placeholder-source-url", NEWS, "          - label: MOT notice\n",
     '          - label: MOT notice\n            url: "#"\n', 'url: "#"',
     "groups[0].items[0].sources[0].url", "placeholder link '#'", "error"),
    ("unknown-language", NEWS, "          - label: MOT notice\n            lang: zh",
     "          - label: MOT notice\n            lang: zhh", "zhh",
     "groups[0].items[0].sources[0].lang",
     "unknown language 'zhh' (did you mean 'zh'?): use one of en, zh", "error"),
    ("todo-hint-in-field", TOP1, "title: Landmark", "title: TODO Landmark", "title:", "title",
     "unfinished: replace the TODO hint with the headline", "error"),
    # Problems in the Markdown body: no field, the line of the offending text.
    ("placeholder-link-hash-in-body", TOP1, LINK_TARGET, "(#)", LINK_TEXT, "",
     "placeholder link '#': give the real address", "error"),
    ("placeholder-link-empty-in-body", TOP1, LINK_TARGET, "()", LINK_TEXT, "",
     "placeholder link '': give the real", "error"),
    ("placeholder-link-in-list-item", TOP1, "- Speed up", "- [the plan](#) Speed up",
     "[the plan](#)", "", "placeholder link '#'", "error"),
    ("unsafe-link-in-body", TOP1, LINK_TARGET, "(javascript:alert(1))", LINK_TEXT, "",
     "unsafe link scheme 'javascript:': only http, https and mailto links", "error"),
    ("unknown-section-did-you-mean", TOP1, "## Comment", "## Comments", "## Comments", "",
     "unknown section '## Comments' (did you mean 'Comment'?)", "error"),
    ("unknown-section", TOP1, "## Comment", "## Analysis", "## Analysis", "",
     "unknown section '## Analysis' (sections: At a glance, Comment)", "error"),
    ("todo-hint-in-body", TOP1, "Within the policy", "TODO: write it\n\nWithin the policy",
     "TODO: write it", "", "unfinished: replace the TODO hint with the text", "error"),
    ("text-before-first-section", TOP1, "\n## At a glance", "\nAn intro.\n\n## At a glance",
     "An intro.", "", "text before the first section: start the body with '## At a glance'",
     "error"),
    ("sidebar-without-title", TOP1, SIDEBAR, "::: sidebar", "::: sidebar", "",
     "sidebar without a title: write '::: sidebar Title'", "error"),
]
# fmt: on


@pytest.mark.parametrize(
    ("name", "old", "new", "at", "field", "fragment", "severity"),
    [pytest.param(*row[1:], id=row[0]) for row in FIELD_RULES],
)
def test_rule(project, name, old, new, at, field, fragment, severity):
    path = path_of(project, name)
    edit(path, old, new)
    result = check(project, SAMPLE)
    one_line(result, prefix(name, line_of(path, at), severity, field), fragment)
    assert result.returncode == (1 if severity == "error" else 0), result.stdout


def test_required_field_missing_is_reported_at_the_front_matter(project):
    path = path_of(project, TOP1)
    edit(path, f"{TITLE}\n", "")
    result = check(project, SAMPLE)
    one_line(
        result,
        prefix(TOP1, 1, "error", "title"),
        "required field missing: add 'title:' with the headline of the item",
    )
    assert result.returncode == 1


def test_misspelt_field_warns_with_did_you_mean_and_the_real_one_is_missing(project):
    path = path_of(project, TOP1)
    edit(path, "title: Landmark", "titel: Landmark")
    result = check(project, SAMPLE)
    one_line(
        result,
        prefix(TOP1, line_of(path, "titel:"), "warning", "titel"),
        "unknown field (did you mean 'title'?)",
    )
    one_line(result, prefix(TOP1, 1, "error", "title"), "required field missing")
    assert result.returncode == 1


def test_missing_top5_section_is_reported_at_the_body(project):
    path = path_of(project, TOP1)
    edit(path, "## Comment\n", "")
    result = check(project, SAMPLE)
    one_line(
        result,
        prefix(TOP1, body_start(path)),
        "section '## Comment' missing: add it (the house comment",
    )
    assert result.returncode == 1


# Malformed YAML and files that are not UTF-8: one error at the offending line.


# fmt: off
YAML_ERRORS = [  # file, old text, new text, text on the line YAML should blame
    pytest.param(TOP1, "  name_zh:", " name_zh:", "name_zh:", id="bad-indentation"),
    pytest.param(TOP1, "title: Landmark", "title: Plan: Landmark", "title:", id="colon-in-text"),
    pytest.param(ISSUE_MD, "    role: Editor", "\trole: Editor", "role: Editor", id="tab-indent"),
    pytest.param(TOP1, "title: Landmark", 'title: "Landmark', "title:", id="unclosed-quote"),
    pytest.param(TOP1, ISSUERS, "  issuers: [CCPCC, State Council", "issuers:",
                 id="unclosed-bracket"),
]
# fmt: on


def test_duplicate_yaml_key_is_reported_at_the_second(project):
    path = path_of(project, TOP1)
    edit(path, "rank: 1\n", "rank: 1\nrank: 2\n")
    result = check(project, SAMPLE)
    first = line_of(path, "rank: 1")
    one_line(
        result, prefix(TOP1, first + 1), f"duplicate key 'rank': it is already set on line {first}"
    )
    assert result.returncode == 1


@pytest.mark.parametrize(("name", "old", "new", "at"), YAML_ERRORS)
def test_malformed_yaml_is_reported_at_its_line(project, name, old, new, at):
    path = path_of(project, name)
    edit(path, old, new)
    result = check(project, SAMPLE)
    one_line(result, prefix(name, line_of(path, at)), "malformed YAML: ")
    assert "check indentation, colons and quotes" in result.stdout
    assert result.returncode == 1


@pytest.mark.parametrize(
    ("name", "at"), [(TOP1, "rank: 1"), (ISSUE_MD, "authors:"), (NEWS, NEWS_TEXT.strip())]
)
def test_file_not_utf8_is_reported_at_the_bad_line(project, name, at):
    path = path_of(project, name)
    line = line_of(path, at)
    data = path.read_bytes().replace(at.encode(), at.encode() + b" \xff", 1)
    path.write_bytes(data)
    result = check(project, SAMPLE)
    one_line(
        result,
        prefix(name, line),
        "the file is not UTF-8 (byte 0xff): save it as UTF-8 in your editor",
    )
    assert result.returncode == 1


# The run as a whole: every problem at once, sorted; --strict; --format json; all issues.


def test_every_problem_in_one_run_sorted_by_file_then_line(project):
    edit(path_of(project, NEWS), "      - date: 2021-10-26", "      - date: 2021-11-26")
    edit(path_of(project, TOP1), LINK_TARGET, "(#)")
    edit(path_of(project, TOP1), POLICY_DATE, "  date: 2021-11-24")
    edit(path_of(project, ISSUE_MD), "[alexander-brown,", "[alexander-brwn,")
    result = check(project, SAMPLE)
    assert located(result) == [
        (f"{ISSUE}/{ISSUE_MD}", line_of(path_of(project, ISSUE_MD), "authors:")),
        (f"{ISSUE}/{TOP1}", line_of(path_of(project, TOP1), "2021-11-24")),  # 9 before 23
        (f"{ISSUE}/{TOP1}", line_of(path_of(project, TOP1), LINK_TEXT)),
        (f"{ISSUE}/{NEWS}", line_of(path_of(project, NEWS), "2021-11-26")),
    ], result.stdout
    assert result.returncode == 1
    assert "4 error(s), 0 warning(s)" in result.stderr


def test_strict_turns_a_warning_into_exit_1(project):
    path = path_of(project, TOP1)
    edit(path, "rank: 1", "rank: 1\nsubtitle: More")
    start = prefix(TOP1, line_of(path, "subtitle:"), "warning", "subtitle")
    lenient = check(project, SAMPLE)
    strict = check(project, "--strict", SAMPLE)
    one_line(lenient, start, "unknown field")
    one_line(strict, start, "unknown field")
    assert (lenient.returncode, strict.returncode) == (0, 1)


def test_json_format_for_machines(project):
    top = path_of(project, TOP1)
    edit(top, ISSUERS, "  issuers: [CCPCC, MIIIT]")
    edit(top, "rank: 1", "rank: 1\nsubtitle: More")
    result = check(project, "--format", "json", SAMPLE)
    rows = json.loads(result.stdout)
    assert rows == [
        {
            "path": f"{ISSUE}/{TOP1}",
            "line": line_of(top, "subtitle:"),
            "severity": "warning",
            "field": "subtitle",
            "message": rows[0]["message"],
        },
        {
            "path": f"{ISSUE}/{TOP1}",
            "line": line_of(top, "issuers:"),
            "severity": "error",
            "field": "policy.issuers[1]",
            "message": rows[1]["message"],
        },
    ]
    assert rows[0]["message"].startswith("unknown field (did you mean 'title'?)")
    assert rows[1]["message"].startswith("unknown issuing body 'MIIIT' (did you mean 'MIIT'?)")
    assert result.returncode == 1


def test_json_format_of_a_clean_issue_is_an_empty_list(project):
    result = check(project, "--format", "json", SAMPLE)
    assert json.loads(result.stdout) == []
    assert result.returncode == 0


def test_check_without_date_checks_every_issue(project):
    later = project / "content/issues/2021-11-09"
    shutil.copytree(project / SAMPLE_FOLDER, later)
    edit(later / ISSUE_MD, "date: 2021-11-02", "date: 2021-11-09")
    edit(later / TOP2, ISSUERS, "  issuers: [CCPCC, MIIIT]")
    edit(path_of(project, TOP1), ISSUERS, "  issuers: [CCPCC, MIIIT]")
    in_sample = (f"{ISSUE}/{TOP1}", line_of(path_of(project, TOP1), "MIIIT"))
    in_later = (f"content/issues/2021-11-09/{TOP2}", line_of(later / TOP2, "MIIIT"))
    everything = check(project)
    assert located(everything) == [in_sample, in_later], everything.stdout
    assert everything.returncode == 1
    assert located(check(project, "2021-11-09")) == [in_later]


def test_missing_issue_is_one_line(project):
    result = check(project, "2021-11-03")
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "content/issues/2021-11-03: error: no issue dated 2021-11-03 (issues: 2021-11-02): "
        "start one with 'bulletin new 2021-11-03'"
    ]
    assert result.returncode == 1


@pytest.mark.parametrize(
    "argument", ["2021-13-01", "2021-02-30", "2021-11-2", "yesterday", "20211102", "2021-W44-2"]
)
def test_malformed_date_argument_is_one_line(project, argument):
    result = check(project, argument)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"DATE {argument!r}: error: not a real date: write it as YYYY-MM-DD, e.g. 2021-11-02"
    ]
    assert result.returncode == 1


# A failed build changes nothing under build/.


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project with its issue built once; tests work on copies of it."""
    root = copy_project(tmp_path_factory.mktemp("built"))
    result = run(root, "build", SAMPLE)
    assert result.returncode == 0, result.stderr
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden and temporary ones too), with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# fmt: off
BROKEN_BUILDS = [  # the edit (file, old, new, text on the line to blame) or None, DATEs, line
    pytest.param((TOP1, ISSUERS, "  issuers: [CCPCC, MIIIT]", "MIIIT"), (SAMPLE,),
                 f"{ISSUE}/{TOP1}:{{line}}: error: policy.issuers[1]: unknown issuing body 'MIIIT'",
                 id="content-error"),
    pytest.param((NEWS, "      - date: 2021-09-30\n        text:", "      - text:", "MIIT names"),
                 (), f"{ISSUE}/{NEWS}:{{line}}: error: groups[0].items[1].date: required field",
                 id="content-error-all-issues"),
    pytest.param(None, ("2021-11-03",),
                 "content/issues/2021-11-03: error: no issue dated 2021-11-03", id="missing-issue"),
    pytest.param(None, (SAMPLE, "2021-11-03"),
                 "content/issues/2021-11-03: error: no issue dated 2021-11-03",
                 id="one-issue-of-two-missing"),
    pytest.param(None, ("2021-13-01",), "DATE '2021-13-01': error: not a real date",
                 id="malformed-date-argument"),
]
# fmt: on


@pytest.mark.parametrize(("broken", "dates", "expected"), BROKEN_BUILDS)
def test_failed_build_reports_one_line_and_keeps_previous_output(
    built, tmp_path, broken, dates, expected
):
    root = Path(shutil.copytree(built, tmp_path / "project"))
    before = snapshot(root / "build")
    assert before, "the fixture should have built something"
    if broken:
        name, old, new, at = broken
        edit(path_of(root, name), old, new)
        expected = expected.format(line=line_of(path_of(root, name), at))
    result = run(root, "build", *dates)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout == "", "nothing may be written"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected), result.stderr
    assert result.returncode == 1
    assert snapshot(root / "build") == before


@pytest.mark.parametrize(
    ("target", "fragment"),
    [
        ("#", "placeholder link '#'"),
        ("javascript:alert(1)", "unsafe link scheme 'javascript:'"),
    ],
    ids=["placeholder", "unsafe"],
)
def test_links_in_news_text_are_checked(project, target, fragment):
    path = path_of(project, NEWS)
    edit(path, NEWS_TEXT, f'        text: "[MIIT]({target}) invites comments."')
    result = check(project, SAMPLE)
    one_line(
        result, prefix(NEWS, line_of(path, "[MIIT]"), "error", "groups[0].items[3].text"), fragment
    )
    assert result.returncode == 1


# Known bugs: these assert the correct behaviour and fail until the implementation is fixed.


@pytest.mark.parametrize(
    ("name", "old", "new", "field"),
    [
        (TOP1, POLICY_DATE, "  date: 2021-10-24 10:00:00", "policy.date"),
        (
            NEWS,
            "      - date: 2021-10-26",
            "      - date: 2021-10-26 10:00:00",
            "groups[0].items[6].date",
        ),
        (ISSUE_MD, "date: 2021-11-02", "date: 2021-11-02 10:00:00", "date"),
    ],
    ids=["policy-date", "news-date", "issue-date"],
)
def test_date_with_a_time_of_day_is_a_diagnostic(project, name, old, new, field):
    path = path_of(project, name)
    edit(path, old, new)
    result = check(project, SAMPLE)
    line = one_line(result, prefix(name, line_of(path, "10:00:00"), "error", field), "YYYY-MM-DD")
    assert "datetime.datetime(" not in line
    assert result.returncode == 1


@pytest.mark.parametrize("written", ['"2021-10-24"', "2021-10-4"], ids=["quoted", "unpadded"])
def test_real_date_written_as_text_is_not_called_unreal(project, written):
    edit(path_of(project, TOP1), POLICY_DATE, f"  date: {written}")
    result = check(project, SAMPLE)
    assert "not a real date" not in result.stdout


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        (TOP1, "rank: 1", 'rank: "one"'),
        (TOP2, "rank: 2", "rank: 1"),
        (TOP1, "title: Landmark", "title: [Landmark"),
    ],
    ids=["rank-not-a-number", "rank-duplicate", "unreadable-item"],
)
def test_rank_problem_in_one_item_does_not_blame_another(project, name, old, new):
    edit(path_of(project, name), old, new)
    result = check(project, SAMPLE)
    assert result.returncode == 1
    assert TOP5 not in result.stdout, "item 5 is fine: 5 files, ranks 1 to 5"


@pytest.mark.parametrize(
    ("target", "fragment"),
    [("#", "placeholder link '#'"), ("javascript:alert(1)", "unsafe link scheme 'javascript:'")],
    ids=["placeholder", "unsafe"],
)
def test_reference_style_links_are_checked(project, target, fragment):
    path = path_of(project, TOP1)
    edit(path, LINK_TARGET, "[plan]")
    edit(path, "For policymakers,", f"\n\n[plan]: {target}\n\nFor policymakers,")
    result = check(project, SAMPLE)
    one_line(result, prefix(TOP1, line_of(path, "[plan]: ")), fragment)
    assert result.returncode == 1
