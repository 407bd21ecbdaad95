"""Figure files as `bulletin check` reads them (content/figures.py): the size an SVG or a raster
image gives the page, and what an SVG may not hold. The whole messages, with their lines, are
in tests/fixtures/check/figures.txt; here, the cases a fixture cannot write in a line or two."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from bulletin.content.figures import MAX_BYTES, figure_file
from bulletin.content.model import Figure

SVG = '<svg xmlns="http://www.w3.org/2000/svg" {}>{}</svg>'


def checked(tmp_path: Path, name: str, data: bytes) -> Figure | str:
    """The figure `figures/NAME` of an item of an issue folder, or its problem."""
    issue = tmp_path / "2021-11-16"
    (issue / "top" / "figures").mkdir(parents=True, exist_ok=True)
    (issue / "top" / "figures" / name).write_bytes(data)
    return figure_file(issue, "issue", issue / "top" / "01-item.md", f"figures/{name}")


@pytest.mark.parametrize(
    ("attributes", "size"),
    [
        ('width="640" height="320"', (640, 320)),
        ('width="160mm" height="80mm"', (605, 302)),
        ('width="12pt" height="6pt"', (16, 8)),
        ('viewBox="0 0 300 150"', (300, 150)),
        ('viewBox="0,0,300,150" width="100%"', (300, 150)),
        ('viewBox="0 0 300 150" width="600"', (600, 300)),
        ('viewBox="0 0 300 150" height="75"', (150, 75)),
    ],
)
def test_an_svg_gives_the_page_its_width_and_height(tmp_path, attributes, size):
    figure = checked(tmp_path, "chart.svg", SVG.format(attributes, "").encode())
    assert isinstance(figure, Figure), figure
    assert (figure.width, figure.height) == size
    assert (figure.path, figure.name, figure.published) == (
        "top/figures/chart.svg",
        "chart.svg",
        "figures/chart.svg",
    )


def test_an_svg_without_a_size_is_refused(tmp_path):
    problem = checked(tmp_path, "chart.svg", SVG.format('width="50%"', "").encode())
    assert problem == (
        "figure 'figures/chart.svg' has no size: give its <svg> element a viewBox (or a width "
        "and height), as chart programs do when exporting"
    )


@pytest.mark.parametrize(
    ("inside", "refused"),
    [
        ("<script>alert(1)</script>", "holds a <script> element"),
        ('<rect onclick="alert(1)"/>', "holds a script (the attribute onclick)"),
        ("<foreignObject><p>x</p></foreignObject>", "holds a <foreignObject> element"),
        ('<rect style="fill: url(https://example.org/a.svg#p)"/>', "refers to something outside"),
        ("<style>@import 'https://example.org/a.css';</style>", "refers to something outside"),
        ('<use href="other.svg#shape"/>', "refers to something outside"),
    ],
)
def test_an_svg_that_runs_or_fetches_something_is_refused(tmp_path, inside, refused):
    svg = SVG.format('viewBox="0 0 10 10"', inside).encode()
    assert refused in str(checked(tmp_path, "chart.svg", svg))


def test_an_svg_may_refer_to_its_own_parts_and_embed_a_raster_image(tmp_path):
    inside = (
        '<defs><linearGradient id="g"/></defs><rect fill="url(#g)" style="fill:url(#g)"/>'
        '<use href="#g"/><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>'
    )
    assert isinstance(
        checked(tmp_path, "chart.svg", SVG.format('viewBox="0 0 10 10"', inside).encode()), Figure
    )


def test_an_xml_file_that_is_not_an_svg_image_is_refused(tmp_path):
    html = b"<html><body>chart</body></html>"
    assert "is not an SVG image (its root element is <html>)" in str(
        checked(tmp_path, "chart.svg", html)
    )
    bare = b'<svg viewBox="0 0 1 1"></svg>'
    assert 'lacks xmlns="http://www.w3.org/2000/svg"' in str(checked(tmp_path, "chart.svg", bare))


def raster(kind: str, size: tuple[int, int], orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, "white")
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, kind, exif=exif)
    return out.getvalue()


def test_a_png_and_a_jpeg_give_their_pixels_a_turned_jpeg_its_shown_size(tmp_path):
    png = checked(tmp_path, "chart.png", raster("PNG", (300, 200)))
    jpeg = checked(tmp_path, "photo.jpeg", raster("JPEG", (300, 200)))
    turned = checked(tmp_path, "turned.jpg", raster("JPEG", (300, 200), orientation=6))
    assert [(f.width, f.height) for f in (png, jpeg, turned)] == [
        (300, 200),
        (300, 200),
        (200, 300),
    ]


def test_a_damaged_png_and_a_file_too_big_are_refused(tmp_path):
    damaged = raster("PNG", (300, 200))[:-40]
    assert "is damaged" in str(checked(tmp_path, "chart.png", damaged))
    big = raster("PNG", (10, 10)) + b"\0" * MAX_BYTES
    assert "MB, more than the 5 MB a figure may be" in str(checked(tmp_path, "big.png", big))


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("", "figure image without a path"),
        ("figures/my chart.svg", "may hold only letters, digits"),
        ("/etc/chart.svg", "is an absolute path"),
        ("figures/chart.gif", "is not an .svg, .png, .jpg or .jpeg file"),
        ("figures", "is not an .svg, .png, .jpg or .jpeg file"),
    ],
)
def test_a_figure_path_is_a_plain_path_to_an_image_file(tmp_path, written, problem):
    issue = tmp_path / "2021-11-16"
    (issue / "top").mkdir(parents=True)
    assert problem in str(figure_file(issue, "issue", issue / "top/01-item.md", written))
