"""Every word a person reads has its Chinese in the catalogue, and the catalogue is used."""

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from wastewatch.config import i18n
from wastewatch.config.metrics import METRICS, metric_label
from wastewatch.web.text import WORDS, words

ROOT = Path(__file__).resolve().parent.parent
# Babel's default keywords (gettext, ngettext, `{% trans %}` blocks, …) and our N_ marker.
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "NP_": ((1, "c"), 2)}


def marked() -> set[tuple[str | None, str]]:
    """(context, message) of every message babel.cfg's extraction finds."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {
        (context, message)
        for _, _, message, _, context in extract_from_dir(ROOT, method_map, options_map, keywords=KEYWORDS)
        if isinstance(message, str)
    }
    return found


def test_every_marked_message_has_a_chinese_translation():
    with open(i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "wastewatch.po", "rb") as po:
        catalogue = read_po(po)
    messages = marked()
    assert len(messages) > 150  # the extraction really looked (rules, states, pages, report)
    assert {(key, message) for key, message in WORDS.items()} <= messages  # the pages' words too
    missing = sorted(
        f"{context + ': ' if context else ''}{message}"
        for context, message in messages
        if not getattr(catalogue.get(message, context=context), "string", "")
    )
    assert missing == []
    # And the catalogue is what the service reads.
    assert i18n.gettext("zh-CN", "Zero flow") == "零流量"


def test_the_labels_a_regulator_reads_are_chinese_words_not_codes():
    assert metric_label("cod", "zh-CN") == "化学需氧量"
    assert metric_label("cod", "en") == "COD"
    assert all(metric_label(m, "zh-CN") != m for m in METRICS)
    assert words("zh-CN")["acknowledge"] == "接单" and words("zh-CN")["confirm_acknowledge"] == "确认接单"
    assert words("en")["acknowledge"] == "Acknowledge"
    assert i18n.percent(0.97534, "zh-CN") == "97.53\u00a0%"
    assert i18n.percent(None, "zh-CN") == ""
