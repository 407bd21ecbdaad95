"""`bulletin check` on broken content, one case per entry of the files in tests/fixtures/check/.

Each case edits a fresh copy of the sample project, runs the CLI in process (click's CliRunner
on `bulletin.cli.cli`, so the test sees only what an editor sees) and compares the whole of
stdout, stderr when the case gives it, and the exit code. tests/fixtures/check/README.md
describes the format; `parse` below reads it.
"""

from __future__ import annotations

import difflib
import re
import shlex
import shutil
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletin.cli import cli

FOLDER = Path(__file__).parent / "fixtures" / "check"
CASE_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class FixtureError(Exception):
    """A fixture file that does not follow the format; the message starts with `file:line`."""


# The edits a case makes to the copied project, each with its paths relative to the project.


def _inside(root: Path, relative: str) -> Path:
    path = root / relative
    assert path.resolve().is_relative_to(root.resolve()), f"{relative} is outside the project"
    return path


@dataclass(frozen=True)
class Replace:
    """Replace `old`, which must occur exactly once in the file, by `new`."""

    path: str
    old: bytes
    new: bytes

    def apply(self, root: Path) -> None:
        file = _inside(root, self.path)
        data = file.read_bytes()
        count = data.count(self.old)
        assert count == 1, f"{self.old!r} occurs {count} times in {self.path}, expected once"
        file.write_bytes(data.replace(self.old, self.new))


@dataclass(frozen=True)
class Write:
    """Write `data` to the file (creating it), or add it at the end with `append`."""

    path: str
    data: bytes
    append: bool = False

    def apply(self, root: Path) -> None:
        with _inside(root, self.path).open("ab" if self.append else "wb") as file:
            file.write(self.data)


@dataclass(frozen=True)
class MakeFolder:
    path: str

    def apply(self, root: Path) -> None:
        _inside(root, self.path).mkdir(parents=True)


@dataclass(frozen=True)
class CopyFolder:
    source: str
    destination: str

    def apply(self, root: Path) -> None:
        shutil.copytree(_inside(root, self.source), _inside(root, self.destination))


Edit = Replace | Write | MakeFolder | CopyFolder


@dataclass(frozen=True)
class Case:
    """One fixture case: the edits, the command and what it must print.

    where: `file:line` of the case's `===` line, for messages.
    args: the arguments after `bulletin` (the test adds `--project`).
    stdout: every line the command prints on stdout, in order.
    stderr: every line on stderr, or None when the case does not say (then it is not compared).
    """

    id: str
    description: str
    where: str
    edits: tuple[Edit, ...]
    args: tuple[str, ...]
    stdout: tuple[str, ...]
    stderr: tuple[str, ...] | None
    exit_code: int


# The parser: a case is an `=== id` line, a description line, then sections `--- head` with
# the lines up to the next section as their block.


@dataclass(frozen=True)
class _Section:
    line: int  # 1-based, of the `--- head` line
    head: str
    block: tuple[str, ...]

    @property
    def text(self) -> str:
        """The block as the text of a replace: its lines joined, no newline after the last."""
        return "\n".join(self.block)


def parse(path: Path) -> list[Case]:
    """The cases of one fixture file; FixtureError if it does not follow the format."""
    lines = path.read_text(encoding="utf-8").removesuffix("\n").split("\n")
    starts = [number for number, line in enumerate(lines) if line.startswith("=== ")]
    if not starts:
        raise FixtureError(f"{path.name}:1: no case (a line '=== id')")
    ends = [*starts[1:], len(lines)]
    return [_case(path.name, lines, start, end) for start, end in zip(starts, ends, strict=True)]


def _case(name: str, lines: list[str], start: int, end: int) -> Case:
    where = f"{name}:{start + 1}"
    case_id = lines[start].removeprefix("=== ").strip()
    if not CASE_ID.fullmatch(case_id):
        raise FixtureError(f"{where}: the id {case_id!r} is not lower-case-words-with-dashes")
    description = lines[start + 1] if start + 1 < end else ""
    if not description.strip() or description.startswith("--- "):
        raise FixtureError(f"{where}: the line after '=== {case_id}' must describe the case")
    body = lines[start + 2 : end]
    while body and not body[-1].strip():
        body.pop()
    sections = list(_sections(name, start + 3, body))
    edits = []
    while sections and not _next_is(sections, "bulletin"):
        edits.append(_edit(name, sections))
    command = _take(where, sections, "bulletin")
    stderr = _take(where, sections, "stderr") if _next_is(sections, "stderr") else None
    exit_code = _take(where, sections, "exit")
    if sections or exit_code.block or not exit_code.head.removeprefix("exit ").isdigit():
        raise FixtureError(f"{name}:{exit_code.line}: '--- exit N' must end the case")
    if not (command.block or (stderr and stderr.block)):
        raise FixtureError(f"{where}: no expected line on stdout or stderr")
    try:
        args = shlex.split(command.head)[1:]
    except ValueError as error:
        raise FixtureError(f"{name}:{command.line}: {error}") from None
    return Case(
        id=case_id,
        description=description,
        where=where,
        edits=tuple(edits),
        args=tuple(args),
        stdout=command.block,
        stderr=None if stderr is None else stderr.block,
        exit_code=int(exit_code.head.removeprefix("exit ")),
    )


