"""Golden files of the sample project, made through the command line as an editor would.

`bulletin build` (the whole site) of a copy of the sample project gives the site's pages, and
the PDF pages as images; `bulletin send 2021-11-02` of that copy to one subscriber, with no relay
(so into the outbox), gives the email's headers, parts and both bodies. Run `make regen-golden`
(this module as a script) after an intended change to the templates, the stylesheets or the
sample content, then review `git diff tests/golden/` before committing.
"""

from __future__ import annotations

import email
import email.policy
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pypdfium2
from PIL import Image, ImageChops

REPO = Path(__file__).resolve().parents[1]
SAMPLE = "2021-11-02"
GOLDEN = REPO / "tests" / "golden"
PAGE_IMAGES = GOLDEN / "pdf" / SAMPLE
SITE_PAGES = (
    f"issues/{SAMPLE}/index.html",
    "index.html",
    "issues/2021/index.html",
    "bodies/index.html",
    "bodies/miit/index.html",
    "bodies/miit/2021/index.html",
    "feed.xml",
    "sitemap.xml",
    "404.html",
    "search/index.html",
)
"""One page of every kind the site build makes, as paths under build/ (and tests/golden/site/).
Not golden: the pagefind index (pagefind's own output) and the PDF (compared as page images)."""
EMAIL_FILES = ("headers.txt", "body.txt", "body.html")
"""What tests/golden/email/DATE/ holds: the headers and the parts, the plain body, the HTML one."""
GOLDEN_FILES = (
    *(f"site/{page}" for page in SITE_PAGES),
    *(f"email/{SAMPLE}/{name}" for name in EMAIL_FILES),
)
"""Every golden text file, as paths under tests/golden/."""
REGENERATE = "make regen-golden"

SUBSCRIBERS = "email,name\nanna.mueller@example.org,Anna Müller\n"
"""The list mailed: one subscriber, whose name needs an encoded To header."""
SEND_ENVIRONMENT = {
    "BULLETIN_SMTP_URL": None,  # no relay: the message goes to outbox/DATE/ as an .eml file
    "BULLETIN_UNSUBSCRIBE_SECRET": "golden files: not a real secret",  # a fixed token
}
PER_RUN = {"Date": "(the time of sending)"}
"""Headers whose value is different in every run, with what the golden holds instead."""

DPI = 50
PIXEL_THRESHOLD = 48
"""A pixel counts as changed when a colour channel moves by more than this (of 255)."""
PAGE_TOLERANCE = 0.001
"""The share of a page's pixels that may change before the page fails (0.1%); one changed
word changes about 0.3% of a page."""


@dataclass(frozen=True)
class Outputs:
    """What the golden files are compared with. texts: each golden file's path under
    tests/golden/ (as in GOLDEN_FILES) to its text as made now. pdf: the built PDF."""

    texts: dict[str, str]
    pdf: Path


def make_outputs(root: Path) -> Outputs:
    """Copy the sample project into the empty folder `root`, build its site, mail the sample
    issue to SUBSCRIBERS, and collect every golden text from the results."""
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "templates", root / "templates")
    (root / "subscribers.csv").write_text(SUBSCRIBERS, encoding="utf-8")
    bulletin(root, "build")
    bulletin(root, "send", SAMPLE, "--to", str(root / "subscribers.csv"), env=SEND_ENVIRONMENT)
    build = root / "build"
    texts = {f"site/{page}": (build / page).read_bytes().decode() for page in SITE_PAGES}
    (eml,) = (root / "outbox" / SAMPLE).glob("*.eml")
    texts.update(
        (f"email/{SAMPLE}/{name}", text) for name, text in email_texts(eml.read_bytes()).items()
    )
    return Outputs(texts, next((build / "issues" / SAMPLE).glob("*.pdf")))


