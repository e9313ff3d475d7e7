"""GTFS feeds built here with headways known by construction (calendar exceptions, parent stations,
trips past midnight, frequencies, blank times) read by ecogis.gtfs, read_layer and the coverage CLI."""

from __future__ import annotations

import math
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from ecogis.cli.main import cli
from ecogis.coverage import stop_coverage
from ecogis.errors import InputError, LayerReadError
from ecogis.gtfs import (
    first_weekday_served,
    frequent_stops,
    read_gtfs_routes,
    read_gtfs_stops,
    service_ids_on,
)
from ecogis.io import read_layer

LON0, LAT0 = 114.0165, 33.5815


def hms(sec: int) -> str:
    return f"{sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}"


def _trips(rows, stop_times, route, service, prefix, stops, first, last, every, hop=300, shape=""):
    """Trips every `every` s from `first` while < `last`, calling at `stops` `hop` s apart."""
    n = 0
    for t0 in range(first, last, every):
        tid = f"{prefix}{n}"
        rows.append(f"{route},{service},{tid},{shape}")
        for k, s in enumerate(stops):
            t = hms(t0 + k * hop)
            stop_times.append(f"{tid},{t},{t},{s},{k + 1},0")
        n += 1
    return n


def build_feed(root: Path) -> dict[str, int]:
    """The feed; returns the number of trips per pattern (the truth the tests check)."""
    root.mkdir(parents=True, exist_ok=True)
    stops = [
        "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station",
        f"ST,火车站,{LAT0},{LON0},1,",
        f"ST1,火车站1站台,{LAT0 + 0.0002},{LON0},0,ST",
        f"ST2,火车站2站台,{LAT0 - 0.0002},{LON0},0,ST",
        f"ST_E,火车站入口,{LAT0},{LON0 + 0.0003},2,ST",
        f"P,人民路,{LAT0},{LON0 + 0.01},0,",
        f"Q,终点站,{LAT0},{LON0 + 0.02},0,",
        f"N,夜班站,{LAT0 + 0.01},{LON0},0,",
        f"M,中间站,{LAT0 + 0.01},{LON0 + 0.01},0,",
        f"F,频率站,{LAT0 - 0.01},{LON0},0,",
        f"G,频率终点,{LAT0 - 0.01},{LON0 + 0.01},0,",
    ]
    trips = ["route_id,service_id,trip_id,shape_id"]
    st = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type"]
    h = 3600
    # weekday service WK: R1 every 10 min from platform 1 via P to Q; R2 every 30 min from platform 2 to Q
    n = {"R1": _trips(trips, st, "R1", "WK", "r1_", ["ST1", "P", "Q"], 6 * h, 20 * h, 600, shape="SH1"),
         "R2": _trips(trips, st, "R2", "WK", "r2_", ["ST2", "Q"], 7 * h, 19 * h, 1800)}
    # holiday service HOL (only on the day WK is removed): R1 every 60 min
    n["R1hol"] = _trips(trips, st, "R1", "HOL", "h_", ["ST1", "P", "Q"], 7 * h, 19 * h, 3600, shape="SH1")
    # night service on weekday service days, past midnight: 24:30 and 25:30 from N to Q
    n["night"] = _trips(trips, st, "R3", "WK", "n_", ["N", "Q"], 24 * h + 1800, 26 * h, 3600)
    # a trip whose middle stop has no time (not a timepoint): A 08:00, M blank, Q 08:20 -> M at 08:10
    trips.append("R4,WK,blank,")
    st += ["blank,08:00:00,08:00:00,ST1,1,0", "blank,,,M,2,0", "blank,08:20:00,08:20:00,Q,3,0"]
    # a stop where nobody may board (pickup_type 1) is no departure
    trips.append("R4,WK,nopick,")
    st += ["nopick,09:00:00,09:00:00,M,1,1", "nopick,09:10:00,09:10:00,Q,2,0"]
    # frequency-based R5: every 15 min 07:00-09:00 (end exclusive) from F to G
    trips.append("R5,WK,freq,")
    st += ["freq,07:00:00,07:00:00,F,1,0", "freq,07:05:00,07:05:00,G,2,0"]
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,漯河公交,http://x,Asia/Shanghai\n",
        "stops.txt": "\n".join(stops) + "\n",
        "routes.txt": "route_id,route_short_name,route_long_name,route_type\nR1,1路,,3\nR2,2路,,3\nR3,夜1,,3\n"
                      "R4,4路,,3\nR5,,五号线,3\n",
        "trips.txt": "\n".join(trips) + "\n",
        "stop_times.txt": "\n".join(st) + "\n",
        # WK Mon-Fri all March; a weekend service from Saturday 28 Feb so the first weekday is Monday 2 March
        "calendar.txt": ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                         "WK,1,1,1,1,1,0,0,20260302,20260331\nSAT,0,0,0,0,0,1,1,20260228,20260331\n"),
        # Monday 2 March is a holiday: WK removed, HOL added
        "calendar_dates.txt": "service_id,date,exception_type\nWK,20260302,2\nHOL,20260302,1\n",
        "frequencies.txt": "trip_id,start_time,end_time,headway_secs\nfreq,07:00:00,09:00:00,900\n",
        "shapes.txt": "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
                      f"SH1,{LAT0},{LON0},1\nSH1,{LAT0 + 0.001},{LON0 + 0.01},2\nSH1,{LAT0},{LON0 + 0.02},3\n",
    }
    trips_sat = "R2,SAT,sat0,\n"
    files["trips.txt"] += trips_sat
    files["stop_times.txt"] += "sat0,10:00:00,10:00:00,ST2,1,0\nsat0,10:05:00,10:05:00,Q,2,0\n"
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return n


