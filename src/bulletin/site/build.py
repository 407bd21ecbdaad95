"""Check, then render issues and the site around them under build/, writing every file atomically.

`bulletin build DATE...` renders those issues' pages and PDFs, as the site shows them.
`bulletin build` with no date builds the whole site (every issue, archive, body pages, feed,
sitemap, search index) and redoes only what changed since the last build (see `cache`), in
three parts: the pages, then what WeasyPrint makes of each issue (its PDF, social card and the
PNG copies of its SVG figures, see `printing`), then the search index. `bulletin serve` builds
the pages alone, then finishes the rest in the background (`finish_site`). Each part is a
sequence of stages, each a function of typed, frozen values, read top to bottom.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin.diagnostics import Diagnostic, has_errors
from bulletin.errors import ConfigError, ContentError, OutputError
from bulletin.project import Project, require_issue
from bulletin.render.standards import PDF_VARIANTS
from bulletin.report import QUIET, Reporter
from bulletin.site import printing
from bulletin.site.cache import (
    FOLDER,
    BuildState,
    Inputs,
    fingerprint_inputs,
    issue_key,
    load_issues,
    store_issues,
    updating_state,
)
from bulletin.site.issues import SiteIssues, model_issues, model_site, published_issues
from bulletin.site.printing import Written, print_files
from bulletin.write import write_all

if TYPE_CHECKING:  # the stages below import what they need when a build needs it, not the CLI
    from bulletin.content.model import Issue, Publication
    from bulletin.render.html import Theme
    from bulletin.site.pages import Lists

WEB_CSS = "assets/bulletin.css"


@dataclass(frozen=True)
class Output:
    """A file a build made, before it is written: where, its content, how long it took."""

    path: Path
    data: bytes
    seconds: float


@dataclass(frozen=True)
class Options:
    """How to build.

    strict: warnings stop the build, as errors do.
    variant: the PDF variant (`standards.PDF_VARIANTS`).
    drafts: put issues marked draft on the site too.
    pdf: make what WeasyPrint makes of each issue (PDF, social card, PNG copies of SVG
        figures); without it, the pages alone (`bulletin build --no-pdf`).
    search: make the search index (site builds only).
    """

    strict: bool = False
    variant: str = PDF_VARIANTS[0]
    drafts: bool = False
    pdf: bool = True
    search: bool = True


Result = tuple[list[Written], list[Diagnostic]]


def build(
    project: Project,
    dates: list[dt.date] | None = None,
    *,
    strict: bool = False,
    pdf_variant: str = PDF_VARIANTS[0],
    drafts: bool = False,
    pdf: bool = True,
    search: bool = True,
    reporter: Reporter = QUIET,
) -> Result:
    """Build the given issues, or the whole site when `dates` is None.

    Raises ContentError, writing nothing, when the check finds errors. The pages are rendered
    in memory first and written only when all succeeded; each PDF is written as soon as it is
    made. Returns the files written and the warnings that did not stop the build.
    """
    options = Options(strict, pdf_variant, drafts, pdf, search)
    if dates is None:
        written, warnings = _build_site(project, options, reporter)
    else:
        written, warnings = _build_issues(project, list(dict.fromkeys(dates)), options, reporter)
    for warning in warnings:
        reporter.warning(warning)
    return written, warnings


def _build_issues(
    project: Project, dates: list[dt.date], options: Options, reporter: Reporter
) -> Result:
    """The pages and PDFs of these issues (drafts too), each page as the site shows it, all
    written or none."""
    names = [require_issue(project, date).name for date in dates]
    modelled = model_issues(project, names, strict=options.strict, drafts=True)
    issues = tuple(modelled.issues.values())
    theme = _theme(project)
    pages = render_pages(project, theme, issues)
    icon = render_favicon(project, theme, issues[0].publication)
    made = list(printing.made(project, theme, issues, options.variant)) if options.pdf else []
    printed = [Output(path, data, seconds) for path, (data, seconds, _) in made]
    warnings = [
        printing.weasyprint_warning(project, path, message)
        for path, (_, _, logged) in made
        for message in logged
    ]
    _stop_on_errors(warnings, options.strict)
    figures = [*copy_figures(project, issues), *copy_versions(project, issues)]
    written = write_outputs(project, [*pages, icon, *printed, *figures], reporter)
    forget_in_site(project, names)
    return written, [*modelled.diagnostics, *warnings]


def _build_site(project: Project, options: Options, reporter: Reporter) -> Result:
    """Every issue and the site around them, redoing only what changed since the last build:
    the pages, then what the pages lack (`finish_site`)."""
    before = BuildState.load(project)
    inputs = fingerprint_inputs(project, options.variant, options.drafts)
    changes = what_changed(project, before, inputs, options)
    if changes.nothing:
        return [], kept_warnings(before, options.strict)
    written: list[Written] = []
    if changes.pages:
        written += build_pages(project, before, inputs, changes.stale, options, reporter)
    more, warnings = finish_site(project, options, reporter)
    return [*written, *more], warnings


def build_pages(
    project: Project,
    before: BuildState,
    inputs: Inputs,
    stale: Sequence[str],
    options: Options,
    reporter: Reporter,
) -> list[Written]:
    """The pages of the site: those of the issues modelled again or missing a page, and every
    page around them; written all or none, then what the site no longer holds is removed."""
    site = model_site(project, inputs, stale, strict=options.strict, drafts=options.drafts)
    redo = issues_to_render(project, site.published, stale)
    theme = _theme(project)
    pages = render_pages(project, theme, redo)
    icon = render_favicon(project, theme, site.publication)
    figures = [*copy_figures(project, redo), *copy_versions(project, redo)]
    lists = _lists(project, before, inputs, site.published)
    site_pages, listed = render_site_pages(project, theme, site.publication, site.published, lists)
    outputs = [*pages, icon, *figures, *site_pages]
    printed = {name for issue in site.published for name in print_files(issue)}
    held = site_files(project, site.published, outputs) | set(listed)
    outputs += keep_addresses(project, theme, site, held | printed)
    written = write_outputs(project, outputs, reporter)
    files = prune(project, [*before.files, *before.print_files], held, printed)
    warnings = [*site.diagnostics, *carried_warnings(project, before, site)]
    save_state(project, inputs, site, files, warnings, listed)
    return written


def _lists(
    project: Project, before: BuildState, inputs: Inputs, published: Sequence[Issue]
) -> Lists:
    """What the list pages in build/ were rendered from, and what each issue is made from now."""
    from bulletin.site.pages import Lists

    keys = {issue.date: issue_key(inputs, issue.date.isoformat()) for issue in published}
    build = str(project.build)
    return Lists(keys, before.lists, lambda path: os.path.isfile(os.path.join(build, path)))


def finish_site(project: Project, options: Options, reporter: Reporter) -> Result:
    """Make what the pages in build/ lack (as the last site build recorded them): the print
    products of the issues whose inputs changed since theirs were made, and the search index.
    Does nothing when the pages are being built meanwhile (their issues are not those cached):
    the next call finishes them. Returns the files written and the warnings of the site."""
    state = BuildState.load(project)
    site, done = state.site, printing.Printed((), ())
    index = options.search and (
        state.indexed_for != state.site or not _index_intact(project, state)
    )
    with ThreadPoolExecutor(max_workers=1) as beside:  # Pagefind runs while WeasyPrint does
        indexing = (
            beside.submit(index_search, project, state.files, state.search) if index else None
        )
        if options.pdf and not _printed(project, state, state.site):
            printed = print_site(project, state, options, reporter)
            if printed is None:
                return [], list(state.all_warnings)
            done, state = printed
            _stop_on_errors(state.print_warnings, options.strict)
        if indexing is not None:
            search = indexing.result()
            state = updating_state(
                project, lambda now: replace(now, indexed_for=site, search=search)
            )
    return list(done.written), list(state.all_warnings)


def print_site(
    project: Project, state: BuildState, options: Options, reporter: Reporter
) -> tuple[printing.Printed, BuildState] | None:
    """Make the print products of the published issues that `state` has as made from other
    inputs than those of its pages, or as missing a file; taking from the cache only those
    issues. Returns what was made and the state recording it; None when the cached issues are
    not those of the state (the pages are being built meanwhile)."""
    from bulletin.content.model import Issue

    inputs = Inputs(state.shared, state.issues, state.site)
    keys = {name: issue_key(inputs, name) for name in state.issues}
    checked = _unprinted(project, state, keys)
    issues = load_issues(project, inputs, checked, Issue)
    if issues is None:
        return None
    published = published_issues(issues, options.drafts)
    redo = printing.issues_to_print(project, published, state.printed, keys)
    done = printing.print_issues(project, _theme(project), redo, options.variant, reporter)
    return done, save_prints(project, state, keys, checked, published, done)


def _unprinted(project: Project, state: BuildState, keys: Mapping[str, str]) -> list[str]:
    """The issues whose print products were made from other inputs, or have a file missing."""
    missing = {name.split("/")[1] for name in state.print_files if not _intact(project, [name])}
    return [name for name in keys if state.printed.get(name) != keys[name] or name in missing]


def save_prints(
    project: Project,
    state: BuildState,
    keys: Mapping[str, str],
    checked: Sequence[str],
    published: Sequence[Issue],
    done: printing.Printed,
) -> BuildState:
    """Record that the print products of the site are those of its pages' inputs (`keys`):
    those of the issues not `checked` as they were, those of the published ones checked now;
    with WeasyPrint's warnings, of the files just made and, as earlier, of the others."""
    again = set(checked)
    made = {name: key for name, key in state.printed.items() if name in keys and name not in again}
    made |= {(name := issue.date.isoformat()): keys[name] for issue in published}
    kept_files = [name for name in state.print_files if name.split("/")[1] in made.keys() - again]
    files = tuple(sorted({*kept_files, *(f for issue in published for f in print_files(issue))}))
    remade = {project.shown(written.path) for written in done.written}
    shown = {project.shown(project.build / name) for name in files}
    kept = (w for w in state.print_warnings if w.path not in remade and w.path in shown)
    warnings = tuple(sorted({*done.warnings, *kept}))

    def recorded(now: BuildState) -> BuildState:
        return replace(
            now, printed=made, printed_for=state.site, print_files=files, print_warnings=warnings
        )

    return updating_state(project, recorded)


