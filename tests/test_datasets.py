"""The real-dataset loaders: logic and errors on tiny synthetic releases, figures on the real ones."""

from __future__ import annotations

import io
import tempfile
import warnings
import zipfile
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from hypothesis import given, settings
from hypothesis import strategies as st

import graphmodel as gm
from graphmodel.datasets import DatasetInfo, get_dataset, list_datasets, load_dataset

# -- a tiny release written with scipy.io.savemat ------------------------------------------------

CIAO_CATALOG = "1 DVDs\r\n2 Books\r\n3 Shopping\r\n10 Ciao Caf?\r\n"
EPINIONS_CATALOG = "1 Online Stores & Services\r\n2 Games\r\n10 Hotels & Travel\r\n11 Restaurants & Gourmet\r\n"

# user, product, category, rating, helpfulness, time
CIAO_ROWS = np.array(
    [
        [1, 100, 1, 4, 2, 1000 * 86400],
        [1, 100, 1, 2, 4, 1002 * 86400],  # same pair later: count 2, mean rating 3
        [2, 100, 2, 5, 1, 1001 * 86400],  # product 100: categories 1 and 2 twice each -> 1 (smallest)
        [2, 200, 2, 0, 3, 1005 * 86400],  # a rating 0 is kept
        [3, 200, 3, 3, 5, 1003 * 86400],  # product 200: categories 2 and 3 once each -> 2 (smallest)
        [1, 100, 2, 3, 3, 1001 * 86400],  # third row of (1, 100): pair category 1 (2 of 3 rows)
        [3, 300, 10, 5, 1, 1004 * 86400],
    ],
    dtype=np.int64,
)
# user 4 only trusts; one self-loop (5, 5) and one repeated row (1, 2)
TRUST_ROWS = np.array([[1, 2], [2, 1], [3, 1], [1, 2], [4, 3], [5, 5]], dtype=np.int64)


