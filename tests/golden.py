"""Golden files of the sample issue: its web page as built, and its PDF pages as images.

Run `make regen-golden` (this module as a script) after an intended change to the templates,
the stylesheets or the sample content, then review the diff of tests/golden/ before committing.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pypdfium2
from PIL import Image, ImageChops

REPO = Path(__file__).resolve().parents[1]
SAMPLE = "2021-11-02"
GOLDEN = REPO / "tests" / "golden" / SAMPLE
DPI = 50
PIXEL_THRESHOLD = 48
"""A pixel counts as changed when a colour channel moves by more than this (of 255)."""
PAGE_TOLERANCE = 0.001
"""The share of a page's pixels that may change before the page fails (0.1%); one changed
word changes about 0.3% of a page."""


def render_pages(pdf: Path) -> list[Image.Image]:
    """Every page of a PDF as an RGB image at DPI."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=DPI / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def changed_share(image: Image.Image, reference: Image.Image) -> float:
    """The share of pixels that differ visibly between two images (1.0 if sizes differ)."""
    if image.size != reference.size:
        return 1.0
    difference = ImageChops.difference(image, reference).convert("L")
    changed = difference.point(lambda value: 255 if value > PIXEL_THRESHOLD else 0)
    return changed.histogram()[255] / (image.width * image.height)


def page_images() -> list[Path]:
    """The committed reference images, in page order."""
    return sorted(GOLDEN.glob("page-*.png"))


def regenerate() -> None:
    """Build the sample issue in a temporary copy and store its page and page images."""
    from bulletin.project import find_project
    from bulletin.site.build import build

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(REPO / "content", root / "content")
        shutil.copytree(REPO / "templates", root / "templates")
        build(find_project(root))  # the whole site: the page as published, with navigation
        folder = root / "build" / "issues" / SAMPLE
        built = {".html": folder / "index.html", ".pdf": next(folder.glob("*.pdf"))}
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for old in page_images():
            old.unlink()
        shutil.copyfile(built[".html"], GOLDEN / "index.html")
        for number, image in enumerate(render_pages(built[".pdf"]), start=1):
            image.save(GOLDEN / f"page-{number:02d}.png", optimize=True)
    print(f"{GOLDEN.relative_to(REPO)}: index.html and {len(page_images())} page images")


if __name__ == "__main__":
    sys.exit(regenerate())
