"""A throwaway PostgreSQL server for the tests: Debian's binaries, a private data folder, a free
port on 127.0.0.1, trusted local logins, and a fresh empty database per test."""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

HOST = "127.0.0.1"
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"
"""Who runs the server when the tests run as root (initdb refuses root); Debian's package makes
this user."""
DEBIAN_ROOT = Path("/usr/lib/postgresql")
PORT_TRIES = 5
INSTALL_HINT = "run `make setup`, which installs Debian's postgresql package"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL cannot be started here; the message says why and what to do."""


@dataclass(frozen=True)
class Server:
    """A running server: `folder` holds the data folder, the log and the unix socket."""

    bindir: Path
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one database of this server."""
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        """A psycopg connection in autocommit, over TCP like the URL's."""
        return psycopg.connect(
            host=HOST, port=self.port, user=SUPERUSER, dbname=database, autocommit=True
        )


def version_key(folder: Path) -> tuple[int, ...]:
    """Sort key of a folder named after a PostgreSQL version ("15", "9.6")."""
    return tuple(int(part) for part in re.findall(r"\d+", folder.name))


def find_bindir(debian_root: Path = DEBIAN_ROOT, pg_config: str | None = "pg_config") -> Path:
    """The folder of `initdb`, `pg_ctl` and `postgres`: the newest Debian version installed, else
    what `pg_config --bindir` says. Never PATH, which may hold wrappers that CI does not have."""
    versions = sorted(debian_root.glob("*/bin/initdb"), key=lambda p: version_key(p.parent.parent))
    if versions:
        return versions[-1].parent
    found = shutil.which(pg_config) if pg_config else None
    if found:
        result = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        bindir = Path(result.stdout.strip())
        if result.returncode == 0 and (bindir / "initdb").is_file():
            return bindir
    raise PostgresUnavailable(
        f"PostgreSQL server binaries (initdb, pg_ctl) not found in {debian_root}/*/bin"
        f" nor by pg_config: {INSTALL_HINT}"
    )


def as_server_user(command: Sequence[str | Path]) -> list[str]:
    """`command` run as the server's owner: the postgres user under root, else ourselves."""
    words = [str(word) for word in command]
    if os.geteuid() != 0:
        return words
    return ["runuser", "-u", SYSTEM_USER, "--", *words]


def make_folder() -> Path:
    """A new private temporary folder the server's owner can write in."""
    folder = Path(tempfile.mkdtemp(prefix="bulletin-postgres-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            folder.rmdir()
            raise PostgresUnavailable(
                f"running as root, and there is no {SYSTEM_USER!r} user to run the server as"
                f" (initdb refuses root): {INSTALL_HINT}"
            ) from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    return folder


def run(command: Sequence[str | Path], folder: Path) -> None:
    """Run a server tool as its owner in `folder` (the owner may not enter our working
    directory); fail with its output."""
    result = subprocess.run(
        as_server_user(command), cwd=folder, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise PostgresUnavailable(
            f"{Path(command[0]).name} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start(bindir: Path | None = None) -> Server:
    """initdb a new data folder and start a server on it; `stop` undoes both.

    initdb skips its final sync (the folder is thrown away, never recovered); the server itself
    runs with fsync on, as in production."""
    bindir = bindir or find_bindir()
    folder = make_folder()
    try:
        run([bindir / "initdb", "-D", folder / "data", "-U", SUPERUSER, "-A", "trust",
             "-E", "UTF8", "--no-locale", "--no-sync"], folder)  # fmt: skip
        return launch(bindir, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def launch(bindir: Path, folder: Path) -> Server:
    """`pg_ctl start` on a free port. Another process may take the port between our probe and
    the server's bind: a clash is retried with a new port."""
    for _ in range(PORT_TRIES):
        server = Server(bindir, folder, free_port())
        options = f"-h {HOST} -p {server.port} -k {shlex.quote(str(folder))} -c fsync=on"
        server.log.unlink(missing_ok=True)
        try:
            run([bindir / "pg_ctl", "-D", server.data, "-l", server.log, "-o", options,
                 "-w", "-t", "30", "start"], folder)  # fmt: skip
            return server
        except PostgresUnavailable as error:
            log = server.log.read_text(errors="replace") if server.log.exists() else ""
            if "Address already in use" not in log:
                raise PostgresUnavailable(f"{error}\nserver log:\n{log}") from None
    raise PostgresUnavailable(f"no free port of {HOST} after {PORT_TRIES} tries")


def stop(server: Server) -> None:
    """Stop the server (fast: open sessions are cut) and remove its folder."""
    try:
        run(
            [server.bindir / "pg_ctl", "-D", server.data, "-m", "fast", "-w", "stop"], server.folder
        )
    finally:
        shutil.rmtree(server.folder, ignore_errors=True)


@contextmanager
def database(server: Server) -> Iterator[str]:
    """A new empty database for the length of a `with` block, as a SQLAlchemy URL; dropped after,
    even with connections still open on it."""
    name = f"t_{secrets.token_hex(6)}"
    with server.connect() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.url(name)
    finally:
        with server.connect() as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
