"""Audit reports: ``report.json``, ``report.md`` and ``report.html``, plus one map per check.

Every value that reaches the HTML is escaped; the HTML is a single self-contained
file (no scripts, no external style sheets), so it can be published as is.

Examples
--------
>>> from ecogis.audit import run_audit
>>> from ecogis.report import write_report
>>> paths = write_report(run_audit(), "ecogis-report")  # doctest: +SKIP
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from ecogis.audit import AuditResult, target_key
from ecogis.errors import InputError, OutputExistsError
from ecogis.io import atomic_output
from ecogis.layerset import LayerSet
from ecogis.result import write_json

__all__ = ["write_report", "render_markdown", "render_html", "group_outcomes", "md_escape", "md_code", "STATUS_LABELS",
           "SECTIONS"]

log = logging.getLogger(__name__)

STATUS_LABELS = {
    "met": ("达标", "met", "#1a7f37"),
    "not_met": ("未达标", "not met", "#cf222e"),
    "not_measurable": ("无法核查", "not measurable", "#6e7781"),
}

_CMP_TEXT = {">=": "≥", "<=": "≤", "<": "<", ">": ">", "==": "=", "not_decrease": "不减少 / no decrease",
             "zero": "= 0"}


def _fmt_value(value: Any, unit: str | None) -> str:
    if value is None:
        return "—"
    if unit == "share":
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, float):
        text = f"{value:,.2f}" if abs(value) < 1e5 else f"{value:,.0f}"
    else:
        text = str(value)
    return f"{text} {unit}" if unit and unit not in ("count",) else text


def _target_text(t: dict[str, Any]) -> str:
    cmp = _CMP_TEXT.get(t["comparator"], t["comparator"])
    if t["comparator"] in ("not_decrease", "zero"):
        return cmp
    return f"{cmp} {_fmt_value(t['target'], t['unit'])}"


#: the report's sections: measured targets first, then spatial ones the layers could not measure, then the rest
SECTIONS = (
    ("measured", "核查结果", "Measured targets"),
    ("spatial_not_measurable", "空间目标 · 无法核查", "Spatial targets the layers could not measure"),
    ("not_spatial", "非空间目标（统计、监测、台账）", "Targets measured by statistics, monitoring or accounts"),
)


def group_outcomes(audit: AuditResult) -> dict[str, list]:
    """Outcomes by report section (see :data:`SECTIONS`), each in registry order."""
    groups: dict[str, list] = {key: [] for key, _, _ in SECTIONS}
    for o in audit.outcomes:
        if o.status != "not_measurable":
            groups["measured"].append(o)
        elif o.target.spatial:
            groups["spatial_not_measurable"].append(o)
        else:
            groups["not_spatial"].append(o)
    return groups


#: characters that Markdown (CommonMark / GFM) would read as markup in a table cell or list item
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|"})


def md_escape(value: Any) -> str:
    """A value as literal Markdown text: HTML escaped (``<`` ``>`` ``&`` as entities), Markdown
    punctuation backslash-escaped, line breaks as spaces; safe in a table cell.

    Examples
    --------
    >>> print(md_escape('<img src=x onerror=alert(1)> [a](javascript:x) | *b*'))
    &lt;img src=x onerror=alert(1)&gt; \\[a\\](javascript:x) \\| \\*b\\*
    """
    text = html.escape(str(value if value is not None else ""), quote=False)
    return " ".join(text.translate(_MD_SPECIAL).splitlines())


def md_code(value: Any) -> str:
    """A value as a Markdown code span: shown verbatim (HTML inside a code span is not markup),
    fenced with more backticks than it contains.

    Examples
    --------
    >>> print(md_code("a`b"))
    `` a`b ``
    """
    text = " ".join(str(value if value is not None else "").splitlines()).replace("|", "\\|")
    run = max((len(m) for m in re.findall("`+", text)), default=0)
    fence = "`" * (run + 1)
    return f"{fence} {text} {fence}" if run else f"{fence}{text}{fence}"


