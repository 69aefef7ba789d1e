"""Data reviews under the real rules: a span an operator marked invalid is skipped by the
sample rules and left out of the day's mean, and restoring it brings the readings back into
the next day close. The village site of the conftest: COD limit 60 mg/L, hourly samples."""

import json

import pytest

from tests.alerts.harness import DAY, HOUR, T0, Harness
from wastewatch.alerts import reviews


@pytest.fixture
def plant(write_config):
    harness = Harness(write_config())
    yield harness
    harness.close()


def review(plant, start_h: int, end_h: int, accept: bool = True) -> int:
    return reviews.propose(
        plant.ctx.db,
        "helin",
        "cod",
        T0 + start_h * HOUR,
        T0 + end_h * HOUR,
        "calibration",
        "标液校准，读数偏高",
        "运维监管员",
        plant.clock.now,
        accept,
    )


def test_readings_in_a_review_in_force_are_not_judged_by_the_sample_rules(plant):
    # Three readings over the limit inside the span: no exceedance.
    plant.write("cod", [(h * HOUR, 95.0) for h in range(3)])
    plant.clock.now = T0 + 3 * HOUR
    review(plant, 0, 3)
    plant.cycle(3 * HOUR)
    assert plant.alerts("sample_exceedance") == []
    # The same three outside it are.
    plant.write("cod", [(h * HOUR, 95.0) for h in range(4, 7)])
    plant.cycle(6 * HOUR + 60)
    [alert] = plant.alerts("sample_exceedance")
    assert alert["since"] == T0 + 4 * HOUR


def test_a_proposal_counts_only_once_accepted(plant):
    plant.write("cod", [(h * HOUR, 95.0) for h in range(3)])
    plant.clock.now = T0 + 3 * HOUR
    waiting = review(plant, 0, 3, accept=False)
    plant.cycle(2 * HOUR + 60)
    assert len(plant.alerts("sample_exceedance")) == 1  # a proposal is not yet in force
    reviews.decide(plant.ctx.db, waiting, False, "运维监管员", plant.clock.now)
    assert reviews.get(plant.ctx.db, waiting)["state"] == "rejected"


def test_the_day_close_leaves_a_reviewed_span_out_and_judges_again_when_it_is_restored(plant):
    # Six hours of a fouled analyser (200 mg/L), eighteen of good effluent (45): the day's mean
    # would be 83.75; without the span it is 45 over 18 valid samples of 24 (75 %: still a day).
    plant.write("cod", [(h * HOUR, 200.0 if h < 6 else 45.0) for h in range(24)])
    plant.clock.now = T0 + 20 * HOUR
    reviewed = review(plant, 0, 6)
    plant.close_days(DAY + 60)
    assert plant.alerts("daily_exceedance") == []
    row = plant.ctx.db.execute(
        "SELECT * FROM day_results WHERE rule = 'daily_exceedance' AND metric = 'cod' AND day = '2026-10-12'"
    ).fetchone()
    assert (row["status"], row["value"], row["valid_samples"]) == ("clear", 45.0, 18)
    # The operator learns the span was real effluent after all: restored, the day is judged
    # again at the next close, over its whole 24 samples.
    reviews.restore(plant.ctx.db, reviewed, "复核后确认为真实出水", "运维监管员", DAY + HOUR)
    plant.close_days(DAY + 2 * HOUR)
    [alert] = plant.alerts("daily_exceedance")
    detail = json.loads(alert["detail"])
    assert (alert["value"], detail["valid_samples"]) == (83.75, 24)
