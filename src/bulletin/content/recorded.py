"""The record of an issue that went out (archive/DATE/record.json), its files' fingerprints,
and the check that finds a change no correction explains.

A fingerprint keeps a short digest of each line of a Markdown file, leaving out the
`corrections:` list of its front matter (adding a correction is how a change is explained),
and the digest of each correction entry (one that went out may not change); of any other file
of the issue folder (a figure), the digest of its bytes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bulletin.diagnostics import Diagnostic, Severity

FORMAT = 1
"""The version of record.json's layout."""
_TOP_LEVEL = re.compile(r"[^\s#-]")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RANKED = re.compile(r"rank:\s*(\d+)\s*(#.*)?$")


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
class Fingerprint:
    """What is kept of one file of an issue that went out.

    path: the file, relative to the issue folder (top/01-carbon-neutrality.md).
    digest: the SHA-256 of its text without the corrections (of its bytes, for other files).
    lines: a short digest of each line of that text (empty for other files).
    corrections: a short digest of each of its correction entries, in order.
    """

    path: str
    digest: str
    lines: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    """An issue as it went out, version by version.

    issue: the issue's date as it went out (its folder's name then).
    version: the version the fingerprints are of.
    files: the fingerprint of each file, by its role: `issue`, `worth-noting`, `item 1`...
        (an item by its rank, so that renaming its file changes nothing), `file NAME`.
    anchors: the ids each part had on the page when a version went out (space-separated,
        oldest first), by role (`item 1`, `group 1`).
    urls: the addresses of the issue's files within the site when it went out.
    versions: each version kept, oldest first.
    """

    issue: str
    version: int
    files: Mapping[str, Fingerprint]
    anchors: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    urls: tuple[str, ...] = ()
    versions: tuple[Version, ...] = ()

    @property
    def first(self) -> Version:
        return self.versions[0]

    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "issue": self.issue,
            "version": self.version,
            "versions": [
                {"number": v.number, "how": v.how.value, "day": v.day.isoformat(), "path": v.path}
                for v in self.versions
            ],
            "anchors": dict(self.anchors),
            "urls": list(self.urls),
            "files": {
                role: {
                    "path": f.path,
                    "digest": f.digest,
                    "lines": list(f.lines),
                    "corrections": list(f.corrections),
                }
                for role, f in sorted(self.files.items())
            },
        }
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def load_record(path: Path) -> Record:
    """The record in `path`; ValueError (or OSError) when it cannot be read."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown format {data.get('format')!r}")
    return Record(
        issue=str(data["issue"]),
        version=int(data["version"]),
        files={
            role: Fingerprint(f["path"], f["digest"], tuple(f["lines"]), tuple(f["corrections"]))
            for role, f in data["files"].items()
        },
        anchors=dict(data["anchors"]),
        urls=tuple(data["urls"]),
        versions=tuple(
            Version(v["number"], How(v["how"]), dt.date.fromisoformat(v["day"]), v["path"])
            for v in data["versions"]
        ),
    )


# Fingerprints


def fingerprint_issue(folder: Path) -> dict[str, Fingerprint]:
    """The fingerprint of every file of an issue folder, by role."""
    found: dict[str, Fingerprint] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative.startswith(".") or "/." in relative:
            continue
        data = path.read_bytes()
        if path.suffix == ".md":
            text = data.decode("utf-8", errors="replace")
            found[_role(relative, text)] = _text_fingerprint(relative, text)
        else:
            found[f"file {relative}"] = Fingerprint(relative, _digest(data))
    return found


def _role(relative: str, text: str) -> str:
    """An item's role is its rank, read from its front matter; other files go by name."""
    if relative == "issue.md":
        return "issue"
    if relative == "worth-noting.md":
        return "worth-noting"
    if relative.startswith("top/"):
        for line in _front_matter(text.splitlines()):
            ranked = _RANKED.fullmatch(line)
            if ranked:
                return f"item {int(ranked.group(1))}"
    return f"file {relative}"


def _text_fingerprint(relative: str, text: str) -> Fingerprint:
    kept, block = _split(text)
    lines = [line for _, line in kept]
    return Fingerprint(
        relative,
        _digest("\n".join(lines).encode("utf-8")),
        tuple(_short(line) for line in lines),
        tuple(_short(json.dumps(entry, default=str, sort_keys=True)) for entry in _entries(block)),
    )


def kept_lines(text: str) -> list[tuple[int, str]]:
    """The lines of a Markdown file a fingerprint keeps, each with its 1-based number: all but
    those of the `corrections:` list of the front matter."""
    return _split(text)[0]


def _split(text: str) -> tuple[list[tuple[int, str]], list[str]]:
    """The lines a fingerprint keeps (numbered), and those of the `corrections:` list."""
    lines = text.splitlines()
    front = len(_front_matter(lines))
    kept, block, skipping = [], [], False
    for number, line in enumerate(lines, 1):
        inside = 1 < number <= front + 1
        if inside and _TOP_LEVEL.match(line):
            skipping = line.startswith("corrections:")
        if inside and skipping:
            block.append(line)
        else:
            kept.append((number, line.rstrip()))
    return kept, block


