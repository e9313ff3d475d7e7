"""Hand layers to QGIS: one styled GeoPackage and a project beside it.

:func:`export_qgis` writes

* ``OUT.gpkg``: every layer reprojected to CGCS2000 (EPSG:4490), plus the
  ``layer_styles`` table QGIS reads default styles from (its own schema:
  ``f_table_schema`` ``''``, the exact geometry column name, ``useAsDefault`` 1,
  the style as QML in ``styleQML`` and as SLD in ``styleSLD``).  Opening any layer
  of the GeoPackage in QGIS (drag and drop, the browser, ``QgsVectorLayer``)
  draws it styled;
* ``OUT.qgs`` (or ``OUT.qgz``): a project whose layers point at
  ``./OUT.gpkg|layername=...`` (relative paths: move the two files together),
  project CRS the CGCS2000 3-degree Gauss-Kruger zone of the data
  (:func:`ecogis.publish.project.project_crs`: EPSG:4547 for Luohe, CM 114E; the
  data stay in EPSG:4490), the same styles embedded, layer-tree groups in the maps'
  legend order (:data:`ecogis.styles.GROUP_ORDER`, then ``style.order`` from the
  top) and the maps' drawing order (``style.order``) as the project's layer order.

* ``OUT_rasters/``: every raster, as a compressed tiled GeoTIFF ``x.tif`` with a
  sidecar style ``x.qml`` beside it (QGIS applies a same-name ``.qml`` as the
  default style whenever the GeoTIFF is opened alone).  Rasters of the layer set
  (:attr:`ecogis.layerset.LayerSet.rasters`: ``population``, ``pollutant_surface``)
  and raster outputs of checks (their ``CheckResult.rasters``, such as the air
  check's PM2.5 IDW surface, and any result layer that is a path to a GeoTIFF).  In the project they are raster layers
  (provider ``gdal``, ``./OUT_rasters/x.tif``) with a singleband pseudocolor
  renderer, at the bottom of their group and drawn under every vector layer.

How a raster is written depends on what its cells hold (:data:`RASTER_KINDS`):

* **counts** (``population``: persons per cell) keep their source grid and CRS,
  cell for cell.  Resampling a count to another grid changes the total (bilinear
  interpolates densities, not sums) and cells in degrees have unequal areas, so the
  values are not reprojected; QGIS reprojects the layer on the fly into the
  project's EPSG:4490 for display;
* **continuous surfaces** (``pollutant_surface``, the PM2.5 surface: µg/m³ at a
  point) are warped to EPSG:4490 with :func:`rasterio.warp.reproject`, bilinear,
  into cells of the source's ground size (about 100 m x 100 m, not square in
  degrees); GDAL places each source position within 1/8 cell (its approximate
  transformer).

Check results (:class:`ecogis.result.CheckResult`) passed as ``results`` are
exported too: their violations and extra layers go into a group per check inside
the 核查结果 group, as tables ``<check>__<layer>`` (rasters as
``OUT_rasters/<check>__<layer>.tif``).

A layer that mixes geometry families (points and polygons, as facilities and the
violations of some checks do) is split into ``<table>_point`` / ``_line`` /
``_polygon``, because a QGIS layer has one geometry type; single and multi parts
of one family are written as multi.  An empty layer is kept, with the geometry
type its kind has (points for violations), so that "no violations" shows too.

Examples
--------
>>> from ecogis.publish import export_qgis
>>> from ecogis.layerset import load_sample
>>> out = export_qgis(load_sample(), "luohe_qgis.gpkg", overwrite=True)  # doctest: +SKIP
>>> out.project.name  # doctest: +SKIP
'luohe_qgis.qgs'
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from ecogis.errors import CRSError, InputError, OutputExistsError
from ecogis.io import atomic_output, write_layers
from ecogis.layerset import LayerSet
from ecogis.publish.gpkg import (
    _collect,
    _finish_gpkg,
)
from ecogis.publish.layout import layout_element, layout_pages, source_text
from ecogis.publish.project import (
    _layer_id,
    _project_xml,
    _raster_datasource,
    data_bounds,
    project_crs,
)
from ecogis.publish.rasters import (
    _crs_name,
    _open_problems,
    _plan_rasters,
    _prepare_raster,
    _raster_qml,
    _RasterEntry,
    _Unavailable,
    _write_raster,
    raster_dir,
)
from ecogis.publish.tree import (
    GROUP_TITLES,
    _check_groups,
    _draw_order,
    _relative,
    _tree_order,
)

__all__ = ["ExportResult", "ExportedLayer", "ExportedLayout", "ExportedRaster", "export_qgis", "output_paths",
           "project_tree"]


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportedLayer:
    """One layer of the export.

    Attributes
    ----------
    table : str
        GeoPackage table (QGIS ``layername``).
    title : str
        Layer name in the QGIS project.
    source : str
        The layer's name in the input (kind, or the result layer's key).
    style : str
        Style kind used (:func:`ecogis.styles.style_for`).
    group : tuple of str
        Path of its group in the layer tree, top level first.
    geometry : str
        ``'point'``, ``'line'`` or ``'polygon'``.
    geometry_type : str
        GeoPackage geometry type (``'MULTIPOLYGON'`` ...).
    features : int
        Feature count.
    order : int
        Draw order (``style.order``; high is on top).
    check : str or None
        The check it comes from.
    layer_id : str
        Its id in the project.
    """

    table: str
    title: str
    source: str
    style: str
    group: tuple[str, ...]
    geometry: str
    geometry_type: str
    features: int
    order: int
    check: str | None
    layer_id: str


@dataclass(frozen=True)
class ExportedRaster:
    """One raster of the export.

    Attributes
    ----------
    name : str
        File stem (``population``, ``air__pm25_surface``).
    title : str
        Layer name in the QGIS project.
    source : str
        The raster's name in the input (kind, or ``<check>/<layer>``).
    path : Path
        The GeoTIFF, ``OUT_rasters/<name>.tif``.
    style_path : Path
        Its sidecar style, ``OUT_rasters/<name>.qml``.
    datasource : str
        Its path in the project, relative (``./OUT_rasters/<name>.tif``).
    group : tuple of str
        Path of its group in the layer tree, top level first.
    crs : str
        CRS of the written GeoTIFF (``'EPSG:4547'`` when a count keeps its grid).
    resampling : str
        ``'none'`` (source grid kept) or ``'bilinear'`` (warped to EPSG:4490).
    width, height : int
        Size in cells.
    nodata : float or None
        Nodata value of the GeoTIFF.
    minimum, maximum : float
        Smallest and largest valid cell value: the ends of the colour ramp.
    valid_cells : int
        Cells holding a value.
    total : float
        Sum of the valid cells (a population count's total).
    ramp : str
        Colour ramp (:data:`ecogis.qml.RASTER_RAMPS`).
    order : int
        Draw order among rasters (high on top).
    check : str or None
        The check it comes from.
    layer_id : str
        Its id in the project.
    """

    name: str
    title: str
    source: str
    path: Path
    style_path: Path
    datasource: str
    group: tuple[str, ...]
    crs: str
    resampling: str
    width: int
    height: int
    nodata: float | None
    minimum: float
    maximum: float
    valid_cells: int
    total: float
    ramp: str
    order: int
    check: str | None
    layer_id: str


@dataclass(frozen=True)
class ExportedLayout:
    """One print layout of the project (:mod:`ecogis.publish.layout`).

    Attributes
    ----------
    name : str
        Layout name in QGIS (Project > Layouts), ``'01 饮用水水源地'``.
    title : str
        The title printed on the page.
    check : str or None
        The check (result key) it maps; None for the overview of an export without checks.
    layers : int
        Layers on its map.
    """

    name: str
    title: str
    check: str | None
    layers: int


@dataclass
class ExportResult:
    """What :func:`export_qgis` wrote.

    Attributes
    ----------
    gpkg : Path
        The GeoPackage.
    project : Path
        The ``.qgs`` / ``.qgz`` project.
    layers : list of ExportedLayer
        Vector layers in layer-tree order (top first).
    draw_order : list of str
        Tables (and raster files, ``OUT_rasters/x.tif``) in the project's drawing
        order, top first: every raster under every vector layer.
    skipped : dict
        Input name -> why it was not exported.
    rasters : list of ExportedRaster
        Rasters in layer-tree order (top first).
    tree : list of str
        Layer ids of vectors and rasters in layer-tree order (top first).
    crs : str
        The project CRS (``'EPSG:4547'``): the Gauss-Kruger zone of the data.
    notes : list of str
        What the caller should know about the project (data spanning several
        zones; no zone found, so the project stayed in EPSG:4490).
    layouts : list of ExportedLayout
        The project's print layouts: one per check map, or one overview.
    """

    gpkg: Path
    project: Path
    layers: list[ExportedLayer] = field(default_factory=list)
    draw_order: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    rasters: list[ExportedRaster] = field(default_factory=list)
    tree: list[str] = field(default_factory=list)
    crs: str = "EPSG:4490"
    notes: list[str] = field(default_factory=list)
    layouts: list[ExportedLayout] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        """Every file written: the GeoPackage, the project, each GeoTIFF and its ``.qml``."""
        return [self.gpkg, self.project, *(p for r in self.rasters for p in (r.path, r.style_path))]

    def sizes(self) -> dict[str, int]:
        """File (relative to the GeoPackage's folder: ``luohe.gpkg``, ``luohe_rasters/population.tif``)
        -> size in bytes."""
        return {_relative(p, self.gpkg.parent): os.path.getsize(p) for p in self.paths}

    def to_dict(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            return list(v) if isinstance(v, tuple) else str(v) if isinstance(v, Path) else v

        return {
            "gpkg": str(self.gpkg), "project": str(self.project), "sizes": self.sizes(),
            "layers": [{k: plain(v) for k, v in vars(lyr).items()} for lyr in self.layers],
            "rasters": [{k: plain(v) for k, v in vars(r).items()} for r in self.rasters],
            "draw_order": self.draw_order, "skipped": self.skipped, "crs": self.crs, "notes": self.notes,
            "layouts": [vars(lo) for lo in self.layouts],
        }


def _sources(gdf: Any) -> list[Path]:
    src = getattr(gdf, "attrs", {}).get("source") if isinstance(gdf, gpd.GeoDataFrame) else None
    if not src:
        return []
    with contextlib.suppress(OSError):
        return [Path(src).resolve()]
    return []


def _check_arguments(gpkg: Path, project: str, lang: str) -> Path:
    if gpkg.suffix.lower() != ".gpkg":
        raise InputError(f"output {str(gpkg)!r} has suffix {gpkg.suffix!r} but is expected to end in '.gpkg'")
    if "|" in gpkg.name:
        raise InputError(f"output name {gpkg.name!r} contains '|', which QGIS data sources cannot hold")
    if project not in ("qgs", "qgz"):
        raise InputError(f"project was {project!r} but is expected to be one of ['qgs', 'qgz']")
    if lang not in GROUP_TITLES:
        raise InputError(f"lang was {lang!r} but is expected to be one of {sorted(GROUP_TITLES)}")
    return gpkg.with_suffix("." + project)


def output_paths(
    layers: LayerSet | Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike,
    *,
    results: Sequence[Any] | Mapping[str, Any] | None = None,
    project: str = "qgs",
) -> list[Path]:
    """Every file :func:`export_qgis` would write, without writing or computing anything.

    ``OUT.gpkg``, the project, then ``OUT_rasters/x.tif`` and ``x.qml`` for each
    raster (a raster that turns out to be empty or not reproducible is skipped at
    export time, so the export may write fewer).  Lets a caller refuse existing
    outputs before expensive work.

    Examples
    --------
    >>> from ecogis.layerset import load_sample
    >>> [p.as_posix() for p in output_paths(load_sample(), "out/luohe.gpkg")]  # doctest: +SKIP
    ['out/luohe.gpkg', 'out/luohe.qgs', 'out/luohe_rasters/population.tif', 'out/luohe_rasters/population.qml']
    """
    gpkg = Path(path)
    proj_path = _check_arguments(gpkg, project, "zh")
    rasters = _plan_rasters(layers, gpkg, results, "zh", {})
    return [gpkg, proj_path, *(p for e in rasters for p in (e.path, e.style_path))]


def _vectors_of(layers: Any) -> tuple[Mapping[str, Any], str]:
    """The vector layers to export and the default project title."""
    if isinstance(layers, LayerSet):
        return layers.vectors, layers.name
    if isinstance(layers, Mapping):
        return layers, ""
    raise InputError(f"layers is a {type(layers).__name__}; expected a LayerSet or a dict of GeoDataFrames")


def _prepare_rasters(rasters: Sequence[_RasterEntry], scratch: Path, skipped: dict[str, str]) -> list[_RasterEntry]:
    """Each raster read (a result's grid first written into ``scratch``) and prepared; one that
    cannot be exported is recorded in ``skipped``."""
    ready: list[_RasterEntry] = []
    for e in rasters:
        try:
            if e.src is None and e.make is not None:
                e.src = e.make(scratch)
            _prepare_raster(e)
        except _Unavailable as exc:
            skipped[e.source] = str(exc)
            log.warning("raster %s not exported: %s", e.source, exc)
            continue
        ready.append(e)
    return ready


def _refuse_inputs_as_outputs(vectors: Mapping[str, Any], results: Sequence[Any] | Mapping[str, Any] | None,
                              rasters: Sequence[_RasterEntry], outputs: Sequence[Path]) -> None:
    """An InputError when a file the export would write is one of its inputs."""
    targets = {p.resolve() for p in outputs}
    frames = list(vectors.values())
    rs = list(results.values()) if isinstance(results, Mapping) else list(results or [])
    for r in rs:
        frames += [r.violations] if r.violations is not None else []
        frames += list((r.layers or {}).values())
    inputs = [s for f in frames for s in _sources(f)] + [e.src.resolve() for e in rasters if e.src is not None]
    clash = sorted({str(s) for s in inputs if s in targets})
    if clash:
        raise InputError(f"{', '.join(clash)} is one of the inputs; write the export to another file")


def export_qgis(
    layers: LayerSet | Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike,
    *,
    results: Sequence[Any] | Mapping[str, Any] | None = None,
    project: str = "qgs",
    lang: str = "zh",
    overwrite: bool = False,
    title: str | None = None,
) -> ExportResult:
    """Write a styled GeoPackage, styled GeoTIFFs and a QGIS project beside them.

    Parameters
    ----------
    layers : LayerSet or mapping of str to GeoDataFrame
        The layers, named by kind (``'sections'``) or by any name a style exists
        for (others get a grey generic style).  Any CRS; written in EPSG:4490.
        A LayerSet's rasters (``population`` ...) are written to ``OUT_rasters/``.
    path : path-like
        The GeoPackage, ``OUT.gpkg``; the project is ``OUT.qgs`` / ``OUT.qgz`` beside
        it, the rasters ``OUT_rasters/<name>.tif`` with ``<name>.qml`` styles.
    results : sequence of CheckResult, or mapping of key to CheckResult, optional
        Check results whose violations and layers are exported too, in a group per
        check under 核查结果 (tables ``<check>__<layer>``).  Rasters of a result:
        a layer that is a path to a GeoTIFF, and every grid in its ``rasters``
        (:class:`ecogis.result.RasterLayer`: the air check's PM2.5 surface), written
        as the check computed it.
    project : {'qgs', 'qgz'}, default 'qgs'
        Plain XML project, or the zipped form QGIS saves by default.
    lang : {'zh', 'en'}, default 'zh'
        Language of layer names, group names, legend labels and field aliases.
    overwrite : bool, default False
        Replace existing outputs (every file, :func:`output_paths`, is checked
        before anything is written).
    title : str, optional
        Project title; default: the layer set's name or the file name.

    Returns
    -------
    ExportResult
        Paths, the layers and rasters in layer-tree order with their tables, files,
        groups and counts, the drawing order, and what was skipped.

    Raises
    ------
    OutputExistsError
        ``OUT.gpkg``, the project or a raster file exists and ``overwrite`` is False.
    InputError
        Wrong suffix, project kind or language; a layer that is not a
        GeoDataFrame; a raster that cannot be read or has several bands; nothing to
        export; the output is one of the inputs.
    CRSError
        A layer or raster without a CRS.

    Examples
    --------
    >>> from ecogis.layerset import load_sample
    >>> from ecogis.audit import run_check
    >>> sample = load_sample()  # doctest: +SKIP
    >>> out = export_qgis(sample, "out/luohe.gpkg", results=[run_check("air", sample)],
    ...                   project="qgz")  # doctest: +SKIP
    >>> [r.path.name for r in out.rasters]  # doctest: +SKIP
    ['air__pm25_surface.tif', 'population.tif']
    """
    gpkg = Path(path)
    proj_path = _check_arguments(gpkg, project, lang)
    skipped: dict[str, str] = {}
    rasters = _plan_rasters(layers, gpkg, results, lang, skipped)
    outputs = [gpkg, proj_path, *(p for e in rasters for p in (e.path, e.style_path))]
    if not overwrite:
        existing = [str(p) for p in outputs if p.exists()]
        if existing:
            raise OutputExistsError(f"{', '.join(existing)} exist(s); pass overwrite=True (--overwrite) to replace")
    vectors, default_title = _vectors_of(layers)
    _refuse_inputs_as_outputs(vectors, results, rasters, outputs)
    bad = [f"{k!r} is a {type(v).__name__}" for k, v in vectors.items() if not isinstance(v, gpd.GeoDataFrame)]
    if bad:
        raise InputError(f"layers must be GeoDataFrames: {', '.join(bad)}")
    entries = _collect(vectors, results, lang, skipped)
    if not entries:
        raise InputError("nothing to export: no vector layers given (the GeoPackage needs at least one)")
    problems = [p for p in (_open_problems(e) for e in rasters if e.src is not None) if p]
    if problems:
        kind = CRSError if all("no CRS" in p for p in problems) else InputError
        raise kind(f"{len(problems)} raster(s) cannot be exported: " + "; ".join(problems))

    rdir = raster_dir(gpkg)
    rdir_existed = rdir.exists()
    with tempfile.TemporaryDirectory(prefix="ecogis-export-") as scratch:
        rasters = _prepare_rasters(rasters, Path(scratch), skipped)

        groups, ordered = _tree_order([*entries, *rasters], lang)
        vector_order = [e for e in ordered if not e.raster]
        raster_order = [e for e in ordered if e.raster]
        drawn = _draw_order(ordered)
        ids = {e.key: _layer_id(gpkg.name, e.table, raster=e.raster) for e in ordered}
        proj_title = title or default_title or gpkg.stem
        crs, notes = project_crs(data_bounds(ordered))
        for note in notes:
            log.warning("%s: %s", proj_path, note)
        # the pages name the area (the layer set), not the project title (which may say "audit")
        pages = _pages(ordered, drawn, ids, results, vectors, gpkg, crs, default_title or proj_title, lang)

        try:
            with atomic_output(gpkg, overwrite=overwrite) as tmp:
                write_layers({e.table: e.gdf for e in vector_order}, tmp)
                facts = _finish_gpkg(tmp, vector_order, lang)
                with contextlib.ExitStack() as stack:  # every file is renamed into place only when all are written
                    for e in raster_order:
                        _write_raster(e, stack.enter_context(atomic_output(e.path, overwrite=overwrite)))
                        stack.enter_context(atomic_output(e.style_path, overwrite=overwrite)).write_text(
                            _raster_qml(e), encoding="utf-8")
                    text = _project_xml(ordered, drawn, groups, gpkg.name, facts, ids, title=proj_title, lang=lang,
                                        crs=crs, layouts=[el for _, el in pages])
                    ptmp = stack.enter_context(atomic_output(proj_path, overwrite=overwrite))
                    if project == "qgs":
                        ptmp.write_text(text, encoding="utf-8")
                    else:
                        with zipfile.ZipFile(ptmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                            zf.writestr(gpkg.with_suffix(".qgs").name, text.encode("utf-8"))
        except BaseException:
            if not rdir_existed and rdir.is_dir() and not any(rdir.iterdir()):
                rdir.rmdir()
            raise
    exported = [
        ExportedLayer(table=e.table, title=e.title, source=e.source, style=e.style.kind, group=e.group,
                      geometry=e.geometry, geometry_type=facts[e.table]["geometry_type"], features=len(e.gdf),
                      order=e.style.order, check=e.check, layer_id=ids[e.key])
        for e in vector_order
    ]
    exported_rasters = [
        ExportedRaster(name=e.table, title=e.title, source=e.source, path=e.path, style_path=e.style_path,
                       datasource=_raster_datasource(e), group=e.group, crs=_crs_name(e.profile["crs"]),
                       resampling=e.spec.resampling or "none", width=e.profile["width"], height=e.profile["height"],
                       nodata=e.profile["nodata"], minimum=e.stats["minimum"], maximum=e.stats["maximum"],
                       valid_cells=e.stats["valid_cells"], total=e.stats["total"], ramp=e.spec.ramp,
                       order=e.spec.order, check=e.check, layer_id=ids[e.key])
        for e in raster_order
    ]
    other = gpkg.with_suffix(".qgz" if project == "qgs" else ".qgs")
    if other.exists():
        log.warning("%s exists too and was not updated; open %s", other, proj_path)
    draw_names = [_relative(e.path, gpkg.parent) if e.raster else e.table for e in drawn]
    result = ExportResult(gpkg, proj_path, exported, draw_names, skipped, exported_rasters,
                          [ids[e.key] for e in ordered], _crs_name(crs), notes, [lo for lo, _ in pages])
    log.info("exported %d layer(s) to %s (%d bytes), %d raster(s) to %s and %s (%d bytes)", len(exported), gpkg,
             os.path.getsize(gpkg), len(exported_rasters), rdir, proj_path, os.path.getsize(proj_path))
    return result


def _pages(ordered: Sequence[Any], drawn: Sequence[Any], ids: dict[str, str], results: Any,  # noqa: PLR0913
           vectors: Mapping[str, Any], gpkg: Path, crs: Any, title: str,
           lang: str) -> list[tuple[ExportedLayout, Any]]:
    """The print layouts of the project: (what the result says about one, its ``<Layout>`` element)."""
    checks = [(key, r.name) for key, r, _ in _check_groups(results, lang)]
    names = dict(checks)
    sources = {str(k): str(v.attrs["source"]) for k, v in vectors.items()
               if isinstance(v, gpd.GeoDataFrame) and v.attrs.get("source")}
    sources.update({e.source: str(e.src) for e in ordered if e.raster and e.check is None and e.src is not None})

    def datasource(e: Any) -> str:
        return _raster_datasource(e) if e.raster else f"./{gpkg.name}|layername={e.table}"

    out = []
    for page, key, files in layout_pages(ordered, drawn, ids, checks, sources=sources, datasource=datasource,
                                         area=title, lang=lang, bounds_of=data_bounds):
        foot = source_text(files, crs=crs, lang=lang, check=names.get(key) if key else None)
        out.append((ExportedLayout(page.name, page.title, key, len(page.layers)),
                    layout_element(page, crs=crs, lang=lang, source_text=foot)))
    return out


def project_tree(result: ExportResult) -> list[dict[str, Any]]:
    """The layer tree of an export as nested dicts (``{'group': name, 'children': [...]}``,
    ``{'layer': title, 'table': table}`` and ``{'layer': title, 'raster': 'OUT_rasters/x.tif'}``),
    top first: what QGIS shows in its Layers panel."""
    root: list[dict[str, Any]] = []
    nodes: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
        lyr.layer_id: (lyr.group, {"layer": lyr.title, "table": lyr.table}) for lyr in result.layers}
    nodes.update({r.layer_id: (r.group, {"layer": r.title, "raster": _relative(r.path, result.gpkg.parent)})
                  for r in result.rasters})
    order = result.tree or [*(lyr.layer_id for lyr in result.layers), *(r.layer_id for r in result.rasters)]

    def group_node(children: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
        for c in children:
            if c.get("group") == name:
                return c["children"]
        node = {"group": name, "children": []}
        children.append(node)
        return node["children"]

    for layer_id in order:
        group, node = nodes[layer_id]
        children = root
        for g in group:
            children = group_node(children, g)
        children.append(node)
    return root

