"""QML and SLD from the style table, without QGIS: well-formed, escaped, faithful (QGIS itself: test_export_qgis)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from tests.test_export import _parse

from ecogis.qml import layer_qml, layer_sld
from ecogis.styles import Category, LayerStyle, Symbol, style_for


def test_dashed_outline_of_red_lines():
    style = style_for("eco_redlines")
    root = _parse(layer_qml(style, "polygon"))
    outline = root.findall("renderer-v2/symbols/symbol/layer")[1]
    opts = {o.get("name"): o.get("value") for o in outline.find("Option")}
    # the maps' 6 px dash and 4 px gap, in mm at 96 dpi (so that a print layout keeps them at any dpi)
    assert opts["use_custom_dash"] == "1" and opts["customdash_unit"] == "MM"
    assert [float(v) for v in opts["customdash"].split(";")] == pytest.approx([6 * 25.4 / 96, 4 * 25.4 / 96], abs=5e-4)


def test_qml_is_well_formed_and_escapes_markup_in_labels():
    nasty = 'a<b & "c" > d'
    style = LayerStyle("x", f"标题{nasty}", nasty, "k", (Category('v"1', nasty, nasty, Symbol("#112233", "#445566")),),
                       Symbol("#000000"), "基础", 1)
    for geometry in ("point", "line", "polygon"):
        text = layer_qml(style, geometry, fields=["fid", "k", "name"], aliases={"k": nasty})
        assert "&lt;b &amp; &quot;c&quot;" in text and nasty not in text
        root = _parse(text)
        cat = root.find("renderer-v2/categories/category")
        assert cat.get("label") == nasty and cat.get("value") == 'v"1'
        assert root.find("aliases/alias").get("name") == nasty
        sld = layer_sld(style, geometry, layer_name="t<&>", fields=["k"])
        assert "t&lt;&amp;&gt;" in sld
        ET.fromstring(sld.split("\n", 1)[1])


def test_a_layer_without_the_style_field_gets_a_single_symbol():
    text = layer_qml(style_for("sections"), "point", fields=["fid", "name"])
    assert _parse(text).find("renderer-v2").get("type") == "singleSymbol"


def test_bad_colour_in_a_style_is_refused():
    style = LayerStyle("x", "x", "x", None, (), Symbol("red"), "基础", 1)
    with pytest.raises(Exception, match="#rrggbb"):
        layer_qml(style, "point")


# --- the project ---------------------------------------------------------------------------
