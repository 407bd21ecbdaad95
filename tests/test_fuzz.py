"""`bulletin check` on mutated sample files, property-based (issue 8).

Every case ends with exit code 0 or 1, never an internal error or an exception, in under 2 s,
with every line of its output a diagnostic or the summary and no raw control character in
it; every accepted case is also rendered to its web and print HTML. The cases (see
tests/fuzzing.py) are random ones with a fixed seed, the extreme of each family for every
file, and a few that keep the content valid, built to PDF. `make fuzz` runs the same with
BULLETIN_FUZZ_EXAMPLES=20000.
"""

from __future__ import annotations

import faulthandler
import os
import re
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, assume, given, settings

from bulletin.cli import cli
from bulletin.content.read import read_project
from bulletin.diagnostics import printable_lines
from bulletin.project import Project, find_project, parse_date
from bulletin.render.html import Theme, render_print, render_web
from conftest import REPO, SAMPLE, copy_project
from fuzzing import Case, Extreme, cases, extreme_cases, printable_cases, sample_files

EXAMPLES = int(os.environ.get("BULLETIN_FUZZ_EXAMPLES", "1000"))
PDF_EXAMPLES = max(5, EXAMPLES // 500)
CHECK_SECONDS = 2.0
STOP_SECONDS = 5.0
"""A case still running after this long is stopped (SIGALRM, in Python code)..."""
KILL_SECONDS = 120
"""...and the whole run is killed, with every thread's traceback, when a case is stuck in C."""
RECURSION_LIMIT = 1000
"""Python's default, which the command line runs with (hypothesis raises it for its tests)."""

ORIGINALS = sample_files(REPO)
RUNNER = CliRunner()
SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=int(CHECK_SECONDS * 1000),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
_DIAGNOSTIC = re.compile(r"[^\s:][^:]*:\d+: (error|warning): .")
_SUMMARY = re.compile(r"(\d+) error\(s\), \d+ warning\(s\) in 1 issue\(s\) and 3 shared files")


@dataclass(frozen=True)
class Sample:
    """The copy of the sample project the cases mutate, and its house style."""

    project: Project
    theme: Theme


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    root = copy_project(tmp_path_factory.mktemp("fuzz"))
    assert sample_files(root) == ORIGINALS
    result = RUNNER.invoke(cli, ["--project", str(root), "check", SAMPLE])
    assert result.exit_code == 0, result.output
    project = find_project(root)
    return Sample(project, Theme(project.templates))


class TooSlow(Exception):
    """A case that ran past STOP_SECONDS."""


@contextmanager
def limits(seconds: float) -> Iterator[None]:
    """Run as `bulletin` would: Python's default recursion limit above the frames of the test
    run; and stop after `seconds`."""

    def stop(signum: int, frame: object) -> None:
        raise TooSlow(f"stopped after {seconds} s")

    depth, frame = 0, sys._getframe()
    while frame.f_back:
        depth, frame = depth + 1, frame.f_back
    recursion = sys.getrecursionlimit()
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(KILL_SECONDS, exit=True)
    sys.setrecursionlimit(depth + RECURSION_LIMIT)
    try:
        yield
    finally:
        sys.setrecursionlimit(recursion)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()


@contextmanager
def mutated(project: Project, case: Case) -> Iterator[None]:
    """The project with the case's files written, the originals back afterwards."""
    try:
        for mutation in case:
            (project.root / mutation.path).write_bytes(mutation.data)
        yield
    finally:
        for mutation in case:
            (project.root / mutation.path).write_bytes(ORIGINALS[mutation.path])


def run_check(project: Project) -> tuple[Result, float]:
    start = time.perf_counter()
    with limits(STOP_SECONDS):
        # color=True: click keeps ANSI escapes in the output, as it does on a terminal
        result = RUNNER.invoke(cli, ["--project", str(project.root), "check", SAMPLE], color=True)
    return result, time.perf_counter() - start


def explain(case: Case, result: Result, seconds: float) -> str:
    """What to show when a case fails: the mutations, the output, the traceback."""
    output = result.output if len(result.output) < 4000 else result.output[:4000] + "..."
    lines = [*map(repr, case), f"exit code {result.exit_code} after {seconds:.2f} s"]
    lines.append(f"output: {output!r}")
    if result.exc_info and not isinstance(result.exception, SystemExit):
        lines.append("".join(traceback.format_exception(*result.exc_info)))
    return "\n".join(lines)


def assert_handled(case: Case, result: Result, seconds: float) -> None:
    """The property of every case: a clean exit, fast, with plain diagnostics only."""
    why = explain(case, result, seconds)
    assert result.exception is None or isinstance(result.exception, SystemExit), why
    assert result.exit_code in (0, 1), why
    assert seconds < CHECK_SECONDS, f"check took {seconds:.2f} s\n{why}"
    assert printable_lines(result.output) == result.output, f"unescaped characters\n{why}"
    *diagnostics, summary = result.output.rstrip("\n").split("\n")
    counted = _SUMMARY.fullmatch(summary)
    assert counted, f"no summary line\n{why}"
    matches = [_DIAGNOSTIC.match(line) for line in diagnostics]
    assert all(matches), f"not a diagnostic\n{why}"
    errors = sum(match.group(1) == "error" for match in matches if match)
    assert errors == int(counted.group(1)), f"wrong count\n{why}"
    assert result.exit_code == (1 if errors else 0), f"exit code and errors disagree\n{why}"


def render_html(sample: Sample) -> None:
    """The web page and the print HTML of the accepted issue, in process: the typed issue
    comes from the check, as in a build."""
    from bulletin.content.validate import validate

    project = sample.project
    checked = validate(read_project(project, [project.issue_folder(parse_date(SAMPLE))]))
    issue = checked.issues[SAMPLE]
    assert "</html>" in render_web(issue, sample.theme)
    assert "</html>" in render_print(issue, sample.theme)


def check_case(sample: Sample, case: Case) -> None:
    """Check the project with the case's files; render the HTML when the check accepts it."""
    with mutated(sample.project, case):
        result, seconds = run_check(sample.project)
        assert_handled(case, result, seconds)
        if result.exit_code == 0:
            try:
                with limits(STOP_SECONDS):
                    render_html(sample)
            except Exception as error:
                # The traceback goes in as text: pytest cannot show one that a signal cut short
                # (its innermost frame may have no line number).
                trace = "".join(traceback.format_exception(error))
                raise AssertionError(
                    f"HTML of an accepted case failed\n{case!r}\n{trace}"
                ) from None


@settings(SETTINGS, max_examples=EXAMPLES)
@given(case=cases(ORIGINALS))
def test_check_handles_any_content(sample: Sample, case: Case) -> None:
    check_case(sample, case)


@pytest.mark.parametrize("extreme", extreme_cases(ORIGINALS), ids=repr)
def test_check_handles_extreme_content(sample: Sample, extreme: Extreme) -> None:
    check_case(sample, (extreme.mutation(),))


@pytest.fixture(scope="module")
def built_sample(sample: Sample) -> Sample:
    """The sample, its PDF built once as it is (WeasyPrint and its fonts loaded)."""
    from bulletin.site.build import build

    outputs, _ = build(sample.project, [parse_date(SAMPLE)])
    assert any(output.path.suffix == ".pdf" for output in outputs)
    return sample


@settings(SETTINGS, max_examples=PDF_EXAMPLES, deadline=30_000)
@given(case=printable_cases(ORIGINALS))
def test_accepted_cases_build_to_pdf(built_sample: Sample, case: Case) -> None:
    from bulletin.site.build import build

    project = built_sample.project
    with mutated(project, case):
        result, seconds = run_check(project)
        assert_handled(case, result, seconds)
        assume(result.exit_code == 0)
        with limits(25):
            outputs, _ = build(project, [parse_date(SAMPLE)])
        pdfs = [output.path.read_bytes() for output in outputs if output.path.suffix == ".pdf"]
        assert len(pdfs) == 1 and pdfs[0].startswith(b"%PDF-"), case
