"""Publish build/ atomically to a folder or over rsync: a new release, then one symlink switch."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import hashlib
import json
import os
import posixpath
import re
import stat
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from bulletin.errors import ConfigError, DeliveryError, Location, OutputError, Problem
from bulletin.project import Project
from bulletin.report import QUIET, Reporter
from bulletin.secrets import mask, mask_url

PASSWORD_VARIABLE = "BULLETIN_RSYNC_PASSWORD"
LOG_NAME = "publish-log.jsonl"
USAGE = "give a path, file:///path, user@host:path or rsync://[user@]host[:port]/module/path"
RSYNC = ("rsync", "--timeout=120")
COPY = ("-a", "--no-times", "--checksum", "--delete", "--safe-links", "--chmod=D755,F644")
"""--safe-links: a link out of build/ made after the check (which refuses them) is skipped."""
_RELEASE = re.compile(r"\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{8}")
_LISTING = re.compile(r"\S+\s+\S+\s+\S+\s+\S+ (.+)")
_SCP = re.compile(r"((?:[^@/:]+@)?[^@/:]+):(.*)")


@dataclasses.dataclass(frozen=True)
class Target:
    """A destination parsed from DEST; every form is reached through rsync.

    prefix: what rsync puts before a path there: "" (this machine), "user@host:" (SSH) or
    "rsync://[user@]host[:port]/" (an rsync daemon). path: DEST's path after the prefix,
    never ending in "/". shown: DEST as given, password masked. password: for a daemon only.
    """

    prefix: str
    path: str
    shown: str
    password: str | None = None

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)

    @property
    def releases(self) -> str:
        return f"{self.name}.releases"

    def at(self, *parts: str) -> str:
        """The rsync address of a path inside DEST's parent folder."""
        return self.prefix + posixpath.join(posixpath.dirname(self.path) or ".", *parts)

    def masked(self, text: str) -> str:
        return mask(text, self.password)


@dataclasses.dataclass(frozen=True)
class Release:
    """One publish: where it went (masked), the release folder, and its size and duration."""

    time: str
    destination: str
    release: str
    files: int
    bytes: int
    seconds: float


@dataclasses.dataclass(frozen=True)
class Change:
    """A file a publish would add, change or delete, relative to the live release."""

    kind: Literal["added", "changed", "deleted"]
    path: str


def parse_target(dest: str, environ: Mapping[str, str]) -> Target:
    """The Target for DEST, chosen by its form (see USAGE), or a one-line error."""
    shown = mask_url(dest)
    scheme = dest.partition("://")[0].lower() if "://" in dest else ""
    if scheme == "rsync":
        return _daemon_target(dest, shown, environ)
    if scheme == "file":
        parts = _split(dest, shown)
        if parts.netloc not in ("", "localhost"):
            raise ConfigError(shown, "file:// URL names a host", USAGE)
        return _checked(Target("", os.path.abspath(urllib.parse.unquote(parts.path)), shown))
    if scheme:
        raise ConfigError(shown, f"cannot publish to {scheme}:// URLs", USAGE)
    remote = _SCP.fullmatch(dest)
    if remote:
        return _checked(Target(f"{remote[1]}:", remote[2].rstrip("/"), shown))
    return _checked(Target("", os.path.abspath(dest), shown))


def _daemon_target(dest: str, shown: str, environ: Mapping[str, str]) -> Target:
    parts = _split(dest, shown)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        raise ConfigError(shown, "bad port", USAGE) from None
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname or ""
    user = f"{urllib.parse.unquote(parts.username)}@" if parts.username else ""
    path = urllib.parse.unquote(parts.path).strip("/")
    if not host or "/" not in path:
        raise ConfigError(shown, "name a folder inside an rsync module", USAGE)
    password = urllib.parse.unquote(parts.password or "") or environ.get(PASSWORD_VARIABLE)
    return _checked(Target(f"rsync://{user}{host}{port}/", path, shown, password or None))


def _split(dest: str, shown: str) -> urllib.parse.SplitResult:
    """DEST split into its URL parts, or a one-line error (an unclosed "[", say)."""
    try:
        return urllib.parse.urlsplit(dest)
    except ValueError as error:
        raise ConfigError(shown, f"not a valid URL ({error})", USAGE) from None


def _checked(target: Target) -> Target:
    if target.name in ("", ".", ".."):
        raise ConfigError(target.shown, "name the folder to publish to", USAGE)
    return target