@pytest.fixture
def feed(tmp_path) -> Path:
    build_feed(tmp_path / "feed")
    return tmp_path / "feed"


@pytest.fixture
def feed_zip(tmp_path, feed) -> Path:
    """The same feed zipped inside a folder (as many agencies publish it)."""
    z = tmp_path / "feed.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in feed.iterdir():
            zf.write(p, f"gtfs/{p.name}")
    return z


def by_id(stops):
    return stops.set_index("stop_id")


def test_weekday_headways_and_parent_station(feed):
    s = by_id(read_gtfs_stops(feed, date="2026-03-03"))  # a Tuesday: WK runs
    # 07:00-19:00 is 720 min: R1 every 10 min (72) at platform 1, R2 every 30 min (24) at platform 2
    assert s.loc["ST", "departures"] == 72 + 24 + 1  # + the 08:00 'blank' trip from platform 1
    assert s.loc["ST", "platforms"] == 2
    assert s.loc["ST", "headway_min"] == pytest.approx(720 / 97)
    assert s.loc["P", "departures"] == 72  # R1 passes P 5 min after the station: 07:05 ... 18:55
    assert s.loc["P", "headway_min"] == pytest.approx(10.0)
    assert s.loc["Q", "departures"] == 0  # every trip ends there
    assert math.isnan(s.loc["Q", "headway_min"])
    assert "ST1" not in s.index and "ST2" not in s.index and "ST_E" not in s.index
    assert s.loc["ST", "name"] == "火车站"
    assert s.loc["ST"].geometry.equals(shapely.Point(LON0, LAT0))


def test_calendar_dates_exception_and_default_date(feed):
    # Monday 2 March: WK removed, HOL (every 60 min) added; it is the first weekday served (28 Feb is Saturday)
    assert first_weekday_served(feed).isoformat() == "2026-03-02"
    assert service_ids_on(feed, "20260302") == {"HOL"}
    assert service_ids_on(feed, "2026-03-03") == {"WK"}
    assert service_ids_on(feed, "2026-03-07") == {"SAT"}
    s = read_gtfs_stops(feed)
    assert s.attrs["gtfs"]["date"] == "2026-03-02"
    s = by_id(s)
    assert s.loc["P", "departures"] == 12
    assert s.loc["P", "headway_min"] == pytest.approx(60.0)
    assert s.loc["F", "departures"] == 0


