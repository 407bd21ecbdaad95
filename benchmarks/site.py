"""Site build times for an archive of synthetic issues: cold build, no-op rebuild, and rebuild
after editing one item; with how many cores the cold build kept busy, and what the social cards
(card.png, one per issue) cost of the cold build.

Run: .venv/bin/python benchmarks/site.py [--issues 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from synthetic import SAMPLE, add_issue  # noqa: E402


def timed_build(root: Path) -> tuple[float, float, str]:
    """Wall time and CPU time (all processes) of `bulletin build` on the project, and what it
    printed (each file written, with its render time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = [sys.executable, "-m", "bulletin", "--project", str(root), "build"]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def card_seconds(printed: str) -> list[float]:
    """The render time of each social card a build reported ('wrote .../card.png (.., N ms)')."""
    return [float(ms) / 1000 for ms in re.findall(r"/card\.png \([^,]+, (\d+) ms\)", printed)]


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
        cold, cpu, printed = timed_build(root)
        noop = min(timed_build(root)[0] for _ in range(5))
        item = root / "content/issues" / SAMPLE / "top/03-internet-of-things.md"
        item.write_text(item.read_text(encoding="utf-8") + "\nOne more sentence.\n", "utf-8")
        edited, _, _ = timed_build(root)
        pages = len(list((root / "build").rglob("*.html")))
    cards = card_seconds(printed)
    print(f"issues: {count}, HTML pages: {pages}")
    busy = f"CPU {cpu:.2f} s: {cpu / cold:.2f} cores busy"
    print(f"cold build:               {cold:7.2f} s   ({busy})")
    each = f"{1000 * statistics.median(cards):.0f} ms each (median)" if cards else "none"
    print(f"  social cards:           {sum(cards):7.2f} s   ({len(cards)} cards, {each})")
    print(f"no-op rebuild:            {noop:7.2f} s   (aim <= 0.3 s)")
    print(f"rebuild after 1 edit:     {edited:7.2f} s")


if __name__ == "__main__":
    main()
