"""``graphmodel stats``: structure of each layer and across layers, optionally centrality and communities."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from graphmodel.cli.app import (
    app,
    check_outputs,
    echo,
    fmt_num,
    format_table,
    not_empty,
    note,
    progress_bar,
    write_json,
)


def _num(v: Any) -> Any:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{fmt_num(v)}"
    return v


def _layer_rows(layers: dict[str, dict[str, Any]]) -> tuple[list[list[Any]], list[str]]:
    names = list(layers)

    def get(layer: str, *path: str) -> Any:
        v: Any = layers[layer]
        for p in path:
            if not isinstance(v, dict):
                return None
            v = v.get(p)
        return v

    spec = [
        ("directed", ("directed",)),
        ("edges", ("edges",)),
        ("nodes touched", ("nodes_touched",)),
        ("density", ("density",)),
        ("degree mean", ("degree", "mean")),
        ("degree median", ("degree", "q50")),
        ("degree q99", ("degree", "q99")),
        ("degree max", ("degree", "max")),
        ("tail alpha", ("powerlaw", "alpha")),
        ("tail alpha se", ("powerlaw", "alpha_se")),
        ("tail xmin", ("powerlaw", "xmin")),
        ("tail n", ("powerlaw", "n_tail")),
        ("reciprocity", ("reciprocity",)),
        ("transitivity", ("transitivity",)),
        ("avg clustering", ("average_clustering",)),
        ("components", ("components",)),
        ("largest comp. share", ("largest_component_share",)),
        ("assortativity", ("assortativity",)),
    ]
    rows = [[label] + [_num(get(layer, *path)) for layer in names] for label, path in spec]
    return rows, ["measure"] + names


def _flatten(prefix: str, v: Any, out: list[list[Any]]) -> None:
    if isinstance(v, dict):
        for k, x in v.items():
            _flatten(f"{prefix}.{k}" if prefix else k, x, out)
    else:
        out.append([prefix, _num(v)])


@app.command("stats")
def stats_cmd(
    path: Path = typer.Argument(..., help="Ecosystem: a CSV directory, .npz or .graphml."),
    json_out: Path | None = typer.Option(
        None, "--json", help="Write all measures as JSON to this file ('-' for stdout)."
    ),
    layers: str | None = typer.Option(
        None, "--layers", callback=not_empty, help="Comma-separated layers (default: all)."
    ),
    communities: str | None = typer.Option(
        None, "--communities", callback=not_empty, help="Community detection: leiden or louvain."
    ),
    centrality: str | None = typer.Option(
        None, "--centrality", callback=not_empty, help="Comma-separated: degree, pagerank, betweenness."
    ),
    betweenness_samples: int = typer.Option(
        64, "--betweenness-samples", min=1, help="Sampled sources for betweenness."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed for betweenness sampling and communities."),
    export: Path | None = typer.Option(
        None, "--export", help="Write the ecosystem with node measures (e.g. out.graphml)."
    ),
    for_viewer: str | None = typer.Option(
        None, "--for", callback=not_empty, help="'gephi': GraphML for viewers (see 'graphmodel convert --for')."
    ),
    plot: Path | None = typer.Option(
        None, "--plot", help="Degree distributions per layer, log-log (e.g. degrees.png)."
    ),
    no_clustering: bool = typer.Option(False, "--no-clustering", help="Skip transitivity and clustering."),
) -> None:
    """Describe each layer and how the layers overlap; add centrality and communities on request."""
    import graphmodel.io
    from graphmodel.analytics import plot_degrees, stats, with_measures
    from graphmodel.errors import InputError

    check_outputs((json_out, "JSON"), (export, "export"), (plot, "figure"))
    if export is not None:
        graphmodel.io.format_of(export)  # an unknown format is refused before the measures are computed
    if for_viewer is not None and (export is None or graphmodel.io.format_of(export) != "graphml"):
        raise InputError("--for applies to a GraphML --export", field="--for")
    if for_viewer is not None:
        from graphmodel.io.graphml_write import VIEWERS

        if for_viewer not in VIEWERS:
            raise InputError(f"unknown viewer {for_viewer!r}; expected {', '.join(VIEWERS)}", field="--for")
    if plot is not None:
        from graphmodel.cli.app import require_module

        require_module("matplotlib", option="--plot", extra="plots")
    eco = graphmodel.io.read(path)
    with progress_bar("stats", enabled=bool(centrality or communities), unit="steps") as bar:
        res = stats(
            eco,
            layers=layers,
            clustering=not no_clustering,
            centrality=centrality or (),
            communities=communities,
            betweenness_samples=betweenness_samples,
            seed=seed,
            progress=bar,
        )
    d = res.to_dict()
    if json_out is not None:
        write_json(d, json_out)
        if str(json_out) != "-":
            note(f"stats -> {json_out}")
    if json_out is None or str(json_out) != "-":
        info = d["ecosystem"]
        echo(f"{info['name'] or path}: {info['users']} users, {info['merchants']} merchants")
        echo()
        rows, header = _layer_rows(d["layers"])
        echo(format_table(rows, header))
        echo()
        mrows: list[list[Any]] = []
        _flatten("", d["multiplex"], mrows)
        echo(format_table(mrows, ["multiplex measure", "value"]))
        if "centrality" in d:
            echo()
            crow = []
            for scope, ms in d["centrality"].items():
                for m, e in ms.items():
                    top = ", ".join(f"{t['node']} ({fmt_num(t['value'])})" for t in e["top"][:3])
                    extra = f" [{e['samples']} sources{' exact' if e['exact'] else ''}]" if m == "betweenness" else ""
                    crow.append([scope, m + extra, top])
            echo(format_table(crow, ["scope", "centrality", "top 3"]))
        if "communities" in d:
            echo()
            c = d["communities"]
            echo(
                format_table(
                    [
                        [s, v["communities"], _num(v["modularity"]), _num(v["largest_share"])]
                        for s, v in c["scopes"].items()
                    ],
                    ["scope", f"communities ({c['method']})", "modularity", "largest share"],
                )
            )
            mix, inside = [], []
            for pair, v in c["mixing"].items():
                mix.append([pair, _num(v["nmi"]), _num(v["ari"])])
                for k, e in v.items():
                    if "_edges_inside_" in k and e is not None:
                        a, b = k.split("_edges_inside_")
                        inside.append([f"{a} edges in {b} communities", _num(e["share"]), _num(e["baseline"])])
            if mix:
                echo()
                echo(format_table(mix, ["scopes", "NMI", "ARI"]))
            if inside:
                echo()
                echo(format_table(inside, ["mixing", "share", "random baseline"]))
    if plot is not None:
        plot_degrees(eco, plot, layers=layers)
        note(f"degree plot -> {plot}")
    if export is not None:
        graphmodel.io.write(
            with_measures(eco, centrality=res.centrality, communities=res.communities), export, viewer=for_viewer
        )
        note(f"ecosystem with node measures -> {export}")
