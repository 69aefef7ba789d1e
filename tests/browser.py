"""A real browser for what people see: Debian's Chromium driven by Playwright, and the folder
the screenshots are kept in (artefacts/, or $WASTEWATCH_ARTEFACTS) to be looked at."""

import os
import shutil
from pathlib import Path

import pytest

from tests.support import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP, PHONE = 1280, 390


def artefacts(*parts: str) -> Path:
    folder = Path(os.environ.get("WASTEWATCH_ARTEFACTS", ROOT / "artefacts")).joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def shoot(browser, html: str, path: Path, width: int):
    """The page at a width, screenshot whole into `path`; the open page, to measure."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_content(html, wait_until="load")
    page.screenshot(path=str(path), full_page=True)
    return page


def overflow(page) -> int:
    """How far the page is wider than the window (0: nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def wrapped_labels(page, selector: str) -> list[str]:
    """Labels (table headers, field names) a browser broke over more than one line."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].filter(e => {
            const r = document.createRange(); r.selectNodeContents(e);
            const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
            return lines.size > 1;
        }).map(e => e.textContent.trim())""",
        selector,
    )
