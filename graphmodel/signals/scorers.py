"""Scorers: how strongly each signal says "user u will buy item i".

Every scorer is a plain function ``scorer(data, users, cols) -> (len(users),
len(cols))`` array of scores for the given test users and candidate columns,
computed from :class:`TrainData` (training purchases only). Items are
merchants (``level="merchant"``) or merchant categories (``"category"``).
With ``B`` the binary user x item matrix of training purchases:

* ``own`` -- own history / category affinity: the share of the user's
  training purchases that fall in the item's category (at category level:
  in that category). Shopping data about the user themself.
* ``social`` -- social neighbours' purchases: ``A @ B``, the number of
  the user's social ties who bought the item (trust is followed in its
  direction, ``u`` trusts ``v`` -> ``v``'s purchases count for ``u``;
  friendship both ways).
* ``cocustomer`` -- co-customers through the payment layer, item-based:
  ``sum_{j in B[u]} cos(j, i)`` with ``cos(j, i) = |buyers(j) & buyers(i)| /
  sqrt(|buyers(j)| |buyers(i)|)``, i.e. ``B @ (Bh^T Bh)`` with
  ``Bh = B D^-1/2``, evaluated as ``(B[u] Bh^T) Bh`` (user-user first:
  ``B^T B`` has 289M entries on Epinions, ``B B^T`` rows are cheap). The user
  themself is removed from their co-customers.
* ``transfer`` -- transfer neighbours' purchases: like ``social`` over the
  transfer layer, both directions (money either way is a relationship).
* ``popularity`` -- number of distinct training buyers of the item.
* ``combined`` -- a logistic regression on ``log1p`` of the scorers above,
  fitted on a validation slice of the *training* period (see
  :func:`fit_combination`); its linear predictor is the score.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphmodel.ecosystem import Ecosystem
from graphmodel.errors import InputError

__all__ = [
    "TrainData",
    "item_index",
    "user_graph",
    "build_train",
    "score_own",
    "score_social",
    "score_cocustomer",
    "score_transfer",
    "score_popularity",
    "BASE_SCORERS",
    "available_scorers",
    "Combination",
    "fit_logistic",
]


def item_index(eco: Ecosystem, level: str) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Map merchants to items.

    Returns ``(merchant_item, item_category, item_names)``: the item of every
    merchant, the category code of every item (None when merchants have no
    ``category``), and item names (merchant ids or category names).
    """
    merchants = eco.nodes("merchant")
    cats = merchants.get("category")
    if cats is not None:
        cats = np.asarray(cats).astype(str)
        names, code = np.unique(cats, return_inverse=True)
        code = code.astype(np.int64)
    if level == "merchant":
        mi = np.arange(eco.n_merchants, dtype=np.int64)
        return mi, (code if cats is not None else None), [str(x) for x in merchants["id"].tolist()]
    if level == "category":
        if cats is None:
            raise InputError("level='category' needs a merchant 'category' column", source="merchant", field="category")
        return code, np.arange(len(names), dtype=np.int64), [x if x else "(none)" for x in names.tolist()]
    raise InputError(f"unknown level {level!r}; expected 'merchant' or 'category'", field="level")


def user_graph(eco: Ecosystem, layer: str, *, symmetric: bool) -> sp.csr_matrix:
    """The user-user 0/1 adjacency of ``layer`` (symmetric when asked or when social ties are undirected)."""
    t = eco.edges(layer)
    U = eco.n_users
    src, dst = t["src"], t["dst"]
    if symmetric or (layer == "social" and not eco.social_directed):
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
    m = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(U, U))
    m.data[:] = 1.0  # parallel/reciprocal ties count once
    return m


