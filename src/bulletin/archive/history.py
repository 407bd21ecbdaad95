"""What an issue page shows of its archive record: the PDF versions kept, the anchors it had."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class How(StrEnum):
    """How a version first went out: mailed to the list, or put on the website."""

    SENT = "sent"
    PUBLISHED = "published"


@dataclass(frozen=True)
class Version:
    """A version of an issue's PDF as it went out, kept byte for byte.

    number: 1 as first sent or published, then one more per correction.
    how, day: how it first went out, and on which day (UTC).
    path: its permanent address within the site, e.g.
        issues/2021-11-02/versions/1/china-industries-2021-11-02.pdf.
    """

    number: int
    how: How
    day: dt.date
    path: str


@dataclass(frozen=True)
class History:
    """The record of an issue as its page shows it.

    versions: every version kept, oldest first (empty until the issue first goes out).
    aliases: by the id an anchor has now (an item's, a group's), the ids it had when it was
        published and no longer has (a renamed item file): each stays on the page.
    """

    versions: tuple[Version, ...] = ()
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def first(self) -> Version | None:
        """The version as first sent or published, if the issue went out."""
        return self.versions[0] if self.versions else None


def version_path(issue_path: str, number: int, slug: str) -> str:
    """Where version `number` of an issue's PDF is kept within the site."""
    return f"{issue_path}versions/{number}/{slug}.pdf"
