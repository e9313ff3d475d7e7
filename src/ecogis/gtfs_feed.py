"""A GTFS feed opened once: the zip or folder, its files read as text tables with the columns ecogis needs.

Part of :mod:`ecogis.gtfs`, which re-exports the public names.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ecogis.errors import LayerReadError

__all__ = [
    "is_gtfs",
]


#: the columns read of the big tables (the others are never used)
_COLUMNS = {"stop_times.txt": {"trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time",
                               "pickup_type", "shape_dist_traveled"}}


def _zip_prefix(names: list[str]) -> str | None:
    """The folder inside a zip that holds ``stops.txt`` ('' at the root), or None."""
    hits = sorted((n[: -len("stops.txt")] for n in names
                   if n.rsplit("/", 1)[-1] == "stops.txt" and n.count("/") <= 1 and not n.startswith("__MACOSX")),
                  key=len)
    return hits[0] if hits else None


def is_gtfs(path: str | os.PathLike) -> bool:
    """True for a GTFS feed: a directory or ``.zip`` holding ``stops.txt`` (or that ``stops.txt`` itself).

    Examples
    --------
    >>> is_gtfs("layers/luohe.gpkg")
    False
    """
    p = Path(path)
    if p.is_dir():
        return (p / "stops.txt").is_file()
    if p.name.lower() == "stops.txt":
        return p.is_file()
    if p.suffix.lower() == ".zip" and p.is_file():
        try:
            with zipfile.ZipFile(p) as zf:
                return _zip_prefix(zf.namelist()) is not None
        except (zipfile.BadZipFile, OSError):
            return False
    return False


@dataclass
class _Feed:
    """The tables of one feed, read on demand as text."""

    path: Path
    _zip_names: dict[str, str] | None = None
    _dir: Path | None = None
    _cache: dict[str, pd.DataFrame | None] = field(default_factory=dict)

    @classmethod
    def open(cls, feed: str | os.PathLike) -> _Feed:
        p = Path(feed)
        if not p.exists():
            raise LayerReadError(f"GTFS feed {str(p)!r}: no such file or directory")
        if p.is_file() and p.name.lower() == "stops.txt":
            return cls(p, _dir=p.parent)
        if p.is_dir():
            if not (p / "stops.txt").is_file():
                raise LayerReadError(f"GTFS feed {str(p)!r}: the directory holds no stops.txt; expected the "
                                     f"unpacked feed (stops.txt, stop_times.txt, trips.txt ...)")
            return cls(p, _dir=p)
        try:
            with zipfile.ZipFile(p) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise LayerReadError(f"GTFS feed {str(p)!r} is not a readable .zip ({exc})") from None
        prefix = _zip_prefix(names)
        if prefix is None:
            raise LayerReadError(f"GTFS feed {str(p)!r}: the zip holds no stops.txt (it has "
                                 f"{', '.join(names[:8])}{' ...' if len(names) > 8 else ''}); expected a GTFS feed")
        return cls(p, _zip_names={n[len(prefix):]: n for n in names if n.startswith(prefix)})

    def has(self, name: str) -> bool:
        if self._dir is not None:
            return (self._dir / name).is_file()
        return name in (self._zip_names or {})

    def _raw(self, name: str) -> bytes:
        if self._dir is not None:
            return (self._dir / name).read_bytes()
        with zipfile.ZipFile(self.path) as zf:
            return zf.read(self._zip_names[name])  # type: ignore[index]

    def table(self, name: str, *, required: bool = False) -> pd.DataFrame | None:
        if name in self._cache:
            df = self._cache[name]
        elif not self.has(name):
            df = None
        else:
            raw = self._raw(name)
            wanted = _COLUMNS.get(name)
            df = None
            for enc in ("utf-8-sig", "gb18030"):
                try:
                    df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, skipinitialspace=True,
                                     encoding=enc, usecols=(lambda c: str(c).strip() in wanted) if wanted else None)
                    break
                except UnicodeDecodeError:
                    continue
                except pd.errors.EmptyDataError:
                    df = pd.DataFrame()
                    break
                except pd.errors.ParserError as exc:
                    raise LayerReadError(f"{self.path}: {name} is not a CSV table ({exc})") from None
            if df is None:
                raise LayerReadError(f"{self.path}: {name} is neither UTF-8 nor GB18030 text")
            df.columns = [str(c).strip() for c in df.columns]
            # trailing blanks; times and numbers are parsed blank-tolerant, so only the big table's ids need it
            strip = [c for c in df.columns if name != "stop_times.txt" or c in ("trip_id", "stop_id")]
            df[strip] = df[strip].apply(lambda s: s.str.strip())
            self._cache[name] = df
        if df is None and required:
            raise LayerReadError(f"GTFS feed {self.path}: {name} is missing; a feed needs it to count departures")
        return df

    def need(self, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
        df = self.table(name, required=True)
        assert df is not None
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise LayerReadError(f"GTFS feed {self.path}: {name} lacks column(s) {missing} (it has "
                                 f"{list(df.columns)}); expected the columns of the GTFS reference")
        return df
