"""The site build keeps build/ right whatever happened before: drafts built by date, deleted
outputs, unfinished drafts, warnings kept from earlier builds, failed writes."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from bulletin.site.cache import VERSION
from conftest import SAMPLE, SAMPLE_FOLDER, copy_project, edit, run
from synthetic import add_issue

DRAFT = "2021-11-30"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The sample project with a draft mentioning "okapi", built as a site."""
    root = copy_project(tmp_path / "p")
    add_issue(root, dt.date(2021, 11, 30), draft=True, word="okapi")
    assert run(root, "build").returncode == 0
    return root


def _search_text(root: Path) -> str:
    fragments = (root / "build/pagefind").glob("*/fragment/*.pf_fragment")
    return "".join(gzip.decompress(f.read_bytes()).decode("utf-8", "replace") for f in fragments)


def test_a_draft_built_by_date_leaves_the_site_at_the_next_build(site):
    assert run(site, "build", DRAFT).returncode == 0
    assert (site / "build/issues" / DRAFT / "index.html").is_file()
    result = run(site, "build")
    assert result.returncode == 0, result.stderr
    assert not (site / "build/issues" / DRAFT).exists()
    assert "okapi" not in _search_text(site)


def test_a_draft_once_built_with_drafts_leaves_the_search_index(site):
    assert run(site, "build", "--drafts").returncode == 0
    assert "okapi" in _search_text(site)
    assert run(site, "build").returncode == 0
    assert "okapi" not in _search_text(site)
    assert not (site / "build/issues" / DRAFT).exists()


def test_an_unfinished_draft_does_not_stop_the_site(site):
    edit(site / "content/issues" / DRAFT / "top/01-carbon-neutrality.md", "rank: 1", "rank: one")
    result = run(site, "build")
    assert result.returncode == 0, result.stderr
    assert (
        f"content/issues/{DRAFT}/issue.md:1: warning: draft left out of the site" in result.stderr
    )
    assert run(site, "build", "--drafts").returncode == 1


def test_a_deleted_output_is_made_again(site):
    pdf = next((site / "build/issues" / SAMPLE).glob("*.pdf"))
    pdf.unlink()
    result = run(site, "build")
    assert result.returncode == 0 and pdf.is_file()
    assert str(pdf.relative_to(site)) in result.stdout


def test_strict_fails_on_a_warning_from_an_earlier_build(site):
    edit(site / SAMPLE_FOLDER / "top/02-standardization.md", "rank: 2", "rank: 2\ncolour: red")
    first = run(site, "build")
    assert first.returncode == 0 and "colour: unknown field" in first.stderr
    again = run(site, "build", "--strict")
    assert again.returncode == 1
    assert "colour: unknown field" in again.stderr


def test_weasyprint_warnings_are_reported_and_strict_fails_on_them(tmp_path):
    root = copy_project(tmp_path / "p")
    with (root / "templates/print.css").open("a", encoding="utf-8") as css:
        css.write("\n.masthead { font-size: banana; }\n")
    result = run(root, "build", SAMPLE)
    assert result.returncode == 0
    assert "china-industries-2021-11-02.pdf:1: warning: WeasyPrint: " in result.stderr
    assert "banana" in result.stderr
    assert run(root, "build", "--strict", SAMPLE).returncode == 1


def test_a_failed_write_is_one_line_and_writes_nothing(tmp_path):
    root = copy_project(tmp_path / "p")
    assert run(root, "build", SAMPLE).returncode == 0
    folder = root / "build/issues" / SAMPLE
    page_before = (folder / "index.html").read_bytes()
    pdf = next(folder.glob("*.pdf"))
    pdf.unlink()
    pdf.mkdir()  # the PDF cannot be replaced now
    edit(root / SAMPLE_FOLDER / "top/01-carbon-neutrality.md", "title: Landmark", "title: Major")
    result = run(root, "build", SAMPLE)
    assert result.returncode == 1
    assert "error: cannot write" in result.stderr and "Traceback" not in result.stderr
    assert (folder / "index.html").read_bytes() == page_before
    assert not list(folder.glob(".*.tmp"))


def test_a_page_built_alone_is_the_page_of_the_site(tmp_path):
    """`bulletin build DATE` writes the same bytes whatever build/ holds: before a site build,
    after one, and as the whole-site build writes them."""
    root = copy_project(tmp_path / "p")
    assert run(root, "build", SAMPLE).returncode == 0
    page = root / "build/issues" / SAMPLE / "index.html"
    alone = page.read_bytes()
    assert b'class="site-nav"' in alone
    assert run(root, "build").returncode == 0
    assert page.read_bytes() == alone
    assert run(root, "build", SAMPLE).returncode == 0
    assert page.read_bytes() == alone
    other = copy_project(tmp_path / "q")
    assert run(other, "build").returncode == 0
    assert (other / "build/issues" / SAMPLE / "index.html").read_bytes() == alone


