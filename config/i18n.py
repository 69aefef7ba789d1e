"""The words people read, in zh-CN (the default) and English: gettext catalogues, read with
Babel.

Messages are written in English where they are used (`N_("Zero flow")` marks one in a table
without translating it there); `locale/zh_CN/LC_MESSAGES/wastewatch.po` holds the Chinese.
English needs no catalogue. To add a message or a language, see docs/developers/extending.md ("A
language"); a test fails when a marked message has no translation in a catalogue.

Percentages are formatted here too, with Babel's patterns, so a rate reads the same in a
report, an email and a page.
"""

import gettext as _gettext
import json
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_percent
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "wastewatch"
# What `service.locale` accepts; the first is the default.
LOCALES = ("zh-CN", "en")


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined; translated where it is shown."""
    return message


def NP_(context: str, message: str) -> str:
    """N_ with a context: one English word that is two Chinese ones (the pages' words)."""
    return message


class Word(str):
    """A word marked for the catalogue (N_, or NP_ with its context) given as a value of a
    Sentence: translated with it."""

    context: str | None

    def __new__(cls, message: str, context: str | None = None):
        word = super().__new__(cls, message)
        word.context = context
        return word

    def text(self, locale: str) -> str:
        return pgettext(locale, self.context, self) if self.context else gettext(locale, self)


class Term:
    """A name that reads as its code in English (the command line's words: "equipment
    pump_state") and as words in another language (设备故障 提升泵状态)."""

    def __init__(self, code: str, words: "Sentence"):
        self.code, self.words = code, words

    def text(self, locale: str) -> str:
        return self.code if locale == "en" else self.words.text(locale)


class Sentence:
    """What happened or what went wrong, kept as an English template marked for the catalogue
    (N_) and its values, and said in each reader's language: the command line and logs read
    str(), a page or an email text(locale). Values that are Words are translated too."""

    def __init__(self, message: str, **values):
        self.message, self.values = message, values

    def text(self, locale: str) -> str:
        values = {key: _said(value, locale) for key, value in self.values.items()}
        return gettext(locale, self.message).format(**values)

    def __str__(self) -> str:
        return self.text("en")


def _plain(value):
    """A Sentence's value as JSON: Words and Sentences as small objects, the rest as it is."""
    if isinstance(value, Word):
        return {"w": str(value), "c": value.context}
    if isinstance(value, Sentence):
        return {"m": value.message, "v": {k: _plain(v) for k, v in value.values.items()}}
    if isinstance(value, Term):
        return {"t": value.code, "s": _plain(value.words)}
    if isinstance(value, (list, tuple)):
        return {"l" if isinstance(value, list) else "o": [_plain(v) for v in value]}
    return value


def _back(value):
    if not isinstance(value, dict):
        return value
    if "w" in value:
        return Word(value["w"], value.get("c"))
    if "m" in value:
        return Sentence(value["m"], **{k: _back(v) for k, v in value["v"].items()})
    if "t" in value:
        return Term(value["t"], _back(value["s"]))
    if "l" in value:
        return [_back(v) for v in value["l"]]
    return tuple(_back(v) for v in value["o"])


@dataclass(frozen=True)
class Record:
    """What a state change said: its sentences (what the service saw or did) and a person's
    note, stored with the transition row (the column `said`) and shown in each reader's
    language: "已上报监管部门：接单期限 2026-10-13 01:00 已过" with the note after it."""

    sentences: tuple = ()
    note: str = ""

    def dumps(self) -> str:
        return json.dumps({"s": [_plain(s) for s in self.sentences], "n": self.note}, ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> "Record":
        found = json.loads(text)
        return cls(tuple(_back(s) for s in found["s"]), found.get("n", ""))

    def text(self, locale: str) -> str:
        zh = locale == "zh-CN"
        said = ("；" if zh else "; ").join(s.text(locale) for s in self.sentences)
        if said and self.note:
            return f"{said}{'：' if zh else ': '}{self.note}"
        return said or self.note

    def __str__(self) -> str:
        return self.text("en")


def _said(value, locale: str):
    """A Sentence's value in `locale`: Words and Sentences translated; a tuple of them joined as
    alternatives ("open or reopened"), a list as a series ("…; …")."""
    if isinstance(value, (Word, Sentence, Term)):
        return value.text(locale)
    zh = locale == "zh-CN"
    if isinstance(value, tuple):
        return ("或" if zh else " or ").join(_said(v, locale) for v in value)
    if isinstance(value, list):
        return ("；" if zh else "; ").join(_said(v, locale) for v in value)
    return value


class Said(Exception):
    """An error a person can cause, as a Sentence: one sentence, in their language, saying what
    to do. Each owner's error (AccountError, WorkOrderError, ...) is one of these."""

    def __init__(self, message: str, **values):
        self.sentence = Sentence(message, **values)
        super().__init__(str(self.sentence))

    def text(self, locale: str) -> str:
        return self.sentence.text(locale)


def _babel(locale: str) -> str:
    return locale.replace("-", "_")


@lru_cache(maxsize=None)
def translations(locale: str) -> _gettext.NullTranslations:
    """The catalogue of `locale` (compiled from its .po when first asked for: no build step,
    and the .po under version control is the only copy)."""
    if locale == "en":
        return _gettext.NullTranslations()
    po = LOCALE_DIR / _babel(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale=_babel(locale), domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(locale: str, message: str) -> str:
    return translations(locale).gettext(message)


def pgettext(locale: str, context: str, message: str) -> str:
    return translations(locale).pgettext(context, message)


def percent(value: float | None, locale: str, decimals: int = 2) -> str:
    """A rate (0.9753) as people read it: "97.53 %"; "" for none."""
    if value is None:
        return ""
    # A no-break space: a line never parts a figure from its sign.
    return format_percent(value, "#,##0." + "0" * decimals + " %", locale=_babel(locale)).replace(
        " ", "\u00a0"
    )
