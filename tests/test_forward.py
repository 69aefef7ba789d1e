"""Forwarding to an upper platform (jobs/forwarder.py) against a real counterpart: a second
Wastewatch's own HJ 212 listener, which checks each frame's length, CRC, MN and PW and replies
CN 9014 only after its commit."""

import sqlite3
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import VILLAGE_SITE
from tests.hj212 import hj212_section
from tests.support import wait_until
from wastewatch.config import load_config
from wastewatch.ingest.broker import free_port
from wastewatch.ingest.listener import Listener
from wastewatch.jobs import forward_frames
from wastewatch.jobs.forwarder import Forwarder
from wastewatch.notify import forward_progress
from wastewatch.store import Reading, SQLiteStore, open_store
from wastewatch.store.state import connect

TZ = ZoneInfo("Asia/Shanghai")
UPPER_MN, UPPER_PW = "511825000000000000HELIN1", "654321"


def upper_platform(tmp_path, write_config, port: int):
    """The city's platform: the village site registered with the MN and PW it has there."""
    (tmp_path / "upper").mkdir()
    site = VILLAGE_SITE + f'hj212_mn = "{UPPER_MN}"\nhj212_pw = "{UPPER_PW}"\n'
    return load_config(write_config(name="upper/wastewatch.toml", site=site, extra=hj212_section(port)))


def county(write_config, port: int, day: str, pw: str = UPPER_PW, target: str = "city"):
    forward = f'forward = {{ {target} = {{ mn = "{UPPER_MN}", pw = "{pw}" }} }}\n'
    section = (
        f'\n[[forward]]\nid = "{target}"\nhost = "127.0.0.1"\nport = {port}\n'
        f'kinds = ["realtime", "hourly"]\nreply_timeout_s = 1\nrate_per_s = 500\nsince = "{day}"\n'
    )
    return load_config(write_config(name=f"{target}.toml", site=VILLAGE_SITE + forward, extra=section))


def upstream(config, metric: str = "flow") -> list[tuple[int, float, str, int]]:
    """(ts, value, flag, received_at) of what the upper platform stored, by ts."""
    if not config.database_path.exists():
        return []
    with sqlite3.connect(config.database_path) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'readings'").fetchone():
            return []  # the platform's writer is making the file
        return db.execute(
            "SELECT r.ts, r.value, r.flag, r.received_at FROM readings r JOIN series s ON s.id = r.series "
            "WHERE s.site_id = 'helin' AND s.metric = ? ORDER BY r.ts",
            (metric,),
        ).fetchall()


def hourly_upstream(config, kind: str = "hourly", metrics: tuple[str, ...] = ("cod",)) -> list[tuple]:
    """(ts, stat, value) of the periods the upper platform stored, by ts and stat."""
    if not config.database_path.exists():
        return []
    with sqlite3.connect(config.database_path) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'logger_values'").fetchone():
            return []
        marks = ", ".join("?" * len(metrics))
        return db.execute(
            "SELECT ts, stat, value FROM logger_values WHERE site_id = 'helin' AND kind = ? "
            f"AND metric IN ({marks}) ORDER BY ts, stat",
            (kind, *metrics),
        ).fetchall()


def test_every_reading_arrives_once_in_order_with_its_units_and_flags_through_a_restart(
    tmp_path, write_config
):
    port = free_port()
    upper = upper_platform(tmp_path, write_config, port)
    start = datetime.now(TZ).replace(minute=0, second=0, microsecond=0) - timedelta(hours=4)
    local = county(write_config, port, f"{start:%Y-%m-%d}")
    stamps = [int((start + timedelta(minutes=5 * n)).timestamp()) for n in range(36)]
    # 3.6 m³/h is 1 L/s on the wire; every tenth reading flagged as the logger flagged it.
    flows = [
        Reading("helin", "flow", ts, 3.6 * (n % 7 + 1), "M" if n % 10 == 3 else "N")
        for n, ts in enumerate(stamps)
    ]
    cods = [
        Reading("helin", "cod", int((start + timedelta(hours=h, minutes=30)).timestamp()), 30.0 + h)
        for h in range(3)
    ]
    store = open_store(local)
    store.write(flows + cods)
    store.close()

    listener = Listener(upper).start()
    forwarder = Forwarder(local, local.file.forward[0]).start()
    try:
        wait_until(lambda: len(upstream(upper)) >= 10, timeout=30, what="the first readings upstream")
        listener.stop()  # the city's platform goes down mid-stream
        time.sleep(2.5)
        listener = Listener(upper).start()
        wait_until(lambda: len(upstream(upper)) == 36, timeout=60, what="every reading upstream")
        wait_until(lambda: len(hourly_upstream(upper)) == 9, timeout=30, what="three hours' COD upstream")
        # Stored there, then answered, then recorded here: the record is the last to come.
        wait_until(lambda: forwarder.answered == 36 + 3, timeout=30, what="every reply recorded")
    finally:
        forwarder.stop()
        listener.stop()
    arrived = upstream(upper)
    assert [ts for ts, *_ in arrived] == stamps, "each reading once"
    assert all(abs(value - r.value) < 1e-4 for (_, value, _, _), r in zip(arrived, flows))
    assert [flag for _, _, flag, _ in arrived] == [r.flag for r in flows]
    received = [at for *_, at in arrived]
    assert received == sorted(received), "in time order, the backlog too"
    means = [value for _, stat, value in hourly_upstream(upper) if stat == "Avg"]
    assert means == [30.0, 31.0, 32.0]
    db = connect(local.state_url)
    rows = {(r["kind"]): r for r in forward_progress.status(db)}
    db.close()
    assert rows["realtime"]["through"] >= stamps[-1] and rows["realtime"]["last_error"] is None
    assert forwarder.answered == 36 + 3 and forwarder.sent >= forwarder.answered


