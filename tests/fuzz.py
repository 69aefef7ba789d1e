"""Property-based testing for every parser of outside input: Hypothesis's settings for the test
command and for a longer campaign, and strategies for what arrives from outside.

The test command runs each property on a fixed sequence of examples (derandomized: CI does not
fail on a new example it happened to draw); a campaign draws at random, many more:

    WASTEWATCH_FUZZ=campaign WASTEWATCH_FUZZ_SCALE=500 .venv/bin/python -m pytest -m fuzz -p no:cacheprovider

WASTEWATCH_FUZZ_SCALE multiplies every property's number of examples (default 1)."""

import json
import os
import string

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from wastewatch.config.metrics import FLAGS, METRICS

SCALE = float(os.environ.get("WASTEWATCH_FUZZ_SCALE", "1"))
settings.register_profile(
    "test",
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "campaign",
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("WASTEWATCH_FUZZ", "test"))


def examples(n: int):
    """The settings for a property run on n examples in the test command."""
    return settings(max_examples=max(1, int(n * SCALE)))


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**290, max_value=10**320)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
moments = st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat())
times = (
    moments
    | st.sampled_from(["1970-01-01T00:00:00Z", "0001-01-01T00:00:00", "2000-01-01T00:00:00+08:00"])
    | st.text(max_size=30)
)
metric_names = st.sampled_from(sorted(METRICS)) | st.text(max_size=10)
numbers = st.floats(allow_nan=True, allow_infinity=True) | st.integers() | st.floats(-100, 10000) | scalars
flags = st.sampled_from(sorted(FLAGS)) | st.text(max_size=3) | scalars


def items(sites: list[str]):
    """Reading objects, mostly near a valid one, so the decoder's deeper paths run too."""
    return st.fixed_dictionaries(
        {"ts": times, "values": st.dictionaries(metric_names, numbers, max_size=5)},
        optional={
            "flags": st.dictionaries(metric_names, flags, max_size=3) | json_values,
            "site": st.sampled_from(sites) | st.text(max_size=6) | scalars,
        },
    )


def payloads(sites: list[str]):
    """An MQTT payload as bytes: noise, any JSON, or one or more reading objects."""
    structured = items(sites) | st.lists(items(sites) | json_values, max_size=4) | json_values
    return (
        st.binary(max_size=200)
        | structured.map(lambda v: json.dumps(v).encode())
        | st.text(max_size=200).map(str.encode)
    )


hex_text = st.text(string.hexdigits.upper()[:16], min_size=0, max_size=30)
