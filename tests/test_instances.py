"""Three service instances on one PostgreSQL database and one broker: the stream shared among
them, the scheduled jobs on one leader. The leader and another instance are killed -9 in the
middle of a stream and started again: every reading stored once, every alert opened once,
every email sent (twice only across a kill), and the leadership moved within its bound."""

import email
import email.policy
import time
from pathlib import Path

import psycopg
import pytest

from tests.support import MailServer, Publisher, Service, postgres_database, wait_until
from wastewatch.ingest.broker import PrivateBroker, free_port
from wastewatch.store.leader import LEADER_LOCK

SITES = ["s0", "s1", "s2", "s3"]
EXCEEDING = {"s0", "s1"}  # COD over its limit from the 10th reading on
MESSAGES = 60  # per site, a minute apart, in the hour before now
TAKEOVER_S = 5.0  # the leadership's bound: a check per evaluation (1 s), and the lock freed at once


@pytest.fixture
def cluster(tmp_path):
    with PrivateBroker(tmp_path / "broker") as broker, postgres_database() as url:
        mail = MailServer().start()
        try:
            yield broker, url, mail
        finally:
            mail.stop()


def config(tmp_path: Path, name: str, broker, url: str, mail, mqtt: str = "") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    sites = "".join(
        f'[[sites]]\nid = "{s}"\nname = "{s}"\ntown = "t"\ncapacity_m3d = 50.0\nreceiving_water = "III"\n'
        f'contractor = "c"\noperators = ["{s}@tqhb.example.cn"]\nmetrics = {{ flow = 60, cod = 60 }}\n\n'
        for s in SITES
    )
    path = folder / "wastewatch.toml"
    path.write_text(
        f'[service]\ndata_dir = "data"\n\n[mqtt]\nport = {broker.port}\nclient_id = "ww-{name}"\n'
        f'share_group = "ww"\nreconnect_max_s = 2\n{mqtt}\n[database]\nurl = "{url}"\n\n'
        '[store]\nbackend = "postgresql"\n\n'
        "[alerts]\ncheck_interval_s = 1\noutbox_interval_s = 1\nday_close_interval_s = 5\n"
        "sla_interval_s = 5\n\n"
        f'[smtp]\nport = {mail.port}\nsender = "ww@tqhb.example.cn"\nretry_min_s = 1\nretry_max_s = 2\n'
        # A short SMTP timeout: an instance killed between the mail server's answer and the
        # outbox record leaves its claim for 3 × timeout_s + 30 s, inside the waits below.
        "timeout_s = 2\n\n"
        f"[web]\nport = {free_port()}\n\n"
        '[[contractors]]\nid = "c"\nname = "c"\nemail = "c@tqhb.example.cn"\n\n' + sites,
        encoding="utf-8",
    )
    return path


