#!/usr/bin/env python
"""Fetch the JavaScript/CSS that ecogis maps inline (Leaflet and plugins) from the npm registry.

The same as ``python -m ecogis.maps``: runs ``npm pack <package>@<version>`` for
each pinned package, checks the tarball against the pinned sha512 integrity and
unpacks the needed files into the cache (``$ECOGIS_ASSETS`` or
``~/.cache/ecogis/assets``, or ``--dest``).  Needs npm and registry access once;
the maps then work and are written offline.  An installed wheel (or a
non-editable ``pip install .``) already carries them; this is for editable
installs.  To equip an air-gapped machine, run this elsewhere with
``--dest DIR``, copy DIR and set ``ECOGIS_ASSETS=DIR`` there.

    python scripts/fetch_assets.py [--dest DIR] [--force]
"""

from __future__ import annotations

import sys

from ecogis.maps.assets import main

if __name__ == "__main__":
    sys.exit(main())
