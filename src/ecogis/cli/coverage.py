"""``ecogis coverage`` (500 m stop coverage) and ``ecogis check bus-indicators``.

Thin skins over :func:`ecogis.coverage.stop_coverage` and
:func:`ecogis.coverage.bus_indicators`.
"""

from __future__ import annotations

from pathlib import Path

import click

from ecogis.checks import CHECKS
from ecogis.cli.options import INPUT_FILE as _FILE
from ecogis.cli.options import LayerSource as _Layers
from ecogis.cli.options import check_options as _common
from ecogis.cli.options import finish_check as _finish
from ecogis.cli.options import handle_errors
from ecogis.cli.options import refuse_existing as _refuse_existing
from ecogis.coverage import bus_indicators, stop_coverage
from ecogis.errors import NotMeasurableError

__all__ = ["JSON_KEYS", "bus_indicators_command", "coverage"]

#: top-level keys ``--json`` always writes (population_share is null without a raster)
JSON_KEYS = ("method", "radius_m", "area_m2", "covered_area_m2", "area_share", "population_share", "uncovered")

_ROADS = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("coverage")
@click.option("--stops", "stops_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="Bus stops (points, any format GDAL reads, CSV / Excel with lon/lat, a GTFS feed .zip or "
                   "directory, an Amap bus-line JSON); default: the layer set's bus_stops.")
@click.option("--area", "area_path", type=_FILE, default=None,
              help="Area to audit (polygons); default: the layer set's study_area features of --scope.")
@click.option("--scope", default="中心城区", show_default=True,
              help="study_area scope audited when --area is not given (中心城区, 城市建成区, 区 ...).")
@click.option("--radius-m", "radius_m", type=float, default=500.0, show_default=True,
              help="Distance to the nearest stop, metres.")
@click.option("--method", type=click.Choice(["buffer", "network"]), default="buffer", show_default=True,
              help="Straight-line distance, or walking distance along --roads.")
@click.option("--roads", "roads_path", type=_ROADS, default=None,
              help="Streets for --method network: a line layer (gpkg, shp ...) or an OpenStreetMap .osm.pbf; "
                   "default: the roads of --layers (of the embedded sample only when no layer is given as a file).")
@click.option("--population", "population_path", type=_FILE, default=None,
              help="Population GeoTIFF (persons per cell, any CRS), or polygons with a count (a vector grid, "
                   "街道 / 社区; people spread evenly over each), or with --population-table the boundaries the "
                   "table is joined to; default: the population of --layers (of the embedded sample only when no layer "
                   "is given as a file).")
@click.option("--population-field", default=None, metavar="FIELD",
              help="Count column of population polygons or table (default: population / 人口 / 常住人口 ... ).")
@click.option("--population-table", type=_FILE, default=None, metavar="TABLE",
              help="CSV / Excel of counts joined to the --population boundaries by --population-key.")
@click.option("--population-key", default=None, metavar="KEY",
              help="Column the table and the boundaries share (街道代码 ...); KEY=BOUNDARY_KEY when they differ.")
@click.option("--access-width-m", type=float, default=50.0, show_default=True,
              help="Network method: covered depth either side of a reached street, metres.")
@click.option("--min-gap-m2", type=float, default=2500.0, show_default=True,
              help="Do not list gap polygons smaller than this (they still count in the shares).")
@click.option("--propose", "propose_k", type=int, default=0, show_default=True, metavar="K",
              help="Also propose up to K new stop sites (greedy, most newly covered people or area).")
@click.option("--partitions", type=int, default=None, metavar="N",
              help="Run the geometry in N dask-geopandas partitions (same numbers; for province-scale inputs).")
@click.option("--scheduler", default=None, metavar="ADDRESS", envvar="DASK_SCHEDULER_ADDRESS",
              help="Run the gap tiles on this dask.distributed scheduler (e.g. tcp://10.0.0.5:8786; default: "
                   "DASK_SCHEDULER_ADDRESS); same numbers.")
@click.option("--arc-step-deg", type=float, default=None, metavar="DEG",
              help="Largest angle between two vertices of a circle in the gap polygons (default 1.40625; e.g. 11.25 "
                   "for national runs: lighter, the same gaps and areas).")
@click.option("--no-districts", is_flag=True, help="Skip the per-district table.")
@click.option("--max-headway-min", type=float, default=None, metavar="MIN",
              help="Keep only stops served at least every MIN minutes (GTFS stops: departures in --gtfs-window on "
                   "--gtfs-date), e.g. 20 or 30 for the frequent-transit 500 m indicator.")
@click.option("--gtfs-date", default=None, metavar="YYYY-MM-DD",
              help="Day whose departures --max-headway-min counts; default: the first weekday the feed serves.")
@click.option("--gtfs-window", default=None, metavar="HH:MM-HH:MM",
              help="Time window of --max-headway-min (default 07:00-19:00; past 24:00 allowed, e.g. 22:00-26:00).")
@_common
@handle_errors
def coverage(stops_path: Path | None, area_path: Path | None, scope: str, radius_m: float, method: str,
             roads_path: Path | None, population_path: Path | None, population_field: str | None,
             population_table: Path | None, population_key: str | None, access_width_m: float, min_gap_m2: float,
             propose_k: int, partitions: int | None, scheduler: str | None, arc_step_deg: float | None,
             no_districts: bool, max_headway_min: float | None,
             gtfs_date: str | None, gtfs_window: str | None, layers_dir: Path | None,
             json_path: Path | None, out_path: Path | None, overwrite: bool, crs: str | None, strict: bool) -> None:
    """Share of an area and of its people within 500 m of a bus stop; gaps; per district; new-stop proposals.

    Measures 漯政办〔2023〕22号 二、(二)2 (中心城区公共交通站点500米覆盖率 100 % by 2025).

    \b
    Examples:
      ecogis coverage --json coverage.json --out coverage.gpkg
      ecogis coverage --method network --propose 10 --out coverage.gpkg
      ecogis coverage --stops stops.csv --crs gcj02 --area city.shp --population worldpop.tif
      ecogis coverage --stops stops.gpkg --area area.gpkg --population grid_100m.gpkg --population-field pop
      ecogis coverage --population streets.shp --population-table census.xlsx --population-key 街道代码
      ecogis coverage --method network --roads city.osm.pbf --stops stops.gpkg --area area.gpkg
      ecogis coverage --stops feed.zip --area area.gpkg --max-headway-min 20 --gtfs-date 2026-03-03
      ecogis coverage --stops province_stops.gpkg --area province.gpkg --scheduler tcp://10.0.0.5:8786
    """
    _refuse_existing(overwrite, json_path, out_path)
    src = _Layers(layers_dir, crs, files=(stops_path, area_path, roads_path, population_path))
    stops = src.get(stops_path, "bus_stops")
    if max_headway_min is not None:
        from ecogis.gtfs import frequent_stops

        start, end = (gtfs_window.split("-", 1) + [None])[:2] if gtfs_window else (None, None)
        stops = frequent_stops(stops, max_headway_min=max_headway_min, date=gtfs_date, start=start, end=end)
    elif gtfs_date or gtfs_window:
        raise click.UsageError("--gtfs-date / --gtfs-window choose the departures --max-headway-min counts; give it")
    if area_path is not None:
        area = src.get(area_path, "study_area")
    else:
        area = src.set_for("study_area", "--area").study_area(scope)
    # the layer set fills in population and roads unless the layers came from files alone (no --layers):
    # then the embedded sample's would be measured against the user's stops
    from_layerset = not src.files_only
    population: object = population_path
    if population_path is not None:
        from ecogis.population_polygons import population_source

        key, _, bkey = (population_key or "").partition("=")
        population = population_source(population_path, count=population_field, table=population_table,
                                       key=key or None, boundary_key=bkey or None, crs=crs)
    elif population_table is not None:
        raise click.UsageError("--population-table needs --population BOUNDARIES (the polygons it is joined to)")
    if population is None and from_layerset:
        population = src.layerset.rasters.get("population")
        if population is None:
            population = src.layerset.vectors.get("population")  # population polygons in --layers
    roads: object = roads_path
    if roads_path is not None and not roads_path.name.lower().endswith(".pbf"):
        roads = src.get(roads_path, "roads")
    if roads is None and (method == "network" or propose_k > 0) and from_layerset:
        try:
            roads = src.layerset.get("roads")
        except NotMeasurableError:
            roads = None
    districts = None
    if not no_districts and area_path is None:
        districts = src.layerset.districts()
    result = stop_coverage(stops, area, radius_m=radius_m, method=method, roads=roads, population=population,
                           access_width_m=access_width_m, min_gap_m2=min_gap_m2, districts=districts,
                           partitions=partitions, scheduler=scheduler, arc_step_deg=arc_step_deg, propose=propose_k)
    _finish(result, json_path, out_path, overwrite, strict, list(CHECKS['coverage'].headline))


@click.command("bus-indicators")
@click.option("--stops", "stops_path", type=_FILE, default=None, help="Bus stops with harbour / accessible.")
@click.option("--routes", "routes_path", type=_FILE, default=None, help="Bus routes with bus_lane.")
@click.option("--roads", "roads_path", type=_FILE, default=None, help="Roads with bus_lane.")
@click.option("--intersections", "intersections_path", type=_FILE, default=None,
              help="Intersections with arterial / bus_priority.")
@_common
@handle_errors
def bus_indicators_command(stops_path: Path | None, routes_path: Path | None, roads_path: Path | None,
                           intersections_path: Path | None, layers_dir: Path | None, json_path: Path | None,
                           out_path: Path | None, overwrite: bool, crs: str | None, strict: bool) -> None:
    """Bus-lane km, harbour-stop, accessible-platform and priority-intersection shares (漯政办〔2023〕22号 二、(二)3).

    A layer or field that is missing makes its indicator "not measurable", never a guess.
    Files given replace the layer set's; the others come from --layers (default: the sample).

    \b
    Examples:
      ecogis check bus-indicators --json bus.json
      ecogis check bus-indicators --stops stops.gpkg --intersections crossings.gpkg
    """
    _refuse_existing(overwrite, json_path, out_path)
    src = _Layers(layers_dir, crs, files=(stops_path, routes_path, roads_path, intersections_path))

    def layer(path: Path | None, kind: str):
        if path is not None:
            return src.get(path, kind)
        if src.files_only:
            return None  # user files only: a missing layer makes its indicators not measurable, no sample
        return src.layerset.vectors.get(kind)

    result = bus_indicators(stops=layer(stops_path, "bus_stops"), routes=layer(routes_path, "bus_routes"),
                            roads=layer(roads_path, "roads"), intersections=layer(intersections_path, "intersections"))
    _finish(result, json_path, out_path, overwrite, strict, list(CHECKS['bus-indicators'].headline))
