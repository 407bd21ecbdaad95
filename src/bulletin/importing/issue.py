"""Import an issue from a file: read it into a draft (plain text, or a PDF's text), match its
people and bodies to the registries, write the issue folder."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from bulletin.content.model import Publication
from bulletin.content.read import read_project
from bulletin.content.validate import validate
from bulletin.errors import ConfigError, ContentError
from bulletin.importing.draft import Draft, Finding, write_issue
from bulletin.importing.links import pdf_links, with_links
from bulletin.importing.pdf import pdf_lines, pdf_text
from bulletin.importing.people import add_to_registries, match
from bulletin.importing.text import Line, Masthead, read_lines
from bulletin.importing.word import read_tree
from bulletin.importing.wordtree import CHANGES, docx_tree, remarks
from bulletin.project import Project

SUFFIXES = (".txt", ".pdf", ".docx")


@dataclass(frozen=True)
class Imported:
    """What an import did. written: the files written, issue and registries. findings: what
    the source's reading reports and the proposed registry entries, by source line."""

    written: tuple[Path, ...]
    findings: tuple[Finding, ...]


def import_issue(
    project: Project, source: Path, date: dt.date, add: bool = False, changes: str = "all"
) -> Imported:
    """Write the issue of `date` from `source` (.txt, .pdf or .docx); `add`: write the proposed
    people and bodies into the registries too; changes: a Word file's tracked changes, `all`
    (refuse the import if there are any), `accept` or `reject`."""
    publication = _publication(project)
    if source.suffix.lower() == ".docx":
        draft = read_word(source, publication.labels, date, changes)
    else:
        lines = source_lines(source, publication)
        draft = read_lines(lines, publication.labels, _masthead(publication), date)
        if source.suffix.lower() == ".pdf":
            draft = with_links(draft, pdf_links(source), _own_addresses(publication))
    if not draft.top:
        raise ConfigError(
            str(source),
            f"no Top-5 item found (no line '{publication.labels['top']}' followed by "
            "'1. Headline')",
            "import an issue laid out like the reference (see docs/importing.md)",
        )
    matched = match(project, draft)
    written = write_issue(project, date, matched.draft)
    if add and matched.proposals:
        written += add_to_registries(project, matched.proposals)
    proposals = () if add else tuple(p.finding for p in matched.proposals)
    return Imported(tuple(written), draft.findings + proposals)


def source_lines(source: Path, publication: Publication) -> list[Line]:
    """The numbered lines of the file to import, a PDF's in the plain-text layout, or a
    one-line error."""
    suffix = source.suffix.lower()
    if suffix not in SUFFIXES:
        raise ConfigError(
            str(source),
            f"cannot import a {suffix or 'file without suffix'}",
            "give a .txt, .pdf or .docx",
        )
    if not source.is_file():
        raise ConfigError(str(source), "no such file", "check the path")
    text = pdf_text(source) if suffix == ".pdf" else _plain_text(source)
    if not text.strip():
        raise ConfigError(str(source), "the file holds no text", "give the issue's text")
    if suffix == ".pdf":
        return pdf_lines(text, publication.labels, f"{publication.series} |")
    return [Line(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1)]


def read_word(source: Path, labels: Mapping[str, str], date: dt.date, changes: str) -> Draft:
    """The draft of a Word file, its comments and unknown styles among the findings; refuses
    (naming each) a file with tracked changes unless they are accepted or rejected."""
    if not source.is_file():
        raise ConfigError(str(source), "no such file", "check the path")
    with tempfile.TemporaryDirectory() as media:
        tree = docx_tree(source, "all", Path(media))
        found = remarks(tree)  # comments are in the tree only when changes are all kept
        tracked = [r.finding.message for r in found if r.kind in CHANGES]
        if tracked and changes == "all":
            fix = (
                "accept or reject them in Word, or import with --accept-changes or --reject-changes"
            )
            raise ConfigError(str(source), "tracked changes: " + "; ".join(tracked), fix)
        if tracked:
            tree = docx_tree(source, changes, Path(media))
        draft = read_tree(tree, labels, date)
    return replace(draft, findings=(*(r.finding for r in found), *draft.findings))


def _plain_text(source: Path) -> str:
    try:
        return source.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            str(source), f"not UTF-8 text (byte {error.start})", "save it as UTF-8"
        ) from None


def _publication(project: Project) -> Publication:
    checked = validate(read_project(project, []))
    if checked.publication is None:
        raise ContentError(checked.diagnostics)
    return checked.publication


def _own_addresses(publication: Publication) -> set[str]:
    """The publication's own addresses, printed in the contact and publisher blocks the import
    leaves out (publication.yaml has them), as its PDF links them."""
    publisher, contact = publication.publisher, publication.contact
    emails = (publisher.email, contact.email)
    return {publisher.website, *(f"mailto:{email}" for email in emails if email)} - {""}


def _masthead(publication: Publication) -> Masthead:
    return Masthead(publication.series, publication.publisher.name)


__all__ = ["Draft", "Imported", "import_issue", "source_lines"]
