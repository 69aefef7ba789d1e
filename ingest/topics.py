"""Topic layout: <prefix>/sites/<site_id>/readings."""


def readings_filter(prefix: str) -> str:
    return f"{prefix}/sites/+/readings"


def readings_topic(prefix: str, site_id: str) -> str:
    return f"{prefix}/sites/{site_id}/readings"


def site_of(prefix: str, topic: str) -> str | None:
    """The site id a readings topic names, or None when the topic is not one."""
    parts = topic.split("/")
    head = prefix.split("/")
    if len(parts) != len(head) + 3 or parts[: len(head)] != head:
        return None
    if parts[-3] != "sites" or parts[-1] != "readings" or not parts[-2]:
        return None
    return parts[-2]
