"""The error tree pickles: an error raised in a dask worker or another process comes back as it was raised."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import pickle

import pytest

import ecogis.maps.assets  # noqa: F401  (errors defined outside ecogis.errors)
import ecogis.maps.png  # noqa: F401
from ecogis.errors import EcogisError, NotMeasurableError, ValidationError
from ecogis.validate import Problem


def _tree(cls: type) -> list[type]:
    out = [cls]
    for sub in cls.__subclasses__():
        out += _tree(sub)
    return out


def _example(cls: type[EcogisError]) -> EcogisError:
    if issubclass(cls, ValidationError):
        return cls([Problem("error", "empty", "no features", file="a.gpkg", layer="stops"), "a second problem"],
                   "2 validation problem(s)")
    if issubclass(cls, NotMeasurableError):
        return cls("layer 'stops' missing", {"population_share": "raster 'population' missing"})
    return cls("what was given, what is expected, the fix")


CLASSES = _tree(EcogisError)


def test_the_tree_is_found():
    names = {c.__name__ for c in CLASSES}
    assert {"EcogisError", "InputError", "ValidationError", "NotMeasurableError", "AssetError",
            "PngRendererError", "OutputLockedError"} <= names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_pickles_as_itself(cls):
    err = _example(cls)
    err.note = "an attribute set after raising"
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is cls
    assert str(again) == str(err) and again.args == err.args
    assert again.exit_code == err.exit_code
    assert again.__dict__ == err.__dict__


def test_validation_problems_survive_pickling():
    # before: Exception pickling called ValidationError(message), which took the message as the problems,
    # one per character ("20 validation problem(s)\n  h\n  e ...")
    err = ValidationError(["a problem", "another"], "head")
    again = pickle.loads(pickle.dumps(err))
    assert again.problems == ["a problem", "another"]
    assert str(again) == "head\n  a problem\n  another"


def _raise_validation() -> None:
    raise ValidationError(["stops.gpkg: 3 features without geometry"], "1 validation problem(s)")


def test_an_error_raised_in_a_child_process_comes_back_whole():
    with cf.ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        with pytest.raises(ValidationError) as info:
            pool.submit(_raise_validation).result()
    assert info.value.problems == ["stops.gpkg: 3 features without geometry"]
    assert str(info.value) == "1 validation problem(s)\n  stops.gpkg: 3 features without geometry"
