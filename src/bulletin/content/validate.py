"""Check raw content against the schema and the rules between files; collect every problem."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bulletin.content import markdown, values
from bulletin.content.read import FieldPath, RawDocument, RawIssue, RawProject, read_project
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
    RESERVED_ANCHORS,
    Project,
    item_anchor,
    require_issue,
    slugify,
)

_SURROGATE = re.compile("[\ud800-\udfff]")
_TODO = re.compile(r"^\s*(?:[-*]\s+|\d+\.\s+)?TODO\b")


def check(project: Project, dates: list[dt.date] | None) -> tuple[RawProject, list[Diagnostic]]:
    """Read and check the given issues (all when `dates` is None), with the shared files."""
    if dates is None:
        folders = [project.issues / name for name in project.issue_names()]
    else:
        folders = [require_issue(project, date) for date in dates]
    raw = read_project(project, folders)
    return raw, validate(raw)


def validate(raw: RawProject) -> list[Diagnostic]:
    """Every problem in the project's shared files and the given issues, sorted."""
    checker = _Checker(raw)
    checker.check_shared()
    for issue in raw.issues:
        checker.check_issue(issue)
    return sorted([*raw.problems, *checker.found])


@dataclass
class _Checker:
    raw: RawProject
    found: list[Diagnostic] = field(default_factory=list)
    people: set[str] = field(default_factory=set)
    bodies: set[str] = field(default_factory=set)

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

    # Shared files

    def check_shared(self) -> None:
        raw = self.raw
        if raw.publication:
            self.check_fields(raw.publication, PUBLICATION, raw.publication.data, ())
            self.check_list_id(raw.publication)
        if raw.people:
            self.people = set(self.check_registry(raw.people, PERSON))
        if raw.bodies:
            self.bodies = set(self.check_registry(raw.bodies, None))

    def check_list_id(self, doc: RawDocument) -> None:
        """The List-Id that send would make when `email.list_id` is not given must be valid."""
        data = doc.data if isinstance(doc.data, dict) else {}
        group, series, base_url = data.get("email"), data.get("series"), data.get("base_url")
        if not isinstance(group, dict) or "list_id" in group:
            return
        if isinstance(series, str) and isinstance(base_url, str):
            made = values.default_list_id(series, base_url)
            if values.list_id(made):
                self.report(
                    doc,
                    ("email",),
                    f"the List-Id made from the series and base_url, {values.quoted(made)}, "
                    "is not a dotted name of letters, digits and hyphens: set email.list_id, "
                    "e.g. china-industries.example.org",
                )

    def check_registry(self, doc: RawDocument, fields: tuple[Field, ...] | None) -> list[str]:
        if not isinstance(doc.data, dict):
            self.report(doc, (), "expected entries of the form 'id: ...', one per line")
            return []
        for key, value in doc.data.items():
            if fields is None:
                self.check_value(doc, Field(key, Kind.TEXT, "full name"), value, (key,))
            else:
                self.check_fields(doc, fields, value, (key,))
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
        date = self.check_issue_file(issue)
        self.check_top_items(issue, date)
        if issue.worth_noting:
            doc = issue.worth_noting
            self.check_fields(doc, WORTH_NOTING, doc.data, ())
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
            for path, value in _values(doc.data, ()):
                if path[-1:] == ("date",):
                    self.check_not_after(doc, path, value, date, "the news")
                elif path[-1:] == ("text",) and isinstance(value, str):
                    targets = markdown.inline_targets(value)
                    for _, problem in values.link_problems(targets):
                        self.report(doc, path, problem)
        self.check_anchors(issue)

    def check_anchors(self, issue: RawIssue) -> None:
        """Item and group anchors must be unique on the page (links and PDF need it)."""
        taken = dict.fromkeys(RESERVED_ANCHORS, "the page itself")
        for doc in issue.top:
            anchor = item_anchor(doc.path)
            if anchor in taken or f"{anchor}-title" in taken:
                self.report(
                    doc,
                    (),
                    f"the file name gives the anchor #{anchor}, already used by "
                    f"{taken.get(anchor, taken.get(anchor + '-title'))}: rename the file",
                    line=1,
                )
            taken |= {anchor: doc.shown, f"{anchor}-title": doc.shown}
        news = issue.worth_noting
        if news is None or not isinstance(news.data, dict):
            return
        groups = news.data.get("groups")
        for i, group in enumerate(groups if isinstance(groups, list) else []):
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
            if anchor in taken or f"{anchor}-title" in taken:
                self.report(
                    news,
                    ("groups", i, "title"),
                    f"the title gives the anchor #{anchor}, already used by "
                    f"{taken.get(anchor, 'another part')}: choose another title",
                )
            taken |= {anchor: f"group {title!r}", f"{anchor}-title": f"group {title!r}"}

    def check_issue_file(self, issue: RawIssue) -> dt.date | None:
        doc = issue.issue
        if doc is None:
            return None
        self.check_fields(doc, ISSUE, doc.data, ())
        self.check_body(doc)
        date = doc.data.get("date") if isinstance(doc.data, dict) else None
        if not values.is_date(date):
            return None
        if date.isoformat() != issue.folder.name:
            self.report(
                doc,
                ("date",),
                f"{date} does not match the folder name "
                f"{issue.folder.name!r}: make them the same date",
            )
        return date

    def check_top_items(self, issue: RawIssue, date: dt.date | None) -> None:
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
        for doc in issue.top:
            self.check_fields(doc, TOP_ITEM, doc.data, ())
            self.check_top_body(doc)
            data = doc.data if isinstance(doc.data, dict) else {}
            policy = data.get("policy")
            policy = policy if isinstance(policy, dict) else {}
            self.check_not_after(doc, ("policy", "date"), policy.get("date"), date, "the policy")
            rank = data.get("rank")
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

    def check_not_after(
        self, doc: RawDocument, path: FieldPath, value: Any, issue_date: dt.date | None, what: str
    ) -> None:
        if values.is_date(value) and issue_date and value > issue_date:
            self.report(
                doc,
                path,
                f"{what} is dated {value}, after the issue date {issue_date}: correct the date",
            )

    # Bodies

    def check_top_body(self, doc: RawDocument) -> None:
        body = self.check_body(doc)
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
        self.check_sidebars_closed(doc)
        for sidebar in body.sidebars:
            if not sidebar.title:
                self.report(
                    doc,
                    (),
                    "sidebar without a title: write '::: sidebar Title'",
                    line=doc.body_line + sidebar.line,
                )

    def check_sidebars_closed(self, doc: RawDocument) -> None:
        opened: int | None = None
        for number, text in enumerate(doc.body.split("\n")):
            if re.match(r"^:::+\s*sidebar\b", text):
                if opened is not None:
                    break
                opened = number
            elif re.match(r"^:::+\s*$", text):
                opened = None
        if opened is not None:
            self.report(
                doc, (), "sidebar not closed: end it with a line ':::'", line=doc.body_line + opened
            )

    def check_body(self, doc: RawDocument) -> markdown.Body:
        for number, text in enumerate(doc.body.split("\n")):
            line = doc.body_line + number
            if _TODO.match(text):
                self.report(doc, (), "unfinished: replace the TODO hint with the text", line=line)
            if problem := values.control_problem(text.removesuffix("\r")):
                self.report(doc, (), f"the line {problem}", line=line)
        body, targets = markdown.read_for_check(doc.body)
        for number, problem in values.link_problems(targets):
            self.report(doc, (), problem, line=doc.body_line + number)
        return body

    # Fields

    def check_fields(
        self, doc: RawDocument, fields: tuple[Field, ...], data: Any, path: FieldPath
    ) -> None:
        if not isinstance(data, dict):
            self.report(
                doc,
                path,
                f"expected a group of fields ({_names(fields)}), found {values.kind_of(data)}",
            )
            return
        known = [f.name for f in fields]
        for key in data:
            if key not in known:
                self.report(
                    doc,
                    (*path, key),
                    f"unknown field{did_you_mean(key, known)}: fields here are {', '.join(known)}",
                    Severity.WARNING,
                )
        for spec in fields:
            self.check_field(doc, spec, data, (*path, spec.name))

    def check_field(
        self, doc: RawDocument, spec: Field, data: dict[str, Any], path: FieldPath
    ) -> None:
        value = data.get(spec.name)
        if spec.kind is Kind.URL and spec.name in data and value in (None, "", "#"):
            self.report(
                doc,
                path,
                f"placeholder link {value or ''!r}: give the real address or leave the field out",
            )
        elif spec.name not in data:
            if spec.required:
                self.report(
                    doc, path, f"required field missing: add '{spec.name}:' with the {spec.doc}"
                )
        elif value in (None, "", [], {}):
            if spec.required:
                self.report(doc, path, f"empty: fill in the {spec.doc}")
        elif spec.many:
            if not isinstance(value, list):
                self.report(
                    doc,
                    path,
                    f"expected a list of {spec.kind.value}, found "
                    f"{values.kind_of(value)}: write it as [a, b] or as '- ' lines",
                )
                return
            for i, item in enumerate(value):
                self.check_value(doc, spec, item, (*path, i))
        else:
            self.check_value(doc, spec, value, path)

    def check_value(self, doc: RawDocument, spec: Field, value: Any, path: FieldPath) -> None:
        if spec.kind is Kind.MAPPING:
            self.check_fields(doc, spec.fields, value, path)
            return
        if isinstance(value, dict | list):
            self.report(doc, path, values.shape_problem(spec.kind, value))
            return
        check = values.CHECKS.get(spec.kind)
        problem = check(value) if check else self.known(spec.kind, value)
        if not problem and isinstance(value, str):
            problem = values.control_problem(value, one_line=spec.header)
        if problem:
            self.report(doc, path, problem)
        elif isinstance(value, str) and _TODO.match(value):
            self.report(doc, path, f"unfinished: replace the TODO hint with the {spec.doc}")
        elif isinstance(value, str) and _SURROGATE.search(value):
            self.report(
                doc,
                path,
                "holds an escape (\\ud800 to \\udfff) that is no character: "
                "write the character itself",
            )

    def known(self, kind: Kind, value: Any) -> str | None:
        """Whether a person or issuing body is in its registry (unknowable if that is unread)."""
        if kind is Kind.PERSON:
            return self.person(value) if self.raw.people else None
        return self.body(value) if self.raw.bodies else None

    def person(self, value: Any) -> str | None:
        if not isinstance(value, str) or value not in self.people:
            return (
                f"unknown person {value!r}{did_you_mean(str(value), self.people)}: "
                "use an id from content/people.yaml or add the person there"
            )
        return None

    def body(self, value: Any) -> str | None:
        if not isinstance(value, str) or value not in self.bodies:
            return (
                f"unknown issuing body {value!r}{did_you_mean(str(value), self.bodies)}: "
                "use an abbreviation from content/bodies.yaml or add the body there"
            )
        return None


def _values(data: Any, path: FieldPath) -> Iterable[tuple[FieldPath, Any]]:
    """Every value in nested data, with its path."""
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        yield (*path, key), value
        yield from _values(value, (*path, key))


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
