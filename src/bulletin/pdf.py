"""Lay out print HTML as a PDF with WeasyPrint; imported only by the commands that make PDFs."""

from __future__ import annotations

from pathlib import Path

import weasyprint
from weasyprint.text.fonts import FontConfiguration

_FONTS = FontConfiguration()
"""One font configuration for every PDF of the process: fonts are loaded once."""


def render_pdf(html: str, base_url: Path, variant: str) -> bytes:
    """The tagged PDF, of the given PDF/UA or PDF/A variant, for a self-contained print HTML.

    Relative URLs resolve against `base_url`. The creation date comes from the HTML's
    `dcterms.created`, so the same HTML always gives the same bytes.
    """
    options = {"pdf_variant": variant, "pdf_tags": True}
    html_document = weasyprint.HTML(string=html, base_url=str(base_url))
    pdf = html_document.render(font_config=_FONTS, **options).write_pdf(**options)
    assert pdf is not None
    return bytes(pdf)
