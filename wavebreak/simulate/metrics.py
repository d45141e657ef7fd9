"""Figures of one arm, the effect of a policy against the uncontrolled arm, and seed aggregates.

Why these figures: they are the questions a policy owner and a regulator ask of an
amplification control. Did the platform stop pushing the false claim and the
incitement (algorithmic exposures), did that shrink the wave (total exposures, size,
time trending), and what did it cost legitimate speech (benign posts restricted,
benign trends blocked and for how long, refutations' reach, views lost by
legitimate accounts)? "Benign" is ground truth: every post that neither asserts the
false claim, incites, nor names the protected minor (queries about the claim count
as benign, and are reported separately because narrative-level actions touch them).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from wavebreak.core import constants as C
from wavebreak.core.records import Action, Surface

if TYPE_CHECKING:
    from wavebreak.simulate.engine import Simulator

GATED_SURFACES = (Surface.TRENDS, Surface.SEARCH, Surface.RECOMMENDATIONS, Surface.NOTIFICATIONS)
HARM_KEYS = ("false_claim", "incitement")


def _r(x: float, nd: int = 1) -> float:
    return round(float(x), nd)


def arm_figures(sim: Simulator) -> dict[str, Any]:
    """Every figure of one arm as plain JSON types (plus ``_private`` arrays for comparisons)."""
    from wavebreak.simulate.engine import ALGO, BN, CHANNELS, CLASSES, FC, IN, LK, RF

    w, it = sim.w, sim.items
    n = it.n
    step_h = w.step_s / 3600.0
    per_hour = max(1, round(1 / step_h))
    exposures: dict[str, dict[str, float]] = {}
    for c, name in enumerate(CLASSES):
        row = {ch: _r(sim.views[c, k].sum(), 0) for k, ch in enumerate(CHANNELS)}
        row["algorithmic"] = _r(sum(sim.views[c, k].sum() for k in ALGO), 0)
        row["total"] = _r(sim.views[c].sum(), 0)
        exposures[name] = row
    hours = math.ceil(w.n_steps / per_hour)

    def hourly(a: np.ndarray) -> list[float]:
        pad = np.zeros(hours * per_hour)
        pad[: len(a)] = a
        return [_r(x, 0) for x in pad.reshape(hours, per_hour).sum(axis=1)]

    series: dict[str, Any] = {"hours": list(range(hours))}
    for c, name in enumerate(CLASSES):
        series[name] = {
            "organic": hourly(sim.views[c, 0]),
            "algorithmic": hourly(sim.views[c, list(ALGO)].sum(axis=0)),
            "posts": hourly(sim.posts[c].astype(np.float64)),
        }
    first_post_s: dict[int, float] = {}
    for p, c in zip(w.exo_posts, w.exo_class.tolist(), strict=True):
        t = (p.created_at - w.start).total_seconds()
        if t < first_post_s.get(c, float("inf")):
            first_post_s[c] = t
    gb = w.regions.index("GB") if "GB" in w.regions else 0
    narratives: dict[str, Any] = {}
    for c in (FC, IN, RF, LK):
        ph = np.array(hourly(sim.posts[c].astype(np.float64)))
        any_region = sim.trending[c].any(axis=0)
        trend_steps = np.flatnonzero(any_region)
        first_t = (
            _r((trend_steps[0] + 1) * step_h - first_post_s.get(c, 0.0) / 3600.0, 2)
            if len(trend_steps)
            else None
        )
        narratives[CLASSES[c]] = {
            "posts_total": int(sim.posts[c].sum()),
            "accounts": len(sim.authors[c]),
            "peak_posts_per_hour": int(ph.max()) if len(ph) else 0,
            "peak_hour": int(ph.argmax()) if len(ph) else 0,
            "hours_trending_any_region": _r(any_region.sum() * step_h, 2),
            "hours_trending_GB": _r(sim.trending[c, gb].sum() * step_h, 2),
            "first_trending_hours_after_first_post": first_t,
        }
    facts = w.scenario.facts
    key_posts: dict[str, Any] = {}
    for label, pid in (
        ("incitement_post", facts.incitement_post_ids[0] if facts.incitement_post_ids else None),
        ("megaphone_post", facts.megaphone_post_id),
        ("authority_statement", facts.authority_statement_post_id),
    ):
        i = sim.item_of.get(pid or "")
        if i is None:
            continue
        v = it.views[i]
        key_posts[label] = {
            "post_id": pid,
            **{ch: _r(v[k], 0) for k, ch in enumerate(CHANNELS)},
            "algorithmic": _r(v[list(ALGO)].sum(), 0),
            "total": _r(v.sum(), 0),
            "removed": bool(it.removed[i]),
        }
    # ---- collateral: benign items restricted on any gated surface during the run or at its end
    restricted = set(sim.restricted_items)
    rf_rules: Counter[str] = Counter()
    if sim.gate is not None and n:
        ids = it.ids[:n]
        at = sim._at(w.n_steps - 1)
        for surface in GATED_SURFACES:
            for lo in range(0, n, 5000):
                res = sim.gate.decide(surface, None, ids[lo : lo + 5000], at)
                for j, r in enumerate(res):
                    if r.action >= Action.DEMOTE:
                        restricted.add(lo + j)
                        if it.cls[lo + j] == RF:
                            rf_rules[r.rule_id or "?"] += 1
    cls = it.cls[:n]
    restricted_arr = np.zeros(n, dtype=bool)
    if restricted:
        restricted_arr[np.fromiter(restricted, dtype=np.int64)] = True
    query_ids = set(w.scenario.truth.query)
    is_query = np.array([pid in query_ids for pid in it.ids[:n]], dtype=bool)
    benign = cls == BN
    blocks = sorted(
        (
            {
                "region": w.regions[r],
                "term": term,
                "minutes": steps * w.step_s / 60.0,
                "total_minutes": sim.block_total.get((r, term), steps) * w.step_s / 60.0,
            }
            for (r, term), steps in sim.block_max.items()
        ),
        key=lambda b: (-b["minutes"], b["region"], b["term"]),
    )
    limit = C.SIM_BENIGN_TREND_BLOCK_MAX_MIN
    collateral = {
        "benign_posts": int(benign.sum()),
        "benign_restricted": int((benign & restricted_arr).sum()),
        "benign_restricted_share": _r((benign & restricted_arr).sum() / max(1, benign.sum()), 5),
        "benign_restricted_excluding_queries_share": _r(
            (benign & restricted_arr & ~is_query).sum() / max(1, (benign & ~is_query).sum()), 5
        ),
        "queries_restricted": int((benign & restricted_arr & is_query).sum()),
        "refutations_restricted_share": _r(
            ((cls == RF) & restricted_arr).sum() / max(1, (cls == RF).sum()), 5
        ),
        "refutations_restricted_by_rule": dict(sorted(rf_rules.items())),
        "benign_trends_blocked": len(blocks),
        "benign_trends_blocked_over_limit": sum(1 for b in blocks if b["minutes"] > limit),
        "max_benign_trend_block_min": _r(blocks[0]["minutes"], 1) if blocks else 0.0,
        "benign_trend_blocked_minutes_total": _r(sum(sim.block_total.values()) * w.step_s / 60.0, 1),
        "blocked_trends": blocks[:10],
    }
    # ---- legitimate accounts' views (per account, for the "views lost" comparison)
    legit_views = np.zeros(len(w.scenario.accounts))
    own = (cls == BN) | (cls == RF)
    np.add.at(legit_views, it.author[:n][own], it.views[:n][own].sum(axis=1))
    legit_views[~w.legit] = 0.0
    # ---- actions
    rules: Counter[str] = Counter()
    restrictive = 0
    for d in sim.decisions:
        for r in d.facts.get("rules", [d.rule_id]):
            rules[r] += 1
        if d.severity >= Action.DEMOTE:
            restrictive += 1
    first_action = {}
    for c in (FC, IN):
        fa = sim.first_action_s.get(c)
        fp = first_post_s.get(c)
        first_action[CLASSES[c]] = _r((fa - fp) / 60.0, 1) if fa is not None and fp is not None else None
    pipeline_posts = int(sim.pipeline.stats.accepted_posts) if sim.pipeline is not None else 0
    return {
        "arm": sim.cfg.label,
        "seed": w.seed,
        "scale": w.scale,
        "controlled": sim.cfg.controlled,
        "agents": w.graph.n,
        "graph_edges": int(w.graph.adj.nnz),
        "items": n,
        "posts_in_stream": int(sim.posts.sum()),
        "model_reshares": sim.share_counter,
        "exposures": exposures,
        "narratives": narratives,
        "key_posts": key_posts,
        "collateral": collateral,
        "actions": {
            "decisions": len(sim.decisions),
            "restrictive": restrictive,
            "by_rule": dict(sorted(rules.items())),
            "first_action_minutes_after_first_post": first_action,
            "first_any_action_minutes": _r(sim.first_any_action_s / 60.0, 1)
            if sim.first_any_action_s is not None
            else None,
        },
        "review": sim.review.stats() if sim.review is not None else None,
        "legit_views_total": _r(legit_views.sum(), 0),
        "series": series,
        "gate_calls": sim.gate_calls,
        "pipeline_posts": pipeline_posts,
        "wall_seconds": _r(sim.wall_s, 1),
        "_private": {"legit_views": legit_views},
    }


def _cut(base: float, new: float) -> float | None:
    return None if base <= 0 else round(1.0 - new / base, 4)


def effect(base: dict[str, Any], arm: dict[str, Any]) -> dict[str, Any]:
    """The policy arm against the uncontrolled arm of the same seed, with each target's verdict."""
    eb, ea = base["exposures"], arm["exposures"]
    out: dict[str, Any] = {"algorithmic_cut": {}, "total_cut": {}, "organic_cut": {}}
    for kind in ("algorithmic", "total", "organic"):
        for k in HARM_KEYS:
            out[f"{kind}_cut"][k] = _cut(eb[k][kind], ea[k][kind])
        out[f"{kind}_cut"]["combined"] = _cut(
            sum(eb[k][kind] for k in HARM_KEYS), sum(ea[k][kind] for k in HARM_KEYS)
        )
    for k in HARM_KEYS:
        nb, na = base["narratives"][k], arm["narratives"][k]
        out.setdefault("size_cut", {})[k] = _cut(nb["posts_total"], na["posts_total"])
        out.setdefault("hours_trending", {})[k] = {
            "none": nb["hours_trending_any_region"],
            "policy": na["hours_trending_any_region"],
        }
    rb, ra = eb["refutation"]["total"], ea["refutation"]["total"]
    out["refutation_reach_ratio"] = round(ra / rb, 4) if rb else None
    lb = base["_private"]["legit_views"]
    la = arm["_private"]["legit_views"]
    lost = np.maximum(0.0, lb - la).sum()
    out["legit_views_lost_share"] = round(float(lost / lb.sum()), 5) if lb.sum() else 0.0
    out["benign_views_change"] = _cut(eb["benign"]["total"], ea["benign"]["total"])
    col = arm["collateral"]
    out["benign_restricted_share"] = col["benign_restricted_share"]
    out["max_benign_trend_block_min"] = col["max_benign_trend_block_min"]
    inc_b = base["key_posts"].get("incitement_post", {}).get("total")
    inc_a = arm["key_posts"].get("incitement_post", {}).get("total")
    out["incitement_post_views"] = {"none": inc_b, "policy": inc_a}
    out["targets"] = targets(out)
    return out