def test_minute_spans_go_with_the_flows_volume_in_the_2005_protocol(tmp_path, write_config):
    """A platform that still speaks HJ/T 212-2005 takes ten-minute spans (CN 2051): the valid
    readings' mean, minimum and maximum in L/s, and the volume they stand for in m³."""
    port = free_port()
    upper = upper_platform(tmp_path, write_config, port)
    start = datetime.now(TZ).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    forward = f'forward = {{ city = {{ mn = "{UPPER_MN}", pw = "{UPPER_PW}" }} }}\n'
    section = (
        f'\n[[forward]]\nid = "city"\nhost = "127.0.0.1"\nport = {port}\nkinds = ["minute"]\n'
        f'version = "2005"\nminute_s = 600\nreply_timeout_s = 1\nrate_per_s = 500\n'
        f'since = "{start:%Y-%m-%d}"\n'
    )
    local = load_config(write_config(name="county.toml", site=VILLAGE_SITE + forward, extra=section))
    # An hour of flow every 5 minutes (the series' interval): two readings a span, the sixth
    # flagged M by its logger (not valid: left out of its span's figures).
    flows = [
        Reading(
            "helin",
            "flow",
            int((start + timedelta(minutes=5 * n)).timestamp()),
            3.6 * (n + 1),
            "M" if n == 5 else "N",
        )
        for n in range(12)
    ]
    store = open_store(local)
    store.write(flows)
    store.close()
    listener = Listener(upper).start()
    forwarder = Forwarder(local, local.file.forward[0]).start()
    try:
        wait_until(lambda: forwarder.answered == 6, timeout=30, what="six spans answered")
    finally:
        forwarder.stop()
        listener.stop()
    got: dict[tuple[int, str], float] = {
        (ts, stat): value for ts, stat, value in hourly_upstream(upper, "minute", ("flow", "flow_total"))
    }
    for span in range(6):
        valid = [r.value for r in flows[2 * span : 2 * span + 2] if r.flag == "N"]
        at = flows[2 * span].ts
        # Stored there in m³/h again: sent as L/s, read back through the same code table.
        assert abs(got[(at, "Avg")] - sum(valid) / len(valid)) < 1e-4
        assert abs(got[(at, "Min")] - min(valid)) < 1e-4 and abs(got[(at, "Max")] - max(valid)) < 1e-4
        assert abs(got[(at, "Cou")] - sum(valid) * 300 / 3600) < 1e-4, "each reading stands for 5 minutes"
    assert len({ts for ts, _ in got}) == 6


def test_a_2005_frame_has_no_version_bits_and_a_2017_frame_has_them():
    from wastewatch.ingest.hj212 import parse

    when = datetime(2026, 12, 6, 8, tzinfo=TZ)
    for version, flag in (("2005", "1"), ("2017", "5")):
        built = forward_frames.segment(
            "helin", "minute", when, ["w00000-Avg=1"], (UPPER_MN, UPPER_PW), version, True, "32", when
        )
        packet = parse(forward_frames.frame_bytes(built).decode()[6:-6])
        assert packet.fields["Flag"] == flag and packet.fields["CN"] == "2051"


