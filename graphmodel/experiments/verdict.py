"""The plain-language verdict: what won, by how much, with the interval, under which assumptions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from graphmodel.estimate import Estimate

__all__ = ["headline", "verdict_line", "control_line", "fmt"]


def fmt(x: float, signed: bool = False) -> str:
    """A number for a sentence: 3 significant digits, thousands separators."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    ax = abs(x)
    if ax >= 1000:
        s = f"{x:,.0f}"
    elif ax >= 100:
        s = f"{x:.0f}"
    elif ax >= 10:
        s = f"{x:.1f}"
    else:
        s = f"{x:.2f}"
    if signed and x >= 0:
        s = "+" + s
    return s


def headline(scen: Mapping[str, Mapping[str, Estimate]], paired: Mapping[str, Mapping[str, Estimate]], a: str, b: str,
             metric: str = "purchases") -> tuple[str, str]:
    """(winner or ``"uncertain"``, a clause) for ``a`` versus ``b`` on ``metric``."""
    key, sign = (f"{a}-{b}", 1.0) if f"{a}-{b}" in paired else (f"{b}-{a}", -1.0)
    d = paired[key][metric]
    mean, lo, hi = sign * d.mean, sign * d.ci95[0], sign * d.ci95[1]
    lo, hi = min(lo, hi), max(lo, hi)
    ea, eb = scen[a][metric].mean, scen[b][metric].mean
    if not math.isnan(lo) and lo > 0:
        w, l, ew, el, d_, dlo, dhi = a, b, ea, eb, mean, lo, hi
    elif not math.isnan(hi) and hi < 0:
        w, l, ew, el, d_, dlo, dhi = b, a, eb, ea, -mean, -hi, -lo
    else:
        return "uncertain", (f"no clear winner on {metric}: {fmt(ea)} through {a} vs {fmt(eb)} through {b} "
                             f"(difference {fmt(mean, True)}, 95% CI {fmt(lo, True)} to {fmt(hi, True)})")
    ratio = f", {ew / el:.1f}x" if el > 0 else ""
    return w, (f"{fmt(ew)} {metric} through {w} vs {fmt(el)} through {l} "
               f"({fmt(d_, True)}{ratio}; 95% CI of the difference {fmt(dlo, True)} to {fmt(dhi, True)})")


def verdict_line(scen: Mapping[str, Mapping[str, Estimate]], paired: Mapping[str, Mapping[str, Estimate]], *,
                 runs: int, assumptions: str, notes: list[str]) -> str:
    """The verdict of a comparison: the headline pair (payment vs social), the platforms, then the assumptions."""
    names = list(scen)
    if "payment" in scen and "social" in scen:
        a, b = "payment", "social"
    elif len(names) >= 2:
        a, b = names[1], names[0]
    else:
        only = names[0]
        e = scen[only]["purchases"]
        return (f"Only one scenario ({only}): {fmt(e.mean)} purchases (95% CI {fmt(e.ci95[0])} to {fmt(e.ci95[1])}), "
                f"{runs} runs. Assumptions: {assumptions}." + "".join(f" {n}" for n in notes))
    w, text = headline(scen, paired, a, b)
    if w == a:
        lead = f"Shopping intent travels further through {a} links than through {b} links: "
    elif w == b:
        lead = f"Shopping intent travels further through {b} links than through {a} links: "
    else:
        lead = f"Neither {a} nor {b} links carry shopping intent clearly further: "
    parts = [lead + text]
    ra, rb = scen[a]["reach"].mean, scen[b]["reach"].mean
    if (w == a and rb > ra) or (w == b and ra > rb):
        more = b if w == a else a
        parts.append(f"{more} reaches more people ({fmt(max(ra, rb))} vs {fmt(min(ra, rb))}) but they buy less")
    if "all" in scen and "social+transfer" in scen:
        pw, ptext = headline(scen, paired, "all", "social+transfer")
        if pw == "all":
            ea, eb = scen["all"]["purchases"].mean, scen["social+transfer"]["purchases"].mean
            gain = f"{(ea / eb - 1) * 100:.0f}% " if eb > 0 else ""
            parts.append(f"adding payment links to a social-first platform (social+transfer) lifts purchases {gain}"
                         f"({fmt(eb)} -> {fmt(ea)})")
        else:
            parts.append(f"platforms: {ptext}")
    return ("; ".join(parts) + f". Paired over {runs} runs with common random numbers. Assumptions: {assumptions}."
            + "".join(f" {n}" for n in notes))


def control_line(name: str, scen: Mapping[str, Mapping[str, Estimate]], paired: Mapping[str, Mapping[str, Estimate]],
                 *, what: str) -> str:
    """One line on whether the headline survives a fairness control."""
    if not ("payment" in scen and "social" in scen):
        return f"{name}: no payment/social pair to compare."
    w, text = headline(scen, paired, "payment", "social")
    return f"{what}: {text}."


def describe_prob(prob: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in prob.items())
