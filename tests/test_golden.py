"""The sample project against its golden files: the site's pages and the email as text, every PDF
page as an image (see tests/golden.py, which makes them all with the command line).

After an intended change of the look, run `make regen-golden` and review the diff.
"""

from __future__ import annotations

import difflib

import pytest
from PIL import Image

from conftest import SAMPLE_FOLDER, edit, run
from golden import (
    GOLDEN,
    GOLDEN_FILES,
    PAGE_IMAGES,
    PAGE_TOLERANCE,
    REGENERATE,
    Outputs,
    changed_share,
    make_outputs,
    page_images,
    render_pages,
)

SHOWN_LINES = 40
"""How much of a failing golden file's diff the failure shows."""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    """The sample project built and mailed once for every test of this module."""
    return make_outputs(tmp_path_factory.mktemp("golden"))


def difference(name: str, expected: str, actual: str) -> str:
    """Nothing when the texts are equal, else the golden file's name, the start of a unified
    diff from the golden to the output, and how to accept the change."""
    diff = list(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), f"golden/{name}", "made now", lineterm=""
        )
    )
    if not diff:
        return ""
    shown = diff[:SHOWN_LINES]
    if len(diff) > SHOWN_LINES:
        shown.append(f"... ({len(diff) - SHOWN_LINES} more diff lines)")
    return "\n".join(
        [
            f"tests/golden/{name} differs from the output (- golden, + made now):",
            *shown,
            f"if the change is intended, run `{REGENERATE}` and review `git diff tests/golden/`",
        ]
    )


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_output_equals_its_golden_file(outputs, name):
    expected = (GOLDEN / name).read_bytes().decode()
    failure = difference(name, expected, outputs.texts[name])
    if failure:
        pytest.fail(failure, pytrace=False)


def test_a_failure_names_the_file_shows_the_start_of_the_diff_and_how_to_accept_it():
    golden = "".join(f"line {number}\n" for number in range(200))
    changed = golden.replace("line", "row", 50)
    failure = difference("site/index.html", golden, changed).splitlines()
    assert failure[0].startswith("tests/golden/site/index.html differs from the output")
    assert failure[1:4] == ["--- golden/site/index.html", "+++ made now", "@@ -1,53 +1,53 @@"]
    assert failure[4] == "-line 0" and "+row 49" not in failure
    assert failure[-2] == f"... ({2 + 1 + 50 + 50 + 3 - SHOWN_LINES} more diff lines)"
    assert failure[-1].startswith("if the change is intended, run `make regen-golden`")
    assert difference("site/index.html", golden, golden) == ""


@pytest.fixture(scope="module")
def rendered(outputs):
    return render_pages(outputs.pdf)


def test_pdf_has_as_many_pages_as_the_reference(rendered):
    assert len(rendered) == len(page_images()) > 0, REGENERATE


@pytest.mark.parametrize("number", range(1, len(page_images()) + 1))
def test_pdf_page_looks_like_the_reference(rendered, number):
    reference = Image.open(PAGE_IMAGES / f"page-{number:02d}.png").convert("RGB")
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
