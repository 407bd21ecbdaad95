"""Secrets in what bulletin prints: the password of a URL, and a known secret in any text.

Passwords reach bulletin in URLs (`smtp://user:pw@host`, `rsync://user:pw@host/m/p`) and in
environment variables; whatever bulletin shows (an error, a progress line, the publish log)
goes through `mask_url` or `mask` first.
"""

from __future__ import annotations

import re
from urllib.parse import quote

MASK = "***"
_AUTHORITY_END = re.compile(r"[/?#]")
_PORT = re.compile(r"\d*")


def mask_url(url: str) -> str:
    """`url` with the password of its user part replaced by ***, also when it cannot be parsed.

    The password starts after the user's ":" and, since it may hold "/", "?", "#" or "@"
    unencoded, runs to the last "@" of the URL: nothing of it is shown, whichever way a parser
    would read it, and the address after that "@" is. (So an "@" in the path or query after a
    password hides the host too: shown less, never the password.) A URL with no ":" before the
    first "@" of its authority has no password (`rsync://bob@host:873/m/p`), nor has one whose
    authority is a host and port followed by a path with an "@" in it
    (`rsync://host:873/m/a@b`).
    """
    scheme, separator, rest = url.partition("://")
    authority = _AUTHORITY_END.split(rest, maxsplit=1)[0]
    user, colon, after = authority.partition(":")
    if not separator or not colon or "@" in user or "@" not in rest:
        return url
    if "@" not in authority and (_PORT.fullmatch(after) or "[" in user):
        return url  # HOST:PORT or [IPv6], then a path or query holding an "@"
    return f"{scheme}://{user}:{MASK}@{rest.rpartition('@')[2]}"


def mask(text: str, secret: str | None) -> str:
    """`text` with `secret`, plain or percent-encoded (as a URL carries it), replaced by ***."""
    for form in {secret or "", quote(secret or "", safe="")} - {""}:
        text = text.replace(form, MASK)
    return text
