"""With `subscribers` in publication.yaml, the archive and every issue page carry a form that
posts to the subscriber service, with the consent wording; without it, none."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from bulletin.cli import cli
from conftest import SAMPLE, copy_project

SERVICE = "https://bulletin.example.org/list/"
CONSENT = "I agree to receive China Industries by email and can leave at any time."


class Forms(HTMLParser):
    """The forms of a page: action, method, and the names and types of their inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self.labels: list[str] = []
        self._label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.forms.append({"action": found.get("action"), "method": found.get("method"),
                               "inputs": {}})  # fmt: skip
        elif tag == "input" and self.forms:
            inputs = self.forms[-1]["inputs"]
            assert isinstance(inputs, dict)
            inputs[found.get("name")] = found.get("type")
        elif tag == "label":
            self._label, self.labels = True, [*self.labels, ""]

    def handle_endtag(self, tag: str) -> None:
        self._label = self._label and tag != "label"

    def handle_data(self, data: str) -> None:
        if self._label:
            self.labels[-1] += data


def forms_of(path: Path) -> Forms:
    parser = Forms()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def build_site(root: Path) -> None:
    result = CliRunner().invoke(cli, ["--project", str(root), "build"])
    assert result.exit_code == 0, result.output


def test_the_archive_and_the_issue_page_carry_the_subscribe_form(tmp_path):
    root = copy_project(tmp_path)
    publication = root / "content" / "publication.yaml"
    publication.write_text(
        publication.read_text(encoding="utf-8")
        + f"subscribers:\n  url: {SERVICE}\n  consent: {CONSENT}\n",
        encoding="utf-8",
    )
    build_site(root)
    for page in ("index.html", f"issues/{SAMPLE}/index.html"):
        found = forms_of(root / "build" / page)
        assert found.forms == [
            {
                "action": f"{SERVICE}subscribe",
                "method": "post",
                "inputs": {
                    "email": "email",
                    "name": "text",
                    "website": "text",
                    "consent": "checkbox",
                },
            }
        ], page
        assert CONSENT in [label.strip() for label in found.labels]


def test_without_the_service_no_page_has_a_form(tmp_path):
    root = copy_project(tmp_path)
    build_site(root)
    for page in ("index.html", f"issues/{SAMPLE}/index.html"):
        assert [f for f in forms_of(root / "build" / page).forms if f["method"] == "post"] == []
