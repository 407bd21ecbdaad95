"""What a process pays to start WeasyPrint (render/startup.py): no library lookup starts a
process, hyphenation tables and compiled templates are kept in the project's cache and taken
from there by the next process, the same as made anew. Each process is a fresh interpreter
watched through an audit hook (`sys.addaudithook`): processes started, files opened, code
compiled."""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pyphen
import pytest

from bulletin.render.startup import (
    HyphenationCache,
    first_named,
    libraries_from_ld_cache,
    linked_names,
)
from conftest import SAMPLE

WATCH = """
import json, sys
seen = {"processes": [], "opened": [], "compiled": []}
def watch(event, arguments):
    if event in ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork"):
        seen["processes"].append(repr(arguments[:2]))
    elif event == "open" and isinstance(arguments[0], str):
        seen["opened"].append(arguments[0])
    elif event == "compile" and isinstance(arguments[1], str):
        seen["compiled"].append(arguments[1])
sys.addaudithook(watch)
"""
"""The start of each watched script: what it starts, opens and compiles ends up in `seen`."""
REPORT = "\nprint(json.dumps(seen))"


def watched(code: str, *arguments: str) -> dict[str, list[str]]:
    """What a fresh interpreter running `code` started, opened and compiled."""
    command = [sys.executable, "-c", WATCH + code + REPORT, *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    seen: dict[str, list[str]] = json.loads(result.stdout.splitlines()[-1])
    return seen


def test_a_build_starts_no_process(project: Path):
    build = "from bulletin.cli import cli\ncli.main(sys.argv[1:], standalone_mode=False)"
    seen = watched(build, "--project", str(project), "build", SAMPLE)
    assert seen["processes"] == []
    assert (project / "build/issues" / SAMPLE / "china-industries-2021-11-02.pdf").is_file()


def test_importing_weasyprint_bare_starts_ldconfig_and_gcc():
    """The cost avoided, seen by the same hook: WeasyPrint as it is imported elsewhere."""
    started = " ".join(watched("import weasyprint")["processes"])
    assert "ldconfig" in started
    assert "gcc" in started


def test_the_ld_cache_file_reads_as_ldconfig_prints_it():
    printed = subprocess.run(
        ["/sbin/ldconfig", "-p"], capture_output=True, text=True, env={"LC_ALL": "C"}, check=True
    ).stdout
    listed = re.findall(r"^\s+(\S+) \(libc6,x86-64[,)]", printed, re.MULTILINE)
    names = linked_names()
    assert names is not None
    assert list(names) == listed
    assert first_named(names, "pango-1.0") == "libpango-1.0.so.0"
    assert first_named(names, "libpango-1.0-0") is None  # not a name: cffi tries the next


@pytest.mark.parametrize("content", [None, b"", b"ld.so-1.7.0" + bytes(100)], ids=str)
def test_without_a_readable_ld_cache_ctypes_is_left_alone(tmp_path: Path, content: bytes | None):
    import ctypes.util

    cache = tmp_path / "ld.so.cache"
    if content is not None:
        cache.write_bytes(content)
    assert linked_names(cache) is None
    original = ctypes.util.find_library
    with libraries_from_ld_cache(cache):
        assert ctypes.util.find_library is original
    assert ctypes.util.find_library is original


HYPHENATED = """
from pathlib import Path
from bulletin.render.startup import cache_hyphenation, import_weasyprint
if sys.argv[1] != "-": cache_hyphenation(Path(sys.argv[1]))
weasyprint = import_weasyprint()
page = (
    '<html lang="en"><p style="width: 3cm; hyphens: auto; font-size: 12pt">'
    "Internationalisation of standardisation: incomprehensibilities notwithstanding, "
    "interdisciplinary characterisation of telecommunications infrastructure.</p></html>"
)
import io, pypdf
pdf = pypdf.PdfReader(io.BytesIO(weasyprint.HTML(string=page).write_pdf()))
seen["lines"] = pdf.pages[0].extract_text().splitlines()
"""


def test_hyphenation_tables_are_pickled_then_reused_the_same(tmp_path: Path):
    cache = tmp_path / "hyphenation"
    made = watched(HYPHENATED, str(cache))
    reused = watched(HYPHENATED, str(cache))
    plain = watched(HYPHENATED, "-")
    dictionary = str(pyphen.LANGUAGES["en"])
    assert dictionary in made["opened"]
    assert [p.name[:8] for p in cache.iterdir()] == ["hyph_en_"]
    assert dictionary not in reused["opened"]
    assert reused["lines"] == made["lines"] == plain["lines"]
    assert any(line.endswith("\u2010") for line in plain["lines"])  # it did hyphenate


@pytest.mark.parametrize(
    "damage", [b"", b"not a pickle", pickle.dumps({"a": "dict"})], ids=["empty", "junk", "dict"]
)
def test_a_damaged_hyphenation_pickle_is_parsed_again_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: bytes
):
    dictionary = pyphen.LANGUAGES["en"]
    cache = HyphenationCache(tmp_path, {})
    cache.pickle_of(dictionary).write_bytes(damage)
    assert dictionary not in cache
    monkeypatch.setattr(pyphen, "hdcache", cache)
    hyphens = pyphen.Pyphen(lang="en").inserted("standardisation")
    assert hyphens == pyphen.Pyphen(filename=dictionary, cache=False).inserted("standardisation")
    assert dictionary in HyphenationCache(tmp_path, {})  # the pickle was written again


TEMPLATE = """
from pathlib import Path
from bulletin.render.html import Theme
theme = Theme(Path(sys.argv[1]), Path(sys.argv[2]))
seen["page"] = theme.environment.get_template("note.html").render(name="readers")
"""


def test_templates_are_kept_compiled_and_recompiled_when_changed(tmp_path: Path):
    templates, compiled = tmp_path / "templates", tmp_path / "compiled"
    templates.mkdir()
    template = templates / "note.html"
    template.write_text("Hello {{ name | upper }}", encoding="utf-8")
    first = watched(TEMPLATE, str(templates), str(compiled))
    again = watched(TEMPLATE, str(templates), str(compiled))
    assert str(template) in first["compiled"]
    assert len(list(compiled.iterdir())) == 1
    assert str(template) not in again["compiled"]
    assert again["page"] == first["page"] == "Hello READERS"
    template.write_text("Goodbye {{ name }}", encoding="utf-8")
    changed = watched(TEMPLATE, str(templates), str(compiled))
    assert str(template) in changed["compiled"]
    assert changed["page"] == "Goodbye readers"
