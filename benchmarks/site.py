"""Site build at archive scale: a cold build, a no-op rebuild and a rebuild after one edit of
an archive of synthetic issues, each in a fresh process as an editor runs it, with the peak
memory of the build's own process and of the largest process it started (a WeasyPrint worker,
Pagefind); and the social cards' share of the cold build. The no-op and the edit are also
printed against their aims, as ratios.

Run: .venv/bin/python benchmarks/site.py [--issues 100] [--no-pdf]
     (1,000 issues with PDFs take about 15 minutes on 2 cores; 10,000 without, about as long)
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from synthetic import SAMPLE, make_archive  # noqa: E402

MEASURED = """
import json, resource, sys
from bulletin.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="bulletin", standalone_mode=False)
finally:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    peaks = {"own": own.ru_maxrss, "children": children.ru_maxrss, "cpu": cpu}
    print("MEASURED " + json.dumps(peaks), file=sys.stderr)
"""
EDITED = "top/03-internet-of-things.md"


@dataclass(frozen=True)
class Run:
    """One `bulletin build` in a fresh process: wall and CPU seconds (its workers' included),
    peak resident memory in MB of its own process and of its largest child, what it printed."""

    wall: float
    cpu: float
    own_mb: float
    child_mb: float
    printed: str


def timed_build(root: Path, *options: str) -> Run:
    start = time.perf_counter()
    command = [sys.executable, "-c", MEASURED, "--project", str(root), "build", *options]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    line = next(x for x in done.stderr.splitlines() if x.startswith("MEASURED "))
    peaks = json.loads(line.removeprefix("MEASURED "))
    return Run(wall, peaks["cpu"], peaks["own"] / 1024, peaks["children"] / 1024, done.stdout)


def card_seconds(printed: str) -> list[float]:
    """The render time of each social card a build reported ('wrote .../card.png (.., N ms)')."""
    return [float(ms) / 1000 for ms in re.findall(r"/card\.png \([^,]+, (\d+) ms\)", printed)]


def edit_one_item(root: Path, n: int) -> None:
    item = root / "content/issues" / SAMPLE / EDITED
    item.write_text(item.read_text(encoding="utf-8") + f"\nOne more sentence, {n}.\n", "utf-8")


def row(name: str, run: Run, note: str = "") -> str:
    memory = f"peak {run.own_mb:5.0f} MB, largest child {run.child_mb:5.0f} MB"
    return f"{name:<24} {run.wall:8.2f} s  CPU {run.cpu:8.2f} s  {memory}  {note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=100)
    parser.add_argument("--no-pdf", action="store_true", help="build the HTML only")
    arguments = parser.parse_args()
    count, options = arguments.issues, ["--no-pdf"] if arguments.no_pdf else []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        make_archive(root, count)
        cold = timed_build(root, *options)
        noops = [timed_build(root, *options) for _ in range(5)]
        edits = []
        for n in range(3):
            edit_one_item(root, n)
            edits.append(timed_build(root, *options))
        pages = sum(1 for _ in (root / "build").rglob("*.html"))
    noop = min(noops, key=lambda run: run.wall)
    edit = sorted(edits, key=lambda run: run.wall)[len(edits) // 2]
    kind = "HTML only" if arguments.no_pdf else "with PDFs"
    print(f"issues: {count} ({kind}), HTML pages: {pages}")
    print(row("cold build", cold, f"({cold.cpu / cold.wall:.2f} cores busy)"))
    cards = card_seconds(cold.printed)
    if cards:
        each = f"{1000 * statistics.median(cards):.0f} ms each (median)"
        print(f"  social cards:          {sum(cards):8.2f} s  ({len(cards)} cards, {each})")
    aim = 0.5 if count > 1000 else 0.3
    print(row("no-op rebuild (best)", noop, f"aim <= {aim} s: {noop.wall / aim:.2f}x the aim"))
    note = f"aim <= 3 s: {edit.wall / 3:.2f}x the aim" if count >= 1000 else ""
    print(row("one edit (median of 3)", edit, note))
    per_issue = (cold.cpu / count) * 1000
    print(f"cold build CPU per issue: {per_issue:.1f} ms")


if __name__ == "__main__":
    main()
