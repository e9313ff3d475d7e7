"""Basemaps a map can draw under its data, and what each one demands of the data.

=================  =========================================  ==========  ===========
name               tiles                                      data CRS    needs
=================  =========================================  ==========  ===========
``none``           none: a plain background (works offline)   WGS84       nothing
``osm``            OpenStreetMap standard tiles               WGS84       network
``tianditu-vec``   天地图 vector map + Chinese labels (vec_w/cva_w)  WGS84  network, key
``tianditu-img``   天地图 imagery + Chinese labels (img_w/cia_w)    WGS84  network, key
``amap``           高德 (Amap) road map                        GCJ-02      network
=================  =========================================  ==========  ===========

天地图 serves CGCS2000 web-Mercator tiles, which line up with WGS84/CGCS2000 data
to within centimetres.  高德 tiles are drawn in GCJ-02, offset from WGS84 by
some 300-600 m in China, so for ``amap`` (and only there) the *data* are shifted
to GCJ-02 and the map carries a note saying so.  A 天地图 key comes from the
``tianditu_key`` argument or the ``TIANDITU_KEY`` environment variable; it is a
browser key and ends up in the page, so use a key restricted to your domain.

Examples
--------
>>> from ecogis.maps.basemaps import basemap_spec
>>> basemap_spec("amap").data_crs
'gcj02'
>>> basemap_spec("none").tiles
()
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ecogis.errors import InputError

__all__ = ["BASEMAPS", "Basemap", "TileSource", "basemap_spec", "resolve_tianditu_key"]


@dataclass(frozen=True)
class TileSource:
    """One tile layer: URL template and Leaflet options."""

    url: str
    attribution: str
    subdomains: str = "abc"
    max_zoom: int = 18

    def to_leaflet(self, key: str | None = None) -> dict:
        url = self.url.replace("{tk}", key or "")
        return {"url": url, "options": {"attribution": self.attribution, "subdomains": self.subdomains,
                                         "maxZoom": self.max_zoom}}


@dataclass(frozen=True)
class Basemap:
    """A basemap: its tiles, the CRS the data must be in, and the notes the map shows."""

    name: str
    title_zh: str
    title_en: str
    tiles: tuple[TileSource, ...]
    data_crs: str  # 'wgs84' or 'gcj02'
    needs_key: bool = False

    def title(self, lang: str = "zh") -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def notes(self, lang: str = "zh") -> list[str]:
        out = []
        if self.tiles:
            out.append("底图瓦片需联网加载；离线时只显示数据。" if lang == "zh" else
                       "Basemap tiles need a network connection; offline, only the data show.")
        if self.data_crs == "gcj02":
            out.append("数据已转换为GCJ-02以匹配高德底图" if lang == "zh" else
                       "Data shifted to GCJ-02 to match the Amap tiles.")
        return out


_TDT_ATTR = '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a> 国家地理信息公共服务平台'


def _tdt(layer: str) -> TileSource:
    return TileSource(
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
        f"&TILECOL={{x}}&tk={{tk}}",
        _TDT_ATTR, "01234567", 18,
    )


BASEMAPS: dict[str, Basemap] = {
    b.name: b
    for b in [
        Basemap("none", "无底图", "No basemap", (), "wgs84"),
        Basemap("osm", "OpenStreetMap", "OpenStreetMap",
                (TileSource("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
                            "", 19),), "wgs84"),
        Basemap("tianditu-vec", "天地图矢量", "Tianditu vector", (_tdt("vec"), _tdt("cva")), "wgs84", True),
        Basemap("tianditu-img", "天地图影像", "Tianditu imagery", (_tdt("img"), _tdt("cia")), "wgs84", True),
        Basemap("amap", "高德地图", "Amap",
                (TileSource("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
                            "&x={x}&y={y}&z={z}", "&copy; 高德地图 AutoNavi", "1234", 18),), "gcj02"),
    ]
}


def basemap_spec(name: str) -> Basemap:
    """The :class:`Basemap` called ``name``; InputError naming the choices otherwise."""
    try:
        return BASEMAPS[name]
    except KeyError:
        raise InputError(f"basemap was {name!r} but is expected to be one of {list(BASEMAPS)}") from None


def resolve_tianditu_key(basemap: Basemap, key: str | None) -> str | None:
    """The 天地图 key for a basemap that needs one: argument, else ``$TIANDITU_KEY``.

    Raises
    ------
    InputError
        When the basemap needs a key and none is given, or the key is malformed.
    """
    if not basemap.needs_key:
        return None
    key = key or os.environ.get("TIANDITU_KEY")
    if not key:
        raise InputError(
            f"basemap {basemap.name!r} needs a 天地图 (Tianditu) key: pass tianditu_key='...' "
            "(--tianditu-key on the command line) or set the TIANDITU_KEY environment variable; "
            "get a browser key at https://console.tianditu.gov.cn/"
        )
    if not re.fullmatch(r"[A-Za-z0-9]{8,64}", key):
        raise InputError(f"Tianditu key {key!r} is malformed: expected 8-64 letters and digits (usually 32 hex)")
    return key
