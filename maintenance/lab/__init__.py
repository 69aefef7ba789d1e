"""Laboratory results (实验室检测结果): samples, their results by version, what they mean
against the site's limit and its online analysers, and the laboratories' sheets imported.
See docs/operators/laboratory.md."""

from . import judging, records
from .entry import enter, import_sheet, parse_entry, taken
from .records import KINDS, LABELS, LabError, result_text

__all__ = [
    "KINDS",
    "LABELS",
    "LabError",
    "enter",
    "import_sheet",
    "judging",
    "parse_entry",
    "records",
    "result_text",
    "taken",
]
