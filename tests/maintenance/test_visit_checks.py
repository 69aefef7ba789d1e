"""The judgements of a field visit: where the phone was against the plant (WGS-84, with the
inventory's GCJ-02 taken back), and each check a flag with its reason."""

import pytest

from wastewatch.config.visits import VisitsConfig
from wastewatch.maintenance.visits import checks, geo, plates
from wastewatch.maintenance.visits.checkins import Checkin, Position
from wastewatch.maintenance.visits.plates import Plate, VisitError

# Published pairs: Beijing railway station (geoChina's documentation) and a point in Tianquan
# County, each WGS-84 and the GCJ-02 a map app shows for it.
BEIJING_WGS, BEIJING_GCJ = (116.42079, 39.90105), (116.42703, 39.90245)
T0 = 1_790_000_000


def test_gcj02_is_the_published_offset_and_is_taken_back_to_within_a_centimetre():
    lon, lat = geo.wgs84_to_gcj02(*BEIJING_WGS)
    assert abs(lon - BEIJING_GCJ[0]) < 2e-5 and abs(lat - BEIJING_GCJ[1]) < 2e-5
    back = geo.gcj02_to_wgs84(lon, lat)
    assert geo.distance_m(*back, *BEIJING_WGS) < 0.01
    # In Tianquan the offset is hundreds of metres: enough to fail an honest visit untaken back.
    tianquan = (102.7583, 30.0664)
    shown = geo.wgs84_to_gcj02(*tianquan)
    assert 200 < geo.distance_m(*shown, *tianquan) < 700
    assert geo.distance_m(*geo.gcj02_to_wgs84(*shown), *tianquan) < 0.01
    # Outside China the map apps add nothing.
    assert geo.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


def test_distances_are_geodesics_on_the_ellipsoid():
    # One degree of latitude at the equator is 110,574 m on WGS-84 (a sphere says 111,195).
    assert geo.distance_m(0, 0, 0, 1) == pytest.approx(110_574.4, abs=0.5)
    assert geo.distance_m(102.7583, 30.0664, 102.7583, 30.0664) == 0


@pytest.mark.parametrize(
    "text, code",
    [
        ("https://tq.example.cn/p/AbCdEfGhIjKlMn_-", "AbCdEfGhIjKlMn_-"),
        ("AbCdEfGhIjKlMn_-", "AbCdEfGhIjKlMn_-"),
        ("https://tq.example.cn/p/AbCdEfGhIjKlMn_-?x=1", "AbCdEfGhIjKlMn_-"),
        ("https://weixin.qq.com/r/AbCdEfGhIjKlMn_-x", None),
        ("", None),
        ("AbCdEf", None),
    ],
)
def test_a_plate_code_is_found_in_its_page_address_or_alone(text, code):
    assert plates.code_in(text) == code


def _checkin(**changes) -> Checkin:
    values = dict(
        id=1,
        key="k",
        work_order_id="WO-202610-0001",
        site_id="tq-001",
        actor="c",
        plate_text="x" * 16,
        plate_id=1,
        lon=102.7583,
        lat=30.0664,
        accuracy_m=12.0,
        location_error=None,
        site_lon=102.7583,
        site_lat=30.0664,
        distance_m=40.0,
        phone_at=T0 - 20,
        received_at=T0,
        offline=False,
    )
    return Checkin(**{**values, **changes})


PLATE = Plate(1, "tq-001", 2, "x" * 16, T0 - 86400, "admin", None, None)
BOUNDS = VisitsConfig()


def _flags(visit) -> dict:
    return {f.name: (f.state, f.why.text("zh-CN")) for f in visit.flags}


def test_a_visit_at_the_plant_with_this_sites_plate_passes_every_check():
    photos = [checks.Photo(T0 + 1800, T0 + 600), checks.Photo(T0 + 1800, None)]
    visit = checks.judge(_checkin(), PLATE, "始阳镇污水站", T0 + 1800, photos, BOUNDS)
    assert visit.verdict == "passed"
    assert all(state == "passed" for state, _ in _flags(visit).values())


@pytest.mark.parametrize(
    "change, plate, name, state",
    [
        ({"plate_text": None, "plate_id": None}, None, "plate", "failed"),
        ({"plate_id": None}, None, "plate", "failed"),
        ({}, Plate(9, "tq-002", 1, "y" * 16, T0 - 86400, "admin", None, None), "plate", "failed"),
        ({}, Plate(1, "tq-001", 1, "x" * 16, T0 - 86400, "admin", T0 - 60, "admin"), "plate", "failed"),
        ({"distance_m": 900.0}, PLATE, "distance", "failed"),
        ({"accuracy_m": 800.0}, PLATE, "accuracy", "failed"),
        ({"phone_at": T0 - 3600}, PLATE, "clock", "failed"),
        (
            {"location_error": "denied", "lon": None, "lat": None, "accuracy_m": None, "distance_m": None},
            PLATE,
            "distance",
            "unknown",
        ),
    ],
)
def test_each_failed_check_flags_the_visit_with_its_reason(change, plate, name, state):
    visit = checks.judge(_checkin(**change), plate, "另一站", T0 + 1800, [], BOUNDS)
    assert _flags(visit)[name][0] == state
    assert visit.verdict == "flagged"


def test_a_retired_plate_still_counts_for_a_check_in_made_before_it_was_retired():
    retired_later = Plate(1, "tq-001", 1, "x" * 16, T0 - 86400, "admin", T0 + 60, "admin")
    assert (
        _flags(checks.judge(_checkin(), retired_later, None, T0 + 1800, [], BOUNDS))["plate"][0] == "passed"
    )


def test_the_span_and_the_photos_own_times_are_judged_against_the_check_in():
    quick = checks.judge(_checkin(), PLATE, None, T0 + 120, [], BOUNDS)
    assert _flags(quick)["span"] == ("failed", "签到后 2 分钟即报完成，少于 5 分钟")
    next_day = checks.judge(_checkin(), PLATE, None, T0 + 20 * 3600, [], BOUNDS)
    assert _flags(next_day)["span"][0] == "failed"
    old_photo = checks.judge(
        _checkin(), PLATE, None, T0 + 1800, [checks.Photo(T0 + 1800, T0 - 86400)], BOUNDS
    )
    assert _flags(old_photo)["photos"][0] == "failed"
    waiting = checks.judge(_checkin(), PLATE, None, None, [], BOUNDS)
    assert _flags(waiting)["span"][0] == "unknown" and waiting.verdict == "passed"


def test_a_visit_without_check_in_says_so():
    assert checks.judge(None, None, None, T0, [], BOUNDS).verdict == "none"


@pytest.mark.parametrize(
    "position",
    [
        dict(lon=200.0, lat=30.0, accuracy_m=5.0),
        dict(lon=102.0, lat=30.0, accuracy_m=-1.0),
        dict(lon=102.0, lat=None, accuracy_m=5.0),
        dict(error="lost"),
    ],
)
def test_a_position_out_of_its_ranges_is_refused(position):
    with pytest.raises(VisitError):
        Position(**position)
