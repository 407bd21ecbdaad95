"""The pictures a build lays out with WeasyPrint (social cards, PNG copies of SVG figures), not
made again when the one in build/ was made from the same HTML, files and renderer.

`.bulletin-cache/pictures.json` records, for each picture in build/, what it was made from (a
digest of its HTML, its size in pixels, the files of its base folder by path, size and
modification time, the renderer's versions), the digest of the PNG made and what WeasyPrint
warned about. A picture is taken from build/ only when both digests match; anything else (no
record, a damaged one, a file changed or gone) means making it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bulletin.project import Project
from bulletin.site.cache import FOLDER, files_under, fingerprint
from bulletin.write import write_atomic

if TYPE_CHECKING:
    from bulletin.render.pdf import Rendered
    from bulletin.render.raster import Job

RECORD = "pictures.json"


def kept_pngs(project: Project, paths: Sequence[Path], jobs: Sequence[Job]) -> Iterator[Rendered]:
    """The PNG of each job, to be written at the path of the same rank, in turn: taken from
    build/ when made there from the same inputs, else made now (on every core), each as soon as
    it is done, and recorded once all are."""
    from bulletin.render import raster
    from bulletin.render.pdf import timed

    if not jobs:
        return
    record = _load(project)
    folders = {base: fingerprint(files_under(base)) for _, base, _, _ in jobs}
    keys = [_key(job, folders[job[1]], raster.RENDERER) for job in jobs]
    pairs = zip(paths, keys, strict=True)
    kept = [_kept(project, path, key, record) is not None for path, key in pairs]
    made = raster.pngs(job for job, done in zip(jobs, kept, strict=True) if not done)
    try:
        for path, key, job, done in zip(paths, keys, jobs, kept, strict=True):
            picture = _kept(project, path, key, record) if done else next(made)
            if picture is None:  # gone from build/ meanwhile
                picture = timed(raster.png, *job)
            if not done or picture[1]:
                record[_name(project, path)] = _entry(key, picture)
            yield picture
    finally:
        if not all(kept):
            _save(project, record)


def _key(job: Job, files: str, renderer: str) -> str:
    """A digest of what a picture is made from: HTML, size, base folder and the fingerprint of
    its files, renderer."""
    html, base, width, height = job
    text = f"{renderer}\0{width}x{height}\0{base}\0{files}\0{html}"
    return hashlib.sha256(text.encode()).hexdigest()


def _kept(project: Project, path: Path, key: str, record: dict[str, object]) -> Rendered | None:
    """The picture at `path` with its warnings, when it was made from `key`; else None."""
    match record.get(_name(project, path)):
        case {"key": str(made_from), "png": str(digest), "warnings": list(warnings)} if (
            made_from == key and all(isinstance(w, str) for w in warnings)
        ):
            pass
        case _:
            return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return (data, 0.0, warnings) if hashlib.sha256(data).hexdigest() == digest else None


def _entry(key: str, picture: Rendered) -> dict[str, object]:
    data, _, warnings = picture
    return {"key": key, "png": hashlib.sha256(data).hexdigest(), "warnings": warnings}


def _name(project: Project, path: Path) -> str:
    return path.relative_to(project.build).as_posix()


def _load(project: Project) -> dict[str, object]:
    try:
        record = json.loads((project.root / FOLDER / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return record if isinstance(record, dict) else {}


def _save(project: Project, record: dict[str, object]) -> None:
    write_atomic(project.root / FOLDER / RECORD, json.dumps(record, indent=0).encode())
