"""Every earlier release's database upgraded in place by this one: the first release's (before
migrations) and one written by the last commit at each schema revision since
(tests/store/data/release.py says how each was made). Every row of every table is kept, column
for column, and this release's commands read the old records."""

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.store.data.first_release import CONFIG
from tests.support import wastewatch
from wastewatch.store import state
from wastewatch.store.state import connect

DATA = Path(__file__).with_name("data")
RELEASES = sorted(DATA.glob("release-*.db")) + [DATA / "first-release.db"]


def tables(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, by its columns of then."""
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {}
        for name in names:
            if name.startswith("sqlite_") or name == "alembic_version":
                continue
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({name})")]
            found[name] = (
                columns,
                db.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall(),
            )
        return found


def test_a_database_of_every_schema_revision_is_kept():
    revisions = {p.stem.removeprefix("release-") for p in DATA.glob("release-*.db")}
    migrations = {p.name[:4] for p in (Path(state.__file__).parent / "migrations" / "versions").glob("0*.py")}
    # Each revision but the newest (this release's own) has the file its last release wrote;
    # 0001 is the first release's, adopted (first-release.db).
    assert revisions == migrations - {"0001", state.head()}, "add release-<revision>.db (release.py)"


@pytest.mark.parametrize("release", RELEASES, ids=lambda p: p.stem)
def test_every_row_of_an_earlier_release_is_kept_by_the_upgrade(release, tmp_path):
    (tmp_path / "wastewatch.toml").write_text(CONFIG, encoding="utf-8")
    path = tmp_path / "data" / "wastewatch.db"
    path.parent.mkdir()
    shutil.copy(release, path)
    before = tables(path)
    assert before["alerts"][1] and before["work_orders"][1] and before["readings"][1]
    connect(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == state.head()
        for name, (columns, rows) in before.items():
            after = db.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()
            assert sorted(after, key=repr) == sorted(rows, key=repr), f"{release.name}: {name} changed"

    config = tmp_path / "wastewatch.toml"
    listed = wastewatch("workorders", "list", "--state", "all", "--config", config)
    assert listed.returncode == 0, listed.stderr
    order = re.search(r"WO-\d{6}-\d{4}", listed.stdout)[0]
    shown = wastewatch("workorders", "show", order, "--config", config)
    assert shown.returncode == 0 and order in shown.stdout, shown.stderr
    alerts = wastewatch("alerts", "list", "--state", "all", "--config", config)
    assert alerts.returncode == 0 and "helin" in alerts.stdout, alerts.stderr
    readings = wastewatch(
        "readings",
        "--site",
        "helin",
        "--metric",
        "cod",
        "--since",
        "2026-10-12",
        "--until",
        "2026-10-16",
        "--config",
        config,
    )
    assert readings.returncode == 0 and readings.stdout.count("\n") >= 72, readings.stderr
