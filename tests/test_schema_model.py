"""The schema and the typed model stay in step, and one check makes both the diagnostics and
the typed issues: adding a field means declaring it in the schema, giving the class it fills
the attribute, and printing it in a template."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from bulletin.content import markdown, model
from bulletin.content.read import read_project
from bulletin.content.schema import (
    ISSUE,
    PERSON,
    PUBLICATION,
    TOP_ITEM,
    TOP_ITEM_SECTIONS,
    WORTH_NOTING,
    Field,
    Kind,
)
from bulletin.content.validate import check, validate
from bulletin.diagnostics import Severity
from bulletin.project import find_project
from conftest import SAMPLE, SAMPLE_FOLDER, copy_project, edit

DATE = dt.date.fromisoformat(SAMPLE)


def attributes(cls: type) -> tuple[set[str], set[str]]:
    """A model class's attributes: all of them, and those that need a value (no default)."""
    fields = dataclasses.fields(cls)
    needed = {
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    return {f.name for f in fields}, needed


def keys(fields: tuple[Field, ...]) -> tuple[set[str], set[str]]:
    """The attributes a group of fields fills: all, and those of required fields."""
    return {f.key for f in fields}, {f.key for f in fields if f.required}


def groups(fields: tuple[Field, ...]) -> list[Field]:
    """Every group of fields below these, with a model class."""
    found = []
    for spec in fields:
        if spec.kind is Kind.MAPPING:
            if isinstance(spec.model, type):
                found.append(spec)
            found += groups(spec.fields)
    return found


@pytest.mark.parametrize(
    "spec",
    groups(PUBLICATION + ISSUE + TOP_ITEM + WORTH_NOTING),
    ids=lambda spec: spec.name,
)
def test_each_group_of_fields_fills_exactly_its_class(spec: Field):
    assert isinstance(spec.model, type)
    every, needed = attributes(spec.model)
    given, required = keys(spec.fields)
    assert every == given, f"{spec.model.__name__} and the schema's {spec.name!r} differ"
    assert needed <= required, f"optional fields of {spec.name!r} need defaults in the model"


@pytest.mark.parametrize(
    ("cls", "fields", "made"),
    [
        (model.Publication, PUBLICATION, set()),
        (model.Person, PERSON, {"id"}),
        (model.TopItem, TOP_ITEM, {s.attr for s in TOP_ITEM_SECTIONS} | {"anchor"}),
        (model.Issue, ISSUE + WORTH_NOTING, {"publication", "foreword", "top"}),
    ],
    ids=["publication.yaml", "people.yaml", "top item", "issue"],
)
def test_each_file_fills_exactly_its_class(cls: type, fields: tuple[Field, ...], made: set[str]):
    """What a file's fields do not fill, the check makes (from the body, the file name...)."""
    every, needed = attributes(cls)
    given, required = keys(fields)
    assert every == given | made
    assert needed <= required | made


def test_the_check_makes_the_typed_sample_issue():
    checked = check(find_project(Path(__file__).resolve().parents[1]), [DATE])
    assert checked.diagnostics == ()
    issue = checked.issues[SAMPLE]
    assert [item.rank for item in issue.top] == [1, 2, 3, 4, 5]
    first = issue.top[0]
    assert first.anchor == "carbon-neutrality"
    assert first.policy.date == dt.date(2021, 10, 24)
    assert [body.abbreviation for body in first.policy.issuers] == ["CCPCC", "State Council"]
    sidebar = first.comment.web.split('<aside class="sidebar"', 1)[1]
    assert "<ol>" in sidebar.split("</aside>")[0]
    assert first.comment.web.index("supply chains") < first.comment.web.index("<aside")
    assert issue.authors[0] == model.Person("alexander-brown", "Alexander Brown", "Analyst, MERICS")
    assert sum(len(group.items) for group in issue.worth_noting) == 13
    assert issue.publication.base_url.endswith("/")
    assert issue.publication.labels["comment"] == "MERICS comment"
    assert issue.draft is False


def test_an_issue_with_an_error_gives_diagnostics_and_no_typed_issue(tmp_path: Path):
    root = copy_project(tmp_path)
    edit(root / SAMPLE_FOLDER / "top/01-carbon-neutrality.md", "  date: 2021-10-24", "  date: x")
    checked = check(find_project(root), [DATE])
    assert [d.field for d in checked.diagnostics] == ["policy.date"]
    assert checked.issues == {}
    assert checked.publication is not None  # the shared files passed


def test_an_error_in_a_shared_file_leaves_no_typed_issue(tmp_path: Path):
    root = copy_project(tmp_path)
    edit(root / "content/people.yaml", "role: Analyst, MERICS", "role: [Analyst]")
    checked = check(find_project(root), [DATE])
    assert any(d.path == "content/people.yaml" for d in checked.diagnostics)
    assert checked.issues == {} and checked.publication is None


@pytest.mark.parametrize(
    ("written", "draft", "error"),
    [("true", True, False), ("false", False, False), ('"yes"', False, True)],
)
def test_draft_is_decided_once(tmp_path: Path, written: str, draft: bool, error: bool):
    """`draft: "yes"` is an error, and no draft anywhere (the build's list of drafts, the
    typed issue, publish's check of build/ all use the same answer)."""
    from bulletin.site.publish import drafts_built

    root = copy_project(tmp_path)
    issue_md = root / SAMPLE_FOLDER / "issue.md"
    issue_md.write_text(
        issue_md.read_text(encoding="utf-8").replace("---\n", f"---\ndraft: {written}\n", 1),
        encoding="utf-8",
    )
    project = find_project(root)
    checked = validate(read_project(project, [project.issue_folder(DATE)]))
    errors = [d for d in checked.diagnostics if d.severity is Severity.ERROR]
    assert [d.field for d in errors] == (["draft"] if error else [])
    assert (SAMPLE in checked.drafts) is draft
    if not error:
        assert checked.issues[SAMPLE].draft is draft
    (project.build / "issues" / SAMPLE).mkdir(parents=True)
    assert drafts_built(project) == ([SAMPLE] if draft else [])


def test_bodies_read_once_render_as_the_renderer_parses_them():
    """The check's one parse, typeset, gives the HTML a parse for rendering would give."""
    folder = Path(__file__).resolve().parents[1] / SAMPLE_FOLDER
    texts = [path.read_text(encoding="utf-8").split("---\n", 2)[2] for path in folder.rglob("*.md")]
    texts += [
        'Quotes "typeset", \\"kept\\", it\'s -- and (c) 2021... <https://example.org/ü>',
        "[a](https://example.org/ä 'title') [b][1] 中文 and `\"code\"`\n\n[1]: https://x.org/é",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n::: sidebar Box\n1. one\n:::\n",
    ]
    for text in texts:
        parsed = markdown.read(text)
        markdown.typeset(parsed)
        assert markdown.render(parsed.tokens) == markdown.parser().render(text), text[:60]