@dataclass(frozen=True, eq=False)
class TrainData:
    """Training-period matrices (only edges in the training mask are used).

    Attributes
    ----------
    B : csr, users x items, 1.0 where the user bought the item in training.
    Bcsc : the same in CSC (fast column selection).
    Bh : csc, ``B`` with columns scaled by ``1/sqrt(buyers)``.
    self_w : per user ``sum_j B[u, j] / sqrt(buyers(j))`` (to drop the self term of ``cocustomer``).
    user_cat : csr, users x categories, training purchase counts (None without categories).
    item_cat : category code of each item (None without categories).
    social, transfer : csr, users x users (row u: whose purchases count for u).
    popularity : distinct training buyers per item.
    """

    n_users: int
    n_items: int
    B: sp.csr_matrix
    Bcsc: sp.csc_matrix
    Bh: sp.csc_matrix
    self_w: np.ndarray
    user_cat: sp.csr_matrix | None
    item_cat: np.ndarray | None
    social: sp.csr_matrix
    transfer: sp.csr_matrix
    popularity: np.ndarray
    extra: dict[str, Any] = field(default_factory=dict)


def build_train(eco: Ecosystem, train: np.ndarray, *, level: str = "merchant") -> TrainData:
    """Build :class:`TrainData` from the payment edges selected by ``train``."""
    mi, item_cat, _ = item_index(eco, level)
    pay = eco.edges("payment")
    train = np.asarray(train, dtype=bool)
    u = pay["src"][train]
    it = mi[pay["dst"][train]]
    U, M = eco.n_users, int(mi.max()) + 1 if mi.size else 0
    if level == "category":
        M = len(item_cat)
    counts = sp.csr_matrix((np.ones(len(u)), (u, it)), shape=(U, M))
    counts.sum_duplicates()
    B = counts.copy()
    B.data[:] = 1.0
    Bcsc = B.tocsc()
    pop = np.asarray(B.sum(axis=0)).ravel()
    inv = np.zeros(M)
    inv[pop > 0] = 1.0 / np.sqrt(pop[pop > 0])
    Bh = (Bcsc @ sp.diags(inv)).tocsc()
    self_w = np.asarray(B @ inv).ravel()
    user_cat = None
    if item_cat is not None:
        user_cat = (
            counts
            @ sp.csr_matrix((np.ones(M), (np.arange(M), item_cat)), shape=(M, int(item_cat.max()) + 1 if M else 0))
        ).tocsr()
    return TrainData(
        n_users=U,
        n_items=M,
        B=B,
        Bcsc=Bcsc,
        Bh=Bh,
        self_w=self_w,
        user_cat=user_cat,
        item_cat=item_cat,
        social=user_graph(eco, "social", symmetric=False),
        transfer=user_graph(eco, "transfer", symmetric=True),
        popularity=pop,
    )


def _cols(m: sp.csc_matrix, cols: np.ndarray | None) -> sp.csc_matrix:
    return m if cols is None else m[:, cols]


def _ncols(data: TrainData, cols: np.ndarray | None) -> int:
    return data.n_items if cols is None else len(cols)