def bulletin(root: Path, *arguments: str, env: dict[str, str | None] | None = None) -> None:
    """Run `bulletin --project ROOT ARGUMENTS...` in this process; stop on a failure."""
    from click.testing import CliRunner

    from bulletin.cli import cli

    result = CliRunner().invoke(cli, ["--project", str(root), *arguments], env=env)
    if result.exit_code != 0:
        shown = shlex.join(["bulletin", *arguments])
        failure = f"{shown}: exit code {result.exit_code}\n{result.output}"
        raise RuntimeError(failure) from result.exception


def email_texts(data: bytes) -> dict[str, str]:
    """The golden texts of one .eml file, by name in EMAIL_FILES: the headers (decoded, per-run
    values normalised) and the tree of parts, then each body as decoded text with LF line ends
    (they travel with CRLF)."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    headers = [
        f"{name}: {normalised(name, str(value))}"
        for name, value in message.items()
        if name != "Content-Type"  # its random boundary; the type is in the tree of parts
    ]
    return {
        "headers.txt": "\n".join([*headers, "", *parts(message)]) + "\n",
        "body.txt": body(message, "plain"),
        "body.html": body(message, "html"),
    }


def body(message: EmailMessage, subtype: str) -> str:
    """The message's text/SUBTYPE body, decoded, with LF line ends."""
    part = message.get_body((subtype,))
    assert part is not None, f"the message has no text/{subtype} body"
    return part.get_content().replace("\r\n", "\n")


def normalised(header: str, value: str) -> str:
    """A header's value, or what the golden holds instead when it differs in every run (PER_RUN).

    Only the Date varies: the Message-ID is made from the issue and the address, the
    unsubscribe token from the address and SEND_ENVIRONMENT's secret, and the MIME boundaries
    (random) are left out of the golden altogether."""
    return PER_RUN.get(header, value)


def parts(message: EmailMessage, depth: int = 0) -> list[str]:
    """The tree of the message's parts, one line each: the type, then the charset, the
    disposition, the file name and the transfer encoding of those parts that have them."""
    charset, filename = message.get_content_charset(), message.get_filename()
    details = [
        message.get_content_type(),
        f"charset={charset}" if charset else "",
        message.get_content_disposition() or "",
        f"filename={filename}" if filename else "",
        message.get("Content-Transfer-Encoding", ""),
    ]
    lines = ["  " * depth + "; ".join(detail for detail in details if detail)]
    for part in message.iter_parts():
        lines += parts(part, depth + 1)
    return lines


def render_pages(pdf: Path) -> list[Image.Image]:
    """Every page of a PDF as an RGB image at DPI."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=DPI / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def changed_share(image: Image.Image, reference: Image.Image) -> float:
    """The share of pixels that differ visibly between two images (1.0 if sizes differ)."""
    if image.size != reference.size:
        return 1.0
    difference = ImageChops.difference(image, reference).convert("L")
    changed = difference.point(lambda value: 255 if value > PIXEL_THRESHOLD else 0)
    return changed.histogram()[255] / (image.width * image.height)


def page_images() -> list[Path]:
    """The committed reference images, in page order."""
    return sorted(PAGE_IMAGES.glob("page-*.png"))


def regenerate() -> None:
    """Make the outputs in a temporary folder and store them as the golden files, replacing
    every earlier one (a page no longer listed disappears)."""
    with tempfile.TemporaryDirectory() as folder:
        outputs = make_outputs(Path(folder))
        for stale in (GOLDEN / "site", GOLDEN / "email", PAGE_IMAGES):
            shutil.rmtree(stale, ignore_errors=True)
        for name, text in outputs.texts.items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_text(text, encoding="utf-8", newline="\n")
        PAGE_IMAGES.mkdir(parents=True)
        for number, image in enumerate(render_pages(outputs.pdf), start=1):
            image.save(PAGE_IMAGES / f"page-{number:02d}.png", optimize=True)
    shown = GOLDEN.relative_to(REPO)
    print(f"{shown}: {len(outputs.texts)} text files and {len(page_images())} PDF page images")


if __name__ == "__main__":
    sys.exit(regenerate())
