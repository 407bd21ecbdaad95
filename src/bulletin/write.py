"""Write outputs atomically: a reader or a failed build never sees a half-written file."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bulletin.errors import OutputError


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`."""
    write_all([(path, data)])


def write_all(files: Sequence[tuple[Path, bytes]], shown: str = "") -> None:
    """Write every file, all or none: each goes to a temporary file beside it first, and only
    when all are written are they renamed into place. A failure is one line naming the file,
    or what is in the way of its folder (a link to nothing, a file where a folder must be).

    shown: how the folder holding the files is shown (e.g. "build"): a path in it is shown
    from there (build/issues), any other path as it is.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            staged.append((_stage(path, data), path))
        for _, path in staged:  # a rename fails on a folder: find one before renaming any
            if path.is_dir():
                raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(path))
        for temporary, path in staged:
            os.replace(temporary, path)
    except OSError as error:
        for temporary, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        raise _cannot_write(error, shown) from None


def _cannot_write(error: OSError, shown: str) -> OutputError:
    """The error for a failed write: what is in the way, else the system's reason."""
    where = Path(error.filename) if error.filename else None
    if where is not None and error.errno in (errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
        blocked = _in_the_way(where)
        if blocked is not None:
            path, (what, fix) = blocked
            return OutputError(_shown(path, shown), f"cannot write: {what}", fix)
    place = _shown(where, shown) if where is not None else shown or "build/"
    return OutputError(
        place, f"cannot write ({error.strerror})", "check the folder and the free disk space"
    )


def _in_the_way(path: Path) -> tuple[Path, tuple[str, str]] | None:
    """The first of `path`'s parents, or `path`, that stops a folder being made there or a
    file being renamed to it, with what it is and how to clear it; None if none does."""
    for part in [*reversed(path.parents), path]:
        if part.is_symlink() and not part.exists():
            link = os.readlink(part)
            target = os.path.normpath(os.path.join(part.parent, link))
            if _loops(part):
                return part, (
                    f"is a link to {link!r}, which leads round in a loop",
                    "remove the link",
                )
            return part, (
                f"is a link to {link!r}, which does not exist",
                f"create {target} or remove the link",
            )
        if part == path and part.is_dir():
            return part, ("is a folder, where the file must go", "move it away")
        if part.exists() and not part.is_dir():
            return part, ("is a file, not a folder", "move it away")
        if not part.exists():
            return None
    return None


def _loops(link: Path) -> bool:
    try:
        link.stat()
    except OSError as error:
        return error.errno == errno.ELOOP
    return False


def _shown(path: Path, shown: str) -> str:
    """`path` from the folder shown as `shown` when it is in a folder of that name."""
    if shown:
        for folder in [path, *path.parents]:
            posix = folder.as_posix()
            if posix == shown or posix.endswith(f"/{shown}"):
                return Path(shown, path.relative_to(folder)).as_posix()
    return str(path)


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
