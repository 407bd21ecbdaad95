"""Scaffold a new issue folder from the schema, with a hint for every field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from bulletin.errors import BulletinError
from bulletin.project import Project
from bulletin.read import ReadError, read_markdown
from bulletin.schema import ISSUE, TOP_ITEM, TOP_ITEM_SECTIONS, WORTH_NOTING, Field, Kind
from bulletin.write import write_atomic

TOP_ITEMS = 5


def scaffold_issue(project: Project, date: dt.date) -> list[Path]:
    """Create content/issues/DATE/ with issue.md, five Top-5 items and worth-noting.md."""
    folder = project.issue_folder(date)
    if folder.exists():
        raise BulletinError(
            f"{project.shown(folder)}: error: the issue already exists: "
            "edit its files, or pick another date"
        )
    team = _latest_team(project, date)
    files = {folder / "issue.md": _front_matter(ISSUE, {"date": date, **team})}
    for rank in range(1, TOP_ITEMS + 1):
        body = "".join(f"\n## {s.title}\n\nTODO: {s.doc}\n" for s in TOP_ITEM_SECTIONS)
        files[folder / "top" / f"{rank:02d}-item-{rank}.md"] = (
            _front_matter(TOP_ITEM, {"rank": rank}) + body
        )
    files[folder / "worth-noting.md"] = _front_matter(WORTH_NOTING, {})
    for path, text in files.items():
        write_atomic(path, text.encode("utf-8"))
    return list(files)


def _latest_team(project: Project, date: dt.date) -> dict[str, Any]:
    """Authors and editors of the latest issue before `date`, to carry over."""
    earlier = [name for name in project.issue_names() if name < date.isoformat()]
    for name in reversed(earlier):
        try:
            data = read_markdown(project.issues / name / "issue.md", name).data
        except (ReadError, OSError):
            continue
        if isinstance(data, dict):
            return {key: data[key] for key in ("authors", "editors") if data.get(key)}
    return {}


def _front_matter(fields: tuple[Field, ...], values: dict[str, Any]) -> str:
    return "---\n" + "".join(_lines(fields, values, "")) + "---\n"


def _lines(fields: tuple[Field, ...], values: dict[str, Any], indent: str) -> list[str]:
    lines: list[str] = []
    for spec in fields:
        if not spec.required:
            lines.append(f"{indent}# {spec.name}: optional, {spec.doc}\n")
            continue
        value = values.get(spec.name)
        lines += _field_lines(spec, value, indent)
    return lines


def _field_lines(spec: Field, value: Any, indent: str) -> list[str]:
    hint = f"  # {spec.doc}: {spec.kind.value}"
    if spec.kind is Kind.MAPPING and spec.many:
        items = value or [{}]
        lines = [f"{indent}{spec.name}:{hint}\n"]
        for item in items:
            inner = _lines(spec.fields, item, indent + "    ")
            lines += [indent + "  - " + inner[0].lstrip(), *inner[1:]]
        return lines
    if spec.kind is Kind.MAPPING:
        return [f"{indent}{spec.name}:{hint}\n", *_lines(spec.fields, {}, indent + "  ")]
    if spec.many:
        shown = "[" + ", ".join(map(str, value)) + "]" if value else "[]"
        return [f"{indent}{spec.name}: {shown}{hint}\n"]
    if isinstance(value, dt.date):
        value = value.isoformat()
    shown = "" if value is None else f" {value}"
    return [f"{indent}{spec.name}:{shown}{hint}\n"]
