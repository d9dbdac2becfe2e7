"""The synthetic ecosystem generator measures what its parameters say.

Tolerances: a share ``s`` measured over ``n`` independent trials has standard
error ``sqrt(s (1 - s) / n)``; checks allow 4 standard errors (two-sided
probability of a false failure ~6e-5) unless stated otherwise. Seeds are fixed,
so the tests are deterministic; the tolerances say why the fixed outcome is
not luck. Sizes are 10k-20k users so the whole file runs in a few seconds.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import igraph as ig
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphmodel as gm
from graphmodel.cli.main import main as cli_main
from graphmodel.errors import InputError
from graphmodel.generator import PARAMETERS, make_params, parameter_table, presets
from graphmodel.generator.transfers import KINDS

N = 10_000


@pytest.fixture(scope="module")
def eco() -> gm.Ecosystem:
    return gm.generate(preset="balanced", users=N, seed=3)


def _se(share: float, n: int) -> float:
    return math.sqrt(max(share * (1 - share), 1e-12) / n)


def _shuffled_share(labels: np.ndarray) -> float:
    """Expected share of ties joining equal labels if labels were shuffled: sum of squared label frequencies."""
    _, counts = np.unique(labels, return_counts=True)
    f = counts / counts.sum()
    return float((f * f).sum())


# -- presets and parameters --------------------------------------------------------


def test_presets_have_rationale_and_valid_overrides() -> None:
    all_ = presets()
    assert list(all_) == ["balanced", "payment-first", "social-first"]
    for p in all_.values():
        assert len(p.rationale) > 40
        p.params()  # validates
    pay, soc = all_["payment-first"].params(), all_["social-first"].params()
    assert pay.payments_per_user > soc.payments_per_user and pay.offline_share > soc.offline_share
    assert soc.mean_degree > pay.mean_degree and soc.transfers_per_user > pay.transfers_per_user
    assert soc.red_envelope_share > pay.red_envelope_share


def test_parameter_table_lists_every_parameter() -> None:
    table = parameter_table()
    assert [r["name"] for r in table] == list(PARAMETERS)
    for r in table:
        assert r["meaning"] and r["range"] and set(r["values"]) == set(presets())


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"users": -5}, "users"),
        ({"users": 0}, "users"),
        ({"merchants": -1}, "merchants"),
        ({"offline_share": 1.5}, "offline_share"),
        ({"interest_purchase_coupling": -0.1}, "interest_purchase_coupling"),
        ({"transfer_social_share": float("nan")}, "transfer_social_share"),
        ({"mean_degree": "lots"}, "mean_degree"),
        ({"users": 2.5}, "users"),
        ({"degree_exponent": 2.0}, "degree_exponent"),
        ({"no_such_thing": 1}, "no_such_thing"),
        ({"red_envelope_share": 0.8, "bill_split_share": 0.5}, "red_envelope_share+bill_split_share"),
        ({"preset": "wechat"}, "preset"),
    ],
)
def test_bad_parameters_name_the_parameter(kwargs: dict, field: str) -> None:
    with pytest.raises(InputError) as err:
        gm.generate(**kwargs)
    assert err.value.field == field
    assert f"'{field}'" in str(err.value)


def test_unknown_parameter_lists_the_valid_ones() -> None:
    with pytest.raises(InputError, match="valid parameters: users, merchants"):
        make_params({"offline_shar": 0.3})


def test_string_values_are_parsed() -> None:
    assert make_params({"users": "500", "offline_share": "0.25"}).offline_share == 0.25


@settings(max_examples=20, deadline=None)
@given(
    users=st.integers(1, 300),
    merchants=st.integers(0, 40),
    n_cities=st.integers(1, 80),
    offline_share=st.floats(0, 1),
    mean_degree=st.floats(0, 20),
    coupling=st.floats(0, 1),
    transfers=st.floats(0, 5),
    seed=st.integers(0, 2**32),
)
def test_any_valid_parameters_give_a_consistent_ecosystem(
    users, merchants, n_cities, offline_share, mean_degree, coupling, transfers, seed
) -> None:
    eco = gm.generate(
        users=users,
        merchants=merchants,
        n_cities=n_cities,
        offline_share=offline_share,
        mean_degree=mean_degree,
        interest_purchase_coupling=coupling,
        transfers_per_user=transfers,
        seed=seed,
    )
    u, m, p = eco.nodes("user"), eco.nodes("merchant"), eco.edges("payment")
    assert eco.n_users == users and eco.n_merchants == (merchants or max(1, users // 20))
    off = p["channel"] == "offline"
    assert np.all(u["city"][p["src"][off]] == m["city"][p["dst"][off]])
    assert (eco.edges("social")["src"] != eco.edges("social")["dst"]).all()
    assert (eco.edges("transfer")["src"] != eco.edges("transfer")["dst"]).all()


# -- tables and metadata -------------------------------------------------------------


def test_tables_and_meta(eco: gm.Ecosystem) -> None:
    u, m = eco.nodes("user"), eco.nodes("merchant")
    assert eco.n_users == N and eco.n_merchants == N // 20
    assert set(u.columns) >= {"city", "community", "purchasing_power", "activity", "top_interest", "interest_strength"}
    assert set(m.columns) >= {"category", "price_level", "channel", "city", "popularity"}
    assert (u["purchasing_power"] > 0).all() and (m["price_level"] > 0).all()
    off = m["channel"] == "offline"
    assert set(m["channel"]) <= {"online", "offline"}
    assert (m["city"][off] != "").all() and (m["city"][~off] == "").all()
    p = eco.edges("payment")
    assert (p["count"] >= 1).all() and (p["amount"] >= 0).all()
    assert (p["channel"] == m["channel"][p["dst"]]).all()
    key = p["src"] * eco.n_merchants + p["dst"]
    assert len(np.unique(key)) == len(key)  # repeated choices merged
    s = eco.edges("social")
    assert not eco.is_directed("social") and (s["src"] != s["dst"]).all() and (s["weight"] > 0).all()
    lo, hi = np.minimum(s["src"], s["dst"]), np.maximum(s["src"], s["dst"])
    assert len(np.unique(lo * N + hi)) == len(s)  # no duplicate ties
    t = eco.edges("transfer")
    assert set(t["kind"]) <= set(KINDS) and (t["count"] >= 1).all() and (t["src"] != t["dst"]).all()
    meta = eco.meta
    assert meta["generator"] == "graphmodel.generator" and meta["preset"] == "balanced" and meta["seed"] == 3
    assert set(meta["params"]) == set(PARAMETERS) and meta["params"]["merchants"] == N // 20


# -- reproducibility ------------------------------------------------------------------


def _digest(path: Path) -> dict[str, str]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return {str(f.relative_to(path.parent)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


@pytest.mark.parametrize("suffix", [".npz", ""])
def test_same_seed_same_bytes(tmp_path: Path, suffix: str) -> None:
    a = gm.generate(preset="social-first", users=2000, seed=11)
    b = gm.generate(preset="social-first", users=2000, seed=11)
    assert a.equals(b)
    gm.write(a, tmp_path / f"a{suffix}")
    gm.write(b, tmp_path / f"b{suffix}")
    da = {k.replace("a", "x", 1): v for k, v in _digest(tmp_path / f"a{suffix}").items()}
    db = {k.replace("b", "x", 1): v for k, v in _digest(tmp_path / f"b{suffix}").items()}
    assert da == db


def test_different_seeds_differ() -> None:
    a = gm.generate(users=2000, seed=1)
    b = gm.generate(users=2000, seed=2)
    assert not a.equals(b, meta=False)
    for layer in gm.LAYERS:
        assert not a.edges(layer).equals(b.edges(layer))


def test_parts_have_independent_streams() -> None:
    a = gm.generate(users=3000, seed=5)
    b = gm.generate(users=3000, seed=5, transfers_per_user=3.0, red_envelope_share=0.6)
    assert a.nodes("user").equals(b.nodes("user")) and a.nodes("merchant").equals(b.nodes("merchant"))
    assert a.edges("social").equals(b.edges("social")) and a.edges("payment").equals(b.edges("payment"))
    assert not a.edges("transfer").equals(b.edges("transfer"))
    c = gm.generate(users=3000, seed=5, interest_purchase_coupling=0.9)
    assert a.edges("social").equals(c.edges("social")) and not a.edges("payment").equals(c.edges("payment"))


# -- the social layer -----------------------------------------------------------------


def _degrees(eco: gm.Ecosystem) -> np.ndarray:
    s = eco.edges("social")
    return np.bincount(np.concatenate([s["src"], s["dst"]]), minlength=eco.n_users)


def test_mean_degree_close_to_target(eco: gm.Ecosystem) -> None:
    # The number of ties is Poisson(N * mean_degree / 2) = Poisson(40 000): SE 0.5% of the mean
    # degree; duplicates are drawn again until the shortfall is under 1%, so allow 3%.
    assert abs(_degrees(eco).mean() - 8.0) <= 0.03 * 8.0


def test_degree_tail_heavier_than_poisson(eco: gm.Ecosystem) -> None:
    deg = _degrees(eco)
    mean = deg.mean()
    # A Poisson(8) degree reaches 5x its mean (40) with probability < 1e-13 per node, so
    # max >= 5 * mean is impossible for N = 1e4 Poisson degrees.
    assert deg.max() >= 5 * mean
    # Hill estimate of the tail exponent gamma over the top 2% of degrees: degree_exponent is 2.5;
    # duplicates, community sizes and closure bend the tail, so only require a power-law range.
    top = np.sort(deg)[-int(0.02 * len(deg)) :]
    alpha = 1.0 / np.mean(np.log(top / top[0]))
    assert 1.5 <= 1.0 + alpha <= 4.0


def test_clustering_far_above_erdos_renyi(eco: gm.Ecosystem) -> None:
    s = eco.edges("social")
    g = ig.Graph(n=N, edges=np.column_stack([s["src"], s["dst"]]))
    density = 2 * len(s) / (N * (N - 1))
    # An Erdos-Renyi graph of the same density has transitivity ~ density (8e-4) with a
    # standard deviation far below it; 30x that is an order of magnitude clear of chance.
    assert g.transitivity_undirected() >= 30 * density
    zero = gm.generate(users=N, seed=3, triadic_closure=0.0)
    s0 = zero.edges("social")
    g0 = ig.Graph(n=N, edges=np.column_stack([s0["src"], s0["dst"]]))
    assert g.transitivity_undirected() > g0.transitivity_undirected()  # closure adds triangles


@pytest.mark.parametrize("column", ["city", "top_interest", "community"])
def test_homophily_against_shuffled_baseline(eco: gm.Ecosystem, column: str) -> None:
    s, x = eco.edges("social"), eco.nodes("user")[column]
    same = float(np.mean(x[s["src"]] == x[s["dst"]]))
    base = _shuffled_share(x)
    assert same >= base + 4 * _se(base, len(s))
    if column == "city":
        # at least the intra-community and same-city ties (1 - inter_city_share = 95%) minus what
        # closure across cities loses; 0.8 leaves room for that
        assert same >= 0.8


def test_no_interest_homophily_without_community_profiles() -> None:
    eco = gm.generate(users=N, seed=4, interest_homophily=0.0)
    s, x = eco.edges("social"), eco.nodes("user")["top_interest"]
    same = float(np.mean(x[s["src"]] == x[s["dst"]]))
    base = _shuffled_share(x)
    # ties sharing users are not independent (a hub's ties share its label); allow 6 SE
    assert abs(same - base) <= 6 * _se(base, len(s))


# -- merchants and payments -----------------------------------------------------------


def test_offline_share_and_same_city_payments() -> None:
    eco = gm.generate(preset="payment-first", users=N, merchants=2000, seed=6)
    m, u, p = eco.nodes("merchant"), eco.nodes("user"), eco.edges("payment")
    off_m = float(np.mean(m["channel"] == "offline"))
    assert abs(off_m - 0.75) <= 4 * _se(0.75, len(m))
    off = p["channel"] == "offline"
    assert off.any()
    assert np.all(u["city"][p["src"][off]] == m["city"][p["dst"][off]])  # exactly 1: locality is a hard rule


def _top_interest_share(eco: gm.Ecosystem) -> tuple[float, int]:
    u, m, p = eco.nodes("user"), eco.nodes("merchant"), eco.edges("payment")
    hit = u["top_interest"][p["src"]] == m["category"][p["dst"]]
    return float(np.mean(hit)), len(p)


def test_interest_drives_purchases_with_coupling() -> None:
    shares = []
    for c in (0.0, 0.5, 1.0):
        share, n = _top_interest_share(gm.generate(users=N, seed=8, interest_purchase_coupling=c))
        shares.append((share, n))
    for (a, na), (b, nb) in zip(shares, shares[1:]):
        assert b - a >= 4 * math.hypot(_se(a, na), _se(b, nb))


def test_interest_without_purchasing_power_buys_nothing() -> None:
    # The article's mahogany furniture: even when purchases follow interest fully (coupling 1),
    # fans of furniture (base price 1500, 15x the median purchasing power) spend few of their
    # payments on it, unlike fans of convenience stores (base price 8), and those who do buy it
    # are richer than the other fans.
    eco = gm.generate(users=20_000, seed=9, interest_purchase_coupling=1.0)
    u, m, p = eco.nodes("user"), eco.nodes("merchant"), eco.edges("payment")
    cat = m["category"][p["dst"]]

    def fans_share(c: str) -> tuple[float, np.ndarray, np.ndarray]:
        fans = u["top_interest"] == c
        of_fans = fans[p["src"]]
        return float(np.mean(cat[of_fans] == c)), np.flatnonzero(fans), np.unique(p["src"][of_fans & (cat == c)])

    conv, _, _ = fans_share("convenience")
    furn, fans, buyers = fans_share("furniture")
    assert len(fans) > 1000 and len(buyers) > 50
    # measured ~0.8 vs ~0.05, each a share over thousands of payments (SE < 0.01)
    assert furn <= conv / 5
    # median purchasing power of 50+ log-normal (sigma 1) buyers has a log-SE <= 0.18; measured
    # ratio ~2, so 1.5 is more than 2 SE below it and far above 1 (no selection by wealth)
    assert np.median(u["purchasing_power"][buyers]) >= 1.5 * np.median(u["purchasing_power"][fans])


def test_amount_is_count_times_price(eco: gm.Ecosystem) -> None:
    m, p = eco.nodes("merchant"), eco.edges("payment")
    ratio = p["amount"] / (p["count"] * m["price_level"][p["dst"]])
    # per-payment noise is log-normal with mean 1 and sigma 0.3: the median ratio is exp(-0.045) ~ 0.96
    assert 0.85 <= np.median(ratio) <= 1.05


# -- transfers ------------------------------------------------------------------------


def test_transfers_follow_social_ties(eco: gm.Ecosystem) -> None:
    s, t = eco.edges("social"), eco.edges("transfer")
    ties = set(zip(np.minimum(s["src"], s["dst"]).tolist(), np.maximum(s["src"], s["dst"]).tolist()))
    along = float(np.mean([(min(a, b), max(a, b)) in ties for a, b in zip(t["src"].tolist(), t["dst"].tolist())]))
    # 85% are drawn along a tie (merging repeats removes a few of them), the others rarely hit one
    assert along >= 0.85 - 0.03 - 4 * _se(0.85, len(t))
    red = t["kind"] == "red_envelope"
    per = t["amount"] / t["count"]
    assert np.median(per[red]) < np.median(per[~red]) / 3  # medians 8 vs 60


# -- command line -------------------------------------------------------------------


def test_cli_generate_and_presets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "eco.npz"
    rc = cli_main(
        [
            "generate",
            "--preset",
            "payment-first",
            "--users",
            "800",
            "--merchants",
            "40",
            "--seed",
            "7",
            "--set",
            "offline_share=0.6",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    back = gm.read(out)
    assert back.n_users == 800 and back.n_merchants == 40 and back.meta["params"]["offline_share"] == 0.6
    assert back.equals(
        gm.generate(preset="payment-first", users=800, merchants=40, seed=7, offline_share=0.6), meta=False
    )
    assert cli_main(["presets"]) == 0
    text = capsys.readouterr().out
    for name in list(PARAMETERS) + list(presets()):
        assert name in text
    assert cli_main(["generate", "--set", "offline_share=2", "--out", str(tmp_path / "x.npz")]) == 2
    assert "'offline_share'" in capsys.readouterr().err
    assert cli_main(["generate", "--set", "bogus", "--out", str(tmp_path / "x.npz")]) == 2
    assert not (tmp_path / "x.npz").exists()
