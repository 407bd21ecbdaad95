"""What the preview server accepts: each request's address parsed strictly, a Refusal (a 4xx
with a one-line reason) for anything else, before the file system sees it."""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import unquote, unquote_plus

from bulletin.diagnostics import printable

EVENTS = "/__bulletin/events"
STATUS = "/__bulletin/status"
PARAMETERS: dict[str, tuple[str, ...]] = {EVENTS: ("since", "pending"), STATUS: ()}
"""The query parameters each address of the preview takes; pages ignore their query."""
MAX_TARGET = 8192  # characters in a request's address, as common web servers allow
MAX_PATH_BYTES = 1024  # a decoded path; far longer than any page of the site
MAX_SEGMENT_BYTES = 255  # a file name (NAME_MAX)
_SINCE = re.compile(r"[0-9]{1,9}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Refusal(Exception):
    """A request the preview does not serve: the status to answer, and why in one line."""

    def __init__(self, reason: str, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def split_target(target: str) -> tuple[str, str]:
    """The path and the query of a request's address (a fragment is dropped)."""
    path, _, query = target.partition("#")[0].partition("?")
    return path, query


def check_target(target: str) -> None:
    """Refuse an address that is too long, names no file inside build/, or has wrong parameters."""
    if len(target) > MAX_TARGET:
        reason = f"the address has {len(target)} characters; at most {MAX_TARGET} are served"
        raise Refusal(reason, HTTPStatus.REQUEST_URI_TOO_LONG)
    path, query = split_target(target)
    check_path(path)
    if path == EVENTS:
        events_parameters(query)
    elif path in PARAMETERS:
        query_parameters(path, query)


def check_path(path: str) -> None:
    """Refuse a path that is not UTF-8, has a control character or `..`, or is too long."""
    if not path.startswith("/"):
        raise Refusal(f"the path must start with /, not {_quote(path)}")
    decoded = _decoded(unquote, path, "path")
    control = _CONTROL.search(decoded)
    if control:
        raise Refusal(f"the path has a control character ({printable(control.group())})")
    segments = decoded.split("/")
    if ".." in segments:
        raise Refusal("the path has a '..' segment; only files inside build/ are served")
    longest = max(len(segment.encode()) for segment in segments)
    if len(decoded.encode()) > MAX_PATH_BYTES or longest > MAX_SEGMENT_BYTES:
        reason = (
            f"the path is too long: at most {MAX_PATH_BYTES} bytes,"
            f" {MAX_SEGMENT_BYTES} between two slashes"
        )
        raise Refusal(reason, HTTPStatus.REQUEST_URI_TOO_LONG)


def query_parameters(path: str, query: str) -> dict[str, str]:
    """The query's parameters, each one that `path` takes and given once; refuse anything else."""
    names = PARAMETERS[path]
    parameters: dict[str, str] = {}
    for field in query.split("&") if query else []:
        name, _, value = (_decoded(unquote_plus, part, "query") for part in field.partition("="))
        if name not in names:
            takes = f"it takes {', '.join(names)}" if names else "it takes no parameters"
            raise Refusal(f"{path}: unknown parameter {_quote(name)}; {takes}")
        if name in parameters:
            raise Refusal(f"{path}: parameter {name} is given more than once")
        parameters[name] = value
    return parameters


def events_parameters(query: str) -> tuple[int | None, bool]:
    """The build a page was made from (`since=N` of the events address; None when not given),
    and whether its PDFs were then still being made (`pending=1`)."""
    parameters = query_parameters(EVENTS, query)
    since, pending = parameters.get("since"), parameters.get("pending", "0")
    if pending not in ("0", "1"):
        raise Refusal(f"pending must be 0 or 1, not {_quote(pending)}")
    if since is None:
        return None, pending == "1"
    if not _SINCE.fullmatch(since):
        raise Refusal(f"since must be a build number of 1 to 9 digits 0-9, not {_quote(since)}")
    return int(since), pending == "1"


def _decoded(unquoting: Callable[..., str], text: str, part: str) -> str:
    try:
        return unquoting(text, errors="strict")
    except UnicodeDecodeError:
        raise Refusal(f"the {part} is not UTF-8 once its %-escapes are decoded") from None


def _quote(text: str) -> str:
    return f"'{printable(shorten(text, 40))}'"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"
