"""What the last site build made from which inputs, so that a rebuild redoes only what changed.

Inputs are fingerprinted by path, size and modification time (no file is read), so finding
that nothing changed costs a few stat calls per file. Checked issues are kept pickled.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bulletin
from bulletin.project import Project
from bulletin.write import write_atomic

FOLDER = ".bulletin-cache"


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
    """Everything every issue depends on: shared content, templates, bulletin's own code."""
    code = list(Path(bulletin.__file__).parent.rglob("*.py"))
    shared = [p for p in project.content.glob("*") if p.is_file()]
    return fingerprint([*shared, *files_under(project.templates), *code], *settings)


@dataclass
class BuildCache:
    """The cache of one project: input fingerprints, the files written, pickled issues."""

    folder: Path
    state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, project: Project) -> BuildCache:
        folder = project.root / FOLDER
        with contextlib.suppress(OSError, ValueError):
            return cls(folder, json.loads((folder / "state.json").read_text(encoding="utf-8")))
        return cls(folder)

    def get(self, key: str) -> Any:
        return self.state.get(key)

    def issue(self, name: str) -> Any:
        """The pickled issue of that folder name, or None."""
        with contextlib.suppress(
            OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError
        ):
            return pickle.loads((self.folder / f"{name}.pickle").read_bytes())
        return None

    def store_issue(self, name: str, issue: Any) -> None:
        write_atomic(self.folder / f"{name}.pickle", pickle.dumps(issue))

    def forget(self, names: Iterable[str]) -> None:
        """Make the next site build render these issues again (built apart from it)."""
        issues = dict(self.state.get("issues") or {})
        if self.state and any(issues.pop(name, None) for name in list(names)):
            self.save(**(self.state | {"issues": issues, "site": None}))

    def save(self, **state: Any) -> None:
        self.state = state
        write_atomic(self.folder / "state.json", json.dumps(state, indent=1).encode("utf-8"))
