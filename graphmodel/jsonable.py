"""One way to make results JSON-ready: ``to_dict()`` of every result goes through here.

JSON has no NaN or infinity: a missing or undefined number is ``None``. NumPy
scalars become Python numbers, arrays and tuples lists, mapping keys strings,
and anything with a ``to_dict()`` (an :class:`~graphmodel.estimate.Estimate`,
say) its dictionary.

Examples
--------
>>> import numpy as np
>>> jsonable({"a": np.float64("nan"), 2: (np.int64(3), 0.5)})
{'a': None, '2': [3, 0.5]}
>>> json_number(float("inf")) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["json_number", "jsonable"]


def json_number(x: Any) -> float | None:
    """``float(x)``, or None when it is NaN or infinite."""
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def jsonable(obj: Any) -> Any:
    """``obj`` with every number JSON-ready, recursively (see the module docstring)."""
    if hasattr(obj, "to_dict") and not isinstance(obj, type):
        return obj.to_dict()
    if isinstance(obj, Mapping):
        return {k if isinstance(k, str) else str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, (float, np.floating)):
        return json_number(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
