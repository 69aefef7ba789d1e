"""What a printing worker does (printing.py): print one document of the report to PDF, and
stamp a printed document with its page numbers.

A module of its own that imports nothing of the report's figures: a worker process loads
only this, WeasyPrint and pikepdf (some 100 MB less than the figures' pandas and the
databases' drivers would add to each worker).
"""

import logging
import os
from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Printed:
    """A part as printed: its file, pages, headings (level, label, page) and the first page of
    each anchor (`site-<id>`), pages counted from 0 within the part."""

    path: str
    pages: int
    headings: list
    anchors: dict


def task(pair: tuple[str, str]) -> Printed:
    """print_document() of a (page, path) pair: what Pool.imap hands a worker."""
    return print_document(*pair)


def print_document(page: str, path: str) -> Printed:
    """One document printed to `path` (in a worker process, or in the caller's)."""
    from weasyprint import HTML

    # WeasyPrint narrates every step at INFO; the service's log is for what happened.
    for name in ("weasyprint", "weasyprint.progress"):
        logging.getLogger(name).setLevel(logging.WARNING)
    laid = HTML(string=page, base_url=str(TEMPLATES)).render()
    headings, anchors = [], {}
    for n, each in enumerate(laid.pages):
        headings += [(level, label, n) for level, label, _, _ in each.bookmarks]
        for name in each.anchors:
            anchors.setdefault(name, n)
    laid.write_pdf(path)
    return Printed(path, len(laid.pages), headings, anchors)


def stamp(numbers: str, path: str) -> None:
    """A printed document stamped with its page numbers: `numbers`, one blank page footed
    "n / N" for each of its pages, printed and laid over them."""
    import pikepdf

    stamps = path + ".numbers.pdf"
    print_document(numbers, stamps)
    with pikepdf.open(path, allow_overwriting_input=True) as document, pikepdf.open(stamps) as over:
        if len(document.pages) != len(over.pages):
            raise RuntimeError(f"{len(over.pages)} numbers for the {len(document.pages)} pages of {path}")
        for page, mark in zip(document.pages, over.pages):
            page.add_overlay(mark)
        document.save(path)
    os.remove(stamps)
