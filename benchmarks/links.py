"""How much checking links concurrently gains: `bulletin links` (in this process) on 200 links
to local servers that each answer after 50 ms, with the real limits (10 at a time, 2 per host;
the links spread over 10 servers, one host each) and with one request at a time, without the
cache; then the same links answered by the cache. The servers run in a process of their own,
so that they do not share this one's interpreter.

Run: .venv/bin/python benchmarks/links.py [--links 200] [--hosts 10] [--delay 0.05]
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from multiprocessing.connection import Connection
from pathlib import Path

from bulletin.links.check import check_links
from bulletin.links.settings import CONCURRENCY, Options
from bulletin.project import find_project

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from link_servers import SNAPSHOTS, Page, http_server  # noqa: E402

ISSUE = Path("content/issues/2021-11-02")
ITEM = ISSUE / "top/01-carbon-neutrality.md"


def serve(hosts: int, pages: int, delay: float, pipe: Connection) -> None:
    """Run `hosts` servers of `pages` pages answering after `delay` seconds; send their base
    addresses through `pipe`, then serve until told to stop."""
    served = {f"/page/{n}": Page(delay=delay) for n in range(pages)}
    with ExitStack() as stack:
        pipe.send([stack.enter_context(http_server(served)).base for _ in range(hosts)])
        pipe.recv()


def make_project(root: Path, urls: list[str]) -> Path:
    """The sample project, linking to every URL (its own links to the first), one a line."""
    shutil.copytree(REPO / "content", root / "content")
    for path in (root / ISSUE).rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"http://www\.gov\.cn/\S+?\.htm", urls[0], text), encoding="utf-8")
    with (root / ITEM).open("a", encoding="utf-8") as file:
        file.write("\n" + "\n".join(f"[link {n}]({url})" for n, url in enumerate(urls)) + "\n")
    return root


def timed(root: Path, options: Options) -> tuple[float, int, int]:
    """Seconds for one run, the links checked and how many the cache answered."""
    start = time.perf_counter()
    report = check_links(find_project(root), None, options)
    return time.perf_counter() - start, report.links, report.cached


def runs(root: Path, api: str) -> list[tuple[str, tuple[float, int, int]]]:
    """One run at a time, one with the real limits, one from the cache."""
    return [
        ("one at a time", timed(root, Options(concurrency=1, snapshots=api, use_cache=False))),
        (
            f"{CONCURRENCY} at a time, 2 per host",
            timed(root, Options(snapshots=api, use_cache=False)),
        ),
        ("from the cache", timed(root, Options(snapshots=api))),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--links", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--delay", type=float, default=0.05)
    arguments = parser.parse_args()
    here, there = multiprocessing.Pipe()
    servers = multiprocessing.Process(
        target=serve, args=(arguments.hosts, arguments.links, arguments.delay, there)
    )
    servers.start()
    bases: list[str] = here.recv()
    try:
        with tempfile.TemporaryDirectory() as folder:
            urls = [f"{bases[n % len(bases)]}/page/{n}" for n in range(arguments.links)]
            rows = runs(make_project(Path(folder), urls), bases[0] + SNAPSHOTS)
    finally:
        here.send("stop")
        servers.join()
    for name, (seconds, links, cached) in rows:
        print(f"{name:>24}: {seconds:6.2f} s for {links} links ({cached} cached)")
    print(f"{'concurrency gains':>24}: {rows[0][1][0] / rows[1][1][0]:.1f}x")


if __name__ == "__main__":
    main()
