"""Generate the documentation's figures into docs/img/ (PNG), from the library itself.

    python docs/make_figures.py            # the three figures (under a minute on two cores)
    python docs/make_figures.py --quick    # smaller sweep, for a check (seconds)

* ``layers.png``: the three layers of a small generated ecosystem drawn side by side on the same
  node positions (users as dots, merchants as squares), so that one sees what each layer links.
* ``winner_map.png``: ``gm.compare`` with a sweep over the social and payment transmission
  probabilities on a 2,000-user payment-first ecosystem, drawn by
  ``graphmodel.experiments.report.save_figure`` (the figure ``graphmodel compare --sweep --plot``
  writes).
* ``cascade.png``: one independent-cascade run (``graphmodel.propagation.engine.trace``) over the social
  and payment layers of the same small ecosystem, from one user seed: the first run, in seed order,
  whose cascade passes through a merchant and stays small enough to read.
* ``calibration.png``: ``gm.fit`` on a generated timeline (known truth), tested on the purchases
  after 2020-10-01: predicted against observed first purchases by decile of the prediction, for the
  fitted parameters and for the default ones (``FitResult.validation["calibration"]``).

Needs the ``plots`` extra (matplotlib). Same arguments, same figures: every random step takes a seed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import graphmodel as gm

OUT = Path(__file__).resolve().parent / "img"
LAYER_COLOURS = {"social": "#1f77b4", "payment": "#d62728", "transfer": "#2ca02c"}


def _small(seed: int):
    return gm.generate(
        preset="balanced",
        users=60,
        merchants=6,
        seed=seed,
        n_cities=2,
        community_size=15,
        payments_per_user=1.5,
        transfers_per_user=0.6,
    )


def _layout(eco, seed: int):
    """Node positions (users, then merchants) and the edge pairs of each layer."""
    import networkx as nx

    n_users = eco.n_users
    g = nx.Graph()
    g.add_nodes_from(range(n_users + eco.n_merchants))
    pairs = {}
    for layer in ("social", "payment", "transfer"):
        e = eco.edges(layer)
        src, dst = np.asarray(e["src"]), np.asarray(e["dst"])
        if layer == "payment":
            dst = dst + n_users
        pairs[layer] = list(zip(src.tolist(), dst.tolist()))
        g.add_edges_from(pairs[layer])
    return g, nx.spring_layout(g, seed=seed, k=0.35), pairs


def cascade_figure(path: Path, *, seed: int = 3) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    from graphmodel.propagation import engine

    eco = _small(seed)
    g, pos, pairs = _layout(eco, seed)
    n_users, n = eco.n_users, eco.n_users + eco.n_merchants
    prob = {"social": 0.12, "payment": 0.35}
    pg = engine.prepare(eco, ["social", "payment"], prob)
    key = engine.base_key(1)
    chosen = None
    for user in range(n_users):
        for run in range(50):
            step, layer = engine.trace(pg, np.array([user]), key=key, run=run)
            reached = int((step >= 0).sum())
            if (step[n_users:] >= 0).any() and (layer[:n_users] == 1).sum() >= 3 and reached <= 25:
                chosen = (user, run, step, layer)
                break
        if chosen:
            break
    assert chosen is not None, "no small cascade through a merchant in this ecosystem"
    user, run, step, layer = chosen
    on = step >= 0
    fig, ax = plt.subplots(figsize=(7, 5.5), layout="constrained")
    nx.draw_networkx_edges(g, pos, edgelist=pairs["social"], ax=ax, edge_color="#1f77b4", alpha=0.12)
    nx.draw_networkx_edges(g, pos, edgelist=pairs["payment"], ax=ax, edge_color="#d62728", alpha=0.12)
    live_s = [(a, b) for a, b in pairs["social"] if on[a] and on[b]]
    live_p = [(a, b) for a, b in pairs["payment"] if on[a] and on[b]]
    nx.draw_networkx_edges(g, pos, edgelist=live_s, ax=ax, edge_color="#1f77b4", width=1.6)
    nx.draw_networkx_edges(g, pos, edgelist=live_p, ax=ax, edge_color="#d62728", width=1.6)
    users = np.arange(n_users)
    merchants = np.arange(n_users, n)
    nx.draw_networkx_nodes(g, pos, nodelist=users[~on[:n_users]].tolist(), ax=ax, node_size=16, node_color="#cccccc")
    nx.draw_networkx_nodes(
        g,
        pos,
        nodelist=merchants[~on[n_users:]].tolist(),
        ax=ax,
        node_size=60,
        node_shape="s",
        node_color="#eeeeee",
        edgecolors="#999999",
    )
    edge_of = {0: "#1f77b4", 1: "#d62728", 2: "black"}  # reached through social, payment; the seed
    for _kind, nodes, shape, size in (
        ("user", users[on[:n_users]], "o", 60),
        ("merchant", merchants[on[n_users:]], "s", 110),
    ):
        nx.draw_networkx_nodes(
            g,
            pos,
            nodelist=nodes.tolist(),
            ax=ax,
            node_size=size,
            node_shape=shape,
            node_color=[step[v] for v in nodes],
            cmap="viridis",
            vmin=0,
            vmax=int(step.max()),
            edgecolors=[edge_of[int(layer[v])] for v in nodes],
            linewidths=1.8,
        )
    nx.draw_networkx_labels(
        g,
        pos,
        labels={v: str(int(step[v])) for v in np.flatnonzero(on)},
        ax=ax,
        font_size=6,
        font_color="white",
        font_weight="bold",
    )
    ax.set_title(
        f"One cascade from user {user} (run {run}; per arc: social {prob['social']}, payment {prob['payment']})\n"
        f"{int(on[:n_users].sum())} users and {int(on[n_users:].sum())} merchant(s) reached; number and colour = step\n"
        "outline = the layer that reached the node: blue social, red payment (through a merchant), black seed\n"
        "dark edges: edges between reached nodes",
        fontsize=8,
    )
    ax.set_axis_off()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def layers_figure(path: Path, *, seed: int = 3) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx

    eco = _small(seed)
    n_users = eco.n_users
    n_nodes = n_users + eco.n_merchants
    g = nx.Graph()
    g.add_nodes_from(range(n_nodes))
    pairs = {}
    for layer in ("social", "payment", "transfer"):
        e = eco.edges(layer)
        src, dst = np.asarray(e["src"]), np.asarray(e["dst"])
        if layer == "payment":
            dst = dst + n_users  # merchants after users
        pairs[layer] = list(zip(src.tolist(), dst.tolist()))
        g.add_edges_from(pairs[layer])
    pos = nx.spring_layout(g, seed=seed, k=0.35)
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), layout="constrained")
    users = list(range(n_users))
    merchants = list(range(n_users, n_nodes))
    for ax, layer in zip(axes, ("social", "payment", "transfer")):
        nx.draw_networkx_edges(
            g, pos, edgelist=pairs[layer], ax=ax, edge_color=LAYER_COLOURS[layer], width=1.0, alpha=0.7
        )
        nx.draw_networkx_nodes(g, pos, nodelist=users, ax=ax, node_size=18, node_color="#444444")
        nx.draw_networkx_nodes(
            g,
            pos,
            nodelist=merchants,
            ax=ax,
            node_size=70,
            node_shape="s",
            node_color="#ff9900",
            edgecolors="black",
            linewidths=0.5,
        )
        ax.set_title(f"{layer} ({len(pairs[layer])} edges)", fontsize=10)
        ax.set_axis_off()
    fig.suptitle(
        f"One ecosystem, three layers: {n_users} users (dots), {eco.n_merchants} merchants (squares); "
        f"preset 'balanced', seed {seed}",
        fontsize=10,
    )
    fig.savefig(path, dpi=100)
    plt.close(fig)


def winner_map(path: Path, *, quick: bool) -> None:
    from graphmodel.experiments.report import save_figure

    eco = gm.generate(preset="payment-first", users=2000, merchants=100, seed=7)
    n = 3 if quick else 5
    res = gm.compare(
        eco,
        runs=200,
        seed=1,
        breakeven=False,
        sweep=[f"social=0.02:0.3:{n}", f"payment=0.02:0.3:{n}"],
        sweep_runs=100 if quick else 200,
    )
    save_figure(res, path)


def calibration_figure(path: Path, *, quick: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    users = 5000 if quick else 20000
    eco = gm.generate(preset="balanced", users=users, seed=3, timeline=True)
    r = gm.fit(eco, level="category", window=30, test_from="2020-10-01", bootstrap=50, seed=1)
    v = r.validation
    fig, ax = plt.subplots(figsize=(5, 4.6), layout="constrained")
    for key, label, marker in (("calibration", "fitted", "o"), ("calibration_default", "default parameters", "s")):
        pred = [c["predicted"] for c in v[key]]
        obs = [c["observed"] for c in v[key]]
        ax.loglog(pred, obs, marker=marker, linestyle="-", label=label)
    lo = min(min(c["predicted"], c["observed"]) for k in ("calibration", "calibration_default") for c in v[k])
    hi = max(max(c["predicted"], c["observed"]) for k in ("calibration", "calibration_default") for c in v[k])
    ax.plot([lo, hi], [lo, hi], color="grey", linewidth=0.8, linestyle="--", label="predicted = observed")
    from matplotlib.ticker import NullFormatter

    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("predicted probability of a first purchase (decile mean)")
    ax.set_ylabel("observed share")
    ax.set_title(
        f"Fit, out of sample: {users:,} generated users, test from 2020-10-01\n"
        f"AUC {v['auc']:.3f}; {v['predicted_total']:.0f} purchases predicted, {v['observed_total']} observed",
        fontsize=9,
    )
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a 3x3 sweep with fewer runs")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    layers_figure(args.out / "layers.png")
    cascade_figure(args.out / "cascade.png")
    winner_map(args.out / "winner_map.png", quick=args.quick)
    calibration_figure(args.out / "calibration.png", quick=args.quick)
    print(f"wrote layers.png, cascade.png, winner_map.png and calibration.png in {args.out}")


if __name__ == "__main__":
    main()
