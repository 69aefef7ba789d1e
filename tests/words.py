"""What must not stand where a person reads Chinese: a code of the service (snake_case, as the
rules, states and kinds are named inside) or an English sentence. Used on every page the
browser tests visit, every email, and the exports."""

import re

# A snake_case name: daily_exceedance, late_data, work_order.
CODE = re.compile(r"(?<![\w./:-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w.-])")
# Three English words in a row ("value 136.242, limit", "opened for alert") — not a name in
# Latin letters or a unit.
ENGLISH = re.compile(r"(?<![\w/])[A-Za-z]{2,}(?:[ ,:;'-]+[A-Za-z]{2,}){2,}")


def codes(text: str) -> list[str]:
    """The codes and English sentences in `text` (what a person sees of a page or an email)."""
    return CODE.findall(text) + ENGLISH.findall(text)
