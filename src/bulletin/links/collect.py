"""The external links of issues as read: each web address once, with every place citing it.

A link is a Markdown link of a body (`markdown.Target`), a link in a field of inline Markdown
(a news item's text), or a front-matter value of kind `Kind.URL` (`policy.url`, a source's
`url`); the schema says which fields are which. Only http and https addresses are external.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urlsplit

from bulletin.content import markdown, rules
from bulletin.content.read import FieldPath, RawDocument, RawIssue, RawProject
from bulletin.content.schema import ISSUE, TOP_ITEM, WORTH_NOTING, Field, Kind


@dataclass(frozen=True, order=True)
class Place:
    """Where a link is written: the file as shown, its 1-based line, the address as written
    there (with its #fragment, if any)."""

    path: str
    line: int
    written: str


@dataclass(frozen=True)
class Link:
    """One web address to check, without its #fragment (no server sees it), and every place
    that cites it, sorted."""

    url: str
    places: tuple[Place, ...]


def collect(raw: RawProject) -> tuple[Link, ...]:
    """Every external link of the issues read, by address (sorted), each with its places."""
    found: dict[str, set[Place]] = {}
    for issue in raw.issues:
        for doc, fields in _documents(issue):
            for place in (*_front_matter(doc, fields, doc.data, ()), *_body(doc)):
                if is_external(place.written):
                    found.setdefault(address(place.written), set()).add(place)
    return tuple(Link(url, tuple(sorted(places))) for url, places in sorted(found.items()))


def is_external(url: str) -> bool:
    """Whether `url` is a web address with a host (http or https)."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def address(url: str) -> str:
    """The address a server is asked for: as written, without spaces around or #fragment."""
    return urldefrag(url.strip()).url


def _documents(issue: RawIssue) -> Iterator[tuple[RawDocument, tuple[Field, ...]]]:
    """Each file of an issue that was read, with the fields of its front matter."""
    if issue.issue is not None:
        yield issue.issue, ISSUE
    yield from ((doc, TOP_ITEM) for doc in issue.top)
    if issue.worth_noting is not None:
        yield issue.worth_noting, WORTH_NOTING


def _front_matter(
    doc: RawDocument, fields: tuple[Field, ...], data: Any, path: FieldPath
) -> Iterator[Place]:
    """The links of a group of fields, found by walking the data along the schema."""
    if not isinstance(data, dict):
        return
    for spec in fields:
        value = data.get(spec.name)
        if spec.many and isinstance(value, list):
            for index, item in enumerate(value):
                yield from _value(doc, spec, item, (*path, spec.name, index))
        else:
            yield from _value(doc, spec, value, (*path, spec.name))


def _value(doc: RawDocument, spec: Field, value: Any, path: FieldPath) -> Iterator[Place]:
    """The links of one value: itself (a URL), those of its text (inline Markdown), or those
    of its sub-fields (a group)."""
    if spec.kind is Kind.MAPPING:
        yield from _front_matter(doc, spec.fields, value, path)
    elif isinstance(value, str) and spec.kind is Kind.URL:
        yield Place(doc.shown, doc.line(path), value)
    elif isinstance(value, str) and rules.safe_links in spec.rules:  # inline Markdown
        for target in markdown.inline_targets(value):
            if target.kind == "link":
                yield Place(doc.shown, doc.line(path) + target.line, target.url)


def _body(doc: RawDocument) -> Iterator[Place]:
    """The links of a Markdown body, at their lines in the file."""
    for target in markdown.read(doc.body).targets:
        if target.kind == "link":
            yield Place(doc.shown, doc.body_line + target.line, target.url)
