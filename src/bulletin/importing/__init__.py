"""Bring issues in from outside: a back catalogue's PDFs and plain text."""