# Deciding what changed


@dataclass(frozen=True)
class Changes:
    """What a site build has to redo, from the last build's state and the inputs now.

    nothing: the same inputs, and every file of the last build still in build/ (its print
        products and search index too, when asked for): redo nothing.
    pages: the pages are to be built (else those in build/ are the pages of these inputs).
    stale: the folder names of the issues to read, check and model again, oldest first: all
        of them when a shared input changed, else those whose files changed or that the last
        build did not keep (new issues, drafts left out, issues built apart from the site).
    """

    nothing: bool
    pages: bool
    stale: tuple[str, ...]


def what_changed(
    project: Project, before: BuildState, inputs: Inputs, options: Options = Options()
) -> Changes:
    """Compare the inputs with those of the last build, and build/ with what it made."""
    same_shared = inputs.shared == before.shared
    stale = tuple(
        name
        for name, digest in inputs.issues.items()
        if not same_shared or before.issues.get(name) != digest
    )
    pages = inputs.site != before.site or not _intact(project, before.files)
    printed = not options.pdf or _printed(project, before, inputs.site)
    indexed = not options.search or (
        before.indexed_for == inputs.site and _index_intact(project, before)
    )
    return Changes(not pages and printed and indexed, pages, stale)


def _printed(project: Project, state: BuildState, site: str) -> bool:
    """Whether every print product of the site's issues was made for these inputs."""
    return state.printed_for == site and _intact(project, state.print_files)


