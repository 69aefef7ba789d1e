"""The contractors' pages: signed links from work-order emails, served by `wastewatch serve`."""


class WebError(Exception):
    """The pages could not start (the port is taken, or the host is not ours)."""
