"""Check, then render issues and the site around them under build/, writing every file atomically.

`bulletin build DATE...` renders those issues' pages and PDFs. `bulletin build` with no date
builds the whole site (every issue, archive, body pages, feed, sitemap, search index) and
redoes only what changed since the last build (see `cache`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin.content.validate import Checked, check
from bulletin.diagnostics import Diagnostic, Severity, has_errors
from bulletin.errors import BulletinError, ContentError
from bulletin.project import Project
from bulletin.render.standards import PDF_VARIANTS
from bulletin.site.cache import BuildCache, files_under, fingerprint, shared_fingerprint
from bulletin.write import write_all

if TYPE_CHECKING:  # the stages below are imported when a build needs them, not with the CLI
    from bulletin.content.model import Issue
    from bulletin.render.html import Theme

WEB_CSS = "assets/bulletin.css"
SEARCH = "pagefind"


@dataclass(frozen=True)
class Output:
    """A file a build made: where, its content, and how long it took to render."""

    path: Path
    data: bytes
    seconds: float


Report = Callable[[Output], None]
Result = tuple[list[Output], list[Diagnostic]]


def build(
    project: Project,
    dates: list[dt.date] | None = None,
    *,
    strict: bool = False,
    pdf_variant: str = PDF_VARIANTS[0],
    drafts: bool = False,
    on_output: Report = lambda output: None,
) -> Result:
    """Build the given issues, or the whole site when `dates` is None.

    Raises ContentError, writing nothing, when the check finds errors. Every output is
    rendered in memory first and written only when all succeeded. Returns the outputs
    written and the warnings that did not stop the build.
    """
    if dates is None:
        return _build_site(project, strict, pdf_variant, drafts, on_output)
    checked = _checked(project, list(dict.fromkeys(dates)), strict)
    diagnostics = list(checked.diagnostics)
    issues = [checked.issues[name] for name in checked.folders]
    with_site = (project.build / "index.html").is_file()
    outputs, warnings = _render(project, issues, pdf_variant, None, strict, with_site)
    _write(project, outputs, on_output)
    BuildCache.load(project).forget(issue.date.isoformat() for issue in issues)
    return outputs, diagnostics + warnings


def _checked(project: Project, dates: list[dt.date] | None, strict: bool) -> Checked:
    checked = check(project, dates)
    if has_errors(checked.diagnostics, strict):
        raise ContentError(checked.diagnostics)
    return checked


def _build_site(
    project: Project, strict: bool, variant: str, drafts: bool, on_output: Report
) -> Result:
    cache = BuildCache.load(project)
    shared = shared_fingerprint(project, variant)
    names = project.issue_names()
    prints = {name: fingerprint(files_under(project.issues / name)) for name in names}
    site_print = fingerprint([], shared, str(drafts), *(f"{n}={p}" for n, p in prints.items()))
    if site_print == cache.get("site") and _intact(project, cache.get("files") or []):
        return [], _kept_warnings(cache, strict)
    known = cache.get("issues") or {}
    same = shared == cache.get("shared")
    stale = [name for name in names if not same or known.get(name) != prints[name]]
    issues, diagnostics, skipped = _issues(project, cache, names, stale, strict, drafts)
    published = [issue for issue in issues if drafts or not issue.draft]
    fresh = set(stale) | {i.date.isoformat() for i in published if not _built(project, i)}
    changed = [issue for issue in published if issue.date.isoformat() in fresh]
    outputs, warnings = _render(project, changed, variant, published, strict, True)
    _write(project, outputs, on_output)
    files = _prune(project, published, cache.get("files") or [], outputs)
    _index_for_search(project)
    recorded = {name: prints[name] for name in names if name not in skipped}
    cache.save(
        shared=shared,
        site=site_print,
        issues=recorded,
        files=files,
        warnings=[d.to_json() for d in diagnostics + warnings],
    )
    return outputs, diagnostics + warnings


def _intact(project: Project, files: list[str]) -> bool:
    """Whether every file the last site build made is still there, search index included."""
    wanted = [*files, "index.html", f"{SEARCH}/pagefind.js"]
    return all((project.build / name).is_file() for name in wanted)


def _kept_warnings(cache: BuildCache, strict: bool) -> list[Diagnostic]:
    warnings = [Diagnostic.from_json(row) for row in cache.get("warnings") or []]
    if has_errors(warnings, strict):
        raise ContentError(warnings)
    return warnings


def _issues(
    project: Project,
    cache: BuildCache,
    names: list[str],
    stale: list[str],
    strict: bool,
    drafts: bool,
) -> tuple[list[Issue], list[Diagnostic], set[str]]:
    """Every issue: the stale ones read, checked and modelled, the others from the cache.

    Without `drafts`, a draft whose check fails is left out (with one warning), so that an
    unfinished issue never stops the site. Returns the issues, the diagnostics and the
    names of the drafts left out.
    """
    from bulletin.content.read import read_project
    from bulletin.content.validate import validate

    checked = validate(read_project(project, [project.issues / name for name in stale]))
    skipped = set() if drafts else _failing_drafts(project, checked)
    diagnostics = _without(project, checked, skipped)
    if has_errors(diagnostics, strict):
        raise ContentError(diagnostics)
    fresh = {name: issue for name, issue in checked.issues.items() if name not in skipped}
    for name, issue in fresh.items():
        cache.store_issue(name, issue)
    kept = [kept_issue for kept_issue in _cached(cache, names, fresh, skipped)]
    if None in kept and stale != names:  # a damaged cache: start again from the files
        return _issues(project, cache, names, names, strict, drafts)
    return [issue for issue in kept if issue is not None], diagnostics, skipped


def _cached(
    cache: BuildCache, names: list[str], fresh: dict[str, Issue], skipped: set[str]
) -> list[Issue | None]:
    return [fresh.get(name) or cache.issue(name) for name in names if name not in skipped]


def _failing_drafts(project: Project, checked: Checked) -> set[str]:
    """The drafts among the issues checked that have errors."""
    errors = [d for d in checked.diagnostics if d.severity is Severity.ERROR]
    return {
        name
        for name in checked.drafts
        if any(_inside(d, project.shown(project.issues / name)) for d in errors)
    }


def _without(project: Project, checked: Checked, skipped: set[str]) -> list[Diagnostic]:
    """The diagnostics, those of skipped drafts replaced by one warning each."""
    kept = list(checked.diagnostics)
    for name in sorted(skipped):
        shown = project.shown(project.issues / name)
        mine = [d for d in kept if _inside(d, shown)]
        kept = [d for d in kept if d not in mine]
        message = (
            f"draft left out of the site: {len(mine)} problem(s); "
            f"'bulletin check {name}' lists them"
        )
        kept.append(Diagnostic(f"{shown}/issue.md", 1, Severity.WARNING, "", message))
    return sorted(kept)


def _inside(diagnostic: Diagnostic, folder: str) -> bool:
    return diagnostic.path == folder or diagnostic.path.startswith(folder + "/")


def _built(project: Project, issue: Issue) -> bool:
    folder = project.build / issue.path
    return (folder / "index.html").is_file() and (folder / f"{issue.slug}.pdf").is_file()


def _render(
    project: Project,
    issues: Sequence[Issue],
    variant: str,
    site: Sequence[Issue] | None,
    strict: bool,
    with_site: bool,
) -> Result:
    """Web pages and PDFs of `issues`, the stylesheet, and the site pages when `site` is given;
    with what WeasyPrint warned about, as warnings on the PDFs."""
    from bulletin.render.html import Theme, render_print
    from bulletin.render.pdf import render_pdfs

    theme = Theme(project.templates)
    warnings: list[Diagnostic] = []
    with theme.errors(project.shown):
        outputs = [_timed(project.build / WEB_CSS, lambda: theme.stylesheet("web.css"))]
        outputs += [_web_page(project, theme, issue, with_site) for issue in issues]
        jobs = [(render_print(issue, theme), theme.folder, variant) for issue in issues]
        for issue, (pdf, seconds, logged) in zip(issues, render_pdfs(jobs), strict=True):
            path = project.build / issue.path / f"{issue.slug}.pdf"
            outputs.append(Output(path, pdf, seconds))
            warnings += [_weasyprint(project, path, message) for message in logged]
        if site is not None:
            outputs += _site_pages(project, theme, site)
    if has_errors(warnings, strict):
        raise ContentError(warnings)
    return outputs, warnings


def _web_page(project: Project, theme: Theme, issue: Issue, with_site: bool) -> Output:
    from bulletin.render.html import render_web

    path = project.build / issue.path / "index.html"
    return _timed(path, lambda: render_web(issue, theme, with_site))


def _weasyprint(project: Project, pdf: Path, message: str) -> Diagnostic:
    return Diagnostic(project.shown(pdf), 1, Severity.WARNING, "", f"WeasyPrint: {message}")


def _site_pages(project: Project, theme: Theme, issues: Sequence[Issue]) -> list[Output]:
    from bulletin.content.read import read_project
    from bulletin.content.validate import validate
    from bulletin.site.pages import render_site

    publication = (
        issues[0].publication if issues else validate(read_project(project, [])).publication
    )
    assert publication is not None  # the check passed
    start = time.perf_counter()
    pages = render_site(publication, issues, theme)
    seconds = (time.perf_counter() - start) / max(len(pages), 1)
    return [Output(project.build / page.path, page.data, seconds) for page in pages]


def _write(project: Project, outputs: list[Output], on_output: Report) -> None:
    write_all([(output.path, output.data) for output in outputs], project.shown(project.build))
    for output in outputs:
        on_output(output)


def _prune(
    project: Project, issues: Sequence[Issue], before: list[str], outputs: list[Output]
) -> list[str]:
    """Remove what an earlier build wrote and this one would not (an issue now a draft, a
    body no longer named, an issue built alone by date); return every file the site now
    holds, relative to build/."""
    kept = {f"{issue.path}index.html" for issue in issues}
    kept |= {f"{issue.path}{issue.slug}.pdf" for issue in issues}
    kept |= {str(o.path.relative_to(project.build)) for o in outputs}
    for name in set(before) - kept:
        _remove(project.build, project.build / name)
    published = {issue.date.isoformat() for issue in issues}
    folders = (project.build / "issues").iterdir() if (project.build / "issues").is_dir() else ()
    for folder in [f for f in folders if f.is_dir() and f.name not in published]:
        shutil.rmtree(folder)
    return sorted(kept)


def _remove(build: Path, path: Path) -> None:
    path.unlink(missing_ok=True)
    for parent in path.parents:
        if parent == build or not parent.is_dir() or any(parent.iterdir()):
            break
        parent.rmdir()


def _index_for_search(project: Project) -> None:
    """Index the issue pages for the site's search with Pagefind (its PyPI package ships the
    binary), into a fresh folder that then replaces the old index: nothing of a page that is
    gone stays searchable."""
    staging, old = project.build / f".{SEARCH}-new", project.build / f".{SEARCH}-old"
    for folder in (staging, old):
        shutil.rmtree(folder, ignore_errors=True)
    command = [sys.executable, "-m", "pagefind", "--site", str(project.build),
               "--output-path", str(staging), "--silent"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BulletinError(f"{project.shown(project.build)}: error: search index: {reason[0]}")
    live = project.build / SEARCH
    if live.exists():
        os.replace(live, old)
    os.replace(staging, live)
    shutil.rmtree(old, ignore_errors=True)


def _timed(path: Path, make: Callable[[], str | bytes]) -> Output:
    start = time.perf_counter()
    data = make()
    payload = data.encode("utf-8") if isinstance(data, str) else data
    return Output(path, payload, time.perf_counter() - start)
