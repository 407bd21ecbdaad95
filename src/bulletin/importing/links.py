"""The addresses of a PDF issue, read from its link annotations (pdftotext gives only their
text), put back on the draft read from its text: policies, sources, the items' inline links."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from bulletin.importing.draft import Draft, Finding, NewsGroup, TopItem
from bulletin.importing.pdf import plain_quotes

MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\([^)]*\)")


@dataclass(frozen=True)
class PdfLink:
    """A link annotation that leads out of the issue. text: its /Contents (the visible text
    bulletin gives it), white space normalised and quotes straight as the content holds them
    ('' without one). url: its /URI. page: 1-based, for the report."""

    text: str
    url: str
    page: int


def pdf_links(source: Path) -> tuple[PdfLink, ...]:
    """Every link annotation of the PDF at `source` with a /URI, in page order; internal links
    (a destination, or a `#` target) are left out, and so are the repeated pieces of a link
    split over pages."""
    found: list[PdfLink] = []
    for number, page in enumerate(PdfReader(source).pages, start=1):
        for annotation in page.get("/Annots") or []:
            link = _link(annotation.get_object(), number)
            if link and not (found and (found[-1].text, found[-1].url) == (link.text, link.url)):
                found.append(link)
    return tuple(found)


def _link(annotation: Any, page: int) -> PdfLink | None:
    """The annotation as a link out of the issue, or None."""
    if annotation.get("/Subtype") != "/Link" or "/A" not in annotation:
        return None
    url = str(annotation["/A"].get_object().get("/URI", ""))
    if not url or url.startswith("#"):
        return None
    text = " ".join(str(annotation.get("/Contents", "")).split())
    return PdfLink(plain_quotes(text), url, page)


def with_links(draft: Draft, links: Iterable[PdfLink], ignored: Collection[str] = ()) -> Draft:
    """The draft with each link's address placed: on the policy named as its text, else on the
    Worth-noting source labelled so, else as `[text](url)` at the text's first free occurrence
    in an item's At a glance or comment, searched from the item of the link before. A link that
    cannot be placed is a finding; those to an address in `ignored` (the publication's own, in
    blocks the import leaves out) are skipped."""
    placer = _Placer(list(draft.top), list(draft.worth_noting))
    unplaced = [link for link in links if link.url not in ignored and not placer.place(link)]
    findings = tuple(
        Finding(None, f"page {link.page}: link '{link.text}' ({link.url}): not placed, left out")
        for link in unplaced
    )
    top, news = tuple(placer.top), tuple(placer.news)
    return replace(draft, top=top, worth_noting=news, findings=draft.findings + findings)


@dataclass
class _Placer:
    """The draft's items and groups while the links are placed; `cursor` is the item of the
    last inline link placed (links come in page order)."""

    top: list[TopItem]
    news: list[NewsGroup]
    cursor: int = 0

    def place(self, link: PdfLink) -> bool:
        if not link.text:
            return False
        return self.policy(link) or self.source(link) or self.inline(link)

    def policy(self, link: PdfLink) -> bool:
        for index, item in enumerate(self.top):
            if item.policy.url is None and item.policy.name == link.text:
                self.top[index] = replace(item, policy=replace(item.policy, url=link.url))
                return True
        return False

    def source(self, link: PdfLink) -> bool:
        for index, group in enumerate(self.news):
            linked = _source_linked(group, link)
            if linked is not None:
                self.news[index] = linked
                return True
        return False

    def inline(self, link: PdfLink) -> bool:
        for index in range(self.cursor, len(self.top)):
            item = self.top[index]
            glance, comment = _linked(item.at_a_glance, link), _linked(item.comment, link)
            if glance is not None:
                self.top[index] = replace(item, at_a_glance=glance)
            elif comment is not None:
                self.top[index] = replace(item, comment=comment)
            else:
                continue
            self.cursor = index
            return True
        return False


def _linked(markdown: str, link: PdfLink) -> str | None:
    """`markdown` with the first occurrence of the link's text outside a link made a link to
    its address, or None when there is none."""
    taken = [found.span() for found in MARKDOWN_LINK.finditer(markdown)]
    start = markdown.find(link.text)
    while start >= 0:
        end = start + len(link.text)
        if not any(first < end and start < last for first, last in taken):
            return f"{markdown[:start]}[{link.text}]({link.url}){markdown[end:]}"
        start = markdown.find(link.text, end)
    return None


def _source_linked(group: NewsGroup, link: PdfLink) -> NewsGroup | None:
    """The group with the link's address on the first source labelled as its text that has
    none yet, or None when there is no such source."""
    for at, news in enumerate(group.items):
        for which, source in enumerate(news.sources):
            if source.url is None and source.label == link.text:
                sources = list(news.sources)
                sources[which] = replace(source, url=link.url)
                items = list(group.items)
                items[at] = replace(news, sources=tuple(sources))
                return replace(group, items=tuple(items))
    return None
