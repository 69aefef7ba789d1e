"""Where a phone was against where the plant is: the distance on the WGS-84 ellipsoid, and the
GCJ-02 offset that Chinese map apps add.

Phones' browsers report the Geolocation API's position in WGS-84, as a GPS reads it. A plant's
coordinates in a county's inventory were often picked on a Chinese map app (Amap, Tencent,
Baidu after its own further shift), which show GCJ-02: WGS-84 moved by a published, deliberately
irregular offset of up to several hundred metres, enough to make an honest visit look far. The
inventory's coordinates are taken back to WGS-84 before any distance is judged.

The offset is the formula every implementation shares (a Krasovsky-ellipsoid
perturbation of latitude and longitude); taking it back has no closed form and is found by
fixed-point iteration, which converges to well under a centimetre in a few steps. No
maintained Python package does this (the ones on PyPI are unmaintained or sources only), so it
is written here, tested against published pairs of points.

Distances are geodesics on the WGS-84 ellipsoid by geographiclib (Karney's own package),
not a sphere's.
"""

import math

from geographiclib.geodesic import Geodesic

# Krasovsky 1940, the ellipsoid the GCJ-02 offset is computed on.
_A = 6378245.0
_EE = 0.00669342162296594323


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Metres between two WGS-84 points along the ellipsoid."""
    return float(Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"])


def in_china(lon: float, lat: float) -> bool:
    """The rough box where map apps apply the offset (outside it GCJ-02 equals WGS-84)."""
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _shift(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02's offset (degrees of longitude, latitude) at a WGS-84 point."""
    x, y = lon - 105.0, lat - 35.0
    waves = 20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (waves + 20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += (waves + 20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    # From metres on the Krasovsky ellipsoid to degrees at this latitude.
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if not in_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _shift(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 is (lon, lat): iterate until moving it forward lands within
    1e-9 degrees (0.1 mm) of the given point."""
    if not in_china(lon, lat):
        return lon, lat
    w_lon, w_lat = lon, lat
    for _ in range(30):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = g_lon - lon, g_lat - lat
        if abs(e_lon) < 1e-9 and abs(e_lat) < 1e-9:
            break
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
    return w_lon, w_lat
