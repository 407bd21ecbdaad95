"""Check, then render issues and the site around them under build/, writing every file atomically.

`bulletin build DATE...` renders those issues' pages and PDFs, as the site shows them.
`bulletin build` with no date builds the whole site (every issue, archive, body pages, feed,
sitemap, search index) and redoes only what changed since the last build (see `cache`).
Either is a sequence of stages, each a function of typed, frozen values, read top to bottom
in `_build_issues` and `_build_site`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin.diagnostics import Diagnostic, Severity, has_errors
from bulletin.errors import ConfigError, ContentError, OutputError
from bulletin.project import Project, require_issue
from bulletin.render.standards import PDF_VARIANTS
from bulletin.report import QUIET, Reporter
from bulletin.site.cache import FOLDER, BuildState, Inputs, fingerprint_inputs, store_issues
from bulletin.site.issues import SiteIssues, model_issues, model_site
from bulletin.site.pictures import kept_pngs
from bulletin.write import write_all

if TYPE_CHECKING:  # the stages below import what they need when a build needs it, not the CLI
    from bulletin.content.model import Issue, Publication
    from bulletin.render.html import Theme

WEB_CSS = "assets/bulletin.css"
SEARCH = "pagefind"


@dataclass(frozen=True)
class Output:
    """A file a build made: where, its content, and how long it took to render."""

    path: Path
    data: bytes
    seconds: float


Result = tuple[list[Output], list[Diagnostic]]


def build(
    project: Project,
    dates: list[dt.date] | None = None,
    *,
    strict: bool = False,
    pdf_variant: str = PDF_VARIANTS[0],
    drafts: bool = False,
    reporter: Reporter = QUIET,
) -> Result:
    """Build the given issues, or the whole site when `dates` is None.

    Raises ContentError, writing nothing, when the check finds errors. Every output is
    rendered in memory first and written only when all succeeded. Returns the outputs
    written and the warnings that did not stop the build.
    """
    if dates is None:
        outputs, warnings = _build_site(project, strict, pdf_variant, drafts, reporter)
    else:
        issues = list(dict.fromkeys(dates))
        outputs, warnings = _build_issues(project, issues, strict, pdf_variant, reporter)
    for warning in warnings:
        reporter.warning(warning)
    return outputs, warnings


def _build_issues(
    project: Project, dates: list[dt.date], strict: bool, variant: str, reporter: Reporter
) -> Result:
    """The pages and PDFs of these issues (drafts too), each page as the site shows it."""
    names = [require_issue(project, date).name for date in dates]
    modelled = model_issues(project, names, strict=strict, drafts=True)
    issues = tuple(modelled.issues.values())
    theme = _theme(project)
    pages = render_pages(project, theme, issues)
    icon = render_favicon(project, theme, issues[0].publication)
    pdfs = render_pdfs(project, theme, issues, variant)
    cards = render_cards(project, theme, issues)
    copies = render_figure_copies(project, issues)
    rendered = [*pdfs.warnings, *cards.warnings, *copies.warnings]
    _stop_on_errors(rendered, strict)
    figures = [*copy_figures(project, issues), *copies.outputs]
    kept = copy_versions(project, issues)
    outputs = [*pages, icon, *pdfs.outputs, *cards.outputs, *figures, *kept]
    write_outputs(project, outputs, reporter)
    forget_in_site(project, names)
    return outputs, [*modelled.diagnostics, *rendered]


def _build_site(
    project: Project, strict: bool, variant: str, drafts: bool, reporter: Reporter
) -> Result:
    """Every issue and the site around them, redoing only what changed since the last build."""
    before = BuildState.load(project)
    inputs = fingerprint_inputs(project, variant, drafts)
    changes = what_changed(project, before, inputs)
    if changes.nothing:
        return [], kept_warnings(before, strict)
    site = model_site(project, inputs, changes.stale, strict=strict, drafts=drafts)
    redo = issues_to_render(project, site.published, changes.stale)
    theme = _theme(project)
    pages = render_pages(project, theme, redo)
    icon = render_favicon(project, theme, site.publication)
    pdfs = render_pdfs(project, theme, redo, variant)
    cards = render_cards(project, theme, redo)
    copies = render_figure_copies(project, redo)
    site_pages = render_site_pages(project, theme, site.publication, site.published)
    rendered = [*pdfs.warnings, *cards.warnings, *copies.warnings]
    _stop_on_errors(rendered, strict)
    figures = [*copy_figures(project, redo), *copies.outputs, *copy_versions(project, redo)]
    outputs = [*pages, icon, *pdfs.outputs, *cards.outputs, *figures, *site_pages]
    held = site_files(project, site.published, outputs)
    outputs += keep_addresses(project, theme, site, held)
    write_outputs(project, outputs, reporter)
    files = prune(project, before.files, site_files(project, site.published, outputs))
    index_for_search(project)
    warnings = [*site.diagnostics, *rendered, *carried_warnings(project, before, site, redo)]
    save_state(project, inputs, site, files, warnings)
    return outputs, warnings


# Deciding what changed


@dataclass(frozen=True)
class Changes:
    """What a site build has to redo, from the last build's state and the inputs now.

    nothing: the same inputs, and every file of the last build still in build/: redo nothing.
    stale: the folder names of the issues to read, check and model again, oldest first: all
        of them when a shared input changed, else those whose files changed or that the last
        build did not keep (new issues, drafts left out, issues built apart from the site).
    """

    nothing: bool
    stale: tuple[str, ...]


def what_changed(project: Project, before: BuildState, inputs: Inputs) -> Changes:
    """Compare the inputs with those of the last build, and build/ with what it made."""
    same_shared = inputs.shared == before.shared
    stale = tuple(
        name
        for name, digest in inputs.issues.items()
        if not same_shared or before.issues.get(name) != digest
    )
    nothing = inputs.site == before.site and _intact(project, before.files)
    return Changes(nothing, stale)


def _intact(project: Project, files: Iterable[str]) -> bool:
    """Whether every file the last site build made is still there, search index included."""
    wanted = [*files, "index.html", f"{SEARCH}/pagefind.js"]
    return all((project.build / name).is_file() for name in wanted)


def kept_warnings(before: BuildState, strict: bool) -> list[Diagnostic]:
    """The warnings of the last build, when nothing changed; raises ContentError if strict."""
    warnings = list(before.warnings)
    _stop_on_errors(warnings, strict)
    return warnings


def carried_warnings(
    project: Project, before: BuildState, site: SiteIssues, redo: Sequence[Issue]
) -> list[Diagnostic]:
    """The last build's warnings about the issues this one did not do again: the check's, of
    issues not checked again, and WeasyPrint's, of PDFs not rendered again."""
    checked = set(site.modelled.issues) | site.modelled.left_out
    rendered = {issue.date.isoformat() for issue in redo}
    folders = [project.shown(project.issues / name) for name in site.issues if name not in checked]
    folders += [
        project.shown(project.build / issue.path).rstrip("/")
        for issue in site.published
        if issue.date.isoformat() not in rendered
    ]
    return [d for d in before.warnings if any(_inside(d.path, folder) for folder in folders)]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


