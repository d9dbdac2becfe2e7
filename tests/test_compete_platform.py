"""Platform strings, contest files and sweep specs: parsing and the errors that name the bad part."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphmodel.competition import Platform, load_contest, parse_contest_sweep, parse_platform
from graphmodel.errors import InputError

REPO = Path(__file__).resolve().parents[1]


def test_parse_issue_examples():
    w = parse_platform("wallet: seeds=top-degree:30:merchant, layers=payment, strength=payment:0.12")
    assert (w.name, w.seeds, w.layers, w.strength) == (
        "wallet",
        "top-degree:30:merchant",
        ("payment",),
        {"payment": 0.12},
    )
    m = parse_platform("messenger: seeds=top-degree:30:user, layers=social,transfer, strength=social:0.05,transfer:0.2")
    assert m.layers == ("social", "transfer") and m.strength == {"social": 0.05, "transfer": 0.2}


def test_defaults_and_rules():
    p = parse_platform("p: seeds=random:5, strength=social:wc")
    assert p.layers == ("social",) and p.strength == {"social": "wc"}
    q = parse_platform("q: seeds=user:a,merchant:b, layers=social,payment")
    assert q.seeds == "user:a,merchant:b" and q.strength == {"social": "wc", "payment": "wc"}
    r = parse_platform("r: seeds=top-pagerank:9:user, strength=0.3, budget=4")
    assert r.strength == {"social": 0.3, "payment": 0.3, "transfer": 0.3} and r.seed_spec() == "top-pagerank:4:user"


@pytest.mark.parametrize(
    "text, field",
    [
        ("no colon here", "platform"),
        ("p: layers=social", "seeds"),
        ("p: seeds=random:3, color=red", "platform"),
        ("p: seeds=random:3, layers=social, strength=social:1.5", "strength"),
        ("p: seeds=random:3, layers=social, strength=payment:0.1", "strength"),
        ("p: seeds=random:3, layers=air", "layers"),
        ("p: seeds=random:3, strength=soc:0.1,payment:0.2", "strength"),
        ("p: seeds=user:a, budget=5", "budget"),
        ("p: seeds=random:3, budget=x", "budget"),
        ("p.q: seeds=random:3", "name"),
    ],
)
def test_bad_platform_names_the_part(text, field):
    with pytest.raises(InputError) as e:
        parse_platform(text)
    assert e.value.field == field


@given(
    st.integers(1, 10_000),
    st.sampled_from(["random", "top-degree", "top-pagerank", "imm"]),
    st.sampled_from(["", ":user", ":merchant"]),
)
def test_budget_replaces_k(k, rule, kind):
    p = Platform("p", seeds=f"{rule}:7{kind}", layers=("social",), budget=k)
    assert p.seed_spec() == f"{rule}:{k}{kind}"
    assert parse_platform(f"p: seeds={rule}:7{kind}, layers=social, budget={k}") == p


def test_example_contest_loads():
    c = load_contest(REPO / "examples" / "contest.toml")
    assert [p.name for p in c.platforms] == ["wallet", "messenger"]
    assert c.platforms[0].layers == ("payment",) and c.platforms[1].strength == {"social": 0.05, "transfer": 0.2}
    assert c.options["runs"] == 1000 and c.options["tie"] == "random"


def test_contest_errors(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[[platform]]\nname = "a"\nseeds = "random:3"\nstrength = { social = 2 }\n')
    with pytest.raises(InputError, match=r"platform\[0\]\.strength"):
        load_contest(f)
    f.write_text('[contest]\nruns = "many"\n[[platform]]\nname = "a"\nseeds = "random:3"\n')
    with pytest.raises(InputError, match="contest.runs"):
        load_contest(f)
    f.write_text('[contest]\nrunz = 3\n[[platform]]\nname = "a"\nseeds = "random:3"\n')
    with pytest.raises(InputError, match="contest.runz"):
        load_contest(f)
    f.write_text("[contest]\nruns = 3\n")
    with pytest.raises(InputError, match="no \\[\\[platform\\]\\]"):
        load_contest(f)
    f.write_text("not = = toml")
    with pytest.raises(InputError, match="TOML"):
        load_contest(f)


def test_parse_sweep():
    assert parse_contest_sweep("wallet.budget=10:100:10") == (
        "wallet.budget",
        tuple(float(x) for x in range(10, 101, 10)),
    )
    assert parse_contest_sweep("multihoming=0,0.5,1") == ("multihoming", (0.0, 0.5, 1.0))
    for bad in ("wallet.budget", "x=1:2", "x=1:2:0", "x=a,b"):
        with pytest.raises(InputError):
            parse_contest_sweep(bad)


def test_imm_seeds_delegate_to_gm_seeds():
    import graphmodel as gm

    eco = gm.generate(preset="balanced", users=1000, seed=2)
    res = gm.compete(
        eco,
        platforms=[
            "a: seeds=imm:4:merchant, layers=payment, strength=payment:0.1",
            "b: seeds=imm:4, layers=social, strength=social:0.1, budget=3",
        ],
        runs=10,
        seed=1,
    )
    nodes = res.params["seed_nodes"]
    assert len(nodes["a"]) == 4 and all(x.startswith("merchant:") for x in nodes["a"])
    assert len(nodes["b"]) == 3 and all(x.startswith("user:") for x in nodes["b"])
    direct = gm.seeds(
        eco,
        k=4,
        method="imm",
        layers=["payment"],
        prob={"payment": 0.1},
        node_type="merchant",
        seed=np.random.SeedSequence(1).spawn(2)[0].spawn(2)[0].spawn(2)[0],
        validate_runs=0,
    )
    assert list(direct.seeds) == nodes["a"]
