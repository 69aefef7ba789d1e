"""The ingestor over TLS, with the CA named in the config ([mqtt.tls])."""

import subprocess

import paho.mqtt.client as mqtt

from tests.support import wait_until
from wastewatch.config import load_config
from wastewatch.ingest.broker import QUEUE_SETTINGS, PrivateBroker
from wastewatch.ingest.client import Ingestor
from wastewatch.store import SQLiteStore


def make_certificates(folder):
    """A throwaway CA and a server certificate for 127.0.0.1."""

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Wastewatch test CA",
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    )
    (folder / "san.ext").write_text("subjectAltName = IP:127.0.0.1\n")
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    )


def test_it_ingests_over_tls_with_the_configured_ca(tmp_path, write_config):
    make_certificates(tmp_path)
    conf = (
        f"listener {{port}} 127.0.0.1\nallow_anonymous true\ncafile {tmp_path}/ca.pem\n"
        f"certfile {tmp_path}/server.pem\nkeyfile {tmp_path}/server.key\n" + QUEUE_SETTINGS
    )
    with PrivateBroker(tmp_path / "broker", conf=conf) as broker:
        path = write_config(broker)
        path.write_text(path.read_text() + '\n[mqtt.tls]\nenabled = true\nca_file = "ca.pem"\n')
        config = load_config(path)
        store = SQLiteStore(config.database_path)
        ingestor = Ingestor(config)
        ingestor.start()
        try:
            assert ingestor.connected.wait(10), broker.log_tail()
            logger = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="tls-logger")
            logger.tls_set(ca_certs=str(tmp_path / "ca.pem"))
            logger.connect(broker.host, broker.port)
            logger.loop_start()
            logger.publish(
                "wastewatch/sites/helin/readings",
                '{"ts": "2026-10-01T08:00:00+08:00", "values": {"cod": 41.5}}',
                qos=1,
            ).wait_for_publish(10)
            logger.loop_stop()
            wait_until(lambda: store.count_readings() == 1, what="the reading sent over TLS")
        finally:
            ingestor.stop()
            store.close()
