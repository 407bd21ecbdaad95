"""The print products of a site's issues: each PDF, social card and PNG copy of an SVG figure,
made by WeasyPrint on every core and written as each is done, so memory holds a few at a time.

They are the slow part of a build, so a site build makes them after the pages (`bulletin serve`
shows the new pages first, then makes these in the background) and only for the issues whose
inputs changed since they were last made (`BuildState.printed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin.diagnostics import Diagnostic, Severity
from bulletin.project import Project
from bulletin.report import Reporter
from bulletin.site.cache import FOLDER
from bulletin.site.pictures import kept_pngs
from bulletin.write import write_atomic

if TYPE_CHECKING:
    from bulletin.content.model import Figure, Issue
    from bulletin.render.html import Theme
    from bulletin.render.pdf import Rendered
    from bulletin.render.raster import Job


@dataclass(frozen=True)
class Written:
    """A file a build wrote: where, its size in bytes, and how long it took to make."""

    path: Path
    size: int
    seconds: float


@dataclass(frozen=True)
class Printed:
    """What making the print products of some issues did.

    written: each file written, in the order it was made.
    warnings: what WeasyPrint warned about, each as a warning on the file it made.
    """

    written: tuple[Written, ...]
    warnings: tuple[Diagnostic, ...]


def print_files(issue: Issue) -> tuple[str, ...]:
    """What the site holds of an issue's print products, relative to build/: its PDF, its
    social card, the PNG copy of each SVG figure (for the email)."""
    from bulletin.render.html import CARD

    copies = (figure.mailed for figure in issue.figures if figure.vector)
    return tuple(issue.path + name for name in (f"{issue.slug}.pdf", CARD.name, *copies))


def issues_to_print(
    project: Project, issues: Sequence[Issue], made: Mapping[str, str], keys: Mapping[str, str]
) -> tuple[Issue, ...]:
    """The issues whose print products are to be made: those made from other inputs than
    `keys` (or never), and those with a product gone from build/."""
    build = str(project.build)
    return tuple(
        issue
        for issue in issues
        if made.get(name := issue.date.isoformat()) != keys[name]
        or not all(Path(build, file).is_file() for file in print_files(issue))
    )


def print_issues(
    project: Project, theme: Theme, issues: Sequence[Issue], variant: str, reporter: Reporter
) -> Printed:
    """Make and write, for each issue, its PDF, then its social card and figures' PNG copies,
    each file as soon as it is made (atomically: a reader never sees half of one)."""
    written: list[Written] = []
    warnings: list[Diagnostic] = []
    for path, (data, seconds, logged) in made(project, theme, issues, variant):
        write_atomic(path, data)
        reporter.wrote(path, len(data), seconds)
        written.append(Written(path, len(data), seconds))
        warnings += [weasyprint_warning(project, path, message) for message in logged]
    return Printed(tuple(written), tuple(warnings))


def made(
    project: Project, theme: Theme, issues: Sequence[Issue], variant: str
) -> Iterator[tuple[Path, Rendered]]:
    """Each print product's path and what WeasyPrint made of it, in turn; the hyphenation
    tables WeasyPrint parses kept in the project's cache (`startup`), for the workers too."""
    from bulletin.render.startup import cache_hyphenation

    cache_hyphenation(project.root / FOLDER / "hyphenation")
    yield from render_pdfs(project, theme, issues, variant)
    yield from render_cards(project, theme, issues)
    yield from render_figure_copies(project, issues)


def render_pdfs(
    project: Project, theme: Theme, issues: Sequence[Issue], variant: str
) -> Iterator[tuple[Path, Rendered]]:
    """Each issue's PDF, laid out on every core, as it is done."""
    from bulletin.render import pdf
    from bulletin.render.html import render_print

    jobs = (
        (render_print(issue, theme), project.issue_folder(issue.date), variant) for issue in issues
    )
    paths = [project.build / issue.path / f"{issue.slug}.pdf" for issue in issues]
    with theme.errors(project.shown):
        yield from zip(paths, pdf.render_pdfs(jobs), strict=True)


def render_cards(
    project: Project, theme: Theme, issues: Sequence[Issue]
) -> Iterator[tuple[Path, Rendered]]:
    """Each issue's social card (card.html as a PNG of `html.CARD`'s size), as it is done, or
    as an earlier build made it from the same inputs (`pictures`)."""
    from bulletin.render.html import CARD, render_card

    size = (CARD.width, CARD.height)
    with theme.errors(project.shown):
        jobs = [(render_card(issue, theme), theme.folder, *size) for issue in issues]
    paths = [project.build / issue.path / CARD.name for issue in issues]
    yield from zip(paths, kept_pngs(project, paths, jobs), strict=True)


def render_figure_copies(
    project: Project, issues: Sequence[Issue]
) -> Iterator[tuple[Path, Rendered]]:
    """A PNG copy of each SVG figure, for the email (mail programs do not show SVG), at twice
    the size the email shows it, for sharp screens; or as an earlier build made it."""
    copies = [(issue, figure) for issue in issues for figure in issue.figures if figure.vector]
    paths = [project.build / issue.path / figure.mailed for issue, figure in copies]
    yield from zip(paths, kept_pngs(project, paths, list(_copy_jobs(project, copies))), strict=True)


def _copy_jobs(project: Project, copies: Iterable[tuple[Issue, Figure]]) -> Iterator[Job]:
    from bulletin.content.prose import email_size
    from bulletin.render import raster

    for issue, figure in copies:
        width, height = (2 * side for side in email_size(figure))
        folder = project.issue_folder(issue.date)
        yield raster.picture(figure.path, width, height), folder, width, height


def weasyprint_warning(project: Project, output: Path, message: str) -> Diagnostic:
    """What WeasyPrint warned about while making a file, as a warning on that file."""
    return Diagnostic(project.shown(output), 1, Severity.WARNING, "", f"WeasyPrint: {message}")