def test_a_wrong_pw_is_refused_upstream_and_shown_while_another_platform_goes_on(tmp_path, write_config):
    port = free_port()
    upper = upper_platform(tmp_path, write_config, port)
    start = datetime.now(TZ).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    # Two platforms on the one listener: the city with the right PW, the province with a wrong one.
    logins = (
        f'forward = {{ city = {{ mn = "{UPPER_MN}", pw = "{UPPER_PW}" }}, '
        f'province = {{ mn = "{UPPER_MN}", pw = "000000" }} }}\n'
    )
    # The province's refusal shows after a second without an answer; the city's answers come
    # after the platform's commit, which on a loaded machine has taken over a second (a frame
    # sent again, "重发 1"), so the city waits longer.
    targets = "".join(
        f'\n[[forward]]\nid = "{name}"\nhost = "127.0.0.1"\nport = {port}\nkinds = ["realtime"]\n'
        f'reply_timeout_s = {timeout}\nrate_per_s = 500\nsince = "{start:%Y-%m-%d}"\n'
        for name, timeout in (("city", 10), ("province", 1))
    )
    local = load_config(write_config(name="county.toml", site=VILLAGE_SITE + logins, extra=targets))
    stamps = [int((start + timedelta(minutes=5 * n)).timestamp()) for n in range(6)]
    store = open_store(local)
    store.write([Reading("helin", "flow", ts, 7.2) for ts in stamps])
    store.close()
    listener = Listener(upper).start()
    city, province = (Forwarder(local, target).start() for target in local.file.forward)
    try:

        def rows():
            db = connect(local.state_url)
            try:
                return {r["target"]: r for r in forward_progress.status(db)}
            finally:
                db.close()

        wait_until(
            lambda: (rows().get("province") or {}).get("last_error"), timeout=30, what="the refusal shown"
        )
        wait_until(lambda: len(upstream(upper)) == 6, timeout=30, what="the city's readings")
        # Stored there, then answered, then recorded here: the record is the last to come.
        wait_until(lambda: city.answered == 6, timeout=30, what="the city's replies recorded")
        page = platforms_page(local, [city, province])
    finally:
        city.stop()
        province.stop()
        listener.stop()
    # The console of the instance that forwards: the city connected, the province's refusal in words.
    city_part, province_part = page.split("<h2>city", 1)[1].split("<h2>province", 1)
    assert "已连接" in city_part and "已应答 6，重发 0" in city_part
    assert "上级平台" in province_part and (
        "秒内未获应答" in province_part or "未应答即断开" in province_part
    )
    # The city's may have waited for the platform's first commit once; it ends answered.
    assert rows()["city"]["last_error"] is None and rows()["city"]["through"] >= stamps[-1]
    refused = rows()["province"]
    # Unanswered: the reply's wait ran out (or, under load, the platform closed first).
    assert refused["last_error"] in (
        "no reply within 1 s (a wrong MN or PW is not answered)",
        "the platform closed the connection before replying",
    )
    assert refused["resting_until"]
    assert province.answered == 0 and city.answered == 6
    rejected = SQLiteStore(upper.database_path)
    try:
        assert any("PW does not match" in r.reason for r in rejected.rejections(limit=10))
    finally:
        rejected.close()


def platforms_page(config, forwarders) -> str:
    """The console's /forward page as an administrator of the instance running `forwarders`."""
    import httpx

    from wastewatch.access import accounts
    from wastewatch.store.state import transaction
    from wastewatch.web.metrics import Probes
    from wastewatch.web.server import WebServer

    web = WebServer(config, probes=Probes(forwarders=forwarders))
    web.start()
    try:
        with transaction(web.ctx.db):
            accounts.add(web.ctx.db, config, "admin", "管理员", "admin", "correct horse battery", time.time())
        with httpx.Client(base_url=config.web.url, timeout=10) as client:
            form = client.get("/login").text
            token = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            client.post(
                "/login", data={"csrf": token, "username": "admin", "password": "correct horse battery"}
            )
            return client.get("/forward").text
    finally:
        web.stop()


def test_a_site_forwarding_to_an_unknown_platform_or_sharing_an_mn_there_is_refused(write_config):
    import pytest

    from wastewatch.config import ConfigError

    login = f'forward = {{ city = {{ mn = "{UPPER_MN}", pw = "{UPPER_PW}" }} }}\n'
    with pytest.raises(ConfigError) as unknown:
        load_config(write_config(site=VILLAGE_SITE + login))
    assert "sites[0].forward: unknown upper platform 'city'; [[forward]] ids: none are defined" in str(
        unknown.value
    )
    target = '\n[[forward]]\nid = "city"\nhost = "10.0.0.1"\nport = 9212\n'
    twin = VILLAGE_SITE.replace('id = "helin"', 'id = "helin2"') + login
    with pytest.raises(ConfigError) as shared:
        load_config(write_config(site=VILLAGE_SITE + login + twin, extra=target))
    assert f"sites[1].forward.city.mn: MN '{UPPER_MN}' on 'city' is already site 'helin''s" in str(
        shared.value
    )
