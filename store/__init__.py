"""Storage shared by ingest, alerts and reports: one interface, one backend per deployment size."""

from .base import Aggregate, LoggerValue, Quarantined, Reading, Rejection, Store, StoredRejection, WriteResult
from .files import StoreUnavailable
from .sqlite import SQLiteStore


def open_store(config) -> SQLiteStore:
    """The store a config asks for."""
    return SQLiteStore(config.database_path, config.service.timezone)


__all__ = [
    "Aggregate",
    "LoggerValue",
    "Quarantined",
    "StoreUnavailable",
    "Reading",
    "Rejection",
    "Store",
    "StoredRejection",
    "WriteResult",
    "SQLiteStore",
    "open_store",
]
