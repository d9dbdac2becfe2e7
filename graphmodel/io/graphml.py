"""GraphML, written by streaming and read by a safe streaming parser.

Written file
    Node ids ``user:<id>`` / ``merchant:<id>`` (unique across types); node
    attributes ``type`` (``user``/``merchant``) and ``label`` (the source id,
    what Gephi shows), then every node column; edge attribute ``layer``, then
    every edge column; ``edgedefault="directed"``. An undirected social layer
    is written as two arcs per tie, ``a -> b`` and then ``b -> a`` carrying the
    same attributes plus ``mirror=true``, so that every reader computes the
    in/out degrees, reciprocity and PageRank graphmodel computes; our readers
    fold the mirror arcs back. Key ids are the attribute names where they can
    be (see :func:`_key_ids`). Only GraphML's own attribute types are used
    (boolean, long, double, string); infinities are spelled ``Infinity`` /
    ``-Infinity``; missing values (NaN, ``""``) have no ``<data>`` element; a
    column whose kind differs between node types (or layers) is written as
    string. A graph-level ``graphmodel`` attribute holds a JSON manifest
    (metadata, ``social_directed``, every column's exact kind) so that our own
    reader restores the ecosystem exactly. ``viewer="gephi"`` renames ``type``
    to ``node_type`` and labels each edge with its layer.

Reading
    Files from elsewhere (networkx, igraph, Gephi, Cytoscape, yEd) are read
    too: nodes without ``type`` are users, edges without ``layer`` are social,
    a node's id is its ``label`` (or ``id``) attribute, else its GraphML id with
    a ``user:``/``merchant:`` prefix removed; payment edges written
    merchant -> user are flipped. Keys sharing one name (networkx writes one
    per value type) are merged, with a warning when their kinds differ; yEd's
    graphics keys are skipped with a warning; ``integer`` is an integer type;
    graph-level attributes go into ``meta``. The parser (expat) refuses any
    DOCTYPE or entity declaration, which shuts out entity expansion ("billion
    laughs") and external entities.
"""

from __future__ import annotations

from graphmodel.io.graphml_read import read_graphml
from graphmodel.io.graphml_write import FORMAT, VERSION, VIEWERS, write_graphml
from graphmodel.io.mirror import MIRROR, mirror_rows

__all__ = ["read_graphml", "write_graphml", "mirror_rows", "FORMAT", "VERSION", "VIEWERS", "MIRROR"]