def publish(project: Project, target: Target, keep: int = 3, reporter: Reporter = QUIET) -> Release:
    """Copy build/ into a new release beside DEST, switch DEST to it, prune, record it; each
    of these steps is reported as it is done."""
    start = time.perf_counter()
    _contents(project, target)
    _refuse_drafts(project, target)
    releases, live = _inspect(target)
    record_published(project, reporter)
    build, entries = _contents(project, target)
    files, size, digest = _snapshot(project, build, entries)
    now = dt.datetime.now(dt.UTC)
    name = f"{now:%Y%m%dT%H%M%S}.{now.microsecond // 1000:03d}Z-{digest[:8]}"
    reporter.step(f"copying {files} files to {target.releases}/{name}")
    link = (f"--link-dest=../{live}",) if live else ()
    _rsync(target, *COPY, "--mkpath", *link, f"{build}/", target.at(target.releases, name))
    _switch(target, name)
    reporter.step(f"switched {target.shown} to {name}")
    for old in _prune(target, [*releases, name], name, keep):
        reporter.step(f"removed old release {old}")
    seconds = round(time.perf_counter() - start, 3)
    release = Release(now.isoformat(timespec="seconds"), target.shown, name, files, size, seconds)
    _record(project, release)
    return release


def record_published(project: Project, reporter: Reporter = QUIET) -> None:
    """Record in the archive each issue of build/ whose version has not gone out yet (its
    fingerprint, anchors, addresses and PDF: `archive.record`), then rebuild the site so that
    its page links the PDF kept, then record every address of the site (`archive.urls`).
    An issue that fails its check now is left unrecorded, with a step saying so."""
    from bulletin.archive.record import record_issue
    from bulletin.archive.urls import record_site
    from bulletin.content.recorded import How
    from bulletin.content.validate import check
    from bulletin.site.build import build as build_site
    from bulletin.site.cache import BuildState

    built = project.build / "issues"
    names = (
        [p.name for p in built.glob("*") if (p / "index.html").is_file()] if built.is_dir() else []
    )
    dates = [_date(name) for name in sorted(names) if (project.issues / name).is_dir()]
    checked = check(project, [d for d in dates if d]) if any(dates) else None
    recorded = 0
    for date in filter(None, dates):
        issue = checked.issues.get(date.isoformat()) if checked else None
        pdf = project.build / issue.path / f"{issue.slug}.pdf" if issue else None
        if issue is None or pdf is None or not pdf.is_file():
            reporter.step(f"not recorded: {date} fails its check or has no PDF in build/")
            continue
        if record_issue(project, issue, How.PUBLISHED, pdf.read_bytes()):
            reporter.step(f"recorded {date} version {issue.version} as published")
            recorded += 1
    if recorded and BuildState.load(project).site:
        build_site(project)
        reporter.step("rebuilt the site: its pages link the PDF versions kept")
    record_site(project, project.build)


def _date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


def plan(project: Project, target: Target) -> list[Change]:
    """What publishing would add, change and delete; changes nothing anywhere."""
    build, entries = _contents(project, target)
    _refuse_drafts(project, target)
    live = _inspect(target)[1]
    if live is None:
        return [Change("added", entry.as_posix()) for entry in entries]
    output = _rsync(
        target,
        *COPY,
        "--dry-run",
        "--itemize-changes",
        f"{build}/",
        target.at(target.releases, live, ""),
    )
    return [change for line in output.splitlines() if (change := _change(line))]


def _change(line: str) -> Change | None:
    flags, _, path = line.partition(" ")
    path = path.lstrip(" ")
    if flags == "*deleting":
        return Change("deleted", path)
    if len(flags) != 11 or flags[1] not in "fL" or flags[0] not in "<>ch":
        return None
    return Change("added" if flags[2:] == "+" * 9 else "changed", path.split(" -> ")[0])


def _contents(project: Project, target: Target) -> tuple[Path, list[Path]]:
    """build/ resolved once (it may be a link to a folder elsewhere) and what it holds to
    publish: its files and links, relative to it, sorted. Refuses, one line each, every link
    that leads out of build/ or nowhere, and anything neither a file, a folder nor a link."""
    build = Path(os.path.realpath(project.build))
    if not build.is_dir():
        raise _nothing(project, target)
    entries: list[Path] = []
    problems: list[Problem] = []

    def unreadable(error: OSError) -> None:
        where = Location(_in_build(project, build, Path(error.filename)))
        problems.append(Problem(where, f"cannot read ({error.strerror})", _READABLE))

    for folder, names, leaves in os.walk(build, onerror=unreadable):  # links are not entered
        for path in (Path(folder, name) for name in [*names, *leaves]):
            problem = _entry_problem(project, build, path)
            if problem:
                where = Location(_in_build(project, build, path))
                problems.append(Problem(where, *problem))
            elif path.is_symlink() or path.is_file():
                entries.append(path.relative_to(build))
    if problems:
        raise OutputError.of(sorted(problems, key=str))
    if not any((build / entry).is_file() for entry in entries):
        raise _nothing(project, target)
    return build, sorted(entries)


