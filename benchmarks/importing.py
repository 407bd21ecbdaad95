"""How long bringing an issue in and out takes, in one process: importing the sample issue
from the PDF bulletin builds for it, and exporting it to Word; each against a `check` of the
same issue, the baseline.

Run: .venv/bin/python benchmarks/importing.py [--runs N]
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

from bulletin.content.validate import check
from bulletin.importing.issue import import_issue
from bulletin.project import Project, find_project
from bulletin.render.docx import export_docx
from bulletin.site.build import build

REPO = Path(__file__).resolve().parents[1]
DATE = dt.date(2021, 11, 2)
NEW = dt.date(2021, 11, 9)


def median(
    runs: int, work: Callable[[], object], reset: Callable[[], object] = lambda: None
) -> float:
    times = []
    for _ in range(runs):
        reset()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "project"
        for part in ("content", "templates"):
            shutil.copytree(REPO / part, root / part)
        project: Project = find_project(root)
        build(project, [DATE])
        pdf = project.build / "issues" / DATE.isoformat() / f"china-industries-{DATE}.pdf"

        def clear() -> None:
            shutil.rmtree(project.issue_folder(NEW), ignore_errors=True)

        baseline = median(runs, lambda: check(project, [DATE]))
        from_pdf = median(runs, lambda: import_issue(project, pdf, NEW), clear)
        export = median(runs, lambda: export_docx(project, DATE, Path(folder) / "out.docx"))
    print(f"check of the sample issue (baseline): {baseline * 1000:7.1f} ms")
    print(f"import from its PDF:                  {from_pdf * 1000:7.1f} ms  "
          f"({from_pdf / baseline:.1f}x)")  # fmt: skip
    print(f"export to Word (check included):      {export * 1000:7.1f} ms  "
          f"({export / baseline:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
