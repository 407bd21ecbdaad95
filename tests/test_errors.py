"""The exception family: each kind is located and written by `format_message` alone."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import click
import pytest

from bulletin.diagnostics import Diagnostic, Severity
from bulletin.errors import (
    BulletinError,
    ConfigError,
    ContentError,
    DeliveryError,
    Location,
    OutputError,
    Problem,
)
from bulletin.mail.transport import RelaySetupError

SOURCE = Path(__file__).resolve().parents[1] / "src" / "bulletin"
KINDS = [ConfigError, OutputError, DeliveryError, RelaySetupError]


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_each_kind_is_a_click_exception_with_exit_code_1(kind: type[BulletinError]):
    error = kind("--port 8000", "cannot serve there (Address already in use)", "pass another")
    assert isinstance(error, BulletinError)
    assert isinstance(error, click.ClickException)
    assert error.exit_code == 1
    assert error.location == Location("--port 8000")
    assert error.format_message() == (
        "--port 8000: error: cannot serve there (Address already in use): pass another"
    )


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            ConfigError("DATE '2021-13-01'", "not a real date"),
            "DATE '2021-13-01': error: not a real date",
        ),
        (
            ConfigError("list.csv", "no 'email' column", "name the columns", line=1),
            "list.csv:1: error: no 'email' column: name the columns",
        ),
        (
            ConfigError("content/publication.yaml", "not set up", "add it", field="email"),
            "content/publication.yaml: error: email: not set up: add it",
        ),
        (
            ConfigError("templates/issue.html", "unexpected '}'", line=12, field="template"),
            "templates/issue.html:12: error: template: unexpected '}'",
        ),
        (DeliveryError("", "interrupted"), "error: interrupted"),
    ],
    ids=["where", "line", "field", "line and field", "nowhere"],
)
def test_the_location_is_written_with_and_without_line_and_field(error: BulletinError, line: str):
    assert error.format_message() == line
    assert str(error) == line


def test_control_format_and_bidi_characters_are_shown_escaped():
    error = DeliveryError(
        "smtp://relay\x1b[2J:587", "login refused (535 \u202egnorw\x07)", "check the\tuser"
    )
    assert error.format_message() == (
        "smtp://relay\\x1b[2J:587: error: login refused (535 \\u202egnorw\\x07): check the\\x09user"
    )


def test_several_problems_are_one_line_each_in_the_order_given():
    problems = [
        Problem(Location("build/a"), "is a link to '/etc', outside build/", "remove it"),
        Problem(Location("build/b"), "cannot read (Permission denied)"),
    ]
    error = OutputError.of(problems)
    assert error.problems == tuple(problems)
    assert error.location == Location("build/a")
    assert error.format_message().splitlines() == [
        "build/a: error: is a link to '/etc', outside build/: remove it",
        "build/b: error: cannot read (Permission denied)",
    ]


def test_a_content_error_writes_its_diagnostics_sorted_as_check_does():
    diagnostics = [
        Diagnostic("content/b.md", 3, Severity.WARNING, "title", "too long"),
        Diagnostic("content/a.md", 0, Severity.ERROR, "", "not UTF-8\x1b"),
    ]
    error = ContentError(diagnostics)
    assert error.diagnostics == tuple(sorted(diagnostics))
    assert error.format_message().splitlines() == [
        "content/a.md:1: error: not UTF-8\\x1b",
        "content/b.md:3: warning: title: too long",
    ]
    assert error.format_message().splitlines() == [str(d) for d in error.diagnostics]


def test_show_writes_the_lines_to_the_file_given():
    out = io.StringIO()
    ConfigError("--test", "'x' is not an email address").show(out)
    assert out.getvalue() == "--test: error: 'x' is not an email address\n"


def _hand_formatted(path: Path) -> list[int]:
    """Lines of `path` whose string (not a docstring) holds ': error: '."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and ": error: " in node.value
        and id(node) not in docstrings
    ]


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(SOURCE.rglob("*.py")) if p.name != "errors.py"],
    ids=lambda p: str(p.relative_to(SOURCE)),
)
def test_no_error_is_formatted_by_hand(path: Path):
    name = path.relative_to(SOURCE).as_posix()
    lines = _hand_formatted(path)
    assert not lines, f"{name}: pass the location and the message apart (lines {lines})"
