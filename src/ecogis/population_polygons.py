"""Population given as polygons: a vector grid, 街道 / 社区 polygons with a count, or a table joined to boundaries.

Census and bureau figures rarely come as a GeoTIFF.  They come as

* a **polygon grid** (a fishnet of 100 m / 1 km cells with a count field), or
  街道 / 社区 (sub-district / community) polygons with their 常住人口;
* a **table of counts** (CSV / Excel, one row per 街道 or 社区 with a code or a
  name) and a boundary layer to join it to by that key.

:class:`PolygonPopulation` holds such polygons and their counts and answers the
question the coverage check asks of a raster: how many people live inside a
zone.  Each polygon's people are spread **evenly over its area**, so a zone
holding a fraction *f* of a polygon's area gets *f* times its count
(area-weighted areal interpolation); the intersections are exact (GEOS), in the
metric CRS the check works in.  ``stop_coverage(..., population=...)`` takes a
raster path as before, or a polygon layer (path or GeoDataFrame) or a
:class:`PolygonPopulation`, and reports the same ``population_total``,
``population_covered`` and ``population_share``.

Checks made when the polygons are read, each with its figure:

* counts that are negative or infinite are an error (naming the features);
  blank counts are counted as 0 and said so;
* polygons that overlap would count people twice: more than 1 % of their area
  overlapping is an error, less a warning;
* polygons that cover only part of the audited area: a warning with the share
  covered (the people outside them are not counted);
* table rows whose key matches no boundary (their people are lost) and
  boundaries without a row: warnings with the counts; a key repeated in the table
  is an error.

Examples
--------
>>> import geopandas as gpd, shapely
>>> cells = gpd.GeoDataFrame({"人口": [100.0, 300.0]},
...                          geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)], crs=4547)
>>> pop = PolygonPopulation(cells)
>>> pop.count_field
'人口'
>>> half = gpd.GeoSeries([shapely.box(50, 0, 150, 100)], crs=4547)
>>> float(pop.zonal_population(half)[0])  # half of each cell
200.0
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ecogis.errors import InputError, LayerReadError
from ecogis.io import _read_text_table, read_layer

__all__ = [
    "COUNT_NAMES",
    "PolygonPopulation",
    "as_polygon_population",
    "population_from_table",
    "population_source",
    "read_population_polygons",
]

log = logging.getLogger(__name__)

#: column names taken as the count when ``count`` is not given (case-insensitive, first match wins per name)
COUNT_NAMES = ("population", "pop", "pop_count", "persons", "people", "人口", "人口数", "总人口", "常住人口",
               "户籍人口", "人数", "count", "value", "sum")
_RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".img", ".asc", ".nc")
_POLY = (3, 6)  # Polygon, MultiPolygon


def _count_column(df: pd.DataFrame, count: str | None, where: str) -> str:
    if count is not None:
        if count not in df.columns:
            raise InputError(f"{where}: has no column {count!r} (it has {list(df.columns)}); name the count column")
        return count
    lower = {str(c).strip().lower(): c for c in df.columns if c != getattr(df, "_geometry_column_name", None)}
    found = [lower[n] for n in COUNT_NAMES if n in lower]
    if len(found) > 1:
        raise InputError(f"{where}: several columns may be the count ({', '.join(map(str, found))}); say which "
                         f"(count='...' in Python, --population-field on the command line)")
    if not found:
        numeric = [str(c) for c in df.columns if c != getattr(df, "_geometry_column_name", None)
                   and pd.api.types.is_numeric_dtype(df[c])]
        raise InputError(f"{where}: no population count column found (looked for {', '.join(COUNT_NAMES)}; numeric "
                         f"columns are {numeric}); say which (count='...' / --population-field)")
    return found[0]


def _counts(values: pd.Series, where: str, col: str, ids: pd.Index, warnings: list[str]) -> np.ndarray:
    num = pd.to_numeric(values, errors="coerce").to_numpy(float)
    text_bad = values.notna().to_numpy() & np.isnan(num) & values.astype(str).str.strip().ne("").to_numpy()
    if text_bad.any():
        rows = ", ".join(str(i) for i in ids[text_bad][:5])
        raise InputError(f"{where}: {int(text_bad.sum())} value(s) of {col!r} are not numbers (features {rows}, e.g. "
                         f"{values[text_bad].iloc[0]!r}); fix them")
    bad = np.isinf(num) | (num < 0)
    if bad.any():
        rows = ", ".join(str(i) for i in ids[bad][:5])
        raise InputError(f"{where}: {int(bad.sum())} feature(s) have a negative or infinite {col!r} (features {rows}"
                         f"{' ...' if bad.sum() > 5 else ''}, e.g. {num[bad][0]:g}); a count of people is >= 0")
    blank = np.isnan(num)
    if blank.any():
        warnings.append(f"{where}: {int(blank.sum())} feature(s) have no {col!r}; counted as 0 people")
        num = np.where(blank, 0.0, num)
    return num


class PolygonPopulation:
    """People counted on polygons, spread evenly over each polygon.

    Parameters
    ----------
    polygons : GeoDataFrame
        Polygons with a CRS and a count column; not modified.
    count : str, optional
        The count column; found among :data:`COUNT_NAMES` when not given.
    source : str, optional
        What the polygons are, for messages (default: the file they came from).

    Attributes
    ----------
    count_field : str
    total : float
        People in all polygons.
    warnings : list of str
        What reading found (blank counts, overlaps, unmatched keys).
    """

    def __init__(self, polygons: gpd.GeoDataFrame, count: str | None = None, *, source: str | None = None) -> None:
        if not isinstance(polygons, gpd.GeoDataFrame):
            raise InputError(f"population polygons were {type(polygons).__name__} but are expected to be a "
                             f"GeoDataFrame of polygons with a count column")
        self.source = source or polygons.attrs.get("source") or "population polygons"
        where = self.source
        if polygons.crs is None:
            raise InputError(f"{where}: the polygons have no CRS; set one (e.g. .set_crs('EPSG:4490'))")
        self.warnings: list[str] = list(polygons.attrs.get("population_warnings", []))
        geoms = np.asarray(polygons.geometry.values, dtype=object)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        types = shapely.get_type_id(geoms[present])
        if not np.isin(types, _POLY).all():
            found = sorted(set(polygons.geom_type[present].unique()) - {"Polygon", "MultiPolygon"})
            raise InputError(f"{where}: holds {', '.join(found)} geometries; population polygons must be polygons "
                             f"(a population raster goes to --population as a GeoTIFF)")
        self.count_field = _count_column(polygons, count, where)
        values = _counts(polygons[self.count_field], where, self.count_field, polygons.index, self.warnings)
        if (~present & (values > 0)).any():
            n = int((~present & (values > 0)).sum())
            raise InputError(f"{where}: {n} feature(s) with people have no geometry "
                             f"({values[~present & (values > 0)].sum():,.0f} people); fix or remove them")
        self.crs = polygons.crs
        self._geoms = geoms[present]
        self._values = values[present]
        self.total = float(self._values.sum())
        self.name = Path(self.source).name
        self._metric: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, shapely.STRtree]] = {}

    def __repr__(self) -> str:
        return f"PolygonPopulation({self.source!r}, {len(self._values)} polygons, {self.total:,.0f} people)"

    def __str__(self) -> str:
        return f"{self.source} ({self.count_field})"

    def _in(self, crs: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, shapely.STRtree]:
        key = gpd.GeoSeries([], crs=crs).crs.to_wkt()
        if key not in self._metric:
            g = gpd.GeoSeries(self._geoms, crs=self.crs).to_crs(crs)
            geoms = np.asarray(g.values, dtype=object)
            bad = ~shapely.is_valid(geoms)
            if bad.any():
                geoms = geoms.copy()
                geoms[bad] = shapely.make_valid(geoms[bad])
                self.warnings.append(f"{self.source}: {int(bad.sum())} invalid polygon(s) repaired with make_valid")
            areas = shapely.area(geoms)
            zero = (areas <= 0) & (self._values > 0)
            if zero.any():
                raise InputError(f"{self.source}: {int(zero.sum())} polygon(s) with people have no area "
                                 f"({self._values[zero].sum():,.0f} people); they cannot be spread over the area")
            self._metric[key] = (geoms, areas, self._values, shapely.STRtree(geoms))
            self._check_overlap(geoms, areas)
        return self._metric[key]

    def _check_overlap(self, geoms: np.ndarray, areas: np.ndarray) -> None:
        tree = shapely.STRtree(geoms)
        a, b = tree.query(geoms)  # pairs of intersecting bounding boxes
        keep = a < b
        a, b = a[keep], b[keep]
        # neighbours of a grid or a tiling only touch: their boxes overlap by nothing, no GEOS call needed
        lo = shapely.bounds(geoms)
        w = np.minimum(lo[a, 2], lo[b, 2]) - np.maximum(lo[a, 0], lo[b, 0])
        h = np.minimum(lo[a, 3], lo[b, 3]) - np.maximum(lo[a, 1], lo[b, 1])
        tol = 1e-9 * max(float(np.sqrt(np.median(areas))) if areas.size else 1.0, 1.0)
        keep = (w > tol) & (h > tol)
        a, b = a[keep], b[keep]
        if a.size == 0:
            return
        over_each = shapely.area(shapely.intersection(geoms[a], geoms[b]))
        real = over_each > 0
        a, b = a[real], b[real]
        if a.size == 0:
            return
        over = float(over_each[real].sum())
        share = over / float(areas.sum()) if areas.sum() > 0 else 0.0
        if share < 1e-9:
            return
        msg = (f"{self.source}: {a.size} pair(s) of polygons overlap over {over:,.0f} m2 ({share:.2%} of their "
               f"area); people there are counted twice")
        if share > 0.01:
            raise InputError(msg + "; population polygons must not overlap (are 街道 and 社区 mixed in one layer?)")
        self.warnings.append(msg)

    def zonal_population(self, zones: gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray, crs: Any = None, *,
                         progress: bool | None = None) -> np.ndarray:
        """People inside each zone: the sum of count x (area of polygon in zone / area of polygon).

        Parameters
        ----------
        zones : GeoSeries, GeoDataFrame or array of geometries
            The zones (with a CRS, or ``crs`` for a bare array); the intersections
            are computed in that CRS, so give a metric one.
        crs : CRS-like, optional
            CRS of a bare array of geometries.
        progress : bool, optional
            Accepted for the call :class:`ecogis.population.RasterPopulation` answers too;
            polygons need no progress bar.

        Returns
        -------
        numpy.ndarray
            One float per zone.
        """
        if isinstance(zones, gpd.GeoDataFrame):
            zones = zones.geometry
        if isinstance(zones, gpd.GeoSeries):
            if zones.crs is None:
                raise InputError("zones have no CRS; set one before counting population")
            crs, z = zones.crs, np.asarray(zones.values, dtype=object)
        else:
            z = np.asarray(zones, dtype=object)
            if crs is None:
                raise InputError("zones as bare geometries need crs=...")
        out = np.zeros(len(z), dtype=float)
        ok = np.flatnonzero(~(shapely.is_missing(z) | shapely.is_empty(z)))
        if ok.size == 0:
            return out
        zz = z[ok].copy()
        bad = ~shapely.is_valid(zz)
        if bad.any():
            zz[bad] = shapely.make_valid(zz[bad])
        geoms, areas, values, tree = self._in(crs)
        zi, pi = tree.query(zz, predicate="intersects")
        if zi.size == 0:
            return out
        shapely.prepare(zz)
        frac = np.ones(zi.size)
        inside = shapely.contains_properly(zz[zi], geoms[pi])
        part = ~inside
        if part.any():
            inter = shapely.area(shapely.intersection(zz[zi[part]], geoms[pi[part]]))
            frac[part] = np.minimum(inter / areas[pi[part]], 1.0)
        out[ok] = np.bincount(zi, weights=values[pi] * frac, minlength=ok.size)
        return out

    def covered_share(self, area: shapely.Geometry, crs: Any) -> float:
        """Share (0-1) of ``area`` (a polygon in ``crs``) that the polygons cover."""
        geoms, _, _, tree = self._in(crs)
        hits = tree.query(area, predicate="intersects")
        if hits.size == 0 or area.area <= 0:
            return 0.0
        shapely.prepare(area)
        whole = shapely.contains_properly(area, geoms[hits])
        part = hits[~whole]
        inside = float(shapely.area(geoms[hits[whole]]).sum()) + float(
            shapely.area(shapely.intersection(geoms[part], area)).sum())
        return min(inside / float(area.area), 1.0)

    @property
    def label(self) -> str:
        """How messages name it."""
        return f"population {self}"

    def area_figures(self, area: shapely.Geometry, crs: Any, *,
                     progress: bool | None = None) -> tuple[float, list[str], dict[str, Any]]:
        """The audited area's people, with no further warnings or metrics (the checks of these polygons are in
        :meth:`audit_warnings`); the call :class:`ecogis.population.RasterPopulation` answers too."""
        return float(self.zonal_population(np.array([area], dtype=object), crs)[0]), [], {}

    def audit_warnings(self, area: shapely.Geometry, crs: Any) -> list[str]:
        """What a coverage result over ``area`` must say about these polygons (reading notes, partial cover)."""
        out = list(dict.fromkeys(self.warnings))
        share = self.covered_share(area, crs)
        if share < 0.999:
            out.append(f"population polygons {self.source} cover {share:.1%} of the area audited; people in the other "
                       f"{1 - share:.1%} are not counted, so population_total is a lower bound and population_share "
                       f"is the share of the people counted")
        return out

    def demand_points(self, zone: shapely.Geometry, crs: Any, *, spacing_m: float) -> gpd.GeoDataFrame:
        """The people of ``zone`` as weighted points, ``spacing_m`` apart inside each polygon (for siting stops)."""
        geoms, areas, values, tree = self._in(crs)
        hits = tree.query(zone, predicate="intersects")
        xs, ys, ws = [], [], []
        pieces = shapely.intersection(geoms[hits], zone)
        for piece, poly_area, value in zip(pieces, areas[hits], values[hits]):
            if piece.is_empty or value <= 0:
                continue
            people = value * piece.area / poly_area
            minx, miny, maxx, maxy = piece.bounds
            gx, gy = np.meshgrid(np.arange(minx + spacing_m / 2, maxx, spacing_m),
                                 np.arange(miny + spacing_m / 2, maxy, spacing_m))
            gx, gy = gx.ravel(), gy.ravel()
            inside = shapely.contains_xy(piece, gx, gy) if gx.size else np.zeros(0, dtype=bool)
            if not inside.any():
                rp = piece.representative_point()
                gx, gy, inside = np.array([rp.x]), np.array([rp.y]), np.array([True])
            n = int(inside.sum())
            xs.append(gx[inside])
            ys.append(gy[inside])
            ws.append(np.full(n, people / n))
        x = np.concatenate(xs) if xs else np.zeros(0)
        y = np.concatenate(ys) if ys else np.zeros(0)
        w = np.concatenate(ws) if ws else np.zeros(0)
        return gpd.GeoDataFrame({"population": w}, geometry=gpd.points_from_xy(x, y), crs=crs)


def read_population_polygons(path: str | os.PathLike, *, count: str | None = None, layer: str | None = None,
                             crs: Any = None) -> PolygonPopulation:
    """Population polygons from a file (any vector format :func:`ecogis.io.read_layer` reads).

    Examples
    --------
    >>> pop = read_population_polygons("grid_100m.gpkg", count="pop")  # doctest: +SKIP
    """
    gdf = read_layer(path, layer=layer, assume_crs=crs)
    return PolygonPopulation(gdf, count, source=str(path))


def _key(values: pd.Series) -> pd.Series:
    """Join keys as text: 4111020001, 4111020001.0 and ' 4111020001 ' are one key."""
    def one(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, (float, np.floating)) and float(v).is_integer():
            return str(int(v))
        return str(v).strip()
    return values.map(one)


def population_from_table(table: str | os.PathLike | pd.DataFrame, boundaries: str | os.PathLike | gpd.GeoDataFrame,
                          *, key: str, boundary_key: str | None = None, count: str | None = None,
                          crs: Any = None) -> PolygonPopulation:
    """Counts from a table joined to boundary polygons by a key (街道 code or name).

    Parameters
    ----------
    table : path or DataFrame
        CSV / Excel (or a DataFrame) with the key and a count column.
    boundaries : path or GeoDataFrame
        The polygons (街道 / 社区) with the same key.
    key : str
        The key column of the table.
    boundary_key : str, optional
        The key column of the boundaries (default: ``key``).
    count : str, optional
        The count column of the table (found among :data:`COUNT_NAMES` when not given).
    crs : CRS-like, optional
        CRS of a boundary file that states none.

    Returns
    -------
    PolygonPopulation
        Its ``warnings`` list rows that matched no boundary (and their people) and
        boundaries that got no row.

    Raises
    ------
    ecogis.errors.InputError
        A missing key column, a key repeated in the table, no row matching at all.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, shapely
    >>> streets = gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[shapely.box(0, 0, 1000, 1000),
    ...                             shapely.box(1000, 0, 2000, 1000)], crs=4547)
    >>> pop = population_from_table(pd.DataFrame({"code": ["A", "B"], "常住人口": [5000, 7000]}), streets, key="code")
    >>> pop.total
    12000.0
    """
    if isinstance(table, pd.DataFrame):
        df, twhere = table, "population table"
    else:
        df, twhere = _read_text_table(Path(table), None), str(table)
    if isinstance(boundaries, gpd.GeoDataFrame):
        b, bwhere = boundaries, boundaries.attrs.get("source") or "boundaries"
    else:
        b, bwhere = read_layer(boundaries, assume_crs=crs), str(boundaries)
    bkey = boundary_key or key
    if key not in df.columns:
        raise InputError(f"{twhere}: has no key column {key!r} (it has {list(df.columns)})")
    if bkey not in b.columns:
        raise InputError(f"{bwhere}: has no key column {bkey!r} (it has {[c for c in b.columns if c != 'geometry']}); "
                         f"give boundary_key= (--population-boundary-key) when the names differ")
    col = _count_column(df, count, twhere)
    warnings: list[str] = []
    tk = _key(df[key])
    dup = tk.duplicated(keep=False) & tk.notna()
    if dup.any():
        raise InputError(f"{twhere}: key {tk[dup].iloc[0]!r} appears {int((tk == tk[dup].iloc[0]).sum())} times "
                         f"({int(dup.sum())} rows with repeated keys); one row per boundary is expected")
    values = pd.Series(_counts(df[col], twhere, col, df.index, warnings), index=tk.to_numpy())
    bk = _key(b[bkey])
    bdup = bk.duplicated(keep=False) & bk.notna()
    if bdup.any():
        raise InputError(f"{bwhere}: key {bk[bdup].iloc[0]!r} names {int((bk == bk[bdup].iloc[0]).sum())} polygons; "
                         f"dissolve them first (one polygon per key)")
    matched = tk.isin(set(bk.dropna())).to_numpy()
    if not matched.any():
        raise InputError(f"{twhere}: no key of column {key!r} matches {bwhere}'s {bkey!r} (e.g. {tk.iloc[0]!r} vs "
                         f"{bk.iloc[0]!r}); check the key columns")
    if (~matched).any():
        lost = float(values[~matched].sum())
        warnings.append(f"{twhere}: {int((~matched).sum())} row(s) match no boundary in {bwhere} (e.g. "
                        f"{tk[~matched].iloc[0]!r}); their {lost:,.0f} people ({lost / max(values.sum(), 1e-12):.1%}) "
                        f"are not counted")
    got = bk.map(values[matched])
    unmatched_b = got.isna() & bk.notna()
    if unmatched_b.any():
        warnings.append(f"{bwhere}: {int(unmatched_b.sum())} polygon(s) have no row in {twhere} (e.g. "
                        f"{bk[unmatched_b].iloc[0]!r}); counted as 0 people")
    joined = b[[b.geometry.name]].copy()
    joined["population"] = got.fillna(0.0).to_numpy(float)
    joined.attrs = {"population_warnings": warnings}
    for w in warnings:
        log.warning(w)
    return PolygonPopulation(joined, "population", source=f"{twhere} joined to {bwhere} by {key!r}")


def as_polygon_population(population: Any, *, count: str | None = None) -> PolygonPopulation | None:
    """The polygon population a ``population=`` argument names, or None when it is a raster (path).

    A :class:`PolygonPopulation` is itself; a GeoDataFrame and a vector file
    (any suffix but a raster's) are read as polygons with a count.

    Examples
    --------
    >>> as_polygon_population("worldpop.tif") is None
    True
    """
    if population is None or isinstance(population, PolygonPopulation):
        return population
    if isinstance(population, gpd.GeoDataFrame):
        return PolygonPopulation(population, count)
    if isinstance(population, (str, os.PathLike)):
        p = Path(population)
        if p.suffix.lower() in _RASTER_SUFFIXES:
            return None
        if not p.exists():
            raise LayerReadError(f"population {str(p)!r} does not exist; give a GeoTIFF of persons per cell or "
                                 f"polygons with a count")
        return read_population_polygons(p, count=count)
    return None


def population_source(path: str | os.PathLike, *, count: str | None = None, table: str | os.PathLike | None = None,
                      key: str | None = None, boundary_key: str | None = None,
                      crs: Any = None) -> Path | PolygonPopulation:
    """What ``--population`` names: a raster (its path), polygons with a count, or boundaries a table is joined to.

    Parameters
    ----------
    path : path-like
        A population GeoTIFF, polygons with a count, or (with ``table``) the boundaries.
    count : str, optional
        The count column (of the polygons, or of the table).
    table, key, boundary_key : optional
        A CSV / Excel of counts joined to ``path`` by ``key`` (:func:`population_from_table`).
    crs : CRS-like, optional
        CRS of a vector file that states none (what ``--crs`` means).

    Examples
    --------
    >>> population_source("worldpop.tif")
    PosixPath('worldpop.tif')
    """
    p = Path(path)
    if table is not None:
        if key is None:
            raise InputError(f"a population table ({table}) is joined to {p} by a key; give key= "
                             f"(--population-key), the column both share (街道代码, 社区名称 ...)")
        return population_from_table(table, p, key=key, boundary_key=boundary_key, count=count, crs=crs)
    if key is not None or boundary_key is not None:
        raise InputError("key= (--population-key) joins a table of counts; give the table too (--population-table)")
    if p.suffix.lower() in _RASTER_SUFFIXES:
        if count is not None:
            raise InputError(f"{p} is a raster (persons per cell); a count field applies to population polygons")
        return p
    return read_population_polygons(p, count=count, crs=crs)
