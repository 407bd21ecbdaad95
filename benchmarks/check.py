"""How long `check` takes on the worst texts an editor (or an attacker) can write, against the
sample issue, in one process: each pathological text fills a Top-5 item's body up to the
Markdown size limit, and a 1 MB file shows what happens past it.

Run: .venv/bin/python benchmarks/check.py [--runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bulletin.content.read import MAX_MARKDOWN_BYTES
from bulletin.content.validate import check
from bulletin.project import find_project

REPO = Path(__file__).resolve().parents[1]
DATE = dt.date(2021, 11, 2)
ITEM = Path("content/issues/2021-11-02/top/01-carbon-neutrality.md")
RUNS = {
    "backticks": "`",
    "backtick pairs": "`a",
    "open brackets": "[",
    "image openers": "![",
    "link openers": "[a](",
    "autolink openers": "<a:",
    "link middles": "](",
    "emphasis": "*a",
    "underscores": "a_",
    "entities": "&#",
    "escapes": "\\",
    "one-letter lines": "a\n",
    "one-letter paragraphs": "a\n\n",
    "quote markers": ">",
    "list markers": "- ",
    "table pipes": "|",
    "Chinese": "中文",
}


def seconds(project_root: Path, runs: int) -> float:
    """The median time of a check of the sample issue."""
    project = find_project(project_root)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        check(project, [DATE])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(REPO / "content", root / "content")
        item = root / ITEM
        original = item.read_bytes()
        base = seconds(root, runs)
        print(f"{'sample issue':<24} {base * 1000:8.1f} ms   1.00x")
        room = MAX_MARKDOWN_BYTES - len(original) - 2
        worst = 0.0
        for name, unit in RUNS.items():
            text = unit * (room // len(unit.encode()))
            item.write_bytes(original + b"\n" + text.encode() + b"\n")
            taken = seconds(root, runs)
            worst = max(worst, taken)
            print(f"{name:<24} {taken * 1000:8.1f} ms {taken / base:7.1f}x   (64 KB item)")
        item.write_bytes(original + b"[" * 1_000_000)
        taken = seconds(root, runs)
        print(f"{'1 MB of brackets':<24} {taken * 1000:8.1f} ms {taken / base:7.1f}x   (refused)")
        print(f"slowest at the size limit: {worst:.2f} s (aim < 2 s)")


if __name__ == "__main__":
    main()
