"""Check, then render issues to web page and PDF under build/, writing every file atomically."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bulletin.diagnostics import Diagnostic, has_errors
from bulletin.errors import ContentError
from bulletin.model import Issue, build_issue
from bulletin.project import Project
from bulletin.render import Theme, render_print, render_web
from bulletin.standards import PDF_VARIANTS
from bulletin.validate import check
from bulletin.write import write_atomic

WEB_CSS = "assets/bulletin.css"


@dataclass(frozen=True)
class Output:
    """A file a build made: where, how large, and how long it took to render."""

    path: Path
    data: bytes
    seconds: float


def build(
    project: Project,
    dates: list[dt.date] | None,
    strict: bool = False,
    pdf_variant: str = PDF_VARIANTS[0],
    on_output: Callable[[Output], None] = lambda output: None,
) -> tuple[list[Output], list[Diagnostic]]:
    """Build the issues' pages and PDFs; raise ContentError, writing nothing, if checks fail.

    Every output is rendered in memory first and written only when all succeeded.
    Returns the outputs and the warnings that did not stop the build.
    """
    raw, diagnostics = check(project, dates)
    if has_errors(diagnostics, strict):
        raise ContentError(diagnostics)
    theme = Theme(project.templates)
    issues = [build_issue(raw, issue) for issue in raw.issues]
    with theme.errors(project.shown):
        outputs = [_stylesheet(project, theme)]
        for issue in issues:
            outputs += _render_issue(project, theme, issue, pdf_variant)
    for output in outputs:
        write_atomic(output.path, output.data)
        on_output(output)
    return outputs, diagnostics


def issue_folder(project: Project, issue: Issue) -> Path:
    """Where an issue's page and PDF go: build/issues/DATE/."""
    return project.build / "issues" / issue.date.isoformat()


def _render_issue(project: Project, theme: Theme, issue: Issue, variant: str) -> list[Output]:
    from bulletin.pdf import render_pdf  # WeasyPrint is slow to import: only when building

    folder = issue_folder(project, issue)
    pdf_name = f"{issue.slug}.pdf"
    css_href = "../../" + WEB_CSS
    page = _timed(folder / "index.html", lambda: render_web(issue, theme, pdf_name, css_href))
    pdf = _timed(
        folder / pdf_name, lambda: render_pdf(render_print(issue, theme), theme.folder, variant)
    )
    return [page, pdf]


def _stylesheet(project: Project, theme: Theme) -> Output:
    return _timed(project.build / WEB_CSS, lambda: theme.stylesheet("web.css"))


def _timed(path: Path, make: Callable[[], str | bytes]) -> Output:
    start = time.perf_counter()
    data = make()
    payload = data.encode("utf-8") if isinstance(data, str) else data
    return Output(path, payload, time.perf_counter() - start)