def test_after_midnight_counts_on_the_next_day(feed):
    # night trips of service day Tue 3 March at 24:30 and 25:30 leave N at 00:30 and 01:30 on Wed 4 March
    s = by_id(read_gtfs_stops(feed, date="2026-03-04", start="00:00", end="02:00"))
    assert s.loc["N", "departures"] == 2
    assert s.loc["N", "headway_min"] == pytest.approx(60.0)
    # the same departures as a window past 24:00 on the service day itself
    s = by_id(read_gtfs_stops(feed, date="2026-03-03", start="24:00", end="26:00"))
    assert s.loc["N", "departures"] == 2
    # on Mon 2 March WK is removed, so nothing runs past midnight into Tue 3 March
    s = by_id(read_gtfs_stops(feed, date="2026-03-03", start="00:00", end="02:00"))
    assert s.loc["N", "departures"] == 0


def test_frequencies_blank_times_and_no_pickup(feed):
    s = by_id(read_gtfs_stops(feed, date="2026-03-03", start="07:00", end="09:00"))
    assert s.loc["F", "departures"] == 8  # 07:00, 07:15, ..., 08:45
    assert s.loc["F", "headway_min"] == pytest.approx(15.0)
    m = by_id(read_gtfs_stops(feed, date="2026-03-03", start="08:05", end="08:15"))
    assert m.loc["M", "departures"] == 1  # interpolated to 08:10
    m = by_id(read_gtfs_stops(feed, date="2026-03-03", start="08:55", end="09:05"))
    assert m.loc["M", "departures"] == 0  # pickup_type 1 at 09:00


def test_stop_times_at_a_station_count_there(tmp_path):
    bad = tmp_path / "bad"
    build_feed(bad)
    text = (bad / "stop_times.txt").read_text(encoding="utf-8").replace(",ST2,", ",ST,")  # R2 names the station
    (bad / "stop_times.txt").write_text(text, encoding="utf-8")
    s = by_id(read_gtfs_stops(bad, date="2026-03-03"))
    assert s.loc["ST", "departures"] == 97 and s.loc["ST", "platforms"] == 2


def test_zip_in_a_folder_reads_the_same(feed, feed_zip):
    a = read_gtfs_stops(feed, date="2026-03-03")
    b = read_gtfs_stops(feed_zip, date="2026-03-03")
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))


def test_bad_inputs_are_named(feed, tmp_path):
    with pytest.raises(InputError, match="no trip runs on 2027-01-04"):
        read_gtfs_stops(feed, date="2027-01-04")
    with pytest.raises(InputError, match="expected end after start"):
        read_gtfs_stops(feed, start="19:00", end="07:00")
    with pytest.raises(InputError, match="HH:MM"):
        read_gtfs_stops(feed, start="7h")
    bad = tmp_path / "bad"
    build_feed(bad)
    (bad / "calendar.txt").unlink()
    (bad / "calendar_dates.txt").unlink()
    with pytest.raises(LayerReadError, match="neither calendar.txt nor calendar_dates.txt"):
        read_gtfs_stops(bad)
    text = (feed / "stops.txt").read_text(encoding="utf-8").replace(f"{LAT0},{LON0 + 0.01}", ",")
    (bad / "stops.txt").write_text(text, encoding="utf-8")
    with pytest.raises(LayerReadError, match="stop_id 'P'"):
        read_gtfs_layer_stops(bad)


def read_gtfs_layer_stops(path):
    return read_layer(path, "bus_stops")


def test_read_layer_reads_stops_and_routes(feed_zip):
    stops = read_layer(feed_zip, "bus_stops")
    assert stops.crs.to_epsg() == 4326
    assert set(stops["id"]) == {"ST", "P", "Q", "N", "M", "F", "G"}
    assert stops.attrs["gtfs"]["date"] == "2026-03-02"
    routes = read_layer(feed_zip, "bus_routes").set_index("route_id")
    assert routes.loc["R1", "source"] == "shapes"
    assert routes.loc["R1"].geometry.geoms[0].coords[1] == pytest.approx((LON0 + 0.01, LAT0 + 0.001))
    assert routes.loc["R2", "source"] == "stop_sequence"
    assert routes.loc["R5", "name"] == "五号线"
    r2 = read_gtfs_routes(feed_zip).set_index("route_id").loc["R2"].geometry
    assert r2.geoms[0].coords[0] == pytest.approx((LON0, LAT0 - 0.0002))


