"""Across-layer measures against direct formulas (Python sets and loops) on small graphs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

import graphmodel as gm


def _eco(seed=0, n=30, m=8, cities=True, channel=True):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n, size=(90, 2))
    t = np.vstack([s[:25], rng.integers(0, n, size=(30, 2))])  # transfers partly along social ties
    users = {"id": np.arange(n)}
    merchants = {"id": np.arange(m)}
    if cities:
        users["city"] = rng.choice(["a", "b", ""], size=n)
        merchants["city"] = rng.choice(["a", "b"], size=m)
    if channel:
        merchants["channel"] = rng.choice(["online", "offline"], size=m)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gm.Ecosystem(
            users=users,
            merchants=merchants,
            social={"src": s[:, 0], "dst": s[:, 1]},
            payment={"src": rng.integers(0, n, 70), "dst": rng.integers(0, m, 70), "count": rng.integers(1, 5, 70)},
            transfer={"src": t[:, 0], "dst": t[:, 1]},
        )


def _neigh(eco, layer):
    t = eco.edges(layer)
    out = {u: set() for u in range(eco.n_users)}
    for a, b in zip(t["src"].tolist(), t["dst"].tolist()):
        if layer == "payment":
            out[a].add(("m", b))
        elif a != b:
            out[a].add(b)
            out[b].add(a)
    return out


def test_overlap_jaccard_participation_combinations():
    eco = _eco()
    mx = gm.stats(eco).multiplex
    ns, nt, npay = _neigh(eco, "social"), _neigh(eco, "transfer"), _neigh(eco, "payment")
    S = {frozenset((a, b)) for a in ns for b in ns[a]}
    T = {frozenset((a, b)) for a in nt for b in nt[a]}
    ov = mx["edge_overlap"]["social_transfer"]
    assert ov["common_pairs"] == len(S & T)
    assert ov["jaccard"] == pytest.approx(len(S & T) / len(S | T))
    assert ov["share_of_transfer"] == pytest.approx(len(S & T) / len(T))
    both = [u for u in ns if ns[u] and nt[u]]
    jac = [len(ns[u] & nt[u]) / len(ns[u] | nt[u]) for u in both]
    assert mx["neighbour_jaccard"]["social_transfer"]["mean"] == pytest.approx(np.mean(jac))
    assert mx["neighbour_jaccard"]["social_transfer"]["users"] == len(both)
    # Battiston et al. 2014, by the formula, user by user
    ps = []
    for u in range(eco.n_users):
        k = [len(ns[u]), len(npay[u]), len(nt[u])]
        o = sum(k)
        if o:
            ps.append(3 / 2 * (1 - sum((x / o) ** 2 for x in k)))
    assert mx["participation"]["mean"] == pytest.approx(np.mean(ps))
    assert mx["participation"]["users"] == len(ps)
    ds = [len(ns[u]) for u in range(eco.n_users)]
    dp = [len(npay[u]) for u in range(eco.n_users)]
    assert mx["degree_correlation"]["social~payment"] == pytest.approx(spearmanr(ds, dp).statistic)
    assert sum(mx["layer_combinations"].values()) == pytest.approx(1.0)
    active_all = sum(1 for u in range(eco.n_users) if ns[u] and nt[u] and npay[u]) / eco.n_users
    assert mx["layer_combinations"]["social+payment+transfer"] == pytest.approx(active_all)


def test_merchant_offline_and_same_city():
    eco = _eco(seed=4)
    mx = gm.stats(eco).multiplex
    p, users, merchants = eco.edges("payment"), eco.nodes("user"), eco.nodes("merchant")
    reach = [len({u for u, mm in zip(p["src"], p["dst"]) if mm == m}) for m in range(eco.n_merchants)]
    assert mx["merchant_reach"]["mean"] == pytest.approx(np.mean(reach))
    off = tot = same = offk = 0
    for u, m, c in zip(p["src"], p["dst"], p["count"]):
        tot += c
        if merchants["channel"][m] == "offline":
            off += c
            if users["city"][u] != "":
                offk += c
                same += c * (users["city"][u] == merchants["city"][m])
    assert mx["offline_share"] == pytest.approx(off / tot)
    assert mx["same_city_share"] == pytest.approx(same / offk)


def test_tiny_eco_by_hand(tiny_eco):
    mx = gm.stats(tiny_eco).multiplex
    assert mx["offline_share"] == pytest.approx(4 / 6)  # ann 3 + cy 1 at offline m1, bob 2 online
    assert mx["same_city_share"] == 1.0  # ann and cy live in qd like m1


def test_missing_attributes_give_none_with_reason():
    r = gm.stats(_eco(cities=False, channel=False))
    assert r.multiplex["offline_share"] is None and r.multiplex["same_city_share"] is None
    assert "channel" in r.notes["multiplex.offline_share"]
    r = gm.stats(_eco(cities=False))
    assert r.multiplex["offline_share"] is not None and r.multiplex["same_city_share"] is None
    assert "city" in r.notes["multiplex.same_city_share"]
    r = gm.stats(_eco(), layers="social,payment")
    assert r.multiplex["edge_overlap"] is None and "transfer" in r.notes["multiplex.edge_overlap"]
    r = gm.stats(_eco(), layers="social")
    assert r.multiplex["participation"] is None and r.multiplex["merchant_reach"] is None
