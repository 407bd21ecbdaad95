"""`bulletin links` against real servers on 127.0.0.1 (tests/link_servers.py): the verdict on
each address at each place it is written, the archived copy a stand-in snapshot service
proposes, the cache that makes a second run ask nothing, the limit per host, --strict, and
the errors of wrong settings."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import SAMPLE_FOLDER, copy_project, edit, run
from link_servers import (
    ARCHIVE,
    DROP,
    SNAPSHOTS,
    Page,
    Server,
    closed_port,
    http_server,
    silent_server,
)

PAGES = {
    "/ok": Page(),
    "/old": Page(301, "/mid"),
    "/mid": Page(308, "/new"),
    "/new": Page(),
    "/temp": Page(302, "/new"),
    "/gone": Page(404),
    "/gone410": Page(410),
    "/nohead": Page(200, head=405),
    "/slow": Page(delay=0.5),
    "/loop": Page(301, "/loop-back"),
    "/loop-back": Page(301, "/loop"),
}
SLOW, TIMEOUT = "0.2", "2"
"""--slow below the slow page's delay, --timeout above it."""
TOP = SAMPLE_FOLDER / "top"
FIRST, SECOND = TOP / "01-carbon-neutrality.md", TOP / "02-standardization.md"
NEWS = SAMPLE_FOLDER / "worth-noting.md"


@dataclass(frozen=True)
class Servers:
    """The servers of one test: pages and the snapshot service, HTTPS with a certificate no
    one trusts, one that never answers; and a port where nothing listens."""

    web: Server
    tls: Server
    silent: Server
    refused: str

    @property
    def snapshots(self) -> str:
        return self.web.url(SNAPSHOTS)

    def requests(self) -> int:
        """Every request and connection the servers were sent so far."""
        return self.web.record.total + self.tls.record.connections + self.silent.record.connections


@pytest.fixture
def servers(certificate) -> Iterator[Servers]:
    with (
        http_server(PAGES, snapshots=frozenset({"/gone"})) as web,
        http_server({"/": Page()}, certificate=(certificate.cert, certificate.key)) as tls,
        silent_server() as silent,
    ):
        yield Servers(web, tls, silent, f"http://127.0.0.1:{closed_port()}/page")


def linked_project(root: Path, servers: Servers) -> Path:
    """The sample project, its links pointing at the test servers; new links written one a
    line at the end of the first item (lines 41 to 48)."""
    copy_project(root)
    url = servers.web.url
    edit(root / FIRST, "http://www.gov.cn/zhengce/2021-10/24/content_5644613.htm", url("/ok"))
    edit(
        root / FIRST,
        "http://www.gov.cn/zhengce/content/2021-10/26/content_5644984.htm",
        url("/old"),
    )
    edit(root / SECOND, "http://www.gov.cn/zhengce/2021-10/10/content_5641727.htm", url("/gone"))
    edit(root / NEWS, "build smart transport", f"build [smart transport]({url('/temp')})")
    edit(
        root / NEWS,
        "- label: MOT notice\n",
        f"- label: MOT notice\n            url: {url('/gone')}\n",
    )
    more = [
        f"More: [the same page, further down]({url('/ok')}#later),",
        f"[gone]({url('/gone410')}),",
        f"[no HEAD]({url('/nohead')}),",
        f"[slow]({url('/slow')}),",
        f"[silent]({servers.silent.url('/page')}),",
        f"[untrusted]({servers.tls.url('/')}),",
        f"[refused]({servers.refused}),",
        f"[loop]({url('/loop')}).",
    ]
    with (root / FIRST).open("a", encoding="utf-8") as file:
        file.write("\n" + "\n".join(more) + "\n")
    return root


