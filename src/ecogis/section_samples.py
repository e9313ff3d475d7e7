"""Monthly section samples: annual means per parameter and the annual GB 3838-2002 class of each section.

A ``section_samples`` record table (:mod:`ecogis.tables`: ``section``, ``date`` and the
GB 3838-2002 表1 concentrations in mg/L) gives a year of samples per monitored
section.  The annual evaluation takes the **annual mean of each parameter** and
classes it by single-factor evaluation (《地表水环境质量评价办法（试行）》(环办〔2011〕22号):
断面年均值按 GB 3838-2002 单因子评价), with the class function of :mod:`ecogis.water`
(:func:`~ecogis.water.classify_water_quality`, ``data/rules/gb3838.toml``).

:func:`annual_section_means` computes the means and classes; :func:`sections_with_annual_means`
puts them on a ``sections`` layer in place of its one value per section, which is what the
``sections`` check does when the layer set has the table.

Examples
--------
>>> import pandas as pd
>>> s = pd.DataFrame({"section": ["马湾"] * 12, "date": pd.date_range("2024-01-01", periods=12, freq="MS"),
...                   "nh3n_mgl": [0.8] * 6 + [1.3] * 6})
>>> a = annual_section_means(s)
>>> float(round(a.loc["马湾", "nh3n_mgl"], 6)), a.loc["马湾", "annual_class"], int(a.loc["马湾", "months"])
(1.05, 'IV', 12)
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ecogis.errors import NotMeasurableError
from ecogis.water import classify_water_quality, load_gb3838_rules

__all__ = ["CONCENTRATIONS", "annual_section_means", "sections_with_annual_means"]

#: the concentration fields of GB 3838-2002 表1 that samples and sections share (mg/L)
CONCENTRATIONS = ("do_mgl", "codmn_mgl", "cod_mgl", "bod5_mgl", "nh3n_mgl", "tp_mgl", "tn_mgl")


def annual_section_means(samples: pd.DataFrame, *, year: int | None = None, min_months: int = 12,
                         water_body: pd.Series | None = None,
                         rules: dict[str, Any] | None = None) -> pd.DataFrame:
    """Annual mean of each parameter and the annual class of each section.

    Parameters
    ----------
    samples : DataFrame
        A ``section_samples`` table (:func:`ecogis.tables.read_table`); not modified.
    year : int, optional
        Calendar year to evaluate; default the latest in the table.
    min_months : int, default 12
        Sections sampled in fewer distinct months are carried with a warning
        (monthly monitoring gives 12 a year).
    water_body : Series, optional
        Section name -> ``river`` / ``lake`` (湖库 use the lake limits of 表1).
    rules : dict, optional
        :func:`ecogis.water.load_gb3838_rules` output.

    Returns
    -------
    DataFrame
        Index ``section``; the annual mean of every parameter sampled, ``samples``,
        ``months``, ``annual_class``, ``deciding_indicator_zh``; ``attrs`` ``year`` and
        ``warnings``.
    """
    rules = rules or load_gb3838_rules()
    params = [c for c in CONCENTRATIONS if c in samples and samples[c].notna().any()]
    if not params:
        raise NotMeasurableError("section_samples has no concentrations (do_mgl, nh3n_mgl, tp_mgl ...)")
    years = sorted(set(samples["date"].dt.year.dropna().astype(int)))
    warnings: list[str] = list(samples.attrs.get("warnings", []))
    if year is None:
        year = years[-1]
    elif year not in years:
        raise NotMeasurableError(f"section_samples has no samples in {year} (years: {years})")
    if len(years) > 1:
        warnings.append(f"section_samples holds the years {years}; the annual means are {year}'s")
    s = samples[samples["date"].dt.year == year]
    g = s.groupby("section", sort=True)
    out = g[params].mean()
    out["samples"] = g.size()
    out["months"] = g["date"].agg(lambda d: d.dt.month.nunique())
    frame = out[params].copy()
    if water_body is not None:
        frame["water_body"] = water_body.reindex(out.index).to_numpy()
    cls = classify_water_quality(frame, rules=rules)
    out["annual_class"] = cls["measured_class"]
    out["deciding_indicator_zh"] = cls["deciding_indicator_zh"]
    short = out[out["months"] < min_months]
    if len(short):
        warnings.append(f"{len(short)} section(s) sampled in fewer than {min_months} months of {year}: "
                        + ", ".join(f"{n} ({int(m)})" for n, m in short["months"].items())
                        + "; their annual means and classes are carried, from the months sampled")
    missing = {n: [p for p in params if pd.isna(out.loc[n, p])] for n in out.index}
    missing = {n: ps for n, ps in missing.items() if ps}
    if missing:
        warnings.append("parameters never sampled in the year (not rated): "
                        + "; ".join(f"{n}: {', '.join(ps)}" for n, ps in missing.items()))
    out.attrs.update(year=int(year), warnings=warnings)
    return out


def sections_with_annual_means(sections: gpd.GeoDataFrame, samples: pd.DataFrame, *, year: int | None = None,
                               min_months: int = 12) -> tuple[gpd.GeoDataFrame, list[str], str]:
    """A copy of ``sections`` whose concentrations are the samples' annual means where a section has samples.

    A sample's ``section`` is matched to a section's ``name``, else its ``id``.  The
    concentrations of a matched section are all replaced (a parameter not sampled
    becomes empty, so the class rests on the samples alone) and its ``measured_class``
    cleared, so the check classes the annual means; unmatched sections keep their
    values; samples of unknown sections are reported.

    Returns
    -------
    (GeoDataFrame, warnings, what was used)

    Examples
    --------
    >>> import pandas as pd, geopandas as gpd, shapely
    >>> sec = gpd.GeoDataFrame({"id": ["S1"], "name": ["马湾"], "nh3n_mgl": [0.3]},
    ...                        geometry=[shapely.Point(0, 0)], crs=4547)
    >>> s = pd.DataFrame({"section": ["S1"] * 12, "date": pd.date_range("2024-01-01", periods=12, freq="MS"),
    ...                   "nh3n_mgl": [1.2] * 12})
    >>> out, warnings, used = sections_with_annual_means(sec, s)
    >>> out["nh3n_mgl"].round(6).tolist(), out["annual_samples"].tolist(), used
    ([1.2], [12], 'section_samples annual means (2024) for 1 of 1 section(s)')
    """
    wb = None
    if "water_body" in sections:
        wb = pd.concat([pd.Series(sections["water_body"].to_numpy(), index=sections[c].astype(str))
                        for c in ("name", "id") if c in sections])
        wb = wb[~wb.index.duplicated()]
    annual = annual_section_means(samples, year=year, min_months=min_months, water_body=wb)
    warnings = list(annual.attrs["warnings"])
    out = sections.copy()
    names = out["name"].astype(str) if "name" in out else pd.Series("", index=out.index)
    ids = out["id"].astype(str) if "id" in out else pd.Series("", index=out.index)
    key = pd.Series([n if n in annual.index else (i if i in annual.index else None) for n, i in zip(names, ids)],
                    index=out.index)
    matched = key.notna()
    params = [c for c in CONCENTRATIONS if c in annual]
    for c in CONCENTRATIONS:
        if c not in out:
            out[c] = np.nan
        values = pd.to_numeric(out[c], errors="coerce").astype(float)
        if c in params:
            values[matched] = annual.loc[key[matched], c].to_numpy(dtype=float)
        else:
            values[matched] = np.nan
        out[c] = values
    if "measured_class" in out:
        out["measured_class"] = out["measured_class"].astype(object)
        out.loc[matched, "measured_class"] = None
    out["annual_samples"] = [int(annual.loc[k, "samples"]) if pd.notna(k) else 0 for k in key]
    unknown = sorted(set(annual.index) - set(key.dropna()))
    if unknown:
        warnings.append(f"section_samples name sections not in the sections layer (not used): {', '.join(unknown)}")
    kept = [f"{i} ({n})" for i, n, m in zip(ids, names, matched) if not m]
    if kept:
        warnings.append(f"{len(kept)} section(s) without samples keep the layer's one value: {', '.join(kept)}")
    used = (f"section_samples annual means ({annual.attrs['year']}) for {int(matched.sum())} of {len(out)} "
            f"section(s)")
    return out, warnings, used
