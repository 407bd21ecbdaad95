"""Shared fixtures: a temporary copy of the sample project, the CLI, one sample build, one build
of the test issue of notes, figures and tables, new empty databases (SQLite, PostgreSQL)."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = "2021-11-02"
SAMPLE_FOLDER = Path("content/issues") / SAMPLE


def copy_project(destination: Path) -> Path:
    """A private copy of the repository's content and templates, to edit freely."""
    shutil.copytree(REPO / "content", destination / "content")
    shutil.copytree(REPO / "templates", destination / "templates")
    return destination


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The sample project, copied to a temporary folder."""
    return copy_project(tmp_path / "project")


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `bulletin --project ROOT ARGS...` in a subprocess, as an editor would."""
    command = [sys.executable, "-m", "bulletin", "--project", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of a content file (which must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@dataclass(frozen=True)
class SampleBuild:
    """The sample issue built once for the session; `warnings` are WeasyPrint's log records."""

    root: Path
    html: Path
    pdf: Path
    warnings: tuple[str, ...]


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> SampleBuild:
    """Build the sample issue in-process, recording anything WeasyPrint logs."""
    return build_in_process(copy_project(tmp_path_factory.mktemp("sample")), SAMPLE)


FEATURES = "2021-11-16"
FEATURES_FOLDER = Path("content/issues") / FEATURES
"""The test issue of notes, figures, tables and sidebars (tests/fixtures/issues/2021-11-16/),
written for the tests in the sample project's shared files; not in the sample project."""


def add_feature_issue(root: Path) -> Path:
    """Add the test issue of notes, figures and tables to a copy of the sample project."""
    shutil.copytree(REPO / "tests/fixtures/issues" / FEATURES, root / FEATURES_FOLDER)
    return root


@pytest.fixture(scope="session")
def feature_build(tmp_path_factory: pytest.TempPathFactory) -> SampleBuild:
    """The sample project with the test issue of notes, figures and tables, that issue built
    in process (`build 2021-11-16`), recording anything WeasyPrint logs."""
    root = add_feature_issue(copy_project(tmp_path_factory.mktemp("features")))
    return build_in_process(root, FEATURES)


def build_in_process(root: Path, date: str) -> SampleBuild:
    """`bulletin build DATE` of the project at `root`, in this process."""
    from bulletin.project import find_project, parse_date
    from bulletin.render.pdf import WarningLog
    from bulletin.site.build import build

    collect = WarningLog()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        outputs, _ = build(find_project(root), [parse_date(date)])
    finally:
        logger.removeHandler(collect)
    paths = {output.path.suffix: output.path for output in outputs}
    html = root / "build" / "issues" / date / "index.html"
    return SampleBuild(root, html, paths[".pdf"], tuple(collect.messages))


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole session (see tests/browser.py)."""
    from browser import chromium

    with chromium() as instance:
        yield instance


@pytest.fixture(scope="session")
def site_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of the sample issue plus three synthetic ones (2021-11-16, whose first item
    mentions "zeppelin"; 2021-11-30, a draft; 2021-12-14), built as a whole site."""
    import datetime as dt

    from synthetic import add_issue

    root = copy_project(tmp_path_factory.mktemp("site"))
    add_issue(root, dt.date(2021, 11, 16), word="zeppelin")
    return build_whole_site(root)


def build_whole_site(root: Path) -> Path:
    """Add a draft (2021-11-30) and one more issue (2021-12-14) to the project at `root`, then
    build the whole site with `bulletin build`."""
    import datetime as dt

    from synthetic import add_issue

    add_issue(root, dt.date(2021, 11, 30), draft=True)
    add_issue(root, dt.date(2021, 12, 14))
    result = run(root, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory):
    """A self-signed certificate for the test SMTP servers (see tests/smtp_server.py)."""
    from smtp_server import make_certificate

    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of this test process (each xdist worker has its own folder and port),
    started when a test first asks for it; see tests/postgres.py. Missing binaries are an
    error, never a skip."""
    import postgres

    try:
        server = postgres.start()
    except postgres.PostgresUnavailable as error:
        failure = str(error)  # failed outside the `except`, so no "during handling" chain
    else:
        failure = ""
    if failure:
        pytest.fail(failure, pytrace=False)
    yield server
    postgres.stop(server)


@pytest.fixture
def postgres_url(postgres_server) -> Iterator[str]:
    """The SQLAlchemy URL of a new empty database of `postgres_server`, dropped after the test."""
    import postgres

    with postgres.database(postgres_server) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new empty database, once as an SQLite file and once on PostgreSQL: a store test that
    asks for it runs against both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bulletin.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))
