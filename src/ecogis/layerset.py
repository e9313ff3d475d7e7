"""A study area's layers, by kind.

:class:`LayerSet` holds the vector layers (GeoDataFrames with canonical fields)
and raster paths of one study area.  :func:`load_layers` reads a directory (every
GeoPackage layer, Shapefile, GeoJSON ... whose name is a catalogue kind) and
:func:`load_sample` the embedded central-Luohe sample in ``layers/``.

Examples
--------
>>> from ecogis.layerset import load_sample
>>> sample = load_sample()  # doctest: +SKIP
>>> sample.get("bus_stops").shape  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ecogis.amap import is_amap_busline
from ecogis.catalogue import CATALOGUE, RASTERS, guess_kind
from ecogis.crs import CRSLike
from ecogis.errors import InputError, NotMeasurableError, ValidationError
from ecogis.gate import check_layer
from ecogis.gtfs import is_gtfs
from ecogis.io import TABLE_SUFFIXES, VECTOR_SUFFIXES, list_layers, read_layer
from ecogis.osm import OSM_KINDS, read_osm
from ecogis.tables import TABLES, canonicalize_table, find_tables, read_table

__all__ = ["LayerSet", "load_layers", "load_sample", "sample_dir", "RASTER_SUFFIXES"]

log = logging.getLogger(__name__)

RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".img")


#: the sample as an installed ecogis carries it (copied from layers/ into every wheel by setup.py)
PACKAGED_SAMPLE = Path(__file__).resolve().parent / "data" / "sample"
#: the sample's one source, in the source tree of an editable install
SOURCE_SAMPLE = Path(__file__).resolve().parents[2] / "layers"


def sample_dir() -> Path:
    """Where the embedded sample lives.

    ``$ECOGIS_SAMPLE`` if set; else the copy installed with ecogis
    (``ecogis/data/sample``, in every wheel); else ``layers/`` of the source tree
    an editable install runs from.  The working directory is never searched.

    Raises
    ------
    InputError
        When none of them holds ``luohe.gpkg``.

    Examples
    --------
    >>> (sample_dir() / "luohe.gpkg").is_file()  # doctest: +SKIP
    True
    """
    env = os.environ.get("ECOGIS_SAMPLE")
    candidates = [Path(env).expanduser()] if env else [PACKAGED_SAMPLE, SOURCE_SAMPLE]
    for c in candidates:
        if (c / "luohe.gpkg").is_file():
            return c
    raise InputError(
        "the embedded sample was not found (looked in " + ", ".join(str(c) for c in candidates) + "); "
        + ("ECOGIS_SAMPLE names a directory without luohe.gpkg: unset it or point it at the sample"
           if env else
           "reinstall ecogis (pip install . or its wheel carries the sample), or in a source tree rebuild "
           "layers/ with python scripts/build_sample.py")
    )


@dataclass
class LayerSet:
    """Layers of one study area by kind.

    Attributes
    ----------
    vectors : dict of str to GeoDataFrame
        Catalogue kind -> layer (canonical field names, known CRS).
    rasters : dict of str to Path
        Raster kind -> file.
    root : Path or None
        Directory the layers came from.
    name : str
        Display name.
    """

    vectors: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    rasters: dict[str, Path] = field(default_factory=dict)
    root: Path | None = None
    name: str = ""
    #: record tables (:mod:`ecogis.tables`) by kind: a file, read on first use by :meth:`table`, or a DataFrame
    tables: dict[str, Path | pd.DataFrame] = field(default_factory=dict)
    #: kind -> (layer as given, what the input gate made of it): each layer is checked once
    _gated: dict[str, tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]] = field(default_factory=dict, init=False,
                                                                         repr=False, compare=False)
    _tables_read: dict[str, tuple[Any, pd.DataFrame]] = field(default_factory=dict, init=False, repr=False,
                                                              compare=False)

    def has(self, kind: str) -> bool:
        return kind in self.vectors or kind in self.rasters or kind in self.tables

    def table(self, kind: str) -> pd.DataFrame:
        """A record table (:mod:`ecogis.tables`) by kind, read and checked on first use.

        NotMeasurableError naming the kind when absent; :class:`ecogis.errors.LayerReadError`
        naming file, row and column when the file is bad (only the checks that take it fail).
        """
        try:
            given = self.tables[kind]
        except KeyError:
            where = f" in {self.root}" if self.root else ""
            raise NotMeasurableError(f"table {kind!r} missing{where} (give {kind}.csv or {kind}.xlsx)") from None
        source, read = self._tables_read.get(kind, (None, None))
        if source is not given:
            read = (canonicalize_table(given, kind, source=f"table {kind!r}") if isinstance(given, pd.DataFrame)
                    else read_table(given, kind))
            self._tables_read[kind] = (given, read)  # kept beside ``tables``, which stays as given
        return read

    def get(self, kind: str) -> gpd.GeoDataFrame:
        """The layer of a kind, through the input gate; NotMeasurableError naming the kind when absent.

        The first time a layer is taken it passes :func:`ecogis.gate.check_layer`:
        what can be repaired without doubt (axes swapped back ...) is repaired
        once, logged, and the repair travels with the layer into the results'
        warnings; anything else raises :class:`ecogis.errors.ValidationError`, so
        only the checks that need a bad layer fail.
        """
        try:
            gdf = self.vectors[kind]
        except KeyError:
            where = f" in {self.root}" if self.root else ""
            raise NotMeasurableError(f"layer {kind!r} missing{where}") from None
        source, gated = self._gated.get(kind, (None, None))
        if source is not gdf:
            gated, repaired = check_layer(gdf, kind, what=kind)
            for message in repaired:
                log.info("%s", message)
            # kept beside ``vectors``, which stays as given: a LayerSet passed to a check is not changed
            self._gated[kind] = (gdf, gated)
        return gated

    def optional(self, kind: str) -> gpd.GeoDataFrame | None:
        """:meth:`get`, or None when the layer set has no layer of that kind."""
        return self.get(kind) if kind in self.vectors else None

    def raster(self, kind: str) -> Path:
        try:
            return self.rasters[kind]
        except KeyError:
            where = f" in {self.root}" if self.root else ""
            raise NotMeasurableError(f"raster {kind!r} missing{where}") from None

    def study_area(self, scope: str = "中心城区") -> gpd.GeoDataFrame:
        """Study-area features of one scope (中心城区, 城市建成区, 区 ...)."""
        areas = self.get("study_area")
        sel = areas[areas["scope"] == scope] if "scope" in areas else areas.iloc[0:0]
        if sel.empty:
            have = sorted(set(areas["scope"].dropna())) if "scope" in areas else []
            raise NotMeasurableError(f"study_area has no feature with scope {scope!r} (has {have})")
        return sel

    def districts(self) -> gpd.GeoDataFrame | None:
        """District (区/县) features of the study area, or None."""
        if "study_area" not in self.vectors or "scope" not in self.vectors["study_area"]:
            return None
        areas = self.vectors["study_area"]
        d = areas[areas["scope"].isin(["区", "县"])]
        return d if not d.empty else None

    def without(self, *kinds: str) -> "LayerSet":
        """A copy lacking some kinds (what-if audits, tests)."""
        return LayerSet({k: v for k, v in self.vectors.items() if k not in kinds},
                        {k: v for k, v in self.rasters.items() if k not in kinds}, self.root, self.name,
                        {k: v for k, v in self.tables.items() if k not in kinds})

    def summary(self) -> pd.DataFrame:
        """One row per layer: kind, features, geometry type, CRS."""
        rows = [
            {"kind": k, "features": len(g), "geometry": ",".join(sorted(set(g.geom_type.dropna()))),
             "crs": g.crs.to_string() if g.crs else None}
            for k, g in self.vectors.items()
        ]
        rows += [{"kind": k, "features": None, "geometry": "raster", "crs": None, "path": str(p)}
                 for k, p in self.rasters.items()]
        return pd.DataFrame(rows)


def _iter_sources(root: Path):
    for p in sorted(root.iterdir()):
        suffix = p.suffix.lower()
        if p.name.startswith("."):
            continue
        if p.stem.lower() in TABLES:  # record tables (air_daily.csv ...): LayerSet.tables, read by LayerSet.table
            continue
        if _transit_export(p):
            for kind in ("bus_stops", "bus_routes"):
                yield ("vector", kind, p, None)
            continue
        if suffix in RASTER_SUFFIXES:
            kind = guess_kind(p.name)
            if kind in RASTERS:
                yield ("raster", kind, p, None)
        elif suffix in VECTOR_SUFFIXES + TABLE_SUFFIXES and suffix not in (".json",) or suffix == ".geojson":
            for layer in list_layers(p):
                # GeoPackage layers count only when named exactly by kind (others, such as
                # eco_redlines_2018, stay available to read explicitly)
                kind = layer if layer in _VECTOR_KINDS else (None if suffix == ".gpkg" else guess_kind(p.name))
                if kind in _VECTOR_KINDS:
                    yield ("vector", kind, p, layer if suffix == ".gpkg" else None)
                else:
                    log.debug("%s: layer %r is not a catalogue kind; skipped", p, layer)


def _fill_from_osm(ls: LayerSet, root: Path) -> None:
    """Kinds still missing, from the ``.osm.pbf`` extracts in the directory (:func:`ecogis.osm.read_osm`)."""
    for p in sorted(q for q in root.iterdir() if q.name.lower().endswith(".pbf") and not q.name.startswith(".")):
        given = [k for k in OSM_KINDS if k in ls.vectors]
        if given:
            log.info("%s: %s given by other files; not read from the extract", p, ", ".join(given))
        missing = [k for k in OSM_KINDS if k not in ls.vectors]
        if missing:
            ls.vectors.update(read_osm(p, missing))


#: population polygons (a grid, 街道 / 社区 with counts) sit among the vectors under this kind
_VECTOR_KINDS = (*CATALOGUE, "population")


def _transit_export(p: Path) -> bool:
    """A GTFS feed (.zip or directory) or an Amap bus-line JSON: bus_stops and bus_routes from one file."""
    return (is_gtfs(p) and p.name.lower() != "stops.txt") or is_amap_busline(p)


def load_layers(path: str | os.PathLike, *, crs: CRSLike | None = None) -> LayerSet:
    """Read every layer of a directory (or one GeoPackage) whose name is a kind.

    Parameters
    ----------
    path : path-like
        A directory, a GeoPackage whose layers are named by kind, or an
        OpenStreetMap ``.osm.pbf`` (:func:`ecogis.osm.read_osm`).  The ``.osm.pbf``
        extracts in a directory fill the kinds its other files do not give.
    crs : CRS-like, optional
        CRS to assume for files that state none.
    """
    root = Path(path)
    if not root.exists():
        raise InputError(f"{root}: no such directory or file")
    ls = LayerSet(root=root, name=root.stem)
    if root.is_file() and root.name.lower().endswith(".pbf"):
        ls.vectors.update(read_osm(root))
        if not ls.vectors:
            raise InputError(f"{root}: the extract holds none of the kinds an .osm.pbf fills")
        return ls
    if root.is_file():
        if root.suffix.lower() != ".gpkg":
            raise InputError(f"--layers {root} is a {root.suffix or 'suffix-less'} file but is expected to be a "
                             f"directory of layers or a GeoPackage (.gpkg) whose layers are named by kind; give the "
                             f"directory, or pass a single file with the command's own option (e.g. --stops)")
        for layer in list_layers(root):
            kind = layer if layer in CATALOGUE else None
            if kind in CATALOGUE:
                ls.vectors[kind] = read_layer(root, kind, layer=layer, assume_crs=crs)
        if not ls.vectors:
            raise InputError(f"{root}: no layer named by a kind (layers are {list_layers(root)}); name GeoPackage "
                             f"layers by kind ({', '.join(sorted(CATALOGUE))})")
        return _gate_on_read(ls)
    for what, kind, p, layer in _iter_sources(root):
        if what == "raster":
            ls.rasters.setdefault(kind, p)
        elif kind in ls.vectors:
            log.warning("%s: a second %r layer; keeping the first (%s)", p, kind, ls.vectors[kind].attrs.get("source"))
        else:
            ls.vectors[kind] = read_layer(p, kind if kind in CATALOGUE else None, layer=layer, assume_crs=crs)
    _fill_from_osm(ls, root)
    ls.tables.update(find_tables(root))
    if not ls.vectors and not ls.rasters and not ls.tables:
        raise InputError(
            f"{root}: no layers found; name files or GeoPackage layers by kind ({', '.join(sorted(CATALOGUE))})"
        )
    return _gate_on_read(ls)


def _gate_on_read(ls: LayerSet) -> LayerSet:
    """Pass every layer through the input gate as it is read, so maps and exports get the repaired copies
    too; a layer the gate refuses is kept as read, and :meth:`LayerSet.get` raises when a check takes it."""
    for kind in list(ls.vectors):
        if kind not in CATALOGUE:  # population polygons: ecogis.population_polygons checks its own counts and cover
            continue
        try:
            ls.vectors[kind] = gated = ls.get(kind)
        except ValidationError as exc:
            log.debug("%s: kept as read; the checks that take it will fail: %s", kind, exc)
        else:
            ls._gated[kind] = (gated, gated)
    return ls


def load_sample() -> LayerSet:
    """The embedded central-Luohe (漯河) sample."""
    ls = load_layers(sample_dir())
    ls.name = "漯河市中心城区（示例数据）"
    return ls
