"""Archived copies of dead links, from a snapshot service's availability API (the Wayback
Machine's by default): `API?url=ADDRESS` answers JSON whose `archived_snapshots.closest` is
the closest copy, when there is one. A service that fails is not fatal: the copy is unknown."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from bulletin.links.probe import FAILURES, Client, explain


@dataclass(frozen=True)
class Snapshot:
    """What the snapshot service said about one address.

    url: the closest archived copy ('' when there is none, or the service could not say).
    timestamp: when the copy was taken, as the service writes it (YYYYMMDDhhmmss).
    error: why the service could not say ('' when it answered).
    """

    url: str = ""
    timestamp: str = ""
    error: str = ""


async def lookup(http: Client, api: str, url: str) -> Snapshot:
    """The closest archived copy of `url` that the service at `api` holds."""
    try:
        response, _ = await http.ask("GET", _query(api, url), body=True)
    except FAILURES as error:
        return Snapshot(error=explain(error, http.timeout)[1])
    if response.status_code != 200:
        return Snapshot(error=f"it answered {response.status_code} {response.reason_phrase}")
    try:
        return closest(json.loads(response.content))
    except ValueError:
        return Snapshot(error="its answer is not JSON")


def _query(api: str, url: str) -> str:
    """The API's address asking for `url` (any query the API has is kept)."""
    return str(httpx.URL(api).copy_merge_params({"url": url}))


def closest(answer: Any) -> Snapshot:
    """The copy an availability answer names: `{"archived_snapshots": {"closest":
    {"available": true, "url": ..., "timestamp": ...}}}`; none when `archived_snapshots` is
    empty or the copy is not available."""
    snapshots = answer.get("archived_snapshots") if isinstance(answer, dict) else None
    if not isinstance(snapshots, dict):
        return Snapshot(error="its answer has no archived_snapshots")
    copy = snapshots.get("closest")
    if not isinstance(copy, dict) or copy.get("available") is not True:
        return Snapshot()
    address = copy.get("url")
    if not isinstance(address, str) or not address.startswith(("http://", "https://")):
        return Snapshot(error="its answer names no web address for the copy")
    return Snapshot(address, str(copy.get("timestamp", "")))
