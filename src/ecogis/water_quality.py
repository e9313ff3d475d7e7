"""GB 3838-2002 class of measured concentrations (单因子评价: the worst indicator decides).

Part of :mod:`ecogis.water`, which re-exports the public names.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from ecogis.catalogue import WATER_CLASSES
from ecogis.errors import InputError
from ecogis.protection_zones import _is_lake
from ecogis.water_rules import load_gb3838_rules

__all__ = [
    "classify_water_quality",
]


_CLASS_RANK = {c: i for i, c in enumerate(WATER_CLASSES)}


def classify_water_quality(
    df: pd.DataFrame,
    *,
    water_body: Literal["river", "lake"] = "river",
    rules: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """GB 3838-2002 class of measured concentrations; the worst indicator decides.

    Each indicator of 表1 present in ``df`` (``do_mgl``, ``codmn_mgl``, ``cod_mgl``,
    ``bod5_mgl``, ``nh3n_mgl``, ``tp_mgl``, ``tn_mgl``) gets the best class whose
    limit it meets (dissolved oxygen: at least the limit; the others: at most);
    worse than class V is 劣V.  Lakes and reservoirs use the 湖、库 phosphorus limits
    and are also judged on total nitrogen; rivers are not judged on total nitrogen.
    Missing values are skipped; a row with none gets no class.

    Parameters
    ----------
    df : DataFrame
        Concentrations in mg/L; an optional ``water_body`` column (river / lake /
        湖库 / 水库 ...) overrides ``water_body`` per row.
    water_body : {'river', 'lake'}, default 'river'
    rules : dict, optional
        :func:`load_gb3838_rules` output.

    Returns
    -------
    DataFrame
        Same index: ``measured_class``, ``deciding_indicator`` (field),
        ``deciding_indicator_zh``, ``deciding_value_mgl``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"do_mgl": [7.0, 1.5], "nh3n_mgl": [1.32, 0.1], "codmn_mgl": [3.0, 3.0]})
    >>> classify_water_quality(d)[["measured_class", "deciding_indicator_zh"]].values.tolist()
    [['IV', '氨氮'], ['劣V', '溶解氧']]
    """
    rules = rules or load_gb3838_rules()
    if water_body not in ("river", "lake"):
        raise InputError(f"water_body was {water_body!r}; expected 'river' or 'lake'")
    n = len(df)
    lake = (df["water_body"].map(_is_lake).to_numpy(dtype=bool) if "water_body" in df.columns
            else np.full(n, water_body == "lake"))
    names, zh, idx_cols, val_cols = [], [], [], []
    for ind in rules["indicator"]:
        col = ind["field"]
        if col not in df.columns:
            continue
        vals = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        limits = np.asarray(ind["limits"], dtype=float)
        lake_limits = np.asarray(ind.get("lake_limits", ind["limits"]), dtype=float)
        cls = np.full(n, np.nan)
        for mask, lim in ((~lake, limits), (lake, lake_limits)):
            sel = mask & ~np.isnan(vals)
            if ind.get("applies_to", "all") == "lake":
                sel &= lake
            if not sel.any():
                continue
            if ind["direction"] == "min":
                cls[sel] = np.searchsorted(-lim, -vals[sel], side="left")
            else:
                cls[sel] = np.searchsorted(lim, vals[sel], side="left")
        names.append(col)
        zh.append(ind.get("name_zh", col))
        idx_cols.append(cls)
        val_cols.append(vals)
    out = pd.DataFrame(index=df.index, columns=["measured_class", "deciding_indicator", "deciding_indicator_zh",
                                                "deciding_value_mgl"], dtype=object)
    if not idx_cols:
        return out
    mat = np.vstack(idx_cols)  # indicators x rows
    for j in range(n):
        col = mat[:, j]
        if np.all(np.isnan(col)):
            continue
        worst = int(np.nanmax(col))
        k = int(np.flatnonzero(col == worst)[0])
        out.iat[j, 0] = WATER_CLASSES[worst]
        out.iat[j, 1] = names[k]
        out.iat[j, 2] = zh[k]
        out.iat[j, 3] = float(val_cols[k][j])
    return out
