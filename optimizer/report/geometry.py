"""Parcel shapes as plain coordinate arrays, for matplotlib maps and the HTML report alike.

Computed once per front (cached by identity): parcel outlines, the outlines of the three
control lines (三区三线) dissolved from the parcels' zoning flags, and district boundaries with a
point inside each district for its name (parcels dissolved by ``district``).
"""

from __future__ import annotations

import warnings
import weakref
from dataclasses import dataclass

import numpy as np
import shapely

from landalloc.optimizer.front import ParetoFront

ZONES = {
    # flag column: (English, Chinese, colour, matplotlib line style)
    "eco_redline": ("ecological red line", "生态保护红线", "#e31a1c", "-"),
    "farmland": ("permanent basic farmland", "永久基本农田", "#8c510a", "--"),
    "urban_boundary": ("urban development boundary", "城镇开发边界", "#3f007d", "-."),
}
DISTRICT = ("district boundary", "行政区界")


@dataclass(frozen=True)
class Shapes:
    """Exterior rings of every parcel part (``part_of`` maps parts to parcels), zoning outlines
    (flag -> list of line coordinate arrays), bounds (xmin, ymin, xmax, ymax), centroids,
    district boundaries (line coordinate arrays) and where each district's name goes
    (district id -> x, y: a point inside the district's largest part)."""

    rings: list[np.ndarray]
    part_of: np.ndarray
    outlines: dict[str, list[np.ndarray]]
    bounds: tuple[float, float, float, float]
    centroids: np.ndarray
    districts: list[np.ndarray]
    district_points: dict[str, tuple[float, float]]


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def shapes(front: ParetoFront) -> Shapes:
    """The front's parcel shapes (cached while the front lives)."""
    found = _CACHE.get(front)
    if found is None:
        found = _build(front)
        _CACHE[front] = found
    return found


def _build(front: ParetoFront) -> Shapes:
    geometry = front.parcels.geometry.to_numpy()
    parts, part_of = shapely.get_parts(geometry, return_index=True)
    rings = _lines(shapely.get_exterior_ring(parts))
    outlines = {flag: _outline(geometry[front.parcels[flag].to_numpy(bool)])
                for flag in ZONES if flag in front.parcels}
    centroids = shapely.get_coordinates(shapely.centroid(geometry))
    boundaries, points = _districts(front)
    return Shapes(rings, part_of, outlines, tuple(front.parcels.total_bounds), centroids, boundaries, points)


def _districts(front: ParetoFront) -> tuple[list[np.ndarray], dict[str, tuple[float, float]]]:
    """District boundaries and name positions, from the parcels dissolved by district."""
    if "district" not in front.parcels or len(front.parcels) == 0:
        return [], {}
    parcels = front.parcels[["district", "geometry"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:  # parcels tile the county: the coverage union is exact and fast
            dissolved = parcels.dissolve(by="district", method="coverage")
            if not dissolved.is_valid.all():
                raise shapely.errors.GEOSException("not a coverage")
        except shapely.errors.GEOSException:
            dissolved = parcels.assign(geometry=shapely.make_valid(parcels.geometry.to_numpy())).dissolve(by="district")
    lines = _lines(shapely.get_parts(shapely.line_merge(dissolved.boundary.to_numpy())))
    points = {}
    for district, shape in zip(dissolved.index.astype(str), dissolved.geometry.to_numpy()):
        parts = shapely.get_parts(shape)
        largest = parts[np.argmax(shapely.area(parts))]
        where = shapely.point_on_surface(largest)
        points[district] = (float(where.x), float(where.y))
    return lines, points


def _lines(geometries: np.ndarray) -> list[np.ndarray]:
    """Coordinate arrays of linear geometries, one per geometry."""
    coords, index = shapely.get_coordinates(geometries, return_index=True)
    cuts = np.flatnonzero(np.diff(index)) + 1
    return np.split(coords, cuts) if len(coords) else []


def _outline(flagged: np.ndarray) -> list[np.ndarray]:
    """Boundary lines of the union of flagged parcels (parcels tile the county: a coverage)."""
    if len(flagged) == 0:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            union = shapely.coverage_union_all(flagged)
            if not union.is_valid:
                raise shapely.errors.GEOSException("not a coverage")
        except shapely.errors.GEOSException:
            union = shapely.union_all(shapely.make_valid(flagged))
    boundary = shapely.get_parts(shapely.line_merge(shapely.boundary(union)))
    return _lines(boundary)
