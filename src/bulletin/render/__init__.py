"""Rendering an issue: its web and print HTML, the PDF, the plain text."""
