import numpy as np
import pytest

import graphmodel as gm


def test_sizes_and_tables(tiny_eco):
    assert (tiny_eco.n_users, tiny_eco.n_merchants) == (3, 2)
    assert tiny_eco.n_edges() == 2 + 3 + 1
    assert tiny_eco.nodes("user")["id"].tolist() == ["ann", "bob", "cy"]
    pay = tiny_eco.edges("payment")
    assert pay["src"].tolist() == [0, 2, 1] and pay["dst"].tolist() == [0, 0, 1]
    assert pay["amount"].dtype == np.float64 and pay["count"].dtype == np.int64


def test_columns_are_read_only(tiny_eco):
    with pytest.raises(ValueError):
        tiny_eco.nodes("user")["purchasing_power"][0] = 9.0


def test_csr_directions(tiny_eco):
    c = tiny_eco.csr(["social", "payment", "transfer"])
    U = tiny_eco.n_users
    arcs = {
        (int(u), int(v), c.layers[l])
        for u in range(c.n)
        for v, l in zip(c.indices[c.indptr[u] : c.indptr[u + 1]], c.layer[c.indptr[u] : c.indptr[u + 1]])
    }
    # undirected social: both ways; payment: both ways via merchant; transfer: sender -> receiver
    assert {(0, 1, "social"), (1, 0, "social"), (1, 2, "social"), (2, 1, "social")} <= arcs
    assert {(0, U, "payment"), (U, 0, "payment"), (2, U, "payment"), (U, 2, "payment")} <= arcs
    assert (1, 0, "transfer") in arcs and (0, 1, "transfer") not in arcs
    assert c.m == 4 + 6 + 1
    r = tiny_eco.csr(["transfer"], reverse=True)
    assert r.indices[r.indptr[0] : r.indptr[1]].tolist() == [1]
    assert tiny_eco.csr(["social", "payment", "transfer"]) is c  # cached


def test_directed_social_keeps_direction():
    eco = gm.Ecosystem.from_labels(users={"id": [1, 2]}, social={"src": [1], "dst": [2]}, social_directed=True)
    c = eco.csr("social")
    assert c.m == 1 and c.indices.tolist() == [1]


def test_unknown_label_names_file_and_line():
    with pytest.raises(gm.InputError, match=r"payments.csv:3: 'merchant': unknown merchant id zz"):
        gm.Ecosystem.from_labels(
            users={"id": ["a"]},
            merchants={"id": ["m"]},
            payment={"user": ["a", "a"], "merchant": ["m", "zz"]},
            sources={"payment": "payments.csv"},
        )


def test_duplicate_ids_rejected():
    with pytest.raises(gm.InputError, match="duplicate user id 7"):
        gm.Ecosystem(users={"id": [7, 8, 7]})


def test_negative_amount_rejected():
    with pytest.raises(gm.InputError, match="'amount'.*>= 0"):
        gm.Ecosystem(users={"id": [1]}, merchants={"id": [1]}, payment={"src": [0], "dst": [0], "amount": [-1.0]})


def test_social_self_loops_dropped_with_warning():
    with pytest.warns(gm.GraphModelWarning, match="self-loop"):
        eco = gm.Ecosystem(users={"id": [1, 2]}, social={"src": [0, 1], "dst": [0, 0]})
    assert eco.n_edges("social") == 1 and eco.meta["dropped_social_self_loops"] == 1


def test_int_labels_looked_up_from_strings():
    eco = gm.Ecosystem.from_labels(users={"id": [10, 20]}, social={"src": ["10"], "dst": ["20"]})
    assert eco.edges("social")["dst"].tolist() == [1]
    assert eco.index_of("user", [20, 10]).tolist() == [1, 0]
    assert eco.node_ids([1, 0]) == ["user:20", "user:10"]


@pytest.mark.parametrize(
    "kw, field",
    [
        (dict(users={"id": [1, 2], "purchasing_power": [1.0, float("inf")]}), "purchasing_power"),
        (dict(users={"id": [1, 2], "purchasing_power": [-1.0, 2.0]}), "purchasing_power"),
        (dict(users={"id": [1, 2]}, social={"src": [0], "dst": [1], "weight": [float("inf")]}), "weight"),
        (dict(users={"id": [1]}, merchants={"id": [7], "price_level": [-2.0]}), "price_level"),
        (
            dict(users={"id": [1]}, merchants={"id": [7]}, payment={"src": [0], "dst": [0], "amount": [float("inf")]}),
            "amount",
        ),
    ],
)
def test_infinite_or_negative_amounts_are_refused(kw, field) -> None:
    with pytest.raises(gm.InputError) as err:
        gm.Ecosystem(**kw)
    assert err.value.field == field and "finite value >= 0" in str(err.value)


def test_from_tables_names_the_source_the_table_and_the_field():
    Ecosystem, InputError = gm.Ecosystem, gm.InputError
    good = Ecosystem.from_tables(
        {"user": {"id": ["a", "b"]}, "merchant": {"id": ["m"]}, "payment": {"src": [1], "dst": [0]}}, meta={"name": "x"}
    )
    assert good.equals(
        Ecosystem({"id": ["a", "b"]}, {"id": ["m"]}, payment={"src": [1], "dst": [0]}, meta={"name": "x"})
    )
    with pytest.raises(InputError) as err:
        Ecosystem.from_tables({"user": {"id": ["a", "a"]}}, source="eco.parquet")
    assert err.value.source == "eco.parquet" and err.value.field == "id"
    assert err.value.message.startswith("user: duplicate user id a")
    with pytest.raises(InputError) as err:  # no source: the constructor's own error, unchanged
        Ecosystem.from_tables({"user": {"id": ["a", "a"]}})
    assert err.value.source == "user"
