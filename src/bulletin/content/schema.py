"""The content schema: every file's fields, declared once for checking, docs and scaffolding."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bulletin.content import model, rules
from bulletin.content.rules import Rule
from bulletin.content.words import DEFAULT_LABELS, LANGUAGES, Kind

__all__ = ["DEFAULT_LABELS", "LANGUAGES", "Field", "Kind", "Section"]


@dataclass(frozen=True)
class Field:
    """One field of a content file.

    name: the YAML key.
    kind: what the value must be.
    doc: one line for the docs and for scaffold hints.
    required: whether the field must be present and not empty.
    many: the value is a list of `kind` (at least one item when required).
    fields: the sub-fields, when kind is MAPPING.
    example: a value used in the docs.
    header: the value reaches an email header, so it must be one line without control or
        bidi characters.
    attr: the attribute of the typed model the value fills, when it is not `name`.
    model: for a group of fields, what makes its typed value from the checked sub-fields,
        given by attribute (a class of `content/model.py`); without one the group is a dict.
    rules: what the value must be beside the rest of its issue (`content/rules.py`), checked
        once the value itself passed.
    """

    name: str
    kind: Kind
    doc: str
    required: bool = True
    many: bool = False
    fields: tuple[Field, ...] = ()
    example: Any = None
    header: bool = False
    attr: str = ""
    model: Callable[..., Any] | None = None
    rules: tuple[Rule, ...] = ()

    @property
    def key(self) -> str:
        """The name of the model's attribute the value fills."""
        return self.attr or self.name


@dataclass(frozen=True)
class Section:
    """A `## Heading` section of a Markdown body; `attr` is the attribute of the model its
    rendered HTML fills."""

    title: str
    attr: str
    doc: str
    required: bool = True


