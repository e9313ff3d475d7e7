"""Water rules as data: HJ 338-2018 delineation and GB 3838-2002 limits from ``data/rules``, with user overrides.

Part of :mod:`ecogis.water`, which re-exports the public names.
"""

from __future__ import annotations

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

import copy
import difflib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd

from ecogis.errors import InputError

__all__ = [
    "load_hj338_rules",
    "hj338_figures",
    "hj338_unconfirmed_warnings",
    "load_gb3838_rules",
]


def _read_rules(name: str, path: str | Path | None) -> dict[str, Any]:
    try:
        if path is None:
            text = resources.files("ecogis").joinpath("data", "rules", f"{name}.toml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        return tomllib.loads(text)
    except FileNotFoundError:
        raise InputError(f"rules file {path or name + '.toml'} not found; expected a TOML file like "
                         f"ecogis/data/rules/{name}.toml") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"rules file {path or name + '.toml'} is not valid TOML: {exc}") from None


def _deep_update(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for k, v in overrides.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _deep_update(base[k], v)
        else:
            base[k] = v
    return base


#: the tables of hj338.toml that hold figures (numbers, or [min, max] ranges in metres)
_HJ338_SECTIONS = ("river", "lake_reservoir", "groundwater")


_FIGURE_META = ("clause", "confirmed", "note")


def _is_figure(v: Any) -> bool:
    num = (int, float)
    return (isinstance(v, num) and not isinstance(v, bool)) or (
        isinstance(v, list) and len(v) == 2 and all(isinstance(x, num) and not isinstance(x, bool) for x in v))


def _figure_values(rules: Mapping[str, Any]) -> dict[str, Any]:
    """Every figure of an hj338 rules mapping by its dotted path (``river.first_level_upstream_m``)."""
    out: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        for k, v in node.items():
            path = f"{prefix}.{k}"
            if isinstance(v, dict):
                walk(v, path)
            elif _is_figure(v):
                out[path] = v

    for sec in _HJ338_SECTIONS:
        if isinstance(rules.get(sec), dict):
            walk(rules[sec], sec)
    return out


def _override_problems(base: Mapping[str, Any], over: Mapping[str, Any], where: str) -> list[str]:
    """Keys of an override that the packaged file does not have, or figures that are not numbers >= 0."""
    problems: list[str] = []
    figures = _figure_values(base)

    def walk(b: Any, o: Mapping[str, Any], prefix: str) -> None:
        for k, v in o.items():
            path = f"{prefix}.{k}" if prefix else k
            if prefix == "" and k == "figures":
                problems.extend(_figures_table_problems(v, figures))
                continue
            if not isinstance(b, dict) or k not in b:
                known = list(b) if isinstance(b, dict) else []
                near = difflib.get_close_matches(k, known, n=1)
                problems.append(f"{path!r} is not a key of the HJ 338 rules"
                                + (f" (did you mean {near[0]!r}?)" if near else f"; expected one of {known}"))
                continue
            if isinstance(b[k], dict):
                if not isinstance(v, dict):
                    problems.append(f"{path!r} was {v!r} but is a table in the HJ 338 rules")
                else:
                    walk(b[k], v, path)
            else:
                problems.extend(_leaf_problems(path, b[k], v, figures))

    walk(base, over, "")
    return [f"{where}: {p}" for p in problems]


def _figures_table_problems(table: Any, figures: Mapping[str, Any]) -> list[str]:
    """An override's ``figures`` table: known figure paths, each with only the metadata keys."""
    if not isinstance(table, dict):
        return ["`figures` must be a table of figure paths"]
    problems: list[str] = []
    for fp, meta in table.items():
        if fp not in figures:
            near = difflib.get_close_matches(fp, list(figures), n=1)
            problems.append(f"figures.{fp!r} is not a figure of HJ 338"
                            + (f" (did you mean {near[0]!r}?)" if near else ""))
        elif not isinstance(meta, dict) or set(meta) - set(_FIGURE_META):
            problems.append(f"figures.{fp!r} takes only {list(_FIGURE_META)}")
        elif "confirmed" in meta and not isinstance(meta["confirmed"], bool):
            problems.append(f"figures.{fp!r}.confirmed was {meta['confirmed']!r}; expected true or false")
    return problems


def _leaf_problems(path: str, packaged: Any, value: Any, figures: Mapping[str, Any]) -> list[str]:
    """One overridden value: a figure like the packaged one (number or [min, max] pair, >= 0), or text."""
    if path in figures:
        if not _is_figure(value) or _is_figure(packaged) and isinstance(packaged, list) != isinstance(value, list):
            return [f"{path!r} was {value!r} but is expected to be "
                    + ("a [min, max] pair of metres" if isinstance(packaged, list) else "a number")]
        if min(value if isinstance(value, list) else [value]) < 0:
            return [f"{path!r} was {value!r} but a distance or factor is expected to be >= 0"]
        return []
    if isinstance(packaged, str) and not isinstance(value, str):
        return [f"{path!r} was {value!r} but is expected to be text"]
    return []


def load_hj338_rules(path: str | Path | None = None,
                     overrides: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The HJ 338-2018 delineation figures (``data/rules/hj338.toml``), optionally overridden.

    Each figure has an entry in the ``figures`` table (keyed by its dotted path) with the
    standard's clause number, ``confirmed`` (whether figure and clause were read from the
    standard's own text: none has been) and a note.  Figures set by ``overrides`` carry
    ``overridden`` (where they came from) and are not reported as unconfirmed.

    Parameters
    ----------
    path : path-like, optional
        Another complete TOML file of the same shape.
    overrides : path-like or dict, optional
        A TOML file (``ecogis check water-sources --rules FILE``) or nested dict holding only
        what changes, e.g. ``{"river": {"first_level_upstream_m": 1500}}``.  A key the rules
        do not have, or a figure that is not a number >= 0, raises :class:`InputError`.

    Examples
    --------
    >>> load_hj338_rules()["river"]["first_level_upstream_m"]
    1000.0
    >>> load_hj338_rules()["figures"]["river.first_level_upstream_m"]["clause"]
    '6.1.1.2'
    >>> r = load_hj338_rules(overrides={"river": {"first_level_land_m": 100.0}})
    >>> r["river"]["first_level_land_m"], r["figures"]["river.first_level_land_m"]["overridden"]
    (100.0, 'overrides')
    """
    rules = _read_rules("hj338", path)
    where = str(path) if path is not None else "hj338.toml"
    meta = rules.get("figures") if isinstance(rules.get("figures"), dict) else {}
    missing = [p for p in _figure_values(rules) if not isinstance(meta.get(p), dict)
               or not isinstance(meta[p].get("clause"), str) or not isinstance(meta[p].get("confirmed"), bool)]
    if missing:
        raise InputError(f"rules file {where}: figure(s) {missing} have no [figures.\"<path>\"] entry with `clause` "
                         "(the standard's clause number) and `confirmed` (true or false); add them")
    rules = copy.deepcopy(rules)
    if overrides is None:
        return rules
    if isinstance(overrides, (str, Path)):
        over, source = _read_rules("hj338", overrides), str(overrides)
    elif isinstance(overrides, Mapping):
        over, source = copy.deepcopy(dict(overrides)), "overrides"
    else:
        raise InputError(f"overrides was {overrides!r}; expected a TOML file or a dict of the figures that change")
    problems = _override_problems(rules, over, source)
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the HJ 338 overrides:\n  " + "\n  ".join(problems)
                         + "\n(the keys are those of ecogis/data/rules/hj338.toml; see docs/water.md)")
    changed = [p for p in _figure_values(over)]
    merged = _deep_update(rules, over)
    for p in changed:
        merged["figures"][p]["overridden"] = source
    return merged


def hj338_figures(rules: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The figures of the HJ 338 rules, one dict each: path, value, clause, confirmed, note, overridden.

    Examples
    --------
    >>> rows = hj338_figures()
    >>> [r["value"] for r in rows if r["path"] == "lake_reservoir.sizes.大型水库.second_level_radius_m"]
    [3000.0]
    >>> any(r["confirmed"] for r in rows)
    False
    """
    rules = load_hj338_rules() if rules is None else rules
    meta = rules.get("figures", {})
    return [{"path": p, "value": v, "clause": meta.get(p, {}).get("clause"),
             "confirmed": bool(meta.get(p, {}).get("confirmed")), "note": meta.get(p, {}).get("note"),
             "overridden": meta.get(p, {}).get("overridden")} for p, v in _figure_values(rules).items()]


def _figures_used(zones: gpd.GeoDataFrame) -> list[str]:
    """Paths of the HJ 338 figures behind delineated zones (from their source_type and basis)."""
    used: list[str] = []
    if zones is None or zones.empty or "source_type" not in zones.columns:
        return used
    for kind, basis in zones[["source_type", "basis"]].drop_duplicates().itertuples(index=False):
        head = str(basis).split(":", 1)[0].strip()
        if kind == "河流型":
            used += [f"river.{lv}_level_{k}_m" for lv in ("first", "second") for k in ("upstream", "downstream",
                                                                                          "land")]
        elif kind == "湖库型":
            used += [f"lake_reservoir.sizes.{head}.{k}" for k in ("first_level_radius_m", "first_level_land_m",
                                                                  "second_level_radius_m")]
        elif kind == "地下水型" and str(basis).startswith("R ="):
            used += ["groundwater.alpha", "groundwater.first_level_travel_time_d",
                     "groundwater.second_level_travel_time_d"]
        elif kind == "地下水型":
            used += [f"groundwater.media.{head}.first_level_radius_m", f"groundwater.media.{head}.second_level_radius_m"]
    return list(dict.fromkeys(used))


def hj338_unconfirmed_warnings(zones: gpd.GeoDataFrame, rules: Mapping[str, Any] | None = None) -> list[str]:
    """Warnings naming the unconfirmed HJ 338 figures that delineated ``zones`` used (none if all confirmed).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from ecogis.water import delineate_protection_zones
    >>> src = gpd.GeoDataFrame({"id": ["g1"], "name": ["井群"], "source_type": ["地下水型"],
    ...                         "aquifer_medium": ["细砂"]}, geometry=[shapely.Point(500000, 3700000)], crs=4547)
    >>> w = hj338_unconfirmed_warnings(delineate_protection_zones(src))
    >>> "groundwater.media.细砂.second_level_radius_m = 300-500 (8.1.1" in w[0]
    True
    """
    rules = load_hj338_rules() if rules is None else rules
    rows = {r["path"]: r for r in hj338_figures(rules)}
    bad = [rows[p] for p in _figures_used(zones) if p in rows and not rows[p]["confirmed"] and not rows[p]["overridden"]]
    if not bad:
        return []
    def show(v: Any) -> str:
        return f"{v[0]:g}-{v[1]:g}" if isinstance(v, list) else f"{v:g}"
    listed = "; ".join(f"{r['path']} = {show(r['value'])} ({r['clause']})" for r in bad)
    doubtful = [r["path"] for r in bad if str(r.get("note") or "").startswith("DOUBTFUL")]
    out = [f"HJ 338-2018 figures not confirmed from the standard's text were used: {listed}; check them "
           "(docs/water.md) or set them with --rules FILE / load_hj338_rules(overrides=...)"]
    if doubtful:
        out.append(f"HJ 338-2018 figure(s) {doubtful} are doubtful, not only unconfirmed (see their note in "
                   "hj338.toml): the zones drawn with them may be too large or too small")
    return out


def load_gb3838_rules(path: str | Path | None = None) -> dict[str, Any]:
    """The GB 3838-2002 表1 class limits (``data/rules/gb3838.toml``).

    Examples
    --------
    >>> [i["field"] for i in load_gb3838_rules()["indicator"]][:2]
    ['do_mgl', 'codmn_mgl']
    """
    rules = _read_rules("gb3838", path)
    for ind in rules.get("indicator", []):
        for key in ("limits", "lake_limits"):
            if key in ind and len(ind[key]) != 5:
                raise InputError(f"gb3838 rules: indicator {ind.get('field')!r} {key} has {len(ind[key])} values; "
                                 f"expected 5 (classes I-V)")
    return rules
