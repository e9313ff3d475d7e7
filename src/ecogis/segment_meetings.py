"""Where street lines meet, from their straight segments, in numpy: crossings, touches, shared vertices.

:func:`ecogis.street_graph.node_lines` splits street lines where they meet; the meetings come from
every pair of segments whose boxes overlap (:func:`ecogis.plane_index.box_pairs`), tested exactly
in numpy (no geometry per segment).  On the way, whether the lines meet only at end points they share
exactly and none touches itself (``simple``): then the pieces of the lines need no noding either
(the faces of the reached streets, :func:`ecogis.network.network_gaps`).

Examples
--------
>>> import numpy as np, shapely
>>> lines = np.array([shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(50, -50), (50, 50)])])
>>> m = _meetings(lines, 0.5)
>>> (m["x"].tolist(), m["y"].tolist(), bool(m["simple"]))
([50.0], [0.0], False)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ecogis.plane_index import box_pairs


def _segments(geoms: np.ndarray) -> dict[str, np.ndarray]:
    """Every straight segment of the lines: ends, owner line, distance along the line at its start, whether its
    ends are the line's first / last vertex."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    m = len(geoms)
    first = np.searchsorted(idx, np.arange(m))
    last = np.r_[first[1:], len(idx)] - 1
    same = idx[1:] == idx[:-1]
    step = np.zeros(len(coords))
    if len(coords) > 1:
        step[1:] = np.where(same, np.hypot(*(coords[1:] - coords[:-1]).T), 0.0)
    cum = np.cumsum(step)
    cum -= cum[first][idx]
    k = np.flatnonzero(same)
    seg = {"p0": coords[k], "p1": coords[k + 1], "line": idx[k], "along0": cum[k], "length": step[k + 1],
           "first": k == first[idx[k]], "last": k + 1 == last[idx[k]]}
    ok = seg["length"] > 0
    out = {key: v[ok] for key, v in seg.items()}
    out["starts"], out["ends"] = coords[first], coords[last]
    return out


