"""One style table for every layer ecogis draws: folium maps and QGIS styles alike.

Each layer kind (the catalogue's kinds and the layers checks produce) has a
:class:`LayerStyle`: a Chinese and an English title, the field whose values pick a
symbol, one :class:`Category` per value, a default symbol for everything else, the
legend / QGIS group it belongs to and a draw order (low = bottom).

Symbology follows meaning, not taste:

* water-quality classes use the colours Chinese bulletins use for GB 3838-2002
  Table 1 classes (I light blue, II blue, III green, IV yellow, V orange, 劣V red);
* drinking-water protection zones (HJ 338-2018 clause 4: 一级, 二级, 准保护区) go from
  dark red through orange to pale yellow as protection weakens;
* ecological red lines are a red dashed outline over a light red fill;
* coverage gaps are orange, catchments translucent blue; violations dark red and
  warnings brown-orange, polygons hatched (so a violation drawn over the gap or
  zone it marks is seen as a mark on it, not as a second red fill).

Examples
--------
>>> from ecogis.styles import style_for
>>> s = style_for("sections")
>>> s.field, [c.value for c in s.categories]
('measured_class', ['I', 'II', 'III', 'IV', 'V', '劣V'])
>>> s.symbol_for("III").fill_color
'#00b050'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecogis.errors import CatalogueError

__all__ = [
    "ALIASES",
    "GROUP_ORDER",
    "STYLES",
    "WATER_CLASS_COLORS",
    "Category",
    "LayerStyle",
    "Symbol",
    "add_styles",
    "remove_styles",
    "style_for",
]


@dataclass(frozen=True)
class Symbol:
    """How one feature is drawn.

    Attributes
    ----------
    color : str
        Stroke (outline or line) colour, ``'#rrggbb'``.
    fill_color : str or None
        Fill colour of polygons and point markers; None means no fill.
    fill_opacity : float
        Fill opacity, 0-1.
    weight : float
        Stroke width in screen pixels.
    radius : float
        Radius of point markers in screen pixels.
    dash : str or None
        SVG/canvas dash pattern in pixels (``'6 4'``), None for a solid line.
    hatch : bool
        Polygons filled with diagonal lines of ``fill_color`` instead of a flat
        fill (violations over the result layers they mark: seen through, and
        unlike any flat fill).
    """

    color: str
    fill_color: str | None = None
    fill_opacity: float = 0.4
    weight: float = 2.0
    radius: float = 5.0
    dash: str | None = None
    hatch: bool = False

    def to_leaflet(self) -> dict[str, Any]:
        """Leaflet path options (``color``, ``fillColor`` ... ``radius``)."""
        return {
            "color": self.color,
            "weight": self.weight,
            "opacity": 1.0,
            "fill": self.fill_color is not None,
            "fillColor": self.fill_color or self.color,
            "fillOpacity": self.fill_opacity if self.fill_color is not None else 0.0,
            "dashArray": self.dash,
            "radius": self.radius,
            "hatch": self.hatch,
        }


@dataclass(frozen=True)
class Category:
    """One value of a layer's style field and its symbol."""

    value: str
    label_zh: str
    label_en: str
    symbol: Symbol

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class LayerStyle:
    """The symbology of one layer kind.

    Attributes
    ----------
    kind : str
        Catalogue kind or result-layer name.
    title_zh, title_en : str
        Layer title in the legend and the layer control.
    field : str or None
        Field whose value selects a category; None for a single symbol.
    categories : tuple of Category
        Symbols by value of ``field``, in legend order.
    default : Symbol
        Symbol of features whose value matches no category (or of every feature
        when ``field`` is None).
    group : str
        Legend / QGIS layer-tree group (Chinese), one of :data:`GROUP_ORDER`.
    order : int
        Draw order: low values are drawn first (bottom).
    """

    kind: str
    title_zh: str
    title_en: str
    field: str | None
    categories: tuple[Category, ...]
    default: Symbol
    group: str
    order: int

    def title(self, lang: str = "zh") -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def symbol_for(self, value: Any) -> Symbol:
        """The symbol of a field value (the default when no category matches)."""
        if value is None:
            return self.default
        key = str(value)
        for c in self.categories:
            if c.value == key:
                return c.symbol
        return self.default


#: legend and QGIS group order, top first
GROUP_ORDER: tuple[str, ...] = ("核查结果", "水环境", "生态", "大气", "交通", "基础")

