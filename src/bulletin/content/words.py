"""The words bulletin shows: the kinds of value a field holds, the labels it prints unless a
publication says otherwise, and the languages it knows."""

from enum import StrEnum


class Kind(StrEnum):
    """What a field holds, in the words shown to editors."""

    TEXT = "text"
    TITLE = "text, printed with typographic quotes"
    CHINESE = "Chinese text"
    INTEGER = "whole number"
    BOOLEAN = "true or false"
    DATE = "date (YYYY-MM-DD)"
    URL = "web address (https://...)"
    EMAIL = "email address"
    LIST_ID = "dotted name (letters, digits, hyphens)"
    UNSUBSCRIBE = "https address holding {token}"
    DATABASE = "database URL (sqlite:///PATH or postgresql://USER@HOST/NAME)"
    ICON = "icon file in content/ (.svg, .png or .ico)"
    LANGUAGE = "language code"
    PERSON = "person id from people.yaml"
    BODY = "issuing body from bodies.yaml"
    MAPPING = "group of fields"


LANGUAGES = {"en": "EN", "zh": "CN", "de": "DE", "fr": "FR", "ja": "JA", "ko": "KO", "ru": "RU"}
"""Language codes allowed on sources, with the tag printed after the source."""

DEFAULT_LABELS = {
    "top": "Top 5",
    "at_a_glance": "At a glance",
    "comment": "Comment",
    "worth_noting": "Worth noting",
    "contents": "Contents",
    "authors": "Authors",
    "editorial_team": "Editorial team",
    "publisher": "Publisher",
    "policy_name": "Policy name",
    "issuing_bodies": "Issuing bodies",
    "issuing_body": "Issuing body",
    "date": "Date",
    "pdf": "Download the PDF",
    "cite": "Cite this",
    "notes": "Notes",
    "phone": "Tel.",
    "mail": "Mail",
    "archive": "All issues",
    "years": "By year",
    "previous_year": "Previous year",
    "next_year": "Next year",
    "latest_issues": "Latest issues",
    "latest_items": "Latest items",
    "earlier": "Earlier",
    "bodies": "Issuing bodies",
    "search": "Search",
    "feed": "Atom feed",
    "subscribe": "Subscribe",
    "subscribe_email": "Email address",
    "subscribe_name": "Name (optional)",
    "corrections": "Corrections",
    "correction": "Correction",
    "corrected_on": "corrected on",
    "corrections_notice": "this issue was changed after it went out.",
    "version": "Version",
    "as_sent": "As sent on",
    "as_published": "As published on",
}
"""Printed labels; publication.yaml `labels` overrides any of them."""
