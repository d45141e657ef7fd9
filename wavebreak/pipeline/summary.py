"""Build ``summary.json``: the run's contract with users and scorers.

The schema is documented in ``docs/summary.md``; every time is ISO 8601 UTC.
Narrative details come from the narratives service (``ctx.services``) so that
the summary, the console and the reports all read one source of truth.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from wavebreak import __version__
from wavebreak.core import constants as C
from wavebreak.core.records import Decision, Narrative
from wavebreak.decisions.serde import dt_to_iso as iso
from wavebreak.pipeline.runner import Pipeline


def decision_brief(d: Decision) -> dict[str, Any]:
    """What the summary says of one decision: when, which rule, what per surface."""
    return {
        "decision_id": d.id,
        "at": iso(d.at),
        "rule_id": d.rule_id,
        "target_kind": d.target_kind,
        "target_id": d.target_id,
        "surfaces": {s.value: a.slug for s, a in d.actions.items()},
        "item_action": d.item_action.slug,
        "territorial_scope": list(d.territorial_scope),
        "expires_at": iso(d.expires_at),
        "explanation": d.explanation,
    }


class DecisionLog:
    """Keeps what the summary needs from every decision without holding them all.

    Narrative-level decisions are kept whole (there are few); post-level ones
    are counted per narrative, rule and action, and the first few are kept as
    examples, so memory stays bounded on long replays.
    """

    def __init__(self, examples_per_rule: int = C.SUMMARY_EXAMPLES_PER_RULE) -> None:
        self.by_narrative: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.post_counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.by_rule: Counter[str] = Counter()
        self.by_action: Counter[str] = Counter()
        self.examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.first_action_at: dict[str, datetime] = {}
        self._examples_per_rule = examples_per_rule
        self.total = 0

    def add(self, d: Decision, narrative_id: str | None) -> None:
        self.total += 1
        self.by_rule[d.rule_id] += 1
        self.by_action[d.severity.slug] += 1
        nid = d.narrative_id or narrative_id
        if d.target_kind == "narrative":
            self.by_narrative[d.target_id].append(decision_brief(d))
            nid = d.target_id
        elif nid is not None:
            self.post_counts[nid][f"{d.rule_id}:{d.severity.slug}"] += 1
        # the first *restrictive* decision (demote or more): a refutation's protection or a label is a
        # decision but not an action on the narrative (transparency.research counts the same way). Counting
        # them made a protected refutation narrative "acted on" before the leak it later absorbed began.
        if nid is not None and nid not in self.first_action_at and d.severity.restrictive:
            self.first_action_at[nid] = d.at
        if len(self.examples[d.rule_id]) < self._examples_per_rule:
            self.examples[d.rule_id].append(decision_brief(d))


def narrative_entry(n: Narrative, service: Any, decisions: DecisionLog, detail: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": n.id,
        "title": n.title,
        "keywords": list(n.keywords),
        "entities": list(n.entities),
        "status": str(n.status),
        "first_seen": iso(n.first_seen),
        "last_seen": iso(n.last_seen),
        "alerted_at": iso(n.alerted_at),
        "posts_at_alert": n.posts_at_alert,
        "accounts_at_alert": n.accounts_at_alert,
        "posts_total": n.posts_total,
        "accounts_total": n.accounts_total,
        "reach_total": n.reach_total,
        "risk": round(float(n.risk), 4),
        "risk_factors": {k: round(float(v), 4) for k, v in n.risk_factors.items()},
        "languages": dict(n.languages),
        "stance": dict(n.stance),
        "refuted_by": list(n.refuted_by),
        "first_action_at": iso(decisions.first_action_at.get(n.id)),
        "actions": decisions.by_narrative.get(n.id, []),
        "post_actions": dict(decisions.post_counts.get(n.id, {})),
    }
    if detail and service is not None:
        extra = service.summary(n.id)
        for key in ("metrics", "origin", "amplifiers", "bridges", "coordination"):
            if key in extra:
                entry[key] = extra[key]
    return entry


def build_summary(
    pipeline: Pipeline,
    decisions: DecisionLog,
    *,
    alerts: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
    max_narratives: int = C.SUMMARY_MAX_NARRATIVES,
) -> dict[str, Any]:
    """Everything ``summary.json`` holds, from the pipeline's state after a run."""
    service = pipeline.ctx.services.get("narratives")
    narratives: list[Narrative] = service.all() if service is not None else []
    # Alerted and acted-on narratives first, then by size: what a reader needs first.
    narratives.sort(
        key=lambda n: (n.alerted_at is None, n.id not in decisions.first_action_at, -n.posts_total)
    )
    chosen = narratives[:max_narratives]
    detailed = {n.id for n in chosen[: C.SUMMARY_DETAILED_NARRATIVES]}
    summary: dict[str, Any] = {
        "schema": "wavebreak.summary/1",
        "wavebreak_version": __version__,
        "generated_at": iso(datetime.now(UTC)),
        "input": pipeline.stats.as_dict(),
        "narratives": [narrative_entry(n, service, decisions, n.id in detailed) for n in chosen],
        "narratives_total": len(narratives),
        "alerts": alerts,
        "decisions": {
            "total": decisions.total,
            "by_rule": dict(decisions.by_rule),
            "by_action": dict(decisions.by_action),
            "examples": dict(decisions.examples),
        },
    }
    if extra:
        summary.update(extra)
    return summary
