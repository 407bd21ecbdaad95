"""Preview latency: from saving a content file to the open page being told to reload (and the
page then served with the new text), under a real `bulletin serve`; then how long the PDF and
the search index take to follow in the background, which is what the page waited for before
the pages came first.

Run: .venv/bin/python benchmarks/serve.py [--issues 1] [--saves 7]
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from synthetic import SAMPLE, make_archive  # noqa: E402

PAGE = f"/issues/{SAMPLE}/"
ITEM = f"content/issues/{SAMPLE}/top/03-internet-of-things.md"
AIM = 0.3


def get(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    return connection.getresponse().read().decode("utf-8")


def wait_finished(port: int, timeout: float = 600) -> float:
    """Seconds until the background has made the PDFs and the index (`pending` false)."""
    start = time.perf_counter()
    while json.loads(get(port, "/__bulletin/status"))["pending"]:
        if time.perf_counter() - start > timeout:
            raise SystemExit("the background did not finish")
        time.sleep(0.02)
    return time.perf_counter() - start


def one_save(root: Path, port: int, n: int) -> tuple[float, float, float]:
    """Save the item; seconds until the reload event, until the page with the new text is
    served, and until the PDF and index are done."""
    generation = re.search(r"since=(\d+)", get(port, PAGE))
    assert generation, "the page has no reload script"
    events = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    events.request("GET", f"/__bulletin/events?since={generation.group(1)}")
    stream = events.getresponse()
    item = root / ITEM
    sentence = f"A sentence saved as number {n}."
    start = time.perf_counter()
    item.write_text(item.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")
    while b"reload" not in stream.fp.readline():
        pass
    reload = time.perf_counter() - start
    assert sentence in get(port, PAGE), "the reloaded page lacks the new text"
    shown = time.perf_counter() - start
    events.close()
    return reload, shown, shown + wait_finished(port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=1)
    parser.add_argument("--saves", type=int, default=7)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        make_archive(root, arguments.issues)
        command = [sys.executable, "-m", "bulletin", "--project", folder, "serve", "--port", "0"]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline().split()[1].rstrip("/").rsplit(":", 1)[1])
            while (
                "built_at" not in get(port, "/__bulletin/status")
                or not json.loads(get(port, "/__bulletin/status"))["built_at"]
            ):
                time.sleep(0.1)
            wait_finished(port)
            times = [one_save(root, port, n) for n in range(arguments.saves)]
        finally:
            server.terminate()
            server.wait(timeout=30)
    reload, shown, finished = (statistics.median(column) for column in zip(*times, strict=True))
    print(f"issues: {arguments.issues}, saves: {arguments.saves} (medians)")
    print(f"save -> reload event:         {reload * 1000:7.0f} ms")
    print(f"save -> new page served:      {shown * 1000:7.0f} ms   (aim <= {AIM * 1000:.0f} ms: "
          f"{shown / AIM:.2f}x the aim)")  # fmt: skip
    print(f"save -> PDF and index done:   {finished * 1000:7.0f} ms   (what the page waited "
          f"for before: {finished / shown:.1f}x the reload)")  # fmt: skip


if __name__ == "__main__":
    main()
