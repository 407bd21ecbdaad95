"""Scaffold a new issue folder from the schema, with a hint for every field."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bulletin.content.read import ReadError, read_markdown
from bulletin.content.schema import ISSUE, TOP_ITEM, TOP_ITEM_SECTIONS, WORTH_NOTING, Field, Kind
from bulletin.errors import ConfigError
from bulletin.project import Project
from bulletin.write import write_atomic

TOP_ITEMS = 5


def scaffold_issue(project: Project, date: dt.date) -> list[Path]:
    """Create content/issues/DATE/ with issue.md, five Top-5 items and worth-noting.md."""
    folder = project.issue_folder(date)
    if folder.exists():
        raise ConfigError(
            project.shown(folder),
            "the issue already exists",
            "edit its files, or pick another date",
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
    """Authors and editors of the latest issue before `date`, to carry over; a field of the
    wrong shape (text where a list belongs, say) is left out, so its hint is written."""
    earlier = [name for name in project.issue_names() if name < date.isoformat()]
    for name in reversed(earlier):
        path = project.issues / name / "issue.md"
        if project.link_out(path):  # `bulletin check` refuses it; copy nothing from it
            continue
        try:
            data = read_markdown(path, name).data
        except (ReadError, OSError):
            continue
        if isinstance(data, dict):
            return {key: data[key] for key, fits in _TEAM.items() if fits(data.get(key))}
    return {}


def _authors_fit(value: object) -> bool:
    """A non-empty list of person ids."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _editors_fit(value: object) -> bool:
    """A non-empty list of mappings, each with a person id and a role as text."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(v, dict) and all(isinstance(v.get(k), str) for k in ("person", "role"))
            for v in value
        )
    )


_TEAM: dict[str, Callable[[object], bool]] = {"authors": _authors_fit, "editors": _editors_fit}


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
        shown = "[" + ", ".join(_scalar(v, flow=True) for v in value) + "]" if value else "[]"
        return [f"{indent}{spec.name}: {shown}{hint}\n"]
    shown = "" if value is None else f" {_scalar(value, flow=False)}"
    return [f"{indent}{spec.name}:{shown}{hint}\n"]


def _scalar(value: object, flow: bool) -> str:
    """A value as YAML text that reads back as the same value: plain when it does (in a
    `[a, b]` list when `flow`), otherwise a double-quoted string."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return str(value)
    plain = f"[{value}]" if flow else value
    expected: object = [value] if flow else value
    try:
        if "\n" not in value and yaml.safe_load(f"k: {plain}") == {"k": expected}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False).translate(_LINE_BREAKS)


_LINE_BREAKS = {code: f"\\u{code:04x}" for code in (0x85, 0x2028, 0x2029)}
"""Characters YAML reads as line breaks even in quotes: written as escapes instead."""
