"""``ecogis check air``: station annual means against the plan's target, IDW surface, district means.

A thin skin over :func:`ecogis.air.air_quality`.
"""

from __future__ import annotations

from pathlib import Path

import click

from ecogis.air import air_quality
from ecogis.checks import CHECKS
from ecogis.cli.options import INPUT_FILE as _FILE
from ecogis.cli.options import LayerSource as _Layers
from ecogis.cli.options import check_options as _common
from ecogis.cli.options import finish_check as finish
from ecogis.cli.options import handle_errors
from ecogis.cli.options import refuse_existing as _refuse_existing
from ecogis.errors import NotMeasurableError

__all__ = ["air"]


@click.command("air")
@click.option("--stations", "stations_path", type=_FILE, default=None,
              help="Air-quality stations with pm25_ugm3 (pm10_ugm3); default: the layer set's air_stations.")
@click.option("--districts", "districts_path", type=_FILE, default=None,
              help="District polygons for zonal means; default: the layer set's study_area features of scope 区/县.")
@click.option("--year", type=int, default=None, help="Target year (default: the stations' year field).")
@click.option("--pm25-target", type=float, default=None,
              help="PM2.5 target, µg/m3 (default: Luohe's for the year, 漯政办〔2023〕24号 二(一)).")
@click.option("--pm10-target", type=float, default=None,
              help="PM10 target, µg/m3.  Giving either target replaces the default targets.")
@click.option("--surface", "surface_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the PM2.5 IDW surface to this GeoTIFF.")
@click.option("--cell", "cell_m", type=float, default=100.0, show_default=True, help="Surface cell size, m.")
@click.option("--power", type=float, default=2.0, show_default=True, help="IDW power.")
@_common
@handle_errors
def air(stations_path: Path | None, districts_path: Path | None, year: int | None, pm25_target: float | None,
        pm10_target: float | None, surface_path: Path | None, cell_m: float, power: float, layers_dir: Path | None,
        json_path: Path | None, out_path: Path | None, overwrite: bool, crs: str | None, strict: bool) -> None:
    """PM2.5 / PM10 station means vs the plan's target; IDW surface; mean per district.

    \b
    Examples:
      ecogis check air --year 2025 --surface pm25.tif --json air.json
      ecogis check air --stations stations.csv --crs EPSG:4490 --pm25-target 38.5
    """
    _refuse_existing(overwrite, json_path, out_path, surface_path)
    src = _Layers(layers_dir, crs)
    stations = src.get(stations_path, "air_stations")
    if districts_path is not None:
        districts = src.get(districts_path, "study_area")
        area = None
    elif stations_path is None:
        districts = src.layerset.districts()
        try:
            area = src.layerset.study_area("中心城区")
        except NotMeasurableError:
            area = None
    else:
        districts, area = None, None
    targets = None
    if pm25_target is not None or pm10_target is not None:
        base: dict[str, float] = {}
        if pm25_target is not None:
            base["pm25_ugm3"] = pm25_target
        if pm10_target is not None:
            base["pm10_ugm3"] = pm10_target
        targets = base
    result = air_quality(stations, districts=districts, area=area, year=year, targets=targets, cell_m=cell_m,
                         power=power, surface_path=surface_path, overwrite=overwrite)
    finish(result, json_path, out_path, overwrite, strict, list(CHECKS['air'].headline))
