"""The site's search in a real browser, on a site of four issues across two years: Chinese
words found inside titles and linked to their item, English results as before the index was
split by year, and an incremental rebuild that indexes again only the year that changed."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bulletin.errors import OutputError
from bulletin.project import Project, find_project
from bulletin.site import search
from conftest import SAMPLE, copy_project, edit, run
from synthetic import add_issue
from web_server import serve

PREFIX = "/bulletin/"
ISSUES = (SAMPLE, "2021-11-16", "2022-01-11", "2022-03-01")
NOTED = "2022-01-11"
"""The issue whose Worth noting names 交通强国 (only there)."""


def make_site(root: Path) -> Path:
    """The sample issue and three synthetic ones (2021-11-16 mentions "zeppelin"; 2022-01-11
    "okapi", and a Worth-noting line naming 交通强国建设纲要), built as a whole site."""
    copy_project(root)
    add_issue(root, dt.date(2021, 11, 16), word="zeppelin")
    noted = add_issue(root, dt.date.fromisoformat(NOTED), word="okapi")
    edit(noted / "worth-noting.md", "shipping.", "shipping (交通强国建设纲要).")
    add_issue(root, dt.date(2022, 3, 1))
    result = run(root, "build")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("search") / "p")


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    with serve(site / "build", PREFIX) as url:
        yield url


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    yield page
    page.close()


def found(page, site_url: str, term: str) -> list[dict[str, object]]:
    """Search the search page for `term` as a reader does; each result as its page address,
    its sub-results' addresses and its excerpts' text, as the reader sees them."""
    if not page.url.endswith("search/"):
        page.goto(f"{site_url}search/")
    page.locator("#search input").fill(term)
    message = page.locator(".pagefind-ui__message")
    done = re.compile(rf"^(\d+ results?|No results) for {re.escape(term)}$")  # not "Searching"
    message.filter(has_text=done).wait_for(timeout=15_000)
    page.wait_for_function("!document.querySelector('#search .pagefind-ui__loading')")
    return page.evaluate(
        """() => [...document.querySelectorAll('.pagefind-ui__result')].map(result => ({
            url: result.querySelector('.pagefind-ui__result-link').getAttribute('href'),
            subs: [...result.querySelectorAll('.pagefind-ui__result-nested a')]
                .map(link => link.getAttribute('href')),
            text: [...result.querySelectorAll('.pagefind-ui__result-excerpt')]
                .map(excerpt => excerpt.textContent).join(' | '),
        }))"""
    )


def _issue(url: object) -> str:
    return str(url).removeprefix(PREFIX + "issues/").split("/")[0]


# Chinese: the words of the issue, words from the middle of titles, a Worth-noting word

CHINESE = [
    ("碳中和", "carbon-neutrality"),
    ("数据安全", "industrial-data-security"),
    ("物联网", "internet-of-things"),
    ("标准化", "standardization"),
    ("算法", "algorithms"),
    ("国家标准化发展纲要", "standardization"),
    ("工业和信息化领域数据安全管理办法", "industrial-data-security"),
    ("新发展理念", "carbon-neutrality"),
    ("基础设施建设", "internet-of-things"),
    ("综合治理", "algorithms"),
    ("征求意见稿", "industrial-data-security"),
    ("交通强国", "policy-news"),
]


@pytest.mark.parametrize(("word", "item"), CHINESE, ids=[word for word, _ in CHINESE])
def test_a_chinese_word_finds_its_item_in_every_issue_that_has_it(page, site_url, word, item):
    results = found(page, site_url, word)
    expected = {NOTED} if item == "policy-news" else set(ISSUES)
    assert {_issue(result["url"]) for result in results} == expected
    for result in results:
        assert result["subs"] == [f"{result['url']}#{item}-title"], result
        # the pairs joined back for the reader; an excerpt is 12 words (pairs) long at most
        assert (word if len(word) <= 12 else word[3:-3]) in str(result["text"]), result


def test_a_chinese_result_leads_to_its_item(page, site_url):
    results = found(page, site_url, "物联网")
    page.locator(f'.pagefind-ui__result-nested a[href="{results[0]["subs"][0]}"]').click()
    page.wait_for_load_state()
    assert page.url.endswith("#internet-of-things-title")
    assert page.locator("#internet-of-things").get_by_text("物联网", exact=False).is_visible()


def test_two_chinese_runs_are_found_together(page, site_url):
    results = found(page, site_url, "中共中央 国务院")
    assert {_issue(result["url"]) for result in results} == set(ISSUES)
    assert all("中共中央 国务院" in str(result["text"]) for result in results)


def test_a_word_the_issues_do_not_have_finds_nothing(page, site_url):
    assert found(page, site_url, "碳中国") == []


# English: the same pages and items as one index of the whole site (the index before issue 14)

ENGLISH = ["zeppelin", "okapi", "carbon neutrality", "MIIT", "standard setting", "chips"]


@pytest.fixture(scope="module")
def whole_site_index(site: Path) -> str:
    """Pagefind's CLI over the whole of build/ into one bundle, as the build did before the
    index was split by year and Chinese paired; its folder, relative to build/."""
    from pagefind.service import get_executable

    command = [str(get_executable()), "--site", str(site / "build"), "--silent",
               "--output-path", str(site / "build/pagefind-whole")]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    return "pagefind-whole/"


SEARCH_WITH = """async ([bundles, term]) => {
    const primary = await import(new URL(bundles[0] + 'pagefind.js', location.href).pathname);
    for (const bundle of bundles.slice(1)) {
        await primary.mergeIndex(new URL(bundle, location.href).pathname);
    }
    const search = await primary.search(term);
    const pages = await Promise.all(search.results.map(result => result.data()));
    return pages.map(page => [page.url, page.sub_results.map(sub => sub.url).sort()]).sort();
}"""


@pytest.mark.parametrize("term", ENGLISH)
def test_english_finds_what_one_index_of_the_whole_site_found(
    page, site_url, whole_site_index, term
):
    page.goto(f"{site_url}search/")
    before = page.evaluate(SEARCH_WITH, [[f"../{whole_site_index}"], term])
    page.goto(f"{site_url}search/")  # a fresh Pagefind for the bundles of each year
    after = page.evaluate(SEARCH_WITH, [["../pagefind/2022/", "../pagefind/2021/"], term])
    assert after == before
    assert before, f"{term!r} should be in the issues"


# Incremental: an edit re-indexes its year alone


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_an_edit_indexes_its_year_again_and_leaves_the_other(browser, tmp_path):
    root = make_site(tmp_path / "p")
    kept = _files(root / "build/pagefind/2021")
    entry = (root / "build/pagefind/2022/pagefind-entry.json").stat().st_mtime_ns
    item = root / "content/issues" / NOTED / "top/03-internet-of-things.md"
    edit(item, "## Comment\n\n", "## Comment\n\nA note on quokka and 量子计算机.\n\n")
    result = run(root, "build")
    assert result.returncode == 0, result.stderr
    assert _files(root / "build/pagefind/2021") == kept
    assert (root / "build/pagefind/2022/pagefind-entry.json").stat().st_mtime_ns != entry
    page = browser.new_page()
    with serve(root / "build", PREFIX) as url:
        for word, issue, anchor in [
            ("zeppelin", "2021-11-16", "carbon-neutrality"),
            ("碳中和", SAMPLE, "carbon-neutrality"),
            ("quokka", NOTED, "internet-of-things"),
            ("量子计算机", NOTED, "internet-of-things"),
        ]:
            results = found(page, url, word)
            assert issue in {_issue(result["url"]) for result in results}, (word, results)
            if word in ("quokka", "量子计算机"):
                assert len(results) == 1 and results[0]["subs"][0].endswith(f"#{anchor}-title")
    page.close()


# The index without a browser


def test_chinese_runs_become_overlapping_pairs_in_the_text_indexed():
    html = "<p>(中共中央 国务院印发《国家标准化发展纲要》) 碳<em>中和</em> 和 2023年</p>"
    assert search.pair_chinese(html) == (
        "<p>( 中共 共中 中央   国务 务院 院印 印发 《 国家 家标 标准 准化 化发 发展 展纲 纲要 》)"
        "  碳中 中和 <em></em> 和 2023年</p>"
    )


def _copy_of(site: Path, folder: Path) -> Project:
    """The project with a copy of its built site, to index apart from the module's site."""
    copy_project(folder)
    shutil.copytree(site / "build", folder / "build")
    return find_project(folder)


