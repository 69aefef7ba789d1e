"""Quarantined messages stored after all, once the cause is fixed (`wastewatch quarantine replay`).

A replayed message goes through the same decoder and the same write as when it arrived, with
the time it was received as `now` (so the future and backfill horizons judge it as they would
have then). One that still fails stays in quarantine with its error; one that goes through is
marked replayed and never replayed twice.
"""

from dataclasses import dataclass, field

from wastewatch.config import Config
from wastewatch.store import Store, StoreUnavailable

from .messages import Messages


@dataclass
class ReplayResult:
    replayed: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejections: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (quarantine id, error)


def replay(config: Config, store: Store, now: int, ids: list[int] | None = None) -> ReplayResult:
    messages = Messages(config)
    result = ReplayResult()
    after = 0
    while batch := store.quarantined(after, limit=500, pending_only=True):
        after = batch[-1].id
        for message in batch:
            if ids is not None and message.id not in ids:
                continue
            out = messages.decode([(message.topic, message.payload)], message.received_at)
            try:
                written = store.write(
                    out.readings, out.rejections, received_at=message.received_at, logger_values=out.values
                )
            except StoreUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 — it stays quarantined, and says why
                result.failed.append((message.id, f"{exc.__class__.__name__}: {exc}"))
                continue
            messages.committed(out)
            store.mark_replayed(message.id, now)
            result.replayed += 1
            result.inserted += written.inserted
            result.duplicates += written.duplicates
            result.rejections += written.rejections
    return result
