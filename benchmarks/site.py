"""Site build times for an archive of synthetic issues: cold build, no-op rebuild, and rebuild
after editing one item; with how many cores the cold build kept busy.

Run: .venv/bin/python benchmarks/site.py [--issues 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from synthetic import SAMPLE, add_issue  # noqa: E402


def timed_build(root: Path) -> tuple[float, float]:
    """Wall time and CPU time (all processes) of `bulletin build` on the project."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = [sys.executable, "-m", "bulletin", "--project", str(root), "build"]
    subprocess.run(command, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def make_archive(root: Path, count: int) -> None:
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "templates", root / "templates")
    first = dt.date.fromisoformat(SAMPLE)
    for week in range(1, count):
        add_issue(root, first + dt.timedelta(weeks=week))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=100)
    count = parser.parse_args().issues
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        make_archive(root, count)
        cold, cpu = timed_build(root)
        noop = min(timed_build(root)[0] for _ in range(5))
        item = root / "content/issues" / SAMPLE / "top/03-internet-of-things.md"
        item.write_text(item.read_text(encoding="utf-8") + "\nOne more sentence.\n", "utf-8")
        edited, _ = timed_build(root)
        pages = len(list((root / "build").rglob("*.html")))
    print(f"issues: {count}, HTML pages: {pages}")
    busy = f"CPU {cpu:.2f} s: {cpu / cold:.2f} cores busy"
    print(f"cold build:               {cold:7.2f} s   ({busy})")
    print(f"no-op rebuild:            {noop:7.2f} s   (aim <= 0.3 s)")
    print(f"rebuild after 1 edit:     {edited:7.2f} s")


if __name__ == "__main__":
    main()
