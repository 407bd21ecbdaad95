"""How links are checked: the `links` group of publication.yaml, overridden by options, each
value checked once here (a wrong one is a `ConfigError` naming the option and the fix)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bulletin.content import values
from bulletin.content.model import LinkChecks
from bulletin.errors import ConfigError

CONCURRENCY = 10
"""Requests at a time in all, over every host."""
SLOW = 5.0
"""Seconds after which an answer that came is reported as slow."""
MAX_AGE = dt.timedelta(days=1)
"""How long a cached result is used without asking again."""
MAX_REDIRECTS = 10
"""The most redirects followed from one address."""


@dataclass(frozen=True)
class Options:
    """What the command line gave (None: the publication's value, else the default)."""

    timeout: float | None = None
    per_host: int | None = None
    concurrency: int | None = None
    slow: float | None = None
    snapshots: str | None = None
    use_cache: bool = True


@dataclass(frozen=True)
class Settings:
    """How a run checks links.

    timeout: seconds for each request. per_host: requests at a time to one host (host and
    port); concurrency: in all. slow: seconds after which an answer is slow. snapshots: the
    availability API of the snapshot service. use_cache: whether results younger than
    max_age are taken from the cache.
    """

    timeout: float = 10.0
    per_host: int = 2
    concurrency: int = CONCURRENCY
    slow: float = SLOW
    snapshots: str = LinkChecks().snapshots
    use_cache: bool = True
    max_age: dt.timedelta = MAX_AGE


def settings(configured: LinkChecks, options: Options) -> Settings:
    """The settings of a run: each option given, else publication.yaml's value, else the
    default; a wrong option is a ConfigError."""
    return Settings(
        timeout=_positive("--timeout", options.timeout, configured.timeout),
        per_host=int(_positive("--per-host", options.per_host, configured.per_host)),
        concurrency=int(_positive("--concurrency", options.concurrency, CONCURRENCY)),
        slow=_positive("--slow", options.slow, SLOW),
        snapshots=_snapshots(options.snapshots, configured.snapshots),
        use_cache=options.use_cache,
    )


def _snapshots(given: str | None, configured: str) -> str:
    """The snapshot service's API: --snapshots (a web address) when given, else configured."""
    if given is None:
        return configured
    if values.url(given):
        raise ConfigError(
            f"--snapshots {given}",
            "not a web address",
            "give the snapshot service's availability API, e.g. --snapshots "
            f"{LinkChecks().snapshots}",
        )
    return given


def _positive(option: str, given: float | None, configured: float) -> float:
    """An option's value when given (it must be more than 0), else the configured one."""
    if given is None:
        return configured
    if given <= 0:
        raise ConfigError(f"{option} {given:g}", "must be more than 0", f"give e.g. {option} 2")
    return given
