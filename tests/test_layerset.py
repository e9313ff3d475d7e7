"""LayerSet: loading a directory by kind, the sample, missing kinds."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
import shapely

from ecogis.errors import InputError, NotMeasurableError
from ecogis.layerset import load_layers, load_sample


def test_directory_by_kind_and_unknown_files_ignored(tmp_path):
    stops = gpd.GeoDataFrame({"站点名称": ["a", "b"]}, geometry=[shapely.Point(5e5, 3.716e6),
                                                             shapely.Point(5e5 + 10, 3.716e6)], crs=4547)
    pyogrio.write_dataframe(stops, tmp_path / "bus_stops.geojson")
    pyogrio.write_dataframe(stops, tmp_path / "notes.geojson")
    ls = load_layers(tmp_path)
    assert list(ls.vectors) == ["bus_stops"]
    assert ls.get("bus_stops")["name"].tolist() == ["a", "b"]
    with pytest.raises(NotMeasurableError, match="layer 'rivers' missing"):
        ls.get("rivers")
    with pytest.raises(NotMeasurableError, match="raster 'population' missing"):
        ls.raster("population")


def test_empty_directory_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no layers found"):
        load_layers(tmp_path)


@pytest.mark.sample
def test_sample_has_every_vector_kind_and_scopes():
    ls = load_sample()
    from ecogis.catalogue import CATALOGUE

    assert set(CATALOGUE) <= set(ls.vectors)
    assert "population" in ls.rasters
    assert len(ls.study_area("中心城区")) >= 1
    assert set(ls.districts()["name"]) == {"源汇区", "郾城区", "召陵区"}
    with pytest.raises(NotMeasurableError, match="scope '主城区'"):
        ls.study_area("主城区")
    without = ls.without("bus_stops")
    assert not without.has("bus_stops") and ls.has("bus_stops")
