"""The layer catalogue: what each kind of layer is, field by field.

One :class:`LayerSpec` per kind declares the geometry type, the canonical fields
(English snake_case) with types, units and allowed values, the Chinese and English
display names, and the column names analysts actually use for each field
(``名称``, ``站点名称``, ``水质类别`` ...).  :func:`canonicalize` renames an input's
columns to the canonical ones, normalises allowed values (``"3类"`` -> ``"III"``)
and returns the mapping it used, so the loader can say what it did.

Examples
--------
>>> from ecogis.catalogue import get_spec
>>> spec = get_spec("sections")
>>> spec.name_zh, spec.geometry
('水质监测断面', ('point',))
>>> spec.field("target_class").allowed
('I', 'II', 'III', 'IV', 'V', '劣V')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ecogis.errors import CatalogueError

__all__ = [
    "FieldSpec",
    "LayerSpec",
    "RasterSpec",
    "CATALOGUE",
    "RASTERS",
    "WATER_CLASSES",
    "ZONE_LEVELS",
    "SECTION_LEVELS",
    "SCOPES",
    "FACILITY_KINDS",
    "CONTROL_ZONE_TYPES",
    "PARK_TYPES",
    "GREENWAY_LEVELS",
    "LAND_CLASSES",
    "BLACK_ODOROUS_STATUS",
    "MINE_RESTORATION",
    "PROTECTED_CATEGORIES",
    "get_spec",
    "kinds",
    "guess_kind",
    "canonicalize",
    "normalize_water_class",
]

WATER_CLASSES = ("I", "II", "III", "IV", "V", "劣V")
ZONE_LEVELS = ("一级", "二级", "准保护区")
SECTION_LEVELS = ("国控", "省控", "市控", "县控")
SCOPES = ("市域", "中心城区", "主城区", "城市建成区", "区", "县", "乡镇")
FACILITY_KINDS = (
    "enterprise",
    "outfall",
    "livestock_farm",
    "gas_station",
    "construction_site",
    "sewage_plant",
    "waste_site",
    "water_works",
    "coal_boiler",
    "chp_plant",
    "risk_source",
    "gas_producer",
    "kiln",
    "other",
)
PARK_TYPES = ("综合公园", "社区公园", "专类公园", "游园", "其他")
GREENWAY_LEVELS = ("区域级", "城市级", "社区级")
LAND_CLASSES = ("居住用地", "公园绿地", "防护绿地", "广场用地", "林地", "园地", "草地", "耕地", "湿地", "裸地", "水域",
                "工业用地", "其他")
CONTROL_ZONE_TYPES = ("禁燃区", "禁养区", "限养区", "禁止开发区", "集中供热区")
#: status of a black-odorous water body (黑臭水体)
BLACK_ODOROUS_STATUS = ("未消除", "已消除")
#: restoration status of a (legacy) mine
MINE_RESTORATION = ("已修复", "修复中", "未修复")
#: categories of areas that must not shrink (面积不减少)
PROTECTED_CATEGORIES = ("永久基本农田", "湿地", "公益林", "其他")


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field of a layer kind.

    Attributes
    ----------
    name : str
        Canonical English snake_case name; a unit suffix says the unit (``_m2``, ``_ugm3``).
    dtype : str
        ``'str'``, ``'int'``, ``'float'`` or ``'bool'``.
    required : bool
        Validation fails when a required field is missing or empty.
    name_zh, name_en : str
        Display names.
    unit : str or None
        Unit, for display.
    allowed : tuple of str
        Allowed values (canonical spelling) for categorical fields.
    aliases : tuple of str
        Other column names meaning this field (case-insensitive).
    value_aliases : dict
        Other spellings of allowed values, mapped to the canonical one.
    """

    name: str
    dtype: str = "str"
    required: bool = False
    name_zh: str = ""
    name_en: str = ""
    unit: str | None = None
    allowed: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    value_aliases: dict[str, str] = field(default_factory=dict)

    def label(self, lang: str = "zh") -> str:
        """Display name in ``'zh'`` or ``'en'``, with the unit."""
        base = (self.name_zh or self.name_en or self.name) if lang == "zh" else (self.name_en or self.name)
        return f"{base} ({self.unit})" if self.unit else base


@dataclass(frozen=True)
class LayerSpec:
    """What one kind of vector layer is."""

    kind: str
    geometry: tuple[str, ...]
    name_zh: str
    name_en: str
    fields: tuple[FieldSpec, ...]
    description: str = ""

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise CatalogueError(
            f"kind {self.kind!r} has no field {name!r}; expected one of {[f.name for f in self.fields]}"
        )

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def label(self, lang: str = "zh") -> str:
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class RasterSpec:
    """What one kind of raster is."""

    kind: str
    name_zh: str
    name_en: str
    unit: str
    description: str = ""


def _id(*extra: str) -> FieldSpec:
    return FieldSpec("id", "str", True, "编号", "ID", aliases=("fid_", "编号", "代码", "序号", "objectid", "code", *extra))


