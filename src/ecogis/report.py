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
from urllib.parse import quote

from ecogis import __version__
from ecogis.audit import AuditResult, target_key
from ecogis.errors import InputError, OutputExistsError
from ecogis.io import atomic_output
from ecogis.layerset import LayerSet
from ecogis.report_chart import trajectory_svg
from ecogis.report_summary import plan_summaries, trajectories
from ecogis.report_text import comparator_text, fmt_change, fmt_value, need_label, reason_text, tr
from ecogis.result import write_json

__all__ = ["write_report", "render_markdown", "render_html", "group_outcomes", "md_escape", "md_code", "STATUS_LABELS",
           "SECTIONS"]

log = logging.getLogger(__name__)

STATUS_LABELS = {
    "met": ("达标", "met", "#1a7f37"),
    "not_met": ("未达标", "not met", "#cf222e"),
    "not_measurable": ("无法核查", "not measurable", "#6e7781"),
}

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


def _cells(o: Any, lang: str) -> dict[str, Any]:
    """The texts of one outcome's row (unescaped; each renderer escapes)."""
    d = o.to_dict()
    unit = d["unit"]
    cell: dict[str, Any] = {"d": d, "status": tr(f"status.{d['status']}", lang),
                            "target": comparator_text(d["comparator"], d["target"], unit, lang),
                            "measured": fmt_value(d["measured"], unit, lang), "source": None, "reported": None,
                            "reported_from": None, "difference": None, "previous": None, "reason": None}
    if d["source"]:
        cell["source"] = tr(f"source.{d['source']}", lang)
    if d["reported"] is not None:
        cell["reported_from"] = d["reported_source"]
        if d["source"] != "reported":
            cell["reported"] = tr("cell.reported", lang, value=fmt_value(d["reported"], unit, lang))
            if d["difference"] is not None:
                cell["difference"] = tr("cell.difference", lang, value=fmt_change(d["difference"], unit, lang))
    if d["previous"] is not None:
        cell["previous"] = f"{fmt_value(d['previous'], unit, lang)} / {fmt_change(d['change'], unit, lang)}"
    if d["reason"] and (lang != "zh" or d["status"] == "not_measurable"):
        cell["reason"] = reason_text(d, lang)
    return cell


def _gap_text(g: Any, lang: str) -> tuple[str, str, str]:
    """(indicator, year, how far off) of a gap."""
    t = g.outcome.target
    measured = fmt_value(g.outcome.measured, t.unit, lang)
    target = comparator_text(t.comparator, t.value, t.unit, lang)
    if g.relative is not None:
        off = tr("summary.gap_rel", lang, gap=f"{g.relative * 100:.1f}%")
    else:
        off = tr("summary.gap_zero", lang)
    name = t.indicator_zh if lang == "zh" else t.indicator
    return str(name), str(t.year), tr("summary.gap", lang, measured=measured, target=target, off=off)


def _need_names(group: Any, lang: str, limit: int = 4) -> str:
    names = [str(o.target.indicator_zh if lang == "zh" else o.target.indicator) for o in group.outcomes]
    names = list(dict.fromkeys(names))
    more = f" {tr('summary.and_more', lang)}" if len(names) > limit else ""
    return ("、" if lang == "zh" else ", ").join(names[:limit]) + more


def _show_previous(audit: AuditResult) -> bool:
    return bool(audit.previous_report) or any(o.previous is not None for o in audit.outcomes)