def _sections(name: str, first: int, body: list[str]) -> Iterator[_Section]:
    """The sections of a case's body, whose first line is line `first` of the file."""
    if body and not body[0].startswith("--- "):
        raise FixtureError(f"{name}:{first}: expected a '--- ' line after the description")
    heads = [i for i, line in enumerate(body) if line.startswith("--- ")]
    for i, after in zip(heads, [*heads[1:], len(body)], strict=True):
        yield _Section(first + i, body[i].removeprefix("--- ").strip(), tuple(body[i + 1 : after]))


def _next_is(sections: list[_Section], word: str) -> bool:
    return bool(sections) and sections[0].head.partition(" ")[0] == word


def _take(where: str, sections: list[_Section], word: str) -> _Section:
    if not _next_is(sections, word):
        found = f"'--- {sections[0].head}' on line {sections[0].line}" if sections else "nothing"
        raise FixtureError(f"{where}: expected '--- {word}...', found {found}")
    return sections.pop(0)


def _edit(name: str, sections: list[_Section]) -> Edit:
    """The edit of the first section (and of the `--- with` after a replace), taken off."""
    section = sections.pop(0)
    where = f"{name}:{section.line}"
    match section.head.split():
        case ["replace", *how, "in", path] if how in ([], ["bytes"]):
            encode = _with_escapes if how else str.encode
            new = _take(where, sections, "with")
            return Replace(path, encode(section.text), encode(new.text))
        case ["append", "to", path]:
            return Write(path, _whole_lines(section).encode(), append=True)
        case ["write", "bytes", path]:
            return Write(path, _with_escapes("".join(section.block)))
        case ["write", path]:
            return Write(path, _whole_lines(section).encode())
        case ["write", path, "as", encoding]:
            try:
                return Write(path, _whole_lines(section).encode(encoding))
            except LookupError:
                raise FixtureError(f"{where}: unknown encoding {encoding!r}") from None
        case ["mkdir", path] if not section.block:
            return MakeFolder(path)
        case ["copy", source, "to", destination] if not section.block:
            return CopyFolder(source, destination)
    raise FixtureError(f"{where}: unknown edit '--- {section.head}'")


def _whole_lines(section: _Section) -> str:
    return "".join(f"{line}\n" for line in section.block)


def _with_escapes(text: str) -> bytes:
    r"""The text as UTF-8, each `\xNN` in it standing for the byte NN."""
    return re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m[1], 16)]), text.encode())


def _load() -> tuple[list[Case], dict[str, str]]:
    """Every case of every fixture file, and the error of each file that does not parse."""
    cases: list[Case] = []
    errors: dict[str, str] = {}
    for path in sorted(FOLDER.glob("*.txt")):
        try:
            cases += parse(path)
        except FixtureError as error:
            errors[path.name] = str(error)
    return cases, errors


CASES, ERRORS = _load()


# The tests.


def test_every_fixture_file_parses() -> None:
    assert sorted(FOLDER.glob("*.txt")), f"no fixture files in {FOLDER}"
    others = [p.name for p in FOLDER.iterdir() if p.suffix != ".txt" and p.name != "README.md"]
    assert not others, f"files in {FOLDER} that are not read (cases go in *.txt): {others}"
    assert not ERRORS, "\n".join(ERRORS.values())
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), (
        f"ids used twice: {sorted({i for i in ids if ids.count(i) > 1})}"
    )


def _lines(text: str) -> tuple[str, ...]:
    return tuple(text.removesuffix("\n").split("\n")) if text else ()


def _outcome(
    case: Case, stdout: tuple[str, ...], stderr: tuple[str, ...] | None, exit_code: int
) -> list[str]:
    """An outcome written as the end of a case, from its `--- bulletin` line on."""
    shown_stderr = [] if stderr is None else ["--- stderr", *stderr]
    return [
        f"--- bulletin {shlex.join(case.args)}",
        *stdout,
        *shown_stderr,
        f"--- exit {exit_code}",
    ]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(case: Case, project: Path) -> None:
    for edit in case.edits:
        edit.apply(project)
    result = CliRunner().invoke(cli, ["--project", str(project), *case.args])
    title = f"{case.where} {case.id}: {case.description}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = "".join(traceback.format_exception(*result.exc_info))
        pytest.fail(f"{title}\ncrashed:\n{crash}", pytrace=False)
    assert "Traceback" not in result.stderr, f"{title}\n{result.stderr}"
    stdout, stderr = _lines(result.stdout), _lines(result.stderr)
    expected = _outcome(case, case.stdout, case.stderr, case.exit_code)
    compared = _outcome(case, stdout, None if case.stderr is None else stderr, result.exit_code)
    if compared != expected:
        diff = difflib.unified_diff(expected, compared, "the case", "the output", lineterm="")
        whole = _outcome(case, stdout, stderr, result.exit_code)
        pytest.fail(
            "\n".join([title, *diff, "", "The whole output, as a case:", *whole]), pytrace=False
        )
