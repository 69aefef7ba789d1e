"""HJ 212 through the running service (frames on MQTT beside a logger on TCP) and through
`wastewatch import --format hj212`."""

from datetime import timedelta

from tests.hj212 import LOGGER_SITE, OTHER_MN, Logger, hj212_section, recent, segment
from tests.support import Publisher, wait_until, wastewatch
from wastewatch.config import load_config
from wastewatch.ingest.broker import free_port
from wastewatch.ingest.hj212 import frame
from wastewatch.ingest.topics import hj212_topic
from wastewatch.store import SQLiteStore


def contents(config):
    store = SQLiteStore(config.database_path)
    try:
        flow = [(r.ts, r.value) for r in store.read_range("helin", "flow", 0, 2**40)]
        return flow, sorted(r.reason for r in store.rejections(limit=100))
    finally:
        store.close()


def test_the_service_stores_frames_from_mqtt_and_from_a_logger_on_tcp(write_config, broker, app):
    port = free_port()
    path = write_config(broker, site=LOGGER_SITE, extra=hj212_section(port))
    config = load_config(path)
    running = app(path)
    assert running.loggers.ready.wait(10) and running.ingestor.connected.wait(10)
    when = recent()
    publisher = Publisher(broker)
    topic = hj212_topic("wastewatch", "helin")
    two = frame(segment(when, "w00000-Rtd=1")) + frame(segment(when + timedelta(minutes=1), "w00000-Rtd=2"))
    for payload in (
        two,  # two frames in one message
        frame(segment(when, mn=OTHER_MN, pw="654321")),  # another site's logger on helin's topic
        frame(segment(when, "w00000-Rtd=9"))[:-4],  # a frame cut short
    ):
        publisher.client.publish(topic, payload, qos=1).wait_for_publish(10)
    publisher.close()
    logger = Logger(port)
    logger.send(segment(when + timedelta(minutes=2), "w00000-Rtd=3"))
    logger.replies(1)
    ts = int(when.timestamp())
    wait_until(lambda: len(contents(config)[1]) == 2, what="the two rejections")
    assert contents(config) == (
        [(ts, 3.6), (ts + 60, 7.2), (ts + 120, 10.8)],
        [
            f"MN {OTHER_MN} is the logger of site 'xinchun', not of site 'helin' named by the topic",
            "message ends inside a frame",
        ],
    )


def test_import_reads_a_loggers_dump_of_frames(write_config, tmp_path):
    config = load_config(write_config(site=LOGGER_SITE))
    when = recent(600)
    dump = tmp_path / "logger.dat"
    dump.write_bytes(
        frame(segment(when, "w00000-Rtd=1;w01018-Rtd=30"))
        + b"\r\n-- power cut --\r\n"
        + frame(segment(when + timedelta(hours=1), "w00000-Rtd=2", pw="000000"))
    )
    first = wastewatch("import", "--config", config.path, "--format", "hj212", dump)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("accepted 2 readings (2 new, 0 already stored), rejected 2\n")
    again = wastewatch("import", "--config", config.path, "--format", "hj212", dump)
    assert again.stdout.startswith("accepted 2 readings (0 new, 2 already stored), rejected 2\n")
    flow, reasons = contents(config)
    assert flow == [(int(when.timestamp()), 3.6)]
    assert reasons.count("PW does not match the one registered for site 'helin' (hj212_pw)") == 2
    assert reasons.count("no frame header (##)") + reasons.count("bytes before a frame header (##)") == 2
