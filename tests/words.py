"""What must not stand where a person reads Chinese: a code of the service (snake_case, as the
rules, states and kinds are named inside) or an English sentence. Used on every page the
browser tests visit, every email, and the exports."""

import re

# A snake_case name: daily_exceedance, late_data, work_order.
CODE = re.compile(r"(?<![\w./:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.-])")
# Three English words in a row ("value 136.242, limit", "opened for alert") — not a name in
# Latin letters or a unit.
ENGLISH = re.compile(r"(?<![\w/])[A-Za-z]{2,}(?:[ ,:;'-]+[A-Za-z]{2,}){2,}")


# A link is followed, not read; its signed token is random letters that may look like words
# ("…/o/12?t=eyJ.VtXaMggbQxvictOrO-PDVFMj-yo").
LINK = re.compile(r"https?://\S+")


def codes(text: str) -> list[str]:
    """The codes and English sentences in `text` (what a person sees of a page or an email)."""
    text = LINK.sub(" ", text)
    return CODE.findall(text) + ENGLISH.findall(text)


# The monthly report's formulas name each figure's CSV column beside its Chinese name,
# "有效日（valid_days）": the key to the CSV an auditor checks, not a code left untranslated.
COLUMN_KEYS = re.compile(r"（[a-z0-9_ /\s]+）")


def report_codes(text: str) -> list[str]:
    """codes() of the monthly report's text, its CSV column keys left aside."""
    return codes(COLUMN_KEYS.sub("", text))
