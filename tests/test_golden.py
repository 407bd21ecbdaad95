"""The sample issue against its golden files: the web page as text, every PDF page as an image.

After an intended change of the look, run `make regen-golden` and review the diff.
"""

from __future__ import annotations

import difflib

import pytest
from PIL import Image

from conftest import SAMPLE_FOLDER, edit, run
from golden import GOLDEN, PAGE_TOLERANCE, changed_share, page_images, render_pages

REGENERATE = "if the change is intended, run `make regen-golden` and review the diff"


def test_issue_page_equals_the_golden_page(site_build):
    """The sample issue's page as the site build makes it (with the site's navigation)."""
    expected = (GOLDEN / "index.html").read_text(encoding="utf-8").splitlines()
    page = site_build / "build" / "issues" / SAMPLE_FOLDER.name / "index.html"
    actual = page.read_text(encoding="utf-8").splitlines()
    diff = "\n".join(difflib.unified_diff(expected, actual, "golden", "built", lineterm=""))
    assert not diff, f"{REGENERATE}\n{diff}"


@pytest.fixture(scope="module")
def rendered(sample_build):
    return render_pages(sample_build.pdf)


def test_pdf_has_as_many_pages_as_the_reference(rendered):
    assert len(rendered) == len(page_images()) > 0, REGENERATE


@pytest.mark.parametrize("number", range(1, len(page_images()) + 1))
def test_pdf_page_looks_like_the_reference(rendered, number):
    reference = Image.open(GOLDEN / f"page-{number:02d}.png").convert("RGB")
    share = changed_share(rendered[number - 1], reference)
    assert share <= PAGE_TOLERANCE, f"page {number}: {share:.2%} of pixels changed; {REGENERATE}"


def test_one_changed_word_fails_only_its_page(project):
    """The comparison can fail: a word changed in item 3's comment shows on its page alone."""
    edit(project / SAMPLE_FOLDER / "top/03-internet-of-things.md", "leaps and bounds", "big steps")
    assert run(project, "build", SAMPLE_FOLDER.name).returncode == 0
    pdf = next((project / "build/issues" / SAMPLE_FOLDER.name).glob("*.pdf"))
    references = [Image.open(path).convert("RGB") for path in page_images()]
    pages = render_pages(pdf)
    assert len(pages) == len(references)
    shares = [changed_share(page, ref) for page, ref in zip(pages, references, strict=True)]
    failing = [number for number, share in enumerate(shares, start=1) if share > PAGE_TOLERANCE]
    assert failing == [4], shares
