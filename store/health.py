"""What is failing in this process right now, for the log and for /healthz.

One process, one health: the ingestor, the HJ 212 listener and the scheduled jobs report here
when their work fails for a reason outside the data (the disk is full, the database is locked
or unreachable) and when it works again. Each change is logged once — a disk that stays full
all night writes two lines, not one per retry — and the pages' /healthz answers 503 with the
problems while any remain, so a monitoring probe learns what the operator must fix.
"""

import logging
import threading
import time

from wastewatch.config.text import printable

log = logging.getLogger("wastewatch.health")


class Health:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._problems: dict[str, tuple[str, float]] = {}  # component → (problem, since)

    def failing(self, component: str, problem: str, consequence: str = "") -> None:
        """`component` cannot do its work because of `problem`; `consequence`: what that means
        for the data, said once in the log."""
        with self._lock:
            known = self._problems.get(component)
            if known is not None and known[0] == problem:
                return
            self._problems[component] = (problem, known[1] if known else time.time())
        log.error("%s: %s%s", component, printable(problem), f" ({consequence})" if consequence else "")

    def recovered(self, component: str) -> None:
        with self._lock:
            known = self._problems.pop(component, None)
        if known is not None:
            log.warning(
                "%s works again after %.0f s (last problem: %s)",
                component,
                time.time() - known[1],
                printable(known[0]),
            )

    def problems(self) -> list[dict]:
        with self._lock:
            return [
                {"component": c, "problem": p, "since": int(since)}
                for c, (p, since) in sorted(self._problems.items())
            ]


HEALTH = Health()