def issues_to_render(
    project: Project, published: Sequence[Issue], stale: Sequence[str]
) -> tuple[Issue, ...]:
    """The published issues whose page and PDF are rendered: those modelled again from their
    files, and those with an output gone from build/."""
    return tuple(
        issue
        for issue in published
        if issue.date.isoformat() in stale or not _built(project, issue)
    )


def _built(project: Project, issue: Issue) -> bool:
    return all((project.build / name).is_file() for name in _issue_files(project, issue))


def _issue_files(project: Project, issue: Issue) -> tuple[str, ...]:
    """What the site holds of each issue, relative to build/: in its folder, page, PDF, social
    card, figures; and each version of its PDF kept in the archive."""
    from bulletin.archive.record import kept_versions
    from bulletin.render.html import CARD

    figures = (f"figures/{name}" for figure in issue.figures for name in figure.files)
    names = ("index.html", f"{issue.slug}.pdf", CARD.name, *figures)
    versions = (path for path, _ in kept_versions(project, issue))
    return (*(issue.path + name for name in names), *versions)


# Rendering


@dataclass(frozen=True)
class Rendered:
    """Files rendered in memory, with what the renderer warned about them."""

    outputs: tuple[Output, ...]
    warnings: tuple[Diagnostic, ...]


def render_pages(project: Project, theme: Theme, issues: Sequence[Issue]) -> tuple[Output, ...]:
    """The web edition's stylesheet and each issue's page, with the site's navigation."""
    from bulletin.archive.record import history
    from bulletin.render.html import render_web

    def page(issue: Issue) -> Output:
        path = project.build / issue.path / "index.html"
        return _timed(path, lambda: render_web(issue, theme, history(project, issue)))

    with theme.errors(project.shown):
        stylesheet = _timed(project.build / WEB_CSS, lambda: theme.stylesheet("web.css"))
        return (stylesheet, *(page(issue) for issue in issues))


def render_pdfs(project: Project, theme: Theme, issues: Sequence[Issue], variant: str) -> Rendered:
    """Each issue's PDF (laid out on every core), with what WeasyPrint warned about, as
    warnings on the PDF."""
    from bulletin.render import pdf
    from bulletin.render.html import render_print

    _hyphenation_cached(project)
    with theme.errors(project.shown):
        jobs = [
            (render_print(issue, theme), project.issue_folder(issue.date), variant)
            for issue in issues
        ]
        laid_out = pdf.render_pdfs(jobs)
    paths = [project.build / issue.path / f"{issue.slug}.pdf" for issue in issues]
    return _rendered(project, paths, laid_out)


