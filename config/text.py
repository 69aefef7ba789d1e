"""Text from outside (a contractor's name and note, a logger's payload) made safe to print
and to store.

A log line or a terminal line is one line: a CR or LF inside a name would forge a second log
entry, and terminal escapes or bidi overrides would rewrite what an operator sees. Stored text
is kept as typed; it is escaped where it is printed. It lives here, at the bottom of the
layers, because ingest, the pages and the CLI all print such text.
"""

import unicodedata
from datetime import datetime, tzinfo

# Bidirectional overrides and isolates: they reorder what follows them on screen.
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def local_time(ts: int | None, tz: tzinfo) -> str:
    """Epoch seconds as local YYYY-MM-DD HH:MM: the one way times are written for people
    (emails, pages, reports, the CLI); "" for none."""
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M")


def printable(text: object, keep_newlines: bool = False) -> str:
    """`text` with control characters written as escapes (\\n, \\r, \\x1b, \\u202e), so that
    it stays on one line and cannot steer the terminal. keep_newlines leaves LF as it is, for
    multi-line notes shown on their own lines."""
    text = str(text)
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char == "\n" and keep_newlines:
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cs") or ord(char) in _BIDI:
            out.append(char.encode("unicode_escape").decode("ascii") if char != "\\" else char)
        else:
            out.append(char)
    return "".join(out)


def storable(text: str) -> str:
    """The text with lone surrogates (from JSON escapes such as "\\ud800") written as
    backslash escapes: UTF-8 cannot hold them, so a database would refuse the text whole."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 work order', '2 work orders' (the CLI speaks English; pages and emails use ngettext)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def duration(seconds: int, locale: str) -> str:
    """How long, to the two largest units people count in: '2 天 3 小时', '6 h 12 min'."""
    minutes = max(int(seconds), 0) // 60
    days, hours, minutes = minutes // 1440, minutes // 60 % 24, minutes % 60
    zh = locale == "zh-CN"
    parts = []
    if days:
        parts.append(f"{days} 天" if zh else f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} 小时" if zh else f"{hours} h")
    if not days and (minutes or not hours):
        parts.append(f"{minutes} 分钟" if zh else f"{minutes} min")
    return " ".join(parts)
