"""The site board and a site's page in a real browser (Debian's Chromium through Playwright):
filtering the board with its form, a site's chart drawn with its limit line, at desktop and
phone widths with nothing cut off. Screenshots go to artefacts/console/."""

from tests.browser import CLIPPED, DESKTOP, OVERFLOW, PHONE, WRAPPED, artefacts, browser, window  # noqa: F401
from tests.web.test_console_browser import sign_in
from tests.web.test_sites import seeded


def filter_board(base: str, width: int, folder):
    def work(chromium):
        with window(chromium, width) as page:
            sign_in(page, base, "regulator")
            page.screenshot(path=str(folder / f"board-{width}.png"), full_page=True)
            whole = (page.evaluate(OVERFLOW), page.evaluate(WRAPPED, "th, .card .l, header a, .st"))
            page.select_option("select[name=town]", "始阳镇")
            page.click("form.filters button")
            page.wait_for_load_state()
            by_town = (page.url.removeprefix(base), page.locator(".board td.site a").all_inner_texts())
            page.select_option("select[name=town]", "")
            page.select_option("select[name=state]", "stopped")
            page.click("form.filters button")
            page.wait_for_load_state()
            by_state = page.locator(".board td.site a").all_inner_texts()
            page.screenshot(path=str(folder / f"board-stopped-{width}.png"), full_page=True)
            return whole, by_town, by_state

    return work


def open_site(base: str, width: int, folder):
    def work(chromium):
        with window(chromium, width) as page:
            sign_in(page, base, "operator")  # lands on the queue; the board is the overview
            page.click("header a[href='/']")
            page.wait_for_load_state()
            page.click("a[href='/sites/helin']")
            page.wait_for_load_state()
            page.click("a.range[href$='range=30d']")
            page.wait_for_load_state()
            page.screenshot(path=str(folder / f"site-{width}.png"), full_page=True)
            cod = page.locator("figure[data-metric=cod]")
            chart = cod.locator("svg").bounding_box()
            limit = cod.locator("polyline.limit").bounding_box()
            label = cod.locator("text.limit-label").text_content()
            day_over = cod.locator("polyline.mean.over").bounding_box()
            return {
                "overflow": page.evaluate(OVERFLOW),
                "wrapped": page.evaluate(WRAPPED, "th, .range, .card .l, header a"),
                "chart": chart,
                "limit": limit,
                "label": label,
                "day_over": day_over,
                "url": page.url.removeprefix(base),
            }

    return work


def inside(inner: dict, outer: dict) -> bool:
    return (
        outer["x"] <= inner["x"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and outer["y"] <= inner["y"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def test_the_board_filters_by_town_and_state_in_the_browser(make_desk, tmp_path, browser):  # noqa: F811
    desk = seeded(make_desk, tmp_path)
    folder = artefacts("console")
    for width in (DESKTOP, PHONE):
        whole, by_town, by_state = browser.run(filter_board(desk.config.web.url, width, folder))
        assert whole == (0, []) or (whole[0] <= 0 and whole[1] == []), (width, whole)
        assert by_town == ("/?town=%E5%A7%8B%E9%98%B3%E9%95%87&contractor=&state=", ["始阳镇新村污水处理站"])
        assert by_state == ["小河镇大坪村污水处理站"]


def test_a_sites_chart_is_drawn_with_its_limit_line_in_the_browser(make_desk, tmp_path, browser):  # noqa: F811
    desk = seeded(make_desk, tmp_path)
    folder = artefacts("console")
    for width in (DESKTOP, PHONE):
        seen = browser.run(open_site(desk.config.web.url, width, folder))
        assert seen["url"] == "/sites/helin?range=30d"
        assert seen["overflow"] <= 0 and seen["wrapped"] == [], (width, seen)
        # The dashed limit runs across the plot, inside the chart, labelled with its value.
        assert (
            inside(seen["limit"], seen["chart"])
            and seen["limit"]["width"] > 0.8 * seen["chart"]["width"] - 120
        )
        assert seen["label"].startswith("限值 ")
        # The day whose mean broke the (daily-mean) limit is drawn red, inside the chart.
        assert seen["day_over"] is not None and inside(seen["day_over"], seen["chart"])


def look_in_english(base: str, width: int, folder):
    def work(chromium):
        seen = {}
        with window(chromium, width) as page:
            sign_in(page, base, "regulator")
            for path, name in (
                ("/", "board"),
                ("/sites/helin?range=7d", "site"),
                ("/alerts", "alerts"),
                ("/orders", "orders"),
                ("/bulletin", "bulletin"),
                ("/account", "account"),
            ):
                page.goto(base + path)
                page.screenshot(path=str(folder / f"en-{name}-{width}.png"), full_page=True)
                # English labels may take two lines in a card; none may run out of it.
                seen[name] = (
                    page.evaluate(OVERFLOW),
                    page.evaluate(WRAPPED, "th, header a, .st, .range")
                    + page.evaluate(CLIPPED, ".card, .card *"),
                    page.locator("h1").inner_text(),
                )
        return seen

    return work


def test_the_console_reads_whole_in_english_too(make_desk, tmp_path, browser):  # noqa: F811
    from wastewatch.access import accounts
    from wastewatch.maintenance.reaction import changing

    desk = seeded(make_desk, tmp_path)
    with changing(desk.ctx):
        accounts.set_locale(desk.ctx.db, "regulator", "en")
    for width in (DESKTOP, PHONE):
        seen = browser.run(look_in_english(desk.config.web.url, width, artefacts("console")))
        assert [h1 for _, _, h1 in seen.values()] == [
            "Overview",
            "城厢镇禾林村污水处理站",
            "Alerts",
            "Work orders",
            "天全县生态环境局 Problem list",
            "Your account",
        ]
        for name, (overflow, wrapped, _) in seen.items():
            assert overflow <= 0 and wrapped == [], (name, width, overflow, wrapped)
