"""The regime diagnostic's parts against independent computations: reverse arcs by brute force, per-layer
probabilities against a per-layer graph, the branching bracket against a dense eigensolver, the sampling
stop rule, thread-count independence and the per-graph cache."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import graphmodel as gm
import graphmodel.propagation.regime as R
from graphmodel.propagation.engine import prepare


def _mixed(n: int = 300, seed: int = 4) -> gm.Ecosystem:
    """Three layers with parallel arcs between layers, reciprocal transfers and duplicate edges."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, 3 * n)
    dst = (src + rng.integers(1, 12, 3 * n)) % n  # local: many triangles and reciprocal pairs
    tsrc = np.concatenate([src[:n], dst[: n // 2], src[:10]])
    tdst = np.concatenate([dst[:n], src[: n // 2], dst[:10]])  # reciprocal pairs and duplicates
    return gm.Ecosystem(
        users={"id": np.arange(n)},
        merchants={"id": np.arange(20)},
        social={"src": src, "dst": dst, "weight": rng.random(3 * n)},
        payment={"src": rng.integers(0, n, 2 * n), "dst": rng.integers(0, 20, 2 * n)},
        transfer={"src": tsrc, "dst": tdst},
        social_directed=False,
    )


def _brute_rev(g) -> tuple[np.ndarray, np.ndarray]:
    """Tails and, per arc, the first arc (arc order) from its head back to its tail in its own layer."""
    lay = g.arc_layers()
    tails = np.repeat(np.arange(g.n), np.diff(g.indptr))
    rev = np.full(g.m, -1)
    for a in range(g.m):
        u, v = tails[a], g.indices[a]
        for b in range(g.indptr[v], g.indptr[v + 1]):
            if g.indices[b] == u and lay[b] == lay[a]:
                rev[a] = b
                break
    return tails, rev


def test_reverse_arcs_match_brute_force() -> None:
    g = prepare(_mixed(), ["social", "payment", "transfer"], None)
    R._ARCS.clear()
    _, want = _brute_rev(g)
    assert (want >= 0).sum() > g.m // 2 and (want == -1).sum() > 0  # both cases occur
    np.testing.assert_array_equal(R._arcs(g), want)


@pytest.mark.parametrize("spec", [None, 0.07, {"social": "exp:2:weight", "payment": 0.2, "transfer": "wc"}])
@pytest.mark.parametrize("model", ["ic", "lt"])
def test_layer_probabilities_on_union_arcs_equal_a_per_layer_graph(spec, model) -> None:
    eco = _mixed()
    use = ["social", "payment", "transfer"]
    base = prepare(eco, use, R._restrict(spec, use), model=model)
    lay = base.arc_layers()
    for lid, name in enumerate(base.layers):
        full = R._set_probabilities(eco, eco.csr(use), base, name, spec, model=model)
        alone = prepare(eco, [name], R._restrict(spec, [name]), model=model)
        # the per-layer graph's arcs are the union's arcs of that layer, in the same order
        np.testing.assert_array_equal(base.indices[lay == lid], alone.indices)
        np.testing.assert_allclose(full[lay == lid], alone.prob, rtol=1e-12, atol=0)  # the kernels read no other


def _dense_radius(g, p: np.ndarray, layers: set[int]) -> float:
    """Spectral radius of the non-backtracking matrix of the set's arcs, built densely and solved by LAPACK."""
    tails, rev = _brute_rev(g)
    lay = g.arc_layers()
    arcs = np.flatnonzero(np.isin(lay, list(layers)))
    pos = {a: i for i, a in enumerate(arcs)}
    B = np.zeros((arcs.size, arcs.size))
    for a in arcs:
        v = g.indices[a]
        for b in range(g.indptr[v], g.indptr[v + 1]):
            if b in pos and b != rev[a]:
                B[pos[a], pos[b]] = p[b]
    return float(np.max(np.abs(np.linalg.eigvals(B)))) if arcs.size else 0.0


@pytest.mark.parametrize("scale", [0.3, 1.0, 3.0])
def test_branching_bracket_contains_the_exact_radius(scale: float) -> None:
    """Collatz-Wielandt bounds hold at every stop; a stop on 'the bracket excludes 1' is on the true side."""
    eco = _mixed(n=70)
    use = ["social", "payment", "transfer"]
    base = prepare(eco, use, None)
    R._ARCS.clear()
    w = R._Work(base, R._arcs(base))
    lay_sets = {name: {i} for i, name in enumerate(base.layers)} | {"union": {0, 1, 2}}
    for name, ls in lay_sets.items():
        p = base.prob if name == "union" else R._set_probabilities(eco, eco.csr(use), base, name, None, model="ic")
        p = np.minimum(p * scale, 1.0)
        exact = _dense_radius(base, p, ls)
        lmask = np.array([i in ls for i in range(len(base.layers))])
        for iters in (1, 3, 10, 200):
            est, lo, hi, it = R._branching(w, p, lmask, iters=iters)
            assert lo - 1e-9 <= exact <= hi + 1e-9, (name, iters, lo, exact, hi)
            assert lo <= est <= hi
            if it < iters and (hi < 1 or lo > 1):
                assert (exact < 1) == (hi < 1)


def test_branching_estimate_on_a_graph_with_known_radius() -> None:
    """A directed ring with chords: every node has out-degree 2 and in-degree 2, no reciprocal arcs, so with
    probability p on every arc the non-backtracking radius is exactly 2p (row sums all 2p)."""
    n = 400
    src = np.concatenate([np.arange(n), np.arange(n)])
    dst = np.concatenate([(np.arange(n) + 1) % n, (np.arange(n) + 7) % n])
    eco = gm.Ecosystem(users={"id": np.arange(n)}, social={"src": src, "dst": dst}, social_directed=True)
    for p in (0.3, 0.45, 0.6):
        r = R.regime(eco, prob=p, seed=1).layers["social"]
        lo, hi = r.branching_bounds
        assert lo - 1e-9 <= 2 * p <= hi + 1e-9  # proved up to rounding
        assert abs(r.branching - 2 * p) <= R.BRANCHING_TOL * max(1.0, 2 * p)


def test_sampling_stops_once_the_giant_share_is_decided() -> None:
    """Far from the threshold two samples decide; the CI that stopped them lies on one side of it."""
    from graphmodel.estimate import estimate

    rng = np.random.default_rng(7)
    n, d = 4000, 4.0
    src = rng.integers(0, n, int(n * d))
    dst = (src + rng.integers(1, n, int(n * d))) % n
    eco = gm.Ecosystem(users={"id": np.arange(n)}, social={"src": src, "dst": dst}, social_directed=True)
    for pd in (0.5, 2.0):
        full = R.regime(eco, prob=pd / d, seed=3, samples=2)
        early = R.regime(eco, prob=pd / d, seed=3, samples=6)
        assert early.layers["social"].samples == R.MIN_SAMPLES
        # the same first samples: the stopped result is the 2-sample one
        assert early.layers["social"].giant_scc == full.layers["social"].giant_scc
    # near the threshold (p * d = 1) the giant share varies: sampling continues up to `samples` or decision
    near = R.regime(eco, prob=1.0 / d, seed=3, samples=5).layers["social"]
    assert R.MIN_SAMPLES <= near.samples <= 5
    assert estimate([near.giant_scc]).n == 1


def test_same_numbers_whatever_the_thread_count() -> None:
    eco = gm.generate(preset="balanced", users=3000, seed=2)
    old = numba.get_num_threads()
    try:
        out = []
        for t in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(t)
            R._ARCS.clear()
            out.append(R.regime(eco, seed=np.random.SeedSequence(5)).to_dict())  # not cached: not an int seed
    finally:
        numba.set_num_threads(old)
    assert all(o == out[0] for o in out)


def test_regime_is_measured_once_per_graph_and_transmission() -> None:
    eco = gm.generate(preset="balanced", users=3000, seed=3)
    a = gm.simulate(eco, runs=20, seed=1)
    b = gm.simulate(eco, runs=20, seed=2)
    assert a.regime is b.regime  # same graph and spec: the cached result
    c = gm.simulate(eco, runs=20, seed=1, prob=0.02)
    assert c.regime is not a.regime and c.regime.to_dict() != a.regime.to_dict()
    assert R.regime(eco, seed=9) is R.regime(eco, seed=9)
    assert R.regime(eco, seed=9) is not R.regime(eco, seed=10)


def test_refuses_with_a_line_when_the_machine_lacks_the_memory(monkeypatch):
    """The check predicts its scratch (BYTES_PER_ARC per arc) and says so instead of being killed."""
    eco = _mixed()
    m = eco.csr(["social", "payment", "transfer"]).m
    monkeypatch.setattr(R, "available_memory", lambda: R.BYTES_PER_ARC * m - 1)
    reg = R.regime(eco, prob="wc", seed=1)
    assert reg.layers == {} and reg.skipped is not None
    assert f"{m:,} arcs" in reg.skipped and reg.warnings() == [reg.skipped]
    assert reg.to_dict()["_skipped"] == reg.skipped
    monkeypatch.setattr(R, "available_memory", lambda: R.BYTES_PER_ARC * m)
    measured = R.regime(eco, prob="wc", seed=1)
    assert measured.skipped is None and set(measured.layers) == {"social", "payment", "transfer", R.UNION}
