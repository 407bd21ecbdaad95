"""Match a draft's authors, editors and issuing bodies to people.yaml and bodies.yaml; propose
those not found as additions, and add them when asked."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from bulletin.importing.draft import Draft, Finding, Person, TopItem
from bulletin.project import Project
from bulletin.write import write_all


@dataclass(frozen=True)
class Proposal:
    """An entry to add to a registry: the file (people.yaml, bodies.yaml), the YAML line, and
    the line of the source that named it."""

    registry: str
    entry: str
    line: int | None

    @property
    def finding(self) -> Finding:
        return Finding(self.line, f"not in {self.registry}: proposed: {self.entry}")


@dataclass(frozen=True)
class Matched:
    """The draft with people and bodies matched to the registries' keys, and the proposals."""

    draft: Draft
    proposals: tuple[Proposal, ...]


def match(project: Project, draft: Draft) -> Matched:
    """Give each person their people.yaml id (by name) and each issuer its bodies.yaml key
    (by abbreviation or full name); propose what is not found."""
    people, bodies = _registry(project, "people.yaml"), _registry(project, "bodies.yaml")
    by_name = {str(v.get("name")).casefold(): k for k, v in people.items() if isinstance(v, dict)}
    by_body = {str(name).casefold(): key for key, name in bodies.items()}
    by_body |= {str(key).casefold(): key for key in bodies}
    proposals: dict[str, Proposal] = {}
    persons = [_person(p, by_name, set(people), proposals) for p in _people(draft)]
    top = tuple(_issuers(item, by_body, proposals) for item in draft.top)
    authors = tuple(persons[: len(draft.authors)])
    editors = tuple(
        replace(e, person=p) for e, p in zip(draft.editors, persons[len(authors) :], strict=True)
    )
    matched = replace(draft, authors=authors, editors=editors, top=top)
    return Matched(matched, tuple(proposals.values()))


def add_to_registries(project: Project, proposals: tuple[Proposal, ...]) -> list[Path]:
    """Append the proposed entries to content/people.yaml and bodies.yaml, both or neither."""
    files = []
    for registry in dict.fromkeys(p.registry for p in proposals):
        path = project.content / registry
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        text += "" if not text or text.endswith("\n") else "\n"
        text += "".join(f"{p.entry}\n" for p in proposals if p.registry == registry)
        files.append((path, text.encode("utf-8")))
    write_all(files)
    return [path for path, _ in files]


def _people(draft: Draft) -> list[Person]:
    return [*draft.authors, *(editor.person for editor in draft.editors)]


def _person(
    person: Person, by_name: dict[str, str], taken: set[str], proposals: dict[str, Proposal]
) -> Person:
    """The person with their id: found by name, or a new one proposed (numbered from 2 when
    someone else has it)."""
    found = by_name.get(person.name.casefold())
    if found is not None:
        return replace(person, id=found)
    key = next(k for k in _numbered(person.key) if k not in taken)
    by_name[person.name.casefold()] = key
    taken.add(key)
    entry = {key: {"name": person.name, "role": person.role}}
    proposals[key] = Proposal("people.yaml", _flow(entry), person.line)
    return replace(person, id=key)


def _numbered(key: str) -> Iterator[str]:
    yield key
    yield from (f"{key}-{n}" for n in itertools.count(2))


def _issuers(item: TopItem, by_body: dict[str, str], proposals: dict[str, Proposal]) -> TopItem:
    issuers = []
    for issuer in item.policy.issuers:
        found = by_body.get(issuer.casefold())
        if found is None:
            entry = _flow({issuer: issuer})
            proposals.setdefault(issuer, Proposal("bodies.yaml", entry, item.policy.line))
        issuers.append(found or issuer)
    return replace(item, policy=replace(item.policy, issuers=tuple(issuers)))


def _registry(project: Project, name: str) -> dict[str, object]:
    """A registry's entries; empty when it is missing or not a mapping (the check says why)."""
    path = project.content / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (yaml.YAMLError, UnicodeDecodeError):
        data = None
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


def _flow(entry: Mapping[str, object]) -> str:
    """One YAML line: `key: {name: ..., role: ...}` or `KEY: Full name`, quoted as needed."""
    key, value = next(iter(entry.items()))
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items())
        return f"{json.dumps(key, ensure_ascii=False)}: {{{inner}}}"
    return f"{json.dumps(key, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}"
