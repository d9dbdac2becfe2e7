"""Vectorised scanner for the bulk of a GraphML file (its ``<node>``/``<edge>`` elements).

:func:`graphmodel.io.graphml.read_graphml` spends nearly all its time in
per-element Python callbacks of expat. This module reads the part of the file
between the first ``<node``/``<edge`` and the closing ``</graph>`` with numpy
instead: it finds every ``<`` and ``>`` at once, classifies each tag by its
bytes and checks the nesting with cumulative sums. The head (``<key>``
declarations, the manifest) and the tail still go through the hardened expat
parser.

The scanner accepts only a strict subset of XML, the one our writer produces
and that networkx and most tools write too::

    <node id="..."> ... </node>   <node id="..." />
    <edge source="..." target="..."> ... </edge>   <edge source="..." target="..." />
    <data key="...">text</data>   <data key="..." />

with only whitespace or text between them, UTF-8, no ``\\r``, no ``>`` inside
text or attribute values, no comments, CDATA, processing instructions or
other elements, and only the predefined entities and valid character
references. Every document it accepts is well-formed XML and reads the same as
with expat. Anything else raises :class:`Unsupported` and the caller parses
the whole file with expat, so errors for bad input are exactly expat's. By
construction nothing here expands an entity or resolves a resource.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

__all__ = ["Unsupported", "scan_chunk", "boundary", "unescape"]


class Unsupported(Exception):
    """The text is outside the scanner's subset: parse it with expat instead."""


# Tag codes.
N_OPEN, N_SELF, N_CLOSE, E_OPEN, E_SELF, E_CLOSE, D_OPEN, D_SELF, D_CLOSE = range(9)
_NODE = b'<node id="'
_EDGE = b'<edge source="'
_DATA = b'<data key="'
_TARGET = b'" target="'
_MAX_TAIL = 8  # spaces allowed between the last quote and ">" or "/>"

