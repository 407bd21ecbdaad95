"""What the last site build made from which inputs, so that a rebuild redoes only what changed.

Inputs are fingerprinted by path, size and modification time (no file is read), so finding
that nothing changed costs a few stat calls per file. The state of the last build is
`.bulletin-cache/state.json`; each modelled issue is pickled beside it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping
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


def fingerprint(files: Iterable[tuple[str, os.stat_result]], *extra: str) -> str:
    """A digest of the files' paths, sizes and modification times, and of `extra` strings."""
    digest = hashlib.sha1(usedforsecurity=False)
    for path, stat in sorted(files):
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for text in extra:
        digest.update(text.encode())
    return digest.hexdigest()


Seen = list[tuple[str, int, int]]
"""What fingerprinting the inputs looked at: each file and folder with its size (`A_FOLDER` for
a folder, `NOTHING` where there was none) and modification time in nanoseconds."""
A_FOLDER, NOTHING = -1, -2


def files_under(
    folder: str | Path, seen: Seen | None = None, skip: Collection[str] = ()
) -> list[tuple[str, os.stat_result]]:
    """Every file below a folder (none if it does not exist), with its status, except in the
    folders named in `skip` (by path or name); each file and folder looked at is added to
    `seen`. `os.scandir` gives both for a few microseconds a file, a tenth of pathlib's cost."""
    seen = [] if seen is None else seen
    try:
        entries = os.scandir(folder)
        seen.append((str(folder), A_FOLDER, os.stat(folder).st_mtime_ns))
    except (FileNotFoundError, NotADirectoryError):
        seen.append((str(folder), NOTHING, 0))
        return []
    found: list[tuple[str, os.stat_result]] = []
    with entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in skip and entry.path not in skip:
                    found += files_under(entry.path, seen, skip)
            elif entry.is_file():
                status = entry.stat()
                found.append((entry.path, status))
                seen.append((entry.path, status.st_size, status.st_mtime_ns))
    return found


_CODE = os.path.dirname(bulletin.__file__)


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
    """The first stage of a site build: fingerprint every input (a stat call a file), or, when
    no file or folder changed since the last time, take the fingerprints of the last time (see
    `remembered_inputs`)."""
    settings = (variant, str(drafts))
    known = remembered_inputs(project, settings)
    if known is not None:
        return known
    seen: Seen = []
    issues, archive = str(project.issues), str(project.archive)
    code = [(path, stat) for path, stat in files_under(_CODE, seen, ("__pycache__",))
            if path.endswith(".py")]  # fmt: skip
    shared = files_under(project.content, seen, (issues,))
    shared += files_under(project.templates, seen)
    shared_print = fingerprint([*shared, *code], variant)
    seen.append((issues, A_FOLDER, _mtime(issues)))  # before listing it: a later change shows
    names = project.issue_names()
    prints = {
        name: fingerprint(
            [
                *files_under(os.path.join(issues, name), seen),
                *files_under(os.path.join(archive, name), seen),
            ]
        )
        for name in names
    }
    recorded = fingerprint(files_under(archive, seen))
    parts = (shared_print, recorded, str(drafts), *(f"{n}={p}" for n, p in prints.items()))
    inputs = Inputs(shared_print, prints, fingerprint([], *parts))
    remember_inputs(project, settings, inputs, seen)
    return inputs


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


RECENT_NS = 2_000_000_000
"""A file changed this recently may change again within the same tick of the clock, keeping
its size and time: inputs seen with one are not remembered."""


def remember_inputs(
    project: Project, settings: tuple[str, ...], inputs: Inputs, seen: Seen
) -> None:
    """Keep the fingerprints with the status of every file and folder they were made from
    (`.bulletin-cache/inputs.pickle`), unless one changed in the last two seconds."""
    recent = time.time_ns() - RECENT_NS
    if any(mtime > recent for _, _, mtime in seen):
        return
    folders = {path for path, size, _ in seen if size in (A_FOLDER, NOTHING)}
    # a missing folder inside one seen is noticed by that one's time when it is made
    kept = [s for s in seen if s[1] != NOTHING or os.path.dirname(s[0]) not in folders]
    data = (VERSION, settings, inputs.shared, dict(inputs.issues), inputs.site, kept)
    with contextlib.suppress(OSError):  # only a cache: the next build fingerprints again
        write_atomic(project.root / FOLDER / "inputs.pickle", pickle.dumps(data, protocol=5))


def remembered_inputs(project: Project, settings: tuple[str, ...]) -> Inputs | None:
    """The inputs remembered by the last fingerprinting with these settings, when every file
    and folder it saw has the same size and time (so none was changed, added or removed): a
    stat call for each, and no folder listed. None otherwise."""
    try:
        data = pickle.loads((project.root / FOLDER / "inputs.pickle").read_bytes())
    except Exception:  # missing or damaged: fingerprint from the files
        return None
    match data:
        case (int(version), tuple(known), str(shared), dict(issues), str(site), list(seen)):
            if version != VERSION or known != settings or not _unchanged(seen):
                return None
            return Inputs(shared, issues, site)
    return None


def _unchanged(seen: Seen) -> bool:
    """Whether every file and folder still has the size and time it had."""
    for path, size, mtime in seen:
        try:
            status = os.stat(path)
        except OSError:
            if size != NOTHING:
                return False
            continue
        if size == NOTHING or status.st_mtime_ns != mtime:
            return False
        if size != A_FOLDER and status.st_size != size:
            return False
    return True


