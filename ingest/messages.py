"""MQTT messages → what they hold, by topic: JSON readings or HJ 212 frames (ingest/topics.py)."""

from wastewatch.config import Config

from .decode import Decoder
from .hj212_data import Decoded, LoggerDecoder
from .topics import route


class Messages:
    def __init__(self, config: Config):
        self.prefix = config.mqtt.topic_prefix
        self.json = Decoder(config)
        self.frames = LoggerDecoder(config, source="mqtt")

    def decode(self, messages, now: float) -> Decoded:
        """(topic, payload) pairs → readings, rejections and logger values; call `committed`
        once they are stored."""
        out = Decoded()
        for topic, payload in messages:
            site, kind = route(self.prefix, topic)
            if kind == "hj212":
                self.frames.message(topic, site, payload, now, out)
            else:
                good, bad = self.json.message(topic, site, payload, now)
                out.readings += good
                out.rejections += bad
        return out

    def committed(self, out: Decoded) -> None:
        self.frames.committed(out)