def render_markdown(audit: AuditResult) -> str:
    """The report as Markdown (one table row per target); every value escaped (:func:`md_escape`)."""

    cell = md_escape

    counts = audit.counts()
    lines = [
        "# ecogis audit report (规划目标核查报告)",
        "",
        f"- layers: {cell(audit.layerset_name)}",
        f"- plans: {cell(', '.join(audit.plans))}",
        f"- year: {cell(audit.year or 'all')}",
        f"- targets: {sum(counts.values())} — met {counts['met']}, not met {counts['not_met']}, "
        f"not measurable {counts['not_measurable']}",
        "",
    ]
    groups = group_outcomes(audit)
    for key, zh_title, en_title in SECTIONS:
        outcomes = groups[key]
        if not outcomes:
            continue
        lines += [f"## {zh_title} / {en_title} ({len(outcomes)})", "",
                  "| status | document | clause | indicator | scope | year | target | measured | reason / map |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for o in outcomes:
            d = o.to_dict()
            zh, en, _ = STATUS_LABELS[d["status"]]
            tail = cell(d["reason"]) if d["reason"] else (_md_link("map", d["map"]) if d["map"] else "")
            lines.append(
                f"| {zh} {en} | {cell(d['document'])} | {cell(d['clause'])} | {cell(d['indicator_zh'])} "
                f"({cell(d['indicator'])}) | {cell(d['scope'])} | {cell(d['year'])} | {cell(_target_text(d))} | "
                f"{cell(_fmt_value(d['measured'], d['unit']))} | {tail} |"
            )
        lines.append("")
    if audit.failures:
        lines += ["", "## Checks not run", ""]
        lines += [f"- {md_code(k)}: {cell(v)}" for k, v in audit.failures.items()]
    methods = _methods(audit)
    if methods:
        lines += ["", "## 核查方法 / How the checks were run", ""]
        for key, how in methods:
            lines += [f"### {cell(how['title'])} ({md_code(key)})", ""]
            lines += [f"- {cell(k)}: {cell(v)}" for k, v in how["parameters"]]
            lines += [f"- note: {cell(n)}" for n in how["notes"]]
            lines.append("")
    lines += ["", "Targets quote their source documents; see report.json for the quotes and parameters.", "",
              f"Repeat: {md_code(audit.repeat_command())} (ecogis {cell(_version())}, {cell(audit.generated_at)})", ""]
    return "\n".join(lines)


def _md_link(text: str, url: str) -> str:
    """A Markdown link to a relative map path: the target percent-encoded, so it cannot break out."""
    from urllib.parse import quote

    return f"[{md_escape(text)}](<{quote(str(url), safe='/._-~')}>)"


_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#1f2328}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f6f8fa} .badge{color:#fff;border-radius:4px;padding:1px 6px;white-space:nowrap}
.quote{color:#57606a;font-size:12px} .summary span{margin-right:1.5em}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;font-size:13px} dt{color:#57606a}
.repeat{color:#57606a;font-size:13px;margin-top:2em}
summary h2{display:inline;cursor:pointer} h2 small{color:#57606a;font-weight:normal}
"""


def _html_row(o: Any) -> str:
    e = html.escape
    d = o.to_dict()
    zh, en, colour = STATUS_LABELS[d["status"]]
    link = f'<a href="{e(d["map"], quote=True)}">地图 map</a>' if d["map"] else ""
    reason = e(d["reason"]) if d["reason"] else ""
    return (
        "<tr>"
        f'<td><span class="badge" style="background:{colour}">{e(zh)} {e(en)}</span></td>'
        f"<td>{e(str(d['document']))}<br><small>{e(str(d['clause']))}</small></td>"
        f"<td>{e(str(d['indicator_zh']))}<br><small>{e(str(d['indicator']))}</small>"
        f"<div class=\"quote\">“{e(str(d['quote']))}”</div></td>"
        f"<td>{e(str(d['scope'] or ''))}</td><td>{e(str(d['year']))}</td>"
        f"<td>{e(_target_text(d))}</td><td>{e(_fmt_value(d['measured'], d['unit']))}</td>"
        f"<td>{reason}{'<br>' if reason and link else ''}{link}</td>"
        "</tr>"
    )


def _version() -> str:
    from ecogis import __version__

    return __version__


def _short(value: Any, limit: int = 240) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _methods(audit: AuditResult) -> list[tuple[str, dict[str, Any]]]:
    """Per check run: its title, parameters (shortened) and notes (warnings, what it could not measure)."""
    from ecogis.maps.render import check_title

    out = []
    for key, r in audit.results.items():
        notes = [str(w) for w in r.warnings] + [f"{k}: {why}" for k, why in r.not_measurable.items()]
        out.append((key, {"title": check_title(key), "parameters": [(k, _short(v)) for k, v in r.parameters.items()],
                          "notes": notes}))
    return out


def render_html(audit: AuditResult, *, maps_link: bool = True) -> str:
    """The report as one self-contained HTML page; every value escaped.

    ``maps_link`` adds the link to ``maps/index.html``; leave it off when no maps were written.
    """
    e = html.escape
    counts = audit.counts()
    sections = []
    groups = group_outcomes(audit)
    for key, zh_title, en_title in SECTIONS:
        if not groups[key]:
            continue
        rows = [_html_row(o) for o in groups[key]]
        table = ("<table><thead><tr><th>状态 status</th><th>文件 document</th><th>指标 indicator</th>"
                 "<th>范围 scope</th><th>年份 year</th><th>目标 target</th><th>实测 measured</th>"
                 "<th>说明 notes</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
        heading = f"{e(zh_title)} <small>{e(en_title)} ({len(rows)})</small>"
        if key == "not_spatial":
            sections.append(f"<details><summary><h2>{heading}</h2></summary>{table}</details>")
        else:
            sections.append(f"<h2>{heading}</h2>{table}")
    failures = "".join(f"<li><code>{e(k)}</code>: {e(v)}</li>" for k, v in audit.failures.items())
    methods = []
    for key, how in _methods(audit):
        params = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in how["parameters"])
        notes = "".join(f"<li>{e(w)}</li>" for w in how["notes"])
        methods.append(f"<h3>{e(how['title'])} <small><code>{e(key)}</code></small></h3><dl>{params}</dl>"
                       + (f"<ul>{notes}</ul>" if notes else ""))
    return (
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<title>ecogis 规划目标核查报告</title>"
        f"<style>{_CSS}</style></head><body>"
        "<h1>规划目标核查报告 <small>ecogis audit report</small></h1>"
        f"<p>数据 layers: {e(audit.layerset_name)} · 规划 plans: {e(', '.join(audit.plans))} · "
        f"年份 year: {e(str(audit.year or 'all'))}</p>"
        f"<p class=\"summary\"><span>达标 met: <b>{counts['met']}</b></span>"
        f"<span>未达标 not met: <b>{counts['not_met']}</b></span>"
        f"<span>无法核查 not measurable: <b>{counts['not_measurable']}</b></span>"
        + ("<span><a href=\"maps/index.html\">全部地图 all maps</a></span>" if maps_link else "")
        + "</p>"
        + "".join(sections)
        + (f"<h2>未运行的核查 checks not run</h2><ul>{failures}</ul>" if failures else "")
        + ("<details><summary><h2>核查方法 <small>How the checks were run</small></h2></summary>"
           + "".join(methods) + "</details>" if methods else "")
        + f"<p class=\"repeat\">重复核查 repeat: <code>{e(audit.repeat_command())}</code> · "
        f"ecogis {e(_version())} · {e(audit.generated_at)}</p>"
        + "</body></html>"
    )


def _write_maps(audit: AuditResult, layers: LayerSet, maps_dir: Path, *, basemap: str, lang: str,
                overwrite: bool) -> dict[str, str]:
    """One map per check result plus the overview; returns check key -> relative path."""
    from ecogis import maps

    keys = list(audit.results)
    paths = maps.write_maps(layers, audit.results, maps_dir, basemap=basemap, lang=lang, overwrite=overwrite)
    return {key: f"maps/{p.name}" for key, p in zip(keys, paths[1:-1])}


def write_report(
    audit: AuditResult,
    out_dir: str | os.PathLike,
    *,
    layers: LayerSet | None = None,
    maps: bool = True,
    basemap: str = "none",
    lang: str = "zh",
    overwrite: bool = False,
    qgis: bool = False,
) -> dict[str, Path]:
    """Write report.json, report.md, report.html (and maps/) into ``out_dir``.

    Parameters
    ----------
    audit : AuditResult
    out_dir : path-like
    layers : LayerSet, optional
        The audited layers, for the maps and the QGIS export.
    maps : bool, default True
        Write ``maps/`` (overview, one map per check, index) and link each target to its map.
    basemap, lang
        As for :func:`ecogis.maps.write_maps`.
    overwrite : bool
        Replace an earlier report in ``out_dir``.
    qgis : bool, default False
        Also write ``qgis/audit.gpkg`` and ``qgis/audit.qgs``: the layers and every check's
        results, styled like the maps (:func:`ecogis.export.export_qgis`).

    Raises
    ------
    OutputExistsError
        When ``out_dir`` already holds a report and ``overwrite`` is False.

    Examples
    --------
    >>> paths = write_report(run_audit(), "out/report", layers=load_sample(), qgis=True)  # doctest: +SKIP
    >>> sorted(paths)  # doctest: +SKIP
    ['html', 'json', 'maps', 'md', 'qgis']
    """
    out = Path(out_dir)
    if not overwrite:
        existing = [p for p in (out / "report.json", out / "qgis" / "audit.gpkg") if p.exists()]
        if existing:
            raise OutputExistsError(f"{out} already holds a report ({existing[0].name}); pass overwrite=True "
                                    f"(--overwrite) to replace it")
    if qgis and layers is None:
        raise InputError("qgis=True needs the audited layers (layers=...)")
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if maps and layers is not None:
        links = _write_maps(audit, layers, out / "maps", basemap=basemap, lang=lang, overwrite=overwrite)
        for o in audit.outcomes:
            t = o.target
            if t.spatial and t.check and o.status != "not_measurable":
                o.map = links.get(target_key(t))
        paths["maps"] = out / "maps" / "index.html"
    if qgis:
        from ecogis.export import export_qgis

        exported = export_qgis(layers, out / "qgis" / "audit.gpkg", results=audit.results, lang=lang,
                               overwrite=overwrite, title=f"{audit.layerset_name} 规划目标核查 audit")
        paths["qgis"] = exported.project
    paths["json"] = write_json(audit.to_dict(), out / "report.json", overwrite=True)
    with atomic_output(out / "report.md", overwrite=True) as tmp:
        tmp.write_text(render_markdown(audit), encoding="utf-8")
    paths["md"] = out / "report.md"
    with atomic_output(out / "report.html", overwrite=True) as tmp:
        tmp.write_text(render_html(audit, maps_link="maps" in paths), encoding="utf-8")
    paths["html"] = out / "report.html"
    return paths