def _name(*extra: str) -> FieldSpec:
    return FieldSpec("name", "str", True, "名称", "Name", aliases=("名称", "名字", "name_zh", "mc", *extra))


_CLASS_ALIASES: dict[str, str] = {}
for _roman, _arabic, _cn in [("I", "1", "一"), ("II", "2", "二"), ("III", "3", "三"), ("IV", "4", "四"), ("V", "5", "五")]:
    for _v in (_roman, _arabic, _cn, f"{_roman}类", f"{_arabic}类", f"{_cn}类", "Ⅰ" if _roman == "I" else ""):
        if _v:
            _CLASS_ALIASES[_v.lower()] = _roman
_CLASS_ALIASES.update({"ⅱ": "II", "ⅲ": "III", "ⅳ": "IV", "ⅴ": "V", "ⅱ类": "II", "ⅲ类": "III", "ⅳ类": "IV",
                       "ⅴ类": "V", "ⅰ类": "I"})
for _v in ("劣v", "劣5", "劣五", "劣v类", "劣5类", "劣五类", "劣ⅴ", "劣ⅴ类", "worse_than_v", "vi", "6"):
    _CLASS_ALIASES[_v] = "劣V"

_WATER_CLASS_FIELD_ALIASES = _CLASS_ALIASES

_YES = {"1", "true", "t", "yes", "y", "是", "有", "√"}
_NO = {"0", "false", "f", "no", "n", "否", "无", "×", ""}


