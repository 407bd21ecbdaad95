"""The search index of N synthetic issue pages (weekly issues, so about 52 a year): one index of
them all as before issue 14 (Pagefind's CLI over build/, the baseline), the index by year from
nothing, and the index by year after one page changed (only its year is indexed again); with
Pagefind's peak memory in each.

Run: .venv/bin/python benchmarks/search.py [--issues 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from bulletin.project import Project, find_project  # noqa: E402
from bulletin.site.search import index_for_search  # noqa: E402
from conftest import SAMPLE, copy_project  # noqa: E402


def make_pages(root: Path, count: int) -> dict[str, list[str]]:
    """The sample issue's page, built once, copied to `count` weekly issue pages under build/
    (the text of each made distinct by its date); the pages by year."""
    copy_project(root)
    built = subprocess.run(
        [sys.executable, "-m", "bulletin", "--project", str(root), "build", SAMPLE],
        check=True, capture_output=True,
    )  # fmt: skip
    assert built.returncode == 0
    html = (root / "build/issues" / SAMPLE / "index.html").read_text("utf-8")
    pages: dict[str, list[str]] = {}
    first = dt.date.fromisoformat(SAMPLE)
    for week in range(count):
        date = first + dt.timedelta(weeks=week)
        path = f"issues/{date}/index.html"
        page = root / "build" / path
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(html.replace(SAMPLE, str(date)).replace("</main>", f"{date}</main>"))
        pages.setdefault(str(date.year), []).append(path)
    return pages


def measured(work: Callable[[], object]) -> tuple[float, float]:
    """Wall time of `work`, and the peak resident memory of the processes it started (MB):
    ru_maxrss of the children is the largest any child reached so far, so each measure runs
    in a fresh process of its own."""
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def whole_site(project: Project) -> None:
    """The index before issue 14: Pagefind's CLI over all of build/, one bundle."""
    command = [sys.executable, "-m", "pagefind", "--site", str(project.build),
               "--output-path", str(project.build / "pagefind-whole"), "--silent"]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=1000)
    parser.add_argument("--measure", choices=["whole", "years", "edit"], help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        print(*measure(options.root, options.measure))
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        pages = make_pages(root, options.issues)
        rows = {kind: run_apart(root, kind) for kind in ("whole", "years", "edit")}
    print(f"issue pages: {options.issues}, years: {len(pages)}")
    (whole, whole_mb), (years, years_mb), (edit, edit_mb) = rows.values()
    print(f"one index of the whole site (before): {whole:6.2f} s, Pagefind peak {whole_mb:6.0f} MB")
    print(f"index by year, from nothing:          {years:6.2f} s, Pagefind peak {years_mb:6.0f} MB"
          f"  ({years / whole:.2f}x before)")  # fmt: skip
    print(f"index by year, after one edit:        {edit:6.2f} s, Pagefind peak {edit_mb:6.0f} MB"
          f"  ({edit / whole:.3f}x before, {whole / edit:.0f} times faster)")  # fmt: skip


def run_apart(root: Path, kind: str) -> tuple[float, float]:
    """One measure in a fresh Python process, so that its peak memory is its own."""
    command = [sys.executable, __file__, "--measure", kind, "--root", str(root)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    seconds, megabytes = done.stdout.split()
    return float(seconds), float(megabytes)


def measure(root: Path, kind: str) -> tuple[float, float]:
    """Time one kind of indexing of the pages under root/build: "years" leaves its index and
    what it returned (root/search.json) for "edit", which changes one page first."""
    project = find_project(root)
    pages: dict[str, list[str]] = {}
    for folder in sorted((project.build / "issues").iterdir()):
        pages.setdefault(folder.name[:4], []).append(f"issues/{folder.name}/index.html")
    state = root / "search.json"
    if kind == "whole":
        return measured(lambda: whole_site(project))
    if kind == "years":
        return measured(lambda: state.write_text(json.dumps(index_for_search(project, pages, {}))))
    page = project.build / pages[max(pages)][-1]
    page.write_text(page.read_text("utf-8").replace("</main>", "One more sentence.</main>"))
    before = json.loads(state.read_text())
    return measured(lambda: index_for_search(project, pages, before))


if __name__ == "__main__":
    main()
