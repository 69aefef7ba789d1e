import pytest

from tests.maintenance.desk import BUREAU, Desk
from wastewatch.access import accounts
from wastewatch.maintenance.reaction import changing

PASSWORD = "correct horse battery"
ROLES = {"admin": None, "operator": None, "regulator": None, "contractor": "qingyuan"}


@pytest.fixture
def write_config(write_config, state_database):
    """The console's tests run twice: on the embedded SQLite file and on PostgreSQL."""

    def write(*args, extra: str = "", **kwargs):
        return write_config(*args, extra=extra + state_database, **kwargs)

    return write


@pytest.fixture
def make_desk(write_config, mail):
    """A desk on the village site and `extra` TOML (more sites, an inventory), with a user of
    every role; stopped at the end of the test."""
    made = []

    def make(extra: str = "", **kwargs) -> Desk:
        running = Desk(write_config(mail=mail, extra=BUREAU + extra, **kwargs), mail)
        made.append(running)
        with changing(running.ctx):
            for role, contractor in ROLES.items():
                accounts.add(
                    running.ctx.db,
                    running.config,
                    role,
                    f"{role} 的名字",
                    role,
                    PASSWORD,
                    running.clock.now,
                    contractor,
                )
        return running

    yield make
    for running in made:
        running.stop()


@pytest.fixture
def desk(make_desk):
    """The village site, the pages and the console on a real server, a user of every role."""
    return make_desk()
