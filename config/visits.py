"""`[visits]`: how a contractor's check-in at a plant is judged (docs/operators/field-visits.md).

Each judgement is a flag the operator reads beside the visit, never a verdict on its own: a
phone indoors reads its position poorly, a plate can be photographed, a clock can be wrong.
"""

from typing import Literal

from pydantic import Field

from .fields import Section


class VisitsConfig(Section):
    """`[visits]`: the bounds a check-in is judged against."""

    radius_m: float = Field(300.0, ge=10, le=10_000)
    """How far from the site's coordinates a check-in may be and count as at the plant, in
    metres. 300: a rural plant's yard and the lane to it, with a phone's error outdoors."""
    max_accuracy_m: float = Field(150.0, ge=5, le=10_000)
    """The worst position accuracy (the phone's own 95 % radius) that still counts: above it the
    position says too little. Phones indoors or with Wi-Fi only report 500 m and more."""
    min_visit_min: float = Field(5.0, ge=0, le=600)
    """The shortest plausible time between check-in and the report of the visit done, in
    minutes: a routine visit's checklist cannot be walked in less."""
    max_visit_h: float = Field(12.0, ge=0.5, le=72)
    """The longest plausible time between check-in and the report done, in hours: a report made
    the next day says the check-in belonged to another visit."""
    site_coordinates: Literal["wgs84", "gcj02"] = "wgs84"
    """How the inventory's 经纬度 were taken: `wgs84` from a GPS or a phone's own position;
    `gcj02` picked on a Chinese map app (Amap, Tencent), whose coordinates are offset by up to
    several hundred metres and are taken back to WGS-84 before a distance is judged."""
    max_phone_skew_min: float = Field(10.0, ge=1, le=1440)
    """How far a phone's clock may be from the server's when a check-in arrives online before
    the difference is flagged, in minutes."""
