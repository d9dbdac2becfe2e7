"""The plain-language verdict: what won, by how much, with the interval, under which assumptions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphmodel.estimate import Estimate

if TYPE_CHECKING:
    from graphmodel.experiments.breakeven import BreakEven

__all__ = ["headline", "winner", "verdict_lines", "parameter_lines", "breakeven_line", "control_line", "fmt"]


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


def headline(
    scen: Mapping[str, Mapping[str, Estimate]],
    paired: Mapping[str, Mapping[str, Estimate]],
    a: str,
    b: str,
    metric: str = "purchases",
) -> tuple[str, str]:
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
        return "uncertain", (
            f"no clear winner on {metric}: {fmt(ea)} through {a} vs {fmt(eb)} through {b} "
            f"(difference {fmt(mean, True)}, 95% CI {fmt(lo, True)} to {fmt(hi, True)})"
        )
    ratio = f", {ew / el:.1f}x" if el > 0 else ""
    return w, (
        f"{fmt(ew)} {metric} through {w} vs {fmt(el)} through {l} "
        f"({fmt(d_, True)}{ratio}; 95% CI of the difference {fmt(dlo, True)} to {fmt(dhi, True)})"
    )


def winner(
    scen: Mapping[str, Mapping[str, Estimate]], paired: Mapping[str, Mapping[str, Estimate]], metric: str = "purchases"
) -> str:
    """``"payment"``, ``"social"`` or ``"none"`` (paired 95% CI crosses 0, or no such pair)."""
    if not ("payment" in scen and "social" in scen):
        return "none"
    w, _ = headline(scen, paired, "payment", "social", metric)
    return w if w in ("payment", "social") else "none"


def verdict_lines(
    scen: Mapping[str, Mapping[str, Estimate]],
    paired: Mapping[str, Mapping[str, Estimate]],
    *,
    runs: int,
    parameters: Mapping[str, Mapping[str, Any]],
    breakeven: Mapping[str, Any],
    controls: Mapping[str, Mapping[str, Any]],
    regime_warnings: list[str],
    notes: list[str],
    sensitivity: list[str] = (),
) -> list[str]:
    """The verdict as short lines: winner, reach, platforms, what it rests on, break-even, controls, regime."""
    names = list(scen)
    lines: list[str] = []
    if "payment" in scen and "social" in scen:
        a, b = "payment", "social"
    elif len(names) >= 2:
        a, b = names[1], names[0]
    else:
        only = names[0]
        e = scen[only]["purchases"]
        lines.append(
            f"Only one scenario ({only}): {fmt(e.mean)} purchases (95% CI {fmt(e.ci95[0])} to "
            f"{fmt(e.ci95[1])}), {runs} runs."
        )
        a = b = None
    if a is not None:
        w, text = headline(scen, paired, a, b)
        if w in (a, b):
            lines.append(
                f"Winner on purchases: {w}. {text[0].upper() + text[1:]}; paired over {runs} runs "
                f"(common random numbers)."
            )
        else:
            lines.append(f"Winner on purchases: none. {text[0].upper() + text[1:]}; paired over {runs} runs.")
        ra, rb = scen[a]["reach"].mean, scen[b]["reach"].mean
        if (w == a and rb > ra) or (w == b and ra > rb):
            more = b if w == a else a
            lines.append(
                f"Reach: {more} reaches more people ({fmt(max(ra, rb))} vs {fmt(min(ra, rb))}) but they buy less."
            )
    if "all" in scen and "social+transfer" in scen:
        pw, ptext = headline(scen, paired, "all", "social+transfer")
        if pw == "all":
            ea, eb = scen["all"]["purchases"].mean, scen["social+transfer"]["purchases"].mean
            gain = f"{(ea / eb - 1) * 100:.0f}% " if eb > 0 else ""
            lines.append(
                f"Platforms: adding payment links to a social-first platform (social+transfer) lifts "
                f"purchases {gain}({fmt(eb)} -> {fmt(ea)})."
            )
        else:
            lines.append(f"Platforms: all layers vs social+transfer: {ptext}.")
    lines.extend(parameter_lines(parameters))
    for be in breakeven.values():
        line = breakeven_line(be)
        if line:
            lines.append(line)
    lines.extend(sensitivity)
    for c in controls.values():
        lines.append(c["verdict"])
    lines.extend(regime_warnings)
    lines.extend(notes)
    return lines


_SOURCE_ORDER = ("fitted", "estimated", "data", "given", "default")


def parameter_lines(parameters: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """'Assumed (default, not measured): ...', 'Given: ...', 'Fitted from FILE: ...': grouped by source.

    Per-layer values that agree (``conversion.social``, ``conversion.payment``, ...) read as one.
    """
    groups: dict[str, dict[str, list[tuple[str, Any]]]] = {}
    for name, p in parameters.items():
        base, _, layer = name.partition(".")
        groups.setdefault(str(p.get("source", "default")), {}).setdefault(base, []).append((layer, p.get("value")))
    out = []
    for src in sorted(groups, key=lambda s: next((i for i, k in enumerate(_SOURCE_ORDER) if s.startswith(k)), 9)):
        label = "Assumed (default, not measured)" if src == "default" else src[0].upper() + src[1:]
        items = []
        for base, vals in groups[src].items():
            if len(vals) > 1 and len({_v(v) for _, v in vals}) == 1:
                items.append(f"{base} {_v(vals[0][1])} ({', '.join(k for k, _ in vals)})")
            else:
                items.extend(f"{base} {k} {_v(v)}" if k else f"{base} {_v(v)}" for k, v in vals)
        out.append(f"{label}: " + "; ".join(items) + ".")
    return out


def _v(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def breakeven_line(be: BreakEven) -> str | None:
    """One sentence on a :class:`~graphmodel.experiments.breakeven.BreakEven`."""
    what = {
        "conversion_ratio": ("convert", "social-reached users convert", "as often as payment-reached ones"),
        "transmission_ratio": ("transmit", "social ties transmit", "as often per arc as payment links"),
    }[be.what]
    if be.reason:
        return f"Break-even ({be.what.replace('_', ' ')}): not computed: {be.reason}."
    if not be.flip:
        if be.winner_everywhere is None:
            return None
        return (
            f"Break-even ({be.what.replace('_', ' ')}): {be.winner_everywhere} wins at every ratio from 1/100 to "
            f"100 (now {be.current:.3g}x): no flip."
        )
    lo, hi = be.ci95
    ci = f"[{_ratio(lo)}, {_ratio(hi)}]"
    now = f"now {be.current:.3g}x"
    if be.current < be.mean:
        return f"Break-even: payment wins unless {what[1]} at least {be.mean:.3g}x {ci} {what[2]} ({now})."
    return f"Break-even: social wins unless {what[1]} at most {be.mean:.3g}x {ci} {what[2]} ({now})."


def _ratio(x: float) -> str:
    if math.isinf(x) and x > 0:
        return ">100"
    if x <= 0:
        return "<0.01"
    return f"{x:.3g}"


def control_line(
    name: str,
    scen: Mapping[str, Mapping[str, Estimate]],
    paired: Mapping[str, Mapping[str, Estimate]],
    *,
    what: str,
    main_winner: str,
) -> tuple[str, str]:
    """(winner under the control, one line saying whether the headline winner survives it)."""
    if not ("payment" in scen and "social" in scen):
        return "none", f"Control {name}: no payment/social pair to compare."
    w = winner(scen, paired)
    _, text = headline(scen, paired, "payment", "social")
    if w == main_winner:
        verb = "the winner survives" if w != "none" else "still no clear winner"
    elif main_winner == "none":
        verb = f"a winner appears ({w})"
    elif w == "none":
        verb = f"the winner ({main_winner}) is no longer clear"
    else:
        verb = f"the winner changes from {main_winner} to {w}"
    return w, f"Control {name}: {verb}. {what}: {text}."


def describe_prob(prob: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in prob.items())
