"""The console's guide (/help) and the version at the foot of every page."""

from tests.test_version import declared
from tests.web.test_console import login
from wastewatch.access import accounts
from wastewatch.store.state import transaction


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