#: GB 3838-2002 classes in the colours Chinese water-quality bulletins use
WATER_CLASS_COLORS: dict[str, str] = {
    "I": "#00b0f0",
    "II": "#0070c0",
    "III": "#00b050",
    "IV": "#ffff00",
    "V": "#ffc000",
    "劣V": "#ff0000",
}
_CLASS_EN = {"I": "Class I", "II": "Class II", "III": "Class III", "IV": "Class IV", "V": "Class V",
             "劣V": "Worse than V"}


def _water_points() -> tuple[Category, ...]:
    # points: a dark outline so the yellow class stays visible on a light background
    return tuple(
        Category(c, f"{c}类" if c != "劣V" else "劣V类", _CLASS_EN[c],
                 Symbol("#333333", WATER_CLASS_COLORS[c], 0.9, 1.0, 6.0))
        for c in WATER_CLASS_COLORS
    )


def _water_lines(weight: float = 3.0) -> tuple[Category, ...]:
    return tuple(
        Category(c, f"{c}类" if c != "劣V" else "劣V类", _CLASS_EN[c],
                 Symbol(WATER_CLASS_COLORS[c], WATER_CLASS_COLORS[c], 0.5, weight))
        for c in WATER_CLASS_COLORS
    )


_GREY = "#808080"


def _s(kind, zh, en, field, cats, default, group, order) -> LayerStyle:
    return LayerStyle(kind, zh, en, field, tuple(cats), default, group, order)


_FACILITY = [
    ("enterprise", "企业", "Enterprise", "#7f3b08"),
    ("outfall", "排污口", "Outfall", "#b2182b"),
    ("livestock_farm", "畜禽养殖场", "Livestock farm", "#8c510a"),
    ("gas_station", "加油站", "Gas station", "#e08214"),
    ("construction_site", "建筑工地", "Construction site", "#bf812d"),
    ("sewage_plant", "污水处理厂", "Sewage plant", "#542788"),
    ("waste_site", "垃圾处理场", "Waste site", "#40004b"),
    ("water_works", "水厂", "Water works", "#2166ac"),
    ("coal_boiler", "燃煤锅炉", "Coal boiler", "#252525"),
    ("chp_plant", "热电联产电厂", "CHP plant", "#d73027"),
    ("risk_source", "环境风险源", "Environmental risk source", "#e7298a"),
    ("gas_producer", "煤气发生炉", "Gas producer", "#980043"),
    ("kiln", "窑炉", "Kiln", "#993404"),
    ("other", "其他", "Other", "#666666"),
]

_LAND_CLASS = [
    ("居住用地", "Residential", "#ffd966"),
    ("公园绿地", "Park green space", "#00c000"),
    ("防护绿地", "Protective green space", "#2d8c3c"),
    ("广场用地", "Square", "#c8e6c9"),
    ("林地", "Forest", "#1b5e20"),
    ("园地", "Orchard", "#9ccc65"),
    ("草地", "Grassland", "#c5e1a5"),
    ("耕地", "Cropland", "#f5f0a0"),
    ("湿地", "Wetland", "#4db6ac"),
    ("裸地", "Bare soil", "#c8a26b"),
    ("水域", "Water", "#6baed6"),
    ("工业用地", "Industrial", "#a1887f"),
    ("其他", "Other", "#d9d9d9"),
]
_PARK_TYPE = [
    ("综合公园", "City park", "#238b45"),
    ("社区公园", "Community park", "#41ab5d"),
    ("专类公园", "Specialised park", "#31a354"),
    ("游园", "Pocket park", "#74c476"),
    ("其他", "Other", "#a1d99b"),
]

