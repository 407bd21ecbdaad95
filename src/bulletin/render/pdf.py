"""Lay out print HTML as a PDF with WeasyPrint; imported only by the commands that make PDFs."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from bulletin.render.startup import import_weasyprint
from bulletin.render.tagging import tag_pdf

weasyprint = import_weasyprint()
_FONTS = weasyprint.text.fonts.FontConfiguration()
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
"""A file WeasyPrint made (a PDF, or a PNG through `raster`), the seconds it took, and what
WeasyPrint warned about while making it."""
J = TypeVar("J")
R = TypeVar("R")


def render_pdfs(jobs: list[Job]) -> list[Rendered]:
    """The PDFs of many issues; several issues use every core (see `on_every_core`)."""
    return on_every_core(_timed_render, jobs)


def on_every_core(work: Callable[[J], R], jobs: Sequence[J]) -> list[R]:
    """`work(job)` for every job, in order: several jobs use every core, in long-lived
    processes that each keep WeasyPrint and its fonts loaded for all the jobs they do."""
    workers = min(os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        return [work(job) for job in jobs]
    from concurrent.futures import ProcessPoolExecutor  # not imported for a single document

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, jobs))


def _timed_render(job: Job) -> Rendered:
    return timed(render_pdf, *job)


def timed(make: Callable[..., bytes], *arguments: Any) -> Rendered:
    """What `make(*arguments)` made, the seconds it took, and what WeasyPrint warned about."""
    start = time.perf_counter()
    with WarningLog.collecting() as messages:
        made = make(*arguments)
    return made, time.perf_counter() - start, messages


class WarningLog(logging.Handler):
    """Keeps WeasyPrint's warnings and errors (a bad CSS value, an image it cannot load)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    @classmethod
    @contextmanager
    def collecting(cls) -> Iterator[list[str]]:
        """What WeasyPrint logs while the block runs, in a list filled as it goes."""
        collect = cls()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collect)
        try:
            yield collect.messages
        finally:
            logger.removeHandler(collect)