def expected(servers: Servers) -> list[str]:
    """The output of `bulletin links`, the slow page's seconds written `S`."""
    url = servers.web.url
    first = f"{FIRST}:{{}}: warning: link: "
    second, news = f"{SECOND}:7: warning: link: ", f"{NEWS}:{{}}: warning: link: "
    none = "(no archived copy: replace or remove the link)"
    dead = f"{url('/gone')}: dead: 404 Not Found (an archived copy: {ARCHIVE}{url('/gone')})"
    return [
        first.format(23) + f"{url('/old')}: moved permanently: 301 to {url('/mid')}, "
        f"308 to {url('/new')} (update the link to {url('/new')})",
        first.format(42) + f"{url('/gone410')}: dead: 410 Gone {none}",
        first.format(44) + f"{url('/slow')}: slow: answered in S s, more than 0.2 s "
        "(check it again later, or cite a faster copy)",
        first.format(45) + f"{servers.silent.url('/page')}: timeout: no answer within 2 s {none}",
        first.format(46) + f"{servers.tls.url('/')}: TLS error: the server's certificate is not "
        f"trusted (self-signed certificate) {none}",
        first.format(47) + f"{servers.refused}: dead: the connection was refused {none}",
        first.format(48) + f"{url('/loop')}: redirect loop: 301 to {url('/loop-back')}, "
        f"301 to {url('/loop')} (the address redirects in a circle: link to the page by "
        "another address)",
        second + dead,
        news.format(6) + f"{url('/temp')}: redirected: 302 to {url('/new')} (a temporary "
        f"redirect: link to {url('/new')} if the page stays there)",
        news.format(9) + dead,
    ]


def output(stdout: str) -> list[str]:
    """The lines printed, the slow page's seconds written `S`."""
    return [
        re.sub(r"answered in \d+\.\d s", "answered in S s", line) for line in stdout.splitlines()
    ]


def links(root: Path, servers: Servers, *options: str):
    return run(
        root,
        "links",
        "--timeout",
        TIMEOUT,
        "--slow",
        SLOW,
        "--snapshots",
        servers.snapshots,
        *options,
    )


def test_each_verdict_at_each_place_then_the_cache_answers(tmp_path: Path, servers: Servers):
    root = linked_project(tmp_path / "project", servers)
    result = links(root, servers)
    assert result.returncode == 0, result.stderr
    assert output(result.stdout) == expected(servers)
    assert re.fullmatch(
        r"11 link\(s\) checked, 0 cached, 10 problem\(s\), \d+\.\d s\n", result.stderr
    )
    asked = servers.web.record.requests
    assert asked[("HEAD", "/ok")] == 1  # cited twice (once with #later), asked once
    assert asked[("HEAD", "/gone")] == 1  # cited twice
    assert (asked[("HEAD", "/nohead")], asked[("GET", "/nohead")]) == (1, 1)  # 405, then GET
    assert asked[("GET", "/gone")] == 0  # a 404 to HEAD is an answer
    assert asked[("GET", SNAPSHOTS)] == 5  # the dead ones, the timeout, the TLS error
    assert {agent.split("/")[0] for agent in servers.web.record.agents} == {"bulletin"}
    assert (servers.tls.record.connections, servers.silent.record.connections) == (1, 1)

    before = servers.requests()
    again = links(root, servers)
    assert servers.requests() == before  # nothing asked: the cache answered
    assert (again.returncode, again.stdout) == (0, result.stdout)
    assert again.stderr.startswith("11 link(s) checked, 11 cached, 10 problem(s), ")

    strict = links(root, servers, "--strict")
    assert strict.returncode == 1
    assert output(strict.stdout) == [
        line.replace(": warning: link: ", ": error: link: ") for line in expected(servers)
    ]
    assert servers.requests() == before


def test_no_cache_and_an_old_cache_ask_again(tmp_path: Path, servers: Servers):
    root = linked_project(tmp_path / "project", servers)
    assert links(root, servers).returncode == 0
    asked = servers.web.record.requests
    assert asked[("HEAD", "/ok")] == 1
    links(root, servers, "--no-cache")
    assert asked[("HEAD", "/ok")] == 2
    cache = root / ".bulletin-cache" / "links.json"
    data = json.loads(cache.read_text(encoding="utf-8"))
    data["links"][servers.web.url("/ok")]["checked"] = "2021-11-01T00:00:00+00:00"
    cache.write_text(json.dumps(data), encoding="utf-8")
    result = links(root, servers)
    assert asked[("HEAD", "/ok")] == 3 and asked[("HEAD", "/gone")] == 2
    assert result.stderr.startswith("11 link(s) checked, 10 cached, 10 problem(s), ")


GOV_CN = (
    (FIRST, "http://www.gov.cn/zhengce/2021-10/24/content_5644613.htm"),  # line 7
    (FIRST, "http://www.gov.cn/zhengce/content/2021-10/26/content_5644984.htm"),  # line 23
    (SECOND, "http://www.gov.cn/zhengce/2021-10/10/content_5641727.htm"),  # line 7
)
"""The sample issue's links."""


