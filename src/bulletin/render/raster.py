"""HTML to a PNG image of a given pixel size: laid out by WeasyPrint, rasterised by pdfium.

WeasyPrint 70 writes only PDF, so the HTML is laid out on one page of exactly the image's size
(`@page` in CSS pixels, no margin), and pypdfium2 renders that page at 96 dpi, where a CSS
pixel is an image pixel. What does not fit on the first page is not in the image. Imported only
by the commands that make images (the site build's social cards).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path

import pypdfium2
from markupsafe import escape

from bulletin.render.pdf import Rendered, each_on_every_core, timed
from bulletin.render.startup import import_weasyprint

weasyprint = import_weasyprint()

Job = tuple[str, Path, int, int]
"""What a PNG is made from: HTML, base URL, width and height in pixels."""
CSS_PIXELS_PER_POINT = 96 / 72
"""pdfium's scale that makes one CSS pixel (1/96 in) one image pixel; a PDF point is 1/72 in."""
_FONTS = weasyprint.text.fonts.FontConfiguration()
RENDERER = f"WeasyPrint {weasyprint.__version__}, pypdfium2 {pypdfium2.PYPDFIUM_INFO}"
"""What makes the pictures: the same HTML and files with the same renderer give the same PNG."""


def png(html: str, base_url: Path, width: int, height: int) -> bytes:
    """The PNG of `html` laid out on a `width` x `height` pixel page (relative URLs resolve
    against `base_url`); the same HTML always gives the same bytes."""
    page = weasyprint.CSS(string=f"@page {{ size: {width}px {height}px; margin: 0 }}")
    document = weasyprint.HTML(string=html, base_url=str(base_url))
    pdf = document.render(stylesheets=[page], font_config=_FONTS).write_pdf()
    assert pdf is not None
    return _first_page_png(bytes(pdf), width, height)


def picture(src: str, width: int, height: int) -> str:
    """The HTML of one image filling a `width` x `height` pixel page: `png` of it is a raster
    copy of the image (of an SVG drawing, say)."""
    return (
        '<!doctype html><html lang="en"><title>copy</title>'
        f'<img src="{escape(src)}" alt="" style="display: block; width: {width}px; '
        f'height: {height}px"></html>'
    )


def pngs(jobs: Iterable[Job]) -> Iterator[Rendered]:
    """The PNGs of many HTML documents, in order, each as soon as it is made, with the seconds
    it took and what WeasyPrint warned about; several use every core."""
    return each_on_every_core(_timed_png, jobs)


def _timed_png(job: Job) -> Rendered:
    return timed(png, *job)


def _first_page_png(pdf: bytes, width: int, height: int) -> bytes:
    """The first page of a PDF as an RGB PNG of exactly `width` x `height` pixels."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=CSS_PIXELS_PER_POINT)
        image = bitmap.to_pil().convert("RGB")
    finally:
        document.close()
    if image.size != (width, height):  # pdfium rounds the page size: never by a whole pixel
        image = image.resize((width, height))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()