def leader(url: str) -> str | None:
    """The instance holding the leader's lock, as the database sees it."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as db:
        row = db.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = %s AND l.granted",
            (LEADER_LOCK,),
        ).fetchone()
    return None if row is None else row[0].removeprefix("wastewatch ww-")


def test_three_instances_share_the_stream_and_survive_losing_the_leader(cluster, tmp_path):
    broker, url, mail = cluster
    services = {
        name: Service(config(tmp_path, name, broker, url, mail), tmp_path / f"{name}.log") for name in "abc"
    }
    for service in services.values():
        service.start()
    first = wait_until(lambda: leader(url), timeout=20, what="a leader")
    publisher = Publisher(broker)
    start = int(time.time()) // 60 * 60 - 3600
    killed, took_over, new_leader = [], None, None
    for i in range(MESSAGES):
        for site in SITES:
            cod = 95.0 if site in EXCEEDING and i >= 10 else 30.0 + i % 5
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + i * 60))
            publisher.send(site, {"ts": stamp, "values": {"cod": cod, "flow": 2.0 + i % 3 / 10}})
        time.sleep(0.1)
        if i == 20:  # mid-stream: the leader and one other, kill -9
            other = next(n for n in "abc" if n != first)
            killed = [first, other]
            for name in killed:
                services[name].kill()
            gone = time.monotonic()
            survivor = next(n for n in "abc" if n not in killed)
            wait_until(
                lambda s=survivor: leader(url) == s, timeout=30, interval=0.1, what="the survivor to lead"
            )
            took_over = time.monotonic() - gone
            new_leader = survivor
        if i == 35:
            for name in killed:
                services[name].start()
    publisher.close()

    with psycopg.connect(url.replace("+psycopg", "")) as db:

        def stored() -> int:
            return db.execute("SELECT COUNT(*) FROM store.readings").fetchone()[0]

        wait_until(
            lambda: stored() == MESSAGES * len(SITES) * 2, timeout=60, what=lambda: f"{stored()} stored"
        )
        wait_until(
            lambda: (
                db.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").fetchone()[0] == 0
                and db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] >= len(EXCEEDING)
            ),
            timeout=60,
            what="the alerts and their emails",
        )
        time.sleep(3)  # a few more cycles: nothing more may open
        alerts = db.execute("SELECT site_id, rule, metric FROM alerts ORDER BY site_id").fetchall()
        outbox = db.execute("SELECT message FROM outbox").fetchall()
        holder = leader(url)
    for service in services.values():
        service.stop()

    assert sorted(alerts) == [(s, "sample_exceedance", "cod") for s in sorted(EXCEEDING)]
    assert took_over is not None and took_over < TAKEOVER_S, took_over
    print(f"leadership moved in {took_over:.2f} s")
    assert holder == new_leader  # the restarted instances did not take it back
    ids = [str(email.message_from_bytes(m[0], policy=email.policy.default)["Message-ID"]) for m in outbox]
    received = [str(message["Message-ID"]) for _, message in mail.messages]
    assert len(ids) >= len(EXCEEDING) and all(i in received for i in ids)
    duplicates = len(received) - len(set(received))
    assert set(received) == set(ids) and duplicates <= len(killed)  # the stated at-least-once bound
    assert all("subscribed to $share/ww/" in s.output() for s in services.values())


RESCUE_S = 2  # [mqtt] rescue_after_s in the test below
RESCUE_BOUND_S = 3 * RESCUE_S + 10  # two checks in a row, the session emptied, with room to spare


def test_an_instance_that_stays_down_has_its_share_stored_by_another(cluster, tmp_path):
    """b is killed and stays down: the broker queues b's share in b's session, a finds b down
    at two checks in a row, empties that session and ends it, and the whole stream then goes
    to a. When b comes back it starts a new session and shares the stream again."""
    broker, url, mail = cluster
    services = {
        name: Service(
            config(tmp_path, name, broker, url, mail, f"rescue_after_s = {RESCUE_S}\n"),
            tmp_path / f"{name}.log",
        )
        for name in "ab"
    }
    for service in services.values():
        service.start()
    publisher = Publisher(broker)
    start = int(time.time()) // 60 * 60 - 3600
    sent = 0

    def publish(count: int) -> None:
        nonlocal sent
        for i in range(sent, sent + count):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + i * 60))
            publisher.send(SITES[i % len(SITES)], {"ts": stamp, "values": {"cod": 30.0, "flow": 2.0}})
        sent += count

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as db:

        def stored() -> int:
            return db.execute("SELECT COUNT(*) FROM store.readings").fetchone()[0]

        publish(20)
        wait_until(lambda: stored() == 2 * sent, timeout=30, what=lambda: f"{stored()} stored")
        services["b"].kill()
        gone = time.monotonic()
        publish(40)  # about half of it routed to b's session, where it waits
        wait_until(lambda: stored() == 2 * sent, timeout=60, interval=0.1, what=lambda: f"{stored()} stored")
        emptied = time.monotonic() - gone
        wait_until(
            lambda: "and ended the session" in services["a"].output(), timeout=20, what="the session ended"
        )
        log = services["a"].output()
        assert "instance ww-b is down: taking over its MQTT session" in log
        # b's share really was held back until then: a stored some of the 40 only by the rescue.
        rescued = int(log.split("instance ww-b: stored ")[1].split(" messages")[0])
        assert 5 <= rescued <= 35, rescued
        wait_until(
            lambda: db.execute("SELECT client_id FROM store.members ORDER BY 1").fetchall() == [("ww-a",)],
            timeout=10,
            what="b forgotten as a member",
        )

        publish(20)  # b's session is gone: all of it goes to a, at once
        wait_until(lambda: stored() == 2 * sent, timeout=10, what=lambda: f"{stored()} stored")

        services["b"].start()  # back: a new session, registered again
        assert "(session present: False)" in services["b"].output().rsplit("connected to", 1)[1]
        publish(40)
        wait_until(lambda: stored() == 2 * sent, timeout=30, what=lambda: f"{stored()} stored")
        members = db.execute("SELECT client_id FROM store.members ORDER BY 1").fetchall()
    publisher.close()
    for service in services.values():
        service.stop()
    assert members == [("ww-a",), ("ww-b",)]
    assert emptied < RESCUE_BOUND_S, emptied
    print(f"b's share stored {emptied:.1f} s after b was killed")