def project_linking(root: Path, *urls: str) -> Path:
    """The sample project linking to `urls`: the first three in place of its own links, the
    others one a line at the end of the first item (lines 41, 42...)."""
    copy_project(root)
    for (path, old), new in zip(GOV_CN, urls, strict=False):
        edit(root / path, old, new)
    with (root / FIRST).open("a", encoding="utf-8") as file:
        file.write("\n" + "\n".join(f"[link {n}]({url})" for n, url in enumerate(urls[3:])))
    return root


def test_at_most_two_requests_at_a_time_to_one_host(tmp_path: Path):
    held = {
        f"/held/{n}": Page(hold=3) for n in range(3)
    }  # answered once 3 are in flight, or after 2 s
    with http_server(held) as web:
        root = project_linking(tmp_path / "project", *map(web.url, held))
        result = run(root, "links", "--snapshots", web.url(SNAPSHOTS))
        assert (result.returncode, result.stdout) == (0, "")
        assert web.record.requests == {("HEAD", path): 1 for path in held}
        assert web.record.most == 2  # the default limit per host: never the 3 the pages wait for
        run(root, "links", "--no-cache", "--per-host", "3", "--snapshots", web.url(SNAPSHOTS))
        assert web.record.most == 3


def test_ten_redirects_are_followed_not_eleven(tmp_path: Path):
    chain = {f"/r{n}": Page(301, f"/r{n + 1}") for n in range(11)} | {"/r11": Page()}
    with http_server(chain) as web:
        root = project_linking(
            tmp_path / "project", web.url("/r1"), web.url("/r0"), web.url("/r11")
        )
        result = run(root, "links", "--snapshots", web.url(SNAPSHOTS))
    ten = ", ".join(f"301 to {web.url(f'/r{n}')}" for n in range(2, 12))
    assert result.stdout.splitlines() == [
        f"{FIRST}:7: warning: link: {web.url('/r1')}: moved permanently: {ten} (update the link "
        f"to {web.url('/r11')})",
        f"{FIRST}:23: warning: link: {web.url('/r0')}: too many redirects: more than 10 "
        f"redirects (link to where the redirects end: {web.url('/r11')})",
    ]


@pytest.mark.parametrize("service", ["failing", "refusing"])
def test_a_failing_snapshot_service_is_not_fatal(tmp_path: Path, service: str):
    with http_server({}, snapshots=None) as web:
        api = web.url(SNAPSHOTS) if service == "failing" else f"http://127.0.0.1:{closed_port()}/"
        root = project_linking(tmp_path / "project", web.url("/a"), web.url("/b"), web.url("/c"))
        result = run(root, "links", "--snapshots", api)
    why = (
        "it answered 500 Internal Server Error"
        if service == "failing"
        else "the connection was refused"
    )
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == (
        f"{FIRST}:7: warning: link: {web.url('/a')}: dead: 404 Not Found (no archived copy could "
        f"be looked up, the snapshot service failed: {why}; replace or remove the link)"
    )
    assert len(result.stdout.splitlines()) == 3


def test_the_links_group_of_publication_yaml(tmp_path: Path):
    with http_server({}, snapshots=frozenset({"/a"})) as web:
        root = project_linking(tmp_path / "project", web.url("/a"), web.url("/b"), web.url("/c"))
        with (root / "content/publication.yaml").open("a", encoding="utf-8") as file:
            file.write(f"links:\n  snapshots: {web.url(SNAPSHOTS)}\n  timeout: 5\n  per_host: 1\n")
        assert run(root, "check").returncode == 0
        result = run(root, "links")
    assert web.record.requests[("GET", SNAPSHOTS)] == 3
    assert web.record.most == 1
    assert result.stdout.splitlines()[0].endswith(f"(an archived copy: {ARCHIVE}{web.url('/a')})")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--timeout", "0"], "--timeout 0: error: must be more than 0: give e.g. --timeout 2"),
        (["--per-host", "-1"], "--per-host -1: error: must be more than 0: give e.g. --per-host 2"),
        (
            ["--snapshots", "ftp://archive.example.org/"],
            "--snapshots ftp://archive.example.org/: error: not a web address: give the snapshot "
            "service's availability API, e.g. --snapshots https://archive.org/wayback/available",
        ),
        (
            ["2021-13-01"],
            "DATE '2021-13-01': error: not a real date: write it as YYYY-MM-DD, e.g. 2021-11-02",
        ),
    ],
)
def test_a_wrong_option_is_one_line(project: Path, options: list[str], message: str):
    result = run(project, "links", *options)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", message + "\n")


