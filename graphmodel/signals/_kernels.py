"""Compiled per-user ranking metrics (numba); :mod:`graphmodel.signals.metrics` has the reference.

Only arrays and scalars go in. One row = one test user; ``cand`` marks the
candidate columns and ``pos`` the held-out purchases among them.
"""

from __future__ import annotations

import numba as nb
import numpy as np

import graphmodel.kernels  # noqa: F401  (sets the OpenMP wait policy before a parallel kernel starts threads)
from graphmodel.kernels.csr import CoCustomers, cocustomer_links


@nb.njit(cache=True)
def _lower(q: np.ndarray, n: int, x: float) -> int:
    """Number of q[:n] strictly below x (q sorted ascending)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if q[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@nb.njit(cache=True)
def _upper(q: np.ndarray, n: int, x: float) -> int:
    """Number of q[:n] at or below x."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if q[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@nb.njit(cache=True, parallel=True)
def rank_metrics_kernel(scores: np.ndarray, cand: np.ndarray, pos: np.ndarray, k: int, out: np.ndarray) -> None:
    """Fill ``out[r] = (auc, recall@k, ndcg@k, n_pos, n_neg)`` for every row ``r``.

    Ties are broken uniformly at random *in expectation*: a positive tied with
    ``e-1`` other candidates below ``g`` strictly better ones occupies each of
    ranks ``g+1 .. g+e`` with probability ``1/e``. AUC counts a tie as 1/2.
    """
    b, c = scores.shape
    cd = np.zeros(k + 1)
    for r in range(1, k + 1):
        cd[r] = cd[r - 1] + 1.0 / np.log2(r + 1.0)
    for row in nb.prange(b):
        npos = 0
        ncand = 0
        for j in range(c):
            if cand[row, j]:
                ncand += 1
                if pos[row, j]:
                    npos += 1
        nneg = ncand - npos
        out[row, 3] = npos
        out[row, 4] = nneg
        if npos == 0:
            out[row, 0] = np.nan
            out[row, 1] = np.nan
            out[row, 2] = np.nan
            continue
        q = np.empty(npos)
        t = 0
        for j in range(c):
            if cand[row, j] and pos[row, j]:
                q[t] = scores[row, j]
                t += 1
        q.sort()
        # diff arrays over sorted positives: candidates strictly greater / equal
        g = np.zeros(npos + 1)
        e = np.zeros(npos + 1)
        gn = np.zeros(npos + 1)  # negatives only
        en = np.zeros(npos + 1)
        for j in range(c):
            if not cand[row, j]:
                continue
            x = scores[row, j]
            jl = _lower(q, npos, x)
            jr = _upper(q, npos, x)
            # x > q[m] for m < jl ; x == q[m] for jl <= m < jr
            g[0] += 1.0
            g[jl] -= 1.0
            e[jl] += 1.0
            e[jr] -= 1.0
            if not pos[row, j]:
                gn[0] += 1.0
                gn[jl] -= 1.0
                en[jl] += 1.0
                en[jr] -= 1.0
        auc = 0.0
        hits = 0.0
        dcg = 0.0
        cg = 0.0
        ce = 0.0
        cgn = 0.0
        cen = 0.0
        for m in range(npos):
            cg += g[m]
            ce += e[m]
            cgn += gn[m]
            cen += en[m]
            if nneg > 0:
                auc += (nneg - cgn - cen) + 0.5 * cen
            top = cg + ce
            if cg < k:
                hi = top if top < k else k
                hits += (hi - cg) / ce
                dcg += (cd[int(hi)] - cd[int(cg)]) / ce
        out[row, 0] = auc / (npos * nneg) if nneg > 0 else np.nan
        kk = npos if npos < k else k
        out[row, 1] = hits / kk
        out[row, 2] = dcg / cd[kk]


@nb.njit(cache=True)
def exposure_kernel(
    n_users: int,
    n_items: int,
    f_ptr: np.ndarray,
    f_item: np.ndarray,
    f_time: np.ndarray,
    s_ptr: np.ndarray,
    s_nbr: np.ndarray,
    cc: CoCustomers,
    use_link: bool,
    window: float,
    t_end: float,
    out: np.ndarray,
) -> None:
    """Per user ``out[u] = (exposures, conversions)`` through one layer.

    ``f_*``: per user, first purchase time of each item (CSR by user).
    ``s_*``: per user, neighbours whose purchases expose them (CSR), used when
    ``use_link`` is False. With ``use_link`` (co-customers), neighbours are
    found through merchants instead: ``cc`` (a :data:`~graphmodel.kernels.csr.CoCustomers`)
    holds a user's merchants with times and a merchant's buyers with times; the link to ``v`` exists from
    ``min over shared merchants of max(t_u, t_v)`` on, and only ``v``'s
    purchases strictly after that count.

    An exposure of ``u`` to item ``i`` is the earliest counted neighbour
    purchase time ``e``, provided ``u`` had not bought ``i`` by ``e`` and the
    window ``(e, e + window]`` ends by ``t_end``; it converts when ``u``'s
    first purchase of ``i`` falls inside the window.
    """
    INF = np.inf
    own = np.full(n_items, INF)
    expo = np.full(n_items, INF)
    link = np.full(n_users, INF)
    touched = np.empty(n_items, np.int64)
    linked = np.empty(n_users, np.int64)
    for u in range(n_users):
        for a in range(f_ptr[u], f_ptr[u + 1]):
            own[f_item[a]] = f_time[a]
        nt = 0
        if use_link:
            nl = cocustomer_links(u, cc, link, linked, INF)
            for c in range(nl):
                v = linked[c]
                lv = link[v]
                for a in range(f_ptr[v], f_ptr[v + 1]):
                    t = f_time[a]
                    if t > lv:
                        i = f_item[a]
                        if expo[i] == INF:
                            touched[nt] = i
                            nt += 1
                        if t < expo[i]:
                            expo[i] = t
                link[v] = INF
        else:
            for c in range(s_ptr[u], s_ptr[u + 1]):
                v = s_nbr[c]
                if v == u:
                    continue
                for a in range(f_ptr[v], f_ptr[v + 1]):
                    i = f_item[a]
                    t = f_time[a]
                    if expo[i] == INF:
                        touched[nt] = i
                        nt += 1
                    if t < expo[i]:
                        expo[i] = t
        ne = 0.0
        nc = 0.0
        for c in range(nt):
            i = touched[c]
            e = expo[i]
            if own[i] > e and e + window <= t_end:
                ne += 1.0
                if own[i] <= e + window:
                    nc += 1.0
            expo[i] = INF
        out[u, 0] = ne
        out[u, 1] = nc
        for a in range(f_ptr[u], f_ptr[u + 1]):
            own[f_item[a]] = INF