def test_lone_stops_txt_has_unknown_departures(tmp_path, feed):
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "stops.txt").write_bytes((feed / "stops.txt").read_bytes())
    stops = read_layer(lone / "stops.txt", "bus_stops")
    assert len(stops) == 7 and stops["departures"].isna().all()
    with pytest.raises(InputError, match="unknown"):
        frequent_stops(stops, max_headway_min=20)


def test_frequent_stops_filter(feed):
    s = read_gtfs_stops(feed, date="2026-03-03")
    kept = frequent_stops(s, max_headway_min=10)
    assert set(kept["stop_id"]) == {"ST", "P"}
    assert kept.attrs["frequency_filter"] == {"max_headway_min": 10.0, "kept": 2, "of": 7}
    with pytest.raises(InputError, match="headway_min"):
        frequent_stops(s.drop(columns="headway_min"), max_headway_min=10)


def test_cli_coverage_max_headway(tmp_path, feed_zip):
    area = tmp_path / "area.gpkg"
    a = gpd.GeoDataFrame({"name": ["测试区"], "scope": ["中心城区"]},
                         geometry=[shapely.box(LON0 - 0.03, LAT0 - 0.03, LON0 + 0.03, LAT0 + 0.03)], crs=4490)
    a.to_file(area)
    out = tmp_path / "cov.json"
    res = CliRunner().invoke(cli, ["-q", "coverage", "--stops", str(feed_zip), "--area", str(area),
                                   "--max-headway-min", "20", "--gtfs-date", "2026-03-03", "--no-districts",
                                   "--json", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    import json

    got = json.loads(out.read_text())
    # truth: plain GEOS buffers (512 segments per quarter) of the two stops served every 20 min or better
    from ecogis.crs import metric_crs

    crs = metric_crs(a)
    pts = gpd.GeoSeries([shapely.Point(LON0, LAT0), shapely.Point(LON0 + 0.01, LAT0)], crs=4326).to_crs(crs)
    cover = shapely.union_all(pts.buffer(500, quad_segs=512).values)
    assert got["stops_total"] == 2
    assert got["covered_area_m2"] == pytest.approx(cover.intersection(a.to_crs(crs).geometry[0]).area, rel=1e-5)
    # and without the filter every stop counts
    direct = stop_coverage(read_layer(feed_zip, "bus_stops"), a)
    assert direct.metrics["stops_total"] == 7
    assert direct.metrics["covered_area_m2"] > got["covered_area_m2"]


def test_cli_max_headway_needs_gtfs(tmp_path):
    stops = tmp_path / "stops.gpkg"
    gpd.GeoDataFrame({"name": ["甲"]}, geometry=[shapely.Point(LON0, LAT0)], crs=4490).to_file(stops)
    area = tmp_path / "area.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.box(LON0 - 0.01, LAT0 - 0.01, LON0 + 0.01, LAT0 + 0.01)],
                     crs=4490).to_file(area)
    res = CliRunner().invoke(cli, ["-q", "coverage", "--stops", str(stops), "--area", str(area),
                                   "--max-headway-min", "20", "--no-districts"])
    assert res.exit_code == 2
    assert "headway_min" in res.output and "GTFS" in res.output


def test_layers_dir_with_a_feed_and_a_directory_as_stops(tmp_path, feed, feed_zip):
    d = tmp_path / "layers"
    d.mkdir()
    (d / "feed.zip").write_bytes(feed_zip.read_bytes())
    A = shapely.box(LON0 - 0.03, LAT0 - 0.03, LON0 + 0.03, LAT0 + 0.03)
    gpd.GeoDataFrame({"id": ["a"], "name": ["区"], "scope": ["中心城区"]}, geometry=[A], crs=4490).to_file(
        d / "study_area.gpkg", layer="study_area")
    from ecogis.layerset import load_layers

    ls = load_layers(d)
    assert len(ls.get("bus_stops")) == 7 and len(ls.get("bus_routes")) == 5
    out = tmp_path / "c.json"
    res = CliRunner().invoke(cli, ["-q", "coverage", "--layers", str(d), "--max-headway-min", "20",
                                   "--gtfs-date", "2026-03-03", "--json", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    import json

    assert json.loads(out.read_text())["stops_total"] == 2
    res = CliRunner().invoke(cli, ["-q", "coverage", "--stops", str(feed), "--area", str(d / "study_area.gpkg"),
                                   "--max-headway-min", "30", "--gtfs-date", "2026-03-03", "--gtfs-window",
                                   "07:00-09:00", "--json", str(tmp_path / "d.json")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    # 07:00-09:00: the station (R1 every 10 min, R2 every 30, the 08:00 trip), P (R1) and F (every 15 min)
    assert json.loads((tmp_path / "d.json").read_text())["stops_total"] == 3


def test_departures_agree_with_gtfs_kit(tmp_path):
    """A second library on a random feed: gtfs-kit's stop times of the date, in the window, last stops dropped."""
    gk = pytest.importorskip("gtfs_kit")
    import pandas as pd

    rng = np.random.default_rng(2)
    stops = [f"S{i}" for i in range(60)]
    rows = ["stop_id,stop_name,stop_lat,stop_lon"] + [f"{s},站{s},{LAT0 + rng.uniform(0, .1):.6f},"
                                                      f"{LON0 + rng.uniform(0, .1):.6f}" for s in stops]
    trips, st = ["route_id,service_id,trip_id"], ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    for r in range(8):
        seq = rng.choice(60, size=12, replace=False)
        every = int(rng.choice([420, 600, 1500]))
        for k, t0 in enumerate(range(5 * 3600 + int(rng.integers(0, 900)), 24 * 3600, every)):
            svc = "WK" if k % 5 else "ALT"
            trips.append(f"R{r},{svc},T{r}_{k}")
            st += [f"T{r}_{k},{hms(t0 + j * 100)},{hms(t0 + j * 100)},S{s},{j + 1}" for j, s in enumerate(seq)]
    files = {"agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,a,http://x,Asia/Shanghai\n",
             "stops.txt": "\n".join(rows) + "\n", "trips.txt": "\n".join(trips) + "\n",
             "stop_times.txt": "\n".join(st) + "\n",
             "routes.txt": "route_id,route_short_name,route_type\n" + "".join(f"R{r},{r},3\n" for r in range(8)),
             "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,"
                             "end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\nALT,1,0,1,0,1,0,0,20260101,20261231\n",
             "calendar_dates.txt": "service_id,date,exception_type\nALT,20260304,2\nALT,20260303,1\n"}
    d = tmp_path / "rand"
    d.mkdir()
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    for date in ("2026-03-03", "2026-03-04"):
        ours = read_gtfs_stops(d, date=date, start="07:30", end="18:00").set_index("stop_id")["departures"]
        f = gk.read_feed(d, dist_units="km")
        t = f.get_stop_times(date.replace("-", "")).sort_values(["trip_id", "stop_sequence"])
        t = t[t["trip_id"].duplicated(keep="last")]
        hhmmss = t["departure_time"].str.zfill(8)
        theirs = t[(hhmmss >= "07:30:00") & (hhmmss < "18:00:00")]["stop_id"].value_counts()
        theirs = pd.Series({s: int(theirs.get(s, 0)) for s in stops})
        assert ours.reindex(stops).astype(int).equals(theirs.astype(int)), date
        assert ours.sum() > 500


def test_gb18030_tables_and_an_empty_frequencies(tmp_path):
    d = tmp_path / "gbk"
    build_feed(d)
    (d / "stops.txt").write_bytes((d / "stops.txt").read_text(encoding="utf-8").encode("gb18030"))
    (d / "frequencies.txt").write_text("", encoding="utf-8")
    (d / "stop_times.txt").write_text((d / "stop_times.txt").read_text(encoding="utf-8").replace(",P,", ",P ,"),
                                      encoding="utf-8")  # a trailing blank after an id
    s = by_id(read_gtfs_stops(d, date="2026-03-03"))
    assert s.loc["ST", "name"] == "火车站"
    assert s.loc["P", "departures"] == 72
    assert s.loc["F", "departures"] == 1  # without frequencies the trip runs once, at 07:00
