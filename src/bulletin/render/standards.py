"""The PDF standards a build can follow; kept apart so the CLI can list them without WeasyPrint."""

PDF_VARIANTS = (
    "pdf/ua-1", "pdf/ua-2",
    "pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-4u",
    "pdf/a-1a", "pdf/a-2a", "pdf/a-3a",
)  # fmt: skip
"""The PDF standards a build can follow: accessible (PDF/UA, the default) or archival (PDF/A).
Every variant is written tagged."""
