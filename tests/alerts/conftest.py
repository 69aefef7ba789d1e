"""The alert tests run on both state engines (see write_config)."""

import pytest


@pytest.fixture
def write_config(write_config, state_database):
    """The state and lifecycle tests run twice: on the embedded SQLite file and on PostgreSQL."""

    def write(*args, extra: str = "", **kwargs):
        return write_config(*args, extra=extra + state_database, **kwargs)

    return write