def render_markdown(audit: AuditResult, *, lang: str = "zh") -> str:
    """The report as Markdown: the per-plan summary first, then one table row per target; every value escaped
    (:func:`md_escape`).  ``lang``: "zh" (Chinese only) or "en"."""
    cell = md_escape
    sep = "：" if lang == "zh" else ": "
    lines = [f"# {tr('title', lang)}", "",
             f"- {tr('meta.layers', lang)}{sep}{cell(audit.layerset_name)}",
             f"- {tr('meta.plans', lang)}{sep}{', '.join(md_code(p) for p in audit.plans)}",
             f"- {tr('meta.year', lang)}{sep}{cell(audit.year or tr('meta.all_years', lang))}"]
    if audit.indicators_file:
        lines.append(f"- {tr('meta.indicators', lang)}{sep}{md_code(audit.indicators_file)}")
    if audit.previous_report:
        lines.append(f"- {tr('meta.previous', lang)}{sep}{md_code(audit.previous_report)}")
    lines.append("")
    for s in plan_summaries(audit):
        lines += _md_summary(s, lang)
    trajs = trajectories(audit)
    if trajs:
        lines += [f"## {tr('chart.title', lang)}", ""]
        for tj in trajs:
            steps = " · ".join(
                f"{y} {tr('chart.target', lang)} {cell(comparator_text(c, v, tj.unit, lang))} "
                f"{tr('chart.measured', lang)} {cell(fmt_value(m, tj.unit, lang))}" for y, v, c, m, _s, _p in tj.points)
            name = tj.indicator_zh if lang == "zh" else tj.indicator
            lines.append(f"- {cell(name)} ({md_code(tj.plan)}){sep}{steps}")
        lines.append("")
    previous = _show_previous(audit)
    groups = group_outcomes(audit)
    for key, _zh, _en in SECTIONS:
        outcomes = groups[key]
        if not outcomes:
            continue
        cols = ["status", "document", "indicator", "scope", "year", "target", "measured"]
        cols += ["previous"] if previous else []
        cols += ["notes"]
        lines += [f"## {tr('section.' + key, lang)} ({len(outcomes)})", "",
                  "| " + " | ".join(tr(f"col.{c}", lang) for c in cols) + " |", "|" + "---|" * len(cols)]
        for o in outcomes:
            lines.append(_md_row(o, lang, previous))
        lines.append("")
    if audit.failures:
        lines += ["", f"## {tr('checks_not_run', lang)}", ""]
        lines += [f"- {md_code(k)}" + (f": {cell(v)}" if lang == "en" else "") for k, v in audit.failures.items()]
    methods = _methods(audit, lang)
    if methods:
        lines += ["", f"## {tr('methods', lang)}", ""]
        for key, how in methods:
            lines += [f"### {cell(how['title'])} ({md_code(key)})", ""]
            lines += [f"- {md_code(k)}{sep}{md_code(v)}" for k, v in how["parameters"]]
            lines += [f"- {cell(n)}" for n in how["notes"]]
            lines.append("")
    lines += ["", tr("footer.quotes", lang), "",
              f"{tr('footer.repeat', lang)}{sep}{md_code(audit.repeat_command())} "
              f"(ecogis {cell(_version())}, {cell(audit.generated_at)})", ""]
    return "\n".join(lines)


def _md_summary(s: Any, lang: str) -> list[str]:
    cell = md_escape
    sep = "：" if lang == "zh" else ": "
    c = s.counts
    out = [f"## {cell(s.title)} ({md_code(s.plan)})", "",
           f"**{tr('summary.targets', lang, n=s.total)}** — " + " · ".join(
               f"{tr('status.' + k, lang)} **{c[k]}**" for k in ("met", "not_met", "not_measurable")),
           "",
           f"- {tr('summary.by_source', lang)}{sep}" + " · ".join(
               f"{tr('source.' + k, lang)} {v}" for k, v in s.by_source.items()),
           f"- {tr('summary.gaps', lang)}{sep}" + ("" if s.gaps else tr("summary.no_gaps", lang))]
    for g in s.gaps:
        name, year, off = _gap_text(g, lang)
        out.append(f"  - {cell(name)} {year}{sep}{cell(off)}")
    out.append(f"- {tr('summary.needs', lang)}{sep}" + ("" if s.needs else tr("summary.no_needs", lang)))
    for g in s.needs:
        label = " + ".join(need_label(n, lang) for n in g.needs)
        out.append(f"  - {cell(label)}{sep}{tr('summary.n_targets', lang, n=len(g.outcomes))}"
                   f" ({cell(_need_names(g, lang))})")
    return out + [""]


