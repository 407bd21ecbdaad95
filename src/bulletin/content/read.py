"""Read content files into raw documents that remember the line of every value: one file,
or the shared files and issue folders of a project."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from bulletin.diagnostics import Diagnostic, Severity
from bulletin.project import Project

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class RawDocument:
    """One content file as read, before any checking.

    path: the file on disk.
    shown: the path as shown in diagnostics.
    data: the YAML data (front matter, or the whole file for .yaml), plain Python values;
        a scalar YAML could not turn into a value (an impossible date) stays a string.
    lines: the 1-based line of every value, keyed by its path in `data`, e.g. ("policy", "date").
    body: the Markdown after the front matter ('' for .yaml files).
    body_line: the line of the file on which `body` starts.
    """

    path: Path
    shown: str
    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1

    def line(self, path: FieldPath) -> int:
        """The line of a value, or of its nearest parent that has one."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)


class ReadError(Exception):
    """A file that cannot be read at all; carries the diagnostic to show."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


MAX_MARKDOWN_BYTES = 64 * 1024
"""The largest Markdown file read (a Top-5 item is a few KB): at this size even the slowest
text to parse checks in about a second, so no file can stall check, build or serve."""
MAX_YAML_BYTES = 256 * 1024
"""The largest YAML file read: room for registries of thousands of people and bodies."""


def read_yaml(path: Path, shown: str) -> RawDocument:
    """Read a whole YAML file."""
    text = _read_text(path, shown, MAX_YAML_BYTES)
    data, lines = _parse_yaml(text, shown, first_line=1)
    return RawDocument(path, shown, data, lines)


def read_markdown(path: Path, shown: str) -> RawDocument:
    """Read a Markdown file with YAML front matter between `---` lines."""
    text = _read_text(path, shown, MAX_MARKDOWN_BYTES)
    fences = list(YAMLHandler.FM_BOUNDARY.finditer(text, 0))[:2]
    if len(fences) < 2 or fences[0].start() != 0:
        raise ReadError(
            _problem(
                shown,
                1,
                "no front matter: start the file with a line '---', the YAML "
                "fields, then another line '---'",
            )
        )
    opening, closing = fences
    front = text[opening.end() : closing.start()]
    data, lines = _parse_yaml(front, shown, first_line=_line_at(text, opening.end()))
    body = text[closing.end() :]
    body_line = _line_at(text, closing.end())
    return RawDocument(path, shown, data, lines, body, body_line)


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _read_text(path: Path, shown: str, limit: int) -> str:
    try:
        with path.open("rb") as file:
            raw = file.read(limit + 1)
    except OSError as error:
        raise ReadError(
            _problem(shown, 1, f"cannot be read ({error.strerror}): check its permissions")
        ) from None
    if len(raw) > limit:
        size = path.stat().st_size
        raise ReadError(
            _problem(
                shown,
                1,
                f"the file is {_size(size)}, more than the {_size(limit)} a content file may be: "
                "split it, or remove what was pasted in by mistake",
            )
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ReadError(
            _problem(
                shown,
                line,
                f"the file is not UTF-8 (byte 0x{raw[error.start]:02x}): "
                "save it as UTF-8 in your editor",
            )
        ) from None


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _parse_yaml(text: str, shown: str, first_line: int) -> tuple[Any, dict[FieldPath, int]]:
    try:
        _refuse_anchors(text, shown, first_line)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        raise ReadError(_malformed(error, shown, first_line)) from None
    except yaml.reader.ReaderError as error:
        raise ReadError(_not_allowed(error, text, shown, first_line)) from None
    except yaml.YAMLError as error:
        raise ReadError(_problem(shown, first_line, f"malformed YAML: {error}{_HINT}")) from None
    lines: dict[FieldPath, int] = {(): first_line}
    if node is None:
        return {}, lines
    return _Converter(shown, first_line, lines).value(node, ()), lines


_HINT = (
    ": check indentation, colons and quotes (quote text that contains ': ' or starts with a "
    "special character)"
)


def _malformed(error: yaml.MarkedYAMLError, shown: str, first_line: int) -> Diagnostic:
    # An unclosed quote or bracket is only noticed lines later (often at the closing
    # '---'); YAML's context mark is where it was opened, the line to fix.
    opened = (error.context or "").startswith(
        ("while scanning a quoted scalar", "while parsing a flow")
    )
    mark = (error.context_mark if opened else None) or error.problem_mark or error.context_mark
    line = first_line + (mark.line if mark else 0)
    reason = error.problem or error.context or "malformed YAML"
    if "nesting depth" in reason:  # libyaml's own limit, met before MAX_DEPTH is counted
        return _problem(shown, line, _TOO_DEEP)
    return _problem(shown, line, f"malformed YAML: {reason}{_HINT}")


def _not_allowed(
    error: yaml.reader.ReaderError, text: str, shown: str, first_line: int
) -> Diagnostic:
    """A character YAML refuses (a control character), at its line and column."""
    offset = _offset(error, text)
    line = first_line + text.count("\n", 0, offset)
    column = offset - text.rfind("\n", 0, offset)
    return _problem(
        shown,
        line,
        f"the character U+{error.character:04X} at column {column} is not allowed in YAML "
        "(it is invisible in most editors): remove it, or retype the line",
    )


def _offset(error: yaml.reader.ReaderError, text: str) -> int:
    """Where in `text` the refused character is: PyYAML counts characters, libyaml bytes."""
    position: int = error.position
    if position < len(text) and ord(text[position]) == error.character:
        return position
    return len(text.encode("utf-8")[:position].decode("utf-8", errors="ignore"))


MAX_DEPTH = 20
"""How deeply YAML lists and groups may nest; content needs 5 levels at most, and a deeper
value would only exhaust the reader (it builds nested values recursively)."""


_TOO_DEEP = (
    f"lists and groups nest more than {MAX_DEPTH} levels deep here: content needs a few "
    "levels at most; check the brackets and indentation"
)


def _refuse_anchors(text: str, shown: str, first_line: int) -> None:
    """Refuse anchors (&name), aliases (*name), explicit tags (!!bool) and nesting deeper
    than MAX_DEPTH before a node is built: content needs none of them, a merge key would read
    as a field '<<', aliases of aliases expand without limit, a tag forces a type the schema
    does not expect. Nodes keep no anchors, so this reads the parser's events, which come one
    by one whatever the depth."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        mark = event.start_mark
        line = first_line + (mark.line if mark else 0)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ReadError(_problem(shown, line, _TOO_DEEP))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        problem = _unsupported(event)
        if problem:
            raise ReadError(_problem(shown, line, problem))


