"""The Word layout of an issue: the styles bulletin's export writes (`render.docx`) and its
import reads back (`importing.word`), so that export, an edit in Word and import keep every
field (see docs/importing.md, "Export to Word")."""

from __future__ import annotations

ISSUE_STYLE = "Issue"
"""The paragraph style of the issue's fields: `Date:`, `Author:`, `Editor:`, `Draft:`,
`Correction:`."""
POLICY_STYLE = "Policy"
"""The paragraph style of an item's policy fields: `Policy name:`, `Chinese title:`, `Link:`,
`Issuing bodies:`, `Date:`."""
ITEM_STYLE = "Item"
"""The paragraph style of an item's other fields: `Anchor:`, `Correction:`."""
SIDEBAR_TITLE_STYLE = "Sidebar Title"
"""The character style of a sidebar's title, the first paragraph of its one-cell table."""
FIGURE_CAPTION_STYLE = "Figure Caption"
FIGURE_SOURCE_STYLE = "Figure Source"
"""The character styles of a figure's caption and its source line, in its Word caption."""
NEWS_ITEM_STYLE = "News Item"
NEWS_SOURCE_STYLE = "News Source"
"""The paragraph styles of a Worth-noting item (`YYYY-MM-DD: text`) and of each of its
sources (`label (LANG) URL`), one paragraph each."""
ISSUERS_SEPARATOR = "; "
"""Between the abbreviations of a policy's issuing bodies."""
