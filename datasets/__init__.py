"""Real datasets that graphmodel can load from their original releases.

Nothing is downloaded: the user points :func:`load_dataset` at the files they
already have. :func:`list_datasets` says what can be loaded, which files each
loader expects and how to cite the data.

Examples
--------
>>> from graphmodel.datasets import list_datasets
>>> [d.name for d in list_datasets()]
['ciao', 'epinions']
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from graphmodel.datasets.trustrating import TrustRatingRelease, load_trust_rating
from graphmodel.ecosystem import Ecosystem
from graphmodel.errors import InputError

__all__ = ["DatasetInfo", "list_datasets", "get_dataset", "load_dataset"]

_CITATION = (
    'Tang, Gao, Liu, "mTrust: Discerning multi-faceted trust in a connected world", WSDM 2012; '
    'Tang, Gao, Liu, Das Sarma, "eTrust: Understanding trust evolution in an online world", KDD 2012.'
)


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset is, which files its loader expects, and how to cite it.

    Attributes
    ----------
    name
        Short name for :func:`load_dataset` and ``graphmodel datasets load``.
    title
        One-line title.
    description
        What the layers hold.
    citation
        The papers to cite when using the data.
    files
        The files the loader reads (alternatives separated by `` | ``;
        ``(optional)`` marks a file that adds information when present).
    """

    name: str
    title: str
    description: str
    citation: str
    files: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["files"] = list(self.files)
        return d


_CHANNELS_EPINIONS = {
    "Online Stores & Services": "online",
    "Restaurants & Gourmet": "offline",
    "Hotels & Travel": "offline",
}

_REGISTRY: dict[str, tuple[DatasetInfo, Callable[..., Ecosystem]]] = {}


def _register_trust_rating(info: DatasetInfo, release: TrustRatingRelease) -> None:
    def load(path: str | os.PathLike[str], **options: Any) -> Ecosystem:
        meta = {k: v for k, v in info.to_dict().items() if k != "files"}
        return load_trust_rating(path, release=release, meta=meta, **options)

    _REGISTRY[info.name] = (info, load)


_register_trust_rating(
    DatasetInfo(
        name="ciao",
        title="Ciao (ciao.co.uk): trust network and product reviews, with dates",
        description=(
            "7,375 users, 105,114 products, 111,781 directed trust edges and 284,086 ratings "
            "(2000-05-30 .. 2011-04-12). Trust -> directed social layer; ratings -> payment layer "
            "(a review proxy: no amounts, no transfers) with rating, helpfulness, category and time."
        ),
        citation=_CITATION,
        files=(
            "ciao.zip (ciao/rating.mat, ciao/trustnetwork.mat) | rating.mat + trustnetwork.mat",
            "catalog_ciao.txt",
            "rating_with_timestamp.mat (optional: adds first_time/last_time)",
        ),
    ),
    TrustRatingRelease(name="ciao", zip_name="ciao.zip", catalog_name="catalog_ciao.txt", channels={}),
)
_register_trust_rating(
    DatasetInfo(
        name="epinions",
        title="Epinions: trust network and product reviews",
        description=(
            "22,165 users, 296,277 products, 355,754 trust rows (224 self-loops and 27 repeats dropped) "
            "and 922,267 ratings, no dates. Trust -> directed social layer; ratings -> payment layer "
            "(a review proxy) with rating and category; merchants in 'Online Stores & Services' are "
            "online, in 'Restaurants & Gourmet' and 'Hotels & Travel' offline."
        ),
        citation=_CITATION,
        files=(
            "epinions.zip (epinions/rating.mat, epinions/trustnetwork.mat) | rating.mat + trustnetwork.mat",
            "catalog_epinion.txt",
        ),
    ),
    TrustRatingRelease(
        name="epinions", zip_name="epinions.zip", catalog_name="catalog_epinion.txt", channels=_CHANNELS_EPINIONS
    ),
)


def list_datasets() -> list[DatasetInfo]:
    """Every dataset :func:`load_dataset` knows, sorted by name.

    Examples
    --------
    >>> info = list_datasets()[0]
    >>> info.name, "WSDM 2012" in info.citation
    ('ciao', True)
    """
    return [_REGISTRY[k][0] for k in sorted(_REGISTRY)]


def get_dataset(name: str) -> DatasetInfo:
    """The :class:`DatasetInfo` of ``name``; :class:`InputError` for an unknown name."""
    return _lookup(name)[0]


def _lookup(name: str) -> tuple[DatasetInfo, Callable[..., Ecosystem]]:
    try:
        return _REGISTRY[str(name).lower()]
    except KeyError:
        raise InputError(
            f"unknown dataset {name!r}; expected one of {', '.join(sorted(_REGISTRY))}", field="dataset"
        ) from None


def load_dataset(name: str, path: str | os.PathLike[str], **options: Any) -> Ecosystem:
    """Load dataset ``name`` from the release files at ``path``.

    Parameters
    ----------
    name
        One of :func:`list_datasets` (``"ciao"``, ``"epinions"``).
    path
        The folder holding the release as downloaded (zip or extracted files,
        plus the catalog), or the release zip itself.
    **options
        Passed to the loader (``timestamps=False`` ignores Ciao's
        ``rating_with_timestamp.mat``).

    Returns
    -------
    Ecosystem
        ``eco.meta`` holds name, title, description, citation, the source file
        names and sizes, ``payment_layer`` (a review proxy) and ``counts``.

    Examples
    --------
    >>> eco = load_dataset("ciao", "../shared/datasets/ciao")   # doctest: +SKIP
    >>> eco.n_users, eco.n_merchants, eco.n_edges("social")       # doctest: +SKIP
    (7375, 105114, 111781)
    """
    _, loader = _lookup(name)
    return loader(path, **options)
