"""Backups taken while the service runs (store/backup.py), restored into an empty data folder
on both engines: every reading stored before the backup began, every alert, order,
transition, photo and report version is there and the service starts on it; a damaged backup
and a folder that is not empty are refused, naming the file or the folder."""

import hashlib
import io
import threading
import time
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from PIL import Image

from tests.alerts.harness import Harness
from tests.maintenance.test_reports import HOURLY_SITE, at, hours, write
from tests.support import Publisher, postgres_database, wait_until, wastewatch
from wastewatch.config import load_config
from wastewatch.maintenance import work_orders
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.report.monthly import MonthlyReports
from wastewatch.store import open_store
from wastewatch.store.backup import BackupError, backup, backups, verify
from wastewatch.store.state import connect, transaction
from wastewatch.web.uploads import Photo
from wastewatch.web.uploads import store as store_photo

# The records a county cannot lose; compared row for row after the restore.
RECORDS = (
    "alerts",
    "alert_transitions",
    "work_orders",
    "work_order_transitions",
    "work_order_attachments",
    "reports",
    "outbox",
)
START = int(time.time()) // 3600 * 3600 - 2 * 86400  # recent: MQTT takes no older backlog than a year


def photo() -> Photo:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 60)).save(out, "JPEG")
    data = out.getvalue()
    return Photo(data, "格栅.jpg", "jpg", "image/jpeg", hashlib.sha256(data).hexdigest())


def reading(i: int) -> dict:
    return {"ts": datetime.fromtimestamp(START + i, timezone.utc).isoformat(), "values": {"flow": 1.0 + i}}


def records_of(config) -> dict:
    db = connect(config.state_url)
    try:
        return {t: [tuple(r) for r in db.execute(f"SELECT * FROM {t} ORDER BY 1")] for t in RECORDS}
    finally:
        db.close()


def flows(config) -> set:
    store = open_store(config)
    try:
        return {(r.ts, r.value) for r in store.read_range("helin", "flow", START - 86400, START + 10**6)}
    finally:
        store.close()


def history(path):
    """An alert with its work order and a photo on it, and October's report sent."""
    plant = Harness(path)
    try:
        write(plant, "cod", hours(1, [40.0] * 24) + hours(2, [95.0] * 24))
        plant.write("flow", [(0, 3.0)])
        plant.cycle(60)
        plant.cycle(12 * 3600)  # the logger falls silent: comms loss
        assert plant.alerts()
        with changing(plant.ctx):
            order = work_orders.open_order(
                plant.ctx, "helin", "operator_request", "manual", "清理格栅", plant.clock.now, "王科长"
            )
        picture = photo()
        stored = store_photo(plant.config.data_dir, order["id"], picture)
        with transaction(plant.ctx.db):
            work_orders.attach_photo(
                plant.ctx.db, order["id"], stored, picture.name, picture.content_type, len(picture.data),
                picture.sha256, "李师傅", plant.clock.now,
            )  # fmt: skip
        plant.clock.now = at(10, 15)
        MonthlyReports(plant.ctx).run(at(10, 15))
        plant.clock.now = at(11, 1, 8)
        assert MonthlyReports(plant.ctx).run(at(11, 1, 8)) == [("2026-10", 1)]
        return stored
    finally:
        plant.close()


def test_a_backup_taken_while_readings_arrive_restores_everything_into_an_empty_folder(
    write_config, broker, mail, app, tmp_path
):
    path = write_config(broker, mail=mail, site=HOURLY_SITE, alerts="enabled = false\n")
    stored_photo = history(path)
    running = app(path)
    config = running.config
    assert running.ingestor.connected.wait(10)
    logger = Publisher(broker)
    for i in range(200):
        logger.send("helin", reading(i))
    wait_until(lambda: len(flows(config)) == 200, what="the first readings stored")

    arriving, stop = [0], threading.Event()

    def keep_sending():
        while not stop.is_set():
            i = 200 + arriving[0]
            logger.send("helin", reading(i))
            arriving[0] += 1

    sender = threading.Thread(target=keep_sending)
    sender.start()
    # Readings arriving and some of them stored already when the backup begins.
    wait_until(lambda: arriving[0] > 50 and len(flows(config)) > 250, what="readings arriving and stored")
    before = flows(config)  # every reading stored before the backup began
    made = backup(config, tmp_path / "backups", keep=3, now=datetime.now(config.tz))
    stop.set()
    sender.join()
    logger.close()
    assert arriving[0] > 50 and len(before) > 250
    running.stop()
    kept = records_of(config)
    assert all(kept[t] for t in ("alerts", "work_orders", "work_order_attachments", "reports")), kept

    manifest = verify(made.folder)
    listed = {entry["path"] for entry in manifest["files"]}
    assert f"data/{stored_photo}" in listed and "data/web-secret.key" in listed
    assert "config/wastewatch.toml" in listed
    assert any(p.startswith("data/reports/2026-10/v1/") for p in listed)
    assert not any(p.startswith("data/reports/drafts") for p in listed)

    with postgres_database() if config.database.url else nullcontext() as url:
        text = path.read_text(encoding="utf-8").replace('data_dir = "data"', 'data_dir = "restored"')
        text = text.replace("enabled = false\n", "")  # the whole service, pages and jobs, on the restore
        if url:
            text = text.replace(config.database.url, url)
        (tmp_path / "restored.toml").write_text(text, encoding="utf-8")
        done = wastewatch("restore", str(made.folder), "--config", str(tmp_path / "restored.toml"))
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("restored the backup of ") and "start the service" in done.stdout
        restored = load_config(tmp_path / "restored.toml")

        assert before <= flows(restored)
        assert records_of(restored) == kept
        for relative in (stored_photo, "web-secret.key", "reports/2026-10/v1/compliance-2026-10.csv"):
            assert (restored.data_dir / relative).read_bytes() == (config.data_dir / relative).read_bytes()
        assert (restored.data_dir / stored_photo).stat().st_mode & 0o777 == 0o600

        # The service starts on it.
        again = app(tmp_path / "restored.toml")
        assert httpx.get(f"http://127.0.0.1:{again.config.web.port}/healthz").status_code == 200
        again.stop()

        # Restoring again over it is refused: the folder is no longer empty.
        twice = wastewatch("restore", str(made.folder), "--config", str(tmp_path / "restored.toml"))
        assert twice.returncode == 1
        assert "the data folder is not empty" in twice.stderr or "holds" in twice.stderr