def _unsupported(event: yaml.Event) -> str | None:
    anchor = getattr(event, "anchor", None)
    if anchor is not None:
        sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
        return (
            "anchors and aliases (&name, *name) are not supported: write the value out "
            f"in place of {sign}{anchor}"
        )
    tag = getattr(event, "tag", None)  # None unless written, as in `!!bool yes`
    if tag is not None and tag != "!":
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        return f"YAML tags such as {shown} are not supported: remove the tag, keep the value"
    return None


def _problem(shown: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(shown, line, Severity.ERROR, "", message)


_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Converter:
    """Turns a YAML node tree into plain values, recording the line of each."""

    def __init__(self, shown: str, first_line: int, lines: dict[FieldPath, int]) -> None:
        self.shown = shown
        self.first_line = first_line
        self.lines = lines
        self.constructor = yaml.SafeLoader("")

    def value(self, node: yaml.Node, path: FieldPath) -> Any:
        self.lines.setdefault(path, self.first_line + node.start_mark.line)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(self.scalar(key_node))
                if key in result:
                    line = self.first_line + key_node.start_mark.line
                    raise ReadError(
                        _problem(
                            self.shown,
                            line,
                            f"duplicate key {key!r}: it is "
                            f"already set on line {self.lines[(*path, key)]}; "
                            "remove one of the two",
                        )
                    )
                self.lines[(*path, key)] = self.first_line + key_node.start_mark.line
                result[key] = self.value(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        """A scalar's value, made by the constructor of its tag (as `construct_object` does,
        without its bookkeeping of shared and recursive nodes, which scalars never are)."""
        make = self.constructor.yaml_constructors.get(node.tag)
        try:
            if make is None or not isinstance(node, yaml.ScalarNode):
                return self.constructor.construct_object(node, deep=True)
            return make(self.constructor, node)
        except Exception:  # a value YAML cannot make (2021-02-30, say) is checked as text
            return str(node.value)


@dataclass(frozen=True)
class RawIssue:
    """The files of one issue folder, as read; None where a file is missing or unreadable."""

    folder: Path
    shown: str
    issue: RawDocument | None
    top: tuple[RawDocument, ...]
    worth_noting: RawDocument | None


@dataclass(frozen=True)
class RawProject:
    """Everything read for a check or build, plus the problems met while reading."""

    project: Project
    publication: RawDocument | None
    people: RawDocument | None
    bodies: RawDocument | None
    issues: tuple[RawIssue, ...]
    problems: tuple[Diagnostic, ...]


def read_project(project: Project, folders: list[Path]) -> RawProject:
    """Read the shared files and the given issue folders; unreadable files become problems."""
    reader = _Reader(project)
    publication = reader.read(project.content / "publication.yaml")
    people = reader.read(project.content / "people.yaml")
    bodies = reader.read(project.content / "bodies.yaml")
    issues = tuple(reader.read_issue(folder) for folder in folders if reader.stays_inside(folder))
    return RawProject(project, publication, people, bodies, issues, tuple(reader.problems))


class _Reader:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.problems: list[Diagnostic] = []
        self.links_out: set[Path] = set()

    def read(self, path: Path) -> RawDocument | None:
        shown = self.project.shown(path)
        link = self.project.link_out(path)
        if link is not None:
            self.refuse_link(link)
            return None
        if not path.is_file():
            self.problems.append(
                Diagnostic(
                    shown,
                    1,
                    Severity.ERROR,
                    "",
                    "file missing: create it (see "
                    "docs/content-format.md, or 'bulletin new' for an issue)",
                )
            )
            return None
        try:
            return read_yaml(path, shown) if path.suffix == ".yaml" else read_markdown(path, shown)
        except ReadError as error:
            self.problems.append(error.diagnostic)
            return None

    def stays_inside(self, folder: Path) -> bool:
        """Whether an issue folder is inside the project; if not, its link is refused."""
        link = self.project.link_out(folder)
        if link is not None:
            self.refuse_link(link)
        return link is None

    def refuse_link(self, link: Path) -> None:
        """One error per link that leads out of the project: what it reads would be published."""
        if link in self.links_out:
            return
        self.links_out.add(link)
        target = link.resolve()
        self.problems.append(
            Diagnostic(
                self.project.shown(link.parent) + "/" + link.name,
                1,
                Severity.ERROR,
                "",
                f"a link to {target}, outside the project: bulletin reads and publishes only "
                "what is inside the project; copy the file (or folder) here instead of linking",
            )
        )

    def read_issue(self, folder: Path) -> RawIssue:
        top_files = sorted((folder / "top").glob("*.md"))
        return RawIssue(
            folder,
            self.project.shown(folder),
            self.read(folder / "issue.md"),
            tuple(doc for doc in map(self.read, top_files) if doc is not None),
            self.read(folder / "worth-noting.md"),
        )
