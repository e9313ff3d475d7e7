"""ecogis.maps.rasters: a check's grid on its map page, read back from the HTML.

The PNG is decoded from the page's data: URI by GDAL (rasterio), independently of
how it was written, and compared with a grid whose values are known by construction.
"""

from __future__ import annotations

import base64
import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import Transformer
from rasterio.io import MemoryFile

from ecogis.maps import result_map
from ecogis.maps.rasters import MAX_PX, RAMP
from ecogis.result import CheckResult, RasterLayer
from ecogis.units import format_value

# a west-east gradient in CGCS2000 / GK zone 38 (EPSG:4547, Luohe): 40 x 30 cells of 500 m,
# value = 10 + column; a 10 x 10 block of NaN in the middle
X0, Y0, CELL = 480_000.0, 3_730_000.0, 500.0
ROWS, COLS = 30, 40


def gradient() -> RasterLayer:
    arr = np.tile(10.0 + np.arange(COLS, dtype=float), (ROWS, 1))
    arr[10:20, 15:25] = np.nan
    return RasterLayer(arr, Affine(CELL, 0, X0, 0, -CELL, Y0), 4547, units="ug/m3",
                       kind="pollutant_surface", title=("PM2.5 年均浓度面", "PM2.5 annual mean"))


pytestmark = pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")


def overlays_of(page: str) -> list[tuple[np.ndarray, list]]:
    """(RGBA array (4, h, w), bounds) of every image overlay on the page."""
    out = []
    for uri, bounds in re.findall(r'L\.imageOverlay\(\s*"data:image/png;base64,([A-Za-z0-9+/=]+)",\s*(\[\[.*?\]\])',
                                  page, re.DOTALL):
        with MemoryFile(base64.b64decode(uri)) as mem, mem.open() as ds:
            assert ds.driver == "PNG" and ds.count == 4
            out.append((ds.read(), json.loads(bounds)))
    return out


def config_of(page: str) -> dict:
    found = re.findall(r'<script type="application/json" id="ecogis-config-[0-9a-f]+">(.*?)</script>', page, re.DOTALL)
    assert len(found) == 1
    return json.loads(found[0])


def rgb(c: str) -> list[int]:
    return [int(c[i:i + 2], 16) for i in (1, 3, 5)]


def _result(raster=None) -> CheckResult:
    area = gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.box(X0, Y0 - ROWS * CELL, X0 + COLS * CELL, Y0)],
                            crs=4547)
    return CheckResult("air", metrics={}, violations=None, layers={"study_area": area},
                       rasters={"pm25_surface": raster if raster is not None else gradient()})


@pytest.fixture(scope="module")
def page_en():
    return result_map(_result(), lang="en").get_root().render()