STYLES: dict[str, LayerStyle] = {
    s.kind: s
    for s in [
        # --- 基础 ---------------------------------------------------------------
        _s("study_area", "研究区", "Study area", "scope", [
            Category("市域", "市域", "Municipality", Symbol("#404040", None, 0.0, 2.5, dash="10 5")),
            Category("中心城区", "中心城区", "Central city", Symbol("#000000", None, 0.0, 3.0)),
            Category("主城区", "主城区", "Main city", Symbol("#333333", None, 0.0, 2.5)),
            Category("城市建成区", "城市建成区", "Built-up area", Symbol("#636363", "#bdbdbd", 0.15, 1.5)),
            Category("区", "区", "District", Symbol("#737373", None, 0.0, 1.5, dash="4 4")),
            Category("县", "县", "County", Symbol("#737373", None, 0.0, 1.5, dash="4 4")),
            Category("乡镇", "乡镇", "Township", Symbol("#969696", None, 0.0, 1.0, dash="2 3")),
        ], Symbol("#404040", None, 0.0, 2.0), "基础", 10),
        # --- zones and areas (black-odorous water, sewers, mines, protected areas) ----------------
        _s("black_odorous_waters", "黑臭水体", "Black-odorous water bodies", "status", [
            Category("未消除", "未消除", "Not eliminated", Symbol("#3f2a14", "#54278f", 0.6, 4.0)),
            Category("已消除", "已消除", "Eliminated", Symbol("#1a9850", "#91cf60", 0.5, 3.0)),
        ], Symbol("#3f2a14", "#8c6d31", 0.5, 3.0), "水环境", 55),
        _s("sewers", "排水管网", "Sewer mains", "separated", [
            Category("True", "雨污分流", "Separated", Symbol("#2c7fb8", None, 0.0, 2.5)),
            Category("False", "雨污合流", "Combined", Symbol("#d95f0e", None, 0.0, 2.5, dash="6 3")),
        ], Symbol("#969696", None, 0.0, 2.0, dash="2 3"), "水环境", 54),
        _s("mines", "矿山", "Mines", "restoration", [
            Category("已修复", "已修复", "Restored", Symbol("#1b7837", "#a6dba0", 0.6, 1.5, 6.0)),
            Category("修复中", "修复中", "Being restored", Symbol("#b8860b", "#fee08b", 0.6, 1.5, 6.0)),
            Category("未修复", "未修复", "Not restored", Symbol("#7f3b08", "#b35806", 0.6, 1.5, 6.0)),
        ], Symbol("#7f3b08", "#d9d9d9", 0.5, 1.5, 6.0), "生态", 38),
        _s("protected_areas", "保护地块", "Protected areas", "category", [
            Category("永久基本农田", "永久基本农田", "Permanent basic farmland",
                     Symbol("#b8860b", "#ffe066", 0.35, 1.0)),
            Category("湿地", "湿地", "Wetland", Symbol("#08519c", "#9ecae1", 0.35, 1.0)),
            Category("公益林", "公益林", "Public-welfare forest", Symbol("#006d2c", "#74c476", 0.35, 1.0)),
            Category("其他", "其他", "Other", Symbol("#636363", "#d9d9d9", 0.3, 1.0)),
        ], Symbol("#636363", "#d9d9d9", 0.3, 1.0), "生态", 36),
        _s("area_lost", "保护面积减少", "Protected area lost", None, [],
           Symbol("#a50f15", "#ef3b2c", 0.6, 1.5), "核查结果", 43),
        _s("area_gained", "保护面积新增", "Protected area gained", None, [],
           Symbol("#006d2c", "#74c476", 0.6, 1.5), "核查结果", 44),
        _s("zones_checked", "核查区域", "Zones checked", None, [],
           Symbol("#6a51a3", "#dadaeb", 0.2, 2.0, dash="6 3"), "核查结果", 22),
        _s("sewer_reach", "管网服务范围", "Within reach of separated sewers", None, [],
           Symbol("#2c7fb8", "#a6bddb", 0.3, 1.0), "核查结果", 24),
        _s("townships", "乡镇", "Townships", "has_plant", [
            Category("True", "有污水处理设施", "With a treatment facility", Symbol("#1a9850", "#d9f0d3", 0.3, 1.5)),
            Category("False", "无污水处理设施", "Without a treatment facility",
                     Symbol("#d73027", "#fddbc7", 0.4, 1.5)),
        ], Symbol("#969696", None, 0.0, 1.0), "核查结果", 14),
        _s("projects", "建设项目", "Projects", None, [],
           Symbol("#6a3d9a", "#cab2d6", 0.5, 1.5), "基础", 60),
        # --- 交通 ---------------------------------------------------------------
        _s("roads", "道路", "Roads", "road_class", [
            Category("快速路", "快速路", "Expressway", Symbol("#d7301f", None, 0.0, 4.0)),
            Category("主干路", "主干路", "Arterial", Symbol("#fc8d59", None, 0.0, 3.0)),
            Category("次干路", "次干路", "Secondary", Symbol("#fdbb84", None, 0.0, 2.0)),
            Category("支路", "支路", "Local", Symbol("#bdbdbd", None, 0.0, 1.0)),
            Category("other", "其他", "Other", Symbol("#d9d9d9", None, 0.0, 1.0)),
        ], Symbol("#bdbdbd", None, 0.0, 1.0), "交通", 20),
        _s("bus_routes", "公交线路", "Bus routes", "bus_lane", [
            Category("True", "公交专用道", "Bus lane", Symbol("#e31a1c", None, 0.0, 3.5)),
            Category("False", "普通线路", "Mixed traffic", Symbol("#1f78b4", None, 0.0, 2.0)),
        ], Symbol("#1f78b4", None, 0.0, 2.0), "交通", 30),
        _s("intersections", "交叉口", "Intersections", "bus_priority", [
            Category("True", "公交信号优先", "Bus priority", Symbol("#ffffff", "#e31a1c", 1.0, 1.0, 4.0)),
            Category("False", "无公交优先", "No bus priority", Symbol("#ffffff", "#969696", 1.0, 1.0, 3.0)),
        ], Symbol("#ffffff", "#969696", 1.0, 1.0, 3.0), "交通", 80),
        _s("bus_stops", "公交站点", "Bus stops", None, [],
           Symbol("#ffffff", "#1f78b4", 1.0, 1.0, 4.0), "交通", 90),
        # --- 大气 ---------------------------------------------------------------
        _s("pollutant_surface", "污染物浓度面", "Pollutant surface", None, [],
           Symbol("#fdae6b", "#fdae6b", 0.5, 0.5), "大气", 5),
        _s("air_stations", "空气质量监测站", "Air-quality stations", "level", [
            Category("国控", "国控站", "National", Symbol("#000000", "#756bb1", 1.0, 1.5, 7.0)),
            Category("省控", "省控站", "Provincial", Symbol("#000000", "#9e9ac8", 1.0, 1.0, 6.0)),
            Category("市控", "市控站", "Municipal", Symbol("#000000", "#cbc9e2", 1.0, 1.0, 5.0)),
            Category("县控", "县控站", "County", Symbol("#000000", "#f2f0f7", 1.0, 1.0, 5.0)),
        ], Symbol("#000000", "#9e9ac8", 1.0, 1.0, 5.0), "大气", 95),
        # --- 生态 ---------------------------------------------------------------
        _s("eco_redlines", "生态保护红线", "Ecological red lines", None, [],
           Symbol("#e31a1c", "#fb9a99", 0.3, 2.0, dash="6 4"), "生态", 40),
        _s("overlaps", "红线冲突区", "Red-line overlaps", None, [],
           Symbol("#67000d", "#a50f15", 0.6, 1.5), "生态", 46),
        _s("redline_lost", "红线减少", "Red line lost", None, [],
           Symbol("#a50f15", "#ef3b2c", 0.6, 1.5), "生态", 43),
        _s("redline_gained", "红线新增", "Red line gained", None, [],
           Symbol("#006d2c", "#74c476", 0.6, 1.5), "生态", 44),
        _s("control_zones", "管控区", "Control zones", "zone_type", [
            Category("禁燃区", "禁燃区", "No-burn zone", Symbol("#8c2d04", "#fdae6b", 0.25, 1.5, dash="4 3")),
            Category("禁养区", "禁养区", "No-livestock zone", Symbol("#54278f", "#bcbddc", 0.3, 1.5, dash="4 3")),
            Category("限养区", "限养区", "Restricted-livestock zone",
                     Symbol("#6a51a3", "#dadaeb", 0.25, 1.0, dash="2 3")),
            Category("禁止开发区", "禁止开发区", "No-development zone",
                     Symbol("#67000d", "#fcbba1", 0.3, 1.5, dash="4 3")),
            Category("集中供热区", "集中供热管网覆盖范围", "Heating-network service area",
                     Symbol("#b30000", "#fdd49e", 0.2, 1.5, dash="8 3")),
        ], Symbol("#525252", "#d9d9d9", 0.25, 1.0), "生态", 35),
        _s("river_buffer", "河流缓冲带", "River buffer", None, [],
           Symbol("#41ab5d", "#a1d99b", 0.35, 1.0, dash="3 3"), "生态", 42),
        # --- 水环境 -------------------------------------------------------------
        _s("protection_zones", "饮用水水源保护区", "Drinking-water protection zones", "level", [
            Category("一级", "一级保护区", "Grade I zone", Symbol("#99000d", "#cb181d", 0.55, 1.5)),
            Category("二级", "二级保护区", "Grade II zone", Symbol("#d94801", "#fd8d3c", 0.4, 1.5)),
            Category("准保护区", "准保护区", "Quasi-protection zone", Symbol("#e6a817", "#ffeda0", 0.35, 1.0)),
        ], Symbol("#d94801", "#fdd0a2", 0.35, 1.0), "水环境", 45),
        _s("rivers", "河流", "Rivers", "target_class", _water_lines(2.5),
           Symbol("#4a90d9", "#9ecae1", 0.5, 2.0), "水环境", 50),
        _s("rivers_classified", "河流水质分类", "Rivers by water quality", "water_class", _water_lines(4.0),
           Symbol(_GREY, _GREY, 0.5, 3.0, dash="4 4"), "水环境", 52),
        _s("water_sources", "饮用水水源地", "Drinking-water sources", "source_type", [
            Category("河流型", "河流型", "River intake", Symbol("#ffffff", "#08519c", 1.0, 1.5, 7.0)),
            Category("湖库型", "湖库型", "Lake/reservoir intake", Symbol("#ffffff", "#3182bd", 1.0, 1.5, 7.0)),
            Category("地下水型", "地下水型", "Well field", Symbol("#ffffff", "#6baed6", 1.0, 1.5, 7.0)),
        ], Symbol("#ffffff", "#08519c", 1.0, 1.5, 7.0), "水环境", 85),
        _s("sections", "水质监测断面", "Monitored sections", "measured_class", _water_points(),
           Symbol("#333333", "#ffffff", 0.9, 1.0, 6.0), "水环境", 88),
        _s("facilities", "设施与污染源", "Facilities", "kind", [
            Category(v, zh, en, Symbol("#ffffff", col, 0.85, 1.0, 4.5)) for v, zh, en, col in _FACILITY
        ], Symbol("#ffffff", "#666666", 0.85, 1.0, 4.5), "水环境", 70),
        _s("sections_classified", "断面水质评价", "Sections assessed", "measured_class", _water_points(),
           Symbol("#333333", "#ffffff", 0.9, 1.0, 6.0), "水环境", 89),
        _s("upstream_reaches", "断面上游河段", "Upstream reaches", None, [],
           Symbol("#6a51a3", None, 0.0, 5.0, dash="8 4"), "水环境", 53),
        _s("upstream_facilities", "上游污染源", "Upstream facilities", None, [],
           Symbol("#67001f", "#d6604d", 0.9, 1.5, 6.0), "水环境", 75),
        # --- 核查结果 -----------------------------------------------------------
        _s("districts", "分区", "Districts", None, [],
           Symbol("#525252", "#bdbdbd", 0.1, 1.5, dash="6 3"), "基础", 12),
        _s("districts_coverage", "分区覆盖率", "Coverage by district", None, [],
           Symbol("#3f007d", "#9e9ac8", 0.25, 1.5), "核查结果", 15),
        _s("catchments", "站点服务范围", "Catchments", None, [],
           Symbol("#2171b5", "#6baed6", 0.25, 1.0), "核查结果", 25),
        _s("gaps", "覆盖空白", "Coverage gaps", None, [],
           Symbol("#e6550d", "#fdae6b", 0.55, 1.0), "核查结果", 27),
        _s("reached_streets", "步行可达街道", "Streets reached on foot", None, [],
           Symbol("#08519c", None, 0.0, 2.0), "核查结果", 97),
        _s("chp_radius", "热电联产供热半径", "CHP heating radius", None, [],
           Symbol("#d73027", "#fdae61", 0.12, 2.0, dash="8 4"), "核查结果", 20),
        _s("bus_lanes", "公交专用道", "Bus lanes", None, [],
           Symbol("#e31a1c", None, 0.0, 4.0), "核查结果", 31),
        _s("proposals", "建议新增站点", "Proposed stops", None, [],
           Symbol("#000000", "#ffff33", 1.0, 1.5, 6.0), "核查结果", 96),
        _s("warnings", "预警", "Warnings", None, [],
           Symbol("#d95f0e", "#fe9929", 0.6, 2.0, 7.0), "核查结果", 98),
        _s("violations", "违规", "Violations", "severity", [
            Category("error", "违规", "Violation", Symbol("#99000d", "#cb181d", 0.6, 1.5, 8.0, hatch=True)),
            Category("warning", "预警", "Warning", Symbol("#b35806", "#f1a340", 0.6, 2.0, 7.0, hatch=True)),
        ], Symbol("#99000d", "#cb181d", 0.6, 1.5, 8.0, hatch=True), "核查结果", 99),
        # --- 生态: green space and land use (colours after the 国土空间规划 land-use palette) -----------------
        _s("land_use", "用地现状", "Land use", "land_class", [
            Category(v, v, en, Symbol(col, col, 0.45, 0.5)) for v, en, col in _LAND_CLASS
        ], Symbol("#bdbdbd", "#d9d9d9", 0.35, 0.5), "生态", 3),
        _s("parks", "公园绿地", "Parks", "park_type", [
            Category(v, v, en, Symbol("#006d2c", col, 0.6, 1.2)) for v, en, col in _PARK_TYPE
        ], Symbol("#006d2c", "#41ab5d", 0.6, 1.2), "生态", 38),
        _s("greenways", "绿道", "Greenways", "level", [
            Category("区域级", "区域级绿道", "Regional greenway", Symbol("#00441b", None, 0.0, 4.0)),
            Category("城市级", "城市级绿道", "City greenway", Symbol("#238b45", None, 0.0, 3.0)),
            Category("社区级", "社区级绿道", "Community greenway", Symbol("#74c476", None, 0.0, 2.0)),
        ], Symbol("#238b45", None, 0.0, 3.0, dash="6 3"), "生态", 41),
    ]
}


