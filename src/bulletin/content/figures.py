"""Figure files: an image of the issue folder (SVG, PNG or JPEG by its content), within size
limits, an SVG that is plain, well-formed and draws nothing from outside; the `Figure` each
gives, with its size for the page's <img>.

`figure_file` either makes the `Figure` or says what is wrong, in the words of a diagnostic.
"""

from __future__ import annotations

import io
import os.path
import re
import warnings
import xml.parsers.expat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bulletin.content.model import Figure
from bulletin.content.values import quoted

MAX_BYTES = 5 * 1024 * 1024
"""The largest figure file: an exported chart is tens of KB, a photo a few hundred."""
MAX_PIXELS = 40_000_000
"""The most pixels a raster figure may have (a 7,700 x 5,200 image): more only slows every
reader's page and the PDF."""
TYPES = {".svg": "SVG", ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
"""The figure files bulletin takes, by extension, with the type their content must have."""
_PATH = re.compile(r"[A-Za-z0-9._/-]+")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_SVG = "http://www.w3.org/2000/svg"
_LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in)?\s*")
_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}


class FigureProblem(Exception):
    """What is wrong with a figure file, as a diagnostic's message."""


def figure_file(folder: Path, shown: str, markdown_file: Path, written: str) -> Figure | str:
    """The figure an image of a body names (`written` relative to the Markdown file), checked,
    or what is wrong with it. `folder` is the issue folder the file must be inside, `shown`
    the folder as messages show it."""
    try:
        path = _locate(folder, shown, markdown_file, written)
        data = _read(path, written)
        width, height = _size(data, path.suffix.lower(), written)
    except FigureProblem as problem:
        return str(problem)
    relative = path.relative_to(folder.resolve()).as_posix()
    return Figure(relative, PurePosixPath(written).name, width, height)


def _locate(folder: Path, shown: str, markdown_file: Path, written: str) -> Path:
    """The file a figure's path names, resolved, inside the issue folder."""
    if not written.strip():
        raise FigureProblem(
            "figure image without a path: write it as ![what it shows](figures/NAME.svg)"
        )
    if _SCHEME.match(written) or written.startswith("//"):
        raise FigureProblem(
            f"figure {written!r} is a web address: save the image in the issue folder (in "
            "figures/, say) and write its path from this file, e.g. figures/chart.svg"
        )
    if written.startswith("/"):
        raise FigureProblem(
            f"figure {written!r} is an absolute path: write the path from this file, "
            "e.g. figures/chart.svg"
        )
    if not _PATH.fullmatch(written) or written.endswith("/"):
        raise FigureProblem(
            f"figure path {quoted(written)} may hold only letters, digits, '-', '_', '.' "
            "and '/': rename the file (its name becomes part of the web address)"
        )
    extension = PurePosixPath(written).suffix.lower()
    if extension not in TYPES:
        raise FigureProblem(
            f"figure {written!r} is not an .svg, .png, .jpg or .jpeg file: export it as SVG "
            "(charts), PNG or JPEG (photographs)"
        )
    return _inside(folder, shown, markdown_file.parent / written, written)


def _inside(folder: Path, shown: str, target: Path, written: str) -> Path:
    """The target resolved, when it stays inside the issue folder (links followed)."""
    root = folder.resolve()
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):
        raise FigureProblem(f"figure {written!r} is a link that leads nowhere: remove it") from None
    if not resolved.is_relative_to(root):
        through = "links to a file" if _path_inside(target, folder) else "is a file"
        raise FigureProblem(
            f"figure {written!r} {through} outside the issue folder: copy the file into the "
            "issue folder (in figures/, say) and write its path from this file"
        )
    if not resolved.is_file():
        missing = "is a folder, not a file" if resolved.is_dir() else "not found"
        looked = f"{shown}/{resolved.relative_to(root).as_posix()}"
        raise FigureProblem(
            f"figure {written!r} {missing} (looked for {looked}): check the path, which is "
            "written from this file's folder"
        )
    return resolved


def _path_inside(target: Path, folder: Path) -> bool:
    """Whether a path, read without following links, is inside the folder."""
    return Path(os.path.normpath(target)).is_relative_to(Path(os.path.normpath(folder)))


def _read(path: Path, written: str) -> bytes:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise FigureProblem(
            f"figure {written!r} is {size / 1024 / 1024:.1f} MB, more than the "
            f"{MAX_BYTES // 1024 // 1024} MB a figure may be: export it smaller (a chart as SVG)"
        )
    try:
        return path.read_bytes()
    except OSError as error:
        raise FigureProblem(
            f"figure {written!r} cannot be read ({error.strerror}): check its permissions"
        ) from None


def _size(data: bytes, extension: str, written: str) -> tuple[int, int]:
    """A figure's width and height in CSS pixels, once its content is the type its name says."""
    found, wanted = _sniff(data), TYPES[extension]
    if wanted == "SVG" and found in ("", "SVG"):
        return svg_size(data, written)
    if not found:
        raise FigureProblem(
            f"figure {written!r} is not a {wanted} image (its content is neither SVG, PNG "
            "nor JPEG): export the figure again"
        )
    if found != wanted:
        name = PurePosixPath(written).stem + _EXTENSIONS[found]
        article = "an" if found == "SVG" else "a"
        raise FigureProblem(
            f"figure {written!r} is {article} {found} image, not {wanted}: name it {name}"
        )
    return _raster_size(data, written)


_EXTENSIONS = {"SVG": ".svg", "PNG": ".png", "JPEG": ".jpg"}