def _md_row(o: Any, lang: str, previous: bool) -> str:
    cell = md_escape
    c = _cells(o, lang)
    d = c["d"]
    measured = cell(c["measured"])
    if c["source"]:
        measured += f" ({cell(c['source'])})"
    extra = [x for x in (c["reported"], c["difference"]) if x]
    if c["reported_from"]:
        extra.append(tr("cell.source", lang, source=c["reported_from"]))
    if extra:
        measured += "<br>" + "<br>".join(cell(x) for x in extra)
    notes = cell(c["reason"]) if c["reason"] else (_md_link(tr("cell.map", lang), d["map"]) if d["map"] else "")
    name = cell(d["indicator_zh"]) if lang == "zh" else f"{cell(d['indicator_zh'])} ({md_code(d['indicator'])})"
    row = [cell(c["status"]), f"{cell(d['document'])} {cell(d['clause'])}", name, cell(d["scope"]),
           cell(d["year"]), cell(c["target"]), measured]
    if previous:
        row.append(cell(c["previous"] or "—"))
    row.append(notes)
    return "| " + " | ".join(row) + " |"


def _md_link(text: str, url: str) -> str:
    """A Markdown link to a relative map path: the target percent-encoded, so it cannot break out."""
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
.plans{display:flex;flex-wrap:wrap;gap:1em} .plan{border:1px solid #d0d7de;border-radius:6px;padding:.5em 1em;
flex:1 1 28em} .plan h2{font-size:1.1em;margin:.3em 0} .plan .counts{font-size:1.3em} .plan h3{font-size:.95em;
margin:.5em 0 .2em} .plan ol,.plan ul{margin:0;padding-left:1.4em;font-size:13px}
.charts{display:flex;flex-wrap:wrap;gap:1em} figure{margin:0;font-size:12px;width:320px}
.src{color:#57606a;font-size:12px}
"""


def _html_row(o: Any, lang: str = "zh", previous: bool = False) -> str:
    e = html.escape
    c = _cells(o, lang)
    d = c["d"]
    colour = STATUS_LABELS[d["status"]][2]
    link = f'<a href="{e(d["map"], quote=True)}">{e(tr("cell.map", lang))}</a>' if d["map"] else ""
    reason = e(c["reason"]) if c["reason"] else ""
    measured = f'<span class="v">{e(c["measured"])}</span>'
    if c["source"]:
        measured += f'<br><small>{e(c["source"])}</small>'
    if c["reported"]:
        measured += f'<br><span class="v">{e(c["reported"])}</span>'
    if c["difference"]:
        measured += f'<br><span class="v">{e(c["difference"])}</span>'
    if c["reported_from"]:
        measured += f'<div class="src">{e(tr("cell.source", lang, source=""))}<span class="v">' \
                    f'{e(c["reported_from"])}</span></div>'
    indicator = f'<span class="v">{e(str(d["indicator_zh"]))}</span>'
    if lang != "zh":
        indicator += f"<br><small><code>{e(str(d['indicator']))}</code></small>"
    return (
        "<tr>"
        f'<td><span class="badge" style="background:{colour}">{e(c["status"])}</span></td>'
        f'<td><span class="v">{e(str(d["document"]))}</span><br><small class="v">{e(str(d["clause"]))}</small></td>'
        f'<td>{indicator}<div class="quote v">“{e(str(d["quote"]))}”</div></td>'
        f'<td class="v">{e(str(d["scope"] or ""))}</td><td class="v">{e(str(d["year"]))}</td>'
        f'<td class="v">{e(c["target"])}</td><td>{measured}</td>'
        + (f'<td class="v">{e(c["previous"] or "—")}</td>' if previous else "")
        + f"<td>{reason}{'<br>' if reason and link else ''}{link}</td>"
        "</tr>"
    )


def _version() -> str:
    return __version__


def _short(value: Any, limit: int = 240) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _methods(audit: AuditResult, lang: str = "en") -> list[tuple[str, dict[str, Any]]]:
    """Per check run: its title, parameters (shortened) and notes (warnings, what it could not measure).

    The notes come from the checks in English; the Chinese report counts them and points to report.json.
    """
    from ecogis.maps.render import check_title  # heavy: folium, loaded when a report is written, not on import

    out = []
    for key, r in audit.results.items():
        notes = [str(w) for w in r.warnings] + [f"{k}: {why}" for k, why in r.not_measurable.items()]
        if lang == "zh" and notes:
            notes = [tr("methods.notes_elsewhere", lang, n=len(notes))]
        out.append((key, {"title": check_title(key.partition("@")[0], lang=lang),
                          "parameters": [(k, _short(v)) for k, v in r.parameters.items()], "notes": notes}))
    return out


def _html_summary(s: Any, lang: str) -> str:
    e = html.escape
    sep = "：" if lang == "zh" else ": "
    counts = "".join(
        f'<span class="badge" style="background:{STATUS_LABELS[k][2]}">{e(tr("status." + k, lang))} '
        f'<b>{s.counts[k]}</b></span> ' for k in ("met", "not_met", "not_measurable"))
    sources = " · ".join(f"{e(tr('source.' + k, lang))} <b>{v}</b>" for k, v in s.by_source.items())
    gaps = "".join(f'<li><span class="v">{e(name)}</span> {e(year)}{sep}<span class="v">{e(off)}</span></li>'
                   for name, year, off in (_gap_text(g, lang) for g in s.gaps))
    needs = "".join(
        f"<li>{e(' + '.join(need_label(n, lang) for n in g.needs))}{sep}"
        f"{e(tr('summary.n_targets', lang, n=len(g.outcomes)))}<br><small class=\"v\">{e(_need_names(g, lang))}"
        f"</small></li>" for g in s.needs)
    return (f'<section class="plan"><h2><span class="v">{e(s.title)}</span> <small><code>{e(s.plan)}</code>'
            f"</small></h2>"
            f'<p class="counts">{e(tr("summary.targets", lang, n=s.total))} {counts}</p>'
            f"<p>{e(tr('summary.by_source', lang))}{sep}{sources}</p>"
            f"<h3>{e(tr('summary.gaps', lang))}</h3>"
            + (f"<ol>{gaps}</ol>" if gaps else f"<p>{e(tr('summary.no_gaps', lang))}</p>")
            + f"<h3>{e(tr('summary.needs', lang))}</h3>"
            + (f"<ul>{needs}</ul>" if needs else f"<p>{e(tr('summary.no_needs', lang))}</p>")
            + "</section>")


def _html_charts(audit: AuditResult, lang: str) -> str:
    e = html.escape
    figures = []
    for tj in trajectories(audit):
        name = tj.indicator_zh if lang == "zh" else tj.indicator
        figures.append(f"<figure>{trajectory_svg(tj, lang)}<figcaption><span class=\"v\">{e(str(name))}</span> "
                       f"<code>{e(tj.plan)}</code><br>■ {e(tr('chart.target', lang))} ● {e(tr('chart.measured', lang))}"
                       f" ○ {e(tr('chart.previous', lang))}</figcaption></figure>")
    if not figures:
        return ""
    return f"<h2>{e(tr('chart.title', lang))}</h2><div class=\"charts\">{''.join(figures)}</div>"


def render_html(audit: AuditResult, *, maps_link: bool = True, lang: str = "zh") -> str:
    """The report as one self-contained HTML page (no script, no external resource); every value escaped.

    The first screen is a per-plan summary (counts, by source, worst gaps, the data that is missing),
    then the yearly trajectories (inline SVG), then the targets.  ``maps_link`` adds the link to
    ``maps/index.html``; leave it off when no maps were written.  ``lang``: "zh" or "en".
    """
    e = html.escape
    sep = "：" if lang == "zh" else ": "
    previous = _show_previous(audit)
    sections = []
    groups = group_outcomes(audit)
    for key, _zh, _en in SECTIONS:
        if not groups[key]:
            continue
        rows = [_html_row(o, lang, previous) for o in groups[key]]
        cols = ["status", "document", "indicator", "scope", "year", "target", "measured"]
        cols += ["previous"] if previous else []
        cols += ["notes"]
        table = ("<table><thead><tr>" + "".join(f"<th>{e(tr('col.' + c, lang))}</th>" for c in cols)
                 + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
        heading = f"{e(tr('section.' + key, lang))} <small>({len(rows)})</small>"
        if key == "measured":
            sections.append(f"<h2>{heading}</h2>{table}")
        else:
            sections.append(f"<details><summary><h2>{heading}</h2></summary>{table}</details>")
    failures = "".join(f"<li><code>{e(k)}</code>" + (f": {e(v)}" if lang == "en" else "") + "</li>"
                       for k, v in audit.failures.items())
    methods = []
    for key, how in _methods(audit, lang):
        params = "".join(f"<dt><code>{e(k)}</code></dt><dd><code>{e(v)}</code></dd>" for k, v in how["parameters"])
        notes = "".join(f"<li>{e(w)}</li>" for w in how["notes"])
        methods.append(f"<h3>{e(how['title'])} <small><code>{e(key)}</code></small></h3><dl>{params}</dl>"
                       + (f"<ul>{notes}</ul>" if notes else ""))
    meta = [f"{e(tr('meta.layers', lang))}{sep}<span class=\"v\">{e(audit.layerset_name)}</span>",
            f"{e(tr('meta.plans', lang))}{sep}" + ", ".join(f"<code>{e(p)}</code>" for p in audit.plans),
            f"{e(tr('meta.year', lang))}{sep}" + (f'<span class="v">{e(str(audit.year))}</span>' if audit.year
                                                 else e(tr("meta.all_years", lang)))]
    if audit.indicators_file:
        meta.append(f"{e(tr('meta.indicators', lang))}{sep}<code>{e(audit.indicators_file)}</code>")
    if audit.previous_report:
        meta.append(f"{e(tr('meta.previous', lang))}{sep}<code>{e(audit.previous_report)}</code>")
    if maps_link:
        meta.append(f"<a href=\"maps/index.html\">{e(tr('meta.all_maps', lang))}</a>")
    return (
        f"<!DOCTYPE html><html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">"
        f"<title>{e(tr('title', lang))}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>{e(tr('title', lang))}</h1>"
        f"<p>{' · '.join(meta)}</p>"
        f"<div class=\"plans\">{''.join(_html_summary(s, lang) for s in plan_summaries(audit))}</div>"
        + _html_charts(audit, lang)
        + "".join(sections)
        + (f"<h2>{e(tr('checks_not_run', lang))}</h2><ul>{failures}</ul>" if failures else "")
        + (f"<details><summary><h2>{e(tr('methods', lang))}</h2></summary>" + "".join(methods) + "</details>"
           if methods else "")
        + f"<p class=\"repeat\">{e(tr('footer.repeat', lang))}{sep}<code>{e(audit.repeat_command())}</code> · "
        f"<code>ecogis {e(_version())}</code> · <span class=\"v\">{e(audit.generated_at)}</span></p>"
        + "</body></html>"
    )


def _write_maps(audit: AuditResult, layers: LayerSet, maps_dir: Path, *, basemap: str, lang: str,
                overwrite: bool) -> dict[str, str]:
    """One map per check result plus the overview; returns check key -> relative path."""
    from ecogis.maps.render import write_maps  # heavy: folium

    keys = list(audit.results)
    paths = write_maps(layers, audit.results, maps_dir, basemap=basemap, lang=lang, overwrite=overwrite)
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
        from ecogis.export import export_qgis  # heavy: the publishing package, for --qgis only

        exported = export_qgis(layers, out / "qgis" / "audit.gpkg", results=audit.results, lang=lang,
                               overwrite=overwrite, title=f"{audit.layerset_name} 规划目标核查 audit")
        paths["qgis"] = exported.project
    paths["json"] = write_json(audit.to_dict(), out / "report.json", overwrite=True)
    with atomic_output(out / "report.md", overwrite=True) as tmp:
        tmp.write_text(render_markdown(audit, lang=lang), encoding="utf-8")
    paths["md"] = out / "report.md"
    with atomic_output(out / "report.html", overwrite=True) as tmp:
        tmp.write_text(render_html(audit, maps_link="maps" in paths, lang=lang), encoding="utf-8")
    paths["html"] = out / "report.html"
    return paths
