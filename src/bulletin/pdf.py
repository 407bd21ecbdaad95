"""Lay out print HTML as a PDF with WeasyPrint; imported only by the commands that make PDFs."""

from __future__ import annotations

from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration

_FONTS = FontConfiguration()
"""One font configuration for every PDF of the process: fonts are loaded once."""


def render_pdf(html: str, base_url: Path, variant: str | None = None) -> bytes:
    """The PDF for a self-contained print HTML; relative URLs resolve against `base_url`."""
    document = weasyprint.HTML(string=html, base_url=str(base_url)).render(font_config=_FONTS)
    pdf = document.write_pdf(pdf_variant=variant, uncompressed_pdf=False)
    assert pdf is not None
    return bytes(pdf)
