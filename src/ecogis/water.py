"""Drinking-water sources and monitored sections.

Four jobs, each a function over GeoDataFrames:

* :func:`delineate_protection_zones` draws 一级 / 二级 protection zones around
  intakes by the empirical method of HJ 338-2018 (河流型 along the river network,
  湖库型 as discs by size class, 地下水型 by aquifer medium or R = α·K·I·T/n).
  The figures live in ``data/rules/hj338.toml`` with the clause they come from.
* :func:`protection_conflicts` finds facilities inside zones, each with the article
  of the Water Pollution Prevention and Control Law (《中华人民共和国水污染防治法》,
  2017 revision) it breaks, and warns about facilities just outside a zone's edge.
* :func:`classify_water_quality` gives the GB 3838-2002 class of measured
  concentrations (单因子评价: the worst indicator decides; worse than V is 劣V);
  the limits live in ``data/rules/gb3838.toml``.
* :func:`section_compliance` compares each section's class with its target, rates
  compliance by level, colours rivers by the class of the nearest section
  downstream, and lists the facilities near the river upstream of failing sections.

River lines are taken to be digitised downstream (first vertex upstream).  Lines
are joined into a directed network where their ends meet (within
``snap_tolerance_m``) and where one line's end touches another line's interior.

The code lives in one module per concern, re-exported here: :mod:`ecogis.water_rules` (the rule
tables), :mod:`ecogis.river_network` (the directed river graph), :mod:`ecogis.protection_zones`
(HJ 338 delineation), :mod:`ecogis.water_conflicts` (facilities in zones, the ``water-sources``
check), :mod:`ecogis.water_quality` (GB 3838 classes) and :mod:`ecogis.section_quality` (sections
against their targets, the ``sections`` check).

Examples
--------
>>> import pandas as pd
>>> classify_water_quality(pd.DataFrame({"nh3n_mgl": [1.2], "do_mgl": [6.5]}))["measured_class"].tolist()
['IV']
"""

from __future__ import annotations

from ecogis.protection_zones import delineate_protection_zones  # noqa: F401
from ecogis.river_network import RiverNetwork  # noqa: F401
from ecogis.section_quality import section_compliance, sections_check, share_meeting_class  # noqa: F401
from ecogis.water_conflicts import (  # noqa: F401
    DEFAULT_POLLUTING_KINDS,
    LAW,
    LAW_RULES,
    protection_conflicts,
    water_sources_check,
)
from ecogis.water_quality import classify_water_quality  # noqa: F401
from ecogis.water_rules import (  # noqa: F401
    hj338_figures,
    hj338_unconfirmed_warnings,
    load_gb3838_rules,
    load_hj338_rules,
)

__all__ = [
    "LAW",
    "LAW_RULES",
    "DEFAULT_POLLUTING_KINDS",
    "load_hj338_rules",
    "hj338_figures",
    "hj338_unconfirmed_warnings",
    "load_gb3838_rules",
    "RiverNetwork",
    "delineate_protection_zones",
    "protection_conflicts",
    "water_sources_check",
    "classify_water_quality",
    "section_compliance",
    "sections_check",
    "share_meeting_class",
]
