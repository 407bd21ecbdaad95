"""Mutations of the sample issue's files, as hypothesis strategies, for tests/test_fuzz.py.

A mutation is a plain function of one file's original bytes (or of its parsed YAML) and a few
parameters; each strategy draws the parameters and makes a `Mutation`, which carries the new
bytes and a one-line description of the change. `cases` draws one file of the sample, or two,
and a mutation of each; `extreme_cases` lists the largest mutation of each family, for every
file, as fixed cases; `printable_cases` changes files in ways `check` mostly accepts.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from bulletin.content.read import MAX_MARKDOWN_BYTES, MAX_YAML_BYTES

SAMPLE = "2021-11-02"
ISSUE = f"content/issues/{SAMPLE}"
SHARED = ("content/publication.yaml", "content/people.yaml", "content/bodies.yaml")
WORTH_NOTING = f"{ISSUE}/worth-noting.md"
MAX_NESTING = 2000
MAX_ITEMS = 10_000
MAX_HUGE = 1024 * 1024
MAX_REPEAT = 10_000
"""Markdown syntax repeats at most this often: a check that grows as n^2 or n^3 (10,000
backticks took 11 s once) would take days on a megabyte, inside a regular expression that no
signal interrupts."""


def size_limit(path: str) -> int:
    """The largest file `check` reads; a larger one is refused before it is parsed."""
    return MAX_MARKDOWN_BYTES if path.endswith(".md") else MAX_YAML_BYTES


def room(path: str, original: bytes) -> int:
    """How many bytes can be added to the file and keep it within its size limit."""
    return max(size_limit(path) - len(original) - 8, 1)


Draw = Callable[[st.SearchStrategy[Any]], Any]
FieldPath = tuple[Any, ...]
Case = tuple["Mutation", ...]


@dataclass(frozen=True)
class Mutation:
    """One file of the project replaced: its path (relative to the project), what changed,
    the new bytes, and the kind of mutation (the strategy's name)."""

    path: str
    what: str
    data: bytes
    kind: str = ""

    def __repr__(self) -> str:
        return f"Mutation({self.kind}: {self.path!r}, {self.what!r}, {len(self.data)} bytes)"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """How hypothesis prints a failing case (it would show a dataclass field by field,
        the bytes too): as the one line above."""
        printer.text(repr(self))


def sample_files(root: Path) -> dict[str, bytes]:
    """The shared files and the sample issue's files under `root`, by relative path."""
    folder = root / ISSUE
    paths = [root / name for name in SHARED]
    paths += [folder / "issue.md", *sorted((folder / "top").glob("*.md"))]
    paths.append(folder / "worth-noting.md")
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in paths}


# A file's parts: the YAML (all of a .yaml file, the front matter of a .md file) and the body.

_FENCE = re.compile(r"^---[ \t]*\r?\n", re.MULTILINE)


def split_front(text: str) -> tuple[str, str] | None:
    """(front matter, body) of a Markdown file, or None when it has no front matter."""
    fences = list(_FENCE.finditer(text))[:2]
    if len(fences) < 2 or fences[0].start() != 0:
        return None
    return text[fences[0].end() : fences[1].start()], text[fences[1].end() :]


def join_front(front: str, body: str) -> str:
    if front and not front.endswith("\n"):
        front += "\n"
    return f"---\n{front}---\n{body}"


def yaml_part(path: str, text: str) -> str:
    if not path.endswith(".md"):
        return text
    parts = split_front(text)
    return parts[0] if parts else ""


def with_yaml(path: str, text: str, new_yaml: str) -> str:
    """The file with its YAML replaced."""
    if not path.endswith(".md"):
        return new_yaml
    parts = split_front(text)
    return join_front(new_yaml, parts[1] if parts else text)


def has_body(path: str) -> bool:
    """Whether the file has a Markdown body that is printed (worth-noting.md's is not)."""
    return path.endswith(".md") and path != WORTH_NOTING


def parsed(original: bytes, path: str) -> Any:
    return yaml.safe_load(yaml_part(path, decode(original)))


def decode(data: bytes) -> str:
    return data.decode("utf-8-sig")


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


# Edits of bytes and text.


def insert(data: bytes, offset: int, payload: bytes) -> bytes:
    offset = min(offset, len(data))
    return data[:offset] + payload + data[offset:]


def overwrite(data: bytes, offset: int, payload: bytes) -> bytes:
    offset = min(offset, len(data))
    return data[:offset] + payload + data[offset + len(payload) :]


