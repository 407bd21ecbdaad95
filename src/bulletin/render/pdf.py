"""Lay out print HTML as a PDF with WeasyPrint; imported only by the commands that make PDFs."""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from bulletin.render.tagging import tag_pdf

_FONTS = FontConfiguration()
"""One font configuration for every PDF of the process: fonts are loaded once."""


def render_pdf(html: str, base_url: Path, variant: str) -> bytes:
    """The tagged PDF, of the given PDF/UA or PDF/A variant, for a self-contained print HTML,
    its tags mended by `tagging.tag_pdf` for screen readers.

    Relative URLs resolve against `base_url`. The creation date comes from the HTML's
    `dcterms.created`, so the same HTML always gives the same bytes.
    """
    options = {"pdf_variant": variant, "pdf_tags": True}
    html_document = weasyprint.HTML(string=html, base_url=str(base_url))
    pdf = html_document.render(font_config=_FONTS, **options).write_pdf(**options)
    assert pdf is not None
    return tag_pdf(bytes(pdf), html)


Job = tuple[str, Path, str]
"""What a PDF is made from: print HTML, base URL, PDF variant."""


Rendered = tuple[bytes, float, list[str]]
"""A PDF, the seconds it took, and what WeasyPrint warned about while making it."""


def render_pdfs(jobs: list[Job]) -> list[Rendered]:
    """The PDFs of many issues; several issues use every core, in long-lived processes that
    each keep WeasyPrint and its fonts loaded for all the PDFs they lay out."""
    workers = min(os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        return [_timed_render(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_timed_render, jobs))


def _timed_render(job: Job) -> Rendered:
    start = time.perf_counter()
    collect = WarningLog()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        pdf = render_pdf(*job)
    finally:
        logger.removeHandler(collect)
    return pdf, time.perf_counter() - start, collect.messages


class WarningLog(logging.Handler):
    """Keeps WeasyPrint's warnings and errors (a bad CSS value, an image it cannot load)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