#: other names checks give their layers -> the style they share
ALIASES: dict[str, str] = {
    "lost": "redline_lost",
    "gained": "redline_gained",
    "buffers": "river_buffer",
    "river_buffers": "river_buffer",
    "zones": "control_zones",
    "stations": "air_stations",
    "facilities_checked": "facilities",
    "coverage_gaps": "gaps",
    "proposed_stops": "proposals",
}


def style_for(kind: str) -> LayerStyle:
    """The :class:`LayerStyle` of a layer kind.

    Parameters
    ----------
    kind : str
        Catalogue kind (``'sections'``), result-layer name (``'gaps'``) or one of
        :data:`ALIASES` (``'lost'`` -> ``'redline_lost'``).

    Returns
    -------
    LayerStyle

    Raises
    ------
    ecogis.errors.CatalogueError
        When no style exists for ``kind``; the message lists the choices.

    Examples
    --------
    >>> style_for("protection_zones").symbol_for("一级").fill_color
    '#cb181d'
    """
    try:
        return STYLES[ALIASES.get(kind, kind)]
    except KeyError:
        raise CatalogueError(
            f"no map style for layer kind {kind!r}; expected one of {sorted(STYLES)} or an alias {sorted(ALIASES)}"
        ) from None


def add_styles(styles: tuple[LayerStyle, ...] | list[LayerStyle], *, owner: str) -> tuple[str, ...]:
    """Add the styles of a check's own result layers (``CheckSpec.styles``) to :data:`STYLES`.

    Returns the kinds added (a style equal to one already there is not added again).

    Raises
    ------
    ecogis.errors.CatalogueError
        When a kind has a different style already, or is a group not in :data:`GROUP_ORDER`.
    """
    added = []
    for style in styles:
        known = STYLES.get(ALIASES.get(style.kind, style.kind))
        if known == style:
            continue
        if known is not None:
            raise CatalogueError(f"check {owner!r} styles layer {style.kind!r}, which has a different style "
                                 f"already; give its result layer another name")
        if style.group not in GROUP_ORDER:
            raise CatalogueError(f"style of {style.kind!r} (check {owner!r}) has group {style.group!r}; expected "
                                 f"one of {list(GROUP_ORDER)}")
        STYLES[style.kind] = style
        added.append(style.kind)
    return tuple(added)


def remove_styles(kinds: tuple[str, ...] | list[str]) -> None:
    """Remove styles :func:`add_styles` added (when their check is unregistered)."""
    for kind in kinds:
        STYLES.pop(kind, None)
