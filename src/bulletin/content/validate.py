"""Check raw content against the schema and the rules between files, collecting every problem,
and make the typed issues of what passed, in the same pass.

Each value is checked by its field (`content/schema.py`): its shape, its kind, then the rules
declared beside it; a value that passes becomes its typed form (a date, a `Person`, a
`Policy`...). A group of fields whose values all passed becomes its model. An issue whose files
and the shared files have no error becomes an `Issue`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bulletin.content import bodies, markdown, prose, recorded, values
from bulletin.content.figures import figure_file
from bulletin.content.model import (
    Figure,
    Issue,
    IssuingBody,
    Person,
    Publication,
    TopItem,
    issue_path,
)
from bulletin.content.read import FieldPath, RawDocument, RawIssue, RawProject, read_project
from bulletin.content.rules import Context
from bulletin.content.scaffold import is_recorded, namings
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
from bulletin.diagnostics import Diagnostic, Severity, did_you_mean
from bulletin.project import (
    NUMBERED_ANCHORS,
    RESERVED_ANCHORS,
    Project,
    item_anchor,
    require_issue,
    slugify,
)

_SURROGATE = re.compile("[\ud800-\udfff]")


class _Mark:
    """A value the check could not make: `INVALID` (a problem was reported) or `ABSENT`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


INVALID = _Mark("INVALID")
ABSENT = _Mark("ABSENT")


@dataclass(frozen=True)
class _Item:
    """A Top-5 item that passed its check, before its body is rendered (which needs the notes
    of the items ranked before it).

    front: its fields by attribute. parsed: its body, typeset. anchor: from its file name.
    figures: each figure's file, by the path written in the body, with the line it is on.
    """

    doc: RawDocument
    front: dict[str, Any]
    parsed: markdown.Parsed
    anchor: str
    figures: dict[str, tuple[int, Figure]]

    @property
    def rank(self) -> int:
        return int(self.front["rank"])


@dataclass(frozen=True)
class Checked:
    """What a check found.

    diagnostics: every problem, sorted.
    folders: the names of the issue folders checked.
    publication: the typed settings of publication.yaml, when the shared files passed.
    issues: by folder name, the typed issue of every folder checked whose files, and the
        shared files, have no error.
    drafts: the folders checked whose issue.md says `draft: true`, whether they passed or not.
    """

    diagnostics: tuple[Diagnostic, ...]
    folders: tuple[str, ...] = ()
    publication: Publication | None = None
    issues: Mapping[str, Issue] = field(default_factory=dict)
    drafts: frozenset[str] = frozenset()


def check(project: Project, dates: list[dt.date] | None) -> Checked:
    """Read and check the given issues (all when `dates` is None), with the shared files."""
    if dates is None:
        folders = [project.issues / name for name in project.issue_names()]
    else:
        folders = [require_issue(project, date) for date in dates]
    return validate(read_project(project, folders))


def validate(raw: RawProject) -> Checked:
    """Every problem in the project's shared files and the given issues, and the typed issues
    of those that passed."""
    checker = _Checker(raw)
    checker.check_shared()
    for issue in raw.issues:
        checker.check_issue(issue)
        record = raw.project.record(issue.folder.name)
        shown = raw.project.shown(record)
        checker.found += recorded.check_recorded(record, shown, issue.folder, issue.shown)
    diagnostics = tuple(sorted([*raw.problems, *checker.found]))
    failed = {d.path for d in diagnostics if d.severity is Severity.ERROR}
    folders = {issue.folder.name: issue.shown for issue in raw.issues}
    shared_failed = any(not any(_inside(path, f) for f in folders.values()) for path in failed)
    passed = {
        name: issue
        for name, issue in checker.issues.items()
        if not shared_failed and not any(_inside(path, folders[name]) for path in failed)
    }
    return Checked(
        diagnostics=diagnostics,
        folders=tuple(folders),
        publication=None if shared_failed else checker.publication,
        issues=passed,
        drafts=frozenset(i.folder.name for i in raw.issues if marks_draft(i.issue)),
    )


