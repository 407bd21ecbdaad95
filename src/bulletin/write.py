"""Write outputs atomically: a reader or a failed build never sees a half-written file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bulletin.errors import BulletinError


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`."""
    write_all([(path, data)])


def write_all(files: Sequence[tuple[Path, bytes]], shown: str = "") -> None:
    """Write every file, all or none: each goes to a temporary file beside it first, and only
    when all are written are they renamed into place. A failure is one line naming the file."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            staged.append((_stage(path, data), path))
        for _, path in staged:  # a rename fails on a folder: find one before renaming any
            if path.is_dir():
                raise IsADirectoryError(21, "a folder is in the way", str(path))
        for temporary, path in staged:
            os.replace(temporary, path)
    except OSError as error:
        for temporary, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        where = error.filename or shown or "build/"
        raise BulletinError(
            f"{where}: error: cannot write ({error.strerror}): "
            "check the folder and the free disk space"
        ) from None


def _stage(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return temporary
