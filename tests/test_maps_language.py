"""Map language: ``lang="zh"`` shows Chinese only, ``lang="en"`` English only.

Walks every name a map can show (catalogue kinds and fields, check titles,
metric labels and parameters, styles, legend groups, the page's own words) and
the text of every sample map as rendered (title, panel, legend, layer titles,
popup labels and values other than the data's own names and ids).
"""

from __future__ import annotations

import json
import re

import pytest

from ecogis.catalogue import CATALOGUE
from ecogis.checks import CHECKS, result_fields
from ecogis.maps.labels import GROUP_TITLES, RESULT_FIELDS, UI, VALUES, field_label, latin_words
from ecogis.styles import GROUP_ORDER, STYLES

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def zh_ok(text: str) -> bool:
    return bool(CJK.search(text)) and not latin_words(text)


def en_ok(text: str) -> bool:
    return not CJK.search(text)


def test_the_detector_can_fail():
    assert latin_words("方法 buffer") == ["buffer"] and not en_ok("方法") and not zh_ok("Area")
    assert zh_ok("面积 452.52 km²") and zh_ok("PM2.5年均浓度 44.6 µg/m³") and zh_ok("III类")


def test_every_name_in_the_registries_has_both_languages():
    bad = []
    for kind, spec in CATALOGUE.items():
        bad += [f"kind {kind}"] if not (zh_ok(spec.name_zh) and en_ok(spec.name_en)) else []
        bad += [f"field {kind}.{f.name}" for f in spec.fields
                if not (zh_ok(f.name_zh) and f.name_en and en_ok(f.name_en))]
    for name, spec in CHECKS.items():
        bad += [f"check {name}"] if not (zh_ok(spec.title[0]) and en_ok(spec.title[1])) else []
        bad += [f"metric {name}.{m.key}" for m in spec.metrics
                if not (m.label and zh_ok(m.label[0]) and en_ok(m.label[1]))]
        bad += [f"param {name}.{p.name}" for p in spec.params
                if not (p.label and zh_ok(p.label[0]) and en_ok(p.label[1]))]
    for kind, style in STYLES.items():
        bad += [f"style {kind}"] if not (zh_ok(style.title_zh) and en_ok(style.title_en)) else []
        bad += [f"category {kind}={c.value}" for c in style.categories
                if not (zh_ok(c.label_zh) and en_ok(c.label_en))]
        bad += [f"group {style.group}"] if style.group not in GROUP_TITLES else []
    bad += [f"group {g}" for g in GROUP_ORDER if g not in GROUP_TITLES or not en_ok(GROUP_TITLES[g][1])]
    bad += [f"result field {k}" for k, (zh, en, _u) in RESULT_FIELDS.items() if not (zh_ok(zh) and en_ok(en))]
    bad += [f"value {f}={v}" for f, t in VALUES.items() for v, (zh, en) in t.items() if not (zh_ok(zh) and en_ok(en))]
    bad += [f"value {f.name}={v}" for f in result_fields().values() for v, (zh, en) in f.values.items()
            if not (zh_ok(zh) and en_ok(en))]  # a check's own fields' engine words (sections' class_source)
    assert set(UI["zh"]) == set(UI["en"])
    bad += [f"ui {k}" for k in UI["zh"] if not (zh_ok(UI["zh"][k]) or k == "version") or not en_ok(UI["en"][k])]
    assert not bad, bad


@pytest.fixture(scope="module")
def sample_results():
    from ecogis.audit import run_checks
    from ecogis.layerset import load_sample

    sample = load_sample()
    ran, skipped = run_checks(sample, None)
    assert not skipped
    return sample, ran


def test_every_field_of_every_sample_result_has_a_display_name(sample_results):
    sample, ran = sample_results
    unnamed = set()
    for r in ran.values():
        frames = dict(r.layers or {}) | {"violations": r.violations}
        for name, gdf in frames.items():
            if gdf is None or not hasattr(gdf, "geometry"):
                continue
            for c in gdf.columns:
                if c != gdf.geometry.name and field_label(c, kind=name, lang="zh")[0] == c:
                    unnamed.add(f"{r.name}:{name}.{c}")
    for kind, gdf in sample.vectors.items():
        unnamed |= {f"{kind}.{c}" for c in gdf.columns if c != gdf.geometry.name
                    and field_label(c, kind=kind, lang="zh")[0] == c}
    assert not unnamed, sorted(unnamed)


def _config(m) -> dict:
    page = m.get_root().render()
    found = re.findall(r'<script type="application/json" id="ecogis-config-[0-9a-f]+">(.*?)</script>', page, re.S)
    return json.loads(found[0])


def _shown_text(cfg: dict, lang: str, name: str) -> list[str]:
    """Every string the page shows that ecogis wrote (the data's names and ids excluded).

    On an English map the engines' sentences (a violation's ``detail``, a reason) quote the plans'
    Chinese terms; they are checked on Chinese maps (where they must not show) only.
    """
    out = [cfg["title"].replace(name, ""), cfg["panel"]["title"].replace(name, "")]
    out += cfg["panel"]["notes"] if lang == "zh" else []
    out += [t for r in cfg["panel"]["rows"] for t in r]
    for e in cfg["legend"]:
        out += [e["title"], e["groupTitle"]] + [r["label"] for r in e["rows"]]
    for layer in cfg["layers"]:
        out.append(layer["title"])
        out += [label for _f, label in layer["fields"]]
        for feat in layer["data"]["features"]:
            out += [str(v) for k, v in feat["properties"].items() if k not in ("name", "id")
                    and k not in _DATA_FIELDS | (_EN_DATA if lang == "en" else set())
                    and (lang == "zh" or k != "detail")]
    tb = cfg["titleBlock"]
    out += [tb["area"].replace(name, ""), tb["made"], *tb["labels"].values()]
    out += [layer for src in tb["sources"] for layer in src["layers"]]  # the files' names are the data's
    out += [label[2] for label in cfg["featureLabels"] if lang == "zh"]
    return [t for t in out if t]


# fields whose values are the data's own words (names, codes of the input layers), not ecogis's: catalogue fields, and
# the result fields a check or the shared table marks ``Field.data``
_DATA_FIELDS = {"river", "basin", "service", "parent", "category", "version", "source_id", "land_class"} | {
    f.name for f in result_fields().values() if f.data}


# on an English map also: the plans' own words (a rule quoting the plan) and the data's categories (project kinds)
_EN_DATA = {"rule", "kind"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sample_maps_show_one_language(sample_results, lang):
    from ecogis.maps import context_layers_for, overview_map, result_map

    sample, ran = sample_results
    maps = {"overview": overview_map(sample, lang=lang)}
    maps |= {k: result_map(r, context_layers_for(r.name, sample), lang=lang) for k, r in ran.items()}
    bad = {}
    for key, m in maps.items():
        texts = _shown_text(_config(m), lang, sample.name)
        wrong = [t for t in texts if (latin_words(t) if lang == "zh" else CJK.search(t) and not _data_word(t))]
        if wrong:
            bad[key] = sorted(set(wrong))[:12]
    assert not bad, bad


def _data_word(text: str) -> bool:
    """Values that are the sample's own Chinese words on an English map: canonical categories (一级, 国控)."""
    allowed = {v for s in CATALOGUE.values() for f in s.fields for v in f.allowed}
    return text in allowed