def marks_draft(doc: RawDocument | None) -> bool:
    """Whether an issue.md says `draft: true` (a value that is not true or false is an error,
    and does not make a draft)."""
    return doc is not None and isinstance(doc.data, dict) and doc.data.get("draft") is True


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


@dataclass
class _Checker:
    raw: RawProject
    found: list[Diagnostic] = field(default_factory=list)
    person_ids: set[str] = field(default_factory=set)
    abbreviations: set[str] = field(default_factory=set)
    people: dict[str, Person] = field(default_factory=dict)
    bodies: dict[str, IssuingBody] = field(default_factory=dict)
    context: Context = field(default_factory=Context)
    publication: Publication | None = None
    issues: dict[str, Issue] = field(default_factory=dict)

    def report(
        self,
        doc: RawDocument,
        path: FieldPath,
        message: str,
        severity: Severity = Severity.ERROR,
        line: int | None = None,
    ) -> None:
        where = doc.line(path) if line is None else line
        self.found.append(Diagnostic(doc.shown, where, severity, _dotted(path), message))

    def errors(self) -> int:
        """How many errors were reported so far (to tell whether a part passed)."""
        return sum(d.severity is Severity.ERROR for d in self.found)

    # Shared files

    def check_shared(self) -> None:
        raw = self.raw
        if raw.publication:
            front = self.check_fields(raw.publication, PUBLICATION, raw.publication.data, ())
            if isinstance(front, dict):
                self.publication = Publication(**front)
                self.check_list_id(raw.publication, self.publication)
                self.check_unsubscribe(raw.publication, self.publication)
                self.check_favicon(raw.publication, self.publication)
        if raw.people:
            self.person_ids = set(self.check_registry(raw.people, PERSON))
        if raw.bodies:
            self.abbreviations = set(self.check_registry(raw.bodies, None))

    def check_list_id(self, doc: RawDocument, publication: Publication) -> None:
        """The List-Id that send would make when `email.list_id` is not given must be valid."""
        if publication.email is None or publication.email.list_id:
            return
        made = values.default_list_id(publication.series, publication.base_url)
        if values.list_id(made):
            self.report(
                doc,
                ("email",),
                f"the List-Id made from the series and base_url, {values.quoted(made)}, "
                "is not a dotted name of letters, digits and hyphens: set email.list_id, "
                "e.g. china-industries.example.org",
            )

    def check_unsubscribe(self, doc: RawDocument, publication: Publication) -> None:
        """Mail needs a one-click unsubscribe address: given, or the subscriber service's,
        which mail programs call over https."""
        if publication.email is None or publication.email.unsubscribe_url:
            return
        service = publication.subscribers
        if service is None:
            self.report(
                doc,
                ("email",),
                "no unsubscribe address: set email.unsubscribe_url, or subscribers.url for "
                "the subscriber service (see docs/subscribers.md)",
            )
        elif problem := values.unsubscribe_address(service.unsubscribe_url):
            self.report(doc, ("subscribers", "url"), f"as the unsubscribe address, {problem}")

    def check_favicon(self, doc: RawDocument, publication: Publication) -> None:
        """The icon publication.yaml names is a file in content/, inside the project."""
        if not publication.favicon:
            return
        path = self.raw.project.content / publication.favicon
        if not path.is_file() or self.raw.project.link_out(path) is not None:
            self.report(
                doc,
                ("favicon",),
                f"no file {self.raw.project.shown(path)}: put the icon there, or correct the "
                "name (written from content/)",
            )

    def check_registry(self, doc: RawDocument, fields: tuple[Field, ...] | None) -> list[str]:
        """The ids of people.yaml (with `fields`) or bodies.yaml; keeps the typed entries."""
        if not isinstance(doc.data, dict):
            self.report(doc, (), "expected entries of the form 'id: ...', one per line")
            return []
        for key, value in doc.data.items():
            if fields is None:
                name = self.check_value(doc, Field(key, Kind.TEXT, "full name"), value, (key,))
                if isinstance(name, str):
                    self.bodies[str(key)] = IssuingBody(str(key), name)
            else:
                front = self.check_fields(doc, fields, value, (key,))
                if isinstance(front, dict):
                    self.people[str(key)] = Person(id=str(key), **front)
        if fields is None:
            self.check_page_names(doc, [str(key) for key in doc.data])
        return [str(key) for key in doc.data]

    def check_page_names(self, doc: RawDocument, abbreviations: list[str]) -> None:
        """Each issuing body gets a web page named after its abbreviation: names must differ."""
        taken: dict[str, str] = {}
        for abbreviation in abbreviations:
            name = slugify(abbreviation)
            if not name or name in taken:
                clash = (
                    f"gives the same page, bodies/{name}/, as {taken[name]!r}"
                    if name
                    else ("gives no page name")
                )
                self.report(
                    doc,
                    (abbreviation,),
                    f"the abbreviation {clash}: use letters or digits that tell it apart",
                )
            taken.setdefault(name, abbreviation)

    # Issues

    def check_issue(self, issue: RawIssue) -> None:
        """Check an issue's files; make its typed issue when they have no error (its bodies
        are rendered only then: they hold what the renderers expect)."""
        errors = self.errors()
        front, foreword = self.check_issue_file(issue)
        items = self.check_top_items(issue)
        news = self.check_news(issue)
        self.check_anchors(issue)
        self.check_file_names(issue)
        self.check_figure_names([item for item in items if isinstance(item, _Item)])
        parts = [front, news, *items]
        if self.publication is None or foreword is None or INVALID in parts:
            return
        if self.errors() > errors:
            return
        assert isinstance(front, dict) and isinstance(news, dict)
        typesetter = prose.Typesetter(self.publication.base_url + issue_path(front["date"]))
        markdown.typeset(foreword)
        self.issues[issue.folder.name] = Issue(
            publication=self.publication,
            foreword=typesetter.foreword(foreword),
            top=tuple(self.make_item(item, typesetter) for item in _by_rank(items)),
            **front,
            **news,
        )

    def make_item(self, item: _Item, typesetter: prose.Typesetter) -> TopItem:
        """The typed item, its sections rendered after those of the items ranked before it."""
        sections = [
            (spec.attr, block)
            for spec in TOP_ITEM_SECTIONS
            for block in item.parsed.body.sections
            if block.title == spec.title
        ]
        figures = {written: figure for written, (_, figure) in item.figures.items()}
        parts: dict[str, Any] = typesetter.item(sections, item.parsed, figures)
        return TopItem(**item.front, **parts, anchor=item.anchor)

    def check_figure_names(self, items: list[_Item]) -> None:
        """Figures are published in one folder per issue: two files may not share a name."""
        named: dict[str, str] = {}
        for item in items:
            for written, (line, figure) in item.figures.items():
                paths = {named.setdefault(name, figure.path) for name in figure.files}
                if paths != {figure.path}:
                    path = min(paths - {figure.path})
                    self.report(
                        item.doc,
                        (),
                        f"figure {written!r} has the file name of another figure of the issue "
                        f"({path} in the issue folder; an SVG drawing also takes NAME.png, for "
                        "its copy in the email): figures are published side by side, so rename "
                        "one",
                        line=item.doc.body_line + line,
                    )

    def check_news(self, issue: RawIssue) -> dict[str, Any] | _Mark:
        """The Worth-noting file's fields, by attribute (none when there is no such file)."""
        doc = issue.worth_noting
        if doc is None:
            return {}
        front = self.check_fields(doc, WORTH_NOTING, doc.data, ())
        self.check_body(doc)
        if doc.body.strip():
            line = doc.body_line + len(doc.body) - len(doc.body.lstrip("\n"))
            self.report(
                doc,
                (),
                "text after the front matter is not printed: put news "
                "items under 'groups:' in the front matter",
                line=line,
            )
        return front

    def check_anchors(self, issue: RawIssue) -> None:
        """Item and group anchors must be unique on the page (links and PDF need it)."""
        taken = dict.fromkeys(RESERVED_ANCHORS, "the page itself")
        for doc in issue.top:
            anchor = item_anchor(doc.path)
            if anchor in taken or f"{anchor}-title" in taken or NUMBERED_ANCHORS.fullmatch(anchor):
                user = taken.get(anchor, taken.get(anchor + "-title", _NUMBERED))
                self.report(
                    doc,
                    (),
                    f"the file name gives the anchor #{anchor}, already used by {user}: "
                    "rename the file",
                    line=1,
                )
            taken |= {anchor: doc.shown, f"{anchor}-title": doc.shown}
        news = issue.worth_noting
        groups = news.data.get("groups") if news and isinstance(news.data, dict) else None
        for i, group in enumerate(groups if isinstance(groups, list) else []):
            assert news is not None
            title = group.get("title") if isinstance(group, dict) else None
            anchor = slugify(title) if isinstance(title, str) else ""
            if not anchor:
                if isinstance(title, str) and title.strip():
                    self.report(
                        news,
                        ("groups", i, "title"),
                        "the title gives no web anchor: use letters or digits in it",
                    )
                continue
            if anchor in taken or f"{anchor}-title" in taken or NUMBERED_ANCHORS.fullmatch(anchor):
                user = taken.get(anchor, "another part" if anchor in taken else _NUMBERED)
                self.report(
                    news,
                    ("groups", i, "title"),
                    f"the title gives the anchor #{anchor}, already used by {user}: "
                    "choose another title",
                )
            taken |= {anchor: f"group {title!r}", f"{anchor}-title": f"group {title!r}"}

    def check_file_names(self, issue: RawIssue) -> None:
        """An item file still named by the scaffold gives the anchor #item-N: once its headline
        is filled in, it should take its name from it before the issue is first published."""
        if self.context.issue_date and is_recorded(self.raw.project, self.context.issue_date):
            return
        docs = {doc.path: doc for doc in issue.top}
        headlines = {path: _title(doc) for path, doc in docs.items()}
        files = (issue.folder / "top").iterdir() if docs else ()
        for naming in namings(headlines, files):
            anchor = item_anchor(naming.path)
            fix = (
                f"run `bulletin new {issue.folder.name}` to rename it to {naming.name}"
                if naming.name
                else "write letters or digits in the headline, or rename the file"
            )
            self.report(
                docs[naming.path],
                (),
                f"the file name gives the anchor #{anchor}, not one from the headline: {fix} "
                "before the issue is first published",
                Severity.WARNING,
                line=1,
            )

    def check_issue_file(
        self, issue: RawIssue
    ) -> tuple[dict[str, Any] | _Mark, markdown.Parsed | None]:
        """issue.md's fields by attribute and its body (the foreword); sets the context the
        rules of the issue's files see."""
        doc = issue.issue
        self.context = Context(folder=issue.folder.name)
        if doc is None:
            return INVALID, None
        date = doc.data.get("date") if isinstance(doc.data, dict) else None
        if values.is_date(date):
            self.context = Context(issue_date=date, folder=issue.folder.name)
        front = self.check_fields(doc, ISSUE, doc.data, ())
        parsed = self.check_body(doc)
        for line, problem in bodies.top_only(parsed, "the foreword"):
            self.report(doc, (), problem, line=doc.body_line + line)
        return front, parsed

    def check_top_items(self, issue: RawIssue) -> list[_Item | _Mark]:
        files = len(list((issue.folder / "top").glob("*.md")))
        if not files:
            self.found.append(
                Diagnostic(
                    f"{issue.shown}/top",
                    1,
                    Severity.ERROR,
                    "",
                    "no Top-5 items: add files such as top/01-slug.md",
                )
            )
        ranks: dict[int, RawDocument] = {}
        items: list[_Item | _Mark] = []
        for doc in issue.top:
            items.append(self.check_top_item(doc, issue))
            rank = doc.data.get("rank") if isinstance(doc.data, dict) else None
            if isinstance(rank, int) and not isinstance(rank, bool):
                if rank in ranks:
                    self.report(
                        doc,
                        ("rank",),
                        f"rank {rank} is also used by "
                        f"{ranks[rank].shown}: give each item its own rank",
                    )
                ranks.setdefault(rank, doc)
        self.check_ranks_contiguous(ranks, files)
        return items

    def check_top_item(self, doc: RawDocument, issue: RawIssue) -> _Item | _Mark:
        front = self.check_fields(doc, TOP_ITEM, doc.data, ())
        errors = self.errors()
        parsed = self.check_top_body(doc)
        figures = self.check_figures(doc, parsed, issue)
        if not isinstance(front, dict) or self.errors() > errors:
            return INVALID
        markdown.typeset(parsed)
        return _Item(doc, front, parsed, item_anchor(doc.path), figures)

    def check_figures(
        self, doc: RawDocument, parsed: markdown.Parsed, issue: RawIssue
    ) -> dict[str, tuple[int, Figure]]:
        """The file of each figure's image (`figures.figure_file`), by the path written."""
        found: dict[str, tuple[int, Figure]] = {}
        for target in parsed.targets:
            if target.kind != "image" or target.within != "figure" or target.url in found:
                continue
            figure = figure_file(issue.folder, issue.shown, doc.path, target.url)
            if isinstance(figure, str):
                self.report(doc, (), figure, line=doc.body_line + target.line)
            else:
                found[target.url] = (target.line, figure)
        return found

    def check_ranks_contiguous(self, ranks: dict[int, RawDocument], count: int) -> None:
        expected = range(1, count + 1)
        for rank, doc in sorted(ranks.items()):
            if rank not in expected:
                missing = sorted(set(expected) - set(ranks))
                self.report(
                    doc,
                    ("rank",),
                    f"rank {rank} leaves a gap: ranks must run 1 to "
                    f"{count} (missing {', '.join(map(str, missing))})",
                )

    # Bodies

    def check_top_body(self, doc: RawDocument) -> markdown.Parsed:
        parsed = self.check_body(doc)
        body = parsed.body
        names = [s.title for s in TOP_ITEM_SECTIONS]
        if body.preamble:
            self.report(
                doc,
                (),
                f"text before the first section: start the body with '## {names[0]}'",
                line=doc.body_line + _first_line(body.preamble),
            )
        seen: set[str] = set()
        for section in body.sections:
            line = doc.body_line + section.line
            if section.title not in names:
                hint = did_you_mean(section.title, names) or f" (sections: {', '.join(names)})"
                title = _heading(section.title)
                self.report(doc, (), f"unknown section '## {title}'{hint}", line=line)
            elif section.title in seen:
                self.report(
                    doc, (), f"section '## {section.title}' appears twice: merge them", line=line
                )
            elif not section.tokens:
                self.report(doc, (), f"section '## {section.title}' is empty: write it", line=line)
            seen.add(section.title)
        for spec in TOP_ITEM_SECTIONS:
            if spec.required and spec.title not in seen:
                self.report(
                    doc,
                    (),
                    f"section '## {spec.title}' missing: add it ({spec.doc})",
                    line=doc.body_line,
                )
        closed = self.check_boxes_closed(doc)
        problems = [*bodies.note_problems(parsed)]
        for box in body.boxes:
            if box.kind == "sidebar" and not box.title:
                problems.append((box.line, "sidebar without a title: write '::: sidebar Title'"))
            if values.NOTE_REFERENCE.search(box.title):
                problems.append(
                    (box.line, f"a {box.kind}'s title cannot cite a note: cite it in the text")
                )
            elif box.kind == "figure" and closed:  # else it holds the rest of the body
                problems += bodies.figure_problems(box)
        for line, problem in problems:
            self.report(doc, (), problem, line=doc.body_line + line)
        return parsed

    def check_boxes_closed(self, doc: RawDocument) -> bool:
        """Whether every sidebar and figure is closed; reports the first that is not."""
        opened: tuple[int, str] | None = None
        for number, text in enumerate(doc.body.split("\n")):
            if match := re.match(r"^:::+\s*(sidebar|figure)\b", text):
                if opened is not None:
                    break
                opened = number, match.group(1)
            elif re.match(r"^:::+\s*$", text):
                opened = None
        if opened is not None:
            line, kind = opened
            self.report(
                doc, (), f"{kind} not closed: end it with a line ':::'", line=doc.body_line + line
            )
        return opened is None

    def check_body(self, doc: RawDocument) -> markdown.Parsed:
        for number, text in enumerate(doc.body.split("\n")):
            line = doc.body_line + number
            if values.TODO.match(text):
                self.report(doc, (), "unfinished: replace the TODO hint with the text", line=line)
            if problem := values.control_problem(text.removesuffix("\r")):
                self.report(doc, (), f"the line {problem}", line=line)
        parsed = markdown.read(doc.body)
        for number, problem in [
            *values.link_problems(parsed.targets),
            *bodies.caption_problems(parsed),
        ]:
            self.report(doc, (), problem, line=doc.body_line + number)
        return parsed

    # Fields

    def check_fields(
        self, doc: RawDocument, fields: tuple[Field, ...], data: Any, path: FieldPath
    ) -> dict[str, Any] | _Mark:
        """A group of fields: their typed values by attribute (those absent left out), or
        INVALID when a problem was reported."""
        if not isinstance(data, dict):
            self.report(
                doc,
                path,
                f"expected a group of fields ({_names(fields)}), found {values.kind_of(data)}",
            )
            return INVALID
        known = [f.name for f in fields]
        for key in data:
            if key not in known:
                self.report(
                    doc,
                    (*path, key),
                    f"unknown field{did_you_mean(key, known)}: fields here are {', '.join(known)}",
                    Severity.WARNING,
                )
        found = {spec.key: self.check_field(doc, spec, data, (*path, spec.name)) for spec in fields}
        if INVALID in found.values():
            return INVALID
        return {key: value for key, value in found.items() if value is not ABSENT}

    def check_field(
        self, doc: RawDocument, spec: Field, data: dict[str, Any], path: FieldPath
    ) -> Any:
        """One field of a group: its typed value, ABSENT, or INVALID."""
        value = data.get(spec.name)
        if spec.kind is Kind.URL and spec.name in data and value in (None, "", "#"):
            self.report(
                doc,
                path,
                f"placeholder link {value or ''!r}: give the real address or leave the field out",
            )
            return INVALID
        if spec.name not in data:
            if spec.required:
                self.report(
                    doc, path, f"required field missing: add '{spec.name}:' with the {spec.doc}"
                )
                return INVALID
            return ABSENT
        if value in (None, "", [], {}):
            if spec.required:
                self.report(doc, path, f"empty: fill in the {spec.doc}")
                return INVALID
            return ABSENT
        if not spec.many:
            return self.check_value(doc, spec, value, path)
        if not isinstance(value, list):
            self.report(
                doc,
                path,
                f"expected a list of {spec.kind.value}, found "
                f"{values.kind_of(value)}: write it as [a, b] or as '- ' lines",
            )
            return INVALID
        items = [self.check_value(doc, spec, item, (*path, i)) for i, item in enumerate(value)]
        return INVALID if INVALID in items else tuple(items)

    def check_value(self, doc: RawDocument, spec: Field, value: Any, path: FieldPath) -> Any:
        """One value: its typed form (its rules passed), or INVALID."""
        if spec.kind is Kind.MAPPING:
            found = self.check_fields(doc, spec.fields, value, path)
            if not isinstance(found, dict) or spec.model is None:
                return found
            return spec.model(**found)
        problem = self.value_problem(spec, value)
        if problem:
            self.report(doc, path, problem)
            return INVALID
        typed = self.typed(spec.kind, value)
        problems = [problem for rule in spec.rules for problem in rule(typed, self.context)]
        for problem in problems:
            self.report(doc, path, problem)
        return INVALID if problems or typed is INVALID else typed

    def value_problem(self, spec: Field, value: Any) -> str | None:
        """What is wrong with a single value of the field's kind, if anything."""
        if isinstance(value, dict | list):
            return values.shape_problem(spec.kind, value)
        check = values.CHECKS.get(spec.kind)
        problem = check(value) if check else self.known(spec.kind, value)
        if not problem and isinstance(value, str):
            problem = values.control_problem(value, one_line=spec.header)
        if problem:
            return problem
        if isinstance(value, str) and values.TODO.match(value):
            return f"unfinished: replace the TODO hint with the {spec.doc}"
        if isinstance(value, str) and _SURROGATE.search(value):
            return (
                "holds an escape (\\ud800 to \\udfff) that is no character: "
                "write the character itself"
            )
        return None

    def typed(self, kind: Kind, value: Any) -> Any:
        """A value that passed its kind's check, in its typed form: a title with typographic
        quotes; a person or issuing body from its registry (INVALID, with the problem reported
        there, if its entry failed)."""
        if kind is Kind.TITLE:
            return markdown.typographic(value)
        if kind is Kind.PERSON:
            return self.people.get(value, INVALID)
        if kind is Kind.BODY:
            return self.bodies.get(value, INVALID)
        return value

    def known(self, kind: Kind, value: Any) -> str | None:
        """Whether a person or issuing body is in its registry (unknowable if that is unread)."""
        if kind is Kind.PERSON:
            return self.person(value) if self.raw.people else None
        return self.body(value) if self.raw.bodies else None

    def person(self, value: Any) -> str | None:
        if not isinstance(value, str) or value not in self.person_ids:
            return (
                f"unknown person {value!r}{did_you_mean(str(value), self.person_ids)}: "
                "use an id from content/people.yaml or add the person there"
            )
        return None

    def body(self, value: Any) -> str | None:
        if not isinstance(value, str) or value not in self.abbreviations:
            return (
                f"unknown issuing body {value!r}{did_you_mean(str(value), self.abbreviations)}: "
                "use an abbreviation from content/bodies.yaml or add the body there"
            )
        return None


_NUMBERED = "the notes, tables and corrections of the page (fn-N, fnref-N, table-N, correction-N)"


def _by_rank(items: list[_Item | _Mark]) -> list[_Item]:
    return sorted((item for item in items if isinstance(item, _Item)), key=lambda i: i.rank)


def _title(doc: RawDocument) -> object:
    return doc.data.get("title") if isinstance(doc.data, dict) else None


def _dotted(path: FieldPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _heading(title: str) -> str:
    """A heading as a message quotes it: its first line, cut to QUOTED_LENGTH characters (a
    heading underlined with `---` can span many lines, such as a front matter left open)."""
    first, _, rest = title.partition("\n")
    if rest or len(first) > values.QUOTED_LENGTH:
        return first[: values.QUOTED_LENGTH - 3] + "..."
    return first


def _names(fields: tuple[Field, ...]) -> str:
    return ", ".join(f.name for f in fields)


def _first_line(tokens: tuple[Any, ...]) -> int:
    return next((t.map[0] for t in tokens if t.map), 0)
