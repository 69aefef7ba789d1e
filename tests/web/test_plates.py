"""A site's plate in the console and on its own page: issued, printed and reissued from the
site's page by an operator (audited), and the address in its QR code telling whoever scans it
whose plate it is and whether it still counts."""

import io

import pypdfium2
import zxingcpp

from tests.web.test_console import csrf, login
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.visits import plates


def test_an_operator_issues_prints_and_reissues_a_sites_plate_from_its_page(desk):
    operator, _ = login(desk, "operator")
    page = operator.get("/sites/helin").text
    assert "尚未制作铭牌" in page and "制作并打印铭牌" in page
    issued = operator.post("/sites/helin/plate", data={"csrf": csrf(page)}, follow_redirects=True)
    assert issued.status_code == 200 and issued.headers["content-type"] == "application/pdf"
    [first] = plates.history(desk.ctx.db, "helin")
    image = pypdfium2.PdfDocument(io.BytesIO(issued.content))[0].render(scale=200 / 72).to_pil()
    [code] = zxingcpp.read_barcodes(image)
    assert plates.code_in(code.text) == first.code
    page = operator.get("/sites/helin").text
    assert "在用第 1 版" in page and "重新制作铭牌" in page
    operator.post("/sites/helin/plate", data={"csrf": csrf(page), "reissue": "1"})
    second, old = plates.history(desk.ctx.db, "helin")
    assert (second.serial, old.serial) == (2, 1) and old.retired_by == "operator"
    issues = desk.ctx.db.execute(
        "SELECT actor, target FROM audit WHERE action = 'plate.issue' ORDER BY id"
    ).fetchall()
    assert [(r["actor"], r["target"]) for r in issues] == [("operator", "helin #1"), ("operator", "helin #2")]
    # Who may not: a regulator sees the plate's state but no button, and is refused the route.
    regulator, _ = login(desk, "regulator")
    page = regulator.get("/sites/helin").text
    assert "在用第 2 版" in page and "重新制作铭牌" not in page
    assert regulator.post("/sites/helin/plate", data={"csrf": csrf(page)}).status_code == 403


def test_a_plates_own_page_says_whose_it_is_and_whether_it_counts(desk):
    with changing(desk.ctx):
        [old] = plates.issue(desk.ctx.db, ["helin"], "admin", desk.clock.now)
        [new] = plates.issue(desk.ctx.db, ["helin"], "admin", desk.clock.now, reissue=True)
    current = desk.http.get(f"{desk.config.web.url}/p/{new.code}")
    assert (
        current.status_code == 200
        and "城厢镇禾林村污水处理站" in current.text
        and "在用（第 2 版）" in current.text
    )
    retired = desk.http.get(f"{desk.config.web.url}/p/{old.code}")
    assert "停用（第 1 版）：扫此码签到无效" in retired.text
    unknown = desk.http.get(f"{desk.config.web.url}/p/AAAAAAAAAAAAAAAA")
    assert unknown.status_code == 404 and "不是本平台的站点铭牌" in unknown.text
