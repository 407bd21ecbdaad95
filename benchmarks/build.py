"""Wall times of `bulletin build`, `bulletin check` and `bulletin --help` on the sample issue,
against a bare script that imports WeasyPrint and renders the same final print HTML as a tagged
PDF/UA-1, as the build does (the two run in turns, wall and CPU time); in process, the time of
the pass that mends the PDF's tags (`render/tagging.py`) and what the issue's social card
(card.png) costs; and each per-process cost `render/startup.py` and the caches remove, as it
was and as it is (importing WeasyPrint, a hyphenation table, compiling the templates).

Run: .venv/bin/python benchmarks/build.py [--runs N]
"""

from __future__ import annotations

import argparse
import resource
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
    return interleaved({"": command}, runs)[""][0]


Times = tuple[list[float], list[float]]
"""Wall times and CPU times (user and system, all processes) of each run, in seconds."""


def interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, Times]:
    """The wall and CPU times of `runs` rounds of the commands, one run of each per round (after
    one untimed round), so that load from elsewhere weighs on each alike."""
    times: dict[str, Times] = {name: ([], []) for name in commands}
    for round_ in range(runs + 1):
        for name, command in commands.items():
            cpu = _children_cpu()
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            if round_:
                times[name][0].append(time.perf_counter() - start)
                times[name][1].append(_children_cpu() - cpu)
    return times


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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


IMPORT = "import weasyprint"
IMPORT_STARTED = "from bulletin.render.startup import import_weasyprint; import_weasyprint()"


def costs(root: Path, runs: int) -> dict[str, list[float]]:
    """Each per-process cost `render.startup` and the caches remove, as it was and as it is:
    `import weasyprint` in a fresh process, hyphenation table (English) parsed or unpickled,
    the templates of a build compiled or loaded compiled."""
    imports = interleaved(
        {"bare": [sys.executable, "-c", IMPORT], "started": [sys.executable, "-c", IMPORT_STARTED]},
        runs,
    )
    parsed, unpickled = hyphenation_times(root / "hyphenation", runs)
    compiled, loaded = template_times(root, runs)
    return {
        "import weasyprint, as is": imports["bare"][0],
        "import weasyprint, startup": imports["started"][0],
        "hyphenation table, parsed": parsed,
        "hyphenation table, pickled": unpickled,
        "templates, compiled": compiled,
        "templates, kept compiled": loaded,
    }


def hyphenation_times(folder: Path, runs: int) -> tuple[list[float], list[float]]:
    """Seconds to get pyphen's English table by parsing the dictionary, and from its pickle."""
    import pyphen

    from bulletin.render.startup import HyphenationCache

    dictionary = pyphen.LANGUAGES["en"]
    parsed, unpickled = [], []
    for _ in range(runs):
        start = time.perf_counter()
        table = pyphen.HyphDict(dictionary)
        parsed.append(time.perf_counter() - start)
        HyphenationCache(folder, {})[dictionary] = table  # pickled
        start = time.perf_counter()
        assert dictionary in HyphenationCache(folder, {})
        unpickled.append(time.perf_counter() - start)
    return parsed, unpickled


def template_times(root: Path, runs: int) -> tuple[list[float], list[float]]:
    """Seconds to load the templates of a single build (web, print, card) compiling them,
    and from jinja2's bytecode cache, each time in a new environment."""
    from bulletin.render.html import Theme

    names = ("web.html", "print.html", "card.html")
    compiled, loaded = [], []
    for _ in range(runs):
        for theme, times in (
            (Theme(root / "templates"), compiled),
            (Theme(root / "templates", root / "compiled"), loaded),
        ):
            start = time.perf_counter()
            for name in names:
                theme.environment.get_template(name)
            times.append(time.perf_counter() - start)
    return compiled, loaded[1:] or loaded  # the first run with the cache fills it


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
        bare = [sys.executable, "-c", BARE, str(html), str(root / "templates"), str(root / "b.pdf")]
        build = interleaved(
            {
                "bulletin build": [*bulletin, "--project", folder, "build", DATE],
                "bare tagged render": bare,
            },
            runs,
        )
        results = {
            **{f"{name} (wall)": wall_cpu[0] for name, wall_cpu in build.items()},
            **{f"{name} (CPU)": wall_cpu[1] for name, wall_cpu in build.items()},
            "bulletin check": wall([*bulletin, "--project", folder, "check", DATE], runs),
            "bulletin --help": wall([*bulletin, "--help"], runs),
            "python startup": wall([sys.executable, "-c", "pass"], runs),
            "social card (in process)": card_times(root, runs * 3),
            "tagging pass (in process)": tagging_pass(html, root / "templates", runs),
            **costs(root, runs),
        }
    for name, times in results.items():
        print(row(name, times))
    for kind in ("wall", "CPU"):
        ratio = statistics.median(results[f"bulletin build ({kind})"]) / statistics.median(
            results[f"bare tagged render ({kind})"]
        )
        print(f"build / bare tagged render, {kind} time: {ratio:.2f}x (aim <= 1.00x)")


if __name__ == "__main__":
    main()