def render_cards(project: Project, theme: Theme, issues: Sequence[Issue]) -> Rendered:
    """Each issue's social card (card.html as a PNG of `html.CARD`'s size, made on every core
    unless kept from an earlier build: `pictures`) beside its page, with what WeasyPrint warned
    about as warnings on the card."""
    from bulletin.render.html import CARD, render_card

    _hyphenation_cached(project)
    with theme.errors(project.shown):
        size = (CARD.width, CARD.height)
        jobs = [(render_card(issue, theme), theme.folder, *size) for issue in issues]
    paths = [project.build / issue.path / CARD.name for issue in issues]
    return _rendered(project, paths, kept_pngs(project, paths, jobs))


def _hyphenation_cached(project: Project) -> None:
    """Keep the hyphenation tables WeasyPrint parses in the project's cache (`startup`)."""
    from bulletin.render.startup import cache_hyphenation

    cache_hyphenation(project.root / FOLDER / "hyphenation")


def _rendered(
    project: Project, paths: Sequence[Path], made: Sequence[tuple[bytes, float, list[str]]]
) -> Rendered:
    """Files made by WeasyPrint (their data, seconds, and what it warned about) as outputs at
    `paths`, with the warnings as warnings on each file."""
    outputs: list[Output] = []
    warnings: list[Diagnostic] = []
    for path, (data, seconds, logged) in zip(paths, made, strict=True):
        outputs.append(Output(path, data, seconds))
        warnings += [_weasyprint(project, path, message) for message in logged]
    return Rendered(tuple(outputs), tuple(warnings))


def _weasyprint(project: Project, output: Path, message: str) -> Diagnostic:
    return Diagnostic(project.shown(output), 1, Severity.WARNING, "", f"WeasyPrint: {message}")


def render_favicon(project: Project, theme: Theme, publication: Publication) -> Output:
    """The site's icon at the site's root: publication.yaml's `favicon` (checked to be a file
    in content/), else the theme's favicon.svg."""
    from bulletin.render.html import FAVICON, favicon

    source = project.content / publication.favicon if publication.favicon else None
    source = source or theme.folder / FAVICON
    if not source.is_file():
        fix = "put the icon there, or name another with `favicon` in content/publication.yaml"
        raise ConfigError(project.shown(source), "the site's icon is missing", fix, field="favicon")
    return _timed(project.build / favicon(publication), source.read_bytes)


def copy_figures(project: Project, issues: Sequence[Issue]) -> tuple[Output, ...]:
    """Each issue's figures, from its folder to the page's figures/ folder (where the web page
    and the email find them), as the check found them."""
    return tuple(
        _timed(
            project.build / issue.path / figure.published,
            partial(_read_figure, project, project.issue_folder(issue.date) / figure.path),
        )
        for issue in issues
        for figure in issue.figures
    )


def render_figure_copies(project: Project, issues: Sequence[Issue]) -> Rendered:
    """A PNG copy of each SVG figure, for the email (mail programs do not show SVG), at twice
    the size the email shows it, for sharp screens; made on every core, unless kept."""
    from bulletin.content.prose import email_size
    from bulletin.render import raster

    jobs: list[raster.Job] = []
    paths: list[Path] = []
    for issue in issues:
        for figure in (figure for figure in issue.figures if figure.vector):
            width, height = (2 * side for side in email_size(figure))
            html = raster.picture(figure.path, width, height)
            jobs.append((html, project.issue_folder(issue.date), width, height))
            paths.append(project.build / issue.path / figure.mailed)
    return _rendered(project, paths, kept_pngs(project, paths, jobs))


