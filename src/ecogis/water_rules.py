"""Water rules as data: HJ 338-2018 delineation and GB 3838-2002 limits from ``data/rules``, with user overrides.

Part of :mod:`ecogis.water`, which re-exports the public names.
"""

from __future__ import annotations

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

import copy
from importlib import resources
from pathlib import Path
from typing import Any

from ecogis.errors import InputError

__all__ = [
    "load_hj338_rules",
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


def load_hj338_rules(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The HJ 338-2018 delineation figures (``data/rules/hj338.toml``), optionally overridden.

    Parameters
    ----------
    path : path-like, optional
        Another TOML file of the same shape.
    overrides : dict, optional
        Nested values replacing the file's, e.g. ``{"river": {"first_level_upstream_m": 1500}}``.

    Examples
    --------
    >>> load_hj338_rules()["river"]["first_level_upstream_m"]
    1000.0
    >>> load_hj338_rules(overrides={"river": {"first_level_land_m": 100.0}})["river"]["first_level_land_m"]
    100.0
    """
    rules = _read_rules("hj338", path)
    return _deep_update(copy.deepcopy(rules), overrides or {})


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
