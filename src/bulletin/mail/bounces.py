"""Bounce messages read from an mbox file or a Maildir folder (delivery status notifications,
RFC 3464, and the other formats flufl.bounce knows): an address that failed for good is
suppressed, one that failed for now is counted as a soft bounce."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bulletin.errors import ConfigError
from bulletin.mail.mailing_list import HARD_BOUNCE, soft_bounce, suppress
from bulletin.store.database import Database


@dataclass(frozen=True)
class Bounces:
    """What a file of bounce messages held: how many messages, the addresses that failed for
    good (now suppressed) and for now (counted), and the messages no detector understood."""

    messages: int
    hard: tuple[str, ...]
    soft: tuple[str, ...]
    unrecognised: int


def record_bounces(database: Database, path: Path, shown: str) -> Bounces:
    """Read every message of the mbox file or Maildir folder at `path`; suppress the hard
    bounces, count the soft ones."""
    from flufl.bounce import all_failures  # loaded only by the command that reads bounces

    messages, unrecognised = 0, 0
    hard: dict[str, None] = {}
    soft: dict[str, None] = {}
    for message in _messages(path, shown):
        messages += 1
        temporary, permanent = all_failures(message)
        if not temporary and not permanent:
            unrecognised += 1
        hard |= dict.fromkeys(_addresses(permanent))
        soft |= dict.fromkeys(a for a in _addresses(temporary) if a not in hard)
    for address in hard:
        suppress(database, address, HARD_BOUNCE, f"bounce message in {shown}")
    for address in soft:
        if address not in hard:
            soft_bounce(database, address)
    return Bounces(messages, tuple(hard), tuple(a for a in soft if a not in hard), unrecognised)


def _messages(path: Path, shown: str) -> Iterator[mailbox.Message]:
    if path.is_dir():
        if not (path / "cur").is_dir() or not (path / "new").is_dir():
            raise ConfigError(
                shown, "not a Maildir (no cur/ and new/)", "give an mbox file or a Maildir"
            )
        box: mailbox.Mailbox[mailbox.Message] = mailbox.Maildir(path, create=False)
    elif path.is_file():
        box = mailbox.mbox(path, create=False)
    else:
        raise ConfigError(shown, "no such file or folder", "give an mbox file or a Maildir")
    try:
        yield from box
    finally:
        box.close()


def _addresses(found: frozenset[bytes]) -> list[str]:
    """The addresses flufl.bounce found, as text, case-folded, in a stable order."""
    return sorted({address.decode("utf-8", "replace").strip().casefold() for address in found})
