"""The model stage of a build: issues read, checked and typed, or taken from the cache.

`model_issues` is the one function that calls `bulletin.content`; what it hands on is typed
and frozen, so the rest of the build never sees raw content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bulletin.diagnostics import Diagnostic, Severity, has_errors
from bulletin.errors import ContentError
from bulletin.project import Project
from bulletin.site.cache import Inputs, load_issues

if TYPE_CHECKING:  # imported when a build models issues, not with the CLI
    from bulletin.content.model import Issue, Publication
    from bulletin.content.validate import Checked


@dataclass(frozen=True)
class Modelled:
    """Issues read from their files, checked and modelled.

    issues: each issue by folder name, in the order asked for; drafts left out are not in it.
    publication: the publication's settings, from the shared files.
    diagnostics: what the check found, sorted: warnings only, since errors stop the build.
    left_out: the folder names of the drafts left out of the site because their check failed
        (each has one warning in `diagnostics` instead of its problems).
    """

    issues: Mapping[str, Issue]
    publication: Publication
    diagnostics: tuple[Diagnostic, ...]
    left_out: frozenset[str]


@dataclass(frozen=True)
class SiteIssues:
    """Every issue of the site, typed.

    issues: each issue by folder name, oldest first, modelled from its files or taken from the
        cache; drafts left out are not in it.
    published: the issues the site shows, oldest first: drafts only when asked for.
    modelled: those modelled from their files in this build, to cache for the next one.
    """

    issues: Mapping[str, Issue]
    published: tuple[Issue, ...]
    modelled: Modelled

    @property
    def publication(self) -> Publication:
        return self.modelled.publication

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return self.modelled.diagnostics


BATCH = 100
"""Issues read and checked at a time: what is read of them (files, tokens) is let go before the
next ones, so a first build of a large archive holds their models, not all their files."""


def model_issues(project: Project, names: Sequence[str], *, strict: bool, drafts: bool) -> Modelled:
    """Read, check and model the issues of these folder names, with the shared files, `BATCH`
    at a time.

    Raises ContentError when the check finds errors in any (or warnings, when strict). Without
    `drafts`, a draft whose check fails is left out with one warning, so that an unfinished
    issue never stops the site; with it, drafts are checked like any issue.
    """
    batches = [names[start : start + BATCH] for start in range(0, len(names), BATCH)] or [[]]
    parts = [_model_batch(project, batch, drafts) for batch in batches]
    diagnostics = sorted({d for part in parts for d in part.diagnostics})  # shared files: once
    if has_errors(diagnostics, strict):
        raise ContentError(diagnostics)
    issues = {name: issue for part in parts for name, issue in part.issues.items()}
    left_out = frozenset(name for part in parts for name in part.left_out)
    return Modelled(issues, parts[0].publication, tuple(diagnostics), left_out)


def _model_batch(project: Project, names: Sequence[str], drafts: bool) -> Modelled:
    """Some issues read, checked and modelled, with their diagnostics, errors included."""
    from bulletin.content.read import read_project
    from bulletin.content.validate import validate

    checked = validate(read_project(project, [project.issues / name for name in names]))
    left_out = frozenset() if drafts else _failing_drafts(project, checked)
    diagnostics = _without(project, checked, left_out)
    if checked.publication is None:  # the shared files failed: their errors say why
        raise ContentError(diagnostics)
    issues = {
        name: checked.issues[name]
        for name in checked.folders
        if name in checked.issues and name not in left_out  # those with errors are not
    }
    return Modelled(issues, checked.publication, tuple(diagnostics), left_out)


def model_site(
    project: Project, inputs: Inputs, stale: Sequence[str], *, strict: bool, drafts: bool
) -> SiteIssues:
    """Model the stale issues from their files and take the others from the cache. When a
    cached issue is missing or damaged, every issue is modelled from its files, in one pass."""
    from bulletin.content.model import Issue

    unchanged = [name for name in inputs.issues if name not in stale]
    cached = load_issues(project, inputs, unchanged, Issue)
    names = stale if cached is not None else list(inputs.issues)
    modelled = model_issues(project, names, strict=strict, drafts=drafts)
    found = {**(cached or {}), **modelled.issues}
    issues = {name: found[name] for name in inputs.issues if name in found}
    return SiteIssues(issues, published_issues(issues, drafts), modelled)


def published_issues(issues: Mapping[str, Issue], drafts: bool) -> tuple[Issue, ...]:
    """The issues the site shows, in the order given: drafts only when asked for."""
    return tuple(issue for issue in issues.values() if drafts or not issue.draft)


def _failing_drafts(project: Project, checked: Checked) -> frozenset[str]:
    """The drafts among the issues checked that have errors."""
    errors = [d for d in checked.diagnostics if d.severity is Severity.ERROR]
    return frozenset(
        name for name in checked.drafts if any(_inside(d, _shown(project, name)) for d in errors)
    )


def _without(project: Project, checked: Checked, left_out: frozenset[str]) -> list[Diagnostic]:
    """The diagnostics, those of drafts left out replaced by one warning each."""
    kept = list(checked.diagnostics)
    for name in sorted(left_out):
        shown = _shown(project, name)
        mine = [d for d in kept if _inside(d, shown)]
        kept = [d for d in kept if d not in mine]
        message = (
            f"draft left out of the site: {len(mine)} problem(s); "
            f"'bulletin check {name}' lists them"
        )
        kept.append(Diagnostic(f"{shown}/issue.md", 1, Severity.WARNING, "", message))
    return sorted(kept)


def _shown(project: Project, name: str) -> str:
    return project.shown(project.issues / name)


def _inside(diagnostic: Diagnostic, folder: str) -> bool:
    return diagnostic.path == folder or diagnostic.path.startswith(folder + "/")
