"""A real browser for what people see: Debian's Chromium driven by Playwright, and the folder
the screenshots are kept in (artefacts/, or $WASTEWATCH_ARTEFACTS) to be looked at.

Playwright's sync API refuses a thread where an asyncio loop runs (the SMTP server and the
pages' server leave one behind in the tests' thread), so the browser lives in a thread of its
own and each look is a job handed to it."""

import os
import queue
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP, PHONE = 1280, 390

# How far the page is wider than the window (0: nothing to scroll sideways).
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# The boxes, for a CSS selector, whose content runs out of them ("Compliance this mont…").
CLIPPED = """(selector) => [...document.querySelectorAll(selector)]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.trim().slice(0, 40))"""
# The labels a browser broke over more than one line, for a CSS selector.
WRAPPED = """(selector) => [...document.querySelectorAll(selector)].filter(e => {
    const r = document.createRange(); r.selectNodeContents(e);
    return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1;
}).map(e => e.textContent.trim())"""


@contextmanager
def window(chromium, width: int):
    """A page in a browser context of its own (its own cookies), `width` px wide; closed after."""
    context = chromium.new_context(viewport={"width": width, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def artefacts(*parts: str) -> Path:
    folder = Path(os.environ.get("WASTEWATCH_ARTEFACTS", ROOT / "artefacts")).joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Look:
    overflow: int  # how far the page is wider than the window (0: nothing to scroll sideways)
    wrapped: list[str]  # labels matching the selector that wrap onto a second line
    count: int  # elements matching `count`


class Browser:
    def __init__(self, args: tuple[str, ...] = ()):
        """`args`: Chromium's own flags beside --no-sandbox (a fake camera's video file)."""
        self.args = ["--no-sandbox", *args]
        self.jobs: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=self.args)
            while (job := self.jobs.get()) is not None:
                work, answer = job
                try:
                    answer.put((True, work(chromium)))
                except BaseException as error:  # handed back to the test that asked
                    answer.put((False, error))
            chromium.close()

    def run(self, work):
        answer: queue.Queue = queue.Queue()
        self.jobs.put((work, answer))
        ok, value = answer.get(timeout=120)
        if not ok:
            raise value
        return value

    def look(self, html: str, path: Path, width: int, labels: str = "th", count: str = "svg") -> Look:
        """The page at a width, screenshot whole into `path`, and what it measures."""

        def work(chromium) -> Look:
            page = chromium.new_page(viewport={"width": width, "height": 900})
            try:
                page.set_content(html, wait_until="load")
                page.screenshot(path=str(path), full_page=True)
                return Look(
                    page.evaluate(OVERFLOW),
                    page.evaluate(WRAPPED, labels),
                    page.locator(count).count(),
                )
            finally:
                page.close()

        return self.run(work)

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=30)


@pytest.fixture(scope="session")
def browser():
    running = Browser()
    yield running
    running.close()