def test_a_broken_filter_call_names_the_template_line(tmp_path):
    root = copy_project(tmp_path / "p")
    template = root / "templates/_issue.html"
    edit(template, "policy.date | longdate", "policy.name | longdate")
    line = next(
        n
        for n, text in enumerate(template.read_text().split("\n"), 1)
        if "policy.name | long" in text
    )
    result = run(root, "build", SAMPLE)
    assert result.returncode == 1
    assert result.stderr.startswith(f"templates/_issue.html:{line}: error: template: ")
    assert "internal error" not in result.stderr


def test_a_damaged_cache_rebuilds_from_the_files(site):
    (site / ".bulletin-cache" / f"{SAMPLE}.pickle").write_bytes(b"not a pickle")
    edit(site / "content/issues" / DRAFT / "top/02-standardization.md", "rank: 2", "rank: 2\n")
    result = run(site, "build")
    assert result.returncode == 0, result.stderr
    assert "build/sitemap.xml" in result.stdout
    assert f"build/issues/{SAMPLE}/" not in result.stdout  # its outputs are still right
    assert SAMPLE in (site / "build/index.html").read_text(encoding="utf-8")
    assert "nothing changed" in run(site, "build").stderr


def test_a_state_of_an_older_shape_means_a_full_rebuild(site):
    state = site / ".bulletin-cache/state.json"
    state.write_text('{"shared": "x", "site": null, "issues": {}, "files": [], "warnings": []}')
    result = run(site, "build")
    assert result.returncode == 0, result.stderr
    assert f"build/issues/{SAMPLE}/china-industries-{SAMPLE}.pdf" in result.stdout
    assert f'"version": {VERSION}' in state.read_text(encoding="utf-8")


def test_no_pdf_builds_the_html_alone_and_the_next_build_adds_only_the_pdfs(tmp_path):
    root = copy_project(tmp_path / "p")
    add_issue(root, dt.date(2021, 11, 16))
    result = run(root, "build", "--no-pdf")
    assert result.returncode == 0, result.stderr
    pages = sorted(p.relative_to(root) for p in (root / "build").rglob("*.html"))
    assert Path(f"build/issues/{SAMPLE}/index.html") in pages
    assert not list((root / "build").rglob("*.pdf")) and not list((root / "build").rglob("*.png"))
    assert list((root / "build/pagefind").glob("*/pagefind.js")), "the search index is built"
    assert "nothing changed" in run(root, "build", "--no-pdf").stderr
    result = run(root, "build")
    assert result.returncode == 0, result.stderr
    written = [line.split()[1] for line in result.stdout.splitlines()]
    assert sorted(name for name in written if name.endswith(".pdf")) == [
        f"build/issues/{date}/china-industries-{date}.pdf" for date in (SAMPLE, "2021-11-16")
    ]
    assert not [name for name in written if name.endswith(".html")], "pages done already"
    assert "nothing changed" in run(root, "build").stderr


def test_a_deleted_pdf_is_made_again_with_no_page(site):
    pdf = site / f"build/issues/{SAMPLE}/china-industries-{SAMPLE}.pdf"
    pdf.unlink()
    result = run(site, "build")
    assert result.returncode == 0, result.stderr
    written = [line.split()[1] for line in result.stdout.splitlines()]
    assert written[0] == f"build/issues/{SAMPLE}/china-industries-{SAMPLE}.pdf"
    assert set(written[1:]) <= {f"build/issues/{SAMPLE}/card.png"}, "its print products only"
    assert pdf.is_file()


def test_a_long_series_title_still_names_a_pdf_that_fits_a_file_system(tmp_path):
    root = copy_project(tmp_path / "p")
    series = "China Industries and the " + "Very Long Subtitle " * 12 + "中国产业" * 20
    edit(root / "content/publication.yaml", "series: China Industries", f"series: {series}")
    result = run(root, "build", SAMPLE, "--no-pdf")
    assert result.returncode == 0, result.stderr
    result = run(root, "build", SAMPLE)
    assert result.returncode == 0, result.stderr
    [pdf] = (root / "build/issues" / SAMPLE).glob("*.pdf")
    assert len(pdf.name.encode()) <= 130 and pdf.name.endswith(f"-{SAMPLE}.pdf")
    assert pdf.name.startswith("china-industries-and-the-very-long-subtitle-")
