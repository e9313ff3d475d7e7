#!/usr/bin/env python
"""Fetch the JavaScript/CSS that ecogis maps inline (Leaflet and plugins) from the npm registry.

Runs ``npm pack <package>@<version>`` for each pinned package, checks the tarball
against the pinned sha512 integrity and unpacks the needed files into the cache
(``$ECOGIS_ASSETS`` or ``~/.cache/ecogis/assets``, or ``--dest``).  Needs npm and
registry access once; the maps then work and are written offline.  To equip an
air-gapped machine, run this elsewhere with ``--dest DIR``, copy DIR and set
``ECOGIS_ASSETS=DIR`` there.

    python scripts/fetch_assets.py [--dest DIR] [--force]
"""

from __future__ import annotations

import argparse
import logging
import sys

from ecogis.errors import EcogisError
from ecogis.maps.assets import ASSET_PACKAGES, fetch_assets


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", default=None, help="cache directory (default $ECOGIS_ASSETS or ~/.cache/ecogis/assets)")
    ap.add_argument("--force", action="store_true", help="fetch again although a verified copy exists")
    ap.add_argument("--npm", default="npm", help="npm executable")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        root = fetch_assets(args.dest, npm=args.npm, force=args.force)
    except EcogisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for a in ASSET_PACKAGES.values():
        print(f"{a.spec:32s} {a.integrity[:27]}...  {root / a.dirname}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
