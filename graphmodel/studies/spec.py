"""The study file: ecosystems, an experiment, fixed parameters and grid axes.

A study is TOML (or the same structure as a dict)::

    [study]
    name = "small"
    experiment = "simulate"     # simulate | compare | compete
    seed = 1
    runs = 400                  # Monte Carlo runs per grid cell
    batch = 200                 # runs per task (a cell is split into runs / batch tasks)

    [ecosystems.pay]            # a generated ecosystem ...
    preset = "payment-first"
    users = 5000
    seed = 7
    [ecosystems.ciao]           # ... or a file (directory, .npz, .graphml)
    path = "ciao/"

    [params]                    # keyword arguments of the experiment, fixed
    seeds = "random:20"
    "prob.payment" = 0.05       # dotted keys build nested dicts: prob = {payment = 0.05}

    [grid]                      # one axis per key; the study is their product
    ecosystem = ["pay"]
    "prob.social" = [0.01, 0.05, 0.1]

Everything is validated up front; errors name the key.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

from graphmodel.errors import InputError

__all__ = ["Study", "Cell", "load_study", "EXPERIMENTS"]

EXPERIMENTS = ("simulate", "compare", "compete")
_STUDY_KEYS = {"name", "experiment", "seed", "runs", "batch"}
_ECO_GEN_KEYS = {"preset", "users", "merchants", "seed", "params"}


@dataclass(frozen=True)
class Cell:
    """One grid point: its position in the sorted grid and its coordinates."""

    index: int
    coords: dict[str, Any]

    @property
    def key(self) -> str:
        """Canonical JSON of the coordinates: the cell's identity (and random stream)."""
        return json.dumps(self.coords, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Study:
    """A validated study; see the module docstring for the file format."""

    name: str
    experiment: str
    seed: int
    runs: int
    batch: int
    ecosystems: dict[str, dict[str, Any]]
    params: dict[str, Any]
    grid: dict[str, list[Any]]
    base_dir: str = "."
    source: str = "<dict>"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def fingerprint(self) -> str:
        """Hash of everything that shapes the results (a changed study is detected by it)."""
        text = json.dumps(self.raw, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def batches_per_cell(self) -> int:
        return -(-self.runs // self.batch)

    def cells(self) -> list[Cell]:
        """Grid cells in a fixed order: axes sorted by name, values in the order given."""
        axes = sorted(self.grid)
        values = [self.grid[a] for a in axes]
        return [Cell(i, dict(zip(axes, combo))) for i, combo in enumerate(product(*values))]

    def cell_params(self, cell: Cell) -> dict[str, Any]:
        """Experiment keyword arguments of a cell: fixed params overlaid by the coordinates."""
        flat = dict(self.params)
        flat.update({k: v for k, v in cell.coords.items() if k != "ecosystem"})
        return _nest(flat)

    def ecosystem_of(self, cell: Cell) -> str:
        if "ecosystem" in cell.coords:
            return str(cell.coords["ecosystem"])
        return next(iter(self.ecosystems))


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in sorted(flat):
        parts = key.split(".")
        d = out
        for p in parts[:-1]:
            d = d.setdefault(p, {})
            if not isinstance(d, dict):
                raise InputError(f"key {key!r} nests under a value that is not a table", field=key)
        d[parts[-1]] = flat[key]
    return out


def _scalar(value: Any, key: str, source: str) -> Any:
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list) and all(isinstance(v, (bool, int, float, str)) for v in value):
        return value
    raise InputError(
        f"expected a number, string, boolean or list of them, got {type(value).__name__}", source=source, field=key
    )


def load_study(spec: str | Path | dict[str, Any]) -> Study:
    """Read and validate a study (a TOML path or a dict).

    Examples
    --------
    >>> s = load_study({"study": {"experiment": "simulate", "runs": 10, "batch": 5, "seed": 3},
    ...                 "ecosystems": {"g": {"preset": "balanced", "users": 200}},
    ...                 "grid": {"prob.social": [0.1, 0.2]}})
    >>> [c.coords for c in s.cells()], s.batches_per_cell
    ([{'prob.social': 0.1}, {'prob.social': 0.2}], 2)
    """
    if isinstance(spec, dict):
        raw, source, base = spec, "<dict>", Path(".")
    else:
        path = Path(spec)
        source = str(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"cannot read study file: {exc.strerror or exc}", source=source) from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"not valid TOML: {exc}", source=source) from None
        base = path.parent
    unknown = set(raw) - {"study", "ecosystems", "params", "grid"}
    if unknown:
        raise InputError(
            f"unknown table(s) {sorted(unknown)}; expected study, ecosystems, params, grid",
            source=source,
            field=sorted(unknown)[0],
        )
    st = raw.get("study")
    if not isinstance(st, dict):
        raise InputError("missing [study] table", source=source, field="study")
    bad = set(st) - _STUDY_KEYS
    if bad:
        raise InputError(
            f"unknown key(s) {sorted(bad)}; expected {sorted(_STUDY_KEYS)}",
            source=source,
            field=f"study.{sorted(bad)[0]}",
        )
    experiment = st.get("experiment", "simulate")
    if experiment not in EXPERIMENTS:
        raise InputError(f"expected one of {EXPERIMENTS}, got {experiment!r}", source=source, field="study.experiment")
    for key, default in (("seed", 0), ("runs", 1000), ("batch", 250)):
        v = st.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int) or v < (0 if key == "seed" else 1):
            raise InputError(
                f"expected an integer >= {0 if key == 'seed' else 1}, got {v!r}", source=source, field=f"study.{key}"
            )
    ecos = raw.get("ecosystems")
    if not isinstance(ecos, dict) or not ecos:
        raise InputError("missing [ecosystems] table (at least one ecosystem)", source=source, field="ecosystems")
    for name, e in ecos.items():
        where = f"ecosystems.{name}"
        if not isinstance(e, dict):
            raise InputError("expected a table", source=source, field=where)
        if ("path" in e) == ("preset" in e):
            raise InputError("give exactly one of 'path' or 'preset'", source=source, field=where)
        if "path" in e:
            if set(e) != {"path"}:
                raise InputError(f"a file ecosystem takes only 'path', got {sorted(e)}", source=source, field=where)
            p = Path(e["path"])
            if not p.is_absolute():
                p = base / p
            if not p.exists():
                raise InputError(f"no such file or directory: {p}", source=source, field=f"{where}.path")
        else:
            extra = set(e) - _ECO_GEN_KEYS
            if extra:
                raise InputError(
                    f"unknown key(s) {sorted(extra)}; expected {sorted(_ECO_GEN_KEYS)}",
                    source=source,
                    field=f"{where}.{sorted(extra)[0]}",
                )
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise InputError("expected a table", source=source, field="params")
    params = {k: _scalar(v, f"params.{k}", source) for k, v in _flatten(params).items()}
    for k in ("seed", "runs", "workers", "progress"):
        if k in params:
            raise InputError(f"'{k}' is set by the study itself, not in [params]", source=source, field=f"params.{k}")
    if isinstance(params.get("params"), str):  # a fitted params file, relative to the study file like ecosystem paths
        pf = Path(params["params"])
        pf = pf if pf.is_absolute() else base / pf
        if not pf.is_file():
            raise InputError(f"no such params file: {pf}", source=source, field="params.params")
        params["params"] = str(pf)
    grid = raw.get("grid", {})
    if not isinstance(grid, dict):
        raise InputError("expected a table", source=source, field="grid")
    grid = _flatten(grid)
    for k, values in grid.items():
        if not isinstance(values, list) or not values:
            raise InputError("a grid axis is a non-empty list of values", source=source, field=f"grid.{k}")
        for v in values:
            _scalar(v, f"grid.{k}", source)
        if k in params:
            raise InputError("set both in [params] and [grid]", source=source, field=f"grid.{k}")
    _check_names(experiment, [*params, *(k for k in grid if k != "ecosystem")], source)
    if "ecosystem" in grid:
        for v in grid["ecosystem"]:
            if v not in ecos:
                raise InputError(
                    f"unknown ecosystem {v!r}; defined: {sorted(ecos)}", source=source, field="grid.ecosystem"
                )
    elif len(ecos) > 1:
        raise InputError(
            "several ecosystems defined: add a grid axis 'ecosystem'", source=source, field="grid.ecosystem"
        )
    return Study(
        name=str(st.get("name", Path(source).stem if source != "<dict>" else "study")),
        experiment=experiment,
        seed=int(st.get("seed", 0)),
        runs=int(st.get("runs", 1000)),
        batch=int(st.get("batch", 250)),
        ecosystems={k: dict(v) for k, v in ecos.items()},
        params=params,
        grid=grid,
        base_dir=str(base),
        source=source,
        raw={"study": st, "ecosystems": ecos, "params": params, "grid": grid},
    )


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"prob": {"social": 1}}`` -> ``{"prob.social": 1}`` (TOML dotted keys arrive nested)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _check_names(experiment: str, keys: list[str], source: str) -> None:
    """Every [params]/[grid] key names an option of the experiment (checked before anything runs)."""
    import inspect

    if experiment == "simulate":
        from graphmodel.propagation.simulate import simulate as fn
    elif experiment == "compare":
        from graphmodel.experiments.compare import compare as fn
    else:
        from graphmodel.competition.compete import compete as fn
    allowed = set(inspect.signature(fn).parameters) - {"eco", "seed", "runs", "workers", "progress", "client"}
    if experiment == "compare":
        from dataclasses import fields

        from graphmodel.experiments.intent import IntentModel

        intent_fields = {f.name for f in fields(IntentModel)}
    for key in keys:
        head, _, rest = key.partition(".")
        if head not in allowed:
            close = difflib.get_close_matches(head, sorted(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(
                f"{experiment} has no option {head!r}{hint}; expected one of {', '.join(sorted(allowed))}",
                source=source,
                field=key,
            )
        if experiment == "compare" and head == "intent" and rest and rest.split(".")[0] not in intent_fields:
            raise InputError(
                f"the intent model has no field {rest.split('.')[0]!r}; expected one of "
                f"{', '.join(sorted(intent_fields))}",
                source=source,
                field=key,
            )