def test_a_damaged_backup_is_refused_naming_the_file_and_old_ones_are_rotated(write_config, tmp_path):
    path = write_config(site=HOURLY_SITE)
    stored_photo = history(path)
    config = load_config(path)
    now = datetime(2026, 12, 6, 2, 30, tzinfo=config.tz)
    made = [backup(config, tmp_path / "backups", keep=2, now=now + timedelta(days=d)) for d in range(3)]
    assert backups(tmp_path / "backups") == [made[1].folder, made[2].folder]
    assert made[2].removed == (made[0].folder,) and not made[0].folder.exists()
    assert made[2].folder.name == "wastewatch-backup-20261208T023000"

    damaged = made[2].folder / "data" / stored_photo
    data = bytearray(damaged.read_bytes())
    data[100] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="differs from the manifest"):
        verify(made[2].folder)
    checked = wastewatch("backup-check", str(made[2].folder))
    assert checked.returncode == 1 and str(damaged) in checked.stderr
    text = path.read_text(encoding="utf-8").replace('data_dir = "data"', 'data_dir = "elsewhere"')
    (tmp_path / "elsewhere.toml").write_text(text, encoding="utf-8")
    refused = wastewatch("restore", str(made[2].folder), "--config", str(tmp_path / "elsewhere.toml"))
    assert refused.returncode == 1 and str(damaged) in refused.stderr, refused.stderr
    assert not (tmp_path / "elsewhere").exists()  # nothing copied before the check

    by_hand = wastewatch("backup", "--config", str(path), "--to", str(tmp_path / "by-hand"), "--keep", "3")
    assert by_hand.returncode == 0, by_hand.stderr
    assert by_hand.stdout.startswith(f"backup {tmp_path / 'by-hand'}/wastewatch-backup-")
    assert "checked against its manifest" in by_hand.stdout
    [taken] = backups(tmp_path / "by-hand")
    assert wastewatch("backup-check", str(taken)).stdout.startswith(f"{taken}: sound, ")

    missing = made[1].folder / "config" / "wastewatch.toml"
    missing.unlink()
    with pytest.raises(BackupError, match=f"{missing}: listed in the manifest but missing"):
        verify(made[1].folder)
    assert wastewatch("backup", "--config", str(path)).stderr.startswith(
        "wastewatch: say where: --to DIR, or set [backup] to in the config"
    )


def test_the_daily_backup_that_fails_emails_the_operators_and_is_on_healthz_until_one_succeeds(
    write_config, mail, tmp_path
):
    from wastewatch.jobs.backups import COMPONENT, Backups
    from wastewatch.notify.outbox import Sender
    from wastewatch.store.health import HEALTH

    blocked = tmp_path / "share"
    blocked.write_text("the share is not mounted: a file stands where its folder should be")
    path = write_config(mail=mail, site=HOURLY_SITE, extra=f'\n[backup]\nto = "{blocked}"\nkeep = 2\n')
    config = load_config(path)
    job = Backups(config)
    now = datetime(2026, 12, 6, 2, 30, tzinfo=config.tz)
    assert job.run(now) is None
    assert [p["component"] for p in HEALTH.problems()].count(COMPONENT) == 1
    db = connect(config.state_url)
    try:
        assert Sender(config, db).run_once() == (1, 0)
    finally:
        db.close()
    [(recipients, message)] = mail.messages
    assert recipients == ["operator@tqhb.example.cn"]
    assert str(message["Subject"]).startswith("[备份失败] ") and "2026-12-06 02:30" in str(message["Subject"])
    body = message.get_body(("plain",)).get_content()
    assert str(blocked) in body and "备份目录中还没有任何完好的备份" in body
    assert "原因：备份目录无法使用：共享目录可能未挂载，或该位置不是目录。" in body

    blocked.unlink()
    made = job.run(now + timedelta(days=1))
    assert made is not None and made.folder.parent == blocked
    assert COMPONENT not in [p["component"] for p in HEALTH.problems()]
