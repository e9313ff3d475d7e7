"""Export the print layouts of a QGIS project to PDF / PNG with PyQGIS (run by ecogis.publish.render).

Runs in a Python that has ``qgis.core`` (on Debian the system ``/usr/bin/python3`` with
python3-qgis, not ecogis's virtual environment), so it imports only the standard library
and qgis.  Reads one JSON request on stdin::

    {"project": "out/luohe.qgs",
     "jobs": [{"layout": "01 饮用水水源地", "path": "out/x.pdf", "format": "pdf", "dpi": 300}, ...]}

and prints one JSON line: the layouts the project holds, the layers QGIS could not load and,
per job, whether the file was written (QgsLayoutExporter's result and error message).
"""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication, QgsLayoutExporter, QgsProject

    req = json.loads(sys.stdin.read())
    app = QgsApplication([], False)
    app.initQgis()
    out: dict = {"layouts": [], "invalid": [], "results": [], "error": ""}
    try:
        project = QgsProject.instance()
        if not project.read(req["project"]):
            out["error"] = f"QGIS could not read the project: {project.error()}"
            print(json.dumps(out, ensure_ascii=False))
            return 0
        out["invalid"] = [f"{lyr.name()} ({lyr.source()})" for lyr in project.mapLayers().values()
                          if not lyr.isValid()]
        layouts = {lo.name(): lo for lo in project.layoutManager().printLayouts()}
        out["layouts"] = list(layouts)
        for job in req["jobs"]:
            res = {"layout": job["layout"], "path": job["path"], "ok": False, "error": ""}
            layout = layouts.get(job["layout"])
            if layout is None:
                res["error"] = "the project has no layout of that name"
            else:
                exporter = QgsLayoutExporter(layout)
                if job["format"] == "pdf":
                    settings = QgsLayoutExporter.PdfExportSettings()
                    settings.dpi = float(job.get("dpi", 300))
                    settings.rasterizeWholeImage = False
                    rc = exporter.exportToPdf(job["path"], settings)
                else:
                    settings = QgsLayoutExporter.ImageExportSettings()
                    settings.dpi = float(job.get("dpi", 150))
                    rc = exporter.exportToImage(job["path"], settings)
                res["ok"] = rc == QgsLayoutExporter.Success
                res["error"] = "" if res["ok"] else (exporter.errorMessage() or f"QgsLayoutExporter returned {rc}")
            out["results"].append(res)
        project.clear()
        print(json.dumps(out, ensure_ascii=False))
    finally:
        app.exitQgis()
    return 0


if __name__ in ("__main__", "<run_path>"):
    sys.exit(main())
