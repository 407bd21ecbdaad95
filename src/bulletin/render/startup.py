"""What a process pays once to start WeasyPrint, paid without the avoidable part.

Two costs of every process that lays out a PDF come before any layout:

- Finding the libraries. `import weasyprint` opens pango, harfbuzz, fontconfig and gobject
  through cffi under several names each, and cffi hands every name it cannot open as it is to
  `ctypes.util.find_library`, which on Linux runs `ldconfig -p`, then gcc and ld, for each:
  about 90 processes and 0.2 s. `import_weasyprint` answers those questions from one reading
  of the dynamic linker's cache file (`/etc/ld.so.cache`), with no process. It is the table
  `ldconfig -p` prints and the first place ctypes looks, so a library found there is the one
  ctypes finds; ctypes is left alone when the file is not a cache this code reads, or when
  LD_LIBRARY_PATH is set (a library there is found only by ctypes' own search).
- Parsing hyphenation patterns. pyphen reads a dictionary's text into a table of patterns the
  first time a language is hyphenated in a process (0.05-0.15 s for English). With
  `cache_hyphenation`, each table is pickled under the project's cache the first time and
  unpickled after (5 ms): the same table, so the same hyphens. A pickle is keyed by pyphen's
  version and the dictionary file's path, size and modification time; one that cannot be read
  is parsed again and replaced.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import hashlib
import os
import pickle
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from bulletin.errors import OutputError
from bulletin.write import write_atomic

LD_CACHE = Path("/etc/ld.so.cache")
_MAGIC = b"glibc-ld.so.cache1.1"
_HEADER = struct.Struct("<20sIIB3xI12x")  # magic, entries, strings' length, byte order, ext.
_ENTRY = struct.Struct("<iIIIQ")  # flags, name, path (offsets), OS version, hardware caps
_LITTLE_ENDIAN = 2
_ABI_FLAGS = {"x86_64": 0x0303, "aarch64": 0x0A03}
"""glibc's flags of a 64-bit library of this machine (ELF, libc6, the machine's 64-bit ABI)."""


def import_weasyprint() -> ModuleType:
    """WeasyPrint, imported once per process with its libraries found in the ld cache."""
    if "weasyprint" not in sys.modules:
        with libraries_from_ld_cache():
            import weasyprint  # noqa: F401  (what is wanted is the module in sys.modules)
    return sys.modules["weasyprint"]


@contextlib.contextmanager
def libraries_from_ld_cache(cache: Path = LD_CACHE) -> Iterator[None]:
    """Within the block, `ctypes.util.find_library` answers from the linker's cache, read
    once, starting no process; unchanged when the cache cannot be read or LD_LIBRARY_PATH is
    set."""
    names = None if os.environ.get("LD_LIBRARY_PATH") else linked_names(cache)
    if names is None:
        yield
        return
    original = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        return first_named(names, name)

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


def first_named(names: tuple[str, ...], name: str) -> str | None:
    """The first library name `libNAME.*` of the cache, as `ctypes.util.find_library(NAME)`
    gives it, or None."""
    return next((found for found in names if found.startswith(f"lib{name}.")), None)


def linked_names(cache: Path = LD_CACHE) -> tuple[str, ...] | None:
    """The names of this machine's 64-bit libraries in a glibc ld cache file, in its order
    (that of `ldconfig -p`); None when the file is missing or not a cache this code reads."""
    abi = _ABI_FLAGS.get(os.uname().machine)
    try:
        data = cache.read_bytes()
        magic, count, _, order, _ = _HEADER.unpack_from(data)
    except (OSError, struct.error):
        return None
    if abi is None or magic != _MAGIC or order != _LITTLE_ENDIAN:
        return None
    entries = (_ENTRY.unpack_from(data, _HEADER.size + i * _ENTRY.size) for i in range(count))
    return tuple(_string(data, key) for flags, key, *_ in entries if flags == abi)


def _string(data: bytes, offset: int) -> str:
    return os.fsdecode(data[offset : data.index(b"\0", offset)])


def cache_hyphenation(folder: Path) -> None:
    """Make pyphen keep each hyphenation table it parses in `folder`, and take it from there
    in later processes (see the module's docstring)."""
    import pyphen

    if not (isinstance(pyphen.hdcache, HyphenationCache) and pyphen.hdcache.folder == folder):
        pyphen.hdcache = HyphenationCache(folder, pyphen.hdcache)


class HyphenationCache(dict[Any, Any]):
    """pyphen's tables of hyphenation patterns by dictionary file (its `hdcache`), each also
    pickled in a folder: a table not in memory is looked for there before pyphen parses it."""

    def __init__(self, folder: Path, tables: dict[Any, Any]) -> None:
        super().__init__(tables)
        self.folder = folder

    def __contains__(self, path: object) -> bool:
        if super().__contains__(path):
            return True
        table = self._load(Path(str(path)))
        if table is not None:
            super().__setitem__(path, table)
        return table is not None

    def __setitem__(self, path: Any, table: Any) -> None:
        super().__setitem__(path, table)
        with contextlib.suppress(OSError, OutputError, pickle.PicklingError):  # a cache, no more
            write_atomic(self.pickle_of(Path(str(path))), pickle.dumps(table, protocol=5))

    def pickle_of(self, dictionary: Path) -> Path:
        """Where the table of a dictionary file is kept: named after pyphen's version and the
        file's path, size and modification time."""
        import pyphen

        stat = dictionary.stat()
        key = f"{pyphen.__version__}\0{dictionary}\0{stat.st_size}\0{stat.st_mtime_ns}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return self.folder / f"{dictionary.stem}-{digest}.pickle"

    def _load(self, dictionary: Path) -> Any:
        """The pickled table of a dictionary file, or None when none is kept or it is damaged."""
        import pyphen

        try:
            table = pickle.loads(self.pickle_of(dictionary).read_bytes())
        except Exception:  # missing, cut short, of another pyphen: parse the dictionary again
            return None
        return table if isinstance(table, pyphen.HyphDict) else None