TARGET_FIGURES: dict[str, str] = {
    "algorithmic_cut_false_claim": "algorithmic_cut.false_claim",
    "algorithmic_cut_incitement": "algorithmic_cut.incitement",
    "total_cut_combined": "total_cut.combined",
    "benign_restricted_share": "benign_restricted_share",
    "max_benign_trend_block_min": "max_benign_trend_block_min",
    "refutation_reach_ratio": "refutation_reach_ratio",
}
"""Each target's figure in the flattened effects (for its confidence interval and per-seed values)."""


def targets(e: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target of the brief with the measured value and whether it is met."""

    def row(measured: float | None, target: float, higher: bool) -> dict[str, Any]:
        met = None if measured is None else (measured >= target if higher else measured <= target)
        return {"target": target, "measured": measured, "met": met}

    return {
        "algorithmic_cut_false_claim": row(e["algorithmic_cut"]["false_claim"], C.SIM_TARGET_ALGO_CUT, True),
        "algorithmic_cut_incitement": row(e["algorithmic_cut"]["incitement"], C.SIM_TARGET_ALGO_CUT, True),
        "total_cut_combined": row(e["total_cut"]["combined"], C.SIM_TARGET_TOTAL_CUT, True),
        "benign_restricted_share": row(e["benign_restricted_share"], C.SIM_TARGET_COLLATERAL, False),
        "max_benign_trend_block_min": row(
            e["max_benign_trend_block_min"], C.SIM_BENIGN_TREND_BLOCK_MAX_MIN, False
        ),
        "refutation_reach_ratio": row(e["refutation_reach_ratio"], 1.0, True),
    }


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out[key] = float(v)
    return out


def mean_ci(values: list[float]) -> dict[str, Any]:
    """Mean and a 95 % t-interval over seeds (the interval is absent with one seed)."""
    from scipy.stats import t

    a = np.array(values, dtype=np.float64)
    m = float(a.mean())
    if len(a) < 2:
        return {"mean": round(m, 5), "ci95": None, "n": len(a)}
    half = float(t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / math.sqrt(len(a)))
    return {"mean": round(m, 5), "ci95": [round(m - half, 5), round(m + half, 5)], "n": len(a)}


def aggregate(effects: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and 95 % CI of every numeric effect figure across seeds (targets judged on the mean)."""
    flat = [_flatten({k: v for k, v in e.items() if k != "targets"}) for e in effects]
    keys = sorted(set().union(*flat)) if flat else []
    out = {k: mean_ci([f[k] for f in flat if k in f]) for k in keys}
    means: dict[str, Any] = {}
    for k, v in out.items():
        node = means
        parts = k.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v["mean"]
    tg = targets(means)
    for name, key in TARGET_FIGURES.items():
        if name in tg and key in out:
            tg[name]["ci95"] = out[key]["ci95"]
            tg[name]["per_seed"] = [f.get(key) for f in flat]
    return {"figures": out, "targets": tg}


def public(fig: dict[str, Any]) -> dict[str, Any]:
    """An arm's figures without the private arrays (JSON-safe)."""
    return {k: v for k, v in fig.items() if not k.startswith("_")}