def _meetings(geoms: np.ndarray, tol: float, S: dict[str, np.ndarray] | None = None,
              alone: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Where lines meet (each meeting of two lines once): segment crossings, touches and shared vertices, and line
    ends within ``tol`` of another line (``near``; only the ends no other line ends at when ``alone``, the
    (start, end) flags per line, is given).  Meetings of two line ends are left out (the end points' clustering
    joins them).  For both lines ``a`` < ``b``: the distance along it, whether the point is (within ``tol``) one
    of its vertices, and which end it is (0 none, 1 first, 2 last)."""
    S = _segments(geoms) if S is None else S
    n = len(S["line"])
    empty = {k: np.zeros(0, dtype=t) for k, t in (("a", int), ("b", int), ("da", float), ("db", float),
                                                  ("va", bool), ("vb", bool), ("ea", int), ("eb", int),
                                                  ("x", float), ("y", float), ("near", bool))}
    if n == 0:
        return {**empty, "simple": np.bool_(True)}
    p0, p1 = S["p0"], S["p1"]
    sb = np.column_stack([np.minimum(p0, p1), np.maximum(p0, p1)])  # segment boxes: minx, miny, maxx, maxy
    rows: list[dict[str, np.ndarray]] = []

    def add(i: np.ndarray, j: np.ndarray, t: np.ndarray, u: np.ndarray, xy: np.ndarray, near: bool = False) -> None:
        """Meeting of segment i at fraction t and segment j at fraction u."""
        li, lj = S["line"][i], S["line"][j]
        flip = li > lj
        i, j = np.where(flip, j, i), np.where(flip, i, j)
        t, u = np.where(flip, u, t), np.where(flip, t, u)
        rec = {"a": S["line"][i], "b": S["line"][j], "x": xy[:, 0], "y": xy[:, 1], "near": np.full(len(i), near)}
        for key, s, f in (("a", i, t), ("b", j, u)):
            length = S["length"][s]
            at0 = f * length <= tol
            at1 = (1.0 - f) * length <= tol
            f = np.where(at0, 0.0, np.where(at1, 1.0, f))
            rec["d" + key] = S["along0"][s] + f * length
            rec["v" + key] = at0 | at1
            rec["e" + key] = np.where(at0 & S["first"][s], 1, np.where(at1 & S["last"][s], 2, 0))
        rows.append(rec)

    # 1. segment against segment (boxes overlap), exactly: crossings, touches, shared vertices, overlaps
    i, j = box_pairs(sb)  # envelopes that overlap (i < j)
    own = (i < j) & (S["line"][i] == S["line"][j])
    simple = _lines_simple(S, i[own], j[own])
    keep = (i < j) & (S["line"][i] != S["line"][j])
    i, j = i[keep], j[keep]
    r = p1[i] - p0[i]
    s = p1[j] - p0[j]
    den = r[:, 0] * s[:, 1] - r[:, 1] * s[:, 0]
    # two segments that are not parallel and share an end point that is an end of both lines meet only there:
    # a meeting of two line ends, left out below anyway (most pairs of a noded layer)
    if "end_ids" in S:  # the number of the (exact) point at each segment end that is a line end, else -1
        e0, e1 = S["end_ids"]
        a0, a1, b0, b1 = e0[i], e1[i], e0[j], e1[j]
        shared_end = (((a0 >= 0) & ((a0 == b0) | (a0 == b1))) | ((a1 >= 0) & ((a1 == b0) | (a1 == b1))))
    else:
        i_start, i_end = S["first"][i], S["last"][i]
        j_start, j_end = S["first"][j], S["last"][j]
        eq = lambda x, y: (x == y).all(axis=1)  # noqa: E731
        shared_end = ((i_start & j_start & eq(p0[i], p0[j])) | (i_start & j_end & eq(p0[i], p1[j]))
                      | (i_end & j_start & eq(p1[i], p0[j])) | (i_end & j_end & eq(p1[i], p1[j])))
    keep = ~(shared_end & (den != 0.0))
    i, j, r, s, den, shared_end = i[keep], j[keep], r[keep], s[keep], den[keep], shared_end[keep]
    q = p0[j] - p0[i]
    eps = 1e-9
    proper = ~_parallel(den, S["length"][i] * S["length"][j])
    t, u = _fractions(q, r, s, den)
    hit = proper & (t >= -eps) & (t <= 1 + eps) & (u >= -eps) & (u <= 1 + eps)
    simple = simple and not hit.any()
    t, u = np.clip(t[hit], 0, 1), np.clip(u[hit], 0, 1)
    add(i[hit], j[hit], t, u, p0[i[hit]] + t[:, None] * r[hit])
    # parallel and on one line: the overlap's ends (each segment's ends that lie on the other)
    col = ~proper & _on_one_line(q, r, S["length"][i])
    ci, cj = i[col], j[col]
    simple = simple and not _collinear_overlap(p0, p1, ci, cj, shared_end[col], eps).any()
    for end_of, on in ((cj, ci), (ci, cj)):
        for which in ("p0", "p1"):
            pt = S[which][end_of]
            base, vec = p0[on], p1[on] - p0[on]
            f = np.einsum("ij,ij->i", pt - base, vec) / np.einsum("ij,ij->i", vec, vec)
            ok = (f >= -eps) & (f <= 1 + eps)
            g = np.full(ok.sum(), 0.0 if which == "p0" else 1.0)
            fo = np.clip(f[ok], 0, 1)
            if end_of is cj:
                add(on[ok], end_of[ok], fo, g, pt[ok])
            else:
                add(end_of[ok], on[ok], g, fo, pt[ok])
    # 2. a line's first / last vertex within tol of another line (a T junction digitised a hair short or long)
    firsts = np.flatnonzero(S["first"])
    lasts = np.flatnonzero(S["last"])
    if alone is not None:
        firsts = firsts[alone[0][S["line"][firsts]]]
        lasts = lasts[alone[1][S["line"][lasts]]]
    ends_seg = np.concatenate([firsts, lasts])
    ends_f = np.concatenate([np.zeros(len(firsts)), np.ones(len(lasts))])
    ends_xy = np.vstack([p0[firsts], p1[lasts]])
    pe, js = box_pairs(np.column_stack([ends_xy - tol, ends_xy + tol]), sb)
    keep = S["line"][ends_seg[pe]] != S["line"][js]
    pe, js = pe[keep], js[keep]
    vec = p1[js] - p0[js]
    f = np.clip(np.einsum("ij,ij->i", ends_xy[pe] - p0[js], vec) / np.einsum("ij,ij->i", vec, vec), 0, 1)
    within = np.hypot(*(ends_xy[pe] - (p0[js] + f[:, None] * vec)).T) <= tol  # as GEOS's dwithin
    pe, js, vec, f = pe[within], js[within], vec[within], f[within]
    add(ends_seg[pe], js, ends_f[pe], f, p0[js] + f[:, None] * vec, near=True)
    out = {k: np.concatenate([rec[k] for rec in rows]) if rows else empty[k] for k in empty}
    inner = (out["ea"] == 0) | (out["eb"] == 0)
    out = {k: v[inner] for k, v in out.items()}
    if len(out["a"]) > 0:
        # one meeting per pair of lines and place (a shared vertex is met by up to four segment pairs)
        key = pd.DataFrame({"a": out["a"], "b": out["b"], "x": np.floor(out["x"] / tol),
                            "y": np.floor(out["y"] / tol)})
        first_of = ~key.duplicated().to_numpy()
        out = {k: v[first_of] for k, v in out.items()}
    out["simple"] = np.bool_(simple)
    return out


def _parallel(den: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Whether segment pairs are parallel: the cross product ``den`` of their directions is within 1e-12 of
    the product ``scale`` of their lengths."""
    return np.abs(den) <= 1e-12 * scale


def _fractions(q: np.ndarray, r: np.ndarray, s: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the lines of segment pairs meet, as fractions ``t`` along the first (start + ``r``) and ``u`` along
    the second (start = first's start + ``q``, direction ``s``); ``den``: the cross product of ``r`` and ``s``
    (inf or nan where it is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (q[:, 0] * s[:, 1] - q[:, 1] * s[:, 0]) / den
        u = (q[:, 0] * r[:, 1] - q[:, 1] * r[:, 0]) / den
    return t, u


def _on_one_line(q: np.ndarray, r: np.ndarray, length: np.ndarray) -> np.ndarray:
    """For parallel segment pairs: whether the second's start (first's start + ``q``) lies on the first's line
    (direction ``r``, ``length`` long), within 1e-9 of its length squared."""
    return np.abs(q[:, 0] * r[:, 1] - q[:, 1] * r[:, 0]) <= 1e-9 * length ** 2 + 1e-12


def _collinear_overlap(p0: np.ndarray, p1: np.ndarray, i: np.ndarray, j: np.ndarray, shared_end: np.ndarray,
                       eps: float) -> np.ndarray:
    """For collinear segment pairs (i, j): whether they meet anywhere but at an end point that both lines end at
    (end to end, going apart from it); apart or touching only there is False."""
    if i.size == 0:
        return np.zeros(0, dtype=bool)
    vec = p1[i] - p0[i]
    vv = np.einsum("ij,ij->i", vec, vec)
    f0 = np.einsum("ij,ij->i", p0[j] - p0[i], vec) / vv
    f1 = np.einsum("ij,ij->i", p1[j] - p0[i], vec) / vv
    lo = np.maximum(np.minimum(f0, f1), 0.0)
    hi = np.minimum(np.maximum(f0, f1), 1.0)
    return (hi >= lo - eps) & ~(shared_end & (hi - lo <= eps))


def _lines_simple(S: dict[str, np.ndarray], i: np.ndarray, j: np.ndarray) -> bool:
    """Whether no line crosses or touches itself, from the pairs ``i < j`` of its own segments whose boxes
    overlap: consecutive segments only at their shared vertex (no fold back along the line), the first and
    last of a closed line only at its end point, and any other two nowhere.  Near-misses within 1e-9 of a
    segment's length count as touching (the caller then lets GEOS decide)."""
    if i.size == 0:
        return True
    p0, p1, eps = S["p0"], S["p1"], 1e-9
    r, s = p1[i] - p0[i], p1[j] - p0[j]
    den = r[:, 0] * s[:, 1] - r[:, 1] * s[:, 0]
    parallel = _parallel(den, S["length"][i] * S["length"][j])
    nxt = (j == i + 1) & (p1[i] == p0[j]).all(axis=1)
    if (nxt & parallel & (np.einsum("ij,ij->i", r, s) < 0)).any():  # folds back over itself
        return False
    closed = S["first"][i] & S["last"][j] & (p0[i] == p1[j]).all(axis=1) & ~parallel
    rest = ~nxt & ~closed
    i, j, r, s, den, parallel = i[rest], j[rest], r[rest], s[rest], den[rest], parallel[rest]
    q = p0[j] - p0[i]
    t, u = _fractions(q, r, s, den)
    if (~parallel & (t >= -eps) & (t <= 1 + eps) & (u >= -eps) & (u <= 1 + eps)).any():
        return False
    col = parallel & _on_one_line(q, r, S["length"][i])
    return not _collinear_overlap(p0, p1, i[col], j[col], np.zeros(int(col.sum()), dtype=bool), eps).any()