def test_gradient_colours_nan_transparent_and_bounds(page_en):
    (img, bounds), = overlays_of(page_en)
    _, h, w = img.shape
    mid = h // 6  # a row clear of the NaN block
    west, east = img[:, mid, 1], img[:, mid, w - 2]
    assert list(west[:3]) == rgb(RAMP[0]) and west[3] == 255
    assert list(east[:3]) == rgb(RAMP[-1]) and east[3] == 255
    # colour classes never decrease west to east along a full row
    lut = {tuple(rgb(c)): i for i, c in enumerate(RAMP)}
    row = [lut[tuple(img[:3, mid, x])] for x in range(w) if img[3, mid, x] == 255]
    assert row == sorted(row) and len(set(row)) == len(RAMP)
    # the NaN block (a quarter of the width, a third of the height, centred) is transparent
    assert img[3, h // 2, w // 2] == 0
    assert 0.05 < (img[3] == 0).mean() < 0.15  # 100 of 1200 cells, plus the warp's edge slivers
    # bounds: the grid's corners in lon/lat, within a cell (~0.0055 deg)
    tr = Transformer.from_crs(4547, 4326, always_xy=True)
    xs = np.r_[np.linspace(X0, X0 + COLS * CELL, 50), np.full(50, X0 + COLS * CELL),
               np.linspace(X0, X0 + COLS * CELL, 50), np.full(50, X0)]
    ys = np.r_[np.full(50, Y0), np.linspace(Y0, Y0 - ROWS * CELL, 50), np.full(50, Y0 - ROWS * CELL),
               np.linspace(Y0, Y0 - ROWS * CELL, 50)]
    lon, lat = tr.transform(xs, ys)
    (s, wl), (n, e) = bounds
    assert np.allclose([s, wl, n, e], [lat.min(), lon.min(), lat.max(), lon.max()], atol=0.0055)


def test_legend_breaks_in_ug_m3_layer_switcher_and_pane(page_en):
    cfg = config_of(page_en)
    (r,) = cfg["rasters"]
    assert r["title"] == "PM2.5 annual mean" and r["count"] == ROWS * COLS - 100
    entry = next(e for e in cfg["legend"] if e["id"] == r["id"])
    breaks = np.linspace(10.0, 10.0 + COLS - 1, len(RAMP) + 1)
    assert [row["symbol"]["fillColor"] for row in entry["rows"]] == list(RAMP)
    assert entry["rows"][0]["label"] == f"{breaks[0]:.1f}\u2013{breaks[1]:.1f} µg/m³"
    assert entry["rows"][-1]["label"].endswith(format_value(breaks[-1], "ug/m3", lang="en", digits=1))
    assert sum(row["count"] for row in entry["rows"]) == r["count"]
    assert entry["groupTitle"] == "Air"
    # the image sits in its own pane under the vector overlays (z 400), with 0.7 opacity
    assert re.search(r'createPane\(\s*"ecogisRasters"\);\s*\S+\.style\.zIndex = 350;', page_en)
    assert re.search(r'"opacity": 0\.7,\s*"pane": "ecogisRasters"', page_en)
    assert page_en.index("L.imageOverlay(") < page_en.index("ecogisRender(")


def test_north_is_up():
    arr = np.zeros((20, 20))
    arr[:10] = 50.0  # north half high
    r = RasterLayer(arr, Affine(CELL, 0, X0, 0, -CELL, Y0), 4547, units="ug/m3")
    (img, _), = overlays_of(result_map(_result(r), lang="en").get_root().render())
    assert list(img[:3, 1, img.shape[2] // 2]) == rgb(RAMP[-1])
    assert list(img[:3, -2, img.shape[2] // 2]) == rgb(RAMP[0])


def test_chinese_page_words():
    page = result_map(_result(), lang="zh").get_root().render()
    cfg = config_of(page)
    entry = next(e for e in cfg["legend"] if e["id"] == cfg["rasters"][0]["id"])
    assert entry["title"] == "PM2.5 年均浓度面" and entry["groupTitle"] == "大气"


def test_large_grid_is_capped():
    arr = np.add.outer(np.arange(3000.0), np.arange(2000.0))
    big = RasterLayer(arr, Affine(10, 0, X0, 0, -10, Y0), 4547, units="ug/m3")
    page = result_map(_result(big), lang="en").get_root().render()
    (img, _), = overlays_of(page)
    assert max(img.shape[1:]) <= MAX_PX and min(img.shape[1:]) > 700
    assert len(page) < 3_000_000


def test_all_nan_raster_is_transparent_not_an_error():
    empty = RasterLayer(np.full((5, 5), np.nan), Affine(CELL, 0, X0, 0, -CELL, Y0), 4547, units="ug/m3")
    page = result_map(_result(empty), lang="en").get_root().render()
    (img, _), = overlays_of(page)
    assert (img[3] == 0).all()


def test_nodata_cells_are_transparent():
    arr = np.full((6, 6), 20.0)
    arr[:, :3] = -9999.0
    r = RasterLayer(arr, Affine(CELL, 0, X0, 0, -CELL, Y0), 4547, nodata=-9999.0, units="ug/m3")
    (img, _), = overlays_of(result_map(_result(r), lang="en").get_root().render())
    assert img[3, 2, 1] == 0 and img[3, 2, -2] == 255


def test_sample_air_map_draws_the_pm25_surface():
    from ecogis.audit import run_check
    from ecogis.errors import EcogisError
    from ecogis.layerset import load_sample
    from ecogis.maps import context_layers_for

    try:
        sample = load_sample()
    except EcogisError as exc:
        pytest.skip(f"sample not available: {exc}")
    r = run_check("air", sample)
    surface = r.rasters["pm25_surface"]
    page = result_map(r, context_layers_for("air", sample), layerset=sample, lang="zh").get_root().render()
    (img, _), = overlays_of(page)
    cfg = config_of(page)
    assert [x["title"] for x in cfg["rasters"]] == [surface.title[0]]
    valid = np.isfinite(surface.array) & (surface.array != surface.nodata)
    assert cfg["rasters"][0]["count"] == int(valid.sum())
    # about as many opaque pixels (share of the image) as valid cells (share of the grid)
    assert abs((img[3] == 255).mean() - valid.mean()) < 0.05


def test_a_map_of_rasters_only_opens_on_them():
    from ecogis.maps import layer_map

    m = layer_map({}, title="surface", lang="en", rasters={"pm25": gradient()})
    cfg = config_of(m.get_root().render())
    (s, w), (n, e) = cfg["bounds"]
    tr = Transformer.from_crs(4547, 4326, always_xy=True)
    lon, lat = tr.transform(X0 + COLS * CELL / 2, Y0 - ROWS * CELL / 2)
    assert s < lat < n and w < lon < e and (n - s) < 0.2 and m.location == pytest.approx([(s + n) / 2, (w + e) / 2])
