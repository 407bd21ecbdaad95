"""Wall times of `bulletin build`, `bulletin check` and `bulletin --help` on the sample issue,
against a bare script that imports WeasyPrint and renders the same final print HTML as a tagged
PDF/UA-1, as the build does; and, in
process, the time of the pass that mends the PDF's tags (`render/tagging.py`) and what the
issue's social card (card.png) costs.

Run: .venv/bin/python benchmarks/build.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATE = "2021-11-02"
BARE = """
import sys, weasyprint
document = weasyprint.HTML(filename=sys.argv[1], base_url=sys.argv[2])
document.write_pdf(sys.argv[3], pdf_variant="pdf/ua-1", pdf_tags=True)
"""
"""A bare tagged render in a fresh process: what any WeasyPrint user pays for the same PDF/UA-1."""


def wall(command: list[str], runs: int) -> list[float]:
    """Wall time of each of `runs` runs of a command (after one untimed warm-up run)."""
    subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def final_print_html(root: Path) -> Path:
    """The exact HTML that `bulletin build` hands to WeasyPrint, written to a file."""
    from bulletin.content.validate import check
    from bulletin.project import find_project, parse_date
    from bulletin.render.html import Theme, render_print

    project = find_project(root)
    issue = check(project, [parse_date(DATE)]).issues[DATE]
    html = render_print(issue, Theme(project.templates))
    path = root / "final-print.html"
    path.write_text(html, encoding="utf-8")
    return path


def card_times(root: Path, runs: int) -> list[float]:
    """Seconds to make the sample issue's social card from its HTML, each of `runs` times in
    this process (after one untimed run), as a site build makes each card."""
    from bulletin.content.validate import check
    from bulletin.project import find_project, parse_date
    from bulletin.render.html import CARD, Theme, render_card
    from bulletin.render.raster import png

    project = find_project(root)
    theme = Theme(project.templates)
    html = render_card(check(project, [parse_date(DATE)]).issues[DATE], theme)
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        png(html, theme.folder, CARD.width, CARD.height)
        times.append(time.perf_counter() - start)
    return times[1:]


def tagging_pass(html: Path, base: Path, runs: int) -> list[float]:
    """Seconds of each of `runs` runs of `tag_pdf` on WeasyPrint's tagged PDF of the HTML."""
    import weasyprint

    from bulletin.render.tagging import tag_pdf

    options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}
    pdf = weasyprint.HTML(filename=str(html), base_url=str(base)).write_pdf(**options)
    tag_pdf(pdf, html.read_text(encoding="utf-8"))  # warm-up: imports, first parse
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        tag_pdf(pdf, html.read_text(encoding="utf-8"))
        times.append(time.perf_counter() - start)
    return times


def row(name: str, times: list[float]) -> str:
    return (
        f"{name:<28} median {statistics.median(times) * 1000:7.0f} ms   "
        f"min {min(times) * 1000:7.0f} ms   ({len(times)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    bulletin = [sys.executable, "-m", "bulletin"]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(REPO / "content", root / "content")
        shutil.copytree(REPO / "templates", root / "templates")
        html = final_print_html(root)
        results = {
            "bulletin build": wall([*bulletin, "--project", folder, "build", DATE], runs),
            "bare tagged render": wall(
                [
                    sys.executable,
                    "-c",
                    BARE,
                    str(html),
                    str(root / "templates"),
                    str(root / "bare.pdf"),
                ],
                runs,
            ),
            "bulletin check": wall([*bulletin, "--project", folder, "check", DATE], runs),
            "bulletin --help": wall([*bulletin, "--help"], runs),
            "python startup": wall([sys.executable, "-c", "pass"], runs),
            "social card (in process)": card_times(root, runs * 3),
            "tagging pass (in process)": tagging_pass(html, root / "templates", runs),
        }
    for name, times in results.items():
        print(row(name, times))
    ratio = statistics.median(results["bulletin build"]) / statistics.median(
        results["bare tagged render"]
    )
    print(f"build / bare tagged render: {ratio:.2f}x (aim <= 1.00x)")


if __name__ == "__main__":
    main()
