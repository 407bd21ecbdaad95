"""The packages of src/bulletin are layers: a lower one never imports a higher one.

shared (project, diagnostics, errors, report, secrets, write) < content < archive < render <
site; shared < store (the database) < mail < service (the subscriber web service); content <
links (link health, beside archive and render); content < importing (issues brought in from
text and PDFs, beside links); site, service, links, importing < cli. The imports are
read with `ast`, so an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "bulletin"
SHARED = {"project", "diagnostics", "errors", "report", "secrets", "write", "__init__"}
FORBIDDEN = {
    "shared": {
        "content",
        "archive",
        "render",
        "site",
        "store",
        "mail",
        "service",
        "links",
        "importing",
        "cli",
    },
    "content": {
        "archive",
        "render",
        "site",
        "store",
        "mail",
        "service",
        "links",
        "importing",
        "cli",
    },
    "archive": {"render", "site", "store", "mail", "service", "links", "cli"},
    "render": {"site", "store", "mail", "service", "links", "cli"},
    "site": {"store", "mail", "service", "links", "cli"},
    "store": {"content", "archive", "render", "site", "mail", "service", "links", "cli"},
    "mail": {"site", "service", "links", "cli"},
    "service": {"site", "links", "cli"},
    "links": {"archive", "render", "site", "store", "mail", "service", "importing", "cli"},
    "importing": {"archive", "render", "site", "store", "mail", "service", "links", "cli"},
    "cli": set(),
}


def layer_of(path: Path) -> str:
    """The layer of a module of src/bulletin: its package, or 'shared' for the root ones."""
    part = path.relative_to(SOURCE).parts[0].removesuffix(".py")
    if part == "__main__":  # `python -m bulletin`: the command line's entry point
        return "cli"
    return "shared" if part in SHARED else part


def imported_layers(path: Path) -> set[tuple[str, int]]:
    """The layers a module imports from, with the line of each import."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "bulletin" and len(parts) > 1:
                layer = "shared" if parts[1] in SHARED else parts[1]
                found.add((layer, node.lineno))
    return found


MODULES = sorted(SOURCE.rglob("*.py"))


def test_the_subsystems_are_packages():
    packages = {path.name for path in SOURCE.iterdir() if (path / "__init__.py").is_file()}
    assert packages == set(FORBIDDEN) - {"shared"}
    assert {layer_of(path) for path in MODULES} == set(FORBIDDEN)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_no_module_imports_a_higher_layer(path: Path):
    layer = layer_of(path)
    wrong = sorted(
        (line, other) for other, line in imported_layers(path) if other in FORBIDDEN[layer]
    )
    assert not wrong, f"{path.relative_to(SOURCE)} ({layer}) imports {wrong}"


def test_the_layer_check_sees_a_wrong_import(tmp_path: Path):
    """The check itself: an import from a higher layer, even inside a function, is found."""
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from bulletin.site.build import build\n", encoding="utf-8")
    assert ("site", 2) in imported_layers(module)
