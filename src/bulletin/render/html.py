"""Render a typed issue to HTML with the project's jinja2 templates (web page and print source)."""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath

import jinja2
from markupsafe import Markup, escape

from bulletin.archive.history import History
from bulletin.content.model import Issue, Publication
from bulletin.errors import ConfigError
from bulletin.project import slugify

TEMPLATE = "template"
"""The field a broken template's error names."""
DESCRIPTION_LENGTH = 160
"""The most characters of a page's description (search engines cut longer ones anywhere)."""
FAVICON = "favicon.svg"
"""The theme's icon, used when publication.yaml names none."""


@dataclass(frozen=True)
class SocialCard:
    """The image a link to an issue shows on social media: its file beside the issue page."""

    name: str = "card.png"
    width: int = 1200
    height: int = 630


CARD = SocialCard()
NO_HISTORY = History()
"""The history of an issue that has not gone out yet."""


@dataclass(frozen=True)
class Theme:
    """The house style: a folder of templates and stylesheets (the project's templates/).

    compiled: a folder where each template is kept compiled (jinja2's bytecode cache), so that
        a later process loads it instead of compiling it again; a template whose text changed
        is compiled anew. None: compile in every process.
    """

    folder: Path
    compiled: Path | None = None

    @cached_property
    def environment(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.folder),
            bytecode_cache=self._bytecode_cache(),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(longdate=longdate, shortdate=shortdate, runin=runin, slug=slugify)
        env.filters.update(clip=clip, favicon=favicon)
        return env

    def _bytecode_cache(self) -> jinja2.BytecodeCache | None:
        if self.compiled is None:
            return None
        try:
            self.compiled.mkdir(parents=True, exist_ok=True)
        except OSError:  # a cache, no more: compile in this process
            return None
        return jinja2.FileSystemBytecodeCache(str(self.compiled))

    def stylesheet(self, name: str) -> str:
        """A stylesheet of the edition `name` (print.css, web.css), after the house variables."""
        theme = (self.folder / "theme.css").read_text(encoding="utf-8")
        return theme + "\n" + (self.folder / name).read_text(encoding="utf-8")

    @contextmanager
    def errors(self, shown: Callable[[Path], str]) -> Iterator[None]:
        """Report a broken or missing template as one line naming the file (and line)."""
        try:
            yield
        except jinja2.TemplateSyntaxError as error:
            where = shown(self.folder / (error.name or ""))
            message = error.message or "syntax error"
            raise ConfigError(where, message, line=error.lineno, field=TEMPLATE) from None
        except (jinja2.TemplateError, OSError) as error:
            name = getattr(error, "filename", None) or getattr(error, "name", None) or ""
            frame = self._frame(error)
            if frame:
                raise ConfigError(
                    shown(Path(frame.filename)), str(error), line=frame.lineno, field=TEMPLATE
                ) from None
            where = shown(self.folder / name) if name else shown(self.folder)
            raise ConfigError(where, str(error), field=TEMPLATE) from None
        except Exception as error:  # a filter given the wrong value, say: name the template line
            frame = self._frame(error)
            if frame is None:
                raise
            message = f"{type(error).__name__}: {error}"
            raise ConfigError(
                shown(Path(frame.filename)), message, line=frame.lineno, field=TEMPLATE
            ) from None

    def _frame(self, error: BaseException) -> traceback.FrameSummary | None:
        """The innermost line of a template of this theme in the error's traceback."""
        folder = str(self.folder.resolve())
        frames = traceback.extract_tb(error.__traceback__)
        mine = [f for f in frames if str(Path(f.filename).resolve()).startswith(folder)]
        return mine[-1] if mine else None


def render_web(issue: Issue, theme: Theme, history: History = NO_HISTORY) -> str:
    """The issue's web page, as the site shows it (with the site's navigation); `history`
    gives the PDF versions kept and the anchors the page had (see `archive.history`)."""
    template = theme.environment.get_template("web.html")
    return template.render(
        issue=issue, pdf_name=f"{issue.slug}.pdf", root="../../", card=CARD, history=history
    )


def render_print(issue: Issue, theme: Theme) -> str:
    """The self-contained HTML (stylesheet inlined) that WeasyPrint lays out as the PDF."""
    template = theme.environment.get_template("print.html")
    return template.render(issue=issue, css=Markup(theme.stylesheet("print.css")))


def render_card(issue: Issue, theme: Theme) -> str:
    """The HTML of the issue's social card (card.html), to be laid out at the card's size."""
    template = theme.environment.get_template("card.html")
    variables = Markup((theme.folder / "theme.css").read_text(encoding="utf-8"))
    return template.render(issue=issue, card=CARD, theme_css=variables)


def render_redirect(publication: Publication, new_path: str, theme: Theme) -> str:
    """The page left at an address that moved to `new_path` (within the site): a canonical
    link and an immediate refresh to its new address."""
    template = theme.environment.get_template("redirect.html")
    return template.render(pub=publication, new=publication.base_url + new_path, path=new_path)


def favicon(publication: Publication) -> str:
    """The name of the site's icon at the site's root: 'favicon' with its file's suffix."""
    return "favicon" + PurePosixPath(publication.favicon or FAVICON).suffix.lower()


def clip(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """A text of at most `limit` characters: cut at a word, with an ellipsis, when longer.
    Markup is cut as the text it shows, so no character reference is split."""
    shown = text.unescape() if isinstance(text, Markup) else text
    if len(shown) > limit:
        head = shown[: limit - 1]
        if not shown[limit - 1].isspace() and " " in head:  # the cut is inside a word
            head = head.rsplit(" ", 1)[0]
        shown = head.rstrip(" ,;:.") + "\u2026"
    return escape(shown) if isinstance(text, Markup) else shown


def longdate(day: dt.date) -> str:
    """'November 2, 2021', the house form of a full date."""
    return f"{day:%B} {day.day}, {day.year}"


def shortdate(day: dt.date) -> str:
    """'September 29', a date within the issue's year."""
    return f"{day:%B} {day.day}"


def runin(html: Markup, label: str) -> Markup:
    """Put a bold run-in label ('At a glance:') at the start of the first paragraph."""
    lead = Markup('<p><strong class="runin">{}:</strong> ').format(escape(label))
    if html.startswith("<p>"):
        return Markup(lead + html[3:])
    return Markup(lead + "</p>" + html)
