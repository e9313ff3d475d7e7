"""The layer tree of a QGIS export: check groups under 核查结果, group titles by language,
the layer-tree order and the maps' drawing order (every raster under every vector layer)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ecogis.checks import CHECK_TITLES
from ecogis.styles import GROUP_ORDER

log = logging.getLogger(__name__)


#: top-level group of check results (the first of GROUP_ORDER)
RESULTS_GROUP = "核查结果"


#: group names by language (the style table names groups in Chinese)
GROUP_TITLES: dict[str, dict[str, str]] = {
    "zh": {g: g for g in GROUP_ORDER},
    "en": {"核查结果": "Check results", "水环境": "Water", "生态": "Ecology", "大气": "Air", "交通": "Transport",
           "基础": "Base layers"},
}


def _relative(p: Path, base: Path) -> str:
    try:
        return Path(p).relative_to(base).as_posix()
    except ValueError:
        return Path(p).name

_RESERVED = ("gpkg_", "rtree_", "sqlite_", "layer_styles")


def _slug(name: str) -> str:
    s = re.sub(r"[^0-9A-Za-z_]+", "_", str(name)).strip("_").lower()
    if not s or s[0].isdigit() or s.startswith(_RESERVED):
        s = f"l_{s}"
    return s


def _check_groups(results: Sequence[Any] | Mapping[str, Any] | None,
                  lang: str) -> list[tuple[str, Any, tuple[str, ...]]]:
    """(key, result, group path) per check result: a group per check under 核查结果."""
    if isinstance(results, Mapping):
        keyed = [(str(k), r) for k, r in results.items()]
    else:
        keyed = [(r.name, r) for r in (results or [])]
    out = []
    seen_groups: set[str] = set()
    for key, r in keyed:
        base_title = CHECK_TITLES.get(r.name, (r.name, r.name))[0 if lang == "zh" else 1]
        group_title = f"{base_title} ({key})"
        n = 2
        while group_title in seen_groups:
            group_title, n = f"{base_title} ({key} {n})", n + 1
        seen_groups.add(group_title)
        out.append((key, r, (GROUP_TITLES[lang][RESULTS_GROUP], group_title)))
    return out


def _tree_order(entries: Sequence[Any], lang: str) -> tuple[list[str], list[Any]]:
    """Top-level group names in order, and the entries in layer-tree order (top first)."""
    titles = GROUP_TITLES[lang]
    rank = {titles[g]: i for i, g in enumerate(GROUP_ORDER)}
    check_groups: list[str] = []
    for e in entries:
        if len(e.group) > 1 and e.group[1] not in check_groups:
            check_groups.append(e.group[1])

    def key(e: Any) -> tuple:
        top = rank.get(e.group[0], len(GROUP_ORDER))
        # check groups first inside 核查结果, in the order given; then loose layers by draw order
        sub = check_groups.index(e.group[1]) if len(e.group) > 1 else len(check_groups)
        # rasters at the bottom of their group, under the group's vectors
        return (top, e.group[0], sub, e.raster, -e.style.order, e.table)

    ordered = sorted(entries, key=key)
    groups = list(dict.fromkeys(e.group[0] for e in ordered))
    return groups, ordered


def _draw_order(ordered: Sequence[Any]) -> list[Any]:
    """Drawing order of the maps (``style.order``, high on top); check layers above inputs on ties;
    every raster under every vector layer."""
    pos = {id(e): i for i, e in enumerate(ordered)}
    return sorted(ordered, key=lambda e: (e.raster, -e.style.order, 0 if e.check else 1, pos[id(e)]))
