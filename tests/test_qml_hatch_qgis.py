"""Violations drawn hatched in real QGIS, as on the HTML maps: what lies under them stays visible.

Before, QGIS ignored the style's hatch and drew a flat fill at 0.6 opacity, which hid a pollutant
surface or the gaps under a violation.  Rendered by PyQGIS (Debian's /usr/bin/python3) to a PNG:
inside the polygon, some pixels are the untouched background and some the hatch colour.
"""

from __future__ import annotations

import json
import subprocess
import textwrap

import geopandas as gpd
import pytest
import shapely

from ecogis.publish.qml import layer_qml
from ecogis.styles import style_for
from tests.test_export_qgis import _QGIS_OK, _QGIS_WHY, QGIS_PYTHON, _env

pytestmark = [
    pytest.mark.qgis,
    pytest.mark.skipif(not _QGIS_OK, reason=f"{QGIS_PYTHON} cannot import qgis.core: {_QGIS_WHY}"),
]

RENDER = textwrap.dedent(r'''
    import json, sys
    from qgis.core import (QgsApplication, QgsMapRendererCustomPainterJob, QgsMapSettings, QgsRectangle,
                           QgsVectorLayer)
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor, QImage, QPainter
    app = QgsApplication([], False); app.initQgis()
    gpkg, qml, png = sys.argv[1:4]
    layer = QgsVectorLayer(gpkg + "|layername=v", "v", "ogr")
    msg, ok = layer.loadNamedStyle(qml)
    img = QImage(QSize(400, 400), QImage.Format_ARGB32); img.fill(QColor(255, 255, 255))
    s = QgsMapSettings(); s.setLayers([layer]); s.setOutputSize(img.size()); s.setBackgroundColor(QColor(255, 255, 255))
    s.setDestinationCrs(layer.crs()); s.setExtent(QgsRectangle(-50, -50, 1050, 1050))
    p = QPainter(img); job = QgsMapRendererCustomPainterJob(s, p); job.start(); job.waitForFinished(); p.end()
    img.save(png)
    seen = {}
    for y in range(150, 250):
        for x in range(150, 250):  # well inside the polygon, away from its outline
            c = QColor(img.pixel(x, y)); k = (c.red(), c.green(), c.blue()); seen[str(k)] = seen.get(str(k), 0) + 1
    kinds = [l.layerType() for l in layer.renderer().symbols(__import__("qgis.core").core.QgsRenderContext())[0].symbolLayers()]
    print(json.dumps({"ok": ok, "msg": msg, "pixels": seen, "layers": kinds}))
''')


def test_violations_are_hatched_in_qgis_with_the_background_showing_through(tmp_path):
    gpkg = tmp_path / "v.gpkg"
    gpd.GeoDataFrame({"severity": ["error"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs="EPSG:4547"
                     ).to_file(gpkg, layer="v")
    qml = tmp_path / "v.qml"
    qml.write_text(layer_qml(style_for("violations"), "polygon"), encoding="utf-8")
    script = tmp_path / "render.py"
    script.write_text(RENDER, encoding="utf-8")
    png = tmp_path / "v.png"
    r = subprocess.run([QGIS_PYTHON, str(script), str(gpkg), str(qml), str(png)], capture_output=True, text=True,
                       env=_env(), timeout=180, check=False)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["ok"], out["msg"]
    assert "LinePatternFill" in out["layers"]
    pixels = {tuple(json.loads(k.replace("(", "[").replace(")", "]"))): n for k, n in out["pixels"].items()}
    total = sum(pixels.values())
    white = pixels.get((255, 255, 255), 0)
    # the hatch colour (#cb181d at 0.6 over white is (224, 119, 122)) and its anti-aliased edges
    red = sum(n for (r_, g, b), n in pixels.items() if r_ - g > 30 and r_ - b > 30)
    # lines 2.5 px every 7 px: roughly a third to a half hatch, the rest untouched background
    assert 0.3 * total < white < 0.8 * total, pixels
    assert red > 0.15 * total, pixels
