"""Where a project keeps its content, templates and output; names made from content."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from bulletin.diagnostics import display_path
from bulletin.errors import ConfigError


@dataclass(frozen=True)
class Project:
    """A bulletin project folder: content/, templates/ and build/ under one root."""

    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def issues(self) -> Path:
        return self.content / "issues"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def archive(self) -> Path:
        """The archive of record: what each issue was when it went out (docs/corrections.md)."""
        return self.root / "archive"

    def record(self, name: str) -> Path:
        """The record of the issue in folder `name` (archive/NAME/record.json)."""
        return self.archive / name / "record.json"

    def shown(self, path: Path) -> str:
        return display_path(path, self.root)

    def link_out(self, path: Path) -> Path | None:
        """The symlink through which `path` leads out of the project (the file itself or a
        folder on the way), or None when it stays inside."""
        if _inside(path.resolve(), self.root):
            return None
        step = self.root
        for part in path.relative_to(self.root).parts:
            step = step / part
            if step.is_symlink() and not _inside(step.resolve(), self.root):
                return step
        return path

    def issue_folder(self, date: dt.date) -> Path:
        return self.issues / date.isoformat()

    def issue_names(self) -> list[str]:
        """Names of all issue folders, oldest first."""
        if not self.issues.is_dir():
            return []
        folders = (p for p in self.issues.iterdir() if p.is_dir() and not p.name.startswith("."))
        return sorted(p.name for p in folders)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


RESERVED_ANCHORS = frozenset(
    {"content", "contents-title", "top", "top-title", "worth-noting", "worth-noting-title"}
    | {"corrections", "corrections-title"}  # the notice of a corrected issue
)
"""Ids the templates use for themselves; no item or group may take them."""
NUMBERED_ANCHORS = re.compile(r"(?:fn|fnref|table|correction)-\d+(?:-\d+)?")
"""Ids the bodies give their notes, references to notes and tables (fn-3, fnref-3-2,
table-1), and the pages their corrections (correction-1); no item or group may take one."""


def slugify(text: str) -> str:
    """Lowercase words joined by hyphens, for file names and anchors (any script's letters
    are kept: 'Policy news' -> 'policy-news', '政策新闻' -> '政策新闻')."""
    return re.sub(r"[\W_]+", "-", text.lower()).strip("-")


def item_anchor(path: Path) -> str:
    """A Top-5 item's anchor: its file name without the number, 01-carbon-neutrality.md ->
    carbon-neutrality. Stable as long as the file keeps its name."""
    return slugify(re.sub(r"^\d+[-_ ]*", "", path.stem)) or slugify(path.stem)


def find_project(root: Path) -> Project:
    """The project at `root`, or a clear error when it is not one."""
    project = Project(root.resolve())
    if not (project.content / "publication.yaml").is_file():
        raise ConfigError(
            str(root),
            "not a bulletin project (no content/publication.yaml)",
            "run bulletin in the project folder or pass --project DIR",
        )
    return project


def parse_date(text: str) -> dt.date:
    """An issue date given on the command line, or a one-line error."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"DATE {text!r}", "not a real date", "write it as YYYY-MM-DD, e.g. 2021-11-02"
        ) from None


def require_issue(project: Project, date: dt.date) -> Path:
    """The folder of an existing issue, or a one-line error saying what exists."""
    folder = project.issue_folder(date)
    if not folder.is_dir():
        known = ", ".join(project.issue_names()) or "none yet"
        raise ConfigError(
            project.shown(folder),
            f"no issue dated {date.isoformat()} (issues: {known})",
            f"start one with 'bulletin new {date.isoformat()}'",
        )
    return folder