def _intact(project: Project, files: Iterable[str]) -> bool:
    """Whether every one of these files (relative to build/) is there."""
    build = str(project.build)
    return all(os.path.isfile(os.path.join(build, name)) for name in files)


def _index_intact(project: Project, state: BuildState) -> bool:
    from bulletin.site.search import search_files

    return _intact(project, search_files(state.search))


def kept_warnings(before: BuildState, strict: bool) -> list[Diagnostic]:
    """The warnings of the last build, when nothing changed; raises ContentError if strict."""
    warnings = list(before.all_warnings)
    _stop_on_errors(warnings, strict)
    return warnings


def carried_warnings(project: Project, before: BuildState, site: SiteIssues) -> list[Diagnostic]:
    """The last build's warnings about the issues this one did not check again."""
    checked = set(site.modelled.issues) | site.modelled.left_out
    folders = [project.shown(project.issues / name) for name in site.issues if name not in checked]
    return [d for d in before.warnings if any(_inside(d.path, folder) for folder in folders)]


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


def issues_to_render(
    project: Project, published: Sequence[Issue], stale: Sequence[str]
) -> tuple[Issue, ...]:
    """The published issues whose pages are rendered: those modelled again from their files,
    and those with a page file gone from build/."""
    return tuple(
        issue
        for issue in published
        if issue.date.isoformat() in stale or not _intact(project, _issue_files(project, issue))
    )


def _issue_files(project: Project, issue: Issue) -> tuple[str, ...]:
    """What the site's pages hold of each issue, relative to build/: in its folder, page and
    figures; and each version of its PDF kept in the archive (its print products apart, see
    `printing.print_files`)."""
    from bulletin.archive.record import kept_versions

    figures = (figure.published for figure in issue.figures)
    versions = (path for path, _ in kept_versions(project, issue))
    return (*(issue.path + name for name in ("index.html", *figures)), *versions)