def test_a_wrong_links_group_is_an_error_at_its_line(project: Path):
    with (project / "content/publication.yaml").open("a", encoding="utf-8") as file:
        file.write("links:\n  timeout: 0\n  snapshots: archive\n")
    result = run(project, "links")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "content/publication.yaml:28: error: links.timeout: 0 is too few: give at least 1 second",
        "content/publication.yaml:29: error: links.snapshots: expected a web address starting "
        "with https:// or http://, found 'archive'",
    ]
    assert run(project, "check").stdout == "\n".join(result.stderr.splitlines()[:2]) + "\n"


def test_a_file_that_cannot_be_read_is_reported_as_check_does(tmp_path: Path):
    with http_server({"/a": Page(), "/b": Page()}) as web:
        root = project_linking(tmp_path / "project", web.url("/a"), web.url("/a"), web.url("/b"))
        (root / FIRST).write_bytes(b"---\nrank: 1\ntitle: caf\xe9\n---\n")
        result = run(root, "links", "--snapshots", web.url(SNAPSHOTS))
        check = run(root, "check")
    assert result.returncode == 1
    assert (
        result.stdout
        == f"{FIRST}:3: error: the file is not UTF-8 (byte 0xe9): save it as UTF-8 in your editor\n"
    )
    assert result.stdout.strip() in check.stdout.splitlines()
    assert web.record.requests == {("HEAD", "/b"): 1}  # the other files' links are checked


def test_a_server_that_hangs_up_on_head_is_asked_with_get(tmp_path: Path):
    with http_server({"/a": Page(head=DROP), "/b": Page(head=501), "/c": Page(head=400)}) as web:
        root = project_linking(tmp_path / "project", web.url("/a"), web.url("/b"), web.url("/c"))
        result = run(root, "links", "--snapshots", web.url(SNAPSHOTS))
    assert (result.returncode, result.stdout) == (0, "")
    assert web.record.requests == {
        (method, path): 1 for method in ("HEAD", "GET") for path in ("/a", "/b", "/c")
    }


def test_the_links_of_every_part_of_a_body_are_found_at_their_lines(project: Path):
    """In process: notes, tables, sidebars, figures' source lines, reference definitions and
    autolinks; not mailto:, anchors, relative links or images."""
    from bulletin.content.read import read_project
    from bulletin.links.collect import collect
    from bulletin.project import find_project

    body = [
        "A note.[^w]",  # line 41
        "",
        "| Table | Link |",
        "| --- | --- |",
        "| row | [cell](https://table.example.org/) |",  # 45
        "",
        "::: sidebar More",
        "- [in a sidebar](https://sidebar.example.org/#part)",  # 48
        ":::",
        "",
        "See [the reference][ref], <https://auto.example.org/>, [mail](mailto:a@example.org), "
        "[here](#top), [up](../x).",  # 51
        "",
        "[ref]: https://reference.example.org/",  # 53
        "",
        "[^w]: A note citing [a page](https://note.example.org/) and "
        "[the same sidebar](https://sidebar.example.org/).",  # 55
    ]
    with (project / FIRST).open("a", encoding="utf-8") as file:
        file.write("\n" + "\n".join(body) + "\n")
    found = find_project(project)
    links = collect(read_project(found, [found.issues / "2021-11-02"]))
    places = {link.url: [(p.path, p.line, p.written) for p in link.places] for link in links}
    first, second = str(FIRST), str(SECOND)
    assert places == {
        "http://www.gov.cn/zhengce/2021-10/10/content_5641727.htm": [
            (second, 7, "http://www.gov.cn/zhengce/2021-10/10/content_5641727.htm")
        ],
        "http://www.gov.cn/zhengce/2021-10/24/content_5644613.htm": [
            (first, 7, "http://www.gov.cn/zhengce/2021-10/24/content_5644613.htm")
        ],
        "http://www.gov.cn/zhengce/content/2021-10/26/content_5644984.htm": [
            (first, 23, "http://www.gov.cn/zhengce/content/2021-10/26/content_5644984.htm")
        ],
        "https://table.example.org/": [(first, 45, "https://table.example.org/")],
        "https://sidebar.example.org/": [
            (first, 48, "https://sidebar.example.org/#part"),
            (first, 55, "https://sidebar.example.org/"),
        ],
        "https://auto.example.org/": [(first, 51, "https://auto.example.org/")],
        "https://reference.example.org/": [(first, 53, "https://reference.example.org/")],
        "https://note.example.org/": [(first, 55, "https://note.example.org/")],
    }
