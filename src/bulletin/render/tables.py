"""Table header cells in the PDF's tags say what they head: `/Scope` in their table
attributes, which WeasyPrint 70 leaves out. WeasyPrint links each data cell to its headers
(`/Headers`, naming the header cells' `/ID`); the scope says the same of the header cell
itself, which is what checkers such as `pdfua` look for (PDF/UA-1 7.5)."""

from __future__ import annotations

import pikepdf
from pikepdf import Name

from bulletin.render.structure import Element, Tree


def scope_table_headers(tree: Tree) -> None:
    """Each header cell says what it heads (`/Scope` in its table attributes), which
    WeasyPrint 70 leaves out: `/Row` when a data cell of its row names it among its
    `/Headers` (WeasyPrint does that for `<th scope="row">`), else `/Column`."""
    for cell in tree.of_kind("/TH"):
        row = cell.parent.kids if cell.parent is not None else []
        named = {
            str(name)
            for kid in row
            if isinstance(kid, Element) and kid.kind == "/TD"
            for attributes in _attributes(kid.obj)
            for name in attributes.get("/Headers", ())
        }
        scope = Name.Row if str(cell.obj.get("/ID", "")) in named else Name.Column
        _table_attributes(cell.obj).Scope = scope


def _attributes(obj: pikepdf.Object) -> list[pikepdf.Dictionary]:
    """An element's attribute dictionaries (its /A: one, several or none)."""
    value = obj.get("/A")
    listed = list(value) if isinstance(value, pikepdf.Array) else [value]
    return [each for each in listed if isinstance(each, pikepdf.Dictionary)]


def _table_attributes(obj: pikepdf.Object) -> pikepdf.Dictionary:
    """An element's attributes owned by /Table (WeasyPrint writes them as a cell's only /A),
    added to its /A when it has none."""
    owned = _attributes(obj)
    table = next((each for each in owned if each.get("/O") == Name.Table), None)
    if table is None:
        table = pikepdf.Dictionary(O=Name.Table)
        obj.A = pikepdf.Array([*owned, table]) if owned else table
    return table
