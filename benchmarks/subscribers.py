"""The mailing list at scale. One-click unsubscribes: POSTs per second and their latency
against the service (`bulletin subscribers serve`, uvicorn) on SQLite, against a GET of its
stylesheet as the baseline. Then a list of 100,000 subscribers brought into PostgreSQL and the
issue sent to all of them from the list, with the sender's peak memory, against the same send
to 1,000 (the baseline of the ratio: memory must not grow with the list).

PostgreSQL runs as a throwaway server of this script's own (tests/postgres.py); the relay is
the counting aiosmtpd of tests/smtp_server.py, on 127.0.0.1.

Run: .venv/bin/python benchmarks/subscribers.py [--large 100000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from send import DATE, Result, project, report, rss_mb  # noqa: E402

import postgres  # noqa: E402
from smtp_server import Recorder, make_certificate, smtp_server, write_subscribers  # noqa: E402


def bulletin(root: Path, env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bulletin", "--project", str(root), *args]
    return subprocess.Popen(
        command, env=dict(os.environ) | env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )


def imported(root: Path, url: str, csv: Path) -> float:
    """Seconds to bring the CSV list into the database."""
    start = time.perf_counter()
    process = bulletin(
        root, {"BULLETIN_DATABASE_URL": url}, "subscribers", "import", str(csv), "--consent", "b"
    )
    output, _ = process.communicate()
    assert process.returncode == 0, output
    return time.perf_counter() - start


def sent(root: Path, url: str, relay: str, recorder: Recorder) -> Result:
    """`bulletin send DATE` to the list, with the sender's peak memory from the kernel."""
    env = {
        "BULLETIN_DATABASE_URL": url,
        "BULLETIN_SMTP_URL": relay,
        "BULLETIN_UNSUBSCRIBE_SECRET": "benchmark",
    }
    start = time.perf_counter()
    process = bulletin(root, env, "send", DATE)
    samples: list[tuple[int, float]] = []
    while process.poll() is None:
        samples.append((recorder.total, rss_mb(process.pid)))
        time.sleep(0.5)
    seconds = time.perf_counter() - start
    assert process.returncode == 0, process.stdout.read() if process.stdout else ""
    peak = max((mb for _, mb in samples), default=0.0)
    return Result(recorder.total, seconds, peak, tuple(samples))


def serving(root: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`bulletin subscribers serve --port 0` in its own process, and the address it serves."""
    command = [sys.executable, "-m", "bulletin", "--project", str(root), "subscribers",
               "serve", "--port", "0"]  # fmt: skip
    process = subprocess.Popen(command, env=dict(os.environ) | env, stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline().decode()
    return process, line.split()[1]


def timed_posts(
    url: str, requests: list[tuple[str, str, bytes]], workers: int
) -> tuple[float, list[float]]:
    """Send the requests (method, path and query, body) from `workers` threads, one
    connection each request (as nginx reaches its backend); wall seconds and each latency."""
    from concurrent.futures import ThreadPoolExecutor
    from http.client import HTTPConnection
    from urllib.parse import urlsplit

    address = urlsplit(url)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def one(request: tuple[str, str, bytes]) -> float:
        method, target, body = request
        start = time.perf_counter()
        link = HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=10)
        link.request(method, target, body=body or None, headers=headers)
        answer = link.getresponse()
        answer.read()
        link.close()
        assert answer.status == 200, (target, answer.status)
        return time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        latencies = list(pool.map(one, requests))
    return time.perf_counter() - start, latencies


def unsubscribes(folder: Path, count: int) -> None:
    """One-click unsubscribes of `count` subscribers, against GETs of the stylesheet."""
    from bulletin.mail.message import unsubscribe_url

    root = project(folder / "service")
    with (root / "content" / "publication.yaml").open("a", encoding="utf-8") as out:
        out.write('subscribers:\n  url: https://bulletin.example.org/list/\n  consent: "Yes."\n')
    csv = write_subscribers(folder / "unsubscribe.csv", count)
    env = {"BULLETIN_UNSUBSCRIBE_SECRET": "benchmark"}
    assert bulletin(root, env, "subscribers", "import", str(csv), "--consent", "b").wait() == 0
    process, url = serving(root, env)
    try:
        template = "/unsubscribe?email={email}&token={token}"
        posts = [
            ("POST", unsubscribe_url(template, f"r{i}@example.org", b"benchmark"),
             b"List-Unsubscribe=One-Click")
            for i in range(count)
        ]  # fmt: skip
        gets = [("GET", "/style.css", b"")] * count
        for name, requests in (("stylesheet GETs (baseline)", gets), ("one-click POSTs", posts)):
            seconds, latencies = timed_posts(url, requests, workers=4)
            latencies.sort()
            p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
            print(f"{name}: {count / seconds:,.0f} per second, p50 "
                  f"{latencies[len(latencies) // 2] * 1000:.1f} ms, p99 {p99:.1f} ms")  # fmt: skip
            if name.startswith("one-click"):
                print("  aim: at least 500 per second, p99 under 50 ms on 2 cores")
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--unsubscribes", type=int, default=2000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        unsubscribes(Path(folder), arguments.unsubscribes)
    server = postgres.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = project(Path(folder))
            certificate = make_certificate(Path(folder))
            results = {}
            for count in (arguments.small, arguments.large):
                csv = write_subscribers(Path(folder) / f"list-{count}.csv", count)
                with postgres.database(server) as url:
                    seconds = imported(root, url, csv)
                    print(f"import of {count:,} subscribers: {seconds:.1f} s "
                          f"({count / seconds:,.0f} rows/s)")  # fmt: skip
                    recorder = Recorder(keep=False)
                    with smtp_server(certificate, recorder=recorder, bulk_data=True) as relay:
                        results[count] = sent(root, url, relay.url(), recorder)
                    report(f"send to {count:,} from PostgreSQL", results[count])
            ratio = results[arguments.large].peak_mb / results[arguments.small].peak_mb
            print(f"peak memory, {arguments.large:,} against {arguments.small:,}: {ratio:.2f}x "
                  f"(aim: flat, under 150 MB)")  # fmt: skip
    finally:
        postgres.stop(server)


if __name__ == "__main__":
    main()
