"""The command line's seam: the project is found when a command asks, heavy modules load late."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bulletin.cli import cli
from conftest import SAMPLE, run

NOT_A_PROJECT = (
    "{}: error: not a bulletin project (no content/publication.yaml): run bulletin in the "
    "project folder or pass --project DIR"
)
COMMANDS = [
    ["check"],
    ["build", SAMPLE],
    ["new", "2021-11-16"],
    ["serve", "--no-watch"],
    ["publish", "site"],
    ["send", SAMPLE, "--test", "anna@example.org"],
    ["send-log", SAMPLE],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_every_command_outside_a_project_is_the_same_one_line(tmp_path: Path, command: list[str]):
    missing = tmp_path / "missing"
    result = run(missing, *command)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [NOT_A_PROJECT.format(missing)]
    assert not missing.exists()


def test_help_works_outside_a_project(tmp_path: Path):
    missing = tmp_path / "missing"
    group = run(missing, "--help")
    assert group.returncode == 0, group.stderr
    assert "Commands:" in group.stdout
    assert set(cli.commands) <= set(group.stdout.split())
    for name in cli.commands:
        command = run(missing, name, "--help")
        assert command.returncode == 0, command.stderr
        assert command.stdout.startswith(f"Usage: bulletin {name} ")


def test_a_pasted_command_names_the_project_only_when_given():
    from bulletin.cli import Session

    assert Session(Path(".")).command("send-log", SAMPLE) == f"bulletin send-log {SAMPLE}"
    assert Session(Path("my project")).command("send-log", SAMPLE) == (
        f"bulletin --project 'my project' send-log {SAMPLE}"
    )


HEAVY = ("weasyprint", "css_inline", "watchfiles", "bulletin.site", "bulletin.mail")
_LOADED = """
import sys
from bulletin.cli import main
sys.argv = ["bulletin", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("loaded:", *sorted(name for name in {heavy!r} if name in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize("arguments", [["--help"], ["check", SAMPLE]], ids=" ".join)
def test_help_and_check_load_no_renderer_nor_mailer(project: Path, arguments: list[str]):
    code = _LOADED.format(heavy=HEAVY)
    command = [sys.executable, "-c", code, "--project", str(project), *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.stderr.splitlines()[-1] == "loaded:", result.stderr
