"""Which signal predicts purchases: shopping data or social data?

:func:`signal` holds out purchases (by time or at random), asks every scorer
in :mod:`graphmodel.signals.scorers` to rank candidate items for each test user,
and reports AUC, recall@k and NDCG@k with bootstrap intervals over users and
paired differences between scorers.

Choices (also recorded in ``SignalResult.params``):

* test users are users with at least one held-out purchase and at least
  ``min_train`` training purchases (history-free users would tie every
  history-based scorer at zero);
* ``exclude_seen`` (default: True at merchant level, False at category level):
  items a user bought in training are neither candidates nor targets, so the
  task is "which *new* merchant", while at category level repeat categories
  are the point;
* candidates are all items, or, when that would be too many scores
  (``negatives="auto"`` and ``users x items > 3e8``) or when ``negatives`` is
  an int, the user's held-out items plus ``negatives`` items drawn uniformly
  per batch of users (seeded). AUC from sampled negatives is unbiased for the
  full-catalogue AUC; recall@k and NDCG@k are then *sampled* metrics and read
  higher than over the full catalogue (Krichene & Rendle, KDD 2020).
* affordability: where merchants have ``price_level`` and users
  ``purchasing_power`` (generated ecosystems), every scorer is evaluated again
  with candidates and targets restricted to ``price_level <= purchasing_power``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from graphmodel._seed import SeedLike, as_generator, as_seed_sequence
from graphmodel.ecosystem import Ecosystem
from graphmodel.errors import InputError
from graphmodel.signals.metrics import METRICS, bootstrap_indices, paired_difference, rank_metrics, summarize
from graphmodel.signals.scorers import (
    BASE_SCORERS,
    Combination,
    TrainData,
    available_scorers,
    build_train,
    combination_from_pairs,
    item_index,
)
from graphmodel.signals.split import TimeLike, make_split, random_split, time_split

__all__ = ["SignalResult", "signal"]

_AUTO_CELLS = 3e8


@dataclass(frozen=True, eq=False)
class SignalResult:
    """Ranking quality of every scorer on held-out purchases.

    Attributes
    ----------
    scorers
        ``scorers[name][metric] = {"mean", "ci95", "n"}`` (metrics ``auc``,
        ``recall@k``, ``ndcg@k``; ``ci95`` a percentile bootstrap over users).
    paired
        ``paired["a - b"][metric] = {"mean", "ci95", "n", "p_value"}``: the
        per-user difference, on the same bootstrap resamples.
    split, params
        What was held out and every option that shaped the numbers.
    combination
        The fitted combination's weights (None when not fitted).
    affordable
        The same as ``scorers`` restricted to affordable candidates, or None.
    per_user
        ``per_user[name]``: ``(users, 3)`` metric values (not in ``to_dict``).
    users
        Test user rows, aligned with ``per_user``.
    """

    scorers: dict[str, dict[str, dict[str, Any]]]
    paired: dict[str, dict[str, dict[str, Any]]]
    split: dict[str, Any]
    params: dict[str, Any]
    combination: dict[str, Any] | None = None
    affordable: dict[str, Any] | None = None
    per_user: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    users: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)

    def ranking(self, metric: str = "auc") -> list[tuple[str, float | None]]:
        """Scorers from best to worst by the mean of ``metric``."""
        rows = [(n, m[metric]["mean"]) for n, m in self.scorers.items()]
        return sorted(rows, key=lambda r: -np.inf if r[1] is None else -r[1])

    def to_dict(self) -> dict[str, Any]:
        return {
            "scorers": self.scorers,
            "paired": self.paired,
            "split": self.split,
            "params": self.params,
            "combination": self.combination,
            "affordable": self.affordable,
        }


def _targets(eco: Ecosystem, mask: np.ndarray, merchant_item: np.ndarray, n_items: int) -> sp.csr_matrix:
    pay = eco.edges("payment")
    u = pay["src"][mask]
    it = merchant_item[pay["dst"][mask]]
    T = sp.csr_matrix((np.ones(len(u)), (u, it)), shape=(eco.n_users, n_items))
    T.sum_duplicates()
    T.data[:] = 1.0
    return T


def _test_users(
    T: sp.csr_matrix, data: TrainData, *, exclude_seen: bool, min_train: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    if exclude_seen:
        T = (T - T.multiply(data.B)).tocsr()
        T.eliminate_zeros()
    has_target = np.diff(T.indptr) > 0
    train_deg = np.diff(data.B.indptr)
    return T, np.flatnonzero(has_target & (train_deg >= min_train))


class _Batches:
    """Candidate columns and masks for batches of test users."""

    def __init__(
        self,
        data: TrainData,
        T: sp.csr_matrix,
        users: np.ndarray,
        *,
        negatives: int | None,
        exclude_seen: bool,
        rng: np.random.Generator,
        batch_cells: int,
        afford: tuple[np.ndarray, np.ndarray] | None,
        warm_only: bool = False,
    ) -> None:
        self.data, self.T, self.users, self.warm_only = data, T, users, warm_only
        self.negatives, self.exclude_seen, self.rng, self.afford = negatives, exclude_seen, rng, afford
        M = data.n_items
        if negatives is None:
            self.size = max(1, min(1024, batch_cells // max(M, 1)))
        else:
            avg_pos = T[users].nnz / max(len(users), 1) if len(users) else 1
            self.size = max(1, min(512, int(batch_cells // max(negatives + avg_pos, 1))))

    def __iter__(self):
        data, T = self.data, self.T
        M = data.n_items
        for start in range(0, len(self.users), self.size):
            ub = self.users[start : start + self.size]
            Tb = T[ub]
            if self.negatives is None:
                cols = None
                pos = Tb.toarray().astype(bool)
                cand = np.ones((len(ub), M), dtype=bool)
            else:
                neg = self.rng.choice(M, size=min(self.negatives, M), replace=False)
                cols = np.union1d(neg, Tb.indices)
                pos = Tb[:, cols].toarray().astype(bool)
                cand = np.isin(cols, neg)[None, :].repeat(len(ub), axis=0) | pos
            if self.exclude_seen:
                seen = (data.B[ub] if cols is None else data.Bcsc[:, cols].tocsr()[ub]).toarray().astype(bool)
                cand &= ~seen
            if self.warm_only:
                pop = data.popularity if cols is None else data.popularity[cols]
                cand &= (pop > 0)[None, :]
            pos &= cand
            aff = None
            if self.afford is not None:
                price, power = self.afford
                p = price if cols is None else price[cols]
                aff = ~(p[None, :] > power[ub][:, None])  # NaN price counts as affordable
            yield ub, cols, cand, pos, aff


def _base_scores(
    names: list[str], data: TrainData, users: np.ndarray, cols: np.ndarray | None
) -> dict[str, np.ndarray]:
    return {n: BASE_SCORERS[n](data, users, cols) for n in names}


def _fit_combination(
    eco: Ecosystem,
    train_mask: np.ndarray,
    split_kind: str,
    *,
    names: list[str],
    level: str,
    merchant_item: np.ndarray,
    n_items: int,
    exclude_seen: bool,
    min_train: int,
    val_fraction: float,
    seed: np.random.SeedSequence,
    max_fit_users: int,
    negatives: int,
) -> Combination:
    s_val, s_users, s_neg = seed.spawn(3)
    if split_kind == "time":
        val = time_split(eco, test_fraction=val_fraction, within=train_mask)
    else:
        val = random_split(eco, test_fraction=val_fraction, seed=s_val, within=train_mask)
    data = build_train(eco, val.train, level=level)
    T, users = _test_users(
        _targets(eco, val.test, merchant_item, n_items), data, exclude_seen=exclude_seen, min_train=min_train
    )
    if len(users) > max_fit_users:
        users = np.sort(as_generator(s_users).choice(users, size=max_fit_users, replace=False))
    feats: dict[str, list[np.ndarray]] = {n: [] for n in names}
    ys: list[np.ndarray] = []
    neg = None if n_items <= negatives else negatives
    for ub, cols, cand, pos, _ in _Batches(
        data,
        T,
        users,
        negatives=neg,
        exclude_seen=exclude_seen,
        rng=as_generator(s_neg),
        batch_cells=2_000_000,
        afford=None,
    ):
        parts = _base_scores(names, data, ub, cols)
        for n in names:
            feats[n].append(parts[n][cand])
        ys.append(pos[cand])
    flat = {n: np.concatenate(v) if v else np.zeros(0) for n, v in feats.items()}
    y = np.concatenate(ys) if ys else np.zeros(0, bool)
    return combination_from_pairs(names, flat, y, n_users=len(users))


def _afford_arrays(eco: Ecosystem, level: str) -> tuple[np.ndarray, np.ndarray] | None:
    m, u = eco.nodes("merchant"), eco.nodes("user")
    if level != "merchant" or "price_level" not in m or "purchasing_power" not in u:
        return None
    price = np.asarray(m["price_level"], dtype=np.float64)
    power = np.asarray(u["purchasing_power"], dtype=np.float64)
    power = np.where(np.isnan(power), np.inf, power)
    return price, power


def signal(
    eco: Ecosystem,
    *,
    split: str = "time",
    test_from: TimeLike | None = None,
    test_fraction: float = 0.2,
    level: str = "merchant",
    k: int = 10,
    seed: SeedLike = None,
    negatives: int | str | None = "auto",
    exclude_seen: bool | None = None,
    min_train: int = 1,
    warm_only: bool = False,
    max_users: int | None = None,
    n_boot: int = 1000,
    combine: bool = True,
    val_fraction: float = 0.2,
    max_fit_users: int = 2000,
    batch_cells: int = 4_000_000,
    progress: Callable[[int, int], None] | None = None,
) -> SignalResult:
    """Rank held-out purchases with each signal and measure how well each does.

    Parameters
    ----------
    eco
        An ecosystem with a payment layer (purchases or their proxy).
    split
        ``"time"`` (needs payment ``first_time``) or ``"random"``.
    test_from
        Time split cut (date ``YYYY-MM-DD`` or unix seconds); None puts it
        where ``test_fraction`` of the timed edges fall after it.
    test_fraction
        Share of payment edges held out (random split, or time split without ``test_from``).
    level
        Rank ``"merchant"`` s or merchant ``"category"`` s.
    k
        Cut-off of recall@k and NDCG@k.
    seed
        Drives the random split, user subsample, negative samples, the
        combination's validation slice and the bootstrap.
    negatives
        ``None``: every item is a candidate; an int: held-out items plus that
        many uniformly sampled items per batch; ``"auto"``: all when
        ``test users x items <= 3e8``, else 1000.
    exclude_seen
        Drop items the user bought in training from candidates and targets
        (default True at merchant level, False at category level).
    min_train
        Training purchases a test user needs.
    warm_only
        Keep only items with at least one training buyer as candidates and
        targets (removes the cold-start items a time split creates, which no
        history- or neighbour-based scorer can rank).
    max_users
        Evaluate a seeded random subset of this many test users (quick runs).
    n_boot
        Bootstrap resamples over users.
    combine
        Fit and evaluate the ``combined`` scorer.
    val_fraction
        Share of training edges (the latest, for a time split) used to fit the combination.

    Examples
    --------
    >>> import graphmodel as gm
    >>> eco = gm.Ecosystem.from_labels(
    ...     users={"id": ["a", "b", "c"]}, merchants={"id": ["x", "y", "z"], "category": ["f", "f", "g"]},
    ...     social={"src": ["a"], "dst": ["b"]},
    ...     payment={"user": ["a", "b", "b", "c", "a"], "merchant": ["x", "x", "y", "z", "y"],
    ...              "first_time": [1, 1, 2, 3, 9]}, social_directed=True)
    >>> r = signal(eco, test_from=5, combine=False, seed=0)
    >>> r.scorers["social"]["auc"]["mean"]
    1.0
    """
    if k < 1:
        raise InputError(f"expected k >= 1, got {k}", field="k")
    if min_train < 0:
        raise InputError(f"expected min_train >= 0, got {min_train}", field="min_train")
    if eco.n_edges("payment") == 0:
        raise InputError("the payment layer is empty: nothing to predict", source="payment")
    ss = as_seed_sequence(seed)
    s_split, s_users, s_neg, s_boot, s_fit = ss.spawn(5)
    if exclude_seen is None:
        exclude_seen = level == "merchant"
    merchant_item, _, _ = item_index(eco, level)
    spl = make_split(eco, split, test_from=test_from, test_fraction=test_fraction, seed=s_split)
    data = build_train(eco, spl.train, level=level)
    T, users = _test_users(
        _targets(eco, spl.test, merchant_item, data.n_items), data, exclude_seen=exclude_seen, min_train=min_train
    )
    if warm_only:
        T = T.multiply(sp.csr_matrix((data.popularity > 0).astype(float))).tocsr()
        T.eliminate_zeros()
        users = users[np.diff(T.indptr)[users] > 0]
    n_candidates_users = len(users)
    if max_users is not None and len(users) > max_users:
        users = np.sort(as_generator(s_users).choice(users, size=int(max_users), replace=False))
    if len(users) == 0:
        raise InputError(
            "no test user has both a held-out purchase and enough training purchases; move test_from or lower min_train",
            field="split",
        )
    if negatives == "auto":
        neg = None if len(users) * data.n_items <= _AUTO_CELLS else 1000
    elif negatives is None:
        neg = None
    else:
        neg = int(negatives)
        if neg < 1:
            raise InputError(f"expected negatives >= 1, got {neg}", field="negatives")
        if neg >= data.n_items:
            neg = None
    names = available_scorers(data)
    combination = None
    combination_note = None
    if combine and len(names) >= 2:
        try:
            combination = _fit_combination(
                eco,
                spl.train,
                split,
                names=names,
                level=level,
                merchant_item=merchant_item,
                n_items=data.n_items,
                exclude_seen=exclude_seen,
                min_train=min_train,
                val_fraction=val_fraction,
                seed=s_fit,
                max_fit_users=max_fit_users,
                negatives=1000,
            )
        except InputError as exc:  # too little training data for a validation slice: report, do not fail
            combination_note = f"combination not fitted: {exc.message}"
    all_names = names + (["combined"] if combination is not None else [])
    afford = _afford_arrays(eco, level)
    per_user: dict[str, list[np.ndarray]] = {n: [] for n in all_names}
    per_user_aff: dict[str, list[np.ndarray]] = {n: [] for n in all_names}
    aff_share = [0.0, 0.0]
    batches = _Batches(
        data,
        T,
        users,
        negatives=neg,
        exclude_seen=exclude_seen,
        rng=as_generator(s_neg),
        batch_cells=batch_cells,
        afford=afford,
        warm_only=warm_only,
    )
    done = 0
    for ub, cols, cand, pos, aff in batches:
        parts = _base_scores(names, data, ub, cols)
        if combination is not None:
            parts["combined"] = combination.score(parts)
        for n in all_names:
            per_user[n].append(rank_metrics(parts[n], cand, pos, k=k))
            if aff is not None:
                per_user_aff[n].append(rank_metrics(parts[n], cand & aff, pos & aff, k=k))
        if aff is not None:
            aff_share[0] += float((pos & aff).sum())
            aff_share[1] += float(pos.sum())
        done += len(ub)
        if progress is not None:
            progress(done, len(users))

    metric_names = METRICS(k)
    scorers, paired, mats, valid = _summarise(per_user, all_names, metric_names, n_boot=n_boot, seed=s_boot)
    affordable = None
    if afford is not None:
        a_scorers, a_paired, _, a_valid = _summarise(per_user_aff, all_names, metric_names, n_boot=n_boot, seed=s_boot)
        affordable = {
            "scorers": a_scorers,
            "paired": a_paired,
            "share_of_test_purchases_affordable": aff_share[0] / aff_share[1] if aff_share[1] else None,
            "n_users": int(a_valid.sum()),
        }
    split_info = dict(spl.info)
    split_info.update(
        test_users=int(valid.sum()),
        eligible_test_users=int(n_candidates_users),
        held_out_items=int(sum(m[valid, 3].sum() for m in mats[:1])) if mats else 0,
    )
    params = {
        "level": level,
        "k": int(k),
        "n_items": int(data.n_items),
        "candidates": "all items" if neg is None else f"held-out items + {neg} sampled per batch",
        "negatives": neg,
        "exclude_seen": bool(exclude_seen),
        "min_train": int(min_train),
        "warm_only": bool(warm_only),
        "max_users": max_users,
        "n_boot": int(n_boot),
        "seed": None if seed is None or not isinstance(seed, (int, np.integer)) else int(seed),
        "ties": "expected value under a random order of tied candidates",
        "recall_denominator": "min(k, held-out items)",
        "scorer_names": all_names,
    }
    if combination_note:
        params["combination_note"] = combination_note
    return SignalResult(
        scorers=scorers,
        paired=paired,
        split=split_info,
        params=params,
        combination=None if combination is None else combination.to_dict(),
        affordable=affordable,
        per_user={n: mats[i][valid, :3] for i, n in enumerate(all_names)},
        users=users[valid],
    )


def _summarise(
    per_user: dict[str, list[np.ndarray]],
    names: list[str],
    metric_names: tuple[str, ...],
    *,
    n_boot: int,
    seed: np.random.SeedSequence,
):
    mats = [np.concatenate(per_user[n]) if per_user[n] else np.zeros((0, 5)) for n in names]
    # candidates and targets are the same for every scorer, so validity is too
    valid = np.isfinite(mats[0][:, :3]).all(axis=1) if mats else np.zeros(0, bool)
    idx = bootstrap_indices(int(valid.sum()), n_boot=n_boot, seed=seed)
    scorers = {
        n: {m: summarize(mats[i][valid, j], idx) for j, m in enumerate(metric_names)} for i, n in enumerate(names)
    }
    paired: dict[str, dict[str, dict[str, Any]]] = {}
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            paired[f"{names[a]} - {names[b]}"] = {
                m: paired_difference(mats[a][valid, j], mats[b][valid, j], idx) for j, m in enumerate(metric_names)
            }
    return scorers, paired, mats, valid
