"""The PDF meets the standards it claims: tagged PDF/UA with a language by default, PDF/A on
request, the same bytes for the same input, and a size fit for email."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from bulletin.render.standards import PDF_VARIANTS
from conftest import SAMPLE, copy_project, run


@pytest.fixture(scope="module")
def reader(sample_build):
    return PdfReader(sample_build.pdf)


def test_default_pdf_is_tagged_with_a_language(reader):
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"


def test_default_pdf_declares_pdf_ua_1(reader):
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfuaid:part[^0-9]*1", xmp), xmp[:500]


def test_structure_tree_holds_headings_lists_and_paragraphs(reader):
    tags: set[str] = set()
    stack = [reader.trailer["/Root"]["/StructTreeRoot"].get_object()]
    while stack:
        node = stack.pop()
        tags.add(str(node.get("/S")))
        kids = node.get("/K")
        kids = kids if isinstance(kids, list) else [kids]
        objects = [kid.get_object() for kid in kids if hasattr(kid, "get_object")]
        stack += [kid for kid in objects if isinstance(kid, dict)]
    assert {"/H1", "/H2", "/H3", "/P", "/L", "/LI", "/Link"} <= tags, tags


def test_sample_pdf_stays_under_250_kb(sample_build):
    assert sample_build.pdf.stat().st_size < 250 * 1024


def test_two_builds_in_separate_processes_are_byte_identical(tmp_path, sample_build):
    other = copy_project(tmp_path / "again")
    assert run(other, "build", SAMPLE).returncode == 0
    again = other / "build/issues" / SAMPLE / sample_build.pdf.name
    assert again.read_bytes() == sample_build.pdf.read_bytes()


def test_archival_variant_is_pdf_a_and_still_tagged(project):
    result = run(project, "build", "--pdf-variant", "pdf/a-3u", SAMPLE)
    assert result.returncode == 0, result.stderr
    reader = PdfReader(next((project / "build/issues" / SAMPLE).glob("*.pdf")))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part[^0-9]*3", xmp) and re.search(r"pdfaid:conformance\W*U", xmp)
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_offered_variants_are_ones_weasyprint_supports():
    from weasyprint.pdf import VARIANTS

    assert set(PDF_VARIANTS) <= set(VARIANTS)


def test_unknown_variant_is_refused_before_anything_is_built(project):
    result = run(project, "build", "--pdf-variant", "pdf/z-9", SAMPLE)
    assert result.returncode == 2
    assert "'pdf/z-9' is not one of" in result.stderr
    assert not (project / "build").exists()