# Bytes XML 1.0 forbids (all C0 controls but tab and newline; "\r" would need newline normalisation).
_BAD = bytes([*range(0, 9), 11, 12, *range(14, 32)])
_DELTA = np.zeros(256, dtype=np.int64)  # depth change of each tag code (indexed by code, -1 never reached)
_DELTA[[N_OPEN, E_OPEN, D_OPEN]] = 1
_DELTA[[N_CLOSE, E_CLOSE, D_CLOSE]] = -1
_BAD_REF = re.compile(rb"&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
_CHAR_REF = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")
_REF = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_BAD_CHAR = re.compile("[\ufffe\uffff]")


def _valid_char(cp: int) -> bool:
    return cp in (9, 10, 13) or 0x20 <= cp <= 0xD7FF or 0xE000 <= cp <= 0xFFFD or 0x10000 <= cp <= 0x10FFFF


def _ref(m: re.Match[str]) -> str:
    r = m.group(1)
    if r[0] != "#":
        return _NAMED[r]
    return chr(int(r[2:], 16) if r[1] == "x" else int(r[1:]))


def unescape(v: str) -> str:
    """Replace the predefined entities and character references (already validated) in ``v``."""
    return _REF.sub(_ref, v) if "&" in v else v


def boundary(raw: Any, start: int, end: int) -> int:
    """Offset of the first element start tag in ``raw[start:end]`` (``end`` when none)."""
    a = raw.find(_NODE, start, end)
    b = raw.find(_EDGE, start, end)
    found = [x for x in (a, b) if x >= 0]
    return min(found) if found else end


def _matches(buf: np.ndarray, pos: np.ndarray, pattern: bytes) -> np.ndarray:
    """Whether ``buf[pos:pos+len(pattern)] == pattern`` for every position (buf is padded)."""
    ok = np.ones(len(pos), dtype=bool)
    for j, ch in enumerate(pattern):
        ok &= buf[pos + j] == ch
    return ok


def _closing(buf: np.ndarray, qlast: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ok, self_closing) for start tags whose last quote is at ``qlast``: ``"  >`` or ``" />``."""
    selfc = buf[gt - 1] == ord("/")
    spaces = gt - qlast - 1 - selfc
    ok = (spaces >= 0) & (spaces <= _MAX_TAIL)
    for j in range(_MAX_TAIL):
        inside = ok & (spaces > j)
        if not inside.any():
            break
        ok &= ~inside | (buf[np.where(inside, qlast + 1 + j, 0)] == 32)
    return ok, selfc


def _strings(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, ascii_only: bool) -> list[str]:
    """Python strings of ``buf[starts[i]:ends[i]]`` (decoded, references replaced)."""
    n = len(starts)
    if n == 0:
        return []
    lens = ends - starts
    width = int(lens.max())
    if width == 0:
        return [""] * n
    if n * width > 4 * int(lens.sum()) + (64 << 20):  # a few long values: slice them one by one
        data = buf.tobytes()
        out = [data[a:b].decode("utf-8") for a, b in zip(starts.tolist(), ends.tolist())]
    else:
        grid = np.zeros((n, width), dtype=np.uint8)
        for j in range(width):
            m = lens > j
            grid[m, j] = buf[starts[m] + j]
        fixed = grid.view(f"S{width}").ravel()
        if ascii_only:
            out = fixed.astype(f"U{width}").tolist()
        else:
            out = [v.decode("utf-8") for v in fixed.tolist()]
    return out


def _codes(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, ascii_only: bool) -> tuple[list[str], np.ndarray]:
    """Distinct strings among ``buf[starts[i]:ends[i]]`` and each one's number (few distinct keys expected).

    Strings of up to 64 bytes (key ids are attribute names) are compared as rows
    of zero-padded 8-byte words (XML text holds no NUL, so padding cannot collide);
    longer ones go through Python strings.
    """
    lens = ends - starts
    width = int(lens.max())
    n = len(starts)
    if width > 64:
        uniq, inverse = np.unique(np.array(_strings(buf, starts, ends, ascii_only), dtype=object), return_inverse=True)
        return uniq.tolist(), inverse.ravel()
    words = max(1, -(-width // 8))
    grid = np.zeros((n, 8 * words), dtype=np.uint8)
    for j in range(width):
        m = lens > j
        grid[m, j] = buf[starts[m] + j]
    packed = grid.view("<u8").reshape(n, words)
    inverse = np.empty(n, dtype=np.int64)
    todo = np.arange(n)
    firsts: list[int] = []
    while len(todo):
        if len(firsts) == 256:  # many distinct keys: sort instead
            _, inv = np.unique(packed[todo], axis=0, return_inverse=True)
            inv = inv.ravel()
            first_of = np.zeros(int(inv.max()) + 1, dtype=np.int64)
            first_of[inv[::-1]] = todo[::-1]
            inverse[todo] = inv + len(firsts)
            firsts += first_of.tolist()
            break
        rows = packed[todo]
        same = (rows == rows[0]).all(axis=1)
        inverse[todo[same]] = len(firsts)
        firsts.append(int(todo[0]))
        todo = todo[~same]
    f = np.array(firsts, dtype=np.int64)
    return _strings(buf, starts[f], ends[f], ascii_only), inverse


def _check_refs(chunk: bytes) -> bool:
    """Validate entity and character references; True when the chunk holds any."""
    if b"&" not in chunk:
        return False
    if _BAD_REF.search(chunk):
        raise Unsupported("unknown entity or bare &")
    if b"&#" in chunk:
        for r in set(_CHAR_REF.findall(chunk)):
            cp = int(r[1:], 16) if r[:1] == b"x" else int(r)
            if not _valid_char(cp):
                raise Unsupported("character reference to a character XML forbids")
    return True


def _inside(lt: np.ndarray, gt: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted positions: (tag number, whether inside that tag's ``<...>``)."""
    tag = np.searchsorted(lt, pos) - 1
    return tag, (tag >= 0) & (pos < gt[np.maximum(tag, 0)])


def scan_chunk(chunk: bytes, *, first_line: int) -> dict[str, Any]:
    """Scan a run of complete top-level elements.

    Returns node ids and lines, edge sources/targets and lines, and the
    ``<data>`` values grouped by (key, owner kind: 0 graph, 1 node, 2 edge) as
    (owner numbers within this chunk, values). Raises :class:`Unsupported` for
    anything outside the subset.
    """
    if b"\r" in chunk or b"]]>" in chunk or len(chunk.translate(None, _BAD)) != len(chunk):
        raise Unsupported("carriage return, ]]> or control character")
    ascii_only = chunk.isascii()
    if not ascii_only:
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            raise Unsupported("not UTF-8") from None
        if _BAD_CHAR.search(text):
            raise Unsupported("U+FFFE/U+FFFF")
        del text
    refs = _check_refs(chunk)
    buf = np.frombuffer(chunk + b"\0" * 32, dtype=np.uint8)  # padded: fixed-width peeks never run off the end
    raw = buf[: len(chunk)]
    lt = np.flatnonzero(raw == ord("<"))
    gt = np.flatnonzero(raw == ord(">"))
    if len(lt) != len(gt) or not len(lt) or not (lt < gt).all() or not (gt[:-1] < lt[1:]).all():
        raise Unsupported("'>' outside markup or unbalanced markup")
    nl = np.flatnonzero(raw == ord("\n"))
    for ws in (nl, np.flatnonzero(raw == ord("\t"))):  # inside a tag they would need attribute-value normalisation
        if len(ws) and _inside(lt, gt, ws)[1].any():
            raise Unsupported("line break or tab inside a tag")
    q = np.flatnonzero(raw == ord('"'))
    qtag, qin = _inside(lt, gt, q)
    if not qin.all():
        q, qtag = q[qin], qtag[qin]
    ntag = len(lt)
    nq = np.bincount(qtag, minlength=ntag)
    k0 = np.cumsum(nq) - nq  # index in q of each tag's first quote
    qa = np.append(q, [0, 0, 0, 0])  # so that qa[k0 + 3] is defined for every tag

    code = np.full(ntag, -1, dtype=np.int8)
    b1 = buf[lt + 1]
    # End tags.
    sel = np.flatnonzero(b1 == ord("/"))
    sel = sel[gt[sel] - lt[sel] == 6]
    b2 = buf[lt[sel] + 2]
    for pat, c in ((b"</node>", N_CLOSE), (b"</edge>", E_CLOSE), (b"</data>", D_CLOSE)):
        s2 = sel[b2 == pat[2]]
        code[s2[_matches(buf, lt[s2], pat)]] = c
    # <data key="K"> and <node id="X">: two quotes, the first right after the prefix; edges: four.
    for pat, o, sc, n in ((_DATA, D_OPEN, D_SELF, 2), (_NODE, N_OPEN, N_SELF, 2), (_EDGE, E_OPEN, E_SELF, 4)):
        sel = np.flatnonzero(b1 == pat[1])
        sel = sel[nq[sel] == n]
        sel = sel[(qa[k0[sel]] == lt[sel] + len(pat) - 1) & _matches(buf, lt[sel], pat)]
        if n == 4:
            sel = sel[qa[k0[sel] + 2] == qa[k0[sel] + 1] + len(_TARGET) - 1]
            sel = sel[_matches(buf, qa[k0[sel] + 1], _TARGET)]
        ok, selfc = _closing(buf, qa[k0[sel] + n - 1], gt[sel])
        code[sel[ok & ~selfc]] = o
        code[sel[ok & selfc]] = sc
    if (code < 0).any():
        raise Unsupported("markup other than node, edge and data elements")

    # Nesting: elements at depth 0 only, data at depth 0 or 1 and closed right away.
    delta = _DELTA[code]
    after = np.cumsum(delta)
    before = after - delta
    if after.min() < 0 or after[-1] != 0:
        raise Unsupported("unbalanced elements")
    is_node = (code == N_OPEN) | (code == N_SELF)
    is_edge = (code == E_OPEN) | (code == E_SELF)
    elem = is_node | is_edge
    if before[elem].any():
        raise Unsupported("nested node or edge")
    dopen = np.flatnonzero(code == D_OPEN)
    is_data = (code == D_OPEN) | (code == D_SELF)
    if (before[is_data] > 1).any() or np.count_nonzero(code == D_CLOSE) != len(dopen):
        raise Unsupported("markup inside <data>")
    if len(dopen) and (code[dopen + 1] != D_CLOSE).any():
        raise Unsupported("markup inside <data>")
    last = np.maximum.accumulate(np.where(elem, np.arange(ntag), -1))
    for c, o in ((N_CLOSE, N_OPEN), (E_CLOSE, E_OPEN)):
        sel = np.flatnonzero(code == c)
        if len(sel) and ((before[sel] != 1) | (last[sel] < 0) | (code[np.maximum(last[sel], 0)] != o)).any():
            raise Unsupported("mismatched end tag")

    def strings(starts: np.ndarray, ends: np.ndarray) -> list[str]:
        out = _strings(buf, starts, ends, ascii_only)
        return [unescape(v) for v in out] if refs else out

    nodes = np.flatnonzero(is_node)
    edges = np.flatnonzero(is_edge)
    out: dict[str, Any] = {
        "node_ids": strings(lt[nodes] + len(_NODE), qa[k0[nodes] + 1]),
        "node_lines": first_line + np.searchsorted(nl, lt[nodes]),
        "edge_src": strings(lt[edges] + len(_EDGE), qa[k0[edges] + 1]),
        "edge_dst": strings(qa[k0[edges] + 2] + 1, qa[k0[edges] + 3]),
        "edge_lines": first_line + np.searchsorted(nl, lt[edges]),
    }
    # <data>: key, owner and value.
    data = np.flatnonzero(is_data)
    groups: dict[tuple[str, int], tuple[np.ndarray, list[str]]] = {}
    if len(data):
        vstart = gt[data] + 1
        vend = np.where(code[data] == D_OPEN, lt[np.minimum(data + 1, ntag - 1)], vstart)
        owner = np.maximum(last[data], 0)
        kind = np.where(before[data] == 0, 0, np.where(code[owner] == N_OPEN, 1, 2))  # 0 graph, 1 node, 2 edge
        number = np.where(kind == 1, (np.cumsum(is_node) - 1)[owner], (np.cumsum(is_edge) - 1)[owner])
        number[kind == 0] = 0
        names, inverse = _codes(buf, lt[data] + len(_DATA), qa[k0[data] + 1], ascii_only)
        for ki, key in enumerate(names):
            key = unescape(key) if refs else key
            sk = np.flatnonzero(inverse == ki)
            for kd in (0, 1, 2):
                sel = sk[kind[sk] == kd]
                if len(sel):  # graph-level data keep document order (the last one wins)
                    groups[(key, kd)] = (number[sel], strings(vstart[sel], vend[sel]))
    out["data"] = groups
    return out
