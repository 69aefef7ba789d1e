"""The console's guide (/help) and the version at the foot of every page."""

import pytest

from tests.support import ROOT
from tests.test_version import declared
from tests.web.test_console import login
from wastewatch.access import accounts
from wastewatch.store.state import transaction
from wastewatch.web.console.text import words


def test_every_console_page_shows_the_version_and_the_guide_in_the_accounts_language(desk):
    client, _ = login(desk, "operator")
    for path in ("/", "/alerts", "/help"):
        page = client.get(path).text
        assert f'<footer class="no-print">Wastewatch {declared()}</footer>' in page, path
        assert '<a href="/help"' in page
    guide = client.get("/help").text
    assert "<h1>使用指南</h1>" in guide and "<h2>工单与销号（问题销号）</h2>" in guide
    assert "<table>" in guide  # the roles table, rendered, not left as Markdown pipes
    contractor, _ = login(desk, "contractor")
    assert "使用指南" in contractor.get("/help").text
    with transaction(desk.ctx.db):
        accounts.set_locale(desk.ctx.db, "regulator", "en")
    regulator, _ = login(desk, "regulator")
    english = regulator.get("/help").text
    assert "<h1>Guide</h1>" in english and "<h2>Work orders and 销号</h2>" in english
    assert '<a href="/help" class="here">Guide</a>' in english


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_guide_names_each_page_as_the_header_does(locale):
    """The guide is written by people; the page names come from words(). A page renamed in one
    place only is caught here."""
    guide = (ROOT / "web" / "help" / f"{locale}.md").read_text(encoding="utf-8")
    said = words(locale)
    pages = ("queue", "overview", "alerts", "orders", "windows", "bulletin", "reports", "account")
    pages += ("audit", "users", "channels", "your_orders", "lab", "reviews")
    assert [said[k] for k in pages if f"**{said[k]}**" not in guide] == []
    assert guide.startswith(f"# {said['help']}\n")  # titled as the header's link
