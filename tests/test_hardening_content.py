"""Bad content never crashes, stalls or reaches the terminal raw (issue 8, the content side).

One test per hole the audit found, on its example and on variants: deep nesting, a value of
the wrong shape in any field, slow link checks, control characters bound for email headers,
terminal escapes in messages, links out of the project, settings that only `send` refused.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import SAMPLE, SAMPLE_FOLDER, copy_project, edit, run
from test_check import check, line_of, one_line, path_of, prefix

TOP1 = "top/01-carbon-neutrality.md"
NEWS = "worth-noting.md"
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _front_matter(path: Path) -> tuple[Any, str]:
    """The front matter of a Markdown file (or a whole YAML file) as data, and the body."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".yaml":
        return yaml.safe_load(text), ""
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def _write_front_matter(path: Path, data: Any, body: str) -> None:
    dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(dumped if path.suffix == ".yaml" else f"---\n{dumped}---\n{body}", "utf-8")


def _leaves(data: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """The path of every scalar in nested data."""
    if isinstance(data, dict):
        return [leaf for key, value in data.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(data, list):
        return [leaf for i, value in enumerate(data) for leaf in _leaves(value, (*path, i))]
    return [path]


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _replace(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _check_in_process(project: Path) -> list[Any]:
    from bulletin.content.validate import check as check_issues
    from bulletin.project import find_project

    return list(check_issues(find_project(project), [dt.date(2021, 11, 2)]).diagnostics)


# 1. Deep nesting


@pytest.mark.parametrize(
    ("name", "nested"),
    [
        ("issue.md", "[" * 500 + "]" * 500),  # the audit's example
        ("issue.md", "{a: " * 300 + "1" + "}" * 300),
        ("issue.md", "[" * 60_000),  # never closed, and deeper than any stack
        (TOP1, "\n" + "".join("  " * i + "- \n" for i in range(40))),  # block style
    ],
    ids=["flow-lists", "flow-mappings", "unclosed", "block-lists"],
)
def test_deep_nesting_is_one_error_at_its_line(project, name, nested):
    path = path_of(project, name)
    edit(path, "---\n", f"---\nextra: {nested}\n")
    result = check(project, SAMPLE)
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if "nest more than 20 levels" in line]
    assert len(lines) == 1, result.stdout
    assert re.match(rf"{SAMPLE_FOLDER}/{name}:(\d+): error: lists and groups nest", lines[0])
    assert lines[0].endswith("check the brackets and indentation")


def test_nesting_in_a_shared_file_too(project):
    publication = project / "content" / "publication.yaml"
    publication.write_text(publication.read_text("utf-8") + "x: " + "[" * 50 + "]" * 50 + "\n")
    result = check(project, SAMPLE)
    assert result.returncode == 1
    assert "content/publication.yaml:" in result.stdout
    assert "nest more than 20 levels" in result.stdout


# 2. A mapping or a list where one value is expected, in every field of every file


@pytest.mark.parametrize(
    ("file", "old", "new", "field"),
    [
        (
            f"{SAMPLE_FOLDER}/{NEWS}",
            "lang: zh",
            "lang: {a: 1}",
            "groups[0].items[0].sources[0].lang",
        ),
        (f"{SAMPLE_FOLDER}/{NEWS}", "lang: zh", "lang: [zh]", "groups[0].items[0].sources[0].lang"),
        ("content/publication.yaml", "language: en", "language: {x: 1}", "language"),
        ("content/publication.yaml", "language: en", "language: [en, de]", "language"),
    ],
    ids=["lang-mapping", "lang-list", "language-mapping", "language-list"],
)
def test_the_audit_examples_give_a_type_error(project, file, old, new, field):
    path = project / file
    edit(path, old, new)
    result = check(project, SAMPLE)
    assert result.returncode == 1
    start = f"{file}:{line_of(path, new)}: error: {field}: "
    found = "a group of fields" if "{" in new else "a list"
    one_line(result, start, f"expected one language code, found {found}: give one value")


SAMPLE_FILES = [
    "content/publication.yaml",
    "content/people.yaml",
    "content/bodies.yaml",
    f"{SAMPLE_FOLDER}/issue.md",
    f"{SAMPLE_FOLDER}/{TOP1}",
    f"{SAMPLE_FOLDER}/{NEWS}",
]


@pytest.mark.parametrize("file", SAMPLE_FILES)
@pytest.mark.parametrize("shape", [{"x": 1}, ["a", "b"]], ids=["mapping", "list"])
def test_every_field_answers_a_wrong_shape_with_an_error_naming_it(project, file, shape):
    """Every scalar of every sample file replaced in turn by a mapping and by a list: each
    gives an error that names that very field (checked in process, for speed)."""
    path = project / file
    original = path.read_text(encoding="utf-8")
    data, body = _front_matter(path)
    leaves = _leaves(data)
    assert len(leaves) >= 3
    missed = []
    for leaf in leaves:
        changed, _ = _front_matter(path)
        _replace(changed, leaf, shape)
        _write_front_matter(path, changed, body)
        found = [d for d in _check_in_process(project) if d.path == file]
        if not any(d.severity == "error" and d.field == _dotted(leaf) for d in found):
            missed.append((_dotted(leaf), [str(d) for d in found]))
        path.write_text(original, encoding="utf-8")
    assert not missed, missed


# 3. Checking is linear: no regular expression backtracks over a line


@pytest.mark.parametrize("run_of", ["`" * 10_000, "`a" * 5_000, "<a:" * 5_000, "](" * 10_000])
def test_long_runs_check_without_stalling(project, run_of):
    path = path_of(project, TOP1)
    edit(path, "For policymakers,", f"{run_of}\n\nFor policymakers,")
    result = run(project, "check", SAMPLE)  # before: 71 s for 10,000 backticks
    assert result.returncode == 0, result.stdout


def test_links_are_read_from_the_parsed_markdown(project):
    """A link inside a code span is no link; one after a long run of backticks still is."""
    path = path_of(project, TOP1)
    edit(path, "For policymakers,", "Write `[text](#)` for a link.\n\nFor policymakers,")
    edit(path, "For policymakers,", "See " + "`" * 3_000 + " [plan](#)\n\nFor policymakers,")
    result = check(project, SAMPLE)
    line = line_of(path, "[plan](#)")
    one_line(result, prefix(TOP1, line), "placeholder link '#'")
    assert result.stdout.count("placeholder link") == 1


def test_a_paragraph_of_thousands_of_quotes_builds_without_stalling(project):
    """Typographic quotes pair each quote with an earlier one (quadratic): a paragraph of
    more than MAX_QUOTES keeps straight quotes; before, 60 KB of them took 22 s to build."""
    from bulletin.content.markdown import MAX_QUOTES, parser

    render_text = parser().render
    assert render_text("it's") == "<p>it\u2019s</p>\n"
    quoted = '"word" '
    assert render_text(quoted * (MAX_QUOTES // 2)).count("“") == MAX_QUOTES // 2
    assert "“" not in render_text(quoted * (MAX_QUOTES // 2 + 1))
    path = path_of(project, TOP1)
    edit(path, "For policymakers,", "'\" " * 19_000 + "\n\nFor policymakers,")
    result = run(project, "build", SAMPLE)
    assert result.returncode == 0, result.stderr
    page = (project / "build" / "issues" / SAMPLE / "index.html").read_text("utf-8")
    assert "'&quot; " * 100 in page  # the paragraph is there, its quotes straight


def test_a_file_over_the_size_limit_is_refused_unread(project):
    path = path_of(project, TOP1)
    path.write_text(path.read_text("utf-8") + "[" * 1_000_000, encoding="utf-8")
    result = check(project, SAMPLE)
    one_line(result, prefix(TOP1, 1), "more than the 64 KB a content file may be")
    people = project / "content" / "people.yaml"
    people.write_text(people.read_text("utf-8") + "# " + "x" * 300_000 + "\n", encoding="utf-8")
    result = check(project, SAMPLE)
    assert "content/people.yaml:1: error: the file is 293 KB, more than the 256 KB" in result.stdout


# 4. Control characters bound for email headers


HEADER_FIELDS = [
    ("series: China Industries", 'series: "China\\r\\nBcc: all@example.org"', "series"),
    ("from_name: MERICS China Industries", 'from_name: "MERICS\\nChina"', "email.from_name"),
    ("list_id: china-industries.merics.de", 'list_id: "china\\0.merics.de"', "email.list_id"),
    (
        "from_name: MERICS China Industries",
        'from_name: "MERICS \\u202eseirtsudnI"',
        "email.from_name",
    ),
    ("reply_to: publications@merics.de", 'reply_to: "publications@merics.de\\t"', "email.reply_to"),
]


@pytest.mark.parametrize(("old", "new", "field"), HEADER_FIELDS)
def test_check_refuses_what_an_email_header_cannot_hold(project, old, new, field):
    publication = project / "content" / "publication.yaml"
    edit(publication, old, new)
    result = check(project, SAMPLE)
    assert result.returncode == 1
    start = f"content/publication.yaml:{line_of(publication, new)}: error: {field}: "
    one_line(result, start, "")
    assert not RAW_CONTROL.search(result.stdout)


def test_send_refuses_header_breaking_settings_as_check_does(project):
    publication = project / "content" / "publication.yaml"
    edit(publication, "series: China Industries", 'series: "China\\r\\nBcc: all@example.org"')
    result = run(project, "send", SAMPLE, "--test", "me@example.org")
    assert result.returncode == 1
    assert "internal error" not in result.stderr
    assert "content/publication.yaml:1: error: series: " in result.stderr


def test_control_characters_are_refused_in_any_text_and_in_bodies(project):
    path = path_of(project, TOP1)
    old = "title: Landmark carbon neutrality plan raises the stakes for local officials"
    edit(path, old, 'title: "Landmark\\e[31m plan"')
    edit(path, "For policymakers,", "For \x07policymakers,")
    result = check(project, SAMPLE)
    one_line(result, prefix(TOP1, 3, field="title"), "control character U+001B")
    line = line_of(path, "\x07")
    one_line(result, prefix(TOP1, line), "the line holds the control character U+0007")


# 5. Terminal control sequences never reach the terminal raw


@pytest.mark.parametrize(
    "heading",
    ["\x1b]0;pwned\x07Comment", "\u202eComment", "Com\x9bment", "\x1b[2J\x1b[HComment"],
    ids=["title-escape", "bidi-override", "c1-csi", "clear-screen"],
)
@pytest.mark.parametrize("output_format", ["text", "json"])
def test_quoted_content_is_shown_escaped(project, heading, output_format):
    path = path_of(project, TOP1)
    edit(path, "## Comment", f"## {heading}")
    result = check(project, "--format", output_format, SAMPLE)
    assert result.returncode == 1
    assert not RAW_CONTROL.search(result.stdout + result.stderr)
    if output_format == "json":
        output = "\n".join(row["message"] for row in json.loads(result.stdout))
    else:
        output = result.stdout
    escaped = heading.encode("unicode_escape").decode("ascii")
    assert f"unknown section '## {escaped}'" in output


def test_a_heading_of_many_lines_is_quoted_by_its_first_line(project):
    """A second `---` after the first leaves the front matter empty: the YAML becomes a
    heading underlined by the old closing `---`, quoted by its first line only."""
    path = path_of(project, TOP1)
    edit(path, "---\n", "---\n---\n")
    result = check(project, SAMPLE)
    assert result.returncode == 1
    assert "unknown section '## rank: 1...'" in result.stdout
    assert all(_is_diagnostic(line) for line in result.stdout.splitlines())


def _is_diagnostic(line: str) -> bool:
    return re.match(r"[^:]+:\d+: (error|warning): ", line) is not None


def test_a_file_name_with_escapes_is_shown_escaped(project):
    folder = path_of(project, "top")
    os.rename(folder / "05-industrial-data-security.md", folder / "05-\x1b[31mred.md")
    edit(folder / "05-\x1b[31mred.md", "rank: 5", "rank: five")
    result = check(project, SAMPLE)
    assert not RAW_CONTROL.search(result.stdout + result.stderr)
    assert "top/05-\\x1b[31mred.md" in result.stdout


def test_printable_escapes_every_control_format_and_separator_character():
    import unicodedata

    from bulletin.diagnostics import printable

    hidden = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cc", "Cf")]
    hidden += ["\u2028", "\u2029"]
    assert [c for c in hidden if printable(c) == c] == []
    assert printable("中文 café ≥ 1") == "中文 café ≥ 1"


# 6. Links out of the project


def _outside(tmp_path: Path, source: Path) -> Path:
    target = tmp_path / "elsewhere" / source.name
    target.parent.mkdir(exist_ok=True)
    if source.is_dir():
        source.rename(target)
    else:
        target.write_bytes(source.read_bytes())
        source.unlink()
    return target


@pytest.mark.parametrize("name", [NEWS, "top", "issue.md", TOP1])
def test_a_link_out_of_the_project_is_refused(project, tmp_path, name):
    source = path_of(project, name)
    target = _outside(tmp_path, source)
    source.symlink_to(target)
    result = check(project, SAMPLE)
    assert result.returncode == 1
    start = f"{SAMPLE_FOLDER}/{name}:1: error: "
    one_line(result, start, f"a link to {target}, outside the project")
    build = run(project, "build", SAMPLE)
    assert build.returncode == 1
    assert not (project / "build").exists()


def test_a_linked_issue_folder_and_shared_file_are_refused(project, tmp_path):
    folder = project / SAMPLE_FOLDER
    folder.symlink_to(_outside(tmp_path, folder))
    bodies = project / "content" / "bodies.yaml"
    bodies.symlink_to(_outside(tmp_path, bodies))
    result = check(project)
    assert f"{SAMPLE_FOLDER}:1: error: a link to " in result.stdout
    assert "content/bodies.yaml:1: error: a link to " in result.stdout


def test_a_link_inside_the_project_is_followed(project):
    path = path_of(project, NEWS)
    copy = project / "content" / "shared-news.md"
    copy.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(Path("../../shared-news.md"))
    assert check(project, SAMPLE).returncode == 0


def test_the_preview_reports_a_link_out_of_the_project(project, tmp_path):
    """What the preview's watcher rebuilds after a change: the build refuses the link, and the
    page banner lists it."""
    from bulletin.project import find_project
    from bulletin.site.serve import Preview

    path = path_of(project, NEWS)
    path.symlink_to(_outside(tmp_path, path))
    preview = Preview(find_project(project), on_build=lambda result: None)
    result = preview.rebuild()
    assert not result.ok
    assert any("outside the project" in line for line in result.diagnostics)


# 8. Every setting send needs is checked by check, every problem at once


def test_check_strict_reports_every_email_setting_send_would_refuse(project):
    publication = project / "content" / "publication.yaml"
    edit(publication, "https://bulletin.example.org/unsubscribe?email={email}&token={token}",
         "http://bulletin.example.org/unsubscribe?email={email}")  # fmt: skip
    edit(publication, "list_id: china-industries.merics.de", "list_id: china industries")
    edit(publication, "from: bulletin@merics.de", "from: bulletin at merics.de")
    result = check(project, "--strict", SAMPLE)
    assert result.returncode == 1
    for field, fragment in [
        ("email.unsubscribe_url", "must be ASCII, start with https:// and hold {token}"),
        ("email.list_id", "is not a dotted name"),
        ("email.from", "expected an email address"),
    ]:
        line = next(n for n, text in enumerate(publication.read_text().splitlines(), 1)
                    if text.strip().startswith(field.split(".")[1] + ":"))  # fmt: skip
        one_line(result, f"content/publication.yaml:{line}: error: {field}: ", fragment)


def test_a_default_list_id_that_send_would_refuse_is_reported(project):
    publication = project / "content" / "publication.yaml"
    edit(publication, "  list_id: china-industries.merics.de\n", "")
    edit(publication, "series: China Industries", "series: 中国产业")
    result = check(project, SAMPLE)
    line = publication.read_text("utf-8").splitlines().index("email:") + 1
    one_line(result, f"content/publication.yaml:{line}: error: email: ", "set email.list_id")


def test_the_sample_settings_pass(tmp_path):
    assert check(copy_project(tmp_path), "--strict", SAMPLE).returncode == 0