def score_popularity(data: TrainData, users: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    """Distinct training buyers of each candidate (the same for every user)."""
    p = data.popularity if cols is None else data.popularity[cols]
    return np.broadcast_to(p, (len(users), len(p))).copy()


def score_own(data: TrainData, users: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    """Share of the user's training purchases in the candidate's category."""
    if data.user_cat is None:
        raise InputError(
            "the own-history scorer needs a merchant 'category' column", source="merchant", field="category"
        )
    uc = data.user_cat[users].toarray()
    tot = uc.sum(axis=1, keepdims=True)
    share = np.divide(uc, tot, out=np.zeros_like(uc), where=tot > 0)
    ic = data.item_cat if cols is None else data.item_cat[cols]
    return share[:, ic]


def _neighbours(adj: sp.csr_matrix, data: TrainData, users: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
    return np.asarray((adj[users] @ _cols(data.Bcsc, cols)).toarray())


def score_social(data: TrainData, users: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    """Number of the user's social ties who bought the candidate in training."""
    return _neighbours(data.social, data, users, cols)


def score_transfer(data: TrainData, users: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    """Number of the user's transfer partners who bought the candidate in training."""
    return _neighbours(data.transfer, data, users, cols)


def score_cocustomer(data: TrainData, users: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    """Item-based co-customer score ``sum_{j in B[u]} cos(j, i)``, the user themself excluded."""
    Bh_c = _cols(data.Bh, cols)
    W = data.B[users] @ data.Bh.T  # b x users: shared purchases weighted by 1/sqrt(buyers)
    s = np.asarray((W @ Bh_c).toarray())
    own = np.asarray(Bh_c.tocsr()[users].toarray())
    s -= data.self_w[users, None] * own
    np.maximum(s, 0.0, out=s)  # rounding
    return s


BASE_SCORERS: dict[str, Callable[[TrainData, np.ndarray, np.ndarray | None], np.ndarray]] = {
    "own": score_own,
    "social": score_social,
    "cocustomer": score_cocustomer,
    "transfer": score_transfer,
    "popularity": score_popularity,
}


def available_scorers(data: TrainData) -> list[str]:
    """Base scorers that have data: ``own`` needs categories, ``social``/``transfer`` need ties."""
    out = []
    for name in BASE_SCORERS:
        if name == "own" and data.user_cat is None:
            continue
        if name == "social" and data.social.nnz == 0:
            continue
        if name == "transfer" and data.transfer.nnz == 0:
            continue
        out.append(name)
    return out


def fit_logistic(X: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, iters: int = 50) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by Newton's method (intercept unpenalised).

    Returns ``(coef, intercept)``. ``X`` should be standardised.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0); x = rng.normal(size=(2000, 1))
    >>> y = (rng.random(2000) < 1 / (1 + np.exp(-2 * x[:, 0]))).astype(float)
    >>> w, b = fit_logistic(x, y); bool(1.7 < w[0] < 2.3)
    True
    """
    n, f = X.shape
    Z = np.hstack([X, np.ones((n, 1))])
    w = np.zeros(f + 1)
    pen = np.full(f + 1, l2 * n)
    pen[-1] = 0.0
    for _ in range(iters):
        eta = Z @ w
        p = 1.0 / (1.0 + np.exp(-np.clip(eta, -30, 30)))
        grad = Z.T @ (p - y) + pen * w
        H = (Z * (p * (1 - p))[:, None]).T @ Z + np.diag(pen) + 1e-9 * np.eye(f + 1)
        step = np.linalg.solve(H, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w[:-1], float(w[-1])


@dataclass(frozen=True)
class Combination:
    """A fitted linear combination of ``log1p`` scorer outputs.

    ``score = sum_f coef[f] * (log1p(x_f) - mean[f]) / scale[f]`` (the
    intercept does not change a ranking and is kept only for reference).
    """

    names: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    n_pairs: int
    n_users: int
    n_positive: int

    def score(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        out = None
        for f, name in enumerate(self.names):
            term = self.coef[f] * (np.log1p(parts[name]) - self.mean[f]) / self.scale[f]
            out = term if out is None else out + term
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "logistic regression on log1p(scorer), standardised, L2 1e-2, fitted on a validation slice of the training period",
            "weights": {n: float(c) for n, c in zip(self.names, self.coef)},
            "intercept": self.intercept,
            "fit_pairs": self.n_pairs,
            "fit_users": self.n_users,
            "fit_positives": self.n_positive,
        }


def combination_from_pairs(
    names: Sequence[str], feats: dict[str, np.ndarray], y: np.ndarray, *, n_users: int
) -> Combination:
    """Fit :class:`Combination` on flattened candidate pairs (``feats[name]`` raw scorer values, ``y`` 0/1)."""
    X = np.column_stack([np.log1p(feats[n]) for n in names]) if names else np.zeros((len(y), 0))
    mean = X.mean(axis=0) if len(y) else np.zeros(len(names))
    scale = X.std(axis=0) if len(y) else np.ones(len(names))
    scale = np.where(scale > 0, scale, 1.0)
    if len(y) == 0 or y.min() == y.max():
        raise InputError(
            "cannot fit the combination: the validation slice has no positives or no negatives", field="combination"
        )
    coef, b = fit_logistic((X - mean) / scale, y.astype(float))
    return Combination(
        names=tuple(names),
        coef=tuple(float(c) for c in coef),
        intercept=b,
        mean=tuple(float(m) for m in mean),
        scale=tuple(float(s) for s in scale),
        n_pairs=int(len(y)),
        n_users=int(n_users),
        n_positive=int(y.sum()),
    )
