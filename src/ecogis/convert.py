"""Whole-file CRS conversion, GCJ-02 and BD-09 included.

Examples
--------
>>> from ecogis.convert import convert_file
>>> convert_file("stops_amap.csv", "stops.gpkg", src_crs="gcj02", dst_crs="EPSG:4490")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from ecogis.crs import WGS84, CRSLike, crs_label, in_mainland_china, parse_crs, to_crs
from ecogis.errors import InputError
from ecogis.gate import check_layer
from ecogis.io import list_layers, read_layer, write_layers
from ecogis.progress import progress_bar

__all__ = ["ConversionReport", "convert_layer", "convert_file"]

log = logging.getLogger(__name__)


@dataclass
class ConversionReport:
    """What a conversion did."""

    source: str
    target: str
    src_crs: str
    dst_crs: str
    layers: int
    features: int
    untouched_outside_china: int
    #: repairs the input gate made (axes swapped back ...)
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        note = (f"; {self.untouched_outside_china} feature(s) outside mainland China left untouched by the "
                f"web-map transform (Hong Kong, Macau, Taiwan and abroad use WGS84)"
                if self.untouched_outside_china else "")
        return (f"converted {self.features} feature(s) in {self.layers} layer(s) from {self.src_crs} to "
                f"{self.dst_crs}: {self.target}{note}")


def _outside_china(gdf: gpd.GeoDataFrame) -> int:
    """Features with a vertex outside mainland China (for GCJ-02/BD-09 reports)."""
    if gdf.empty:
        return 0
    g = gdf if gdf.crs is None or gdf.crs.is_geographic else gdf.to_crs(WGS84)
    coords, index = shapely.get_coordinates(np.asarray(g.geometry.values), return_index=True)
    if len(coords) == 0:
        return 0
    outside = ~in_mainland_china(coords[:, 0], coords[:, 1])
    return int(len(np.unique(index[outside])))


def convert_layer(gdf: gpd.GeoDataFrame, dst_crs: CRSLike, *, src_crs: CRSLike | None = None
                  ) -> tuple[gpd.GeoDataFrame, int]:
    """Convert one layer; returns the copy and the number of features a web-map
    transform left untouched because they lie outside mainland China."""
    src = parse_crs(src_crs) if src_crs is not None else gdf.crs
    dst = parse_crs(dst_crs)
    web = isinstance(src, str) or isinstance(dst, str)
    untouched = 0
    if web:
        probe = gdf if not isinstance(src, str) else gdf.set_crs(WGS84, allow_override=True)
        untouched = _outside_china(probe)
    return to_crs(gdf, dst, src_crs=src_crs), untouched


def convert_file(
    source: str | os.PathLike,
    target: str | os.PathLike,
    *,
    dst_crs: CRSLike,
    src_crs: CRSLike | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
) -> ConversionReport:
    """Convert every layer of a file to another CRS and write a new file.

    Parameters
    ----------
    source : path-like
        Any vector file or CSV with lon/lat.
    target : path-like
        ``.gpkg`` (all layers), ``.geojson`` or ``.fgb`` (one layer).
    dst_crs : CRS-like
        Target CRS, ``'gcj02'`` or ``'bd09'`` included.  Web-map coordinates are
        written labelled EPSG:4326, since they have no EPSG code of their own.
    src_crs : CRS-like, optional
        What the source coordinates are, when the file does not say or says it
        wrongly (GCJ-02 data is usually labelled EPSG:4326).
    overwrite : bool, default False
        Replace ``target`` if it exists.

    Returns
    -------
    ConversionReport
    """
    source, target = Path(source), Path(target)
    if source.resolve() == target.resolve():
        raise InputError(f"output {target} is the input; write the converted copy to a new file")
    layers_out: dict[str, gpd.GeoDataFrame] = {}
    warnings: list[str] = []
    untouched = features = 0
    names = list_layers(source)
    multi = len(names) > 1 or source.suffix.lower() == ".gpkg"
    first_src = None
    src_is_web = src_crs is not None and isinstance(parse_crs(src_crs), str)
    for name in progress_bar(names, desc="converting", unit="layer", progress=progress):
        # read_layer applies a stated CRS; GCJ-02 / BD-09 input comes back in CGCS2000
        gdf = read_layer(source, layer=name if multi else None, canonical=False, crs=src_crs)
        # the input gate: axes swapped back (said), coordinates that fit no reading of the CRS refused;
        # empty and invalid geometries are copied as they are
        gdf, repaired = check_layer(gdf, what="layer", leave=("missing-geometry", "empty-geometry",
                                                                        "invalid-geometry"))
        for message in repaired:
            log.warning("%s", message)
        warnings += repaired
        first_src = first_src or crs_label(src_crs if src_crs is not None else gdf.crs)
        converted, n_out = convert_layer(gdf, dst_crs)
        if src_is_web and not isinstance(parse_crs(dst_crs), str):
            n_out = _outside_china(gdf)
        untouched += n_out
        features += len(converted)
        layers_out[name if multi else target.stem] = converted
    write_layers(layers_out, target, overwrite=overwrite)
    report = ConversionReport(str(source), str(target), first_src or "?", crs_label(dst_crs), len(layers_out),
                              features, untouched, warnings)
    if untouched:
        log.warning("%s", report)
    return report