def _read_figure(project: Project, file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:  # gone since the check
        raise OutputError(
            project.shown(file), f"cannot be read ({error.strerror})", "check it and build again"
        ) from None


def copy_versions(project: Project, issues: Sequence[Issue]) -> tuple[Output, ...]:
    """Each version of each issue's PDF that went out, from the archive to its permanent
    address (issues/DATE/versions/N/), byte for byte."""
    from bulletin.archive.record import kept_versions

    return tuple(
        _timed(project.build / path, partial(_read_figure, project, kept))
        for issue in issues
        for path, kept in kept_versions(project, issue)
    )


def keep_addresses(
    project: Project, theme: Theme, site: SiteIssues, held: set[str]
) -> tuple[Output, ...]:
    """Keep every address the site had when it went out: a redirect page and rule for each
    the site no longer holds (`archive.urls`); an OutputError when one cannot be kept."""
    from bulletin.archive import urls
    from bulletin.archive.record import all_records
    from bulletin.render.html import render_redirect

    start = time.perf_counter()
    records = all_records(project)
    recorded = [*urls.read_site_urls(project), *(u for r in records.values() for u in r.urls)]
    address = set(urls.site_urls(held))
    redirects = urls.plan_redirects(project, recorded, records, site.published, address)
    if not redirects:
        return ()
    publication = site.publication

    def page(redirect: urls.Redirect) -> str:
        return render_redirect(publication, redirect.new, theme)

    with theme.errors(project.shown):
        files = list(urls.redirect_files(redirects, publication.base_path, page))
    seconds = (time.perf_counter() - start) / len(files)
    return tuple(Output(project.build / path, data, seconds) for path, data in files)


def render_site_pages(
    project: Project, theme: Theme, publication: Publication, issues: Sequence[Issue]
) -> tuple[Output, ...]:
    """The pages around the published issues: archive, body pages, search, 404, feed, sitemap."""
    from bulletin.site.pages import render_site

    start = time.perf_counter()
    with theme.errors(project.shown):
        pages = render_site(publication, issues, theme)
    seconds = (time.perf_counter() - start) / max(len(pages), 1)
    return tuple(Output(project.build / page.path, page.data, seconds) for page in pages)


# Writing, pruning, indexing, remembering


def write_outputs(project: Project, outputs: Sequence[Output], reporter: Reporter) -> None:
    """Write every output, all or none (see `write.write_all`), then report each."""
    write_all([(output.path, output.data) for output in outputs], project.shown(project.build))
    for output in outputs:
        reporter.wrote(output.path, len(output.data), output.seconds)


def site_files(project: Project, issues: Sequence[Issue], outputs: Sequence[Output]) -> set[str]:
    """Every file the site holds after this build, relative to build/: those of its issues,
    and the outputs."""
    held = {name for issue in issues for name in _issue_files(project, issue)}
    return held | {o.path.relative_to(project.build).as_posix() for o in outputs}


def prune(project: Project, before: Iterable[str], held: set[str]) -> tuple[str, ...]:
    """Remove what an earlier build wrote and the site no longer holds (an issue now a
    draft, a body no longer named, an issue built alone by date); return every file the site
    now holds, relative to build/, sorted."""
    for name in set(before) - held:
        _remove(project.build, project.build / name)
    folders = (project.build / "issues").iterdir() if (project.build / "issues").is_dir() else ()
    kept = {Path(name).parts[1] for name in held if name.startswith("issues/")}
    for folder in [f for f in folders if f.is_dir() and f.name not in kept]:
        shutil.rmtree(folder)
    return tuple(sorted(held))


def _remove(build: Path, path: Path) -> None:
    path.unlink(missing_ok=True)
    for parent in path.parents:
        if parent == build or not parent.is_dir() or any(parent.iterdir()):
            break
        parent.rmdir()


def index_for_search(project: Project) -> None:
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
        raise OutputError(project.shown(project.build), reason[0], field="search index")
    live = project.build / SEARCH
    if live.exists():
        os.replace(live, old)
    os.replace(staging, live)
    shutil.rmtree(old, ignore_errors=True)


def save_state(
    project: Project,
    inputs: Inputs,
    site: SiteIssues,
    files: Sequence[str],
    warnings: Sequence[Diagnostic],
) -> BuildState:
    """Cache the issues modelled in this build, then record what it made from which inputs
    (drafts left out are not recorded, so the next build checks them again)."""
    store_issues(project, inputs, site.modelled.issues)
    left_out = site.modelled.left_out
    issues = {name: digest for name, digest in inputs.issues.items() if name not in left_out}
    state = BuildState(inputs.shared, inputs.site, issues, tuple(files), tuple(warnings))
    state.save(project)
    return state


def forget_in_site(project: Project, names: Sequence[str]) -> None:
    """Make the next site build render these issues again, since they were built apart from
    it (a draft, another PDF variant)."""
    before = BuildState.load(project)
    after = before.forget(names)
    if after != before:
        after.save(project)


def _theme(project: Project) -> Theme:
    """The project's templates, kept compiled in its cache."""
    from bulletin.render.html import Theme

    return Theme(project.templates, project.root / FOLDER / "templates")


def _stop_on_errors(diagnostics: Sequence[Diagnostic], strict: bool) -> None:
    if has_errors(diagnostics, strict):
        raise ContentError(diagnostics)


def _timed(path: Path, make: Callable[[], str | bytes]) -> Output:
    start = time.perf_counter()
    data = make()
    payload = data.encode("utf-8") if isinstance(data, str) else data
    return Output(path, payload, time.perf_counter() - start)