PUBLICATION = (
    Field(
        "series",
        Kind.TEXT,
        "series title printed on the masthead",
        example="China Industries",
        header=True,
    ),
    Field("language", Kind.LANGUAGE, "language of the publication", required=False, example="en"),
    Field(
        "base_url",
        Kind.URL,
        "address where the built site is published",
        example="https://bulletin.example.org/",
    ),
    Field(
        "favicon",
        Kind.ICON,
        "the website's icon, copied to the site's root (default: templates/favicon.svg)",
        required=False,
        example="favicon.svg",
    ),
    Field(
        "publisher",
        Kind.MAPPING,
        "publisher block on the last page",
        model=model.Publisher,
        fields=(
            Field("name", Kind.TEXT, "short name", example="MERICS"),
            Field(
                "full_name",
                Kind.TEXT,
                "full name",
                required=False,
                example="Mercator Institute for China Studies",
            ),
            Field(
                "address",
                Kind.TEXT,
                "postal address, one line per item",
                many=True,
                example=["Klosterstraße 64", "10179 Berlin"],
            ),
            Field(
                "phone", Kind.TEXT, "telephone number", required=False, example="+49 30 3440 999 0"
            ),
            Field(
                "email",
                Kind.EMAIL,
                "general email address",
                required=False,
                example="info@merics.de",
            ),
            Field(
                "website",
                Kind.URL,
                "publisher's website",
                required=False,
                example="https://www.merics.org",
            ),
        ),
    ),
    Field(
        "contact",
        Kind.MAPPING,
        "address readers write to about the bulletin",
        model=model.Contact,
        fields=(
            Field(
                "text",
                Kind.TEXT,
                "sentence before the contact address",
                required=False,
                example="Questions and comments are welcome at",
            ),
            Field(
                "email",
                Kind.EMAIL,
                "contact email address",
                example="publications@merics.de",
                header=True,
            ),
        ),
    ),
    Field(
        "labels",
        Kind.MAPPING,
        "printed labels that differ from the defaults",
        required=False,
        model=model.printed_labels,
        fields=tuple(
            Field(key, Kind.TEXT, f"default {value!r}", required=False, example=value)
            for key, value in DEFAULT_LABELS.items()
        ),
    ),
    Field(
        "email",
        Kind.MAPPING,
        "how the issue is mailed to subscribers (see docs/sending.md)",
        required=False,
        model=model.Mailing,
        fields=(
            Field(
                "from",
                Kind.EMAIL,
                "address the issue is sent from; the relay must be allowed to send for it",
                example="bulletin@merics.de",
                header=True,
                attr="sender",
            ),
            Field(
                "from_name",
                Kind.TEXT,
                "sender name shown in mail programs (default: the series)",
                required=False,
                example="MERICS China Industries",
                header=True,
            ),
            Field(
                "reply_to",
                Kind.EMAIL,
                "address replies go to (default: contact.email)",
                required=False,
                example="publications@merics.de",
                header=True,
            ),
            Field(
                "list_id",
                Kind.LIST_ID,
                "List-Id (default: the series and the host of base_url)",
                required=False,
                example="china-industries.merics.de",
                header=True,
            ),
            Field(
                "unsubscribe_url",
                Kind.UNSUBSCRIBE,
                "one-click unsubscribe address, with {token} and optionally {email} (default: "
                "the subscriber service's, when subscribers.url is set)",
                required=False,
                example="https://bulletin.example.org/unsubscribe?email={email}&token={token}",
                header=True,
            ),
        ),
    ),
    Field(
        "database",
        Kind.DATABASE,
        "where the list and the send log are kept (default: bulletin.sqlite3 in the project; "
        "BULLETIN_DATABASE_URL overrides it)",
        required=False,
        example="postgresql://bulletin@db.example.org/bulletin",
    ),
    Field(
        "subscribers",
        Kind.MAPPING,
        "the subscriber service readers sign up with (see docs/subscribers.md)",
        required=False,
        model=model.Subscriptions,
        fields=(
            Field(
                "url",
                Kind.URL,
                "public address of `bulletin subscribers serve`, behind the web server",
                example="https://bulletin.example.org/list/",
            ),
            Field(
                "consent",
                Kind.TEXT,
                "what readers agree to, printed beside the form's checkbox and kept with them",
                example="I agree to receive China Industries by email; I can leave at any time.",
            ),
        ),
    ),
    Field(
        "feed_entries",
        Kind.INTEGER,
        "how many of the latest issues the Atom feed carries (default 20)",
        required=False,
        example=20,
        rules=(rules.at_least(1, "issue"),),
    ),
    Field(
        "links",
        Kind.MAPPING,
        "how `bulletin links` checks the external links of issues (see docs/links.md)",
        required=False,
        model=model.LinkChecks,
        fields=(
            Field(
                "snapshots",
                Kind.URL,
                "availability API of the snapshot service asked for an archived copy of a dead "
                f"link (default: the Wayback Machine's, {model.WAYBACK_AVAILABILITY})",
                required=False,
                example=model.WAYBACK_AVAILABILITY,
            ),
            Field(
                "timeout",
                Kind.INTEGER,
                "seconds to wait for each answer of a server (default: 10)",
                required=False,
                example=10,
                rules=(rules.at_least(1, "second"),),
            ),
            Field(
                "per_host",
                Kind.INTEGER,
                "requests at a time to one host (default: 2)",
                required=False,
                example=2,
                rules=(rules.at_least(1, "request"),),
            ),
        ),
    ),
)

CORRECTION = (
    Field(
        "date",
        Kind.DATE,
        "day the correction was made, not before the issue date",
        example="2021-11-05",
        rules=(rules.not_before_issue("the correction"),),
    ),
    Field(
        "text",
        Kind.TEXT,
        "what was wrong and what is right now, in one or two sentences (inline Markdown allowed)",
        example="An earlier version gave the target year as 2035; the plan sets 2030.",
        rules=(rules.safe_links,),
    ),
)
"""Fields of each entry of a `corrections` list (see docs/corrections.md)."""


def _corrections(what: str) -> Field:
    """The `corrections` list of an item or of the issue as a whole."""
    return Field(
        "corrections",
        Kind.MAPPING,
        f"corrections of {what} made after the issue was sent or published (see "
        "docs/corrections.md)",
        required=False,
        many=True,
        model=model.Correction,
        fields=CORRECTION,
    )


PERSON = (
    Field("name", Kind.TEXT, "full name as printed", example="Alexander Brown"),
    Field("role", Kind.TEXT, "role and affiliation as printed", example="Analyst, MERICS"),
)
"""Fields of each entry of people.yaml, keyed by a person id such as `alexander-brown`."""

BODY_DOC = "full name of the issuing body, keyed by its abbreviation"

