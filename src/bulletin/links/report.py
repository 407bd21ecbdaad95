"""The problems of a run as diagnostics: one per problem and per place that cites it,
`path:line: warning: link: URL: what (fix)`, sorted as `bulletin check` sorts its own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bulletin.diagnostics import Diagnostic, Severity
from bulletin.links.collect import Link
from bulletin.links.verdict import Verdict

FIELD = "link"


def diagnostics(
    links: Iterable[Link], verdicts: Mapping[str, Verdict], strict: bool = False
) -> tuple[Diagnostic, ...]:
    """A diagnostic for each place of each link whose verdict is a problem: a warning, or an
    error when `strict`."""
    severity = Severity.ERROR if strict else Severity.WARNING
    found = [
        Diagnostic(place.path, place.line, severity, FIELD, _message(place.written, verdict))
        for link in links
        if (verdict := verdicts[link.url]).problem
        for place in link.places
    ]
    return tuple(sorted(found))


def _message(written: str, verdict: Verdict) -> str:
    fix = f" ({verdict.fix})" if verdict.fix else ""
    return f"{written}: {verdict.what}{fix}"
