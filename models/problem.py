"""The one numeric problem every engine reads: arrays and sparse matrices, nothing else.

Linear pieces of the model are stored as per-(parcel, use) coefficient matrices so that the
MILP builder and :func:`landalloc.models.evaluate.evaluate` read the very same numbers: a layout's value
of a linear term is ``coef[i, layout[i]]`` summed over parcels, and the MILP's is
``sum(coef[i, k] * x[i, k])``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import numpy as np
import scipy.sparse as sp

from landalloc.models.districts import DistrictTree
from landalloc.models.landuse import LandUse
from landalloc.models.rules import FairShare, Linkage, QuotaRule, RuleMatrix, build_rules
from landalloc.models.scenario import UNITS


@dataclass(frozen=True, eq=False, repr=False)
class Problem:
    """A compiled scenario over N parcels and K land uses (arrays are read-only).

    Attributes
    ----------
    uses : the K land-use classes, in column order of every N×K matrix.
    parcel_ids, area (ha), current (use index), residents : per parcel, length N.
    allowed : bool N×K, the uses each parcel may take under every active allocation rule.
    forbidden : rule name -> bool N×K, what each active rule (conversion, basic_farmland,
        eco_redline, urban_boundary) forbids on its own; ``allowed`` is the complement of
        their union.
    efficiency, ecology, change : N×K objective coefficients (a_i s_ik b_k; a_i v_k;
        a_i [k != u0_i]).
    quotas : area bounds in ha on sums of uses (one use or a group; ``construction`` is the
        construction-land cap), county-wide or of one district of ``tree``; shares : the fairness
        bands on districts' shares of their parent's quota (``[fairness]``). These, ``balance``, ``capacity`` and ``district_target`` are input
        data; every engine and report reads them as :attr:`rules`.
    balance : N×K cropland-balance coefficients (new cropland minus cropland lost to
        construction, optionally quality-weighted) or None when the rule is off.
    capacity : N×K housing capacity in persons (a_i * density_k).
    linkage : the construction-linkage rows (``[rules] construction_linkage``): the whole plan and
        each ``[linkage] pairs`` entry; empty when the rule is off.
    district : district index per parcel; districts, district_urban, district_target (NaN
        where no target or the rule is off): the leaves of ``tree``, every district of the plan
        (leaves first, then the districts above them).
    demand : parcels with residents (equity's demand points); catchment : CSR
        len(demand)×N, 1 where parcel j lies within the service radius of demand point d.
    service : column of the public-service use (-1 when the classification has none).
    edges (E×2, i<j), edge_length (km) : rook/shared-edge adjacency; compact_uses : K bool.
    centroids (N×2, m), geometry (shapely polygons), crs : where parcels are, for maps and files.
    basic_farmland, eco_redline, urban_boundary : the zoning flags (bool N), for maps.
    objectives, senses : the scenario's objectives and their senses ("max"/"min").
    units : objective -> unit as tables and charts print it (the scenario's ``[units]``).
    """

    name: str
    uses: tuple[LandUse, ...]
    parcel_ids: np.ndarray
    area: np.ndarray
    current: np.ndarray
    residents: np.ndarray
    allowed: np.ndarray
    forbidden: dict[str, np.ndarray]
    efficiency: np.ndarray
    ecology: np.ndarray
    change: np.ndarray
    quotas: tuple[QuotaRule, ...]
    shares: tuple[FairShare, ...]
    balance: np.ndarray | None
    capacity: np.ndarray
    district: np.ndarray
    districts: tuple[str, ...]
    district_urban: np.ndarray
    district_target: np.ndarray
    tree: DistrictTree
    demand: np.ndarray
    catchment: sp.csr_matrix
    service: int
    compact_uses: np.ndarray
    edges: np.ndarray
    edge_length: np.ndarray
    centroids: np.ndarray
    geometry: np.ndarray
    basic_farmland: np.ndarray
    eco_redline: np.ndarray
    urban_boundary: np.ndarray
    objectives: tuple[str, ...]
    senses: tuple[str, ...]
    crs: str = ""
    meta: dict[str, object] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=lambda: dict(UNITS))
    linkage: tuple[Linkage, ...] = ()

    def __post_init__(self) -> None:
        for value in self.__dict__.values():
            arrays = value.values() if isinstance(value, dict) else [value]
            for array in arrays:
                if isinstance(array, np.ndarray):
                    array.flags.writeable = False

    @property
    def n_parcels(self) -> int:
        return len(self.area)

    @property
    def n_uses(self) -> int:
        return len(self.uses)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.uses)

    def use_index(self, code: str) -> int:
        """Column of a land-use code; raises KeyError naming the known codes."""
        try:
            return self.codes.index(code)
        except ValueError:
            raise KeyError(f"unknown land-use code '{code}'; known: {', '.join(self.codes)}") from None

    @property
    def locked(self) -> np.ndarray:
        """Parcels with exactly one allowed use: fixed by the rules, not decided."""
        return self.allowed.sum(axis=1) == 1

    @property
    def free(self) -> np.ndarray:
        """Indices of parcels with a choice (the decision variables of every engine)."""
        return np.flatnonzero(~self.locked)

    @cached_property
    def rules(self) -> RuleMatrix:
        """Every area-linear rule (quotas, cropland balance, housing capacity, construction linkage) as
        one sparse matrix: the rows ``evaluate``, the MILP builder, NSGA-II and presolve all read."""
        return build_rules(self.area, self.district, self.districts, self.n_uses, self.quotas, self.balance,
                           self.capacity, self.district_target, self.shares, self.linkage)

    @cached_property
    def catchment_by_parcel(self) -> sp.csr_matrix:
        """The catchment transposed (N × demand), for products with layouts' service parcels."""
        return self.catchment.T.tocsr()

    @cached_property
    def edge_length_groups(self) -> tuple[np.ndarray, list[np.ndarray]]:
        """Distinct edge lengths and the edges of each (grids have one or two)."""
        lengths, inverse = np.unique(self.edge_length, return_inverse=True)
        if len(lengths) > 4:
            return lengths, []
        return lengths, [np.flatnonzero(inverse == g) for g in range(len(lengths))]

    def parcel_frame(self) -> gpd.GeoDataFrame:
        """Parcel ids, today's use, district and zoning flags with geometry: the base of every map."""
        return gpd.GeoDataFrame({
            "parcel_id": self.parcel_ids, "current_use": np.array(self.codes, dtype=object)[self.current],
            "district": np.array(self.districts, dtype=object)[self.district],
            "farmland": self.basic_farmland, "eco_redline": self.eco_redline,
            "urban_boundary": self.urban_boundary}, geometry=self.geometry, crs=self.crs or None)

    @property
    def current_layout(self) -> np.ndarray:
        return np.asarray(self.current, dtype=np.int64)

    def __repr__(self) -> str:
        return (f"Problem({self.name!r}: {self.n_parcels:,} parcels in {len(self.districts):,} districts, "
                f"{self.n_uses} uses, "
                f"{len(self.free):,} free, {len(self.edges):,} edges, {len(self.demand):,} demand points, "
                f"objectives {', '.join(f'{o} ({s})' for o, s in zip(self.objectives, self.senses))})")
