"""The social card of each issue (og:image): a 1200 x 630 PNG of card.html, made by
`render.raster` (WeasyPrint, then pdfium), written beside the issue page by every build."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from conftest import SAMPLE, copy_project, edit, run

BASE = "https://bulletin.example.org/"
ACCENT = (0x0D, 0x5A, 0x6E)
PAPER = (0xFF, 0xFF, 0xFF)


def image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def meta(page: Path) -> dict[str, str]:
    """The page's <meta> values by name or property."""
    pairs = re.findall(
        r'<meta (?:name|property)="([^"]+)" content="([^"]*)">', page.read_text(encoding="utf-8")
    )
    return dict(pairs)


# render.raster: HTML to a PNG of a given size


def test_a_css_pixel_is_an_image_pixel():
    from bulletin.render.raster import png

    html = (
        '<body style="margin: 0"><div style="position: absolute; left: 10px; top: 20px; '
        'width: 30px; height: 40px; background: #ff0000"></div></body>'
    )
    picture = image(png(html, Path("."), 100, 80)).convert("RGB")
    assert picture.size == (100, 80)
    assert picture.getpixel((12, 22)) == picture.getpixel((38, 58)) == (255, 0, 0)
    for outside in [(9, 40), (41, 40), (25, 19), (25, 61), (99, 79)]:
        assert picture.getpixel(outside) == PAPER, outside


@pytest.mark.parametrize(("width", "height"), [(1200, 630), (333, 111), (1, 1)])
def test_the_png_has_exactly_the_size_asked_for(width, height):
    from bulletin.render.raster import png

    data = png("<p>text</p>", Path("."), width, height)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert image(data).size == (width, height)


def test_the_same_html_gives_the_same_bytes():
    from bulletin.render.raster import png

    html = "<h1 style='font-family: Lato'>China Industries</h1>"
    assert png(html, Path("."), 300, 100) == png(html, Path("."), 300, 100)
    assert png(html, Path("."), 300, 100) != png(html + "<p>more</p>", Path("."), 300, 100)


# The card of each issue


def test_every_published_issue_has_its_card(site_build):
    build = site_build / "build"
    cards = sorted(path.parent.name for path in build.glob("issues/*/card.png"))
    assert cards == ["2021-11-02", "2021-11-16", "2021-12-14"]  # not the draft, 2021-11-30
    made = {date: (build / f"issues/{date}/card.png").read_bytes() for date in cards}
    assert len(set(made.values())) == 3  # each shows its own date and headlines
    for data in made.values():
        picture = image(data)
        assert (picture.format, picture.size) == ("PNG", (1200, 630))
        assert len(data) < 200_000


def test_the_card_shows_the_masthead_band_over_the_headlines(site_build):
    picture = image((site_build / f"build/issues/{SAMPLE}/card.png").read_bytes()).convert("RGB")
    assert picture.getpixel((5, 5)) == picture.getpixel((1195, 270)) == ACCENT  # the band
    assert picture.getpixel((5, 300)) == picture.getpixel((1195, 625)) == PAPER  # below it
    band = picture.crop((0, 0, 1200, 280))
    text = picture.crop((0, 290, 1200, 630))
    assert len(band.getcolors(maxcolors=100_000) or []) > 10  # lettering on the band
    dark = sum(
        count for count, colour in text.getcolors(maxcolors=100_000) or [] if max(colour) < 90
    )
    assert dark > 5_000  # five lines of headlines in ink


def test_the_issue_page_offers_the_card_to_social_media(site_build):
    build = site_build / "build"
    for page in build.glob("issues/*-*-*/index.html"):
        values = meta(page)
        date = page.parent.name
        assert values["og:image"] == f"{BASE}issues/{date}/card.png"
        card = build / values["og:image"].removeprefix(BASE)
        size = image(card.read_bytes()).size
        assert (int(values["og:image:width"]), int(values["og:image:height"])) == size
        assert values["og:image:type"] == "image/png"
        assert values["og:image:alt"].startswith("China Industries, ")
        assert values["twitter:card"] == "summary_large_image"


def test_building_one_issue_writes_its_card(sample_build):
    card = sample_build.html.parent / "card.png"
    assert image(card.read_bytes()).size == (1200, 630)


def test_a_card_is_made_again_when_it_is_missing(tmp_path):
    root = copy_project(tmp_path / "p")
    assert run(root, "build").returncode == 0
    card = root / "build" / "issues" / SAMPLE / "card.png"
    made = card.read_bytes()
    card.unlink()
    result = run(root, "build")
    assert result.returncode == 0, result.stderr
    assert f"build/issues/{SAMPLE}/card.png" in result.stdout
    assert card.read_bytes() == made


def test_weasyprint_warnings_on_the_card_are_build_warnings(tmp_path):
    root = copy_project(tmp_path / "p")
    edit(root / "templates" / "card.html", ".rank { color:", ".rank { color: nonsense; color:")
    result = run(root, "build", SAMPLE)
    assert result.returncode == 0, result.stderr
    assert re.search(
        rf"build/issues/{SAMPLE}/card\.png:1: warning: WeasyPrint: .*nonsense", result.stderr
    )
    assert run(root, "build", SAMPLE, "--strict").returncode == 1


def test_a_broken_card_template_names_its_line_and_writes_nothing(tmp_path):
    root = copy_project(tmp_path / "p")
    edit(root / "templates" / "card.html", "{{ item.title }}", "{{ item.title | nofilter }}")
    result = run(root, "build", SAMPLE)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert re.match(r"templates/card\.html:\d+: error: template: .*nofilter", result.stderr)
    assert not (root / "build").exists()


# site.pictures: a card made from the same inputs is not made again


def test_a_card_made_from_the_same_inputs_is_kept_with_its_warnings(project: Path):
    from bulletin.project import find_project
    from bulletin.site.pictures import kept_pngs

    root = find_project(project)
    card = root.build / "card.png"
    job = ('<p style="color: nonsense">Hello</p>', root.templates, 120, 63)
    [(made, seconds, warnings)] = list(kept_pngs(root, [card], [job]))
    assert seconds > 0
    assert any("nonsense" in warning for warning in warnings)
    card.parent.mkdir(parents=True)
    card.write_bytes(made)
    assert list(kept_pngs(root, [card], [job])) == [(made, 0.0, warnings)]  # 0 s: not made again


@pytest.mark.parametrize("change", ["html", "template file", "png in build", "record"])
def test_a_card_is_made_again_when_anything_it_was_made_from_changed(project: Path, change: str):
    from bulletin.project import find_project
    from bulletin.site.pictures import RECORD, kept_pngs

    root = find_project(project)
    card = root.build / "card.png"
    job = ("<p>Hello</p>", root.templates, 120, 63)
    [(made, _, _)] = kept_pngs(root, [card], [job])
    card.parent.mkdir(parents=True)
    card.write_bytes(made)
    if change == "html":
        job = ("<p>Hello again</p>", root.templates, 120, 63)
    elif change == "template file":
        (root.templates / "logo.svg").write_text("<svg/>", encoding="utf-8")
    elif change == "png in build":
        card.write_bytes(made[:-1])
    else:
        (root.root / ".bulletin-cache" / RECORD).write_text("{damaged", encoding="utf-8")
    [(again, seconds, _)] = kept_pngs(root, [card], [job])
    assert seconds > 0
    assert (again == made) is (change != "html")