def _nothing(project: Project, target: Target) -> OutputError:
    """The error for a build/ with no file to publish: missing, empty, or a dangling link."""
    shown = project.shown(project.build)
    if project.build.is_symlink() and not project.build.exists():
        link = os.readlink(project.build)
        return OutputError(
            shown,
            f"nothing to publish to {target.shown}: build/ is a link to {link!r}, which does "
            "not exist",
            "create that folder or remove the link, then run 'bulletin build'",
        )
    return OutputError(
        shown,
        f"nothing to publish to {target.shown} (build/ is missing or empty)",
        "run 'bulletin build' first",
    )


_NO_LINKS = "bulletin never writes links into build/"
_REBUILD = "remove it and run `bulletin build` again"
_READABLE = "make it readable, or remove it and run `bulletin build` again"


def _entry_problem(project: Project, build: Path, path: Path) -> tuple[str, str] | None:
    """Why an entry of build/ must not be published, and the fix, or None: a link that leads
    out of build/ or nowhere, or a fifo, socket or device."""
    if path.is_symlink():
        return _link_problem(project, build, path)
    mode = path.lstat().st_mode
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "is neither a file nor a folder (a fifo, a socket or a device)", "remove it"


def _link_problem(project: Project, build: Path, path: Path) -> tuple[str, str] | None:
    """Why the link `path` in build/ must not be published, and the fix, or None when it
    leads to a file or folder inside build/ and will lead to the same one inside the release."""
    text = os.readlink(path)
    try:
        path.stat()
    except OSError as error:
        nowhere = "round in a loop of links" if error.errno == errno.ELOOP else "nowhere"
        return f"is a link to {text!r}, which leads {nowhere}: {_NO_LINKS}", _REBUILD
    resolved = Path(os.path.realpath(path))
    if not resolved.is_relative_to(build):
        where = "" if text == str(resolved) else f" ({project.shown(resolved)})"
        return (
            f"is a link to {text!r}, outside build/{where}: publishing it would put what it "
            f"points to on the website; {_NO_LINKS}",
            _REBUILD,
        )
    inside = posixpath.normpath(posixpath.join(path.relative_to(build).parent.as_posix(), text))
    if posixpath.isabs(text) or inside == ".." or inside.startswith("../"):
        return (
            f"is a link to {text!r}, which reaches build/ only from outside it: in the release "
            f"it would lead elsewhere; {_NO_LINKS}",
            _REBUILD,
        )
    return None


def _in_build(project: Project, build: Path, path: Path) -> str:
    """An entry of (resolved) build/ as the editor sees it: build/issues/x.pdf."""
    return (project.build.relative_to(project.root) / path.relative_to(build)).as_posix()


def _snapshot(project: Project, build: Path, entries: list[Path]) -> tuple[int, int, str]:
    """Number of files in build/, their bytes, and a hash of their names and contents (of a
    link: its target)."""
    digest = hashlib.sha256()
    files, size = 0, 0
    for entry in entries:
        path = build / entry
        digest.update(entry.as_posix().encode() + b"\0")
        if path.is_symlink():
            digest.update(b"-> " + os.readlink(path).encode() + b"\0")
            continue
        try:
            data = path.read_bytes()
        except OSError as error:
            where = _in_build(project, build, path)
            raise OutputError(where, f"cannot read ({error.strerror})", _READABLE) from None
        digest.update(data + b"\0")
        files, size = files + 1, size + len(data)
    return files, size, digest.hexdigest()


def drafts_built(project: Project) -> list[str]:
    """The issues with a folder in build/issues/ whose issue.md says `draft: true`: built by
    `bulletin build --drafts`, `bulletin serve --drafts` or `bulletin build DATE`. An issue.md
    that is missing or cannot be read does not count as a draft."""
    from bulletin.content.read import ReadError, read_markdown
    from bulletin.content.validate import marks_draft

    built = project.build / "issues"
    if not built.is_dir():
        return []
    drafts = []
    for folder in sorted(built.iterdir()):
        source = project.issues / folder.name / "issue.md"
        if not folder.is_dir() or not source.is_file():
            continue
        try:
            doc = read_markdown(source, project.shown(source))
        except (OSError, ReadError):
            continue
        if marks_draft(doc):  # as the build decides
            drafts.append(folder.name)
    return drafts


