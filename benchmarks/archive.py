"""What the archive of record costs: `check` of the sample issue with and without a record to
compare its files against, a whole-site build that keeps every recorded address (no change)
against one with no archive, and recording the issue as it goes out; all in one process.

Run: .venv/bin/python benchmarks/archive.py [--runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bulletin.archive.record import record_issue
from bulletin.archive.urls import record_site
from bulletin.content.recorded import How
from bulletin.content.validate import check
from bulletin.project import Project, find_project
from bulletin.site.build import build

REPO = Path(__file__).resolve().parents[1]
DATE = dt.date(2021, 11, 2)


def median(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rebuild(project: Project) -> None:
    """A whole-site build after the issue's folder changed (a touch): the issue is modelled,
    rendered and its addresses compared again."""
    (project.issue_folder(DATE) / "issue.md").touch()
    build(project)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "project"
        for part in ("content", "templates"):
            shutil.copytree(REPO / part, root / part)
        project = find_project(root)
        build(project)
        plain_check = median(runs, lambda: check(project, [DATE]))
        plain_build = median(max(runs // 3, 3), lambda: rebuild(project))
        issue = check(project, [DATE]).issues[DATE.isoformat()]
        pdf = (project.build / issue.path / f"{issue.slug}.pdf").read_bytes()
        start = time.perf_counter()
        record_issue(project, issue, How.PUBLISHED, pdf)
        record_site(project, project.build)
        recording = time.perf_counter() - start
        recorded_check = median(runs, lambda: check(project, [DATE]))
        recorded_build = median(max(runs // 3, 3), lambda: rebuild(project))
    print(f"check, no record:        {plain_check * 1000:7.1f} ms")
    print(f"check, with its record:  {recorded_check * 1000:7.1f} ms  "
          f"({recorded_check / plain_check:.2f}x)")  # fmt: skip
    print(f"site build, no archive:  {plain_build * 1000:7.1f} ms")
    print(f"site build, recorded:    {recorded_build * 1000:7.1f} ms  "
          f"({recorded_build / plain_build:.2f}x)")  # fmt: skip
    print(f"recording the issue and the site's addresses: {recording * 1000:.1f} ms")


if __name__ == "__main__":
    main()
