"""Lay out print HTML as a PDF with WeasyPrint; imported only by the commands that make PDFs."""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
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


def render_pdfs(jobs: Iterable[Job]) -> Iterator[Rendered]:
    """The PDFs of many issues, in order, each as soon as it is made: several issues use every
    core (see `each_on_every_core`)."""
    return each_on_every_core(_timed_render, jobs)


def each_on_every_core(work: Callable[[J], R], jobs: Iterable[J]) -> Iterator[R]:
    """`work(job)` for every job, in order, each result as soon as it and those before it are
    done: several jobs use every core, in long-lived processes that each keep WeasyPrint and its
    fonts loaded for all the jobs they do. Jobs are taken from `jobs` only as workers free up
    (two for each), so memory holds a few jobs and results, not all of them."""
    workers = os.cpu_count() or 1
    pending = iter(jobs)
    first = list(itertools.islice(pending, 2))
    if workers <= 1 or len(first) <= 1:
        yield from (work(job) for job in itertools.chain(first, pending))
        return
    from concurrent.futures import ProcessPoolExecutor  # not imported for a single document

    with ProcessPoolExecutor(max_workers=workers) as pool:
        running = deque(pool.submit(work, job) for job in first)
        running += (pool.submit(work, job) for job in itertools.islice(pending, 2 * workers - 2))
        while running:
            done = running.popleft().result()
            running += (pool.submit(work, job) for job in itertools.islice(pending, 1))
            yield done


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
