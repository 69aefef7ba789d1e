import pytest

from tests.maintenance.desk import BUREAU, Desk


@pytest.fixture
def desk(write_config, mail):
    """A village site with its contractor, the bureau, the pages and a mail server."""
    running = Desk(write_config(mail=mail, extra=BUREAU), mail)
    yield running
    running.stop()