def _front_matter(lines: list[str]) -> list[str]:
    """The lines between the opening and closing `---`, if the file starts with one."""
    if not lines or lines[0].strip() != "---":
        return []
    for end, line in enumerate(lines[1:], 1):
        if line.strip() == "---":
            return lines[1:end]
    return []


def _entries(block: list[str]) -> list[Any]:
    """The entries of a `corrections:` list, as YAML reads them."""
    if not block:
        return []
    try:
        data = yaml.load("\n".join(block), Loader=_LOADER)
    except yaml.YAMLError:
        return []
    entries = data.get("corrections") if isinstance(data, dict) else None
    return entries if isinstance(entries, list) else []


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _short(line: str) -> str:
    return _digest(line.encode("utf-8"))[:16]


# The check


@dataclass(frozen=True)
class Recorded:
    """An issue folder beside its record: where its files are shown, and what they hold now."""

    record: Record
    shown: str
    now: Mapping[str, Fingerprint]
    texts: Mapping[str, str]


def changes(recorded: Recorded) -> Iterator[Diagnostic]:
    """A diagnostic for each file changed since the issue went out that no new correction
    explains, and for each correction that went out and was changed or removed."""
    record, now = recorded.record, recorded.now
    issue_corrected = _new_corrections(record, now, "issue")
    for role in sorted(set(record.files) | set(now)):
        before, after = record.files.get(role), now.get(role)
        if after is not None and before is not None:
            yield from _lost_corrections(recorded, role, before, after)
        if before is not None and after is not None and before.digest == after.digest:
            continue
        if issue_corrected or (role.startswith("item ") and _new_corrections(record, now, role)):
            continue
        yield _unexplained(recorded, role, before, after)


def _new_corrections(record: Record, now: Mapping[str, Fingerprint], role: str) -> bool:
    before, after = record.files.get(role), now.get(role)
    had = len(before.corrections) if before else 0
    return after is not None and len(after.corrections) > had


def _lost_corrections(
    recorded: Recorded, role: str, before: Fingerprint, after: Fingerprint
) -> Iterator[Diagnostic]:
    for number, kept in enumerate(before.corrections):
        if number >= len(after.corrections) or after.corrections[number] != kept:
            yield Diagnostic(
                _shown(recorded, after.path),
                _correction_line(recorded.texts.get(role, "")),
                Severity.ERROR,
                f"corrections[{number}]",
                f"this correction went out with {_went_out(recorded.record)}: leave it as it "
                "was and add a new entry after it",
            )
            return


def _unexplained(
    recorded: Recorded, role: str, before: Fingerprint | None, after: Fingerprint | None
) -> Diagnostic:
    record = recorded.record
    went = f"{_went_out(record)}"
    if after is None:
        assert before is not None
        return Diagnostic(
            _shown(recorded, before.path),
            1,
            Severity.ERROR,
            "",
            f"removed since {went}: put it back, or explain the removal in a "
            "`corrections:` entry of issue.md (see docs/corrections.md)",
        )
    line = _changed_line(before, after, recorded.texts.get(role, ""))
    where = "this item's front matter" if role.startswith("item ") else "issue.md"
    what = "added" if before is None else "changed"
    return Diagnostic(
        _shown(recorded, after.path),
        line,
        Severity.ERROR,
        "",
        f"{what} since {went}, and no correction says why: add an entry to `corrections:` "
        f"in {where} (date, text: what was wrong, what is right), or undo the change (see "
        "docs/corrections.md)",
    )


def _went_out(record: Record) -> str:
    version = record.versions[-1] if record.versions else None
    if version is None:
        return "the issue went out"
    return f"version {version.number} was {version.how.value} on {version.day.isoformat()}"


def _changed_line(before: Fingerprint | None, after: Fingerprint, text: str) -> int:
    """The first line of the file as it is now that differs from the recorded one."""
    if before is None or not after.lines:
        return 1
    numbers = [number for number, _ in kept_lines(text)]
    matcher = difflib.SequenceMatcher(None, before.lines, after.lines, autojunk=False)
    for tag, _, _, start, _ in matcher.get_opcodes():
        if tag != "equal":
            return numbers[min(start, len(numbers) - 1)] if numbers else 1
    return 1


def _correction_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("corrections:"):
            return number
    return 1


def _shown(recorded: Recorded, relative: str) -> str:
    return f"{recorded.shown}/{relative}"


def check_recorded(path: Path, path_shown: str, folder: Path, shown: str) -> list[Diagnostic]:
    """The problems of an issue folder (shown as `shown`) against its record in `path`, if it
    has one (none otherwise)."""
    if not path.is_file():
        return []
    try:
        record = load_record(path)
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [
            Diagnostic(
                path_shown,
                1,
                Severity.ERROR,
                "",
                f"the record of the issue cannot be read ({error}): restore it from version "
                "control; it says what went out",
            )
        ]
    now = fingerprint_issue(folder)
    texts = {
        role: (folder / f.path).read_text(encoding="utf-8", errors="replace")
        for role, f in now.items()
        if f.lines
    }
    return list(changes(Recorded(record, shown, now, texts)))
