"""Spatial relations the model needs: who borders whom (and how long), and who is near whom.

Both are built once, at compile time, with vectorised geometry: rook adjacency from the cell
index for grids, shared-edge lengths from an STRtree query for irregular polygons, and service
catchments from a KD-tree.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.spatial import cKDTree


def adjacency(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour pairs ``(E, 2)`` with ``i < j`` and their shared boundary length in metres.

    Grids (equal axis-aligned rectangles) use rook adjacency from the cell index, which is
    exact and fast; other polygons share an edge when their boundaries intersect in a line.
    Corner-only contacts are not neighbours in either case.
    """
    grid = _grid_index(geometries)
    if grid is not None:
        return _grid_adjacency(*grid)
    return _polygon_adjacency(geometries)


def _grid_index(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float] | None:
    """Row, column, cell width and height when every geometry is the same axis-aligned box."""
    bounds = shapely.bounds(geometries)
    width = bounds[:, 2] - bounds[:, 0]
    height = bounds[:, 3] - bounds[:, 1]
    w, h = float(np.median(width)), float(np.median(height))
    if w <= 0 or h <= 0:
        return None
    tol = 1e-6 * max(w, h)
    if np.abs(width - w).max() > tol or np.abs(height - h).max() > tol:
        return None
    if np.abs(shapely.area(geometries) - w * h).max() > 1e-6 * w * h:
        return None
    col_f = (bounds[:, 0] - bounds[:, 0].min()) / w
    row_f = (bounds[:, 1] - bounds[:, 1].min()) / h
    col, row = np.rint(col_f).astype(np.int64), np.rint(row_f).astype(np.int64)
    if np.abs(col_f - col).max() > 1e-3 or np.abs(row_f - row).max() > 1e-3:
        return None
    return row, col, w, h


def _grid_adjacency(row: np.ndarray, col: np.ndarray, w: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    n_rows, n_cols = int(row.max()) + 1, int(col.max()) + 1
    cell = np.full((n_rows, n_cols), -1, dtype=np.int64)
    cell[row, col] = np.arange(len(row))
    pairs, lengths = [], []
    for a, b, length in ((cell[:, :-1], cell[:, 1:], h), (cell[:-1, :], cell[1:, :], w)):
        both = (a >= 0) & (b >= 0)
        pair = np.stack([a[both], b[both]], axis=1)
        pairs.append(np.sort(pair, axis=1))
        lengths.append(np.full(len(pair), length))
    edges = np.concatenate(pairs)
    order = np.lexsort((edges[:, 1], edges[:, 0]))
    return edges[order], np.concatenate(lengths)[order]


def _polygon_adjacency(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    boundaries = shapely.boundary(geometries)
    shared = shapely.length(shapely.intersection(boundaries[left], boundaries[right]))
    line = shared > 1e-9
    edges = np.stack([left[line], right[line]], axis=1).astype(np.int64)
    order = np.lexsort((edges[:, 1], edges[:, 0]))
    return edges[order], shared[line][order]


def catchments(centroids: np.ndarray, demand: np.ndarray, radius: float) -> sp.csr_matrix:
    """Binary CSR ``(len(demand), N)``: entry (d, j) when parcel j is within ``radius`` of demand d.

    A demand point always covers itself, so service land on an inhabited parcel counts.
    """
    n = len(centroids)
    if len(demand) == 0:
        return sp.csr_matrix((0, n), dtype=np.int8)
    near = cKDTree(centroids[demand]).sparse_distance_matrix(
        cKDTree(centroids), radius, output_type="ndarray")
    rows = np.concatenate([near["i"], np.arange(len(demand))])
    cols = np.concatenate([near["j"], demand])
    data = np.ones(len(rows), dtype=np.int8)
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(demand), n))
    matrix.data[:] = 1  # duplicates (self pairs found twice) summed above
    return matrix
