"""The stages of the site build, each alone and in process, on copies of the sample project:
the state kept between builds, deciding what changed, modelling with the cache, rendering,
pruning build/."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

import bulletin
from bulletin import project as projects
from bulletin.diagnostics import Diagnostic, Severity
from bulletin.errors import BulletinError, ContentError
from bulletin.report import Quiet
from bulletin.site import build, issues, printing
from bulletin.site.cache import (
    FOLDER,
    RECENT_NS,
    BuildState,
    Inputs,
    fingerprint_inputs,
    remembered_inputs,
    store_issues,
)
from bulletin.site.search import search_files
from conftest import SAMPLE, copy_project, edit
from synthetic import add_issue

SECOND, DRAFT = "2021-11-16", "2021-11-30"
ALL = (SAMPLE, SECOND, DRAFT)
VARIANT, OTHER_VARIANT = "pdf/ua-1", "pdf/a-3b"
WARNING = Diagnostic("content/issues/2021-11-16/issue.md", 3, Severity.WARNING, "x", "odd")


@pytest.fixture
def project(tmp_path: Path) -> projects.Project:
    """The sample issue, a second issue and a draft."""
    root = copy_project(tmp_path / "p")
    add_issue(root, dt.date.fromisoformat(SECOND))
    add_issue(root, dt.date.fromisoformat(DRAFT), draft=True)
    return projects.find_project(root)


def _state_file(project: projects.Project) -> Path:
    return project.root / FOLDER / "state.json"


def _built_state(project: projects.Project, inputs: Inputs) -> BuildState:
    """The state a site build of these inputs leaves, with the files it names in build/."""
    files = ("index.html", f"issues/{SAMPLE}/index.html")
    search = {SAMPLE[:4]: "fingerprint"}
    for name in (*files, *search_files(search)):
        (project.build / name).parent.mkdir(parents=True, exist_ok=True)
        (project.build / name).write_text("x", encoding="utf-8")
    site = inputs.site
    pages = (inputs.shared, site, dict(inputs.issues), files, (WARNING,))
    return BuildState(*pages, printed_for=site, indexed_for=site, search=search)


# The state kept between builds


def test_the_state_goes_through_json_and_back(project):
    state = BuildState("s", "site", {SAMPLE: "a", SECOND: "b"}, ("index.html",), (WARNING,))
    state.save(project)
    assert json.loads(_state_file(project).read_text(encoding="utf-8"))["version"] == 3
    assert BuildState.load(project) == state
    printed = BuildState(
        "s", "t", {}, (), (), {SAMPLE: "k"}, "t", ("issues/x.pdf",), (WARNING,), "t", {"2021": "c"}
    )
    printed.save(project)
    assert BuildState.load(project) == printed


def test_a_missing_state_is_empty(project):
    assert BuildState.load(project) == BuildState()


OLDER_SHAPE = {"shared": "s", "site": None, "issues": {SAMPLE: "a"}, "files": [], "warnings": []}
CURRENT = {
    "version": 3,
    "shared": "s",
    "site": "t",
    "issues": {},
    "files": [],
    "warnings": [],
    "printed": {},
    "printed_for": "",
    "print_files": [],
    "print_warnings": [],
    "indexed_for": "",
    "search": {},
    "lists": {},
}


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe not UTF-8",
        b'{"version": 2, "shared": ',
        b"[" * 100_000,
        json.dumps(OLDER_SHAPE).encode(),
        json.dumps(CURRENT | {"version": 4}).encode(),
        json.dumps(CURRENT | {"version": 2}).encode(),
        json.dumps(CURRENT | {"printed": {SAMPLE: 1}}).encode(),
        json.dumps(CURRENT | {"print_warnings": [{"path": "a"}]}).encode(),
        json.dumps(CURRENT | {"files": [1, 2]}).encode(),
        json.dumps(CURRENT | {"issues": {SAMPLE: 7}}).encode(),
        json.dumps(CURRENT | {"warnings": [{"path": "a"}]}).encode(),
        json.dumps(CURRENT | {"warnings": ["a"]}).encode(),
        json.dumps(["a list"]).encode(),
    ],
    ids=[
        "empty",
        "not-utf8",
        "cut-short",
        "nested-deep",
        "older-shape",
        "newer-version",
        "older-version",
        "printed-not-text",
        "print-warning-incomplete",
        "files-not-names",
        "prints-not-text",
        "warning-incomplete",
        "warning-not-a-row",
        "not-an-object",
    ],
)
def test_a_damaged_or_older_state_loads_as_empty(project, content):
    _state_file(project).parent.mkdir()
    _state_file(project).write_bytes(content)
    assert BuildState.load(project) == BuildState()


def test_a_state_that_is_a_folder_loads_as_empty(project):
    _state_file(project).mkdir(parents=True)
    assert BuildState.load(project) == BuildState()


def test_forgetting_issues_built_apart_drops_them_all_and_the_site(project):
    state = BuildState("s", "site", {SAMPLE: "a", SECOND: "b", DRAFT: "c"}, ("index.html",))
    after = state.forget([SAMPLE, SECOND])
    assert after.issues == {DRAFT: "c"} and after.site == "" and after.files == state.files
    assert state.forget(["2030-01-01"]) is state


def test_an_issue_built_by_date_is_forgotten_by_the_saved_state(project):
    state = BuildState("s", "site", {SAMPLE: "a", SECOND: "b"})
    state.save(project)
    build.forget_in_site(project, [SECOND])
    assert BuildState.load(project) == BuildState("s", "", {SAMPLE: "a"})


# Deciding what changed


def test_before_any_build_everything_is_stale(project):
    changes = build.what_changed(project, BuildState(), fingerprint_inputs(project, VARIANT, False))
    assert not changes.nothing
    assert changes.stale == (SAMPLE, SECOND, DRAFT)


def test_the_same_inputs_and_files_change_nothing(project):
    inputs = fingerprint_inputs(project, VARIANT, False)
    before = _built_state(project, inputs)
    assert build.what_changed(project, before, inputs) == build.Changes(True, False, ())
    assert build.kept_warnings(before, strict=False) == [WARNING]
    with pytest.raises(ContentError):
        build.kept_warnings(before, strict=True)


def test_pages_done_without_their_pdfs_or_index_leave_those_to_make(project):
    """The preview builds the pages first: the next build makes the PDFs and the index only,
    and a build without them (`--no-pdf`, the preview's first part) has nothing to do."""
    inputs = fingerprint_inputs(project, VARIANT, False)
    pages_only = replace(_built_state(project, inputs), printed_for="", indexed_for="")
    assert build.what_changed(project, pages_only, inputs) == build.Changes(False, False, ())
    html_only = build.Options(pdf=False, search=False)
    assert build.what_changed(project, pages_only, inputs, html_only).nothing
    unindexed = replace(pages_only, printed_for=inputs.site)
    assert not build.what_changed(project, unindexed, inputs).nothing
    assert build.what_changed(project, unindexed, inputs, build.Options(search=False)).nothing
    missing_pdf = replace(unindexed, print_files=(f"issues/{SAMPLE}/x.pdf",))
    assert not build.what_changed(project, missing_pdf, inputs, build.Options(search=False)).nothing


def test_an_edited_issue_is_the_only_stale_one(project):
    before = _built_state(project, fingerprint_inputs(project, VARIANT, False))
    edit(project.issues / SECOND / "top/02-standardization.md", "rank: 2", "rank: 2\n")
    changes = build.what_changed(project, before, fingerprint_inputs(project, VARIANT, False))
    assert changes == build.Changes(False, True, (SECOND,))


def test_a_shared_input_makes_every_issue_stale(project):
    before = _built_state(project, fingerprint_inputs(project, VARIANT, False))
    other_variant = fingerprint_inputs(project, OTHER_VARIANT, False)
    assert build.what_changed(project, before, other_variant) == build.Changes(False, True, ALL)
    with (project.templates / "web.css").open("a", encoding="utf-8") as css:
        css.write("\n")
    inputs = fingerprint_inputs(project, VARIANT, False)
    assert build.what_changed(project, before, inputs) == build.Changes(False, True, ALL)


def test_the_drafts_setting_or_a_missing_file_redoes_the_site_but_no_issue(project):
    inputs = fingerprint_inputs(project, VARIANT, False)
    before = _built_state(project, inputs)
    with_drafts = fingerprint_inputs(project, VARIANT, True)
    assert build.what_changed(project, before, with_drafts) == build.Changes(False, True, ())
    (project.build / f"issues/{SAMPLE}/index.html").unlink()
    assert build.what_changed(project, before, inputs) == build.Changes(False, True, ())


def test_a_new_issue_is_stale(project):
    before = _built_state(project, fingerprint_inputs(project, VARIANT, False))
    add_issue(project.root, dt.date(2021, 12, 14))
    changes = build.what_changed(project, before, fingerprint_inputs(project, VARIANT, False))
    assert changes == build.Changes(False, True, ("2021-12-14",))


# Remembering the inputs: an unchanged project is known by stat calls alone


def _aged(project: projects.Project) -> None:
    """Date every file and folder of the project an hour back, as if edited long ago; and wait
    until bulletin's own code (an input too) was not changed in the last seconds either."""
    hour_ago = time.time() - 3600
    for path in [project.root, *project.root.rglob("*")]:
        os.utime(path, (hour_ago, hour_ago))
    code = Path(bulletin.__file__).parent.rglob("*.py")
    newest = max(path.stat().st_mtime_ns for path in code)
    time.sleep(max(0.0, (newest + RECENT_NS - time.time_ns()) / 1e9 + 0.1))


def test_inputs_are_remembered_and_known_again_without_listing_a_folder(project):
    _aged(project)
    settings = (VARIANT, "False")
    inputs = fingerprint_inputs(project, VARIANT, False)
    assert remembered_inputs(project, settings) == inputs
    assert remembered_inputs(project, (OTHER_VARIANT, "False")) is None
    assert fingerprint_inputs(project, VARIANT, False) == inputs


@pytest.mark.parametrize(
    "change", ["edit", "add", "remove", "template", "damaged", "recorded", "new issue"]
)
def test_any_change_forgets_the_remembered_inputs(project, change):
    if change == "recorded":
        (project.archive / SAMPLE).mkdir(parents=True)  # archive/ is there, not SECOND's
    _aged(project)
    settings = (VARIANT, "False")
    inputs = fingerprint_inputs(project, VARIANT, False)
    item = project.issues / SECOND / "top/02-standardization.md"
    if change == "edit":  # in place, same size: only the file's time says so
        text = item.read_text(encoding="utf-8")
        item.write_text(text.replace("rank: 2", "rank:2 "), encoding="utf-8")
    elif change == "add":
        (project.issues / SECOND / "top/notes.txt").write_text("x", encoding="utf-8")
    elif change == "remove":
        (project.issues / SECOND / "worth-noting.md").unlink()
    elif change == "recorded":  # archive/ had no folder for it: now it has
        (project.archive / SECOND).mkdir(parents=True)
        (project.archive / SECOND / "record.json").write_text("{}", encoding="utf-8")
    elif change == "new issue":
        add_issue(project.root, dt.date(2022, 1, 11))
    elif change == "template":
        with (project.templates / "web.css").open("a", encoding="utf-8") as css:
            css.write("\n")
    else:
        (project.root / FOLDER / "inputs.pickle").write_bytes(b"\x80\x05 not a pickle")
    assert remembered_inputs(project, settings) is None
    if change != "damaged":
        assert fingerprint_inputs(project, VARIANT, False) != inputs


def test_inputs_changed_in_the_last_seconds_are_not_remembered(project):
    fingerprint_inputs(project, VARIANT, False)  # the copy was just made
    assert not (project.root / FOLDER / "inputs.pickle").exists()


# Modelling, with the cache


def test_modelling_leaves_out_a_failing_draft_with_one_warning(project):
    edit(project.issues / DRAFT / "top/01-carbon-neutrality.md", "rank: 1", "rank: one")
    modelled = issues.model_issues(project, ALL, strict=False, drafts=False)
    assert list(modelled.issues) == [SAMPLE, SECOND]
    assert modelled.left_out == {DRAFT}
    [warning] = modelled.diagnostics
    assert warning.path == f"content/issues/{DRAFT}/issue.md"
    assert "draft left out of the site: 1 problem(s)" in warning.message
    with pytest.raises(ContentError, match="rank: expected a whole number"):
        issues.model_issues(project, ALL, strict=False, drafts=True)


@pytest.fixture
def calls(monkeypatch) -> list[tuple[str, ...]]:
    """The folder names each call of `model_issues` modelled (the real function runs)."""
    made: list[tuple[str, ...]] = []
    real = issues.model_issues

    def counted(project, names, **options):
        made.append(tuple(names))
        return real(project, names, **options)

    monkeypatch.setattr(issues, "model_issues", counted)
    return made


def _cached(project: projects.Project) -> Inputs:
    """Model every issue, cache it as a site build does; the inputs it was modelled from."""
    inputs = fingerprint_inputs(project, VARIANT, False)
    site = issues.model_site(project, inputs, ALL, strict=False, drafts=False)
    build.save_state(project, inputs, site, (), ())
    return inputs


def test_only_stale_issues_are_modelled_the_others_come_from_the_cache(project, calls):
    inputs = _cached(project)
    from_files = issues.model_issues(project, ALL, strict=False, drafts=False).issues
    calls.clear()
    site = issues.model_site(project, inputs, (SECOND,), strict=False, drafts=False)
    assert calls == [(SECOND,)]
    assert list(site.modelled.issues) == [SECOND]
    assert site.issues == from_files
    assert [issue.date.isoformat() for issue in site.published] == [SAMPLE, SECOND]
    with_drafts = issues.model_site(project, inputs, (), strict=False, drafts=True)
    assert [issue.date.isoformat() for issue in with_drafts.published] == list(ALL)


@pytest.mark.parametrize("damage", ["garbage", "cut-short", "other-inputs", "not-an-issue"])
def test_a_damaged_cache_models_every_issue_from_its_files_once(project, calls, damage):
    inputs = _cached(project)
    pickle_file = project.root / FOLDER / f"{SAMPLE}.pickle"
    if damage == "garbage":
        pickle_file.write_bytes(b"\x80\x05 not a pickle")
    elif damage == "cut-short":
        pickle_file.write_bytes(pickle_file.read_bytes()[:200])
    elif damage == "other-inputs":  # a pickle left by a build of other shared inputs
        other = Inputs("other shared", inputs.issues, inputs.site)
        issue = issues.model_issues(project, [SAMPLE], strict=False, drafts=False).issues
        store_issues(project, other, issue)
    else:
        store_issues(project, inputs, {SAMPLE: "an issue, once"})
    calls.clear()
    site = issues.model_site(project, inputs, (SECOND,), strict=False, drafts=False)
    assert calls == [ALL]
    assert list(site.modelled.issues) == list(site.issues) == list(ALL)
    assert site.issues[SAMPLE].date == dt.date.fromisoformat(SAMPLE)


def test_a_missing_pickle_models_every_issue_from_its_files(project, calls):
    inputs = _cached(project)
    (project.root / FOLDER / f"{SECOND}.pickle").unlink()
    calls.clear()
    site = issues.model_site(project, inputs, (), strict=False, drafts=False)
    assert calls == [ALL] and list(site.issues) == list(ALL)


def test_a_draft_left_out_is_not_recorded_so_it_is_checked_again(project):
    edit(project.issues / DRAFT / "top/01-carbon-neutrality.md", "rank: 1", "rank: one")
    inputs = _cached(project)
    state = BuildState.load(project)
    assert list(state.issues) == [SAMPLE, SECOND]
    assert build.what_changed(project, state, inputs).stale == (DRAFT,)


# Rendering and what to render


def _modelled(project: projects.Project) -> issues.SiteIssues:
    inputs = fingerprint_inputs(project, VARIANT, False)
    return issues.model_site(project, inputs, ALL, strict=False, drafts=False)


def test_only_stale_issues_or_those_missing_a_page_are_rendered(project):
    published = _modelled(project).published
    for issue in published:
        folder = project.build / issue.path
        folder.mkdir(parents=True)
        (folder / "index.html").write_text("x", encoding="utf-8")
    assert build.issues_to_render(project, published, ()) == ()
    assert build.issues_to_render(project, published, (SECOND, DRAFT)) == published[1:]
    (project.build / f"issues/{SAMPLE}/index.html").unlink()
    assert build.issues_to_render(project, published, ()) == published[:1]


def test_only_issues_printed_from_other_inputs_or_missing_a_print_are_printed(project):
    published = _modelled(project).published
    keys = {issue.date.isoformat(): f"key {issue.date}" for issue in published}
    for issue in published:
        for name in printing.print_files(issue):
            (project.build / name).parent.mkdir(parents=True, exist_ok=True)
            (project.build / name).write_text("x", encoding="utf-8")
    assert printing.issues_to_print(project, published, keys, keys) == ()
    assert printing.issues_to_print(project, published, {}, keys) == published
    older = keys | {SECOND: "older"}
    assert printing.issues_to_print(project, published, older, keys) == published[1:]
    (project.build / f"issues/{SAMPLE}/card.png").unlink()
    assert printing.issues_to_print(project, published, keys, keys) == published[:1]


def test_warnings_of_issues_not_checked_again_are_carried_to_the_next_state(project):
    """A partial rebuild keeps the last build's warnings about the issues it did not check
    again (so `--strict` still fails on them), and drops those it found afresh."""
    inputs = _cached(project)
    checks = [
        Diagnostic(f"content/issues/{name}/issue.md", 2, Severity.WARNING, "", "odd")
        for name in (SAMPLE, SECOND)
    ]
    before = BuildState(warnings=tuple(checks))
    site = issues.model_site(project, inputs, (SECOND,), strict=False, drafts=False)
    assert build.carried_warnings(project, before, site) == [checks[0]]
    untouched = issues.model_site(project, inputs, (), strict=False, drafts=False)
    assert build.carried_warnings(project, before, untouched) == checks


def test_web_pages_have_the_stylesheet_first_and_the_site_navigation(project):
    site = _modelled(project)
    theme = build._theme(project)
    outputs = build.render_pages(project, theme, site.published)
    assert [o.path.relative_to(project.build).as_posix() for o in outputs] == [
        build.WEB_CSS,
        f"issues/{SAMPLE}/index.html",
        f"issues/{SECOND}/index.html",
    ]
    assert all(b'class="site-nav"' in output.data for output in outputs[1:])


def test_site_pages_list_the_published_issues(project):
    site = _modelled(project)
    outputs, _ = build.render_site_pages(
        project, build._theme(project), site.publication, site.published
    )
    by_name = {o.path.relative_to(project.build).as_posix(): o.data for o in outputs}
    assert {"index.html", "feed.xml", "sitemap.xml", "404.html"} <= set(by_name)
    assert SECOND.encode() in by_name["index.html"] and DRAFT.encode() not in by_name["feed.xml"]


# Writing and pruning


def test_a_failed_write_writes_nothing(project):
    (project.build / "feed.xml").mkdir(parents=True)
    outputs = [
        build.Output(project.build / "index.html", b"archive", 0.0),
        build.Output(project.build / "feed.xml", b"feed", 0.0),
    ]
    written = Written()
    with pytest.raises(BulletinError, match=r"build/feed\.xml: error: cannot write"):
        build.write_outputs(project, outputs, written)
    assert not (project.build / "index.html").exists() and written.paths == []
    build.write_outputs(project, outputs[:1], written)
    assert written.paths == [project.build / "index.html"]


class Written(Quiet):
    """A reporter that keeps the paths of the files reported written."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def wrote(self, path: Path, size: int, seconds: float) -> None:
        self.paths.append(path)


def test_prune_removes_what_the_site_no_longer_holds(project):
    published = _modelled(project).published
    sample = published[0]
    kept_pdf = f"{sample.path}{sample.slug}.pdf"
    for name in [
        f"{sample.path}index.html",
        kept_pdf,
        "bodies/gone/index.html",
        f"issues/{DRAFT}/index.html",
        f"issues/{DRAFT}/x.pdf",
        "notes.txt",
    ]:
        (project.build / name).parent.mkdir(parents=True, exist_ok=True)
        (project.build / name).write_text("x", encoding="utf-8")
    before = ["bodies/gone/index.html", "index.html", kept_pdf, f"issues/{DRAFT}/x.pdf"]
    outputs = [build.Output(project.build / "index.html", b"archive", 0.0)]
    held = build.site_files(project, published[:1], outputs)
    printed = set(printing.print_files(sample))
    files = build.prune(project, before, held, printed)
    assert files == tuple(sorted(["index.html", f"{sample.path}index.html"]))
    assert not (project.build / "bodies").exists()  # emptied folders go too
    assert not (project.build / "issues" / DRAFT).exists()  # an issue no longer published
    assert (project.build / "notes.txt").is_file()  # not the site's: left alone
    assert (project.build / kept_pdf).is_file()  # a print product of the site, kept


def test_list_pages_of_unchanged_issues_are_not_rendered_again(project):
    """The archive's and the bodies' list pages are rendered again only when an issue they list
    (or their year navigation) changed, or when the file is gone; the rest are kept."""
    from bulletin.site.pages import Lists

    add_issue(project.root, dt.date(2022, 1, 11))
    site = _modelled(project)
    theme = build._theme(project)
    keys = {issue.date: f"key {issue.date}" for issue in site.published}

    def rendered(lists: Lists) -> tuple[set[str], dict[str, str]]:
        outputs, listed = build.render_site_pages(
            project, theme, site.publication, site.published, lists
        )
        return {o.path.relative_to(project.build).as_posix() for o in outputs}, listed

    everything, listed = rendered(Lists(keys))
    assert {"index.html", "issues/2021/index.html", "issues/2022/index.html"} <= set(listed)
    assert set(listed) <= everything
    again, same = rendered(Lists(keys, listed, lambda path: True))
    assert same == listed and not again & set(listed)
    assert {"feed.xml", "sitemap.xml", "bodies/index.html"} <= again
    edited = keys | {dt.date(2022, 1, 11): "edited"}
    gone = "bodies/miit/2021/index.html"
    redone, _ = rendered(Lists(edited, listed, lambda path: path != gone))
    assert {"index.html", "issues/2022/index.html", "bodies/miit/2022/index.html", gone} <= redone
    assert "issues/2021/index.html" not in redone
