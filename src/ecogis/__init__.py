"""ecogis: the spatial targets of Chinese municipal plans as data layers, audits and maps.

The top-level names are imported lazily, so ``import ecogis`` stays fast.

Examples
--------
>>> import ecogis
>>> sample = ecogis.load_sample()  # doctest: +SKIP
>>> result = ecogis.stop_coverage(sample.get("bus_stops"), sample.study_area("中心城区"))  # doctest: +SKIP
>>> round(result.metrics["area_share"], 3)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "read_layer": "ecogis.io",
    "write_layers": "ecogis.io",
    "force_crs": "ecogis.io",
    "read_gtfs_stops": "ecogis.gtfs",
    "read_gtfs_routes": "ecogis.gtfs",
    "read_amap_buslines": "ecogis.amap",
    "PolygonPopulation": "ecogis.population_polygons",
    "population_from_table": "ecogis.population_polygons",
    "load_layers": "ecogis.layerset",
    "load_sample": "ecogis.layerset",
    "LayerSet": "ecogis.layerset",
    "CheckResult": "ecogis.result",
    "metric_crs": "ecogis.crs",
    "to_crs": "ecogis.crs",
    "to_metric": "ecogis.crs",
    "validate_layer": "ecogis.validate",
    "validate_paths": "ecogis.validate",
    "stop_coverage": "ecogis.coverage",
    "covered_area": "ecogis.coverage",
    "service_coverage": "ecogis.service_area",
    "bus_indicators": "ecogis.bus_indicators",
    "propose_stops": "ecogis.proposals",
    "protection_conflicts": "ecogis.water",
    "delineate_protection_zones": "ecogis.water",
    "section_compliance": "ecogis.water",
    "redline_overlap": "ecogis.ecology",
    "redline_change": "ecogis.ecology",
    "river_buffers": "ecogis.ecology",
    "control_zones": "ecogis.ecology",
    "air_quality": "ecogis.air",
    "load_targets": "ecogis.targets",
    "run_audit": "ecogis.audit",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ecogis' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
