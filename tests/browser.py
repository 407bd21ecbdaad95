"""A real browser for tests: Debian's chromium driven by Playwright, and axe-core in it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BEST_PRACTICE = [*WCAG_21_AA, "best-practice"]
"""axe's WCAG 2.1 AA rules and its best practices (landmarks, one h1, headings in order ...)."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Debian chromium (installed by the Makefile; Playwright downloads nothing)."""
    executable = shutil.which("chromium")
    assert executable, "chromium is not installed: run `make test`, which installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page: Page, tags: list[str] = WCAG_21_AA) -> list[dict[str, Any]]:
    """axe-core's violations of the rules with these tags (WCAG 2.1 AA unless told) on the
    page, each with its rule id and targets."""
    assert AXE.is_file(), "axe-core is not installed: run `make test`, which installs it"
    page.add_script_tag(path=str(AXE))
    options = {"runOnly": {"type": "tag", "values": tags}}
    result = page.evaluate("options => axe.run(document, options)", options)
    return [
        {"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]
