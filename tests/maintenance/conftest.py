import pytest

from tests.maintenance.desk import BUREAU, Desk


@pytest.fixture
def desk(write_config, mail):
    """A village site with its contractor, the bureau, the pages and a mail server."""
    running = Desk(write_config(mail=mail, extra=BUREAU), mail)
    yield running
    running.stop()


@pytest.fixture
def write_config(write_config, state_database):
    """The state and lifecycle tests run twice: on the embedded SQLite file and on PostgreSQL."""

    def write(*args, extra: str = "", **kwargs):
        return write_config(*args, extra=extra + state_database, **kwargs)

    return write
