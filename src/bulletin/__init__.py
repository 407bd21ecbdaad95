"""bulletin: write a policy newsletter as Markdown, check it, publish it as PDF and HTML."""

__version__ = "0.1.0"
