"""Topic layout: <prefix>/sites/<site_id>/readings (JSON) and <prefix>/sites/<site_id>/hj212
(HJ 212 frames)."""

KINDS = ("readings", "hj212")


def readings_filter(prefix: str) -> str:
    return f"{prefix}/sites/+/readings"


def hj212_filter(prefix: str) -> str:
    return f"{prefix}/sites/+/hj212"


def readings_topic(prefix: str, site_id: str) -> str:
    return f"{prefix}/sites/{site_id}/readings"


def hj212_topic(prefix: str, site_id: str) -> str:
    return f"{prefix}/sites/{site_id}/hj212"


def route(prefix: str, topic: str) -> tuple[str | None, str]:
    """(the site a topic names, "readings" or "hj212"); (None, "readings") when it is neither."""
    parts = topic.split("/")
    head = prefix.split("/")
    if len(parts) != len(head) + 3 or parts[: len(head)] != head:
        return None, "readings"
    if parts[-3] != "sites" or parts[-1] not in KINDS or not parts[-2]:
        return None, "readings"
    return parts[-2], parts[-1]


def site_of(prefix: str, topic: str) -> str | None:
    """The site id a readings or HJ 212 topic names, or None when the topic is neither."""
    return route(prefix, topic)[0]
