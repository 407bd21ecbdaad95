"""The verdict on one address, from what its probe and the snapshot service said: ok, slow,
redirected, moved permanently, dead, timeout, TLS error, redirect loop, too many redirects;
what is wrong in words, and the fix (the address to link to, an archived copy)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import httpx

from bulletin.links.probe import Failure, Probe
from bulletin.links.snapshots import Snapshot


class Status(StrEnum):
    OK = "ok"
    SLOW = "slow"
    REDIRECTED = "redirected"
    MOVED = "moved permanently"
    DEAD = "dead"
    TIMEOUT = "timeout"
    TLS = "TLS error"
    LOOP = "redirect loop"
    TOO_MANY = "too many redirects"


PERMANENT = frozenset({301, 308})
"""Redirects that say the page has moved for good."""
ARCHIVED = frozenset({Status.DEAD, Status.TIMEOUT, Status.TLS})
"""The verdicts for which an archived copy is proposed."""


@dataclass(frozen=True)
class Verdict:
    """The verdict on one address: its status, what is wrong in words (`dead: 404 Not
    Found`), the fix, and for a redirect the address it ends at."""

    url: str
    status: Status
    what: str
    fix: str = ""
    final: str = ""

    @property
    def problem(self) -> bool:
        return self.status is not Status.OK


_FAILED = {
    Failure.TIMEOUT: Status.TIMEOUT,
    Failure.TLS: Status.TLS,
    Failure.UNREACHABLE: Status.DEAD,
    Failure.INVALID: Status.DEAD,
    Failure.LOOP: Status.LOOP,
    Failure.TOO_MANY: Status.TOO_MANY,
}


def needs_snapshot(probe: Probe) -> bool:
    """Whether the probe's verdict asks the snapshot service for an archived copy."""
    return judge(probe, None, slow=float("inf")).status in ARCHIVED


def judge(probe: Probe, snapshot: Snapshot | None, slow: float) -> Verdict:
    """The verdict on a probe: `slow` is the seconds after which an answer is slow."""
    if probe.failure is not None:
        return _failed(probe, snapshot)
    last = probe.hops[-1]
    if not 200 <= last.status < 300:
        what = f"dead: {last.status} {httpx.codes.get_reason_phrase(last.status)}".rstrip()
        return Verdict(probe.url, Status.DEAD, what + _after(probe), archived(snapshot))
    if probe.redirects:
        return _redirected(probe)
    if probe.seconds > slow:
        what = f"slow: answered in {probe.seconds:.1f} s, more than {slow:g} s"
        return Verdict(probe.url, Status.SLOW, what, "check it again later, or cite a faster copy")
    return Verdict(probe.url, Status.OK, f"ok ({last.status})")


def _failed(probe: Probe, snapshot: Snapshot | None) -> Verdict:
    """The verdict on a probe that got no final answer."""
    assert probe.failure is not None
    status = _FAILED[probe.failure]
    if status is Status.LOOP:
        fix = "the address redirects in a circle: link to the page by another address"
        return Verdict(probe.url, status, f"redirect loop: {_chain(probe)}", fix)
    if status is Status.TOO_MANY:
        fix = f"link to where the redirects end: {probe.hops[-1].location}"
        return Verdict(probe.url, status, f"too many redirects: {probe.detail}", fix)
    name = "dead" if status is Status.DEAD else status.value
    what = f"{name}: {probe.detail}{_after(probe)}"
    return Verdict(probe.url, status, what, archived(snapshot))


def _redirected(probe: Probe) -> Verdict:
    """The verdict on an address whose redirects end at a page: moved for good when every
    redirect is permanent (301, 308), else redirected."""
    final = probe.hops[-1].url
    if all(hop.status in PERMANENT for hop in probe.redirects):
        what = f"moved permanently: {_chain(probe)}"
        return Verdict(probe.url, Status.MOVED, what, f"update the link to {final}", final)
    fix = f"a temporary redirect: link to {final} if the page stays there"
    return Verdict(probe.url, Status.REDIRECTED, f"redirected: {_chain(probe)}", fix, final)


def _chain(probe: Probe) -> str:
    """The redirects of a probe: `301 to URL, 302 to URL`."""
    return ", ".join(f"{hop.status} to {hop.location}" for hop in probe.redirects)


def _after(probe: Probe) -> str:
    """`, after REDIRECTS` when the probe was redirected before it ended."""
    return f", after {_chain(probe)}" if probe.redirects else ""


def archived(snapshot: Snapshot | None) -> str:
    """The fix for a link that cannot be reached: its archived copy, when there is one."""
    if snapshot is None:
        return "no archived copy was looked up: replace or remove the link"
    if snapshot.error:
        return (
            f"no archived copy could be looked up, the snapshot service failed: "
            f"{snapshot.error}; replace or remove the link"
        )
    if snapshot.url:
        return f"an archived copy: {snapshot.url}"
    return "no archived copy: replace or remove the link"
