"""`bulletin links` as its stages: read the issues, collect their links, take what the cache
knows, probe the rest concurrently (and ask the snapshot service about those that cannot be
reached), save the cache, judge every address, report each problem at each of its places."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass

from bulletin.content.model import Publication
from bulletin.content.read import read_project
from bulletin.content.validate import validate
from bulletin.diagnostics import Diagnostic, Severity
from bulletin.errors import ConfigError, Problem
from bulletin.errors import Location as Where
from bulletin.links import cache
from bulletin.links.collect import Link, collect
from bulletin.links.probe import Client, client, probe
from bulletin.links.report import diagnostics
from bulletin.links.settings import Options, Settings, settings
from bulletin.links.snapshots import lookup
from bulletin.links.verdict import judge, needs_snapshot
from bulletin.project import Project, require_issue
from bulletin.report import QUIET, Reporter


@dataclass(frozen=True)
class LinkReport:
    """What a run found.

    diagnostics: the files that could not be read, then every problem at every place,
    sorted. links: the addresses checked; cached: how many of them the cache answered;
    problems: how many diagnostics are link problems; seconds: the run's duration.
    """

    diagnostics: tuple[Diagnostic, ...]
    links: int
    cached: int
    problems: int
    seconds: float


def check_links(
    project: Project,
    dates: list[dt.date] | None,
    options: Options,
    strict: bool = False,
    reporter: Reporter = QUIET,
) -> LinkReport:
    """Check the external links of the given issues (all when `dates` is None)."""
    start = time.perf_counter()
    chosen = settings(_configured(project).links, options)
    folders = [project.issues / name for name in project.issue_names()]
    if dates is not None:
        folders = [require_issue(project, date) for date in dates]
    raw = read_project(project, folders)
    links = collect(raw)
    results, cached = _results(project, links, chosen, reporter)
    verdicts = {url: judge(r.probe, r.snapshot, chosen.slow) for url, r in results.items()}
    found = diagnostics(links, verdicts, strict)
    return LinkReport(
        diagnostics=tuple(sorted((*raw.problems, *found))),
        links=len(links),
        cached=cached,
        problems=len(found),
        seconds=time.perf_counter() - start,
    )


def _results(
    project: Project, links: Iterable[Link], chosen: Settings, reporter: Reporter
) -> tuple[dict[str, cache.Result], int]:
    """What is known of each link's address, and how many of them the cache knew: fresh
    results are taken from the cache (unless told not to), the others asked for, then the
    cache saved with them."""
    file = cache.path(project)
    known = cache.load(file, dt.datetime.now(dt.UTC), chosen.max_age)
    wanted = [link.url for link in links]
    cached = {url: known[url] for url in wanted if chosen.use_cache and url in known}
    missing = [url for url in wanted if url not in cached]
    reporter.start(len(missing))
    asked = asyncio.run(_ask_all(missing, chosen, reporter)) if missing else {}
    if asked:
        cache.save(file, known | asked)
    return cached | asked, len(cached)


async def _ask_all(
    urls: list[str], chosen: Settings, reporter: Reporter
) -> dict[str, cache.Result]:
    """Probe every address at once, within the client's limits."""
    async with client(chosen) as http:
        results = await asyncio.gather(*(_ask(http, url, chosen, reporter) for url in urls))
    return dict(zip(urls, results, strict=True))


async def _ask(http: Client, url: str, chosen: Settings, reporter: Reporter) -> cache.Result:
    """Probe one address; for one that cannot be reached, ask for an archived copy."""
    found = await probe(http, url)
    snapshot = await lookup(http, chosen.snapshots, url) if needs_snapshot(found) else None
    verdict = judge(found, snapshot, chosen.slow)
    reporter.outcome(url, verdict.status.value, verdict.what)
    return cache.Result(found, snapshot, dt.datetime.now(dt.UTC))


def _configured(project: Project) -> Publication:
    """The publication's settings; a ConfigError with the problems of the shared files when
    they fail their check."""
    checked = validate(read_project(project, []))
    if checked.publication is None:
        errors = [d for d in checked.diagnostics if d.severity is Severity.ERROR]
        raise ConfigError.of(Problem(Where(d.path, d.line, d.field), d.message) for d in errors)
    return checked.publication
