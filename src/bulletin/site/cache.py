"""What the last site build made from which inputs, so that a rebuild redoes only what changed.

Inputs are fingerprinted by path, size and modification time (no file is read), so finding
that nothing changed costs a few stat calls per file. The state of the last build is
`.bulletin-cache/state.json`; each modelled issue is pickled beside it.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import bulletin
from bulletin.diagnostics import Diagnostic
from bulletin.project import Project
from bulletin.write import write_all, write_atomic

FOLDER = ".bulletin-cache"
VERSION = 3
"""The shape of state.json; a state of any other shape (or none, before 2) loads as empty."""

T = TypeVar("T")


def fingerprint(paths: Iterable[Path], *extra: str) -> str:
    """A digest of the files' paths, sizes and modification times, and of `extra` strings."""
    digest = hashlib.sha1(usedforsecurity=False)
    for path in sorted(paths):
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for text in extra:
        digest.update(text.encode())
    return digest.hexdigest()


def files_under(folder: Path) -> list[Path]:
    """Every file below a folder (none if it does not exist)."""
    return [path for path in folder.rglob("*") if path.is_file()] if folder.is_dir() else []


def shared_fingerprint(project: Project, *settings: str) -> str:
    """Everything every issue depends on: shared content (every file of content/ outside the
    issues, such as the icon), templates, bulletin's own code."""
    code = list(Path(bulletin.__file__).parent.rglob("*.py"))
    shared = [p for p in project.content.glob("*") if p.is_file()]
    shared += [p for d in project.content.glob("*") if d.is_dir() and d != project.issues
               for p in files_under(d)]  # fmt: skip
    return fingerprint([*shared, *files_under(project.templates), *code], *settings)


@dataclass(frozen=True)
class Inputs:
    """The fingerprints of what a site build is made from.

    shared: what every issue depends on: the shared content files, the templates, bulletin's
        own code and the PDF variant.
    issues: the files of each issue folder, by folder name, oldest first.
    site: all of the above and whether drafts are on the site: the same means the same site.
    """

    shared: str
    issues: Mapping[str, str]
    site: str


def fingerprint_inputs(project: Project, variant: str, drafts: bool) -> Inputs:
    """The first stage of a site build: fingerprint every input (a few stat calls a file)."""
    shared = shared_fingerprint(project, variant)
    names = project.issue_names()
    issues = {
        name: fingerprint(
            [*files_under(project.issues / name), *files_under(project.archive / name)]
        )
        for name in names
    }
    recorded = fingerprint(files_under(project.archive))
    site = fingerprint([], shared, recorded, str(drafts), *(f"{n}={p}" for n, p in issues.items()))
    return Inputs(shared, issues, site)


@dataclass(frozen=True)
class BuildState:
    """What the last site build made, and from which inputs; empty before the first.

    shared: the `Inputs.shared` it was built from ("" when unknown: everything is stale).
    site: the `Inputs.site` it was built from ("" when the next build must not stop at
        "nothing changed", e.g. after an issue was built apart from the site).
    issues: the fingerprint of each issue folder whose modelled issue is cached, by name.
    files: every file the site holds, relative to build/, sorted.
    warnings: what that build warned about, reported again when nothing changed.
    search: the fingerprint of each year's pages in the search index, by year (`search`).
    """

    shared: str = ""
    site: str = ""
    issues: Mapping[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    search: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, project: Project) -> BuildState:
        """The state of the project's last site build; empty (a full rebuild) when there is
        none, or it cannot be read, or it is of another shape."""
        try:
            text = (project.root / FOLDER / "state.json").read_text(encoding="utf-8")
            return _parse(json.loads(text)) or cls()
        except (OSError, ValueError, RecursionError):
            return cls()

    def save(self, project: Project) -> None:
        data = {
            "version": VERSION,
            "shared": self.shared,
            "site": self.site,
            "issues": dict(self.issues),
            "files": list(self.files),
            "warnings": [warning.to_json() for warning in self.warnings],
            "search": dict(self.search),
        }
        write_atomic(project.root / FOLDER / "state.json", json.dumps(data, indent=1).encode())

    def forget(self, names: Collection[str]) -> BuildState:
        """This state without these issues and matching no site, so that the next site build
        renders them again (they were built apart from it); itself when it has none of them."""
        if not any(name in self.issues for name in names):
            return self
        issues = {name: value for name, value in self.issues.items() if name not in names}
        return replace(self, site="", issues=issues)


def _parse(data: object) -> BuildState | None:
    """The state in the JSON of state.json, or None when it is not of the current shape."""
    match data:
        case {
            "version": int(version),
            "shared": str(shared),
            "site": str(site),
            "issues": dict(issues),
            "files": list(files),
            "warnings": list(warnings),
            "search": dict(search),
        } if version == VERSION:
            pass
        case _:
            return None
    strings = [*issues, *issues.values(), *files, *search, *search.values()]
    if not all(isinstance(value, str) for value in strings):
        return None
    try:
        kept = tuple(Diagnostic.from_json(row) for row in warnings)
    except (KeyError, TypeError, ValueError):
        return None
    return BuildState(shared, site, issues, tuple(files), kept, search)


def issue_key(inputs: Inputs, name: str) -> str:
    """What a cached issue was modelled from: the shared inputs and its folder's files."""
    return f"{inputs.shared} {inputs.issues[name]}"


def load_issues(
    project: Project, inputs: Inputs, names: Iterable[str], kind: type[T]
) -> dict[str, T] | None:
    """The cached issues of these folder names, each of `kind` and modelled from the current
    inputs; None when any is missing or damaged (then model them again from the files)."""
    issues = {}
    for name in names:
        issue = _unpickle(project.root / FOLDER / f"{name}.pickle", issue_key(inputs, name))
        if not isinstance(issue, kind):
            return None
        issues[name] = issue
    return issues


def _unpickle(path: Path, key: str) -> object:
    """What was pickled at `path` with `key`, or None."""
    try:
        stored = pickle.loads(path.read_bytes())
    except Exception:  # a damaged pickle fails in many ways; each means "model it again"
        return None
    match stored:
        case (str(stored_key), issue) if stored_key == key:
            return issue
    return None


def store_issues(project: Project, inputs: Inputs, issues: Mapping[str, object]) -> None:
    """Cache modelled issues, by folder name, each with what it was modelled from."""
    folder = project.root / FOLDER
    pickles = [
        (folder / f"{name}.pickle", pickle.dumps((issue_key(inputs, name), issue)))
        for name, issue in issues.items()
    ]
    write_all(pickles)
