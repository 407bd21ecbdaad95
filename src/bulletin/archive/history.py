"""What an issue page shows of its archive record: the PDF versions kept, the anchors it had."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bulletin.content.recorded import How, Version

__all__ = ["History", "How", "Version", "version_path"]


@dataclass(frozen=True)
class History:
    """The record of an issue as its page shows it.

    versions: every version kept, oldest first (empty until the issue first goes out).
    aliases: by the id an anchor has now (an item's, a group's), the ids it had when it went
        out and no longer has (a renamed item file): each stays on the page.
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