# Rendering


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
    project: Project,
    theme: Theme,
    publication: Publication,
    issues: Sequence[Issue],
    lists: Lists | None = None,
) -> tuple[tuple[Output, ...], dict[str, str]]:
    """The pages around the published issues: archive, body pages, search, 404, feed, sitemap;
    but the list pages `lists` has as made from the same issues. Returns them, and what each
    list page is made from (rendered or not)."""
    from bulletin.site.pages import Lists, render_site_since

    start = time.perf_counter()
    with theme.errors(project.shown):
        site = render_site_since(publication, issues, theme, lists or Lists())
    seconds = (time.perf_counter() - start) / max(len(site.pages), 1)
    pages = tuple(Output(project.build / page.path, page.data, seconds) for page in site.pages)
    return pages, site.lists


# Writing, pruning, indexing, remembering


def write_outputs(project: Project, outputs: Sequence[Output], reporter: Reporter) -> list[Written]:
    """Write every output, all or none (see `write.write_all`), then report each."""
    write_all([(output.path, output.data) for output in outputs], project.shown(project.build))
    written = [Written(output.path, len(output.data), output.seconds) for output in outputs]
    for file in written:
        reporter.wrote(file.path, file.size, file.seconds)
    return written


def site_files(project: Project, issues: Sequence[Issue], outputs: Sequence[Output]) -> set[str]:
    """Every page file the site holds after this build, relative to build/: those of its
    issues, and the outputs."""
    held = {name for issue in issues for name in _issue_files(project, issue)}
    return held | {o.path.relative_to(project.build).as_posix() for o in outputs}


def prune(
    project: Project, before: Iterable[str], held: set[str], printed: set[str]
) -> tuple[str, ...]:
    """Remove what an earlier build wrote and the site no longer holds, neither as a page file
    (`held`) nor as a print product (`printed`): an issue now a draft, a body no longer named,
    an issue built alone by date. Return the page files, relative to build/, sorted."""
    for name in set(before) - held - printed:
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


def index_search(
    project: Project, files: Iterable[str], before: Mapping[str, str]
) -> dict[str, str]:
    """The issue pages among the site's files, by year, into the site's search
    (`site.search`), which indexes again only the years whose pages changed; returns what the
    next build compares."""
    from bulletin.site.search import index_for_search

    pages: dict[str, list[str]] = {}
    for name in files:
        if ISSUE_PAGE.fullmatch(name):
            pages.setdefault(name.split("/")[1][:4], []).append(name)
    return index_for_search(project, pages, before)


ISSUE_PAGE = re.compile(r"issues/[0-9]{4}-[0-9]{2}-[0-9]{2}/index\.html")


def save_state(
    project: Project,
    inputs: Inputs,
    site: SiteIssues,
    files: Sequence[str],
    warnings: Sequence[Diagnostic],
    lists: Mapping[str, str] | None = None,
) -> BuildState:
    """Cache the issues modelled in this build, then record what it made from which inputs
    (drafts left out are not recorded, so the next build checks them again)."""
    store_issues(project, inputs, site.modelled.issues)
    left_out = site.modelled.left_out
    issues = {name: digest for name, digest in inputs.issues.items() if name not in left_out}

    def recorded(now: BuildState) -> BuildState:
        shared, site = inputs.shared, inputs.site
        return replace(now, shared=shared, site=site, issues=issues, files=tuple(files),
                       warnings=tuple(warnings), lists=dict(lists or {}))  # fmt: skip

    return updating_state(project, recorded)


def forget_in_site(project: Project, names: Sequence[str]) -> None:
    """Make the next site build render these issues again, since they were built apart from
    it (a draft, another PDF variant)."""
    updating_state(project, lambda state: state.forget(names))


def _theme(project: Project) -> Theme:
    """The project's theme, one for each templates folder in a process, its templates kept
    compiled in the project's cache: a long-lived process (the preview) compiles each template
    once, and again only when its file changes (jinja2 checks each template's modification time
    when it is asked for)."""
    from bulletin.render.html import Theme

    compiled = project.root / FOLDER / "templates"
    return _THEMES.setdefault(project.templates, Theme(project.templates, compiled))


_THEMES: dict[Path, Theme] = {}


def _stop_on_errors(diagnostics: Sequence[Diagnostic], strict: bool) -> None:
    if has_errors(diagnostics, strict):
        raise ContentError(diagnostics)


def _timed(path: Path, make: Callable[[], str | bytes]) -> Output:
    start = time.perf_counter()
    data = make()
    payload = data.encode("utf-8") if isinstance(data, str) else data
    return Output(path, payload, time.perf_counter() - start)