@dataclass(frozen=True)
class BuildState:
    """What the last site build made, and from which inputs; empty before the first.

    A site build has three parts, each recorded when it is done: the pages (HTML, figures,
    feed...), the print products of each issue (PDF, social card, PNG copies of its SVG
    figures: what WeasyPrint makes, slow, so the preview does them after the pages) and the
    search index.

    shared: the `Inputs.shared` the pages were built from ("" when unknown: all is stale).
    site: the `Inputs.site` the pages were built from ("" when the next build must not stop at
        "nothing changed", e.g. after an issue was built apart from the site).
    issues: the fingerprint of each issue folder whose modelled issue is cached, by name.
    files: every page file the site holds, relative to build/, sorted.
    warnings: what the check warned about, reported again when nothing changed.
    printed: for each issue whose print products are in build/, what they were made from
        (`issue_key`), by folder name.
    printed_for: the `Inputs.site` for which every published issue's print products were
        made ("" when some are missing or older).
    print_files: the print products in build/, relative to it, sorted.
    print_warnings: what WeasyPrint warned about while making them.
    indexed_for: the `Inputs.site` the search index was made for ("" when none).
    search: the fingerprint of each year's pages in the search index, by year (`search`).
    lists: what each list page (the archive and body pages, latest or by year) was rendered
        from, by path (`pages.Lists`), so that a build renders only those whose issues changed.
    """

    shared: str = ""
    site: str = ""
    issues: Mapping[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    printed: Mapping[str, str] = field(default_factory=dict)
    printed_for: str = ""
    print_files: tuple[str, ...] = ()
    print_warnings: tuple[Diagnostic, ...] = ()
    indexed_for: str = ""
    search: Mapping[str, str] = field(default_factory=dict)
    lists: Mapping[str, str] = field(default_factory=dict)

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
            "printed": dict(self.printed),
            "printed_for": self.printed_for,
            "print_files": list(self.print_files),
            "print_warnings": [warning.to_json() for warning in self.print_warnings],
            "indexed_for": self.indexed_for,
            "search": dict(self.search),
            "lists": dict(self.lists),
        }
        write_atomic(project.root / FOLDER / "state.json", json.dumps(data, indent=1).encode())

    @property
    def all_warnings(self) -> tuple[Diagnostic, ...]:
        """The check's warnings and WeasyPrint's, sorted."""
        return tuple(sorted({*self.warnings, *self.print_warnings}))

    def forget(self, names: Collection[str]) -> BuildState:
        """This state without these issues and matching no site, so that the next site build
        renders them again (they were built apart from it); itself when it has none of them."""
        if not any(name in self.issues or name in self.printed for name in names):
            return self
        issues = {name: value for name, value in self.issues.items() if name not in names}
        printed = {name: value for name, value in self.printed.items() if name not in names}
        return replace(self, site="", issues=issues, printed=printed, printed_for="")


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
            "printed": dict(printed),
            "printed_for": str(printed_for),
            "print_files": list(print_files),
            "print_warnings": list(print_warnings),
            "indexed_for": str(indexed_for),
            "search": dict(search),
            "lists": dict(lists),
        } if version == VERSION:
            pass
        case _:
            return None
    names = [*issues, *issues.values(), *files, *printed, *printed.values(), *print_files]
    names += [*search, *search.values(), *lists, *lists.values()]
    if not all(isinstance(value, str) for value in names):
        return None
    try:
        kept = tuple(Diagnostic.from_json(row) for row in warnings)
        printing = tuple(Diagnostic.from_json(row) for row in print_warnings)
    except (KeyError, TypeError, ValueError):
        return None
    pages = (shared, site, issues, tuple(files), kept)
    prints = (printed, printed_for, tuple(print_files), printing)
    return BuildState(*pages, *prints, indexed_for, search, lists)


def updating_state(project: Project, change: Callable[[BuildState], BuildState]) -> BuildState:
    """Save `change` of the project's build state as it is now, with no other build changing
    it meanwhile (the preview finishes the print products while building the next pages, and
    a `bulletin build` may run beside it); return the state saved."""
    folder = project.root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "state.lock", "a") as lock, _LOCK:
        fcntl.flock(lock, fcntl.LOCK_EX)
        now = BuildState.load(project)
        after = change(now)
        if after != now:
            after.save(project)
        return after


_LOCK = threading.Lock()
"""flock excludes other processes; this, the other threads of this one."""


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


_LOADED: dict[str, tuple[tuple[int, int], str, object]] = {}
"""The issues this process unpickled or pickled, by pickle file, with the file's size and time
and their key: a long-lived process (the preview) unpickles each issue once, and again only
when its file changed."""


def _unpickle(path: Path, key: str) -> object:
    """What was pickled at `path` with `key`, or None."""
    try:
        status = os.stat(path)
        signature = (status.st_size, status.st_mtime_ns)
        match _LOADED.get(str(path)):
            case (known, stored_key, issue) if known == signature:
                return issue if stored_key == key else None
        stored = pickle.loads(path.read_bytes())
    except Exception:  # a damaged pickle fails in many ways; each means "model it again"
        return None
    match stored:
        case (str(stored_key), issue):
            _LOADED[str(path)] = (signature, stored_key, issue)
            return issue if stored_key == key else None
    return None


def store_issues(project: Project, inputs: Inputs, issues: Mapping[str, object]) -> None:
    """Cache modelled issues, by folder name, each with what it was modelled from."""
    folder = project.root / FOLDER
    pickles = [
        (folder / f"{name}.pickle", pickle.dumps((issue_key(inputs, name), issue)))
        for name, issue in issues.items()
    ]
    write_all(pickles)
