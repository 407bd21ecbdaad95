"""The text of a PDF issue, by poppler's pdftotext, in the layout of the plain-text issues."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bulletin.errors import ConfigError


def pdf_text(source: Path) -> str:
    """The text of the PDF at `source`, laid out like a plain-text issue."""
    try:
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(source), "-"],
            capture_output=True,
            check=False,
            timeout=120,
        )
    except FileNotFoundError:
        raise ConfigError("pdftotext", "not installed", "install poppler-utils") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
        raise ConfigError(str(source), f"not a readable PDF ({reason[0]})", "give the issue's PDF")
    return done.stdout.decode("utf-8", "replace")
