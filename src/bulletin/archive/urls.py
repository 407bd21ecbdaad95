"""Addresses that never break: what the site held when it went out, and a redirect for each
address a build would drop (an issue moved to another date, its PDF renamed), or an error.

Addresses are paths within the site, as in the records: `issues/2021-11-02/` for a page,
`issues/2021-11-02/china-industries-2021-11-02.pdf` for a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bulletin.content.model import Issue
from bulletin.content.recorded import Record
from bulletin.errors import Location, OutputError, Problem
from bulletin.project import Project

SITE_URLS = "urls.txt"
"""The file of the archive that lists every address of the site when it was last published."""
UNRECORDED = ("pagefind/", "_redirects", "redirects.map")
"""What the site holds but never records: the search index (its file names change with each
build) and the redirect files themselves."""


@dataclass(frozen=True)
class Redirect:
    """An address that moved: where it was, and where it is now (paths within the site)."""

    old: str
    new: str


def site_urls(files: Iterable[str]) -> list[str]:
    """The addresses of a site's files (paths relative to build/): a page by its folder."""
    urls = []
    for name in files:
        if name.startswith(UNRECORDED) or name.startswith(".") or "/." in name:
            continue
        urls.append(name.removesuffix("index.html") if name.endswith("index.html") else name)
    return sorted(urls)


def record_site(project: Project, build: Path) -> int:
    """Add every address of the site in `build` to the archive's list; how many were new."""
    path = project.archive / SITE_URLS
    before = set(read_site_urls(project))
    files = (p.relative_to(build).as_posix() for p in build.rglob("*") if p.is_file())
    added = set(site_urls(files)) - before
    if added:
        from bulletin.write import write_atomic

        text = "".join(f"/{url}\n" for url in sorted(before | added))
        write_atomic(path, text.encode("utf-8"))
    return len(added)


def read_site_urls(project: Project) -> list[str]:
    """The addresses archive/urls.txt lists (none before the first publish); an OutputError
    when it cannot be read."""
    path = project.archive / SITE_URLS
    if not path.is_file():
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise OutputError(
            project.shown(path),
            f"cannot be read ({error})",
            "restore it from version control: it lists the addresses that went out",
        ) from None
    return [line.removeprefix("/") for line in lines if line.startswith("/")]


def plan_redirects(
    project: Project,
    recorded: Iterable[str],
    records: Mapping[str, Record],
    issues: Sequence[Issue],
    site: set[str],
) -> tuple[Redirect, ...]:
    """A redirect for every recorded address the site would no longer hold; an OutputError
    naming each that cannot be kept (a page or file gone with nothing in its place).

    records: by folder name, the record of each issue on the site (a moved issue's record
    says where it was). site: every address the site will hold.
    """
    now = {issue.date.isoformat(): issue for issue in issues}
    was = {f"issues/{r.issue}/": now[name] for name, r in records.items() if name in now}
    was |= {issue.path: issue for issue in issues}
    redirects, lost = [], []
    for url in sorted(set(recorded) - site):
        new = _new_address(url, was, site)
        if new:
            redirects.append(Redirect(url, new))
        else:
            lost.append(url)
    if lost:
        raise OutputError.of(_problems(project, lost))
    return tuple(redirects)


def _new_address(url: str, was: Mapping[str, Issue], site: set[str]) -> str | None:
    """Where a dropped address of an issue went: the page, PDF, card or figure of the same
    issue, now."""
    for path, issue in was.items():
        if not url.startswith(path):
            continue
        rest = url.removeprefix(path)
        if rest == "":
            return issue.path
        if rest.endswith(".pdf") and "/" not in rest:
            return f"{issue.path}{issue.slug}.pdf"
        candidate = issue.path + rest
        return candidate if candidate in site else None
    return None


def _problems(project: Project, lost: Sequence[str]) -> list[Problem]:
    where = project.shown(project.archive)
    fix = (
        "put back what made it (an issue folder, an issuing body, a figure), or move an "
        "issue's archive folder with its content folder (see docs/corrections.md)"
    )
    return [
        Problem(Location(where), f"the build would drop /{url}, which went out before", fix)
        for url in lost
    ]


# The redirect files


def redirect_files(
    redirects: Sequence[Redirect], base_path: str, page: Callable[[Redirect], str]
) -> Iterator[tuple[str, bytes]]:
    """The files that keep old addresses working, by path within the site: a page at each
    old page address (made by `page`), `_redirects` (Netlify, Cloudflare Pages) and
    `redirects.map` (the body of an nginx `map`)."""
    for redirect in redirects:
        if redirect.old.endswith("/") or redirect.old == "":
            yield f"{redirect.old}index.html", page(redirect).encode("utf-8")
    netlify = "".join(f"{base_path}{r.old} {base_path}{r.new} 301\n" for r in redirects)
    nginx = "".join(f"{base_path}{r.old} {base_path}{r.new};\n" for r in redirects)
    yield "_redirects", netlify.encode("utf-8")
    yield "redirects.map", nginx.encode("utf-8")
