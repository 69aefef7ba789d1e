"""Taking over a dead member's MQTT session, so that its share of the stream is not held back.

A broker with shared subscriptions keeps dispatching to a member whose persistent session
outlives its process: Mosquitto queues that member's share until it returns, and drops it when
the session expires (docs/administrators/deployment.md). So every instance of a share group checks, every
`[mqtt] rescue_after_s`, which registered members are not running (store/members.py: their
advisory lock can be taken). A member found down at two checks in a row (a restart under
systemd takes seconds, and is left alone) has its session emptied by the instance that found it:

1. connect with the member's client id, resuming its session;
2. unsubscribe at once: the broker still sends what it had queued, and routes nothing new
   there, so the rest of the group gets the whole stream from then on;
3. store and acknowledge what comes, as ingest always does (acknowledged after the commit);
4. once everything received is acknowledged and nothing more comes, disconnect with a session
   expiry of 0: the broker forgets the session, and the member, if it ever comes back, starts
   a new one. A rescue cut short (a stop, the timeout) disconnects keeping the session, now
   without its subscription, with whatever it still holds for the next check or the member.

Measured on Mosquitto 2.0.11 (tests/test_instances.py). The member's lock is held throughout,
and a member coming back waits for it before it connects, so the two never fight over one
session; if the broker hands the session back all the same, what was not acknowledged here
goes back with it.
"""

import logging
import threading

from wastewatch.store.members import Membership

from .client import Ingestor

log = logging.getLogger("wastewatch.ingest")
QUIET_S = 2.0
EMPTYING_TIMEOUT_S = 600.0


class Rescue:
    def __init__(self, config, membership: Membership):
        self.config, self.membership = config, membership
        self._stop = threading.Event()
        self._seen_down: set[str] = set()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="session-rescue", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(60)  # a rescue under way stops at once, its session kept

    def _run(self) -> None:
        while not self._stop.wait(self.config.mqtt.rescue_after_s):
            try:
                self.membership.keep()
                self.check()
            except Exception:  # noqa: BLE001 — the database away, say: next check
                log.exception("checking for instances that are down failed; checking again later")

    def check(self) -> list[str]:
        """One check: empties the sessions of members found down at this check and the last;
        returns their client ids."""
        down = self.membership.absent()
        emptied = []
        for client_id in down:
            if client_id not in self._seen_down:
                self.membership.let_go(client_id)  # a first sighting: maybe a restart
                continue
            if self.empty(client_id):
                self.membership.rescued(client_id)
                emptied.append(client_id)
            else:
                self.membership.let_go(client_id)
        self._seen_down = set(down) - set(emptied)
        return emptied

    def empty(self, client_id: str) -> bool:
        log.warning(
            "instance %s is down: taking over its MQTT session to store what the broker kept for it",
            client_id,
        )
        ingestor = Ingestor(self.config, rescue=client_id)
        ingestor.start()
        done = False
        try:
            done = ingestor.empty(QUIET_S, EMPTYING_TIMEOUT_S, self._stop)
        finally:
            ingestor.stop(end_session=done)
        counters = ingestor.counters
        if done:
            log.warning(
                "instance %s: stored %d messages (%d readings) its session held, and ended the session",
                client_id,
                counters.messages,
                counters.readings,
            )
        else:
            log.warning(
                "instance %s: its session was not emptied (%d messages stored); trying again later",
                client_id,
                counters.messages,
            )
        return done
