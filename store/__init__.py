"""Storage shared by ingest, alerts and reports: one interface, one backend per deployment size."""

from .base import Aggregate, LoggerValue, Quarantined, Reading, Rejection, Store, StoredRejection, WriteResult
from .files import StoreUnavailable
from .sqlite import SQLiteStore


def open_store(config) -> Store:
    """The store a config asks for: [store] backend."""
    if config.readings_url:
        from .postgres import PostgresStore  # psycopg: installed with the postgresql extra

        return PostgresStore(config.readings_url, config.service.timezone, config.mirror_measurement)
    return SQLiteStore(config.database_path, config.service.timezone, config.mirror_measurement)


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
