"""Record an issue as it goes out (sent or published): its files' fingerprints, its anchors,
its addresses, and its PDF kept byte for byte as a new version (archive/DATE/)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from bulletin.archive.history import History, How, Version, version_path
from bulletin.content.model import Issue
from bulletin.content.recorded import Record, fingerprint_issue, load_record
from bulletin.errors import OutputError
from bulletin.project import Project
from bulletin.write import write_all

CARD_NAME = "card.png"
"""The social card's name beside the issue page (`render.html.CARD`, a layer up)."""


def read_record(project: Project, name: str) -> Record | None:
    """The record of the issue in folder `name`, or None when it never went out; an
    OutputError when the record cannot be read."""
    path = project.record(name)
    if not path.is_file():
        return None
    try:
        return load_record(path)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise OutputError(
            project.shown(path),
            f"cannot be read ({error})",
            "restore it from version control: it records what went out",
        ) from None


def all_records(project: Project) -> dict[str, Record]:
    """The record of every issue that went out, by its folder's name."""
    folders = sorted(project.archive.glob("*/record.json")) if project.archive.is_dir() else []
    found = {path.parent.name: read_record(project, path.parent.name) for path in folders}
    return {name: record for name, record in found.items() if record is not None}


def kept_pdf(project: Project, number: int, name: str) -> Path:
    """Where version `number` of the PDF of the issue in folder `name` is kept."""
    return project.archive / name / f"v{number}.pdf"


def record_issue(
    project: Project, issue: Issue, how: How, pdf: bytes, day: dt.date | None = None
) -> Version | None:
    """Record the issue as it goes out, with `pdf` as its PDF, when this version of it is not
    yet recorded: the version recorded, or None when it was (then only the anchors and
    addresses it has now are added, such as a renamed item's). Files are written all or none."""
    name = issue.date.isoformat()
    before = read_record(project, name)
    if before is not None and before.version >= issue.version:
        _add_addresses(project, before, issue)
        return None
    day = day or dt.datetime.now(dt.UTC).date()
    version = Version(issue.version, how, day, version_path(issue.path, issue.version, issue.slug))
    versions = (*before.versions, version) if before else (version,)
    record = Record(
        issue=before.issue if before else name,
        version=issue.version,
        files=fingerprint_issue(project.issue_folder(issue.date)),
        anchors=_anchors(before, issue),
        urls=_urls(before, issue, versions),
        versions=versions,
    )
    files = [
        (kept_pdf(project, issue.version, name), pdf),
        (project.record(name), record.to_json().encode("utf-8")),
    ]
    write_all(files, project.shown(project.archive))
    return version


def _add_addresses(project: Project, before: Record, issue: Issue) -> None:
    """Add to a record the anchors and addresses the issue has now and it lacks."""
    after = replace(
        before, anchors=_anchors(before, issue), urls=_urls(before, issue, before.versions)
    )
    if after != before:
        data = after.to_json().encode("utf-8")
        write_all([(project.record(issue.date.isoformat()), data)], project.shown(project.archive))


def _anchors(before: Record | None, issue: Issue) -> dict[str, str]:
    """The ids each part had (space-separated, oldest first), with those it has now."""
    anchors = dict(before.anchors) if before else {}
    for role, anchor in anchors_of(issue):
        kept = anchors.get(role, "").split()
        anchors[role] = " ".join(dict.fromkeys([*kept, anchor]))
    return anchors


def _urls(before: Record | None, issue: Issue, versions: tuple[Version, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*(before.urls if before else ()), *issue_urls(issue, versions)]))


def anchors_of(issue: Issue) -> Iterator[tuple[str, str]]:
    """The id of each part of the issue page a reader may cite, by role."""
    for item in issue.top:
        yield f"item {item.rank}", item.anchor
    for number, group in enumerate(issue.worth_noting, 1):
        yield f"group {number}", group.anchor


def issue_urls(issue: Issue, versions: tuple[Version, ...]) -> Iterator[str]:
    """The addresses, within the site, of the files of the issue as it goes out."""
    yield issue.path
    yield f"{issue.path}{issue.slug}.pdf"
    yield f"{issue.path}{CARD_NAME}"
    for figure in issue.figures:
        yield from (f"{issue.path}figures/{name}" for name in figure.files)
    yield from (version.path for version in versions)


def history(project: Project, issue: Issue) -> History:
    """What the issue's page shows of its record: the versions kept, the anchors it had."""
    record = read_record(project, issue.date.isoformat())
    if record is None:
        return History()
    now = dict(anchors_of(issue))
    aliases: dict[str, tuple[str, ...]] = {}
    for role, ids in record.anchors.items():
        home = now.get(role) or ("top" if role.startswith("item") else "worth-noting")
        old = tuple(anchor for anchor in ids.split() if anchor not in now.values())
        if old:
            aliases[home] = (*aliases.get(home, ()), *old)
    return History(record.versions, aliases)


def kept_versions(project: Project, issue: Issue) -> Iterator[tuple[str, Path]]:
    """Each version of the issue's PDF kept in the archive: its address within the site and
    the file that holds it."""
    name = issue.date.isoformat()
    record = read_record(project, name)
    for version in record.versions if record else ():
        yield version.path, kept_pdf(project, version.number, name)
