"""Why an item or a trend was shown, demoted, excluded or withheld, in words a user can read.

Why built on the gate rather than re-deriving: the answer must be what the platform
actually does, so ``explain_item`` asks the same :class:`~wavebreak.policy.gate.Gate` the
surfaces ask (decisions on the post, its narrative and its author; legal holds from the
log) and then explains each decision behind the answer from its recorded facts (rule,
conditions with values and thresholds, signals, who decided). Pure over storage: the API's
``GET /v1/why`` calls these functions directly.

Time: by default the store's stream time (last event of the log), because replays run in
stream time; pass ``at`` to ask about another moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from wavebreak.core import constants as C
from wavebreak.core.records import ALL_SURFACES, Action, Decision, Surface
from wavebreak.decisions.serde import decision_to_dict
from wavebreak.policy.holds import fold
from wavebreak.transparency.common import (
    ACTION_WORDS,
    SURFACE_WORDS,
    describe_actions,
    describe_conditions,
    hold_registry,
    stream_now,
)


def _gate(storage: Any) -> Any:
    from wavebreak.policy.gate import Gate

    return Gate(storage, hold_registry(storage))


def _who(d: Decision) -> str:
    if d.automated_decision:
        return "automatically, by the policy engine"
    return f"by a human reviewer ({d.actor})"


def explain_decision(d: Decision, lang: str = "en") -> dict[str, Any]:
    """One decision in words plus the facts behind it (no post text)."""
    return {
        "decision_id": d.id,
        "target": f"{d.target_kind} {d.target_id}",
        "rule": d.rule_id,
        "policy": d.grounds.platform_policy,
        "legal_basis": d.grounds.legal_basis,
        "illegal": d.grounds.illegal,
        "decided": _who(d),
        "at": decision_to_dict(d)["at"],
        "expires_at": decision_to_dict(d)["expires_at"],
        "measures": describe_actions(d, lang),
        "because": describe_conditions(d, lang),
        "facts": {
            k: v for k, v in d.facts.items() if k in ("narrative_metrics", "holds", "refutation", "crisis")
        },
    }


def explain_item(
    storage: Any,
    item_id: str,
    surface: Surface | str | None = None,
    region: str | None = None,
    *,
    at: datetime | None = None,
    gate: Any | None = None,
) -> dict[str, Any]:
    """What ``item_id`` gets on each surface (or one) for a viewer in ``region``, and why."""
    when = at or stream_now(storage)
    g = gate or _gate(storage)
    surfaces = [Surface(surface)] if surface else list(ALL_SURFACES)
    results = {s: g.decide(s, region, [item_id], when)[0] for s in surfaces}
    post = storage.get_post(item_id)
    ids = {r.reason_id for r in results.values() if r.reason_id}
    decisions = {d.id: d for d in (storage.get_decision(i) for i in ids) if d is not None}
    lines = []
    per_surface = {}
    for s, r in results.items():
        where = SURFACE_WORDS["en"][s]
        word = ACTION_WORDS["en"][r.action]
        if r.action == Action.ALLOW:
            text = f"In {where}: shown normally" + (
                " (it refutes a restricted claim, so it may be shown as context)."
                if r.boost_as_context
                else "."
            )
        else:
            d = decisions.get(r.reason_id or "")
            rule = f"rule '{r.rule_id}'" if r.rule_id else "a decision"
            src = ""
            if d is not None and d.target_kind == "narrative":
                src = f" because it belongs to narrative {d.target_id}, which is restricted"
            elif d is not None and d.target_kind == "account":
                src = " because of a measure on its author's account"
            elif r.rule_id == "legal-hold":
                src = " because it matches a legal reporting restriction"
            if r.action == Action.GEO_WITHHOLD and region:
                word = f"withheld for viewers in {region}"
            text = f"In {where}: {word}{src}, under {rule}."
        lines.append(text)
        per_surface[s.value] = {**r.as_dict(), "text": text}
    return {
        "item": item_id,
        "found": post is not None,
        "region": region,
        "at": when.isoformat(),
        "surfaces": per_surface,
        "summary": " ".join(lines),
        "decisions": [explain_decision(d) for d in decisions.values()],
        "signals": {
            k: {"score": round(v.score, 3), "label": v.label, "model": v.model}
            for k, v in (storage.get_signals(item_id).items() if post is not None else [])
        },
    }


def _term_posts(storage: Any, term: str, limit: int) -> list[str]:
    """Most recent posts carrying the term (text/hashtag), then narratives whose keywords match."""
    ids: list[str] = []
    engine = getattr(storage, "engine", None)
    if engine is not None:
        from sqlalchemy import or_, select

        from wavebreak.storage import schema as T

        p = T.posts
        needle = f"%{term.lstrip('#')}%"
        stmt = (
            select(p.c.id)
            .where(or_(p.c.text.ilike(needle), p.c.hashtags.ilike(needle)))
            .order_by(p.c.created_at.desc())
            .limit(limit)
        )
        with engine.connect() as conn:
            ids = [r for (r,) in conn.execute(stmt)]
    if not ids:
        ft = fold(term)
        for n in storage.list_narratives(limit=500):
            if any(ft == fold(k) for k in [*n.keywords, *n.entities]):
                ids.extend(storage.narrative_post_ids(n.id)[-limit:])
            if len(ids) >= limit:
                break
    return ids[:limit]


def explain_trend(
    storage: Any,
    term: str,
    region: str | None = None,
    *,
    at: datetime | None = None,
    sample: list[str] | None = None,
    gate: Any | None = None,
) -> dict[str, Any]:
    """Whether ``term`` may trend in ``region`` and why (rule, facts, share of excluded posts)."""
    when = at or stream_now(storage)
    g = gate or _gate(storage)
    ids = sample if sample is not None else _term_posts(storage, term, C.WHY_TREND_SAMPLE)
    verdict = g.vet_trends([{"term": term, "sample_post_ids": ids}], region, when)[0]
    decision = storage.get_decision(verdict["reason_id"]) if verdict.get("reason_id") else None
    if verdict["eligible"]:
        text = (
            f"'{term}' may trend: {round(100 * verdict['excluded_share'])}% of {len(ids)} sampled posts are "
            f"excluded from trends, under the {round(100 * C.GATE_TREND_EXCLUDED_SHARE)}% limit."
        )
    elif verdict.get("rule_id") == "legal-hold":
        text = f"'{term}' is kept out of trends everywhere: {verdict['reason']}."
    else:
        text = (
            f"'{term}' is kept out of trends: {verdict['reason']}; a term is withheld when at least "
            f"{round(100 * C.GATE_TREND_EXCLUDED_SHARE)}% of its sampled posts are excluded from trends."
        )
        if decision is not None:
            why = "; ".join(describe_conditions(decision)) or decision.rule_id
            text += f" The main decision ({_who(decision)}) applied {decision.grounds.platform_policy!r} because {why}."
    return {
        "term": term,
        "region": region,
        "at": when.isoformat(),
        "eligible": verdict["eligible"],
        "rule": verdict.get("rule_id"),
        "reason": verdict.get("reason"),
        "excluded_share": verdict.get("excluded_share"),
        "sampled_posts": len(ids),
        "summary": text,
        "decision": explain_decision(decision) if decision is not None else None,
    }
