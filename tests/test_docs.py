"""Docs cannot drift: commands have help, the field reference is the schema's, examples pass."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import click
import pytest

from bulletin.cli import cli
from bulletin.content.docs import END, START, reference
from conftest import REPO, run

CONTENT_FORMAT = REPO / "docs" / "content-format.md"


def _commands() -> list[click.Command]:
    return list(cli.commands.values())


@pytest.mark.parametrize("command", _commands(), ids=lambda c: c.name)
def test_every_command_has_help_and_is_in_the_readme(command):
    assert command.help and len(command.help.split()) >= 5
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            assert parameter.help, f"{command.name} {parameter.opts} has no help"
    assert f"bulletin {command.name}" in (REPO / "README.md").read_text(encoding="utf-8")


def test_field_reference_is_generated_from_the_schema():
    text = CONTENT_FORMAT.read_text(encoding="utf-8")
    generated = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert generated == reference().strip(), "run `make docs` to regenerate the reference"


def _examples() -> dict[str, str]:
    """Every `File: path` example of the content format, by path."""
    text = CONTENT_FORMAT.read_text(encoding="utf-8")
    pattern = r"File: `([^`]+)`\n\n```\w*\n(.*?)```"
    return dict(re.findall(pattern, text, flags=re.DOTALL))


def test_content_format_examples_make_a_valid_issue(tmp_path: Path):
    examples = _examples()
    assert {"content/publication.yaml", "content/people.yaml", "content/bodies.yaml"} <= set(
        examples
    )
    assert any(path.endswith("worth-noting.md") for path in examples)
    for path, text in examples.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    result = run(tmp_path, "check", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
