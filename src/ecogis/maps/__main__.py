"""``python -m ecogis.maps [--dest DIR] [--force]``: fetch, verify and unpack the map scripts (needs npm once)."""

from ecogis.maps.assets import main

raise SystemExit(main())
