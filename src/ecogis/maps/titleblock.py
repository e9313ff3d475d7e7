"""The title block of a map page: the audited area, the data and their dates, who made it and when.

A bureau publishes a map with its sources: each file the map's layers were
read from (its name and modification date, from the layers'
``attrs["source"]`` that :func:`ecogis.io.read_layer` records, and the
rasters of the :class:`~ecogis.layerset.LayerSet`), the ecogis version and the
date the map was made.  The page draws it bottom right with a north arrow and
a metric scale bar (:mod:`ecogis.maps.runtime`).

Examples
--------
>>> import geopandas as gpd, shapely
>>> from ecogis.maps.titleblock import title_block
>>> g = gpd.GeoDataFrame(geometry=[shapely.Point(114.0, 33.6)], crs=4490)
>>> tb = title_block({"bus_stops": g}, area="漯河市中心城区", lang="zh", made="2026-12-02")
>>> tb["area"], tb["sources"], tb["made"][-10:]
('漯河市中心城区', [], '2026-12-02')
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ecogis import __version__
from ecogis.catalogue import CATALOGUE, RASTERS
from ecogis.maps.labels import UI

__all__ = ["LABELLED", "dedupe_labels", "feature_labels", "layer_sources", "title_block"]


def _version() -> str:
    return str(__version__)


def _file_date(path: Path) -> str | None:
    try:
        return _dt.datetime.fromtimestamp(path.stat().st_mtime, tz=_dt.timezone.utc).date().isoformat()
    except OSError:
        return None


def layer_sources(layers: Mapping[str, Any], *, rasters: Mapping[str, os.PathLike] | None = None,
                  lang: str = "zh") -> list[dict[str, Any]]:
    """The files a map's layers came from: ``{"file", "date", "layers"}`` each, in first-seen order.

    ``date`` is the file's modification date (UTC, ``YYYY-MM-DD``; None when the
    file is gone); ``layers`` the display names of the kinds read from it.
    Layers made in memory (check results) have no file and add nothing.
    """
    by_file: dict[str, dict[str, Any]] = {}
    # input layers only: a result layer derived from one carries its attrs but was not read from the file
    items = [(k, (getattr(g, "attrs", {}) or {}).get("source")) for k, g in layers.items() if k in CATALOGUE]
    items += [(k, str(p)) for k, p in (rasters or {}).items()]
    for kind, src in items:
        if not src:
            continue
        p = Path(str(src))
        entry = by_file.setdefault(str(p), {"file": p.name, "date": _file_date(p), "layers": []})
        spec = CATALOGUE.get(kind) or RASTERS.get(kind)
        name = (spec.name_zh if lang == "zh" else spec.name_en) if spec is not None else kind
        if name not in entry["layers"]:
            entry["layers"].append(name)
    return list(by_file.values())


def title_block(layers: Mapping[str, Any], *, area: str | None = None, lang: str = "zh",
                rasters: Mapping[str, os.PathLike] | None = None, made: str | None = None,
                extra_sources: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """What the title block of one map page says.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        The layers whose files are the map's sources (``attrs["source"]``).
    area : str, optional
        The audited area (a :class:`~ecogis.layerset.LayerSet` name, a scope).
    lang : {'zh', 'en'}
    rasters : mapping of str to path, optional
        Rasters the map's result was computed from (population grid ...).
    made : str, optional
        Date made, default today (UTC).
    extra_sources : iterable of dict
        More ``{"file", "date", "layers"}`` entries.

    Returns
    -------
    dict
        ``area``, ``sources`` (see :func:`layer_sources`), ``made`` (``'ecogis 0.1.0 · 2026-12-02'``)
        and the words the page labels them with.
    """
    labels = UI[lang]
    made = made or _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    sources = layer_sources(layers, rasters=rasters, lang=lang) + [dict(s) for s in extra_sources]
    return {
        "area": area or "",
        "sources": sources,
        "made": f"ecogis {_version()} · {made}",
        "labels": {"area": labels["area"], "sources": labels["sources"], "made": labels["made"],
                   "north": labels["north"], "layers": labels["layers_of"]},
    }


#: layers whose features are labelled on the map by name: kind -> (field, values) that selects them, or None
LABELLED: dict[str, tuple[str, frozenset[str]] | None] = {
    "study_area": ("scope", frozenset({"区", "县"})),
    "districts": None,
    "districts_coverage": None,
    "sections": None,
    "sections_classified": None,
}


def feature_labels(kind: str, lonlat: Any) -> list[list[Any]]:
    """``[lat, lon, text, kind]`` labels of a lon/lat layer's features (districts, sections) by name.

    Polygons are labelled at a point inside them (``representative_point``), points at the point.
    """
    if kind not in LABELLED or "name" not in getattr(lonlat, "columns", ()) or not len(lonlat):
        return []
    gdf = lonlat
    sel = LABELLED[kind]
    if sel is not None:
        field, values = sel
        if field not in gdf.columns:
            return []
        gdf = gdf[gdf[field].astype(str).isin(values)]
    out = []
    for name, geom in zip(gdf["name"], gdf.geometry):
        if name is None or geom is None or geom.is_empty or not str(name).strip() or str(name) == "nan":
            continue
        pt = geom if geom.geom_type == "Point" else geom.representative_point()
        out.append([round(pt.y, 6), round(pt.x, 6), str(name), "point" if geom.geom_type == "Point" else "area"])
    return out


def dedupe_labels(labels: list[list[Any]]) -> list[list[Any]]:
    """One label per name (a district drawn by two layers, the input and the result, is named once)."""
    seen: set[str] = set()
    kept = []
    for lab in labels:
        if lab[2] not in seen:
            seen.add(lab[2])
            kept.append(lab)
    return kept
