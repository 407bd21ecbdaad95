"""Reading content files: YAML that cannot be read is one error at its line, never a crash.

Each test breaks one thing in a private copy of the sample project and runs `bulletin check`
in a subprocess, like tests/test_check.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLE, SAMPLE_FOLDER, edit, run

ISSUE = SAMPLE_FOLDER.as_posix()
TOP1 = "top/01-carbon-neutrality.md"
TOP2 = "top/02-standardization.md"
ANCHORS = "anchors and aliases (&name, *name) are not supported: write the value out"


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the one line of `path` that contains `text`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, start=1) if text in line]
    assert len(found) == 1, f"{text!r} is on lines {found} of {path}, expected exactly one"
    return found[0]


def check(project: Path) -> subprocess.CompletedProcess[str]:
    """Run `bulletin check SAMPLE`; it must never crash, whatever the content."""
    result = run(project, "check", SAMPLE)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert "internal error" not in output, output
    return result


def only_line(result: subprocess.CompletedProcess[str], path: str) -> str:
    """The one diagnostic about `path`: a file YAML cannot read gets exactly one."""
    lines = [line for line in result.stdout.splitlines() if line.startswith(f"{path}:")]
    assert len(lines) == 1, result.stdout
    return lines[0]


# Characters YAML does not allow: one error at the line, naming the character.


@pytest.mark.parametrize("character", ["\x07", "\x00", "\x1b", "\x7f", "\x9f", "\ufffe"])
def test_control_character_in_front_matter_is_one_error_at_its_line(project, character):
    path = project / SAMPLE_FOLDER / TOP2
    edit(path, "title: China", f"title: a{character}b China")
    result = check(project)
    code = f"U+{ord(character):04X}"
    assert only_line(result, f"{ISSUE}/{TOP2}") == (
        f"{ISSUE}/{TOP2}:{line_of(path, 'title:')}: error: the character {code} at column 9 "
        "is not allowed in YAML (it is invisible in most editors): remove it, or retype the line"
    )
    assert result.returncode == 1


def test_control_character_after_chinese_text_is_at_the_right_line_and_column(project):
    # libyaml counts UTF-8 bytes, not characters: the Chinese title before must not shift it.
    path = project / SAMPLE_FOLDER / TOP1
    edit(path, "  issuers: [CCPCC,", "  issuers: [\x01CCPCC,")
    result = check(project)
    assert only_line(result, f"{ISSUE}/{TOP1}").startswith(
        f"{ISSUE}/{TOP1}:{line_of(path, 'issuers:')}: error: the character U+0001 at column 13 "
    )


def test_control_character_in_a_yaml_file(project):
    path = project / "content" / "people.yaml"
    edit(path, "  name: Fiona Bewley", "  name: Fiona\x08 Bewley")
    result = check(project)
    assert only_line(result, "content/people.yaml").startswith(
        f"content/people.yaml:{line_of(path, 'Fiona')}: error: the character U+0008 at column 14 "
    )
    assert result.returncode == 1


# Anchors and aliases: refused with one error, before anything is expanded.


@pytest.mark.parametrize(
    ("old", "new", "at", "name"),
    [
        (
            "policy:\n",
            "base: &b\n  url: http://example.org/\npolicy:\n  <<: *b\n",
            "base: &b",
            "&b",
        ),
        ("  issuers: [CCPCC,", "  issuers: [&c CCPCC,", "issuers:", "&c"),
        ("title: Landmark", "title: &t Landmark", "title:", "&t"),
    ],
    ids=["merge-key", "unused-anchor", "scalar-anchor"],
)
def test_anchor_is_one_error_at_its_line(project, old, new, at, name):
    path = project / SAMPLE_FOLDER / TOP1
    edit(path, old, new)
    result = check(project)
    line = only_line(result, f"{ISSUE}/{TOP1}")
    assert line.startswith(f"{ISSUE}/{TOP1}:{line_of(path, at)}: error: {ANCHORS}"), line
    assert name in line
    assert "<<" not in result.stdout
    assert result.returncode == 1


def test_alias_bomb_is_refused_at_once(project):
    levels = [f"l0: &l0 [{', '.join(['x'] * 9)}]"]
    for level in range(1, 8):
        aliases = ", ".join([f"*l{level - 1}"] * 9)
        levels.append(f"l{level}: &l{level} [{aliases}]")
    path = project / SAMPLE_FOLDER / TOP1
    edit(path, "rank: 1\n", "rank: 1\n" + "\n".join(levels) + "\n")
    command = [sys.executable, "-m", "bulletin", "--project", str(project), "check", SAMPLE]
    result = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    line = only_line(result, f"{ISSUE}/{TOP1}")
    assert line.startswith(f"{ISSUE}/{TOP1}:{line_of(path, 'l0: &l0')}: error: {ANCHORS}"), line
    assert result.returncode == 1


def test_alias_in_a_yaml_file(project):
    path = project / "content" / "people.yaml"
    edit(path, "  role: Analyst, MERICS\nclaudia", "  role: *r\nclaudia")
    edit(path, "  role: Analyst, MERICS", "  role: &r Analyst, MERICS")
    result = check(project)
    line = only_line(result, "content/people.yaml")
    assert line.startswith(f"content/people.yaml:{line_of(path, '&r')}: error: {ANCHORS}"), line
