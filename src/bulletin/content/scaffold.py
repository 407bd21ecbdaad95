"""Scaffold a new issue folder from the schema, with a hint for every field; name its item
files from their headlines once these are filled in."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

import yaml

from bulletin.content.read import ReadError, read_markdown
from bulletin.content.schema import ISSUE, TOP_ITEM, TOP_ITEM_SECTIONS, WORTH_NOTING, Field, Kind
from bulletin.content.values import TODO
from bulletin.errors import ConfigError
from bulletin.project import NUMBERED_ANCHORS, RESERVED_ANCHORS, Project, item_anchor, slugify
from bulletin.write import write_atomic

TOP_ITEMS = 5
SCAFFOLDED = re.compile(r"\d+-item-\d+\.md")
"""The name `bulletin new` gives an item file until its headline names it: 01-item-1.md."""
NAME_WORDS = 6
NAME_LENGTH = 50
"""An item file's name takes at most NAME_WORDS words, NAME_LENGTH characters, of the
headline."""


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


@dataclass(frozen=True)
class Naming:
    """An item file still named by the scaffold whose headline is filled in.

    path: the file. name: the name its headline gives it (01-china-speeds-up.md), its anchor
    unlike any other of the issue's; empty when the headline has no letter or digit.
    """

    path: Path
    name: str


def is_recorded(project: Project, date: dt.date) -> bool:
    """Whether the issue was published or sent, so that its anchors are recorded for good."""
    return project.record(date.isoformat()).is_file()


def name_items(project: Project, date: dt.date) -> list[Naming]:
    """Rename each item file of the issue still named by the scaffold after its headline,
    once that is filled in (a headline with no letter or digit leaves its file alone); an
    issue whose anchors are recorded keeps its names."""
    top = project.issue_folder(date) / "top"
    files = sorted(top.iterdir()) if top.is_dir() else []
    found = namings({path: _headline(project, path) for path in files}, files)
    if any(naming.name for naming in found) and is_recorded(project, date):
        raise ConfigError(
            project.shown(project.issue_folder(date)),
            "the issue was published or sent: its anchors are recorded, so its item files keep "
            "their names",
            "a file renamed by hand after publication keeps its old anchor as an alias (see "
            "docs/corrections.md)",
        )
    for naming in found:
        if naming.name:
            os.rename(naming.path, naming.path.with_name(naming.name))
    return found


def namings(headlines: Mapping[Path, object], files: Iterable[Path]) -> list[Naming]:
    """The name each item file still named by the scaffold takes from its headline (its
    `title`, given by file) when that is filled in: the first words of the headline, their
    anchor unlike those of the other files of the folder (`files`) and the page's own ids."""
    filled = {
        path: title
        for path, title in sorted(headlines.items())
        if SCAFFOLDED.fullmatch(path.name) and _filled_in(title)
    }
    taken = set(RESERVED_ANCHORS).union(
        *(_ids(item_anchor(path)) for path in files if path not in filled)
    )
    found = []
    for path, title in filled.items():
        slug = _free(_short(slugify(title)), taken) if slugify(title) else ""
        taken |= _ids(slug)
        number = path.name.partition("-")[0]
        found.append(Naming(path, f"{number}-{slug}.md" if slug else ""))
    return found


def _short(slug: str) -> str:
    """A slug cut after a word to NAME_WORDS words and NAME_LENGTH characters (a longer first
    word, such as a Chinese headline's, is cut where it reaches the length)."""
    words = slug.split("-")[:NAME_WORDS]
    while len(words) > 1 and len("-".join(words)) > NAME_LENGTH:
        words.pop()
    return "-".join(words)[:NAME_LENGTH]


def _free(slug: str, taken: set[str]) -> str:
    """The slug, or the slug numbered from 2, whichever is first unlike the anchors taken and
    the notes' and tables' ids (`table-1` becomes `table-1-item`, since `table-1-2` is one)."""
    base = f"{slug}-item" if NUMBERED_ANCHORS.fullmatch(f"{slug}-2") else slug
    candidates = itertools.chain([slug, base], (f"{base}-{n}" for n in itertools.count(2)))
    return next(c for c in candidates if not NUMBERED_ANCHORS.fullmatch(c) and not _ids(c) & taken)


def _filled_in(title: object) -> TypeGuard[str]:
    """Whether a headline is written: text, and not the scaffold's hint."""
    return isinstance(title, str) and bool(title.strip()) and not TODO.match(title)


def _ids(anchor: str) -> set[str]:
    """The ids an item takes on the page: its anchor and its heading's."""
    return {anchor, f"{anchor}-title"}


def _headline(project: Project, path: Path) -> object:
    """The `title` of an item file still named by the scaffold, as written (None when the file
    cannot be read: `bulletin check` says why)."""
    if not SCAFFOLDED.fullmatch(path.name) or project.link_out(path):
        return None
    try:
        data = read_markdown(path, project.shown(path)).data
    except (ReadError, OSError):
        return None
    return data.get("title") if isinstance(data, dict) else None


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