def _mat_bytes(key: str, arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    scipy.io.savemat(buf, {key: np.asarray(arr, dtype=np.float64)})
    return buf.getvalue()


def write_release(
    folder: Path,
    *,
    name: str = "ciao",
    layout: str = "zip",
    rating: np.ndarray | None = None,
    trust: np.ndarray | None = None,
    catalog: str | None = None,
    times: bool = True,
) -> Path:
    """Write a release like the original ones; returns ``folder``."""
    rows = CIAO_ROWS if rating is None else rating
    trust = TRUST_ROWS if trust is None else trust
    if catalog is None:
        catalog = CIAO_CATALOG if name == "ciao" else EPINIONS_CATALOG
    plain = rows if rating is not None else rows[:, : 5 if name == "ciao" else 4]
    folder.mkdir(parents=True, exist_ok=True)
    files = {"rating.mat": _mat_bytes("rating", plain), "trustnetwork.mat": _mat_bytes("trustnetwork", trust)}
    if layout == "zip":
        with zipfile.ZipFile(folder / f"{name}.zip", "w") as zf:
            zf.writestr(f"{name}/", "")
            for fname, data in files.items():
                zf.writestr(f"{name}/{fname}", data)
    else:
        target = folder / name if layout == "subfolder" else folder
        target.mkdir(exist_ok=True)
        for fname, data in files.items():
            (target / fname).write_bytes(data)
    if times and name == "ciao" and rating is None:
        shuffled = rows[np.random.default_rng(0).permutation(len(rows))]  # same multiset, other order
        (folder / "rating_with_timestamp.mat").write_bytes(_mat_bytes("rating", shuffled))
    catalog_name = "catalog_ciao.txt" if name == "ciao" else "catalog_epinion.txt"
    (folder / catalog_name).write_bytes(catalog.encode("latin-1"))
    return folder


def _payment_by_pair(eco: gm.Ecosystem) -> dict[tuple[int, int], dict[str, object]]:
    pay, users, merchants = eco.edges("payment"), eco.nodes("user")["id"], eco.nodes("merchant")["id"]
    out = {}
    for i in range(len(pay)):
        key = (int(users[pay["src"][i]]), int(merchants[pay["dst"][i]]))
        out[key] = {c: pay[c][i].item() for c in pay.columns if c not in ("src", "dst")}
    return out


# -- registry ------------------------------------------------------------------------------------


def test_registry_lists_both_with_citation():
    infos = list_datasets()
    assert [i.name for i in infos] == ["ciao", "epinions"]
    for info in infos:
        assert isinstance(info, DatasetInfo)
        assert "WSDM 2012" in info.citation and "KDD 2012" in info.citation
        d = info.to_dict()
        assert set(d) == {"name", "title", "description", "citation", "files"}
        assert "http" not in str(d)
    assert gm.list_datasets() == infos
    assert get_dataset("Ciao").name == "ciao"


def test_unknown_dataset_name():
    with pytest.raises(gm.InputError, match="unknown dataset 'yelp'; expected one of ciao, epinions"):
        load_dataset("yelp", ".")


# -- loader logic on a tiny release -----------------------------------------------------------------


@pytest.fixture
def tiny_ciao(tmp_path: Path) -> gm.Ecosystem:
    return load_dataset("ciao", write_release(tmp_path / "ciao"))


def test_tiny_ciao_nodes_and_social(tiny_ciao: gm.Ecosystem):
    eco = tiny_ciao
    assert eco.nodes("user")["id"].tolist() == [1, 2, 3, 4, 5]  # 4 and 5 only in trust
    assert eco.social_directed and eco.is_directed("social")
    soc, ids = eco.edges("social"), eco.nodes("user")["id"]
    pairs = list(zip(ids[soc["src"]].tolist(), ids[soc["dst"]].tolist()))
    assert pairs == [(1, 2), (2, 1), (3, 1), (4, 3)]  # file order, first occurrence kept
    c = eco.meta["counts"]
    assert (c["trust_rows"], c["trust_self_loops_dropped"], c["trust_duplicates_dropped"]) == (6, 1, 1)
    assert "dropped_social_self_loops" not in eco.meta  # dropped by the loader, not by Ecosystem


def test_tiny_ciao_merchants(tiny_ciao: gm.Ecosystem):
    m = tiny_ciao.nodes("merchant")
    assert m["id"].tolist() == [100, 200, 300]
    assert m["category_id"].tolist() == [1, 2, 10]  # most frequent; tie -> smallest id
    assert m["category"].tolist() == ["DVDs", "Books", "Ciao Caf?"]
    assert m["channel"].tolist() == ["", "", ""]  # no Ciao category is clearly online or offline


def test_tiny_ciao_payment_aggregation(tiny_ciao: gm.Ecosystem):
    eco = tiny_ciao
    got = _payment_by_pair(eco)
    assert set(got) == {(1, 100), (2, 100), (2, 200), (3, 200), (3, 300)}
    p = got[(1, 100)]
    assert p["count"] == 3
    assert p["rating"] == pytest.approx(3.0) and p["helpfulness"] == pytest.approx(3.0)
    assert p["category_id"] == 1
    assert (p["first_time"], p["last_time"]) == (1000 * 86400, 1002 * 86400)
    assert got[(2, 200)]["rating"] == 0.0
    assert eco.meta["payment_events"] == 7
    c = eco.meta["counts"]
    assert (c["rating_rows"], c["payment_edges"], c["recurring_pairs"], c["rating_rows_merged"]) == (7, 5, 1, 2)
    assert c["rating_zero_rows"] == 1 and c["users_who_rate"] == 3
    assert eco.meta["payment_layer"].startswith("review proxy")
    assert eco.meta["time_range"] == [1000 * 86400, 1005 * 86400]
    names = [f["file"] for f in eco.meta["source_files"]]
    assert names == ["ciao.zip", "rating_with_timestamp.mat", "catalog_ciao.txt"]
    assert all("/" not in n for n in names)  # file names only, never this machine's paths


def test_without_timestamps(tmp_path: Path):
    eco = load_dataset("ciao", write_release(tmp_path), timestamps=False)
    cols = eco.edges("payment").columns
    assert "first_time" not in cols and "helpfulness" in cols
    assert "time_range" not in eco.meta
    assert len(eco.edges("payment")) == 5


@pytest.mark.parametrize("layout", ["zip", "extracted", "subfolder", "zipfile"])
def test_layouts_give_the_same_ecosystem(tmp_path: Path, tiny_ciao: gm.Ecosystem, layout: str):
    folder = write_release(tmp_path / "rel", layout="zip" if layout == "zipfile" else layout)
    source = folder / "ciao.zip" if layout == "zipfile" else folder
    eco = load_dataset("ciao", source)
    assert eco.equals(tiny_ciao, meta=False)
    assert eco.meta["counts"] == tiny_ciao.meta["counts"]


def test_epinions_layout_four_columns_and_channels(tmp_path: Path):
    rows = np.array([[1, 7, 1, 5], [2, 7, 1, 4], [2, 8, 11, 3], [3, 9, 2, 1], [3, 6, 10, 2]])
    eco = load_dataset("epinions", write_release(tmp_path, name="epinions", rating=rows, times=False))
    m = eco.nodes("merchant")
    assert m["id"].tolist() == [6, 7, 8, 9]
    assert m["channel"].tolist() == ["offline", "online", "offline", ""]
    assert m["category"].tolist() == ["Hotels & Travel", "Online Stores & Services", "Restaurants & Gourmet", "Games"]
    assert "helpfulness" not in eco.edges("payment").columns
    assert (eco.meta["counts"]["merchants_online"], eco.meta["counts"]["merchants_offline"]) == (1, 2)


def test_self_loops_do_not_warn(tmp_path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_dataset("ciao", write_release(tmp_path))


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 4),
            st.integers(1, 5),
            st.integers(1, 3),
            st.integers(0, 5),
            st.integers(1, 5),
            st.integers(0, 3),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_aggregation_matches_a_plain_python_reference(rows):
    arr = np.array(rows, dtype=np.int64)
    ref: dict[tuple[int, int], list[tuple[int, ...]]] = defaultdict(list)
    for r in rows:
        ref[(r[0], r[1])].append(r)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_release(Path(tmp), layout="extracted", rating=arr[:, :5], catalog="1 a\n2 b\n3 c\n", times=False)
        (folder / "rating_with_timestamp.mat").write_bytes(_mat_bytes("rating", arr))
        eco = load_dataset("ciao", folder)
    got = _payment_by_pair(eco)
    assert set(got) == set(ref)
    for key, rs in ref.items():
        g = got[key]
        assert g["count"] == len(rs)
        assert g["rating"] == pytest.approx(np.mean([r[3] for r in rs]))
        assert g["helpfulness"] == pytest.approx(np.mean([r[4] for r in rs]))
        cnt = Counter(r[2] for r in rs)
        assert g["category_id"] == min(c for c, k in cnt.items() if k == max(cnt.values()))
        assert (g["first_time"], g["last_time"]) == (min(r[5] for r in rs), max(r[5] for r in rs))
    assert int(eco.edges("payment")["count"].sum()) == len(rows) == eco.meta["payment_events"]


def test_empty_rating_file(tmp_path: Path):
    folder = write_release(tmp_path, layout="extracted", rating=np.zeros((0, 5)), times=False)
    eco = load_dataset("ciao", folder)
    assert (eco.n_users, eco.n_merchants, eco.n_edges("payment"), eco.n_edges("social")) == (5, 0, 0, 4)
    assert eco.edges("payment").columns == ("src", "dst", "count", "rating", "helpfulness", "category_id")


# -- errors --------------------------------------------------------------------------------------------


def test_missing_folder(tmp_path: Path):
    with pytest.raises(gm.InputError, match=r"no such file or folder; expected the ciao release: .*ciao\.zip"):
        load_dataset("ciao", tmp_path / "nope")


def test_empty_folder(tmp_path: Path):
    with pytest.raises(gm.InputError, match=r"missing trustnetwork\.mat in the folder; expected the ciao release"):
        load_dataset("ciao", tmp_path)


def test_missing_catalog(tmp_path: Path):
    folder = write_release(tmp_path)
    (folder / "catalog_ciao.txt").unlink()
    with pytest.raises(gm.InputError, match=r"missing catalog_ciao\.txt in ciao\.zip or beside it"):
        load_dataset("ciao", folder)


def test_not_a_zip(tmp_path: Path):
    (tmp_path / "ciao.zip").write_text("hello")
    with pytest.raises(gm.InputError, match="ciao.zip: not a zip file"):
        load_dataset("ciao", tmp_path / "ciao.zip")


def test_wrong_column_count(tmp_path: Path):
    folder = write_release(tmp_path, layout="extracted", times=False)
    (folder / "rating.mat").write_bytes(_mat_bytes("rating", CIAO_ROWS[:, :3]))
    with pytest.raises(
        gm.InputError, match=r"^rating\.mat: expected a numeric matrix with 4 or 5 columns, got shape \(7, 3\)"
    ):
        load_dataset("ciao", folder)


def test_wrong_trust_columns_in_zip(tmp_path: Path):
    write_release(tmp_path, trust=np.ones((4, 3)), times=False)
    with pytest.raises(
        gm.InputError, match=r"^ciao\.zip:ciao/trustnetwork\.mat: expected a numeric matrix with 2 columns"
    ):
        load_dataset("ciao", tmp_path)


def test_timestamps_wrong_columns(tmp_path: Path):
    folder = write_release(tmp_path)
    (folder / "rating_with_timestamp.mat").write_bytes(_mat_bytes("rating", CIAO_ROWS[:, :5]))
    with pytest.raises(gm.InputError, match=r"^rating_with_timestamp\.mat: expected a numeric matrix with 6 columns"):
        load_dataset("ciao", folder)


def test_timestamps_rows_disagree(tmp_path: Path):
    folder = write_release(tmp_path)
    bad = CIAO_ROWS.copy()
    bad[0, 3] = 1
    (folder / "rating_with_timestamp.mat").write_bytes(_mat_bytes("rating", bad))
    with pytest.raises(gm.InputError, match=r"rating_with_timestamp\.mat: rows differ from ciao\.zip:ciao/rating\.mat"):
        load_dataset("ciao", folder)


def test_non_integer_value(tmp_path: Path):
    folder = write_release(tmp_path, layout="extracted", times=False)
    bad = CIAO_ROWS[:, :5].astype(float)
    bad[2, 1] = 1.5
    (folder / "rating.mat").write_bytes(_mat_bytes("rating", bad))
    with pytest.raises(gm.InputError, match=r"rating\.mat: row 3, column 2: expected an integer, got 1\.5"):
        load_dataset("ciao", folder)


def test_not_a_mat_file(tmp_path: Path):
    folder = write_release(tmp_path, layout="extracted", times=False)
    (folder / "trustnetwork.mat").write_bytes(b"garbage" * 40)
    with pytest.raises(gm.InputError, match=r"trustnetwork\.mat: not a readable MATLAB \.mat file"):
        load_dataset("ciao", folder)


def test_category_missing_from_catalog(tmp_path: Path):
    folder = write_release(tmp_path, catalog="1 DVDs\n2 Books\n3 Shopping\n")
    with pytest.raises(
        gm.InputError,
        match=r"catalog_ciao\.txt: category id 10 used in rating_with_timestamp\.mat is not in the catalog",
    ):
        load_dataset("ciao", folder)


def test_malformed_catalog_line(tmp_path: Path):
    folder = write_release(tmp_path, catalog="1 DVDs\nBooks\n")
    with pytest.raises(gm.InputError, match=r"catalog_ciao\.txt:2: expected '<category id> <name>'"):
        load_dataset("ciao", folder)


# -- the real releases (../shared/datasets), each loaded once --------------------------------------------


@pytest.fixture(scope="module")
def ciao(shared_datasets: Path) -> gm.Ecosystem:
    return gm.load_dataset("ciao", shared_datasets / "ciao")


@pytest.fixture(scope="module")
def epinions(shared_datasets: Path) -> gm.Ecosystem:
    return gm.load_dataset("epinions", shared_datasets / "epinions")


def _reciprocity(eco: gm.Ecosystem) -> float:
    s = eco.edges("social")
    key = s["src"] * eco.n_users + s["dst"]
    return float(np.isin(key, s["dst"] * eco.n_users + s["src"]).mean())


def _day(t: int) -> str:
    return datetime.fromtimestamp(int(t), tz=timezone.utc).date().isoformat()


@pytest.mark.realdata
def test_real_ciao(ciao: gm.Ecosystem):
    eco = ciao
    assert (eco.n_users, eco.n_merchants) == (7_375, 105_114)
    assert eco.n_edges("social") == 111_781 and eco.social_directed
    pay = eco.edges("payment")
    assert int(pay["count"].sum()) == 284_086 == eco.meta["payment_events"]
    # distinct (user, product) pairs, counted here from the edges themselves
    assert len(np.unique(pay["src"] * eco.n_merchants + pay["dst"])) == len(pay) == 282_650
    assert int((pay["count"] > 1).sum()) == 1_252
    assert round(_reciprocity(eco), 3) == 0.476
    assert (_day(pay["first_time"].min()), _day(pay["last_time"].max())) == ("2000-05-30", "2011-04-12")
    assert set((pay["first_time"] % 86400).tolist()) == {7 * 3600}
    c = eco.meta["counts"]
    assert (c["rating_zero_rows"], c["trust_self_loops_dropped"], c["trust_duplicates_dropped"]) == (34, 0, 0)
    assert c["products_rated_under_several_categories"] == 105
    m = eco.nodes("merchant")
    assert len(set(m["category"].tolist())) == 28 and "" not in set(m["category"].tolist())
    assert set(m["channel"].tolist()) == {""}
    assert eco.meta["citation"] == get_dataset("ciao").citation
    assert [f["file"] for f in eco.meta["source_files"]] == [
        "ciao.zip",
        "rating_with_timestamp.mat",
        "catalog_ciao.txt",
    ]


@pytest.mark.realdata
def test_real_epinions(epinions: gm.Ecosystem):
    eco = epinions
    assert (eco.n_users, eco.n_merchants) == (22_165, 296_277)
    pay = eco.edges("payment")
    assert len(np.unique(pay["src"])) == 22_164
    assert int(pay["count"].sum()) == 922_267 == eco.meta["payment_events"]
    assert 922_267 - len(pay) == 9_826 == eco.meta["counts"]["rating_rows_merged"]
    c = eco.meta["counts"]
    assert (c["trust_rows"], c["trust_self_loops_dropped"], c["trust_duplicates_dropped"]) == (355_754, 224, 27)
    assert eco.n_edges("social") == 355_754 - 224 - 27
    assert c["products_rated_under_several_categories"] == 600
    assert "helpfulness" not in pay.columns and "first_time" not in pay.columns
    m = eco.nodes("merchant")
    online = m["category"][m["channel"] == "online"]
    offline = m["category"][m["channel"] == "offline"]
    assert len(online) and set(online.tolist()) == {"Online Stores & Services"}
    assert set(offline.tolist()) == {"Restaurants & Gourmet", "Hotels & Travel"}
