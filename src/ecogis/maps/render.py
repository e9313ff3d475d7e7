"""Self-contained HTML maps of layers and check results.

Every map is a :class:`folium.Map` whose page needs no network: folium's CDN
links are dropped and Leaflet, its plugins (marker clustering, full screen,
measuring) and their images are inlined from pinned npm packages (see
:mod:`ecogis.maps.assets`).  The data travel as one JSON document inside the
page and are drawn by a small script (:mod:`ecogis.maps.runtime`) on a canvas:

* layers are styled by meaning from :mod:`ecogis.styles`, drawn bottom to top by
  the style's ``order``, and each gets a legend section and a layer-control entry;
* lines and polygons are simplified at display scale (see
  :func:`display_tolerance_m`) and coordinates rounded to 6 decimals (~0.1 m);
* point layers with more than ``cluster_threshold`` features are clustered;
* popups and tooltips show the feature's fields as *text*: nothing from the data
  is ever parsed as HTML;
* a panel shows the title, key numbers and notes (basemap needs network, data
  shifted to GCJ-02 for Amap ...); scale bar, full screen and measuring tools.

Examples
--------
>>> import geopandas as gpd, shapely
>>> from ecogis.maps import layer_map, write_map
>>> stops = gpd.GeoDataFrame({"id": ["1"], "name": ["人民路站"]},
...                          geometry=[shapely.Point(114.0165, 33.5815)], crs=4490)
>>> m = layer_map({"bus_stops": stops}, title="公交站点")  # doctest: +SKIP
>>> write_map(m, "maps/stops.html")  # doctest: +SKIP
PosixPath('maps/stops.html')
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

from ecogis.checks import CHECK_CONTEXT, CHECK_TITLES, CHECKS
from ecogis.crs import to_crs, to_metric
from ecogis.errors import CatalogueError, InputError, OutputExistsError
from ecogis.io import atomic_output
from ecogis.maps.assets import AssetError, page_assets
from ecogis.maps.basemaps import basemap_spec, resolve_tianditu_key
from ecogis.maps.extent import _opening_bounds, display_tolerance_m, fitted_zoom
from ecogis.maps.format import format_metric, json_value, params_text, popup_fields, popup_records, result_panel
from ecogis.maps.labels import LAYER_TITLES, UI, group_title
from ecogis.maps.rasters import OPACITY, raster_overlay
from ecogis.maps.runtime import RUNTIME_CSS, RUNTIME_JS
from ecogis.maps.titleblock import dedupe_labels, feature_labels
from ecogis.maps.titleblock import title_block as make_title_block
from ecogis.progress import progress_bar
from ecogis.styles import GROUP_ORDER, Category, LayerStyle, Symbol, style_for
from ecogis.units import format_value

__all__ = [
    "CHECK_CONTEXT",
    "LANGS",
    "context_layers_for",
    "display_tolerance_m",
    "external_references",
    "fitted_zoom",
    "format_metric",
    "layer_map",
    "overview_map",
    "result_map",
    "write_index",
    "write_map",
    "write_maps",
]

log = logging.getLogger(__name__)

LANGS = ("zh", "en")

_LABELS = UI

#: Leaflet pane of raster images: under the vector overlays (400), above the tiles (200)
_RASTER_PANE = "ecogisRasters"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_DASH = re.compile(r"^[0-9 .,]*$")


# --- scale and simplification -------------------------------------------------------


def _safe_symbol(sym: Symbol, geom: str = "polygon") -> dict[str, Any]:
    for c in (sym.color, sym.fill_color):
        if c is not None and not _HEX.match(c):
            raise CatalogueError(f"style colour {c!r} is not '#rrggbb'")
    if sym.dash is not None and not _DASH.match(sym.dash):
        raise CatalogueError(f"style dash {sym.dash!r} is not a list of numbers")
    out = sym.to_leaflet()
    if geom == "line":  # Leaflet would fill the area between a river's ends and its chord
        out.update(fill=False, fillOpacity=0.0)
    return out


def _style_or_generic(name: str) -> LayerStyle:
    try:
        return style_for(name)
    except CatalogueError:
        return LayerStyle(name, name, name, None, (), Symbol("#555555", "#999999", 0.35, 1.5, 5.0),
                          "基础", 50)


def _geometry_class(gdf: gpd.GeoDataFrame) -> str:
    types = set(gdf.geom_type.dropna())
    if types and types <= {"Point", "MultiPoint"}:
        return "point"
    if types and types <= {"LineString", "MultiLineString", "LinearRing"}:
        return "line"
    return "polygon"


def _feature_collection(gdf: gpd.GeoDataFrame, records: list[dict[str, Any]]) -> str:
    """GeoJSON text of a lon/lat GeoDataFrame, coordinates rounded to 6 decimals, properties as given."""
    geoms = shapely.transform(gdf.geometry.to_numpy(), lambda c: np.round(c, 6))
    gjson = shapely.to_geojson(geoms)
    parts = []
    for rec, g in zip(records, gjson):
        props = json.dumps(rec, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        parts.append('{"type":"Feature","properties":' + props + ',"geometry":' + g + "}")
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def _to_lonlat(gdf: gpd.GeoDataFrame, name: str, data_crs: str, tolerance_m: float | None) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        raise InputError(f"layer {name!r} has no CRS; set one (gdf.set_crs(...)) before mapping it")
    gdf = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if tolerance_m and len(gdf) and _geometry_class(gdf) != "point":
        metric = to_metric(gdf)
        simplified = metric.geometry.simplify(tolerance_m, preserve_topology=True)
        gdf = metric.set_geometry(simplified)
    return to_crs(gdf, "gcj02" if data_crs == "gcj02" else 4326)


def _layer_spec(name: str, gdf: gpd.GeoDataFrame, style: LayerStyle, *, lang: str,
                cluster_threshold: int, area_unit: str = "auto") -> tuple[dict[str, Any], dict[str, Any], str]:
    """Config of one layer (data as a placeholder), its legend entry, and its GeoJSON text."""
    n = len(gdf)
    geom = _geometry_class(gdf) if n else "polygon"
    cats: list[Category] = list(style.categories)
    # a layer whose style field is absent or empty (sections not yet rated) is drawn with one symbol
    categorized = bool(style.field and cats and style.field in gdf.columns and gdf[style.field].notna().any())
    if categorized:
        lookup = {c.value: i for i, c in enumerate(cats)}
        values = gdf[style.field].tolist()
        cat_idx = [lookup.get(str(json_value(v)) if not isinstance(v, (bool, np.bool_)) else str(bool(v)), -1)
                   if json_value(v) is not None else -1 for v in values]
    else:
        cat_idx = [-1] * n
    counts = np.bincount(np.asarray(cat_idx, dtype=int) + 1, minlength=len(cats) + 1) if n else \
        np.zeros(len(cats) + 1, dtype=int)
    labels = _LABELS[lang]
    if categorized:
        rows = [{"label": c.label(lang), "symbol": _safe_symbol(c.symbol, geom), "count": int(counts[i + 1])}
                for i, c in enumerate(cats) if counts[i + 1] > 0 or n == 0]
        if counts[0] > 0:
            rows.append({"label": labels["other"], "symbol": _safe_symbol(style.default, geom), "count": int(counts[0])})
    else:
        rows = [{"label": style.title(lang), "symbol": _safe_symbol(style.default, geom), "count": n}]
    layer_id = re.sub(r"[^A-Za-z0-9_-]+", "_", name)
    legend = {"id": layer_id, "title": style.title(lang), "group": style.group,
              "groupTitle": group_title(style.group, lang=lang), "geometry": geom, "rows": rows}
    cols = [c for c in gdf.columns if c != gdf.geometry.name
            and not isinstance(gdf[c].dtype, gpd.array.GeometryDtype)]
    fields = popup_fields(name, cols, lang=lang)
    spec = {
        "id": layer_id, "kind": name, "title": style.title(lang), "count": n, "geometry": geom,
        "cluster": bool(geom == "point" and n > cluster_threshold),
        "categories": [{"value": c.value, "symbol": _safe_symbol(c.symbol, geom)} for c in cats],
        "default": _safe_symbol(style.default, geom), "cat": cat_idx,
        "fields": [[f, label] for f, label, _unit in fields],
    }
    return spec, legend, _feature_collection(gdf, popup_records(gdf, fields, lang=lang, area_unit=area_unit))


def _script_json(text: str) -> str:
    """JSON made safe inside a <script> element: no '<', '>', '&' or line separators."""
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class _Raw(Element):
    """Markup inserted verbatim.

    branca re-parses the output of a template macro as a Jinja template, so text
    from the data (a name containing ``{{``) must never travel through one; this
    element renders its text as is.
    """

    def __init__(self, text: str) -> None:
        super().__init__("")
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


def _asset_markup(title: str, lang: str) -> str:
    """<title>, Leaflet, plugins and the ecogis runtime, inlined."""
    css, js = page_assets(lang=lang)
    parts = [f"<title>{html.escape(title)}</title>"]
    for name, text in css + [("ecogis.css", RUNTIME_CSS)]:
        text = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", text)
        if re.search(r"</style", text, re.IGNORECASE):
            raise AssetError(f"{name} contains '</style'; cannot inline it safely")
        parts.append(f'<style data-asset="{html.escape(name)}">\n{text}\n</style>')
    for name, text in js + [("ecogis-map.js", RUNTIME_JS)]:
        # source maps are not shipped: drop the comments that point at them
        text = re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)
        if re.search(r"</script", text, re.IGNORECASE):
            raise AssetError(f"{name} contains '</script'; cannot inline it safely")
        parts.append(f'<script data-asset="{html.escape(name)}">\n{text}\n</script>')
    return "\n".join(parts)


class _EcogisRender(MacroElement):
    """The call that draws the layers once the Leaflet map exists."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        'ecogisRender({{ this._parent.get_name() }}, "{{ this.config_id }}");'
        "{% endmacro %}"
    )

    def __init__(self, config_id: str) -> None:
        super().__init__()
        self._name = "EcogisRender"
        self.config_id = config_id


def _check_options(basemap: str, lang: str):
    if lang not in LANGS:
        raise InputError(f"lang was {lang!r} but is expected to be one of {list(LANGS)}")
    return basemap_spec(basemap)


def layer_map(  # noqa: PLR0913 -- one keyword-only option per documented parameter (public API)
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    title: str,
    basemap: str = "none",
    lang: str = "zh",
    panel: Mapping[str, Any] | None = None,
    notes: Sequence[str] = (),
    tianditu_key: str | None = None,
    cluster_threshold: int = 2000,
    simplify_tolerance_m: float | None = None,
    focus: Sequence[str] | None = None,
    area_unit: str = "auto",
    title_block: Mapping[str, Any] | None = None,
    rasters: Mapping[str, Any] | None = None,
) -> folium.Map:
    """A self-contained map of named layers.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Layer name -> features.  Names that are catalogue kinds or result layers
        (``'gaps'``, ``'violations'`` ...) get their style from
        :mod:`ecogis.styles`; other names a neutral grey.  Any CRS.
    title : str
        Map title (panel and page title).
    basemap : {'none', 'osm', 'tianditu-vec', 'tianditu-img', 'amap'}
        ``'none'`` (default) works offline; the others need network.  For
        ``'amap'`` the data are shifted to GCJ-02.
    lang : {'zh', 'en'}
        Language of titles, labels and notes.
    panel : mapping, optional
        Key numbers shown under the title (label -> value, see :func:`format_metric`).
    notes : sequence of str
        Extra notes for the panel.
    tianditu_key : str, optional
        天地图 key for the Tianditu basemaps (default ``$TIANDITU_KEY``).
    cluster_threshold : int
        Point layers with more features than this are clustered.
    simplify_tolerance_m : float, optional
        Line/polygon simplification tolerance in metres; default
        :func:`display_tolerance_m` of the data's extent; 0 disables it.
    focus : sequence of str, optional
        Names of the layers the map opens on (their joint extent); default, or
        when they are all empty: every layer.
    area_unit : {'auto', 'km2', 'ha', 'm2'}
        Unit of the areas in the panel and popups; ``'auto'`` chooses by size
        (see :func:`ecogis.units.format_value`).
    title_block : mapping, optional
        What the title block says (:func:`ecogis.maps.titleblock.title_block`);
        default: the files of ``layers`` (their ``attrs["source"]``), today's date.
    rasters : mapping of str to RasterLayer, optional
        Grids drawn under the vector layers, each coloured with a sequential
        ramp and given a legend section (:mod:`ecogis.maps.rasters`).

    Returns
    -------
    folium.Map
        Write it with :func:`write_map`.

    Raises
    ------
    InputError
        Unknown basemap or language, a Tianditu basemap without key, a layer without CRS.
    AssetError
        The inlined assets are missing and cannot be fetched.

    Examples
    --------
    >>> m = layer_map({"sections": sections}, title="断面水质", panel={"达标率_share": 0.8})  # doctest: +SKIP
    """
    spec = _check_options(basemap, lang)
    key = resolve_tianditu_key(spec, tianditu_key)
    frames = {str(k): v for k, v in layers.items() if v is not None}
    for k, v in frames.items():
        if not isinstance(v, gpd.GeoDataFrame):
            raise InputError(f"layer {k!r} is a {type(v).__name__}; expected a GeoDataFrame")
    # extent in lon/lat (before any GCJ shift) -> display tolerance
    extents = [to_crs(v, 4326).total_bounds for v in frames.values() if v.crs is not None and len(v)]
    extents = [e for e in extents if np.all(np.isfinite(e))]
    bounds = None
    if extents:
        arr = np.array(extents)
        bounds = (arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max())
    tol = simplify_tolerance_m
    if tol is None:
        tol = display_tolerance_m(bounds) if bounds is not None else 0.0

    styled = sorted(frames.items(), key=lambda kv: (_style_or_generic(kv[0]).order, kv[0]))
    layer_cfgs, legend, datas = [], [], []
    names: list[list[Any]] = []
    titles: set[str] = set()
    for name, gdf in styled:
        style = _style_or_generic(name)
        if style.title(lang) in titles:  # two layers share a style ('zones' and 'control_zones'): tell them apart
            zh, en = LAYER_TITLES.get(name, (f"{style.title_zh} · {name}", f"{style.title_en} · {name}"))
            style = dataclasses.replace(style, title_zh=zh, title_en=en)
        titles.add(style.title(lang))
        lonlat = _to_lonlat(gdf, name, spec.data_crs, tol)
        names += feature_labels(name, lonlat)
        cfg, leg, data = _layer_spec(name, lonlat, style, lang=lang, cluster_threshold=cluster_threshold,
                                     area_unit=area_unit)
        layer_cfgs.append(cfg)
        legend.append(leg)
        datas.append(data)
    overlays = [raster_overlay(k, r, lang=lang, data_crs=spec.data_crs) for k, r in (rasters or {}).items()]
    for ov in overlays:
        legend.append(dict(ov.legend, groupTitle=group_title(ov.legend["group"], lang=lang)))
    group_rank = {g: i for i, g in enumerate(GROUP_ORDER)}
    order = {n: _style_or_generic(n).order for n in frames}
    legend.sort(key=lambda e: (group_rank.get(e["group"], len(GROUP_ORDER)), -order.get(e["kind"], 0))
                if "kind" in e else (group_rank.get(e["group"], len(GROUP_ORDER)), 0))

    all_bounds, bounds = _opening_bounds(frames, focus, spec.data_crs, overlays, bounds if datas else None)

    rows = [list(format_metric(k, v, lang=lang, area_unit=area_unit)) for k, v in (panel or {}).items()]
    all_notes = list(spec.notes(lang)) + [str(n) for n in notes]
    token = uuid.uuid4().hex
    for i, cfg in enumerate(layer_cfgs):
        cfg["data"] = f"{token}:{i}"
    config = {
        "title": str(title), "lang": lang, "bounds": all_bounds, "maxZoom": 19, "labels": _LABELS[lang],
        "basemap": {"name": spec.name, "title": spec.title(lang), "none": not spec.tiles,
                    "tiles": [t.to_leaflet(key) for t in spec.tiles]},
        "panel": {"title": str(title), "rows": rows, "notes": all_notes},
        "layers": layer_cfgs, "legend": legend, "featureLabels": dedupe_labels(names),
        "titleBlock": dict(title_block) if title_block is not None else make_title_block(frames, lang=lang),
        "rasters": [],
    }
    image_layers = []
    for ov in overlays:
        img = folium.raster_layers.ImageOverlay(ov.data_uri, bounds=ov.bounds, opacity=OPACITY, name=ov.title,
                                                pane=_RASTER_PANE, interactive=False, cross_origin=False)
        image_layers.append(img)
        config["rasters"].append({"id": ov.id, "title": ov.title, "count": ov.cells, "layer": img.get_name()})
    text = json.dumps(config, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for i, data in enumerate(datas):
        text = text.replace(f'"{token}:{i}"', data, 1)

    center = [35.0, 105.0] if all_bounds is None else [
        (all_bounds[0][0] + all_bounds[1][0]) / 2, (all_bounds[0][1] + all_bounds[1][1]) / 2]
    zoom = 4 if bounds is None else fitted_zoom(bounds)
    m = folium.Map(location=center, zoom_start=zoom, tiles=None, prefer_canvas=True, control_scale=False,
                   max_zoom=19)
    # folium's CDN links go; everything is inlined instead
    m.default_js = []
    m.default_css = []
    config_id = "ecogis-config-" + uuid.uuid4().hex[:12]
    root = m.get_root()
    root.header.add_child(_Raw(_asset_markup(str(title), lang)), name="ecogis_assets")
    root.html.add_child(_Raw(f'<script type="application/json" id="{config_id}">{_script_json(text)}</script>'),
                        name="ecogis_data")
    if image_layers:
        m.add_child(folium.map.CustomPane(_RASTER_PANE, z_index=350))
    for img in image_layers:
        m.add_child(img)
    m.add_child(_EcogisRender(config_id))
    m.ecogis_info = {"title": str(title), "layers": {c["id"]: c["count"] for c in layer_cfgs},
                     "basemap": spec.name, "data_crs": spec.data_crs, "simplify_tolerance_m": tol,
                     "notes": all_notes, "rasters": {r["id"]: r["count"] for r in config["rasters"]}}
    log.debug("map %r: %d layer(s), %d feature(s), basemap %s, simplified at %.2f m", title, len(layer_cfgs),
             sum(c["count"] for c in layer_cfgs), spec.name, tol)
    return m


def overview_map(layerset, *, title: str | None = None, basemap: str = "none", lang: str = "zh",
                 tianditu_key: str | None = None, kinds: Sequence[str] | None = None,
                 **kwargs: Any) -> folium.Map:
    """Map of every vector layer of a :class:`~ecogis.layerset.LayerSet`.

    Parameters
    ----------
    layerset : LayerSet
        The layers (``layerset.vectors``).
    title : str, optional
        Default ``'<name> 图层总览'`` / ``'<name>: overview of layers'``.
    kinds : sequence of str, optional
        Only these kinds.
    basemap, lang, tianditu_key, **kwargs
        As for :func:`layer_map`.

    Examples
    --------
    >>> from ecogis.layerset import load_sample
    >>> m = overview_map(load_sample())  # doctest: +SKIP
    """
    _check_options(basemap, lang)
    vectors = {k: v for k, v in layerset.vectors.items() if kinds is None or k in kinds}
    name = layerset.name or "ecogis"
    labels = _LABELS[lang]
    if title is None:
        title = f"{name} {labels['overview']}" if lang == "zh" else f"{name}: {labels['overview'].lower()}"
    panel = {labels["layers"]: format_value(len(vectors), "count", lang=lang),
             labels["features"]: format_value(int(sum(len(v) for v in vectors.values())), "count", lang=lang)}
    kwargs.setdefault("title_block", make_title_block(vectors, area=layerset.name or None, lang=lang))
    return layer_map(vectors, title=title, basemap=basemap, lang=lang, panel=panel, tianditu_key=tianditu_key,
                     **kwargs)


def context_layers_for(check: str, layerset) -> dict[str, gpd.GeoDataFrame]:
    """The layers of ``layerset`` a check's map shows as context (its ``CheckSpec.context``)."""
    kinds = CHECK_CONTEXT.get(check, ("study_area",))
    return {k: layerset.vectors[k] for k in kinds if k in layerset.vectors}


def check_title(key: str, *, lang: str = "zh") -> str:
    """Display title of a check, or of an audit key ``check/scope@param=value``.

    Examples
    --------
    >>> check_title("coverage/中心城区"), check_title("air", lang="en"), check_title("my-check")
    ('公交站点覆盖 · 中心城区', 'Air quality', 'my-check')
    >>> check_title("boilers@radius_m=15000")
    '热电联产供热半径内燃煤锅炉 · 供热半径 15 km'
    """
    head, _, params = str(key).partition("@")
    name, _, scope = head.partition("/")
    base = CHECK_TITLES.get(name, (name, name))[0 if lang == "zh" else 1]
    return " · ".join(part for part in (base, scope, params_text(name, params, lang=lang) if params else "")
                      if part)


def result_map(result, context_layers: Mapping[str, gpd.GeoDataFrame] | None = None, *,
               title: str | None = None, basemap: str = "none", lang: str = "zh",
               tianditu_key: str | None = None, layerset=None, area: str | None = None,
               **kwargs: Any) -> folium.Map:
    """Map of one check result: its violations, its layers and the context layers it concerns.

    Parameters
    ----------
    result : CheckResult
        The check's result; its metrics fill the panel, ``not_measurable`` and
        ``warnings`` become notes.
    context_layers : mapping of str to GeoDataFrame, optional
        Input layers to draw under the result (e.g. from :func:`context_layers_for`).
    title : str, optional
        Default: the check's title (:func:`check_title`).
    layerset : LayerSet, optional
        The layers the check ran on: the title block lists the files of its inputs
        (``CheckSpec.inputs``) and names the area.
    area : str, optional
        The audited area for the title block (default the layer set's name,
        with the scope of a scoped check).
    basemap, lang, tianditu_key, **kwargs
        As for :func:`layer_map`.

    Examples
    --------
    >>> m = result_map(result, context_layers_for(result.name, layers))  # doctest: +SKIP
    >>> write_map(m, "maps/water-sources.html", overwrite=True)  # doctest: +SKIP
    """
    _check_options(basemap, lang)
    layers: dict[str, gpd.GeoDataFrame] = dict(context_layers or {})
    for k, v in (result.layers or {}).items():
        if isinstance(v, gpd.GeoDataFrame):
            layers[k] = v
    if result.violations is not None:
        layers["violations"] = result.violations
    panel, notes = result_panel(result, lang=lang, area_unit=kwargs.get("area_unit", "auto"))
    if "title_block" not in kwargs:
        kwargs["title_block"] = _result_title_block(result, layers, layerset, area, lang)
    # open on what the check found (its layers and violations), the context around it
    kwargs.setdefault("focus", [k for k in layers if k not in (context_layers or {})])
    kwargs.setdefault("rasters", dict(getattr(result, "rasters", None) or {}))
    return layer_map(layers, title=title or check_title(result.name, lang=lang), basemap=basemap, lang=lang,
                     panel=panel,
                     notes=notes, tianditu_key=tianditu_key, **kwargs)


def _result_title_block(result, layers, layerset, area: str | None, lang: str) -> dict[str, Any]:
    """The title block of a result map: its inputs' files, the area it audited."""
    sources = dict(layers)
    rasters = {}
    if layerset is not None:
        spec = CHECKS.get(result.name)
        for kind in (spec.inputs if spec is not None else ()):
            if kind in layerset.vectors:
                sources.setdefault(kind, layerset.vectors[kind])
            elif kind in layerset.rasters:
                rasters[kind] = layerset.rasters[kind]
        if area is None:
            area = layerset.name or None
    return make_title_block(sources, area=area, lang=lang, rasters=rasters)


_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe|source|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*["']?\s*"""
    r"""((?:https?:)?//[^"'\s>]+)""",
    re.IGNORECASE,
)


def external_references(page: str) -> list[str]:
    """URLs a page would load from the network through its markup (scripts, styles, images ...).

    Links a user may click (``<a href>``) are not loads and are not listed.

    Examples
    --------
    >>> external_references('<script src="https://cdn.example/leaflet.js"></script><a href="https://x">x</a>')
    ['https://cdn.example/leaflet.js']
    """
    return _EXTERNAL.findall(page)


def _human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def write_map(m: folium.Map, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a map as one self-contained HTML file, atomically.

    Parameters
    ----------
    m : folium.Map
        From :func:`layer_map`, :func:`overview_map` or :func:`result_map`.
    path : path-like
        Output ``.html``.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    Path
        The file written; its size is logged (``path.stat().st_size``).

    Raises
    ------
    OutputExistsError
        When the file exists and ``overwrite`` is false.

    Examples
    --------
    >>> p = write_map(m, "maps/overview.html", overwrite=True)  # doctest: +SKIP
    >>> p.stat().st_size  # doctest: +SKIP
    """
    page = m.get_root().render()
    refs = external_references(page)
    if refs:
        log.warning("%s loads %d resource(s) from the network (%s ...); it will not work offline",
                    path, len(refs), refs[0])
    with atomic_output(path, overwrite=overwrite) as tmp:
        tmp.write_text(page, encoding="utf-8")
    out = Path(path)
    log.debug("wrote %s (%s)", out, _human_size(out.stat().st_size))
    return out


def write_index(maps_dir: str | os.PathLike, entries: Sequence[Any], *, title: str | None = None,
                lang: str = "zh", overwrite: bool = False) -> Path:
    """Write ``maps_dir/index.html`` linking the maps.

    Parameters
    ----------
    maps_dir : path-like
        Directory of the maps; the index goes there.
    entries : sequence
        Each a path (title = file stem), a ``(title, path)`` pair or a dict with
        ``title``, ``path`` and optional ``description``.  Paths may be absolute
        or relative to ``maps_dir`` and must lie inside it.
    title : str, optional
        Page title.
    lang : {'zh', 'en'}
    overwrite : bool
        Replace an existing index.

    Returns
    -------
    Path
        ``maps_dir/index.html``.

    Examples
    --------
    >>> write_index("maps", [("总览", "maps/overview.html")], overwrite=True)  # doctest: +SKIP
    PosixPath('maps/index.html')
    """
    if lang not in LANGS:
        raise InputError(f"lang was {lang!r} but is expected to be one of {list(LANGS)}")
    root = Path(maps_dir)
    labels = _LABELS[lang]
    rows = []
    for e in entries:
        if isinstance(e, Mapping):
            t, p, d = e.get("title"), e.get("path"), e.get("description", "")
        elif isinstance(e, (tuple, list)):
            t, p, d = (e[0], e[1], e[2] if len(e) > 2 else "")
        else:
            t, p, d = None, e, ""
        if p is None:
            raise InputError(f"index entry {e!r} has no path")
        p = Path(p)
        full = p if p.is_absolute() else (p if p.parts[: len(root.parts)] == root.parts else root / p)
        try:
            rel = full.resolve().relative_to(root.resolve())
        except ValueError:
            raise InputError(f"index entry {str(p)!r} is not inside {str(root)!r}; maps and index must share it") from None
        size = _human_size(full.stat().st_size) if full.exists() else "\u2014"
        rows.append(
            f'<tr><td><a href="{html.escape(quote(rel.as_posix()))}">{html.escape(str(t or rel.stem))}</a></td>'
            f"<td>{html.escape(str(d or ''))}</td><td class=\"n\">{html.escape(size)}</td></tr>"
        )
    page_title = title or labels["index"]
    page = f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(page_title)}</title>
<style>body{{font:14px/1.5 "Helvetica Neue",Arial,"Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse}}td,th{{padding:4px 12px 4px 0;border-bottom:1px solid #ddd;text-align:left}}
td.n{{text-align:right;color:#666;white-space:nowrap}}</style></head>
<body><h1>{html.escape(page_title)}</h1>
<table><thead><tr><th>{labels['map']}</th><th></th><th>{labels['size']}</th></tr></thead><tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    target = root / "index.html"
    with atomic_output(target, overwrite=overwrite) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return target


#: file-name parts for the study-area scopes of audit keys ("coverage/中心城区" -> coverage_central-city.html)
_SCOPE_SLUGS = {"中心城区": "central-city", "主城区": "main-city", "城市建成区": "built-up-area", "市域": "city",
                "全市": "whole-city", "市区": "urban-districts", "区": "district", "县": "county"}


def _slug(name: str) -> str:
    for zh, en in _SCOPE_SLUGS.items():
        name = re.sub(rf"(?<=/){zh}$", en, name)
    # letters of any script stay (two scopes differing only in Chinese must not write the same file);
    # what a file system or a URL could trip on becomes "-"
    s = re.sub(r"[^\w.-]+", "-", str(name)).strip("-.")
    return s or "map"


def write_maps(layerset, results: Sequence[Any] | Mapping[str, Any] | None = None,
               out_dir: str | os.PathLike = "maps", *,
               basemap: str = "none", lang: str = "zh", tianditu_key: str | None = None,
               overwrite: bool = False, **kwargs: Any) -> list[Path]:
    """Write the overview map, one map per check result and ``index.html``.

    Parameters
    ----------
    layerset : LayerSet
        The layers.
    results : sequence of CheckResult, or mapping of key to CheckResult, optional
        One map each, named ``<check name>.html`` (``<key>.html`` for a mapping,
        ``/`` becoming ``_``), with :func:`context_layers_for`.
    out_dir : path-like
        Output directory (created).
    basemap, lang, tianditu_key, **kwargs
        As for :func:`layer_map`.
    overwrite : bool
        Replace existing files (checked for every file before any is written).

    Returns
    -------
    list of Path
        The maps, then the index.

    Examples
    --------
    >>> write_maps(load_sample(), out_dir="maps", overwrite=True)  # doctest: +SKIP
    [PosixPath('maps/overview.html'), PosixPath('maps/index.html')]
    """
    root = Path(out_dir)
    if isinstance(results, Mapping):
        keyed = [(str(k), r) for k, r in results.items()]
    else:
        keyed = [(r.name, r) for r in (results or [])]
    results = [r for _, r in keyed]
    names = ["overview.html"] + [f"{_slug(k)}.html" for k, _ in keyed] + ["index.html"]
    if len(set(names)) != len(names):
        raise InputError(f"two results would write the same file: {names}")
    if not overwrite:
        existing = [str(root / n) for n in names if (root / n).exists()]
        if existing:
            raise OutputExistsError(f"{', '.join(existing)} exist(s); pass overwrite=True (--overwrite) to replace")
    labels = _LABELS[lang]
    written: list[Path] = []
    entries = []
    m = overview_map(layerset, basemap=basemap, lang=lang, tianditu_key=tianditu_key, **kwargs)
    written.append(write_map(m, root / "overview.html", overwrite=overwrite))
    entries.append({"title": m.ecogis_info["title"], "path": "overview.html"})
    for (key, r), fname in zip(progress_bar(keyed, desc="maps", unit="map"), names[1:-1]):
        scope = key.partition("@")[0].partition("/")[2]
        name = layerset.name or ""
        area = " · ".join([p for p in (name,) if p] + ([scope] if scope and scope not in name else [])) or None
        m = result_map(r, context_layers_for(r.name, layerset), basemap=basemap, lang=lang,
                       tianditu_key=tianditu_key, layerset=layerset, area=area, **kwargs)
        written.append(write_map(m, root / fname, overwrite=overwrite))
        entries.append({"title": check_title(key, lang=lang), "path": fname,
                        "description": f"{labels['violations']}: {r.n_violations}"})
    written.append(write_index(root, entries, title=f"{layerset.name or 'ecogis'} {labels['index']}",
                               lang=lang, overwrite=overwrite))
    return written