def normalize_water_class(value: Any) -> str | None:
    """Canonical GB 3838 class ('I' ... 'V', '劣V') of a value, or None.

    >>> normalize_water_class("Ⅲ类"), normalize_water_class(4), normalize_water_class("劣五类")
    ('III', 'IV', '劣V')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if isinstance(value, (int, float, np.integer, np.floating)) and float(value).is_integer():
        text = str(int(value))
    key = text.lower().replace(" ", "")
    return _CLASS_ALIASES.get(key)


#: CJJ/T 85-2017 (城市绿地分类标准) park classes G11-G14 and older names -> park_type
_PARK_TYPE_ALIASES: dict[str, str] = {
    "g11": "综合公园", "g12": "社区公园", "g13": "专类公园", "g14": "游园", "综合": "综合公园", "社区": "社区公园",
    "专类": "专类公园", "街旁绿地": "游园", "街头绿地": "游园", "带状公园": "游园", "小游园": "游园",
    "口袋公园": "游园", "city_park": "综合公园", "comprehensive": "综合公园", "community": "社区公园",
    "community_park": "社区公园", "specialized": "专类公园", "pocket_park": "游园", "garden": "游园",
    "other": "其他",
}
_GREENWAY_LEVEL_ALIASES: dict[str, str] = {
    "区域": "区域级", "省级": "区域级", "区域绿道": "区域级", "regional": "区域级", "城市": "城市级", "市级": "城市级",
    "城市绿道": "城市级", "city": "城市级", "社区": "社区级", "社区绿道": "社区级", "community": "社区级",
}


def _land_class_aliases() -> dict[str, str]:
    """Land-use codes and names -> land_class.

    A bare code is read only where GB/T 21010-2017 (第三次全国国土调查) and the 2023
    国土空间调查、规划、用途管制用地用海分类 agree on its meaning (``0701`` is housing in
    both; ``1001`` is railway land in one and industrial land in the other, so it is
    read only with its name, ``"1001 工业用地"``).  GB 50137-2011 letters (R, G1, G2, M, E1)
    are read too.
    """
    # (code or None when the bare code is ambiguous, name, class)
    coded = [
        ("0101", "水田", "耕地"), ("0102", "水浇地", "耕地"), ("0103", "旱地", "耕地"),
        ("0201", "果园", "园地"), ("0202", "茶园", "园地"), ("0204", "其他园地", "园地"),
        ("0301", "乔木林地", "林地"), ("0302", "竹林地", "林地"), (None, "红树林地", "林地"),
        (None, "森林沼泽", "林地"), (None, "灌木林地", "林地"), (None, "其他林地", "林地"),
        ("0401", "天然牧草地", "草地"), (None, "人工牧草地", "草地"), (None, "其他草地", "草地"),
        ("0701", "城镇住宅用地", "居住用地"), (None, "农村宅基地", "居住用地"),
        (None, "城镇社区服务设施用地", "居住用地"), (None, "农村社区服务设施用地", "居住用地"),
        (None, "公园与绿地", "公园绿地"),
        ("1401", "公园绿地", "公园绿地"), ("1402", "防护绿地", "防护绿地"), ("1403", "广场用地", "广场用地"),
        (None, "工业用地", "工业用地"), (None, "河流水面", "水域"), (None, "湖泊水面", "水域"),
        (None, "水库水面", "水域"), (None, "坑塘水面", "水域"),
        ("1701", "河流水面", "水域"), ("1702", "湖泊水面", "水域"), ("1703", "水库水面", "水域"),
        ("1704", "坑塘水面", "水域"),
        (None, "裸土地", "裸地"), (None, "裸岩石砾地", "裸地"), ("2306", "裸土地", "裸地"),
        ("2307", "裸岩石砾地", "裸地"),
    ]
    # codes whose meaning differs between the two classifications: read only with their name
    named = [
        ("0303", "红树林地", "林地"), ("0304", "森林沼泽", "林地"), ("0305", "灌木林地", "林地"),
        ("0307", "其他林地", "林地"), ("0303", "灌木林地", "林地"), ("0304", "其他林地", "林地"),
        ("0702", "农村宅基地", "居住用地"), ("0702", "城镇社区服务设施用地", "居住用地"),
        ("0703", "农村宅基地", "居住用地"), ("0810", "公园与绿地", "公园绿地"), ("0601", "工业用地", "工业用地"),
        ("1001", "工业用地", "工业用地"), ("1101", "河流水面", "水域"), ("1102", "湖泊水面", "水域"),
        ("1103", "水库水面", "水域"), ("1104", "坑塘水面", "水域"), ("1206", "裸土地", "裸地"),
        ("1207", "裸岩石砾地", "裸地"), ("0403", "人工牧草地", "草地"), ("0404", "其他草地", "草地"),
    ]
    out: dict[str, str] = {}
    for code, name, cls in coded + named:
        out[name] = cls
        if code is not None:
            for text in (f"{code} {name}", f"{code}{name}", f"{code}-{name}", f"{code}_{name}"):
                out[text] = cls
    for code, _name, cls in coded:
        if code is not None:
            out[code] = cls
    out.update({
        "07": "居住用地", "住宅用地": "居住用地", "居住": "居住用地", "r": "居住用地", "r1": "居住用地",
        "r2": "居住用地", "r3": "居住用地", "g1": "公园绿地", "g2": "防护绿地", "g3": "广场用地",
        "m": "工业用地", "m1": "工业用地", "m2": "工业用地", "m3": "工业用地", "e1": "水域",
        "01": "耕地", "03": "林地",
        "耕": "耕地", "林": "林地", "水体": "水域", "水面": "水域", "裸土": "裸地", "裸露地面": "裸地",
        "裸露地": "裸地", "公园": "公园绿地",
        "residential": "居住用地", "park": "公园绿地", "parks": "公园绿地", "protective_green": "防护绿地",
        "forest": "林地", "woodland": "林地", "cropland": "耕地", "farmland": "耕地", "grassland": "草地",
        "wetland": "湿地", "bare": "裸地", "bare_soil": "裸地", "barren": "裸地", "water": "水域",
        "industrial": "工业用地", "other": "其他",
    })
    return out


_LAND_CLASS_ALIASES = _land_class_aliases()


#: OpenStreetMap ``highway`` values -> road_class (the links go with their road; ways for people on foot,
#: bicycles or tracks are "other")
_OSM_HIGHWAY_CLASSES: dict[str, str] = {
    **{v: "快速路" for v in ("motorway", "motorway_link", "trunk", "trunk_link")},
    **{v: "主干路" for v in ("primary", "primary_link")},
    **{v: "次干路" for v in ("secondary", "secondary_link", "tertiary", "tertiary_link")},
    **{v: "支路" for v in ("residential", "unclassified", "service", "living_street", "road", "busway",
                          "bus_guideway")},
    **{v: "other" for v in ("footway", "path", "pedestrian", "cycleway", "steps", "track", "bridleway",
                           "corridor", "sidewalk", "crossing", "trail", "platform", "elevator", "escalator",
                           "via_ferrata", "construction", "proposed", "raceway", "rest_area", "services")},
}


CATALOGUE: dict[str, LayerSpec] = {
    s.kind: s
    for s in [
        LayerSpec(
            "study_area", ("polygon",), "研究区", "Study area",
            (
                _id(), _name("区县名称", "行政区名称"),
                FieldSpec("scope", "str", True, "范围", "Scope", allowed=SCOPES,
                          aliases=("范围", "类型", "类别", "level", "type"),
                          value_aliases={"central_city": "中心城区", "main_city": "主城区", "built_up": "城市建成区",
                                         "建成区": "城市建成区", "district": "区", "county": "县", "city": "市域",
                                         "全市": "市域", "市辖区": "区", "township": "乡镇"}),
                FieldSpec("parent", "str", False, "所属", "Parent", aliases=("所属", "上级")),
            ),
            "Study areas: the central city (中心城区), built-up area (城市建成区), districts (区) ...",
        ),
        LayerSpec(
            "black_odorous_waters", ("polygon", "line"), "黑臭水体", "Black-odorous water bodies",
            (
                _id(), _name("水体名称", "黑臭水体名称"),
                FieldSpec("status", "str", True, "治理状态", "Status", allowed=BLACK_ODOROUS_STATUS,
                          aliases=("治理状态", "整治状态", "状态", "是否消除", "消除情况", "status"),
                          value_aliases={"已治理": "已消除", "已完成": "已消除", "完成治理": "已消除",
                                         "治理完成": "已消除", "已整治": "已消除", "消除": "已消除",
                                         "eliminated": "已消除", "done": "已消除", "是": "已消除",
                                         "未治理": "未消除", "治理中": "未消除", "整治中": "未消除",
                                         "未完成": "未消除", "返黑返臭": "未消除", "remaining": "未消除",
                                         "open": "未消除", "否": "未消除"}),
                FieldSpec("year", "int", False, "消除年份", "Year eliminated",
                          aliases=("消除年份", "完成年份", "治理年份", "年份", "年度")),
                FieldSpec("river", "str", False, "所在河流", "River", aliases=("所在河流", "河流")),
            ),
            "Black-odorous water bodies (黑臭水体) as lines or water surfaces, with status 未消除 / 已消除 "
            "(治理中 counts as 未消除) and the year eliminated.",
        ),
        LayerSpec(
            "sewers", ("line",), "排水管网", "Sewer mains",
            (
                _id("管段编号", "管线编号"),
                FieldSpec("name", "str", False, "名称", "Name", aliases=("名称", "名字", "管线名称", "所在道路")),
                FieldSpec("separated", "bool", True, "雨污分流", "Separated",
                          aliases=("雨污分流", "是否分流", "分流", "排水体制", "体制", "separated"),
                          value_aliases={"分流": "true", "分流制": "true", "雨污分流": "true", "已分流": "true",
                                         "separate": "true", "合流": "false", "合流制": "false",
                                         "雨污合流": "false", "未分流": "false", "combined": "false"}),
                FieldSpec("diameter_mm", "float", False, "管径", "Diameter", "mm",
                          aliases=("管径", "管径mm", "管径(mm)", "diameter", "dn")),
            ),
            "Sewer mains (排水管网) with their 雨污分流 status (True: separated, False: combined).",
        ),
        LayerSpec(
            "mines", ("polygon", "point"), "矿山", "Mines",
            (
                _id(), _name("矿山名称", "矿区名称"),
                FieldSpec("restoration", "str", True, "修复状态", "Restoration", allowed=MINE_RESTORATION,
                          aliases=("修复状态", "治理状态", "生态修复状态", "状态", "restoration", "status"),
                          value_aliases={"已治理": "已修复", "已完成": "已修复", "完成": "已修复", "已恢复": "已修复",
                                         "restored": "已修复", "治理中": "修复中", "在建": "修复中",
                                         "in_progress": "修复中", "未治理": "未修复", "未恢复": "未修复",
                                         "unrestored": "未修复"}),
                FieldSpec("area_m2", "float", False, "面积", "Area", "m2",
                          aliases=("面积", "面积m2", "面积(平方米)", "占地面积", "area")),
                FieldSpec("area_ha", "float", False, "面积(公顷)", "Area", "ha",
                          aliases=("面积公顷", "面积(公顷)", "面积(hm2)", "公顷", "area_hm2")),
                FieldSpec("year", "int", False, "年份", "Year", aliases=("年份", "修复年份", "年度")),
            ),
            "Mines (legacy and closed 历史遗留矿山) with restoration status 已修复 / 修复中 / 未修复 and area; "
            "points need area_m2 or area_ha.",
        ),
        LayerSpec(
            "protected_areas", ("polygon",), "保护地块", "Protected areas",
            (
                _id(), _name("图斑名称", "地块名称"),
                FieldSpec("category", "str", True, "保护类型", "Category", allowed=PROTECTED_CATEGORIES,
                          aliases=("保护类型", "类型", "类别", "地类", "category"),
                          value_aliases={"基本农田": "永久基本农田", "永久基本农田保护区": "永久基本农田",
                                         "farmland": "永久基本农田", "permanent_farmland": "永久基本农田",
                                         "湿地保护区": "湿地", "wetland": "湿地", "wetlands": "湿地",
                                         "公益林地": "公益林", "生态公益林": "公益林", "国家级公益林": "公益林",
                                         "省级公益林": "公益林", "public_forest": "公益林", "other": "其他"}),
                FieldSpec("version", "str", False, "版本", "Version", aliases=("版本", "年份")),
            ),
            "Areas that must not shrink (面积不减少): permanent basic farmland (永久基本农田), wetlands, "
            "public-welfare forest (公益林); earlier versions beside the layers as protected_areas_<version>.",
        ),
        LayerSpec(
            "rivers", ("line", "polygon"), "河流", "Rivers",
            (
                _id(), _name("河流名称", "河名"),
                FieldSpec("target_class", "str", False, "水质目标", "Target class", allowed=WATER_CLASSES,
                          aliases=("水质目标", "目标水质", "功能区目标"), value_aliases=_WATER_CLASS_FIELD_ALIASES),
                FieldSpec("basin", "str", False, "流域", "Basin", aliases=("流域", "水系")),
            ),
            "River centre lines (or water-surface polygons), digitised downstream where flow direction matters.",
        ),
        LayerSpec(
            "sections", ("point",), "水质监测断面", "Monitored sections",
            (
                _id("断面编号"), _name("断面名称", "断面"),
                FieldSpec("river", "str", False, "所在河流", "River", aliases=("河流", "所在河流", "河流名称")),
                FieldSpec("level", "str", True, "断面级别", "Level", allowed=SECTION_LEVELS,
                          aliases=("级别", "断面级别", "类型", "断面类型", "控制级别"),
                          value_aliases={"national": "国控", "provincial": "省控", "municipal": "市控",
                                         "county": "县控", "国考": "国控", "省考": "省控", "国家": "国控",
                                         "省": "省控", "市": "市控", "县": "县控"}),
                FieldSpec("target_class", "str", True, "目标水质", "Target class", allowed=WATER_CLASSES,
                          aliases=("水质目标", "目标水质", "目标", "考核目标"), value_aliases=_WATER_CLASS_FIELD_ALIASES),
                FieldSpec("measured_class", "str", False, "实测水质", "Measured class", allowed=WATER_CLASSES,
                          aliases=("水质类别", "实测水质", "现状水质", "水质"), value_aliases=_WATER_CLASS_FIELD_ALIASES),
                FieldSpec("drinking_source", "bool", False, "饮用水源断面", "Drinking-water section",
                          aliases=("饮用水源",)),
                FieldSpec("do_mgl", "float", False, "溶解氧", "Dissolved oxygen", "mg/L", aliases=("溶解氧", "do")),
                FieldSpec("codmn_mgl", "float", False, "高锰酸盐指数", "Permanganate index", "mg/L",
                          aliases=("高锰酸盐指数", "codmn")),
                FieldSpec("cod_mgl", "float", False, "化学需氧量", "COD", "mg/L", aliases=("化学需氧量", "cod", "codcr")),
                FieldSpec("bod5_mgl", "float", False, "五日生化需氧量", "BOD5", "mg/L", aliases=("五日生化需氧量", "bod5")),
                FieldSpec("nh3n_mgl", "float", False, "氨氮", "Ammonia nitrogen", "mg/L", aliases=("氨氮", "nh3-n", "nh3n")),
                FieldSpec("tp_mgl", "float", False, "总磷", "Total phosphorus", "mg/L", aliases=("总磷", "tp")),
                FieldSpec("tn_mgl", "float", False, "总氮", "Total nitrogen", "mg/L", aliases=("总氮", "tn")),
                FieldSpec("year", "int", False, "年份", "Year", aliases=("年份", "年度")),
            ),
            "Water-quality monitoring sections with level, target class and measured concentrations.",
        ),
        LayerSpec(
            "water_sources", ("point",), "饮用水水源地", "Drinking-water sources",
            (
                _id(), _name("水源地名称", "水源名称", "水源地"),
                FieldSpec("source_type", "str", True, "水源类型", "Source type",
                          allowed=("河流型", "湖库型", "地下水型"), aliases=("水源类型", "类型", "type"),
                          value_aliases={"river": "河流型", "lake": "湖库型", "reservoir": "湖库型",
                                         "groundwater": "地下水型", "河流": "河流型", "湖库": "湖库型", "水库": "湖库型",
                                         "水库型": "湖库型", "湖泊型": "湖库型", "地下水": "地下水型"}),
                FieldSpec("supply_m3d", "float", False, "供水规模", "Supply", "m3/d", aliases=("供水规模", "取水量")),
                FieldSpec("service", "str", False, "服务范围", "Serves", aliases=("服务范围", "级别")),
            ),
            "Intakes (取水口) or well fields of drinking-water sources.",
        ),
        LayerSpec(
            "protection_zones", ("polygon",), "饮用水水源保护区", "Drinking-water protection zones",
            (
                _id(), _name("保护区名称"),
                FieldSpec("source_id", "str", False, "水源地编号", "Source id", aliases=("水源地编号", "水源编号")),
                FieldSpec("level", "str", True, "保护区级别", "Level", allowed=ZONE_LEVELS,
                          aliases=("级别", "保护区级别", "等级"),
                          value_aliases={"1": "一级", "2": "二级", "first": "一级", "second": "二级",
                                         "quasi": "准保护区", "一级保护区": "一级", "二级保护区": "二级", "准保护": "准保护区"}),
                FieldSpec("zone_part", "str", False, "水域/陆域", "Water or land", allowed=("水域", "陆域"),
                          aliases=("水域陆域", "范围类型"), value_aliases={"water": "水域", "land": "陆域"}),
            ),
            "Protection zones by level (一级 / 二级 / 准保护区), as approved or delineated per HJ 338-2018.",
        ),
        LayerSpec(
            "bus_stops", ("point",), "公交站点", "Bus stops",
            (
                _id("站点编号"), _name("站点名称", "站名"),
                FieldSpec("harbour", "bool", False, "港湾式", "Harbour-style", aliases=("港湾式", "是否港湾式")),
                FieldSpec("accessible", "bool", False, "无障碍站台", "Accessible platform",
                          aliases=("无障碍", "无障碍站台", "是否无障碍")),
                FieldSpec("mode", "str", False, "方式", "Mode", allowed=("bus", "brt", "rail"),
                          aliases=("方式", "类型"), value_aliases={"公交": "bus", "快速公交": "brt", "轨道": "rail"}),
            ),
            "Bus stops (one point per stop, either side of the road may be separate).",
        ),
        LayerSpec(
            "bus_routes", ("line",), "公交线路", "Bus routes",
            (
                _id("线路编号"), _name("线路名称", "线路"),
                FieldSpec("bus_lane", "bool", False, "公交专用道", "Bus lane", aliases=("公交专用道", "专用道")),
            ),
            "Bus routes; segments flagged bus_lane count towards the plan's bus-lane kilometres.",
        ),
        LayerSpec(
            "roads", ("line",), "道路", "Roads",
            (
                # footways, service roads and tracks have no name in real street data (OSM: a third of the ways)
                _id(), FieldSpec("name", "str", False, "名称", "Name",
                                 aliases=("名称", "名字", "name_zh", "mc", "道路名称", "路名")),
                FieldSpec("road_class", "str", False, "道路等级", "Road class",
                          allowed=("快速路", "主干路", "次干路", "支路", "other"),
                          aliases=("道路等级", "等级", "highway", "fclass"),
                          value_aliases={"expressway": "快速路", "arterial": "主干路", "local": "支路",
                                         "主干道": "主干路", "次干道": "次干路", **_OSM_HIGHWAY_CLASSES}),
                FieldSpec("walkable", "bool", False, "可步行", "Walkable", aliases=("可步行",)),
                FieldSpec("bus_lane", "bool", False, "公交专用道", "Bus lane", aliases=("公交专用道",)),
            ),
            "Street centre lines; the walking network for network coverage.",
        ),
        LayerSpec(
            "intersections", ("point",), "交叉口", "Intersections",
            (
                _id(), _name("交叉口名称"),
                FieldSpec("arterial", "bool", False, "主干路交叉口", "Arterial", aliases=("主干路",)),
                FieldSpec("bus_priority", "bool", False, "公交优先", "Bus priority", aliases=("公交优先", "信号优先")),
            ),
            "Road intersections; the plan counts arterial ones with bus priority signals.",
        ),
        LayerSpec(
            "eco_redlines", ("polygon",), "生态保护红线", "Ecological red lines",
            (
                _id(), _name("红线名称", "单元名称"),
                FieldSpec("category", "str", False, "类型", "Category", aliases=("类型", "功能类型")),
                FieldSpec("version", "str", False, "版本", "Version", aliases=("版本", "年份")),
            ),
            "Ecological protection red-line units (生态保护红线).",
        ),
        LayerSpec(
            "control_zones", ("polygon",), "管控区", "Control zones",
            (
                _id(), _name("区域名称"),
                FieldSpec("zone_type", "str", True, "管控类型", "Zone type", allowed=CONTROL_ZONE_TYPES,
                          aliases=("类型", "管控类型", "区域类型"),
                          value_aliases={"no_burn": "禁燃区", "no-burn": "禁燃区", "高污染燃料禁燃区": "禁燃区",
                                         "no_livestock": "禁养区", "forbidden_livestock": "禁养区",
                                         "畜禽禁养区": "禁养区", "restricted_livestock": "限养区",
                                         "供热管网覆盖范围": "集中供热区", "集中供热范围": "集中供热区",
                                         "供热管网覆盖区": "集中供热区", "heating_network": "集中供热区"}),
            ),
            "Control zones: no-burn (禁燃区), forbidden-livestock (禁养区) ...",
        ),
        LayerSpec(
            "facilities", ("point", "polygon"), "设施与污染源", "Facilities",
            (
                _id(), _name("企业名称", "单位名称"),
                FieldSpec("kind", "str", True, "类型", "Kind", allowed=FACILITY_KINDS,
                          aliases=("类型", "类别", "设施类型", "type"),
                          value_aliases={"企业": "enterprise", "排污口": "outfall", "入河排污口": "outfall",
                                         "养殖场": "livestock_farm", "畜禽养殖场": "livestock_farm",
                                         "加油站": "gas_station", "工地": "construction_site",
                                         "建筑工地": "construction_site", "污水处理厂": "sewage_plant",
                                         "垃圾场": "waste_site", "水厂": "water_works", "其他": "other",
                                         "farm": "livestock_farm", "燃煤锅炉": "coal_boiler",
                                         "锅炉": "coal_boiler", "热电联产电厂": "chp_plant",
                                         "热电联产": "chp_plant", "热电厂": "chp_plant",
                                         "污水处理设施": "sewage_plant", "污水处理站": "sewage_plant",
                                         "环境风险源": "risk_source", "风险源": "risk_source",
                                         "risk": "risk_source", "煤气发生炉": "gas_producer",
                                         "工业燃气发生炉": "gas_producer", "燃气发生炉": "gas_producer",
                                         "窑炉": "kiln", "燃煤窑炉": "kiln", "工业窑炉": "kiln"}),
                FieldSpec("area_m2", "float", False, "占地面积", "Area", "m2", aliases=("面积", "占地面积", "area")),
                FieldSpec("polluting", "bool", False, "污染型", "Polluting", aliases=("污染型", "是否污染")),
                FieldSpec("water_supply_related", "bool", False, "供水设施", "Water-supply related",
                          aliases=("供水相关",)),
                FieldSpec("capacity_mw", "float", False, "装机容量", "Capacity", "MW",
                          aliases=("装机容量", "容量", "capacity")),
            ),
            "Facilities that plans regulate: enterprises, outfalls (排污口), livestock farms, gas stations, "
            "construction sites ...",
        ),
        LayerSpec(
            "projects", ("polygon",), "建设项目", "Projects",
            (_id(), _name("项目名称"), FieldSpec("kind", "str", False, "类型", "Kind", aliases=("类型",))),
            "Planned or built project footprints, checked against red lines.",
        ),
        LayerSpec(
            "air_stations", ("point",), "空气质量监测站", "Air-quality stations",
            (
                _id(), _name("站点名称", "监测站"),
                FieldSpec("level", "str", False, "站点级别", "Level", allowed=SECTION_LEVELS,
                          aliases=("级别",), value_aliases={"national": "国控", "provincial": "省控", "国考": "国控"}),
                FieldSpec("pm25_ugm3", "float", True, "PM2.5年均浓度", "PM2.5 annual mean", "µg/m³",
                          aliases=("pm2.5", "pm25", "细颗粒物")),
                FieldSpec("pm10_ugm3", "float", False, "PM10年均浓度", "PM10 annual mean", "µg/m³",
                          aliases=("pm10", "可吸入颗粒物")),
                FieldSpec("year", "int", False, "年份", "Year", aliases=("年份", "年度")),
            ),
            "Air-quality monitoring stations with annual means.",
        ),
        LayerSpec(
            "parks", ("polygon",), "公园绿地", "Parks",
            (
                _id("公园编号"), _name("公园名称", "绿地名称"),
                FieldSpec("area_m2", "float", False, "面积", "Area", "m2",
                          aliases=("面积", "占地面积", "公园面积", "area", "mj")),
                FieldSpec("park_type", "str", False, "公园类型", "Park type", allowed=PARK_TYPES,
                          aliases=("公园类型", "类型", "类别", "type"), value_aliases=_PARK_TYPE_ALIASES),
            ),
            "Park green space (公园绿地, CJJ/T 85-2017 G1) footprints; area_m2 is computed from the geometry "
            "when absent.",
        ),
        LayerSpec(
            "greenways", ("line",), "绿道", "Greenways",
            (
                _id("绿道编号"), _name("绿道名称"),
                FieldSpec("level", "str", False, "绿道级别", "Level", allowed=GREENWAY_LEVELS,
                          aliases=("级别", "绿道级别", "等级", "level"), value_aliases=_GREENWAY_LEVEL_ALIASES),
            ),
            "Greenway centre lines (绿道); lengths are measured in a metric CRS.",
        ),
        LayerSpec(
            "land_use", ("polygon",), "用地现状", "Land use",
            (
                _id("图斑编号", "bsm"), FieldSpec("name", "str", False, "名称", "Name",
                                                  aliases=("名称", "名字", "name_zh", "mc")),
                FieldSpec("land_class", "str", True, "用地类型", "Land class", allowed=LAND_CLASSES,
                          aliases=("用地类型", "地类", "地类名称", "用地分类", "用地性质", "土地利用类型", "dlmc",
                                   "land_use", "landuse", "class", "类型"),
                          value_aliases=_LAND_CLASS_ALIASES),
            ),
            "Land use or land cover polygons (居住用地, 公园绿地, 林地, 耕地, 裸地 ...); GB/T 21010-2017 and "
            "国土空间调查、规划、用途管制用地用海分类 codes are read where their meaning is unambiguous.",
        ),
    ]
}

RASTERS: dict[str, RasterSpec] = {
    "population": RasterSpec("population", "人口栅格", "Population raster", "persons per cell",
                             "Gridded population (WorldPop / GHSL style), persons per cell, any CRS."),
    "pollutant_surface": RasterSpec("pollutant_surface", "污染物浓度面", "Pollutant surface", "µg/m³",
                                    "Interpolated pollutant concentration (e.g. PM2.5 annual mean)."),
}


def kinds() -> list[str]:
    """All vector and raster kinds."""
    return list(CATALOGUE) + list(RASTERS)


def get_spec(kind: str) -> LayerSpec:
    """The :class:`LayerSpec` of a vector kind; raises CatalogueError naming the choices."""
    try:
        return CATALOGUE[kind]
    except KeyError:
        raise CatalogueError(f"kind was {kind!r} but is expected to be one of {sorted(CATALOGUE)}") from None


_KIND_WORDS = {
    "公园": "parks", "绿道": "greenways", "greenway": "greenways", "用地现状": "land_use", "现状用地": "land_use",
    "土地利用": "land_use", "地类图斑": "land_use", "dltb": "land_use", "landuse": "land_use", "land_cover": "land_use",
    "stops": "bus_stops", "公交站点": "bus_stops", "站点": "bus_stops", "routes": "bus_routes",
    "公交线路": "bus_routes", "河流": "rivers", "断面": "sections", "水源地": "water_sources",
    "保护区": "protection_zones", "道路": "roads", "红线": "eco_redlines", "redlines": "eco_redlines",
    "禁燃区": "control_zones", "禁养区": "control_zones", "企业": "facilities", "污染源": "facilities",
    "空气站": "air_stations", "district": "study_area", "districts": "study_area", "中心城区": "study_area",
    "area": "study_area", "boundary": "study_area",
    "黑臭": "black_odorous_waters", "sewer": "sewers", "管网": "sewers", "矿山": "mines", "mine": "mines",
    "基本农田": "protected_areas", "湿地": "protected_areas", "公益林": "protected_areas",
}


def guess_kind(name: str) -> str | None:
    """Guess a kind from a file or layer name (``'bus_stops.shp'`` -> ``'bus_stops'``)."""
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", name.rsplit("/", 1)[-1]).lower()
    if stem in CATALOGUE or stem in RASTERS:
        return stem
    # a kind the name starts with (``protected_areas_2020``) before the words, whose ``area`` would match too
    prefixed = [k for k in CATALOGUE if stem.startswith(k)]
    if prefixed:
        return max(prefixed, key=len)
    for word, kind in _KIND_WORDS.items():
        if word in stem:
            return kind
    for kind in CATALOGUE:
        if kind in stem:
            return kind
    return None


def _to_bool(series: pd.Series) -> pd.Series:
    def conv(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return pd.NA
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        t = str(v).strip().lower()
        if t in _YES:
            return True
        if t in _NO:
            return False
        return v  # left as is; validation reports it

    return series.map(conv)


def canonicalize(df: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename columns to the kind's canonical fields and normalise values.

    Parameters
    ----------
    df : DataFrame or GeoDataFrame
        Input; not modified.
    kind : str
        Catalogue kind.

    Returns
    -------
    (DataFrame, dict)
        The renamed copy and the mapping ``{original column: canonical field}``
        that was applied (only renamed columns appear).

    Examples
    --------
    >>> import pandas as pd
    >>> out, mapping = canonicalize(pd.DataFrame({"断面名称": ["漯河大陈"], "水质目标": ["Ⅲ类"]}), "sections")
    >>> mapping, out["target_class"].tolist()
    ({'断面名称': 'name', '水质目标': 'target_class'}, ['III'])
    """
    spec = get_spec(kind)
    lower = {str(c).lower(): c for c in df.columns}
    mapping: dict[str, str] = {}
    taken = {f.name for f in spec.fields if f.name in df.columns}
    for f in spec.fields:
        if f.name in taken:
            continue
        for alias in f.aliases:
            col = lower.get(alias.lower())
            if col is not None and col not in mapping and col not in taken:
                mapping[col] = f.name
                taken.add(f.name)
                break
    out = df.rename(columns=mapping)
    for f in spec.fields:
        if f.name not in out.columns:
            continue
        col = out[f.name]
        if f.dtype == "bool":
            if f.value_aliases:  # words meaning yes / no for this field only (分流 / 合流)
                vb = {k.lower(): v for k, v in f.value_aliases.items()}
                col = col.map(lambda v, vb=vb: vb.get(v.strip().lower(), v) if isinstance(v, str) else v)
            out[f.name] = _to_bool(col)
        elif f.dtype == "str" and f.name == "id":
            out[f.name] = col.map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
                                  else (str(int(v)) if isinstance(v, (float, np.floating)) and float(v).is_integer()
                                        else str(v)))
        elif f.allowed:
            if f.allowed == WATER_CLASSES:
                out[f.name] = col.map(lambda v: normalize_water_class(v) or (None if pd.isna(v) else v))
            else:
                va = {k.lower(): v for k, v in f.value_aliases.items()}
                out[f.name] = col.map(
                    lambda v, va=va: v if (pd.isna(v) if not isinstance(v, str) else False)
                    else va.get(str(v).strip().lower(), str(v).strip())
                )
        elif f.dtype in ("float", "int") and col.dtype == object:
            out[f.name] = pd.to_numeric(col, errors="coerce")
    return out, mapping