def _sniff(data: bytes) -> str:
    """The type of a file by its first bytes: PNG, JPEG, SVG (an XML text whose root
    element is <svg>), or '' for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and re.search(rb"<svg[\s>/]", head):
        return "SVG"
    return ""


def _raster_size(data: bytes, written: str) -> tuple[int, int]:
    """A PNG's or JPEG's size in pixels, as shown (a JPEG turned by its EXIF orientation)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            _count_pixels(width, height, written)
            turned = image.format == "JPEG" and image.getexif().get(0x0112) in (5, 6, 7, 8)
            image.verify()
    except Image.DecompressionBombError:
        raise FigureProblem(f"figure {written!r} has {_TOO_MANY}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise FigureProblem(f"figure {written!r} is damaged ({error}): export it again") from None
    return (height, width) if turned else (width, height)


_TOO_MANY = f"more than {MAX_PIXELS // 1_000_000} million pixels: export it smaller"


def _count_pixels(width: int, height: int, written: str) -> None:
    if width * height > MAX_PIXELS:
        raise FigureProblem(f"figure {written!r} has {width} x {height} pixels, {_TOO_MANY}")


@dataclass
class _SvgRoot:
    """What the SVG reader found at the root element: its width, height and viewBox."""

    attributes: dict[str, str] | None = None


def svg_size(data: bytes, written: str) -> tuple[int, int]:
    """An SVG's size in CSS pixels (its width and height, or its viewBox), once it is read as
    well-formed XML with no DOCTYPE or entities, no script, and nothing drawn from outside."""
    root = _read_svg(data, written)
    attributes = root.attributes or {}
    width, height = _length(attributes.get("width")), _length(attributes.get("height"))
    box = _view_box(attributes.get("viewBox"))
    if width and height:
        return _pixels(width), _pixels(height)
    if box:
        ratio = box[1] / box[0]
        if width:
            return _pixels(width), _pixels(width * ratio)
        if height:
            return _pixels(height / ratio), _pixels(height)
        return _pixels(box[0]), _pixels(box[1])
    raise FigureProblem(
        f"figure {written!r} has no size: give its <svg> element a viewBox (or a width and "
        "height), as chart programs do when exporting"
    )


def _pixels(value: float) -> int:
    return max(1, round(value))


def _length(value: str | None) -> float | None:
    """An absolute length in CSS pixels (100, 100px, 30mm...); None for %, em or nothing."""
    match = _LENGTH.fullmatch(value or "")
    if not match or float(match.group(1)) <= 0:
        return None
    return float(match.group(1)) * _UNITS[match.group(2) or ""]


def _view_box(value: str | None) -> tuple[float, float] | None:
    """A viewBox's width and height, when both are positive."""
    parts = re.split(r"[\s,]+", (value or "").strip())
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        return None
    if len(numbers) != 4 or numbers[2] <= 0 or numbers[3] <= 0:
        return None
    return numbers[2], numbers[3]


def _read_svg(data: bytes, written: str) -> _SvgRoot:
    """Read an SVG with expat, refusing what bulletin does not draw."""
    reader = _SvgReader(written)
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = reader.doctype
    parser.EntityDeclHandler = reader.entity
    parser.ProcessingInstructionHandler = reader.instruction
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        raise FigureProblem(
            f"figure {written!r} is not well-formed XML (line {error.lineno}, column "
            f"{error.offset + 1}: {xml.parsers.expat.ErrorString(error.code)}): export it again"
        ) from None
    return reader.root


class _SvgReader:
    """The handlers of the expat parser an SVG is read with; each refusal is a problem."""

    def __init__(self, written: str) -> None:
        self.written = written
        self.root = _SvgRoot()
        self.in_style = 0

    def refuse(self, what: str, fix: str) -> None:
        raise FigureProblem(f"figure {self.written!r} {what}: {fix}")

    def doctype(self, *_: object) -> None:
        self.refuse(
            "declares a DOCTYPE (and maybe entities), which bulletin does not read",
            "remove the <!DOCTYPE ...> declaration, or export the figure as plain SVG",
        )

    def entity(self, *_: object) -> None:
        self.refuse("declares entities", "export the figure as plain SVG")

    def instruction(self, target: str, data: str) -> None:
        if target == "xml-stylesheet":
            self.outside(data)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if self.root.attributes is None:
            if local != "svg":
                self.refuse(f"is not an SVG image (its root element is <{local}>)", _EXPORT)
            if namespace != _SVG:
                self.refuse(
                    f'is not an SVG image to browsers: its <svg> element lacks xmlns="{_SVG}"',
                    "add it, or export the figure again",
                )
            self.root.attributes = {k.rpartition(" ")[2]: v for k, v in attributes.items()}
        if local in ("script", "foreignObject"):
            self.refuse(f"holds a <{local}> element", "export the figure without it")
        for key, value in attributes.items():
            self.attribute(key.rpartition(" ")[2], value)
        self.in_style += local == "style"

    def attribute(self, name: str, value: str) -> None:
        if name.lower().startswith("on"):
            self.refuse(f"holds a script (the attribute {name})", "export the figure without it")
        if name in ("href", "src") and not _EMBEDDED.match(value):
            self.outside(value)
        if _URL.search(value):
            self.outside(value)

    def end(self, name: str) -> None:
        self.in_style -= name.rpartition(" ")[2] == "style"

    def text(self, data: str) -> None:
        if self.in_style and (_URL.search(data) or "@import" in data):
            self.outside(data.strip())

    def outside(self, reference: str) -> None:
        self.refuse(
            f"refers to something outside it ({quoted(reference)})",
            "export the figure with everything embedded, referring only to its own #ids",
        )


_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
"""A CSS url() that is not a reference to an element of the same SVG."""
_EMBEDDED = re.compile(r"\s*(#|data:image/(png|jpeg|gif|webp)[;,])", re.IGNORECASE)
"""A reference an SVG may hold: to one of its own elements, or to a raster image inside it."""
_EXPORT = "export the figure again as SVG"
