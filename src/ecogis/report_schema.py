"""The schema of ``report.json`` and reading an earlier report back (``ecogis audit --previous``).

``report.json`` carries ``schema_version`` (:data:`SCHEMA_VERSION`); the JSON Schema it follows ships in
the package (``ecogis/data/report.schema.json``, documented in ``docs/report_schema.md``), so next
year's run can read this year's report.  Within one ``schema_version`` keys are only ever added.

Examples
--------
>>> from ecogis.report_schema import SCHEMA_VERSION, report_schema
>>> SCHEMA_VERSION, report_schema()["properties"]["schema_version"]["const"]
(1, 1)
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from ecogis.errors import InputError

__all__ = ["SCHEMA_VERSION", "KNOWN_SCHEMA_VERSIONS", "report_schema", "report_problems", "read_previous"]

#: the version of report.json this ecogis writes
SCHEMA_VERSION = 1
#: the versions it can read back
KNOWN_SCHEMA_VERSIONS: tuple[int, ...] = (1,)


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The JSON Schema of ``report.json`` (``ecogis/data/report.schema.json``)."""
    return json.loads(resources.files("ecogis").joinpath("data", "report.schema.json").read_text(encoding="utf-8"))


def report_problems(doc: Any) -> list[str]:
    """Every way ``doc`` (a parsed report.json) departs from the schema, as ``path: message``; [] when valid.

    Examples
    --------
    >>> report_problems({"schema_version": 1})[0]
    "(top): 'ecogis_version' is a required property"
    """
    cls = jsonschema.validators.validator_for(report_schema())
    out = []
    for err in sorted(cls(report_schema()).iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        out.append(f"{where}: {err.message}")
    return out


def read_previous(path: str | os.PathLike) -> dict[str, float]:
    """The measured value of each target in an earlier ``report.json``, by target id.

    Parameters
    ----------
    path : path-like
        A ``report.json`` written by ``ecogis audit`` (or the directory holding it).

    Returns
    -------
    dict of str to float
        Targets without a measured value are left out.

    Raises
    ------
    InputError
        When the file is missing, not JSON, not an ecogis report, of an unknown ``schema_version``, or
        not valid against the schema (the message names the first problems).

    Examples
    --------
    >>> read_previous("ecogis-report-2024/report.json")["luohe-eco-2023/pm25-2024"]  # doctest: +SKIP
    44.95
    """
    p = Path(path)
    if p.is_dir():
        p = p / "report.json"
    if not p.is_file():
        raise InputError(f"--previous {p}: no such file; give the report.json of an earlier `ecogis audit`")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"--previous {p}: not a JSON file ({exc}); give the report.json of an earlier "
                         f"`ecogis audit`") from None
    if not isinstance(doc, dict) or "targets" not in doc or "ecogis_version" not in doc:
        raise InputError(f"--previous {p}: not an ecogis report (expected a JSON object with `ecogis_version`, "
                         f"`schema_version` and `targets`, as `ecogis audit` writes)")
    version = doc.get("schema_version")
    if version not in KNOWN_SCHEMA_VERSIONS:
        said = "has no schema_version (written before ecogis versioned its reports)" if version is None \
            else f"has schema_version {version!r}"
        raise InputError(f"--previous {p}: {said}; this ecogis reads schema_version {list(KNOWN_SCHEMA_VERSIONS)}; "
                         f"re-run that audit with this ecogis, or upgrade ecogis to read it")
    problems = report_problems(doc)
    if problems:
        more = f" ... and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise InputError(f"--previous {p}: not a valid ecogis report (schema_version {version}): "
                         + "; ".join(problems[:5]) + more)
    return {t["id"]: float(t["measured"]) for t in doc["targets"] if t.get("measured") is not None}
