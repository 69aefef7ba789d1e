"""The monthly report printed to A4 (WeasyPrint): at once for a small county, in parts for a
large one, so memory stays flat in the number of sites and both cores print.

WeasyPrint lays a whole document out in memory: 503 pages took 1.6 GB, and 2,000 sites would
need about 6 GB. Every site starts a page, so the report splits at sites without changing a
page: the front matter (title, county, scorecards), the table of contents, and groups of
`PART_SITES` sites (the last with the tail: laboratory, reviews, formulas) are printed as
documents of their own, in worker processes (press.py), without page numbers. Then, in this
process:

- the table of contents is printed again with each site's page, now known (its length is
  the same: one row a site, numbers of the same width);
- each part is stamped (by a worker) with its pages' numbers "n / N" across the whole, from
  a document of blank pages footed by those numbers, printed with the same page rule, and
  the parts are joined (pikepdf);
- one outline is built from every part's headings, by level: the title, the sections, the
  towns and their sites — the outline WeasyPrint makes of the whole document at once.

A county of one part is printed at once, as before, with the same contents and outline; a
test prints a small county both ways and compares every page's text and the outline.
"""

import ctypes
import gc
import logging
import multiprocessing
import os
import tempfile
from pathlib import Path

from . import document, press

# Sites a part: about 50 pages, which WeasyPrint lays out in ~150 MB.
PART_SITES = 40
# Parts a worker prints before it is replaced: what WeasyPrint leaves behind is returned.
PARTS_PER_WORKER = 4
# Spawned: the service's process runs threads whose locks a fork would copy mid-use.
SPAWN = multiprocessing.get_context("spawn")


def pdf(
    report,
    path: Path,
    locale: str = "zh-CN",
    version: int = 1,
    changes=(),
    workers: int = 2,
    part_sites: int = PART_SITES,
) -> Path:
    """The report's A4 PDF at `path`: at once when its sites fit one part, else in parts
    printed by `workers` processes and joined."""
    shown = document.context(report, locale, version, changes)
    sites = shown["sites"]
    if len(sites) <= part_sites:
        toc = _toc(sites)
        press.print_document(document.render(shown, toc=toc), str(path))
        return path
    groups = [sites[i : i + part_sites] for i in range(0, len(sites), part_sites)]

    def pages():
        """Each part's page, made when a worker is ready for it: one part's charts at a time."""
        yield document.render(shown, front=True, sites=[], sites_heading=False, tail=False, numbered=False)
        for n, group in enumerate(groups):
            yield document.render(
                shown,
                sites=group,
                front=False,
                sites_heading=n == 0,
                tail=n == len(groups) - 1,
                numbered=False,
            )

    _give_back()
    with tempfile.TemporaryDirectory(prefix="ww-print-", dir=path.parent) as folder:
        files = [os.path.join(folder, f"part-{n:04d}.pdf") for n in range(len(groups) + 1)]
        # multiprocessing's Pool, not concurrent.futures': with max_tasks_per_child the latter
        # hangs on Python 3.11 once a worker is replaced (measured: a 13-part county never ended).
        # Every document is printed by a worker, so this process holds no layout.
        with SPAWN.Pool(max(1, workers), maxtasksperchild=PARTS_PER_WORKER) as pool:
            printed = list(pool.imap(press.task, zip(pages(), files)))
            front, parts = printed[0], printed[1:]
            # The contents: printed once with placeholders to learn its length, then with pages.
            widest = len(str(sum(p.pages for p in printed) * 2))
            draft = pool.apply(
                press.print_document,
                (_contents(shown, _toc(sites, "0" * widest)), os.path.join(folder, "toc-draft.pdf")),
            )
            where, offset = {}, front.pages + draft.pages
            for part in parts:
                where.update({name: offset + page for name, page in part.anchors.items()})
                offset += part.pages
            contents = pool.apply(
                press.print_document,
                (_contents(shown, _toc(sites, None, where)), os.path.join(folder, "toc.pdf")),
            )
            if contents.pages != draft.pages:
                raise RuntimeError(f"the contents took {contents.pages} pages, not {draft.pages} as drafted")
            # Each document stamped with its pages' numbers by a worker, then joined here.
            documents, first, stamping = [front, contents, *parts], 0, []
            for doc in documents:
                stamping.append((_numbers(shown, first, first + doc.pages, offset), doc.path))
                first += doc.pages
            pool.starmap(press.stamp, stamping, chunksize=1)
        _join(documents, path)
    return path


def _give_back() -> None:
    """Hand the memory the month's figures freed back to the system before the workers start:
    glibc keeps a process's freed heap for its own reuse (120 MB after 2,000 sites' figures),
    and the workers need it more than this process does."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing kept that could be handed back
        pass


def _toc(sites: list, placeholder: str | None = None, where: dict | None = None) -> list[dict]:
    """The contents' rows: each site under its town, with its page (1-based) when known, a
    placeholder of the same width, or none (the whole document's target-counter)."""
    rows = []
    for s in sites:
        site = s["site"]
        page = str(where[f"site-{site.id}"] + 1) if where else placeholder
        rows.append(
            {
                "town": site.town,
                "first_of_town": s["town_heading"],
                "name": site.name,
                "id": site.id,
                "page": page,
            }
        )
    return rows


def _contents(shown: dict, toc: list) -> str:
    return document.render(
        shown, sites=[], front=False, sites_heading=False, tail=False, toc=toc, numbered=False
    )


def _numbers(shown: dict, first: int, end: int, total: int) -> str:
    """Blank pages with the report's page rule, footed "n / N" for pages first+1 … end of
    `total`: the numbers stamped on one document's pages."""
    numbers = tuple(f"{n} / {total}" for n in range(first + 1, end + 1))
    return document.render(
        shown, sites=[], front=False, sites_heading=False, tail=False, header=False, page_numbers=numbers
    )


def _join(parts: list[press.Printed], path: Path) -> None:
    """The documents, stamped, as one file: their pages in order and one outline."""
    # pikepdf announces its logging bridge at INFO as it loads, in the middle of a command's output.
    logging.getLogger("pikepdf._core").setLevel(logging.WARNING)
    import pikepdf

    with pikepdf.Pdf.new() as joined:
        opened = [pikepdf.open(p.path) for p in parts]
        try:
            headings, offset = [], 0
            for part, source in zip(parts, opened):
                joined.pages.extend(source.pages)
                headings += [(level, label, offset + page) for level, label, page in part.headings]
                offset += part.pages
            joined.docinfo = joined.copy_foreign(opened[0].docinfo)
            _outline(joined, headings)
            joined.save(path)
        finally:
            for source in opened:
                source.close()


def _outline(pdf, headings: list[tuple[int, str, int]]) -> None:
    """Headings (level, label, page) as a tree: each under the nearest heading before it of a
    lower level, as WeasyPrint nests a document's own."""
    import pikepdf

    with pdf.open_outline() as outline:
        stack: list[tuple[int, object]] = []
        for level, label, page in headings:
            item = pikepdf.OutlineItem(label, page)
            while stack and stack[-1][0] >= level:
                stack.pop()
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((level, item))