def _refuse_drafts(project: Project, target: Target) -> None:
    """A one-line error when build/ holds a draft issue: publishing would put it live."""
    drafts = drafts_built(project)
    if drafts:
        raise OutputError(
            project.shown(project.build / "issues"),
            f"holds the draft issue(s) {', '.join(drafts)}, not to be published to {target.shown}",
            "run `bulletin build` without --drafts, then publish",
        )


def _inspect(target: Target) -> tuple[list[str], str | None]:
    """The releases beside DEST, oldest first, and the one DEST points to (None if none)."""
    names = _listing(target)
    prefix = f"{target.releases}/"
    releases = sorted(n.removeprefix(prefix) for n in names if n.startswith(prefix))
    releases = [name for name in releases if _RELEASE.fullmatch(name)]
    if target.name in names:
        raise DeliveryError(
            target.shown,
            "is a real folder or file, not a symlink to a release",
            f"move it aside (e.g. to {target.name}.old) and publish again, or publish to a new "
            "path and point the web server there",
        )
    links = [n.partition(" -> ")[2] for n in names if n.startswith(f"{target.name} -> ")]
    if not links:
        return releases, None
    live = links[0].rstrip("/").removeprefix(prefix)
    if not links[0].startswith(prefix) or not _RELEASE.fullmatch(live):
        raise DeliveryError(
            target.shown,
            f"is a symlink to {links[0]}, not to a release in {prefix}",
            "remove the symlink and publish again",
        )
    return releases, live if live in releases else None


def _listing(target: Target) -> set[str]:
    """Names of DEST, its releases folder and the releases in it, as rsync lists them."""
    output = _rsync(
        target,
        "--list-only",
        "-rl",
        f"--include=/{target.name}",
        f"--include=/{target.releases}/",
        f"--include=/{target.releases}/*/",
        "--exclude=*",
        target.at(""),
    )
    return {match[1] for match in map(_LISTING.fullmatch, output.splitlines()) if match}


def _switch(target: Target, release: str) -> None:
    """Point DEST at the release: rsync creates the new symlink under a temporary name and
    renames it over DEST, so a reader sees the old release or the new one, never neither."""
    with tempfile.TemporaryDirectory() as folder:
        os.symlink(f"{target.releases}/{release}", Path(folder, target.name))
        _rsync(target, "-l", str(Path(folder, target.name)), target.at(""))


def _prune(target: Target, releases: list[str], live: str, keep: int) -> list[str]:
    """Delete all but the `keep` newest releases (never the live one); the names deleted."""
    kept = set(sorted(releases)[-keep:]) | {live}
    old = [name for name in releases if name not in kept]
    if old:
        rules = [f"--include=/{name}/***" for name in old]
        with tempfile.TemporaryDirectory() as empty:
            _rsync(
                target,
                "-r",
                "--delete",
                *rules,
                "--exclude=*",
                f"{empty}/",
                target.at(target.releases, ""),
            )
    return old


def _record(project: Project, release: Release) -> None:
    line = json.dumps(dataclasses.asdict(release), ensure_ascii=False) + "\n"
    with (project.root / LOG_NAME).open("a", encoding="utf-8") as log:
        log.write(line)


def _rsync(target: Target, *arguments: str) -> str:
    """Run rsync; its output, or a one-line error with the telling line of its stderr."""
    environ = dict(os.environ)
    environ.setdefault("RSYNC_RSH", "ssh -o BatchMode=yes")
    if target.password:
        environ["RSYNC_PASSWORD"] = target.password
    try:
        result = subprocess.run(
            [*RSYNC, *arguments], capture_output=True, text=True, env=environ, check=False
        )
    except FileNotFoundError:
        raise DeliveryError(
            target.shown, "rsync is not installed", "install it (apt-get install rsync)"
        ) from None
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()] or ["no message"]
        telling = [line for line in lines if not line.startswith("rsync error:")] or lines
        reason = target.masked(telling[-1].strip())
        raise DeliveryError(target.shown, f"rsync failed: {reason}", _hint(target))
    return result.stdout


def _hint(target: Target) -> str:
    if target.prefix.startswith("rsync://"):
        return f"check the address, the module and the password (in the URL or {PASSWORD_VARIABLE})"
    if target.prefix:
        return "check the address, that the folder exists, and that your SSH key lets you in"
    return "check that the folder holding it exists and that you may write there"
