"""Check, then render issues and the site around them under build/, writing every file atomically.

`bulletin build DATE...` renders those issues' pages and PDFs. `bulletin build` with no date
builds the whole site (every issue, archive, body pages, feed, sitemap, search index) and
redoes only what changed since the last build.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin.cache import BuildCache, files_under, fingerprint, shared_fingerprint
from bulletin.diagnostics import Diagnostic, has_errors
from bulletin.errors import BulletinError, ContentError
from bulletin.project import Project
from bulletin.standards import PDF_VARIANTS
from bulletin.validate import check
from bulletin.write import write_atomic

if TYPE_CHECKING:  # the stages below are imported when a build needs them, not with the CLI
    from bulletin.model import Issue
    from bulletin.project import RawProject
    from bulletin.render import Theme

WEB_CSS = "assets/bulletin.css"


@dataclass(frozen=True)
class Output:
    """A file a build made: where, its content, and how long it took to render."""

    path: Path
    data: bytes
    seconds: float


Report = Callable[[Output], None]


def build(
    project: Project,
    dates: list[dt.date] | None = None,
    *,
    strict: bool = False,
    pdf_variant: str = PDF_VARIANTS[0],
    drafts: bool = False,
    on_output: Report = lambda output: None,
) -> tuple[list[Output], list[Diagnostic]]:
    """Build the given issues, or the whole site when `dates` is None.

    Raises ContentError, writing nothing, when the check finds errors. Every output is
    rendered in memory first and written only when all succeeded. Returns the outputs
    written and the warnings that did not stop the build.
    """
    if dates is None:
        return _build_site(project, strict, pdf_variant, drafts, on_output)
    raw, diagnostics = _checked(project, dates, strict)
    from bulletin.model import build_issue

    issues = [build_issue(raw, issue) for issue in raw.issues]
    outputs = _render(project, issues, pdf_variant, site=None)
    _write(outputs, on_output)
    return outputs, diagnostics


def _checked(
    project: Project, dates: list[dt.date] | None, strict: bool
) -> tuple[RawProject, list[Diagnostic]]:
    raw, diagnostics = check(project, dates)
    if has_errors(diagnostics, strict):
        raise ContentError(diagnostics)
    return raw, diagnostics


def _build_site(
    project: Project, strict: bool, variant: str, drafts: bool, on_output: Report
) -> tuple[list[Output], list[Diagnostic]]:
    cache = BuildCache.load(project)
    shared = shared_fingerprint(project, variant)
    names = project.issue_names()
    prints = {name: fingerprint(files_under(project.issues / name)) for name in names}
    site_print = fingerprint([], shared, str(drafts), *(f"{n}={p}" for n, p in prints.items()))
    if site_print == cache.get("site") and (project.build / "index.html").is_file():
        return [], []
    same_shared = shared == cache.get("shared")
    known = cache.get("issues") or {}
    stale = [n for n in names if not same_shared or known.get(n) != prints[n]]
    issues, diagnostics = _issues(project, cache, names, stale, strict)
    published = [issue for issue in issues if drafts or not issue.draft]
    fresh = set(stale) | {i.date.isoformat() for i in published if not _built(project, i)}
    outputs = _render(
        project, [i for i in published if i.date.isoformat() in fresh], variant, site=published
    )
    _write(outputs, on_output)
    written = _prune(project, published, cache.get("files") or [], outputs)
    _index_for_search(project)
    cache.save(shared=shared, site=site_print, issues=prints, files=written)
    return outputs, diagnostics


def _issues(
    project: Project, cache: BuildCache, names: list[str], stale: list[str], strict: bool
) -> tuple[list[Issue], list[Diagnostic]]:
    """Every issue: the stale ones read, checked and modelled, the others from the cache."""
    from bulletin.model import build_issue
    from bulletin.project import read_project
    from bulletin.validate import validate

    raw = read_project(project, [project.issues / name for name in stale])
    diagnostics = validate(raw)
    if has_errors(diagnostics, strict):
        raise ContentError(diagnostics)
    fresh = {issue.folder.name: build_issue(raw, issue) for issue in raw.issues}
    for name, issue in fresh.items():
        cache.store_issue(name, issue)
    issues = [fresh.get(name) or cache.issue(name) for name in names]
    if None in issues and stale != names:  # a damaged cache: start again from the files
        return _issues(project, cache, names, names, strict)
    return [issue for issue in issues if issue is not None], diagnostics


def _built(project: Project, issue: Issue) -> bool:
    folder = project.build / issue.path
    return (folder / "index.html").is_file() and (folder / f"{issue.slug}.pdf").is_file()


def _render(
    project: Project, issues: Sequence[Issue], variant: str, site: Sequence[Issue] | None
) -> list[Output]:
    """Web pages and PDFs of `issues`, the stylesheet, and the site pages when `site` is given."""
    from bulletin.pdf import render_pdfs
    from bulletin.render import Theme, render_print

    theme = Theme(project.templates)
    with theme.errors(project.shown):
        outputs = [_timed(project.build / WEB_CSS, lambda: theme.stylesheet("web.css"))]
        outputs += [_web_page(project, theme, issue) for issue in issues]
        jobs = [(render_print(issue, theme), theme.folder, variant) for issue in issues]
        for issue, (pdf, seconds) in zip(issues, render_pdfs(jobs), strict=True):
            outputs.append(Output(project.build / issue.path / f"{issue.slug}.pdf", pdf, seconds))
        if site is not None:
            outputs += _site_pages(project, theme, site)
    return outputs


def _web_page(project: Project, theme: Theme, issue: Issue) -> Output:
    from bulletin.render import render_web

    return _timed(project.build / issue.path / "index.html", lambda: render_web(issue, theme))


def _site_pages(project: Project, theme: Theme, issues: Sequence[Issue]) -> list[Output]:
    from bulletin.model import build_publication
    from bulletin.project import read_project
    from bulletin.site import render_site

    publication = issues[0].publication if issues else build_publication(read_project(project, []))
    start = time.perf_counter()
    pages = render_site(publication, issues, theme)
    seconds = (time.perf_counter() - start) / max(len(pages), 1)
    return [Output(project.build / page.path, page.data, seconds) for page in pages]


def _write(outputs: list[Output], on_output: Report) -> None:
    for output in outputs:
        write_atomic(output.path, output.data)
        on_output(output)


def _prune(
    project: Project, issues: Sequence[Issue], before: list[str], outputs: list[Output]
) -> list[str]:
    """Remove what an earlier build wrote and this one would not (an issue now a draft, a
    body no longer named); return every file the site now holds, relative to build/."""
    kept = {f"{issue.path}index.html" for issue in issues}
    kept |= {f"{issue.path}{issue.slug}.pdf" for issue in issues}
    kept |= {str(o.path.relative_to(project.build)) for o in outputs}
    for name in set(before) - kept:
        path = project.build / name
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == project.build or any(parent.iterdir()):
                break
            parent.rmdir()
    return sorted(kept)


def _index_for_search(project: Project) -> None:
    """Index the issue pages for the site's search (Pagefind, shipped by its PyPI package)."""
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(project.build),
        "--output-subdir",
        "pagefind",
        "--silent",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BulletinError(f"{project.shown(project.build)}: error: search index: {reason[0]}")
    shutil.rmtree(project.build / "pagefind-tmp", ignore_errors=True)


def _timed(path: Path, make: Callable[[], str | bytes]) -> Output:
    start = time.perf_counter()
    data = make()
    payload = data.encode("utf-8") if isinstance(data, str) else data
    return Output(path, payload, time.perf_counter() - start)
