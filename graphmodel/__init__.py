"""graphmodel: a commerce ecosystem as one heterogeneous graph.

Users, merchants, social ties, payments and transfers form an
:class:`Ecosystem`; a compiled propagation core measures how shopping intent
spreads through payment links compared with social links.
"""

from graphmodel.csr import CSR
from graphmodel.ecosystem import KNOWN_ATTRIBUTES, LAYERS, NODE_TYPES, Ecosystem
from graphmodel.errors import GraphModelError, GraphModelWarning, InputError
from graphmodel.table import Table

__version__ = "0.1.0"

__all__ = [
    "CSR",
    "Ecosystem",
    "GraphModelError",
    "GraphModelWarning",
    "InputError",
    "KNOWN_ATTRIBUTES",
    "LAYERS",
    "NODE_TYPES",
    "Table",
    "__version__",
]
