"""`wastewatch init`: an installation from the county's own sheets, shown before it is made,
made on --apply, and made again after the sheets change without touching a secret."""

import csv
import io
import stat

from openpyxl import Workbook

from tests.support import wastewatch
from wastewatch.config import load_config

SITES_HEADER = ["站点编号", "站点名称", "乡镇", "行政村", "设计规模（m³/d）", "受纳水体类别", "重点控制区",
                "餐饮废水", "运维单位", "经纬度", "数采仪MN", "监测指标"]  # fmt: skip
QY = "天全县清源环保运维有限公司"
SITES = [
    ["cx-01", "城厢镇禾林村污水处理站", "城厢镇", "禾林村", 60, "Ⅲ类", "是", "否", QY,
     "102.7581,30.0632", None, "流量、COD、氨氮、pH"],
    ["sy-01", "始阳镇新村污水处理站", "始阳镇", "新村", "30 m³/d", "IV", "是", "否", QY,
     "30.0861 102.829", "010000A8900016F000169DC0", "流量;COD"],
]  # fmt: skip
CONTRACTORS = [["运维单位", "派单邮箱"], ["天全县清源环保运维有限公司", "dispatch@qingyuan.example.cn"]]


def workbook(path, sites=SITES, contractors=CONTRACTORS):
    """The county's workbook as a bureau keeps it: a title row above a header whose 设计规模 is
    merged across two rows, and the contractors on a sheet of their own."""
    book = Workbook()
    sheet = book.active
    sheet.title = "设施台账"
    sheet.append(["天全县农村生活污水处理设施台账"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(SITES_HEADER))
    sheet.append(SITES_HEADER)
    sheet.append([None] * len(SITES_HEADER))
    for column in range(1, len(SITES_HEADER) + 1):
        sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    for row in sites:
        sheet.append(row)
    companies = book.create_sheet("运维单位")
    for row in contractors:
        companies.append(row)
    book.save(path)
    return path


def init(tmp_path, sheet, *more):
    return wastewatch(
        "init", "--inventory", sheet, "--bureau", "天全县生态环境局", "--bureau-email",
        "jianguan@tqhb.example.cn", "--folder", tmp_path / "etc", "--data", tmp_path / "data",
        "--backups", tmp_path / "backups", *more,
    )  # fmt: skip


def test_init_shows_then_writes_a_working_installation_with_private_secrets(tmp_path):
    sheet = workbook(tmp_path / "台账.xlsx")
    shown = init(tmp_path, sheet)
    assert shown.returncode == 0, shown.stderr
    assert "sites.csv: new, 2 sites" in shown.stdout and "--apply" in shown.stdout
    assert not (tmp_path / "etc").exists(), "a run without --apply writes nothing"

    made = init(tmp_path, sheet, "--apply")
    assert made.returncode == 0, made.stderr
    etc = tmp_path / "etc"
    config = load_config(etc / "wastewatch.toml")
    sites = config.site_by_id
    assert set(sites) == {"cx-01", "sy-01"}
    assert sites["cx-01"].receiving_water == "III" and sites["cx-01"].capacity_m3d == 60.0
    assert sites["cx-01"].key_control_area and not sites["cx-01"].catering
    assert sites["cx-01"].location == [102.7581, 30.0632]
    assert sites["sy-01"].location == [102.829, 30.0861], "latitude first is understood"
    assert sites["sy-01"].capacity_m3d == 30.0 and set(sites["sy-01"].metrics) == {"flow", "cod"}
    assert sites["sy-01"].hj212_mn == "010000A8900016F000169DC0" and sites["sy-01"].hj212_pw
    assert config.file.hj212.enabled, "a site with an MN turns the HJ 212 listener on"
    assert [c.name for c in config.contractors] == ["天全县清源环保运维有限公司"]
    assert sites["cx-01"].contractor == config.contractors[0].id
    assert config.file.mqtt.username == "wastewatch" and config.file.mqtt.password

    for secret in ("secrets/mqtt-password", "secrets/site-logins.csv", "sites.csv"):
        assert stat.S_IMODE((etc / secret).stat().st_mode) == 0o600, secret
    logins = {
        row["site"]: row for row in csv.DictReader(io.StringIO((etc / "secrets/site-logins.csv").read_text()))
    }
    assert logins["sy-01"]["hj212_pw"] == sites["sy-01"].hj212_pw
    passwd = (etc / "mosquitto/passwd").read_text()
    assert {line.split(":")[0] for line in passwd.splitlines()} == {"wastewatch", "cx-01", "sy-01"}
    assert logins["cx-01"]["mqtt_password"] not in passwd, "the broker keeps hashes only"
    acl = (etc / "mosquitto/acl").read_text()
    assert "user cx-01\ntopic write wastewatch/sites/cx-01/readings" in acl
    assert "user wastewatch\ntopic read wastewatch/sites/+/readings" in acl
    assert "password " in made.stdout and "admin" in made.stdout

    again = init(tmp_path, sheet)
    assert again.returncode == 0 and "nothing to change" in again.stdout, again.stdout
    users = wastewatch("users", "list", "--config", etc / "wastewatch.toml")
    assert "admin" in users.stdout


def test_a_changed_sheet_is_shown_then_applied_and_no_secret_is_written_again(tmp_path):
    sheet = workbook(tmp_path / "台账.xlsx")
    assert init(tmp_path, sheet, "--apply").returncode == 0
    etc = tmp_path / "etc"
    before = {name: (etc / name).read_text() for name in ("secrets/mqtt-password", "secrets/site-logins.csv")}
    toml = (etc / "wastewatch.toml").read_text() + "\n# the administrator's own note\n"
    (etc / "wastewatch.toml").write_text(toml)
    grown = [[*SITES[0][:4], 80, *SITES[0][5:]], SITES[1],
             ["xh-01", "小河镇小河村污水处理站", "小河镇", "小河村", 15, "无", "否", "是",
              "天全县清源环保运维有限公司", None, None, None]]  # fmt: skip
    workbook(sheet, sites=grown)

    shown = init(tmp_path, sheet)
    assert "1 site(s) added (xh-01)" in shown.stdout and "capacity_m3d '60' → '80'" in shown.stdout
    assert "1 login(s) added (xh-01)" in shown.stdout
    assert "wastewatch.toml" not in shown.stdout, "the config is the administrator's after the first write"
    assert load_config(etc / "wastewatch.toml").site_by_id["cx-01"].capacity_m3d == 60.0

    assert init(tmp_path, sheet, "--apply").returncode == 0
    config = load_config(etc / "wastewatch.toml")
    assert config.site_by_id["cx-01"].capacity_m3d == 80.0 and "xh-01" in config.site_by_id
    assert config.site_by_id["xh-01"].metrics == {"flow": 300}, "a site naming no metric has its flow meter"
    assert (etc / "wastewatch.toml").read_text() == toml
    assert (etc / "secrets/mqtt-password").read_text() == before["secrets/mqtt-password"]
    old = {r["site"]: r for r in csv.DictReader(io.StringIO(before["secrets/site-logins.csv"]))}
    new = {r["site"]: r for r in csv.DictReader(io.StringIO((etc / "secrets/site-logins.csv").read_text()))}
    assert {k: new[k] for k in old} == old and "xh-01" in new

    workbook(sheet, sites=grown[1:])
    shown = init(tmp_path, sheet)
    assert "1 site(s) removed (cx-01)" in shown.stdout and "1 login(s) removed (cx-01)" in shown.stdout


def test_every_bad_cell_of_a_gbk_csv_is_named_by_row_and_column_and_nothing_is_written(tmp_path):
    rows = [
        ",".join(SITES_HEADER).replace("（m³/d）", "(m3/d)"),  # GBK has no ³
        "cx-01,禾林村站,城厢镇,禾林村,六十,Ⅲ类,是,否,天全县清源环保运维有限公司,,,流量",
        'sy-01,新村站,始阳镇,新村,30,Ⅵ类,也许,否,别的公司,"200,95",,流量;浊度',
        "cx-01,重复站,城厢镇,禾林村,20,III,否,否,天全县清源环保运维有限公司,,,",
    ]
    sheet = tmp_path / "台账.csv"
    sheet.write_bytes("\r\n".join(rows).encode("gbk"))
    companies = tmp_path / "运维单位.csv"
    companies.write_bytes(
        "运维单位,派单邮箱\r\n天全县清源环保运维有限公司,dispatch@qingyuan.example.cn\r\n".encode("gbk")
    )
    done = init(tmp_path, sheet, "--contractors", companies, "--apply")
    assert done.returncode == 1
    problems = done.stderr
    for said in (
        "台账.csv row 2, column E 设计规模(m3/d): '六十' is not a capacity",
        "台账.csv row 3, column F 受纳水体类别: 'Ⅵ类' is not a GB 3838 class",
        "台账.csv row 3, column G 重点控制区: '也许' is neither 是 (yes) nor 否 (no)",
        "台账.csv row 3, column I 运维单位: 别的公司 is not in the contractors' sheet",
        "台账.csv row 3, column J 经纬度: '200,95' is not a longitude and latitude",
        "台账.csv row 3, column L 监测指标: '浊度' is not a metric",
        "台账.csv row 4, column A 站点编号: cx-01 is listed twice (row 2 too)",
        "the sheets have 7 problem(s)",
    ):
        assert said in problems, (said, problems)
    assert "Traceback" not in problems
    assert not (tmp_path / "etc").exists()
