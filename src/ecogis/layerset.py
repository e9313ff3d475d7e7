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

import geopandas as gpd
import pandas as pd

from ecogis.catalogue import CATALOGUE, RASTERS, guess_kind
from ecogis.crs import CRSLike
from ecogis.errors import InputError, NotMeasurableError
from ecogis.io import TABLE_SUFFIXES, VECTOR_SUFFIXES, list_layers, read_layer

__all__ = ["LayerSet", "load_layers", "load_sample", "sample_dir", "RASTER_SUFFIXES"]

log = logging.getLogger(__name__)

RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".img")


def sample_dir() -> Path:
    """Where the embedded sample lives.

    ``$ECOGIS_SAMPLE`` if set; else ``layers/`` of the source tree this package was
    installed from or runs in; else ``./layers``; else the copy packaged with ecogis.
    """
    env = os.environ.get("ECOGIS_SAMPLE")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [here.parents[2] / "layers", Path.cwd() / "layers", here.parent / "data" / "sample"]
    for c in candidates:
        if (c / "luohe.gpkg").exists():
            return c
    raise InputError(
        "the embedded sample was not found (looked in " + ", ".join(str(c) for c in candidates) +
        "); run from the ecogis source tree, set ECOGIS_SAMPLE, or rebuild it with python scripts/build_sample.py"
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

    def has(self, kind: str) -> bool:
        return kind in self.vectors or kind in self.rasters

    def get(self, kind: str) -> gpd.GeoDataFrame:
        """The layer of a kind; NotMeasurableError naming the kind when absent."""
        try:
            return self.vectors[kind]
        except KeyError:
            where = f" in {self.root}" if self.root else ""
            raise NotMeasurableError(f"layer {kind!r} missing{where}") from None

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
                        {k: v for k, v in self.rasters.items() if k not in kinds}, self.root, self.name)

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


#: population polygons (a grid, 街道 / 社区 with counts) sit among the vectors under this kind
_VECTOR_KINDS = (*CATALOGUE, "population")


def _transit_export(p: Path) -> bool:
    """A GTFS feed (.zip or directory) or an Amap bus-line JSON: bus_stops and bus_routes from one file."""
    from ecogis.amap import is_amap_busline
    from ecogis.gtfs import is_gtfs

    return (is_gtfs(p) and p.name.lower() != "stops.txt") or is_amap_busline(p)


def load_layers(path: str | os.PathLike, *, crs: CRSLike | None = None) -> LayerSet:
    """Read every layer of a directory (or one GeoPackage) whose name is a kind.

    Parameters
    ----------
    path : path-like
        A directory, or a GeoPackage whose layers are named by kind.
    crs : CRS-like, optional
        CRS to assume for files that state none.
    """
    root = Path(path)
    if not root.exists():
        raise InputError(f"{root}: no such directory or file")
    ls = LayerSet(root=root, name=root.stem)
    if root.is_file():
        for layer in list_layers(root):
            kind = layer if layer in CATALOGUE else None
            if kind in CATALOGUE:
                ls.vectors[kind] = read_layer(root, kind, layer=layer, assume_crs=crs)
        return ls
    for what, kind, p, layer in _iter_sources(root):
        if what == "raster":
            ls.rasters.setdefault(kind, p)
        elif kind in ls.vectors:
            log.warning("%s: a second %r layer; keeping the first (%s)", p, kind, ls.vectors[kind].attrs.get("source"))
        else:
            ls.vectors[kind] = read_layer(p, kind if kind in CATALOGUE else None, layer=layer, assume_crs=crs)
    if not ls.vectors and not ls.rasters:
        raise InputError(
            f"{root}: no layers found; name files or GeoPackage layers by kind ({', '.join(sorted(CATALOGUE))})"
        )
    return ls


def load_sample() -> LayerSet:
    """The embedded central-Luohe (漯河) sample."""
    ls = load_layers(sample_dir())
    ls.name = "漯河市中心城区 (sample)"
    return ls
