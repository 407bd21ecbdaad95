"""The site's search: one Pagefind bundle per year of issue pages, re-indexed only when that
year's pages changed, with Chinese indexed as overlapping character pairs.

Pagefind reads a page as the language of its `<html lang>` (English here) and splits words at
spaces, so a Chinese run such as 国家标准化发展纲要 is one word, found only whole. Each run is
handed to Pagefind as its overlapping pairs (国家 家标 标准 准化 化发 发展 展纲 纲要), in a copy
of the page made for indexing (the page served is unchanged); the search page turns a query's
Chinese runs into the same pairs and mends excerpts back (`templates/search.html`).

Each year's bundle is `build/pagefind/YEAR/`, written to a staging folder by Pagefind's CLI and
renamed into place; the search page merges every year's bundle in the browser. The UI files
the search page loads live once, at `build/pagefind/`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bulletin.errors import OutputError
from bulletin.project import Project
from bulletin.write import write_atomic

SEARCH = "pagefind"
"""The folder of build/ that holds the search bundles, one per year, and the UI files."""
UI_FILES = ("pagefind-ui.js", "pagefind-ui.css")
"""Pagefind's UI, which the search page loads from build/pagefind/."""
UNUSED = ("pagefind-modular-ui", "pagefind-component-ui", "pagefind-highlight", "pagefind-ui")
"""The stems of the files Pagefind writes into each bundle that the site does not use."""
SCHEME = "pairs-1"
"""What is handed to Pagefind: a year indexed under another scheme is indexed again."""

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
"""The Han ideographs (CJK Unified Ideographs and their extensions, compatibility ideographs)."""
INLINE = r"</?(?:a|abbr|b|cite|code|em|i|mark|q|small|span|strong|sub|sup)\b[^>]*>"
"""An inline tag, which a run of Chinese characters may cross (碳<em>中和</em>)."""
RUN = re.compile(rf"[{HAN}](?:(?:{INLINE})*[{HAN}])+")
"""A run of two or more Han characters, perhaps across inline tags."""


def index_for_search(
    project: Project, pages: Mapping[str, Sequence[str]], before: Mapping[str, str]
) -> dict[str, str]:
    """pages: for each index key (a year, "2021"), the issue pages of that year, as paths
    relative to build/ ("issues/2021-11-02/index.html"). before: what the last build
    returned. Re-index only the years whose pages changed (fingerprint: each page's path,
    size and mtime_ns), remove the index of a year no longer given, keep the others;
    return year -> fingerprint for the next build. Raises OutputError (location build/,
    field "search index") when Pagefind fails."""
    root = project.build / SEARCH
    now = {year: page_fingerprint(project.build, paths) for year, paths in pages.items()}
    stale = [year for year in sorted(now) if before.get(year) != now[year] or not _kept(root, year)]
    if now and not all((root / name).is_file() for name in UI_FILES) and not stale:
        stale = [max(now)]  # the UI files come with a bundle
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        failures = [f for f in pool.map(lambda y: index_year(project, y, pages[y]), stale) if f]
    if failures:
        fix = "build the site again; if it fails the same way, report Pagefind's message"
        raise OutputError(project.shown(project.build), failures[0], fix, field="search index")
    remove_others(root, now)
    return now


def search_files(years: Iterable[str]) -> tuple[str, ...]:
    """The files (relative to build/) that must exist for the index to be intact: the UI
    files, and each year's Pagefind script and pagefind-entry.json."""
    years = sorted(years)
    if not years:
        return ()
    bundles = (f"{SEARCH}/{year}/{name}" for year in years for name in _BUNDLE_FILES)
    return (*(f"{SEARCH}/{name}" for name in UI_FILES), *bundles)


_BUNDLE_FILES = ("pagefind.js", "pagefind-entry.json")


def page_fingerprint(build: Path, paths: Iterable[str]) -> str:
    """A digest of each page's path (relative to build/), size and modification time, and of
    the indexing scheme; a missing page counts as empty."""
    digest = hashlib.sha1(SCHEME.encode(), usedforsecurity=False)
    for path in sorted(paths):
        try:
            stat = os.stat(build / path)
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        except OSError:
            digest.update(f"{path}\0missing\n".encode())
    return digest.hexdigest()


def _kept(root: Path, year: str) -> bool:
    return all((root / year / name).is_file() for name in _BUNDLE_FILES)


def index_year(project: Project, year: str, paths: Sequence[str]) -> str:
    """Index one year's pages into build/pagefind/YEAR/ through a staging folder; return
    why Pagefind failed, or "" when it did not."""
    root = project.build / SEARCH
    staging, old = root / f".{year}-new", root / f".{year}-old"
    for folder in (staging, old):
        shutil.rmtree(folder, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="bulletin-search-") as source:
        failure = copy_paired(project.build, paths, Path(source))
        failure = failure or run_pagefind(Path(source), staging)
    if failure:
        return failure
    keep_ui(root, staging)
    _swap(staging, root / year, old)
    return ""


def copy_paired(build: Path, paths: Sequence[str], source: Path) -> str:
    """Copy each page from build/ to the same place in `source`, its Chinese runs made pairs;
    return why a page could not be read, or ""."""
    for path in paths:
        try:
            html = (build / path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            return f"cannot read {path} to index it ({getattr(error, 'strerror', None) or error})"
        copy = source / path
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(pair_chinese(html), "utf-8")
    return ""


def run_pagefind(site: Path, output: Path) -> str:
    """Pagefind's CLI (the binary its PyPI package ships) over a folder of pages; return
    its last line of output when it fails, "" when it succeeds."""
    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None:
        return "Pagefind's binary is missing: install bulletin again (pagefind[bin])"
    command = [str(binary), "--site", str(site), "--output-path", str(output), "--silent"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return ""
    lines = (result.stderr or result.stdout).strip().splitlines()
    errors = [line.strip() for line in lines if line.startswith("Error:")]
    return f"Pagefind failed: {(errors or lines[-1:] or ['no output'])[0]}"


def keep_ui(root: Path, bundle: Path) -> None:
    """Copy Pagefind's UI files from a fresh bundle to build/pagefind/ (when they differ),
    then take out of the bundle the files the site does not use."""
    for name in UI_FILES:
        data = (bundle / name).read_bytes()
        target = root / name
        if not target.is_file() or target.read_bytes() != data:
            write_atomic(target, data)
    for file in bundle.iterdir():
        if file.is_file() and file.name.split(".")[0] in UNUSED:
            file.unlink()


def _swap(staging: Path, live: Path, old: Path) -> None:
    if live.exists():
        os.replace(live, old)
    os.replace(staging, live)
    shutil.rmtree(old, ignore_errors=True)


def remove_others(root: Path, years: Iterable[str]) -> None:
    """Remove from build/pagefind/ all but the UI files and the given years' bundles (a year
    no longer on the site, an index of an earlier layout, a staging folder left over)."""
    if not root.is_dir():
        return
    kept = {*UI_FILES, *years} if years else set()
    for entry in root.iterdir():
        if entry.name in kept:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    if not kept:
        root.rmdir()


def pair_chinese(html: str) -> str:
    """The page with each run of two or more Han characters in its text replaced by its
    overlapping character pairs (碳中和 -> 碳中 中和), the inline tags a run crosses put
    after the pairs."""
    return RUN.sub(_pairs, html)


def _pairs(match: re.Match[str]) -> str:
    run = match.group()
    tags = "".join(re.findall(INLINE, run))
    characters = re.sub(INLINE, "", run)
    pairs = " ".join(characters[i : i + 2] for i in range(len(characters) - 1))
    return f" {pairs} {tags}"
