"""The sample issue checks clean and builds."""

from conftest import SAMPLE, run


def test_sample_checks_clean(project):
    result = run(project, "check", SAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_sample_build_writes_page_and_pdf(sample_build):
    assert sample_build.html.is_file()
    assert sample_build.pdf.name == f"china-industries-{SAMPLE}.pdf"
    assert sample_build.pdf.read_bytes().startswith(b"%PDF-")
