"""Render one kind of email from its three templates into a MIME message.

Templates live in notify/templates/<locale>/: `<name>-subject.txt`, `<name>-body.txt` and
`<name>-body.html`. HTML is autoescaped (site names and notes are typed by people); the text
part is not, because it is not HTML.
"""

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"
env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


# The stylesheet onto each element: mail clients drop <style>; @media rules stay.
_inliner = css_inline.CSSInliner(keep_style_tags=False, keep_at_rules=True)


def subject(name: str, locale: str, context: dict) -> str:
    """The email's subject on one line: a chat message's title too."""
    return " ".join(env.get_template(f"{locale}/{name}-subject.txt").render(context).split())


def render(name: str, locale: str, context: dict) -> tuple[str, str, str]:
    title = subject(name, locale, context)
    text = env.get_template(f"{locale}/{name}-body.txt").render(context)
    html = env.get_template(f"{locale}/{name}-body.html").render(context)
    html = _inliner.inline(html)
    return title, text, html


def make_message(
    name: str,
    locale: str,
    context: dict,
    to: list[str],
    sender: str,
    cc: Sequence[str] = (),
    thread: str | None = None,
    idstring: str | None = None,
    attachments: Sequence[tuple[str, bytes, str, str]] = (),
) -> EmailMessage:
    """attachments: (file name, content, maintype, subtype)."""
    subject, text, html = render(name, locale, context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=idstring, domain=sender.rpartition("@")[2])
    if thread:
        # Replies on one incident: mail clients group them under the first email.
        message["In-Reply-To"] = thread
        message["References"] = thread
    message["Content-Language"] = locale
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for filename, content, maintype, subtype in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message
