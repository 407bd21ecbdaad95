"""The results of earlier runs, `.bulletin-cache/links.json`: for each address what the probe
and the snapshot service said, and when. A result younger than a day is used without asking;
a missing or damaged file is an empty cache. Written atomically."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bulletin.links.probe import Failure, Hop, Probe
from bulletin.links.snapshots import Snapshot
from bulletin.project import Project
from bulletin.write import write_atomic

FILE = Path(".bulletin-cache", "links.json")
"""Beside the site build's cache (site/cache.py), in the folder git ignores."""
VERSION = 1
"""The file's format; a file of another version is ignored (and replaced)."""


@dataclass(frozen=True)
class Result:
    """What was found about one address: the probe, the snapshot service's answer (None
    when none was asked), and when (UTC)."""

    probe: Probe
    snapshot: Snapshot | None
    checked: dt.datetime


def path(project: Project) -> Path:
    """Where a project's link cache is."""
    return project.root / FILE


def load(file: Path, now: dt.datetime, max_age: dt.timedelta) -> dict[str, Result]:
    """The results younger than `max_age` at `now`, by address."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if data.get("version") != VERSION:
            return {}
        results = {url: _result(row) for url, row in data["links"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    return {url: result for url, result in results.items() if now - result.checked < max_age}


def save(file: Path, results: dict[str, Result]) -> None:
    """Write `results` as the cache, replacing the file in one step."""
    rows = {url: _row(result) for url, result in sorted(results.items())}
    text = json.dumps({"version": VERSION, "links": rows}, ensure_ascii=False, indent=1)
    write_atomic(file, text.encode("utf-8"))


def _row(result: Result) -> dict[str, Any]:
    return {
        "checked": result.checked.isoformat(),
        "probe": asdict(result.probe),
        "snapshot": asdict(result.snapshot) if result.snapshot else None,
    }


def _result(row: dict[str, Any]) -> Result:
    probe = dict(row["probe"])
    failure = probe.pop("failure")
    hops = tuple(Hop(**hop) for hop in probe.pop("hops"))
    snapshot = row["snapshot"]
    checked = dt.datetime.fromisoformat(row["checked"])
    if checked.tzinfo is None:
        raise ValueError("a time without its zone")
    return Result(
        Probe(hops=hops, failure=Failure(failure) if failure else None, **probe),
        Snapshot(**snapshot) if snapshot is not None else None,
        checked,
    )
