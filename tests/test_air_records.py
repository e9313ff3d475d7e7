"""Daily air records (ecogis.air_records, check air-records): HJ 633 IAQI by hand, HJ 663 indicators on
constructed years, the percentile rule, completeness warnings, and targets measured through `indicators`."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from ecogis.air_records import air_records, city_daily, iaqi, percentile
from ecogis.audit import indicator_check, run_audit, run_check
from ecogis.errors import LayerReadError
from ecogis.layerset import LayerSet
from ecogis.targets import load_targets


def _interp(c, lo, hi, i_lo, i_hi):
    """HJ 633-2012 式(1), by hand, rounded up."""
    return math.ceil((i_hi - i_lo) / (hi - lo) * (c - lo) + i_lo - 1e-12)


@pytest.mark.parametrize("pollutant,c,expected", [
    ("pm25", 60, _interp(60, 35, 75, 50, 100)),          # 81.25 -> 82
    ("pm25", 75, 100), ("pm25", 35, 50), ("pm25", 0, 0),  # at breakpoints
    ("pm25", 75.01, _interp(75.01, 75, 115, 100, 150)),   # just above: 101, no longer a good day
    ("pm10", 200, _interp(200, 150, 250, 100, 150)),      # 125
    ("so2", 500, _interp(500, 475, 800, 150, 200)),       # 24-h table: 153.8 -> 154
    ("no2", 100, _interp(100, 80, 180, 100, 150)),        # 110
    ("co", 5, _interp(5, 4, 14, 100, 150)),               # mg/m3: 105
    ("o3_8h", 180, _interp(180, 160, 215, 100, 150)),     # 118.2 -> 119
    ("o3_8h", 800, 300),                                  # top of the 8-h table
    ("o3_1h", 900, _interp(900, 800, 1000, 300, 400)),    # 350
    ("pm25", 600, 500), ("pm10", 700, 500),               # above the top breakpoint: the table's top
])
def test_iaqi_against_hand_interpolation(pollutant, c, expected):
    assert iaqi([c], pollutant)[0] == expected


def test_o3_8h_above_800_gets_no_iaqi_and_uses_the_1h_value():
    assert math.isnan(iaqi([801.0], "o3_8h")[0])
    t = pd.DataFrame({"date": pd.to_datetime(["2024-07-01", "2024-07-02"]), "o3_8h": [850.0, 850.0],
                      "o3_1h": [900.0, None], "pm25": [20.0, 20.0]})
    d = city_daily(t)
    assert d["aqi"].iloc[0] == _interp(900, 800, 1000, 300, 400)  # the 1-h IAQI (表1 note 3)
    assert math.isnan(d["aqi"].iloc[1]) and d["aqi_floor"].iloc[1] > 300 and d["category"].iloc[1] == "严重污染"
    assert any("note 3" in w for w in d.attrs["warnings"])
    r = air_records(t)
    assert r.metrics["heavy_days"] == 2 and r.metrics["good_days"] == 0


def _year(levels, year=2023):
    """A city-level year of PM2.5 values: (count, value) pairs, in order, from 1 January."""
    values = np.concatenate([np.full(n, v, dtype=float) for n, v in levels])
    return pd.DataFrame({"date": pd.date_range(f"{year}-01-01", periods=len(values)), "pm25": values})


#: 365 days: AQI 29 (100 d), 82 (150 d), 132 (80 d), 172 (20 d), 250 (10 d), 350 (5 d)
YEAR = [(100, 20.0), (150, 60.0), (80, 100.0), (20, 130.0), (10, 200.0), (5, 300.0)]


def test_good_day_ratio_and_heavy_days_on_a_constructed_year():
    r = air_records(_year(YEAR))
    m = r.metrics
    assert m["year"] == 2023 and m["days_with_data"] == 365
    assert m["good_days"] == 250 and m["good_day_ratio"] == pytest.approx(250 / 365)
    assert m["heavy_days"] == 15 and m["heavy_day_ratio"] == pytest.approx(15 / 365)
    assert m["severe_days"] == 5
    assert m["pm25_mean_ugm3"] == pytest.approx((100 * 20 + 150 * 60 + 80 * 100 + 20 * 130 + 10 * 200 + 5 * 300)
                                                 / 365)
    # complete year: no completeness warning
    assert not any("表4" in w for w in r.warnings)


def test_city_value_is_the_mean_of_station_concentrations_not_of_their_iaqi():
    t = pd.DataFrame({"date": pd.to_datetime(["2024-01-01"] * 2), "station": ["A", "B"], "pm25": [50.0, 70.0]})
    d = city_daily(t)
    assert d["pm25"].iloc[0] == 60.0 and d["aqi"].iloc[0] == 82  # mean of IAQIs 69 and 94 would be 81.5


def test_completeness_rule_warns_and_carries_the_figure():
    t = _year(YEAR)
    t = t[~t["date"].dt.month.eq(3) | t["date"].dt.day.le(20)]  # March: 20 days (< 27)
    r = air_records(t)
    assert r.metrics["days_with_data"] == 365 - 11
    assert r.metrics["pm25_mean_ugm3"] is not None  # carried
    w = [x for x in r.warnings if "pm25 annual mean" in x]
    assert w and "03: 20/27" in w[0] and "324" in w[0] and "not a valid annual statistic" in w[0]


def test_percentile_is_hj663_rule_by_hand():
    # k = 1 + (n - 1) p; s = int(k); X(s) + (X(s+1) - X(s)) (k - s)
    assert percentile(list(range(1, 11)), 90) == pytest.approx(9.1)
    x = [100.0, 120.0, 150.0, 180.0]  # k = 1 + 3 * 0.9 = 3.7: 150 + 0.7 * 30
    assert percentile(x[::-1], 90) == pytest.approx(171.0)
    assert percentile([5.0], 90) == 5.0 and math.isnan(percentile([], 90))
    rng = np.random.default_rng(7)
    o3 = rng.permutation(np.arange(1.0, 366.0))  # n = 365: k = 328.6 -> 328.6
    t = pd.DataFrame({"date": pd.date_range("2023-01-01", periods=365), "o3_8h": o3})
    m = air_records(t).metrics
    assert m["o3_8h_p90_ugm3"] == pytest.approx(328.6)
    assert m["o3_8h_p90_ugm3"] == pytest.approx(np.percentile(o3, 90))  # numpy's linear method agrees
    assert m["o3_8h_exceedance_days"] == 365 - 160  # 161 ... 365 above 160 µg/m3


def test_station_aqi_only_is_averaged_with_a_warning():
    t = pd.DataFrame({"date": pd.to_datetime(["2024-01-01"] * 2), "station": ["A", "B"], "aqi": [90.0, 120.0]})
    d = city_daily(t)
    assert d["aqi"].iloc[0] == 105 and d["aqi_from"].iloc[0] == "given (mean of stations)"
    assert any("mean concentrations" in w for w in d.attrs["warnings"])


def test_bad_file_gives_a_clear_error_through_the_check(tmp_path):
    (tmp_path / "air_daily.csv").write_text("日期,站点,PM2.5\n2024-01-01,A,35\n2024-01-01,A,36\n",
                                            encoding="utf-8")
    from ecogis.layerset import load_layers

    with pytest.raises(LayerReadError, match="rows 2, 3: the same station and date"):
        run_check("air-records", load_layers(tmp_path))


def _luohe(target_id):
    return next(t for t in load_targets() if t.id == target_id)


def test_audit_measures_targets_through_indicators():
    layers = LayerSet(tables={"air_daily": _year(YEAR)})
    targets = [_luohe("luohe-eco-2023/good-air-days-2023"), _luohe("luohe-eco-2023/ozone-exceedance-days-2023"),
               _luohe("luohe-air-2024/heavy-pollution-day-ratio-2025"),
               _luohe("luohe-air-2024/rail-freight-increase-2025")]
    assert all(t.check is None and not t.spatial for t in targets)
    assert indicator_check(targets[0], layers) == ("air-records", "good_day_ratio")
    audit = run_audit(layers, targets=targets)
    by_id = {o.target.id: o for o in audit.outcomes}
    good = by_id["luohe-eco-2023/good-air-days-2023"]
    # 250 / 365 = 0.68493 < 0.685: not met, by the records
    assert good.status == "not_met" and good.measured == pytest.approx(250 / 365)
    assert good.to_dict()["check"] == "air-records" and good.to_dict()["metric"] == "good_day_ratio"
    heavy = by_id["luohe-air-2024/heavy-pollution-day-ratio-2025"]
    assert heavy.status == "not_met" and heavy.measured == pytest.approx(15 / 365)  # 0.041 > 0.017
    ozone = by_id["luohe-eco-2023/ozone-exceedance-days-2023"]  # no O3 column: not measurable, with the reason
    assert ozone.status == "not_measurable" and "o3_8h_exceedance_days" in ozone.reason
    assert by_id["luohe-air-2024/rail-freight-increase-2025"].reason.startswith("not spatial")
    # without the table, the same targets are not measured
    assert {o.status for o in run_audit(LayerSet(), targets=targets[:1]).outcomes} == {"not_measurable"}


def test_records_for_the_target_year_and_city_scope_only():
    both = pd.concat([_year(YEAR, 2023), _year([(366, 30.0)], 2024)], ignore_index=True)
    layers = LayerSet(tables={"air_daily": both})
    t23 = _luohe("luohe-eco-2023/good-air-days-2023")
    t24 = _luohe("luohe-eco-2023/good-air-days-2024")
    county = dataclasses.replace(t24, id="x/county", scope="临颍县")
    out = {o.target.id: o for o in run_audit(layers, targets=[t23, t24, county]).outcomes}
    assert out[t23.id].measured == pytest.approx(250 / 365)  # its own year, not the latest
    assert out[t24.id].measured == 1.0 and out[t24.id].status == "met"
    assert out["x/county"].status == "not_measurable" and "临颍县" in out["x/county"].reason


def test_air_check_prefers_record_means_and_says_so():
    from ecogis.layerset import load_sample

    sample = load_sample()
    stations_mean = float(sample.vectors["air_stations"]["pm25_ugm3"].mean())
    layers = LayerSet(dict(sample.vectors), dict(sample.rasters), sample.root, sample.name,
                      {"air_daily": _year([(366, 30.0)], 2024)})
    r = run_check("air", layers)
    assert r.metrics["pm25_mean_ugm3"] == pytest.approx(30.0)
    assert r.metrics["pm25_stations_mean_ugm3"] == pytest.approx(stations_mean)
    assert "air_daily records" in r.parameters["annual_means_from"]
    assert any("takes precedence" in w for w in r.warnings)
    only = run_check("air", LayerSet(tables={"air_daily": _year([(366, 30.0)], 2024)}))
    assert only.metrics["pm25_mean_ugm3"] == pytest.approx(30.0) and "stations_over_target" in only.not_measurable


def test_cli_check_air_records_prints_figures_and_refuses_a_bad_file(tmp_path):
    from click.testing import CliRunner

    from ecogis.cli.main import cli

    good = tmp_path / "good"
    good.mkdir()
    _year(YEAR).rename(columns={"date": "日期", "pm25": "PM2.5"}).to_csv(good / "air_daily.csv", index=False)
    r = CliRunner().invoke(cli, ["check", "air-records", "--layers", str(good)])
    assert r.exit_code == 0, r.output
    assert "good_days: 250" in r.output and "heavy_days: 15" in r.output
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "air_daily.csv").write_text("日期,PM2.5\n2024-01-01,35\n2024-01-02,三十\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["check", "air-records", "--layers", str(bad)])
    assert r.exit_code == 2 and "row 3, column 'PM2.5': '三十' is not a number" in r.output


def test_co_in_micrograms_refused():
    from ecogis.errors import InputError

    t = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=3), "co": [800.0, 900.0, 1000.0]})
    with pytest.raises(InputError, match="look like µg/m³: divide"):
        air_records(t)
