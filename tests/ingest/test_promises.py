"""The acknowledgement promises, each branch made to happen rather than waited for: a batch
whose connection dropped before it was committed is never acknowledged on the new one, and a
stop commits and acknowledges what has arrived before it returns."""

import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.ingest.test_ingest import numbered, running_ingestor
from tests.support import Publisher, wait_until
from wastewatch.config import load_config
from wastewatch.ingest.topics import readings_filter, readings_topic


def left_in_session(broker, config) -> list[bytes]:
    """What the broker still holds for the ingestor's session: take the session over, then
    publish a marker through it; everything queued before arrives before the marker."""
    got, marker = [], b'{"marker": true}'
    done = threading.Event()
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=config.mqtt.client_id, protocol=mqtt.MQTTv5
    )

    def on_message(_client, _userdata, message):
        if message.payload == marker:
            done.set()
        else:
            got.append(message.payload)

    subscribed = threading.Event()
    client.on_message = on_message
    client.on_subscribe = lambda *args: subscribed.set()
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 60
    client.connect(broker.host, broker.port, clean_start=False, properties=props)
    client.loop_start()
    try:
        client.subscribe(readings_filter(config.mqtt.topic_prefix), qos=1)
        assert subscribed.wait(10)
        client.publish(readings_topic(config.mqtt.topic_prefix, "marker"), marker, qos=1)
        assert done.wait(20), "the marker never came back"
        return got
    finally:
        client.disconnect()
        client.loop_stop()


def test_a_batch_whose_connection_dropped_is_stored_but_not_acknowledged_on_the_new_one(write_config, broker):
    # Commits wait 5 s: the broker restarts while the first ten messages wait in the batch.
    config = load_config(write_config(broker, ingest="commit_interval_ms = 5000"))
    ingestor, store = running_ingestor(config)
    publisher = Publisher(broker, client_id="stale-logger")
    try:
        publisher.send_many(numbered(10))
        wait_until(lambda: ingestor.counters.received == 10, what="ten messages received")
        assert store.count_readings() == 0  # none committed yet
        broker.restart()  # the ingestor's connection drops; the broker keeps its session
        wait_until(lambda: ingestor.counters.stale == 10, timeout=30, what="the first batch committed")
        # Their packet ids belonged to the old connection: acknowledging them on the new one
        # could acknowledge different messages. The broker delivers them again instead.
        wait_until(lambda: ingestor.counters.messages == 20, timeout=30, what="the ten redelivered")
        assert store.count_readings() == 10 and ingestor.counters.duplicates == 10
    finally:
        publisher.close()
        ingestor.stop()
        store.close()
    assert left_in_session(broker, config) == []  # the redelivered copies were acknowledged


def test_a_stop_commits_and_acknowledges_what_has_arrived(write_config, broker, publisher):
    # A commit interval longer than the test: only the stop can commit these.
    config = load_config(write_config(broker, ingest="commit_interval_ms = 60000"))
    ingestor, store = running_ingestor(config)
    try:
        publisher.send_many(numbered(30))
        wait_until(lambda: ingestor.counters.received == 30, what="thirty messages received")
        assert store.count_readings() == 0
        ingestor.stop()
        assert store.count_readings() == 30  # drained before stop() returned
    finally:
        store.close()
    assert left_in_session(broker, config) == []  # and acknowledged: nothing comes again