ISSUE = (
    Field(
        "date",
        Kind.DATE,
        "publication date, the same as the folder name",
        example="2021-11-02",
        rules=(rules.same_as_folder,),
    ),
    Field(
        "authors",
        Kind.PERSON,
        "analysts who wrote the issue",
        many=True,
        example=["alexander-brown", "gregor-sebastian"],
    ),
    Field(
        "editors",
        Kind.MAPPING,
        "editorial team",
        many=True,
        model=model.Editor,
        fields=(
            Field("person", Kind.PERSON, "person id", example="claudia-wessling"),
            Field("role", Kind.TEXT, "role in this team", example="Managing editor"),
        ),
    ),
    Field(
        "draft",
        Kind.BOOLEAN,
        "true while the issue is not ready: the website leaves it out unless --drafts",
        required=False,
        example=False,
    ),
    _corrections("the issue as a whole (the foreword, Worth noting, several items)"),
)

TOP_ITEM = (
    Field("rank", Kind.INTEGER, "place in the Top 5 (1, 2, ... with no gaps)", example=1),
    Field(
        "title",
        Kind.TITLE,
        "headline of the item",
        example="Carbon neutrality plan puts local officials under pressure",
    ),
    Field(
        "policy",
        Kind.MAPPING,
        "policy document the item analyses",
        model=model.Policy,
        fields=(
            Field(
                "name",
                Kind.TITLE,
                "policy name in English",
                example="National Standardization Development Outline",
            ),
            Field(
                "name_zh",
                Kind.CHINESE,
                "original Chinese title, verbatim",
                example="中共中央 国务院印发《国家标准化发展纲要》",
            ),
            Field(
                "url",
                Kind.URL,
                "link to the document (leave out if unknown)",
                required=False,
                example="http://www.gov.cn/zhengce/2021-10/10/content_5641727.htm",
            ),
            Field(
                "issuers",
                Kind.BODY,
                "issuing bodies, by abbreviation",
                many=True,
                example=["CCPCC", "State Council"],
            ),
            Field(
                "date",
                Kind.DATE,
                "date the policy was issued, not after the issue date",
                example="2021-10-10",
                rules=(rules.not_after_issue("the policy"),),
            ),
        ),
    ),
    _corrections("this item"),
)

TOP_ITEM_SECTIONS = (
    Section("At a glance", "at_a_glance", "summary paragraph, usually followed by a bullet list"),
    Section("Comment", "comment", "the house comment: the analysis, one or more paragraphs"),
)
"""Sections of a Top-5 item's body, in order. Sidebars (`::: sidebar Title`), figures
(`::: figure Caption`), tables and notes (`[^1]`) are written in them."""

SOURCE = (
    Field("label", Kind.TEXT, "name of the source", example="MIIT notice"),
    Field(
        "url",
        Kind.URL,
        "link to the source (leave out if unknown)",
        required=False,
        example="https://www.miit.gov.cn/",
    ),
    Field("lang", Kind.LANGUAGE, f"language of the source ({', '.join(LANGUAGES)})", example="zh"),
)

WORTH_NOTING = (
    Field(
        "groups",
        Kind.MAPPING,
        "groups of news items, such as Policy news",
        many=True,
        attr="worth_noting",
        model=model.NewsGroup,
        fields=(
            Field("title", Kind.TEXT, "group heading", example="Policy news"),
            Field(
                "items",
                Kind.MAPPING,
                "dated one-line news items",
                many=True,
                model=model.NewsItem,
                fields=(
                    Field(
                        "date",
                        Kind.DATE,
                        "date of the news, not after the issue date",
                        example="2021-09-30",
                        rules=(rules.not_after_issue("the news"),),
                    ),
                    Field(
                        "text",
                        Kind.TEXT,
                        "news in one sentence (inline Markdown allowed)",
                        example="MIIT lists 987 pilot projects for 5G in medical care",
                        rules=(rules.safe_links,),
                    ),
                    Field(
                        "sources",
                        Kind.MAPPING,
                        "sources of the news",
                        many=True,
                        model=model.Source,
                        fields=SOURCE,
                    ),
                ),
            ),
        ),
    ),
)

FILES = {
    "publication.yaml": PUBLICATION,
    "people.yaml": PERSON,
    "issue.md": ISSUE,
    "top/NN-slug.md": TOP_ITEM,
    "worth-noting.md": WORTH_NOTING,
}
"""Every file kind and its fields, for the docs."""
