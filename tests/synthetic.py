"""Synthetic issues made from the sample issue, for site tests and the site benchmark."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

SAMPLE = "2021-11-02"
REPO = Path(__file__).resolve().parents[1]


def add_issue(root: Path, date: dt.date, *, draft: bool = False, word: str = "") -> Path:
    """Copy the sample issue to content/issues/DATE/, dated DATE; its headlines name the date,
    and `word` (if given) is added to the first item's comment. Returns the issue folder."""
    issues = root / "content" / "issues"
    folder = issues / date.isoformat()
    shutil.copytree(issues / SAMPLE, folder)
    issue = folder / "issue.md"
    text = issue.read_text(encoding="utf-8").replace(f"date: {SAMPLE}", f"date: {date}")
    issue.write_text(text.replace("---\n", f"---\ndraft: {str(draft).lower()}\n", 1), "utf-8")
    for item in (folder / "top").glob("*.md"):
        text = item.read_text(encoding="utf-8")
        text = re.sub(r"^title: (.*)$", rf"title: \1 ({date:%d %B %Y})", text, count=1, flags=re.M)
        if word and item.name.startswith("01-"):
            text = text.replace("## Comment\n\n", f"## Comment\n\nA note on {word}.\n\n", 1)
        item.write_text(text, encoding="utf-8")
    return folder


def make_archive(root: Path, count: int) -> None:
    """A project at `root` of the repository's content and templates and `count` issues in
    all: the sample, then one a week after it, each a copy (see `add_issue`)."""
    shutil.copytree(REPO / "content", root / "content", dirs_exist_ok=True)
    shutil.copytree(REPO / "templates", root / "templates", dirs_exist_ok=True)
    first = dt.date.fromisoformat(SAMPLE)
    for week in range(1, count):
        add_issue(root, first + dt.timedelta(weeks=week))