def delete(data: bytes, offset: int, count: int) -> bytes:
    offset = min(offset, len(data))
    return data[:offset] + data[offset + count :]


def insert_text(text: str, offset: int, payload: str) -> str:
    offset = min(offset, len(text))
    return text[:offset] + payload + text[offset:]


def insert_line(text: str, line: int, payload: str) -> str:
    lines = text.split("\n")
    line = min(line, len(lines))
    return "\n".join([*lines[:line], payload, *lines[line:]])


def with_bom(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


def with_crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def with_cr(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")


LINE_ENDS: dict[str, Callable[[bytes], bytes]] = {
    "bom": with_bom,
    "two boms": lambda data: with_bom(with_bom(data)),
    "bom on line 2": lambda data: insert(data, data.find(b"\n") + 1, b"\xef\xbb\xbf"),
    "crlf": with_crlf,
    "cr": with_cr,
    "bom and crlf": lambda data: with_bom(with_crlf(data)),
    "crlf in the yaml only": lambda data: (
        with_crlf(data[: data.find(b"\n---") + 1]) + data[data.find(b"\n---") + 1 :]
    ),
    "no final newline": lambda data: data.rstrip(b"\n"),
    "utf-16": lambda data: decode(data).encode("utf-16"),
    "latin-1": lambda data: decode(data).encode("latin-1", "replace"),
    "spaces after the fences": lambda data: re.sub(rb"(?m)^---$", b"--- \t", data),
    "blank first line": lambda data: b"\n" + data,
    "nul at the end": lambda data: data + b"\x00",
    "empty": lambda data: b"",
}
"""Whole-file changes of encoding and line ends, by name."""


# Values written as raw YAML text on a line `key: value` or `- value`.

_VALUE_LINE = re.compile(r"^(?P<key>\s*(?:- +)?[^\s:#-][^:\n]*:|\s*-)[ \t]+(?P<value>\S.*)$")


def value_lines(yaml_text: str) -> list[int]:
    """The lines of a YAML text that hold a value after `key:` or `- `."""
    return [i for i, line in enumerate(yaml_text.split("\n")) if _VALUE_LINE.match(line)]


def set_value_text(yaml_text: str, line: int, value: str) -> str:
    """The YAML with the value on line `line` (one of `value_lines`) written as `value`,
    verbatim: flow collections, quoted escapes, anything."""
    lines = yaml_text.split("\n")
    match = _VALUE_LINE.match(lines[line])
    assert match
    key = match.group("key")
    indent = " " * (len(key) - len(key.lstrip(" -")))  # more lines of the value go under it
    continued = value.replace("\n", "\n" + indent)
    lines[line] = f"{key} {continued}"
    return "\n".join(lines)


def value_as_text(path: str, original: bytes, line: int, value: str) -> bytes:
    """The file with the value on YAML line `line` written as `value`."""
    text = decode(original)
    return encode(with_yaml(path, text, set_value_text(yaml_part(path, text), line, value)))


# Changes of the parsed YAML: data -> data, dumped back.


def walk(data: Any, path: FieldPath = ()) -> Iterator[FieldPath]:
    """The path of every node of YAML data, the root first."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from walk(value, (*path, i))


def get_node(data: Any, path: FieldPath) -> Any:
    for part in path:
        data = data[part]
    return data


def set_node(data: Any, path: FieldPath, value: Any) -> Any:
    """The data with the node at `path` replaced by `value` (a copy)."""
    if not path:
        return value
    data = copy.deepcopy(data)
    get_node(data, path[:-1])[path[-1]] = value
    return data


def delete_node(data: Any, path: FieldPath) -> Any:
    if not path:
        return None
    data = copy.deepcopy(data)
    del get_node(data, path[:-1])[path[-1]]
    return data


def add_key(data: Any, path: FieldPath, key: Any, value: Any) -> Any:
    """The data with `key: value` added to the mapping at `path`."""
    data = copy.deepcopy(data)
    get_node(data, path)[key] = value
    return data


def repeat_list(data: Any, path: FieldPath, count: int) -> Any:
    """The data with the list at `path` made `count` items long, its items over and over."""
    node = get_node(data, path) or ["x"]
    return set_node(data, path, (node * (count // len(node) + 1))[:count])


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


def with_data(path: str, original: bytes, data: Any) -> bytes:
    """The file with its YAML replaced by `data`, dumped."""
    return encode(with_yaml(path, decode(original), dump(data)))


# Deep nesting, as a YAML value (flow or block) or in a Markdown body.

NESTINGS: dict[str, Callable[[int], str]] = {
    "flow lists": lambda depth: "[" * depth + "]" * depth,
    "flow mappings": lambda depth: "{a: " * depth + "1" + "}" * depth,
    "block lists": lambda depth: "\n" + "\n".join(" " * (2 * i + 2) + "-" for i in range(depth)),
    "block mappings": lambda depth: "\n" + "\n".join(" " * (i + 2) + "a:" for i in range(depth)),
}
BODY_NESTINGS: dict[str, Callable[[int], str]] = {
    "block quotes": lambda depth: ">" * depth + " quoted",
    "list items": lambda depth: "\n".join("  " * i + "- item" for i in range(depth)),
    "ordered items": lambda depth: "\n".join("   " * i + "1. item" for i in range(depth)),
    "brackets": lambda depth: "[" * depth + "x" + "]" * depth,
    "emphasis": lambda depth: "*" * depth + "x" + "*" * depth,
    "sidebars": lambda depth: "::: sidebar T\n" * depth + ":::\n" * depth,
}


def into_body(path: str, original: bytes, line: int, markdown: str) -> bytes:
    """The file with `markdown` as a paragraph of its own at line `line` of its body."""
    front, body = split_front(decode(original)) or ("", decode(original))
    return encode(join_front(front, insert_line(body, line, "\n" + markdown + "\n")))


# Catalogues of awkward content.

MARKDOWN_UNITS = (
    "`", "``` ", "\\`", "[", "]", "](", "[a](", "![](", "*", "_", "**_", ">", "<", "<a:",
    "<a:b", "&#", "&", "\\", "~", "|", "| a ", "#", "- ", "1. ", "   ", "\t", "[x]: ",
    "<http://", "https://a.b/", ":::", "TODO ", "[^", "'\"", "--", "...", "((c))", "a_b_",
)  # fmt: skip
"""Markdown syntax to repeat thousands of times."""

UNICODE = (
    "中文标题", "𠀀𪚥", "😀", "👩‍👩‍👧", "🇩🇪", "e\u0301", "\u0301", "\u0301" * 50, "مرحبا",
    "שלום", "\u202e", "\u202eevil\u202c", "\u2066x\u2069", "\u200b", "\u200d", "\u00ad",
    "\ufeff", "\u2028", "\u2029", "\x85", "\U0010ffff", "\ufffe", "\uffff", "\ufffd", "İ",
    "ß", "ǅ", "ﬃ", "\u3000", "\uff1a", "\uff21", "\U000e0041", "\u0600", "ᾈ", "Ⅻ", "०१२",
    "\u180e",
)  # fmt: skip
"""Scripts, combining marks, bidi controls, zero-width and format characters, odd line breaks,
noncharacters, letters whose case changes their length."""

YAML_ESCAPES = (
    "\\x1b[31mred\\x1b[0m", "\\x1b]0;title\\x07", "a\\r\\nb", "a\\rb", "\\0", "\\a", "\\e",
    "\\N", "\\_", "\\L", "\\P", "\\t", "\\x7f", "\\x9b", "\\u0085", "\\u202e", "\\ud800",
    "\\udfff", "\\ud83d\\ude00", "\\udc80abc", "\\U0010FFFF", "\\uFEFF", "\\x00", "\\\\",
)  # fmt: skip
"""Escapes of double-quoted YAML: control characters, line breaks, lone surrogates."""

YAML_SNIPPETS = (
    "? [a, b]\n: c", "? {a: 1}\n: c", "!!python/object:os.system x: 1", "x: !!binary aGk=",
    "x: !!set {a, b}", "<<: {a: 1}", "x: &a 1", "y: *a", "%YAML 1.1", "--- !tag", "...",
    "x: !!int abc", "x: !!float abc", "x: !!timestamp 2021-13-45", "x: 2021-02-30",
    "x: 0x1F", "x: 1_000", "x: .inf", "x: ~", "x: |\n  block\n  text", "x: >-\n  folded",
    "- item", "x:\tvalue", "\tx: 1", "x: y: z", "x: 'unclosed", 'x: "unclosed', "x: [1, 2",
    "x: {a: 1", "x: !custom 1", "x: !<tag:yaml.org,2002:str> 1", "x: 12:30:00",
    "x: 2021-11-02T10:00:00Z", "x: 1e400", "x: -.NaN", "x: 0o17", "x: +12", "x: 1:2:3",
    "null: 1", "true: 1", "1: 1", "2021-11-02: 1", "'': 1", "x: ''", 'x: ""', "---", "x: ---",
    "x: - a", "x: @a", "x: `a", "x: %a", "x: #", "date: 2021-11-02", "rank: 1",
)  # fmt: skip
"""Lines of YAML with features the content never needs, or mistakes."""

TAGGED_VALUES = (
    "!!bool maybe", "!!bool ''", "!!timestamp abc", "!!timestamp 2021-13-45", "!!int", "!!int _",
    "!!int abc", "!!int 0x", "!!float", "!!float _", "!!float abc", "!!null x", "!!binary ###",
    "!!binary aGk=", "!!set {a, b}", "!!set [a]", "!!omap [a]", "!!pairs [1]", "!!str [a]",
    "!!map x", "!!seq x", "!!merge x", "!!value x", "!!python/name:os.system", "!custom x",
    "!<tag:yaml.org,2002:int> 1", "! x",
)  # fmt: skip
"""Values with an explicit YAML tag, most of them not what the tag says."""

WRONG_VALUES: tuple[Any, ...] = (
    {"a": 1}, {}, [1, 2], [], [[]], [{}], 0, -1, 1, 7, 2**64, -(2**63), 1.5, float("nan"),
    float("inf"), True, False, None, dt.date(2021, 11, 2), dt.date(1, 1, 1),
    dt.date(9999, 12, 31), dt.datetime(2021, 11, 2, 10, 30), "text", "", " ", "#", "2021-02-30",
    "2021-11-02", "TODO", "MIIT", "en", "zh", "https://", "http://a", "mailto:", b"\x00\xff",
    {1: 2}, {None: 1}, {True: "x"}, {"": ""}, {"en": 1}, ["en"], [None], {"a", "b"},
)  # fmt: skip
"""Values of every type YAML reads, to put where another is expected."""

INTERESTING_BYTES = (
    b"\x00", b"\xff", b"\xfe", b"\xc3", b"\xe4\xb8", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
    b"\xc0\xaf", b"\x80", b"\xef\xbb\xbf", b"\r", b"\r\n", b"\n", b"\t", b"\x0b", b"\x0c",
    b"\x1b", b"\x7f", b"\xc2\x85", b"\xc2\x9b", b"\xe2\x80\xa8", b"---\n", b"...\n", b":", b": ",
    b"#", b"'", b'"', b"[", b"]", b"{", b"}", b"&a ", b"*a", b"!", b"|", b">", b"%", b"@",
    b"`", b"-", b"- ", b"? ", b"\\", b"<", b"](", b"::: sidebar ", b":::\n", b"## ",
)  # fmt: skip
"""Bytes that break the encoding, YAML or Markdown syntax, or line ends."""

CONTROL_CHARACTERS = tuple(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)])

HUGE_UNITS = ("a", "ab ", "中", "😀", "word ", "\\\\", "[", "*", "_", "<", "&", "x: ")
"""What a huge value is made of (Markdown syntax repeats up to MAX_REPEAT times only)."""


# Strategies for the parameters.


def sizes(limit: int) -> st.SearchStrategy[int]:
    """Sizes up to `limit`, half of them from a ladder of powers and edges up to it."""
    ladder = [1, 2, 5, 19, 20, 21, 50, 100, 200, 500, 999, 1000, 1001, 2000, 5000, 10_000]
    ladder += [100_000, 1_000_000]
    return st.one_of(st.integers(1, limit), st.sampled_from([n for n in ladder if n < limit]))


def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(WRONG_VALUES),
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.dates(),
        st.datetimes(),
        st.text(max_size=20),
        st.sampled_from(UNICODE),
        st.binary(max_size=8),
    )


def yaml_values() -> st.SearchStrategy[Any]:
    """Any value YAML can hold: scalars of every type, lists and mappings of them (with keys
    of any type), sets."""
    keys = st.one_of(st.text(max_size=10), st.integers(), st.none(), st.booleans())
    return st.recursive(
        _scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(keys, inner, max_size=4),
            st.sets(st.integers(), max_size=3),
        ),
        max_leaves=10,
    )


# The strategies: each takes the path and original bytes of one file and draws a Mutation.


@st.composite
def byte_edits(draw: Draw, path: str, original: bytes) -> Mutation:
    """Bytes inserted, overwritten or deleted at random offsets."""
    data, done = original, []
    payloads = st.one_of(st.binary(min_size=1, max_size=16), st.sampled_from(INTERESTING_BYTES))
    for _ in range(draw(st.integers(1, 6))):
        offset = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["insert", "overwrite", "delete"]))
        if operation == "delete":
            count = draw(st.integers(1, 16))
            data = delete(data, offset, count)
            done.append(f"delete {count} at {offset}")
        else:
            payload = draw(payloads)
            data = (insert if operation == "insert" else overwrite)(data, offset, payload)
            done.append(f"{operation} {payload!r} at {offset}")
    return Mutation(path, "; ".join(done), data)


@st.composite
def truncations(draw: Draw, path: str, original: bytes) -> Mutation:
    offset = draw(st.integers(0, len(original) - 1))
    return Mutation(path, f"truncated to {offset} of {len(original)} bytes", original[:offset])


@st.composite
def line_ends(draw: Draw, path: str, original: bytes) -> Mutation:
    """A BOM, CRLF or CR line ends, no final newline, another encoding."""
    name = draw(st.sampled_from(sorted(LINE_ENDS)))
    return Mutation(path, name, LINE_ENDS[name](original))


@st.composite
def yaml_structure(draw: Draw, path: str, original: bytes) -> Mutation:
    """The parsed YAML changed node by node (replaced by any value or a value of another
    type, deleted, keys added, lists repeated, text appended), then dumped again."""
    data = parsed(original, path)
    done = []
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(list(walk(data))))
        node = get_node(data, where)
        operations = ["replace", "wrong type"]
        operations += ["delete"] if where else []
        operations += ["add key"] if isinstance(node, dict) else []
        operations += ["repeat"] if isinstance(node, list) else []
        operations += ["append text"] if isinstance(node, str) else []
        operation = draw(st.sampled_from(operations))
        if operation in ("replace", "wrong type"):
            value = draw(yaml_values() if operation == "replace" else st.sampled_from(WRONG_VALUES))
            data = set_node(data, where, value)
            done.append(f"{dotted(where)} = {short(value)}")
        elif operation == "delete":
            data = delete_node(data, where)
            done.append(f"del {dotted(where)}")
        elif operation == "add key":
            known = sorted(map(str, node)) or ["x"]
            key = draw(st.one_of(st.sampled_from(known), st.text(max_size=12)))
            key += draw(st.sampled_from(["s", "_", "x", " ", "\u200b"])) if key in node else ""
            value = draw(yaml_values())
            data = add_key(data, where, key, value)
            done.append(f"{dotted((*where, key))} = {short(value)} (added)")
        elif operation == "repeat":
            count = draw(sizes(200))
            data = repeat_list(data, where, count)
            done.append(f"{dotted(where)} made {count} items long")
        else:
            extra = draw(st.one_of(st.sampled_from(UNICODE), st.text(max_size=20)))
            data = set_node(data, where, node + extra)
            done.append(f"{dotted(where)} += {extra!r}")
    return Mutation(path, "; ".join(done), with_data(path, original, data))


@st.composite
def yaml_text(draw: Draw, path: str, original: bytes) -> Mutation:
    """A value written as raw YAML text (quoted escapes, control characters, Unicode), or a
    line of odd YAML inserted."""
    text = decode(original)
    front = yaml_part(path, text)
    if draw(st.booleans()):
        line = draw(st.sampled_from(value_lines(front)))
        kind = draw(st.sampled_from(["escape", "control", "unicode", "quoted unicode", "tag"]))
        if kind == "tag":
            value = draw(st.sampled_from(TAGGED_VALUES))
        elif kind == "escape":
            value = '"' + "".join(draw(st.lists(st.sampled_from(YAML_ESCAPES), min_size=1))) + '"'
        elif kind == "control":
            value = "x" + "".join(draw(st.lists(st.sampled_from(CONTROL_CHARACTERS), min_size=1)))
        elif kind == "unicode":
            value = "".join(draw(st.lists(st.sampled_from(UNICODE), min_size=1, max_size=4)))
        else:
            value = '"' + draw(st.sampled_from(UNICODE)) + '"'
        what = f"line {line + 1} of the YAML: value written as {value!r}"
        return Mutation(path, what, value_as_text(path, original, line, value))
    line = draw(st.integers(0, front.count("\n")))
    snippet = draw(st.sampled_from(YAML_SNIPPETS))
    indent = draw(st.sampled_from(["", "", "  ", "    ", "      "]))
    new_front = insert_line(front, line, indent + snippet.replace("\n", "\n" + indent))
    what = f"line {indent + snippet!r} inserted before line {line + 1} of the YAML"
    return Mutation(path, what, encode(with_yaml(path, text, new_front)))


@st.composite
def characters(draw: Draw, path: str, original: bytes) -> Mutation:
    """Unicode or control characters inserted anywhere in the text, raw."""
    text = decode(original)
    catalogue = UNICODE if draw(st.booleans()) else CONTROL_CHARACTERS
    done = []
    for _ in range(draw(st.integers(1, 4))):
        offset = draw(st.integers(0, len(text)))
        payload = draw(st.one_of(st.sampled_from(catalogue), st.text(min_size=1, max_size=8)))
        text = insert_text(text, offset, payload)
        done.append(f"insert {payload!r} at character {offset}")
    return Mutation(path, "; ".join(done), encode(text))


@st.composite
def deep_nesting(draw: Draw, path: str, original: bytes) -> Mutation:
    """A value nested up to MAX_NESTING levels deep, in the YAML or in the Markdown body."""
    depth = draw(sizes(MAX_NESTING))
    if has_body(path) and draw(st.booleans()):
        name = draw(st.sampled_from(sorted(BODY_NESTINGS)))
        line = draw(st.integers(0, decode(original).count("\n")))
        data = into_body(path, original, line, BODY_NESTINGS[name](depth))
        return Mutation(path, f"{name} nested {depth} deep in the body", data)
    name = draw(st.sampled_from(sorted(NESTINGS)))
    line = draw(st.sampled_from(value_lines(yaml_part(path, decode(original)))))
    data = value_as_text(path, original, line, NESTINGS[name](depth))
    return Mutation(path, f"line {line + 1} of the YAML: {name} nested {depth} deep", data)


@st.composite
def huge_values(draw: Draw, path: str, original: bytes) -> Mutation:
    """A value of 100 KB to 1 MB, a list of up to 10,000 items, 10,000 unknown keys, a body of
    a megabyte."""
    kind = draw(st.sampled_from(["string", "list", "keys", "body"]))
    if kind == "body" and has_body(path):
        count = draw(st.integers(1, MAX_HUGE // len(original)))
        return Mutation(path, f"body repeated {count} times", huge_body(path, original, count))
    if kind == "keys":
        count = draw(sizes(MAX_ITEMS))
        return Mutation(path, f"{count} unknown keys added", many_keys(path, original, count))
    data = parsed(original, path)
    lists = [p for p in walk(data) if isinstance(get_node(data, p), list)]
    if kind == "list" and lists:
        where, count = draw(st.sampled_from(lists)), draw(sizes(MAX_ITEMS))
        new = with_data(path, original, repeat_list(data, where, count))
        return Mutation(path, f"{dotted(where)} made {count} items long", new)
    line = draw(st.sampled_from(value_lines(yaml_part(path, decode(original)))))
    size = draw(st.one_of(st.integers(100 * 1024, MAX_HUGE), st.just(room(path, original))))
    unit = draw(st.sampled_from(HUGE_UNITS))
    quoted = draw(st.booleans())
    what = f"line {line + 1} of the YAML: value of {size} bytes of {unit!r}"
    return Mutation(path, what, huge_string(path, original, line, unit, size, quoted))


def huge_body(path: str, original: bytes, count: int) -> bytes:
    """The file with its body written `count` times more."""
    front, body = split_front(decode(original)) or ("", "")
    return encode(join_front(front, body * (count + 1)))


def many_keys(path: str, original: bytes, count: int) -> bytes:
    front = yaml_part(path, decode(original))
    keys = "".join(f"unknown{i}: {i}\n" for i in range(count))
    new_front = front + ("" if front.endswith("\n") else "\n") + keys
    return encode(with_yaml(path, decode(original), new_front))


def huge_string(path: str, original: bytes, line: int, unit: str, size: int, quoted: bool) -> bytes:
    """The value on YAML line `line` made of `unit`, about `size` bytes as written."""
    quoted = quoted or ":" in unit or unit[0] in "[*&\\"
    written = unit.replace("\\", "\\\\").replace('"', '\\"') if quoted else unit
    value = written * max(size // len(written.encode()), 1)
    return value_as_text(path, original, line, f'"{value}"' if quoted else value)


@st.composite
def pathological_markdown(draw: Draw, path: str, original: bytes) -> Mutation:
    """A unit of Markdown syntax repeated up to MAX_REPEAT times, in a body, or in a text
    value for files without one (news items are inline Markdown)."""
    unit = draw(st.sampled_from(MARKDOWN_UNITS))
    count = draw(sizes(MAX_REPEAT))
    separator = draw(st.sampled_from(["", "", "", " ", "\n", "x"]))
    what = f"({unit!r} + {separator!r}) x {count}"
    markdown = (unit + separator) * count
    if has_body(path):
        line = draw(st.integers(0, decode(original).count("\n")))
        return Mutation(path, f"{what} in the body", into_body(path, original, line, markdown))
    data = parsed(original, path)
    where = draw(st.sampled_from([p for p in walk(data) if isinstance(get_node(data, p), str)]))
    new = with_data(path, original, set_node(data, where, markdown))
    return Mutation(path, f"{dotted(where)} = {what}", new)


def dotted(path: FieldPath) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path) or "."


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


MUTATIONS = (
    byte_edits,
    truncations,
    line_ends,
    yaml_structure,
    yaml_text,
    characters,
    deep_nesting,
    huge_values,
    pathological_markdown,
)


def named(
    mutation: Callable[[str, bytes], st.SearchStrategy[Mutation]], path: str, original: bytes
) -> st.SearchStrategy[Mutation]:
    """The strategy, its Mutations marked with its name. (Not with `.map`: hypothesis would
    show a failing case as the call of the mapped function, bytes and all.)"""

    @st.composite
    def marked(draw: Draw) -> Mutation:
        return dataclasses.replace(draw(mutation(path, original)), kind=mutation.__name__)

    return marked()


def mutations(path: str, original: bytes) -> st.SearchStrategy[Mutation]:
    """Any mutation of one file."""
    return st.one_of([named(mutation, path, original) for mutation in MUTATIONS])


def cases(originals: Mapping[str, bytes]) -> st.SearchStrategy[Case]:
    """One file of the sample mutated, sometimes two."""
    names = sorted(originals)

    @st.composite
    def draw_case(draw: Draw) -> Case:
        count = 2 if draw(st.integers(0, 7)) == 7 else 1
        chosen = draw(st.lists(st.sampled_from(names), min_size=count, max_size=count, unique=True))
        return tuple(draw(mutations(name, originals[name])) for name in chosen)

    return draw_case()


# The extremes of every family, for every file: fixed cases beside the random ones.


@dataclass(frozen=True)
class Extreme:
    """A fixed mutation, its bytes made only when the case runs (some are a megabyte)."""

    path: str
    kind: str
    what: str
    make: Callable[[], bytes]

    def mutation(self) -> Mutation:
        return Mutation(self.path, self.what, self.make(), f"extreme {self.kind}")

    def __repr__(self) -> str:
        return f"{self.path}: {self.kind}: {self.what}"


def extreme_cases(originals: Mapping[str, bytes]) -> list[Extreme]:
    """The largest mutation of each family in each file, and every node of every file given
    a mapping and a list where text or a number belongs, or text where a group belongs.
    Bodies all go through the same checks: those of the first Top-5 item stand for all."""
    first_item = min(path for path in originals if path.startswith(f"{ISSUE}/top/"))
    cases: list[Extreme] = []
    for path, original in sorted(originals.items()):
        cases += _extremes(path, original, with_body=path == first_item)
    return cases


def _extremes(path: str, original: bytes, with_body: bool) -> Iterator[Extreme]:
    text = decode(original)
    lines = value_lines(yaml_part(path, text))
    data = parsed(original, path)
    for name, change in LINE_ENDS.items():
        yield Extreme(path, "line ends", name, lambda change=change: change(original))
    for name, nest in NESTINGS.items():
        for depth in (500, 999, MAX_NESTING):
            value = nest(depth)
            yield Extreme(
                path,
                "nesting",
                f"line {lines[0] + 1}: {name} nested {depth} deep",
                lambda value=value: value_as_text(path, original, lines[0], value),
            )
    for where in walk(data):
        node = get_node(data, where)
        for value in ["text", 7] if isinstance(node, dict | list) else [{"a": 1}, [1, 2]]:
            yield Extreme(
                path,
                "wrong type",
                f"{dotted(where)} = {value!r}",
                lambda where=where, value=value: with_data(
                    path, original, set_node(data, where, value)
                ),
            )
        if isinstance(node, list):
            yield Extreme(
                path,
                "huge",
                f"{dotted(where)} made {MAX_ITEMS} items long",
                lambda where=where: with_data(path, original, repeat_list(data, where, MAX_ITEMS)),
            )
    yield Extreme(
        path, "huge", f"{MAX_ITEMS} unknown keys", lambda: many_keys(path, original, MAX_ITEMS)
    )
    for unit in HUGE_UNITS[:4]:
        for size in (room(path, original), MAX_HUGE):
            yield Extreme(
                path,
                "huge",
                f"line {lines[-1] + 1}: value of {size} bytes of {unit!r}",
                lambda unit=unit, size=size: huge_string(
                    path, original, lines[-1], unit, size, False
                ),
            )
    for tagged in TAGGED_VALUES:
        yield Extreme(
            path,
            "tag",
            f"line {lines[0] + 1}: {tagged}",
            lambda tagged=tagged: value_as_text(path, original, lines[0], tagged),
        )
    for escape in YAML_ESCAPES:
        yield Extreme(
            path,
            "escape",
            f'line {lines[0] + 1}: "{escape}"',
            lambda escape=escape: value_as_text(path, original, lines[0], f'"{escape}"'),
        )
    end = text.count("\n")
    if with_body:
        count = MAX_HUGE // len(original)
        yield Extreme(path, "huge", "body of 1 MB", lambda: huge_body(path, original, count))
        for name, nest in BODY_NESTINGS.items():
            markdown = nest(MAX_NESTING)
            yield Extreme(
                path,
                "nesting",
                f"{name} nested {MAX_NESTING} deep in the body",
                lambda markdown=markdown: into_body(path, original, end, markdown),
            )
    news = ("groups", 0, "items", 0, "text")  # inline Markdown
    for unit in MARKDOWN_UNITS:
        count = min(MAX_REPEAT, room(path, original) // len(unit.encode()) - 4)  # still read
        markdown = unit * count
        if with_body:
            yield Extreme(
                path,
                "markdown",
                f"{unit!r} x {count} in the body",
                lambda markdown=markdown: into_body(path, original, end, markdown),
            )
        elif path == WORTH_NOTING:
            yield Extreme(
                path,
                "markdown",
                f"{dotted(news)} = {unit!r} x {count}",
                lambda markdown=markdown: with_data(path, original, set_node(data, news, markdown)),
            )


# Mutations that keep the content valid, mostly: for the cases built to PDF.

_PRINTED_TEXT = {"title", "name", "name_zh", "role", "label", "text", "series", "full_name"}


@st.composite
def printed_text(draw: Draw, path: str, original: bytes) -> Mutation:
    """Unicode, control characters or Markdown syntax appended to a printed text field."""
    data = parsed(original, path)
    where = draw(st.sampled_from([p for p in walk(data) if p and p[-1] in _PRINTED_TEXT]))
    repeated = st.builds(
        lambda unit, count: unit * count, st.sampled_from(MARKDOWN_UNITS), sizes(300)
    )
    extra = draw(
        st.one_of(
            st.sampled_from(UNICODE),
            st.sampled_from(CONTROL_CHARACTERS),
            st.text(max_size=30),
            repeated,
        )
    )
    new = with_data(path, original, set_node(data, where, f"{get_node(data, where)} {extra}"))
    return Mutation(path, f"{dotted(where)} += {short(extra)}", new)


@st.composite
def printed_markdown(draw: Draw, path: str, original: bytes) -> Mutation:
    """Markdown syntax repeated up to a few thousand times at the end of a Top-5 comment."""
    unit = draw(st.sampled_from(MARKDOWN_UNITS))
    count = draw(sizes(3000))
    separator = draw(st.sampled_from(["", " ", "\n", "x"]))
    data = original + ("\n\n" + (unit + separator) * count + "\n").encode()
    return Mutation(path, f"({unit!r} + {separator!r}) x {count} appended", data)


@st.composite
def printed_line_ends(draw: Draw, path: str, original: bytes) -> Mutation:
    name = draw(st.sampled_from(["bom", "crlf", "bom and crlf"]))
    return Mutation(path, name, LINE_ENDS[name](original))


def printable_cases(originals: Mapping[str, bytes]) -> st.SearchStrategy[Case]:
    """One file changed in a way `check` mostly accepts, so that the case goes on to a build."""
    strategies = []
    for path, original in sorted(originals.items()):
        strategies.append(named(printed_line_ends, path, original))
        if any(p and p[-1] in _PRINTED_TEXT for p in walk(parsed(original, path))):
            strategies.append(named(printed_text, path, original))
        if path.startswith(f"{ISSUE}/top/"):
            strategies.append(named(printed_markdown, path, original))

    @st.composite
    def one_file(draw: Draw) -> Case:
        return (draw(st.one_of(strategies)),)

    return one_file()
