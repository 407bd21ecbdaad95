"""Throughput and memory of `bulletin send`: the sample issue mailed over STARTTLS with a login,
to a local aiosmtpd (1,000 recipients), then to a counting server (100,000 recipients).

The sender is the real command in its own process; its resident memory is sampled as it goes
and its peak read from the kernel when it exits. The relays run in this process, on 127.0.0.1.

Run: .venv/bin/python benchmarks/send.py [--recipients 1000] [--large 100000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from smtp_server import Recorder, make_certificate, smtp_server, write_subscribers  # noqa: E402

DATE = "2021-11-02"


@dataclass(frozen=True)
class Result:
    """One run: messages the relay counted, wall time, the sender's peak and sampled memory."""

    sent: int
    seconds: float
    peak_mb: float
    samples: tuple[tuple[int, float], ...]

    @property
    def rate(self) -> float:
        return self.sent / self.seconds


def project(folder: Path) -> Path:
    """A copy of the sample project with its issue built."""
    root = folder / "project"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "templates", root / "templates")
    command = [sys.executable, "-m", "bulletin", "--project", str(root), "build", DATE]
    subprocess.run(command, check=True, capture_output=True)
    return root


def rss_mb(pid: int) -> float:
    """The resident memory of a running process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(root: Path, csv: Path, url: str, recorder: Recorder) -> Result:
    """`bulletin send` to every row of `csv`, from a fresh send log."""
    for old in root.glob("bulletin.sqlite3*"):
        old.unlink()
    env = dict(os.environ, BULLETIN_SMTP_URL=url, BULLETIN_UNSUBSCRIBE_SECRET="benchmark")
    command = [sys.executable, "-m", "bulletin", "--project", str(root), "send", DATE]
    start = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--to", str(csv)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    samples: list[tuple[int, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            samples.append((recorder.total, rss_mb(process.pid)))

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    assert process.stdout is not None
    output = process.stdout.read().decode()
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, output
    return Result(recorder.total, seconds, usage.ru_maxrss / 1024, tuple(samples))


def report(name: str, result: Result) -> None:
    print(
        f"{name}: {result.sent:,} messages in {result.seconds:.1f} s, "
        f"{result.rate:.0f} messages/s, sender peak RSS {result.peak_mb:.0f} MB"
    )
    if len(result.samples) > 8:
        marks = [result.samples[len(result.samples) * k // 8] for k in range(1, 8)]
        print("  sender RSS as it went: " + ", ".join(f"{n:,}: {mb:.0f} MB" for n, mb in marks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=1000, help="for the aiosmtpd runs")
    parser.add_argument("--large", type=int, default=100_000, help="for the counting server")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = project(Path(folder))
        certificate = make_certificate(Path(folder))
        pdf = root / "build" / "issues" / DATE / f"china-industries-{DATE}.pdf"
        print(f"sample issue: PDF {pdf.stat().st_size / 1024:.0f} KB attached to every message")
        small = write_subscribers(Path(folder) / "small.csv", arguments.recipients)
        large = write_subscribers(Path(folder) / "large.csv", arguments.large)
        runs = [
            ("aiosmtpd, STARTTLS and AUTH", small, False),
            ("counting server (aiosmtpd, DATA read in 64 KB chunks)", small, True),
            ("counting server", large, True),
        ]
        for name, csv, bulk in runs:
            recorder = Recorder(keep=False)
            with smtp_server(certificate, recorder=recorder, bulk_data=bulk) as server:
                report(name, run(root, csv, server.url(), recorder))


if __name__ == "__main__":
    main()