def test_a_year_no_longer_on_the_site_leaves_the_index(site, tmp_path):
    project = _copy_of(site, tmp_path / "p")
    pages = {"2021": [f"issues/{SAMPLE}/index.html"], "2022": [f"issues/{NOTED}/index.html"]}
    before = search.index_for_search(project, pages, {})
    assert (project.build / "pagefind/2021").is_dir()
    again = search.index_for_search(project, {"2022": pages["2022"]}, before)
    assert again == {"2022": before["2022"]}
    assert not (project.build / "pagefind/2021").exists()
    assert sorted(p.name for p in (project.build / "pagefind").iterdir()) == [
        "2022", "pagefind-ui.css", "pagefind-ui.js",
    ]  # fmt: skip
    assert all((project.build / name).is_file() for name in search.search_files(["2022"]))


def test_a_failure_of_pagefind_is_an_output_error_and_keeps_the_index(site, tmp_path):
    project = _copy_of(site, tmp_path / "p")
    kept = _files(project.build / "pagefind/2021")
    with pytest.raises(OutputError) as raised:
        search.index_for_search(project, {"2021": []}, {})
    problem = raised.value.problems[0]
    assert (problem.location.where, problem.location.field) == ("build", "search index")
    assert "Pagefind was not able to build an index" in problem.message
    assert _files(project.build / "pagefind/2021") == kept
