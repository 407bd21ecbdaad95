"""The PDF's text layer: every sentence of every source file of the sample issue, and of the
test issue of notes, figures and tables, can be found in the text pdftotext and pypdf
extract, hyphens as typed (no U+2010 or U+2011 anywhere). The helpers are in
tests/sentences.py; they take a project folder and an issue date."""

from __future__ import annotations

import pytest

from conftest import FEATURES, SAMPLE
from sentences import found, full_text, issue_sentences, normal, pdf_pages

TOOLS = ("pdftotext", "pypdf")
ISSUES = {SAMPLE: "sample_build", FEATURES: "feature_build"}
FOOTERS = {
    SAMPLE: "China Industries | November 2, 2021",
    FEATURES: "China Industries | November 16, 2021",
}
EVERY_ISSUE = {"title", "policy.name", "policy.name_zh", "body", "body.sidebar", "items.text"}
EVERY_ISSUE |= {"groups.title", "sources.label", "authors", "editors", "editors.role"}
KINDS = {SAMPLE: EVERY_ISSUE, FEATURES: EVERY_ISSUE | {"body.note", "body.figure", "body.table"}}
"""The kinds of source text each issue has (file: kind), at least."""
WORDS = {SAMPLE: 2000, FEATURES: 1000}
"""How many words of each issue's sources its sentences hold, at least."""


@pytest.fixture(scope="module", params=ISSUES)
def issue(request):
    """(date, the session's build of that issue), for the sample and the test issue."""
    return request.param, request.getfixturevalue(ISSUES[request.param])


@pytest.fixture(scope="module")
def sentences(issue):
    date, build = issue
    return issue_sentences(build.root, date)


@pytest.fixture(scope="module")
def pages(issue):
    _, build = issue
    return {tool: pdf_pages(build.pdf, tool) for tool in TOOLS}


def test_the_sentences_cover_every_kind_of_source_text(issue, sentences):
    origins = {sentence.origin.split(": ")[1] for sentence in sentences}
    assert KINDS[issue[0]] <= origins
    assert sum(len(sentence.text.split()) for sentence in sentences) > WORDS[issue[0]]


@pytest.mark.parametrize("tool", TOOLS)
def test_every_source_sentence_is_found_in_the_pdf_text(tool, sentences, pages):
    missing = [sentence for sentence in sentences if not found(sentence.text, pages[tool])]
    assert missing == []


@pytest.mark.parametrize("tool", TOOLS)
def test_running_footer_is_left_out_of_the_text_searched(tool, issue, pages):
    assert FOOTERS[issue[0]] in full_text(issue[1].pdf, tool)
    assert not any(FOOTERS[issue[0]] in page for page in pages[tool][1:])


@pytest.mark.parametrize("tool", TOOLS)
def test_no_hyphen_extracts_as_a_unicode_hyphen(tool, issue):
    text = full_text(issue[1].pdf, tool)
    assert "-" in text
    assert "\u2010" not in text and "\u2011" not in text


def test_a_sentence_not_in_the_pdf_is_not_found(pages):
    assert not found("A zeppelin lands on the Bund.", pages["pdftotext"])
    assert not found("non\u2010fossil fuels", ["non-fossil fuels"])  # hyphens match exactly


def test_a_sentence_cut_by_a_page_break_is_found_in_its_two_parts():
    pages = ["the end of one page: the start of a", "1. 2. sentence ends here."]
    assert found("the start of a sentence ends here.", pages)
    assert not found("the start of a sentence ends there.", pages)


def test_typographic_quotes_and_dashes_compare_as_typed_and_nothing_else():
    typeset = "China\u2019s \u201cnew\u201d plan \u2013 2021\u20142023"
    assert normal(typeset) == 'China\'s "new" plan -- 2021---2023'
    assert normal("中共中央\n国务院") == normal("中共中央 国务院") == "中共中央国务院"
    assert normal("a … b") != normal("a ... b")
