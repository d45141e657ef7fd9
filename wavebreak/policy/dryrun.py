"""Dry run: replay a stream against a baseline pack and a candidate pack, and diff the decisions.

Why: a policy change is a product change for millions of people. Before a
trust-and-safety lead ships a pack, they should see exactly which posts and
narratives would be treated differently, per rule and per surface, with
examples they can read. Upstream stages (normalise, signals, narratives) run
ONCE per batch; both packs then evaluate the same enriched batch, so the
difference is due to the pack alone.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from wavebreak.core.records import Action, Decision, Surface
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.stage import Batch
from wavebreak.policy.crisis import CrisisManager
from wavebreak.policy.holds import HoldRegistry
from wavebreak.policy.pack import PolicyPack, load_pack
from wavebreak.policy.stage import PolicyStage

EXAMPLES = 5
_OWN_SERVICES = ("holds", "crises", "policy", "refutations")
"""Services each pack's stage must own alone (the upstream ones, e.g. narratives, are shared)."""


def _view(d: Decision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "id": d.id,
        "rules": d.facts.get("rules", [d.rule_id]),
        "actions": {s.value: a.slug for s, a in sorted(d.actions.items())},
        "item_action": d.item_action.slug,
        "explanation": d.explanation,
    }


def _final(decisions: Iterable[Decision]) -> dict[tuple[str, str], Decision]:
    out: dict[tuple[str, str], Decision] = {}
    for d in decisions:
        out[(d.target_kind, d.target_id)] = d
    return out


def diff(baseline: list[Decision], new: list[Decision], examples: int = EXAMPLES) -> dict[str, Any]:
    """Added / removed / changed targets, rule counts and per-surface stricter/looser counts."""
    a, b = _final(baseline), _final(new)
    keys = sorted(set(a) | set(b))
    added, removed, changed = [], [], []
    by_surface: dict[str, Counter[str]] = {s.value: Counter() for s in Surface}
    by_surface["item"] = Counter()
    for k in keys:
        da, db = a.get(k), b.get(k)
        for s in Surface:
            x = da.actions.get(s, Action.ALLOW) if da else Action.ALLOW
            y = db.actions.get(s, Action.ALLOW) if db else Action.ALLOW
            _count(by_surface[s.value], x, y)
        _count(
            by_surface["item"], da.item_action if da else Action.ALLOW, db.item_action if db else Action.ALLOW
        )
        if da is None:
            added.append(k)
        elif db is None:
            removed.append(k)
        elif (
            da.actions != db.actions
            or da.item_action != db.item_action
            or da.facts.get("rules") != db.facts.get("rules")
        ):
            changed.append(k)
    rules_a = Counter(r for d in a.values() for r in d.facts.get("rules", [d.rule_id]))
    rules_b = Counter(r for d in b.values() for r in d.facts.get("rules", [d.rule_id]))
    by_rule = {
        r: {
            "baseline": rules_a.get(r, 0),
            "new": rules_b.get(r, 0),
            "delta": rules_b.get(r, 0) - rules_a.get(r, 0),
        }
        for r in sorted(set(rules_a) | set(rules_b))
    }

    def ex(ks: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [
            {"target_kind": k[0], "target_id": k[1], "baseline": _view(a.get(k)), "new": _view(b.get(k))}
            for k in ks[:examples]
        ]

    return {
        "targets": {"baseline": len(a), "new": len(b)},
        "added": len(added),
        "removed": len(removed),
        "changed": len(changed),
        "unchanged": len(keys) - len(added) - len(removed) - len(changed),
        "by_rule": by_rule,
        "by_surface": {s: dict(c) for s, c in by_surface.items()},
        "examples": {"added": ex(added), "removed": ex(removed), "changed": ex(changed)},
    }


def _count(c: Counter[str], x: Action, y: Action) -> None:
    if y > x:
        c["stricter"] += 1
    elif y < x:
        c["looser"] += 1
    if x.restrictive:
        c["baseline_restricted"] += 1
    if y.restrictive:
        c["new_restricted"] += 1


def compare_on_batches(
    new: PolicyPack,
    baseline: PolicyPack,
    batches: Iterable[Batch],
    ctx: PipelineContext | None = None,
    holds: HoldRegistry | None = None,
    crises: CrisisManager | None = None,
) -> tuple[list[Decision], list[Decision], int]:
    """Evaluate both packs on the same enriched batches; return (baseline decisions, new decisions, posts)."""
    ctx = ctx or PipelineContext()
    base_ctx = dataclasses.replace(ctx, services=dict(ctx.services), crises=list(ctx.crises))
    new_ctx = dataclasses.replace(ctx, services=dict(ctx.services), crises=list(ctx.crises))
    for c in (base_ctx, new_ctx):
        for k in _OWN_SERVICES:
            c.services.pop(k, None)
    crisis_list = crises.all() if crises else []
    sa = PolicyStage(
        baseline, holds=holds if holds is not None else HoldRegistry(), crises=CrisisManager(crisis_list)
    )
    sb = PolicyStage(
        new, holds=holds if holds is not None else HoldRegistry(), crises=CrisisManager(crisis_list)
    )
    out_a: list[Decision] = []
    out_b: list[Decision] = []
    posts = 0
    for batch in batches:
        posts += len(batch.posts)
        for c in (base_ctx, new_ctx):  # upstream services register on their first batch
            for k, v in ctx.services.items():
                if k not in _OWN_SERVICES:
                    c.services.setdefault(k, v)
        ba = dataclasses.replace(batch, decisions=[], extras={})
        bb = dataclasses.replace(batch, decisions=[], extras={})
        sa.process(ba, base_ctx)
        sb.process(bb, new_ctx)
        out_a.extend(ba.decisions)
        out_b.extend(bb.decisions)
    return out_a, out_b, posts


def enriched_batches(
    path: str, fmt: str, slow_path: bool = False, limit: int | None = None
) -> tuple[Iterator[Batch], PipelineContext]:
    """Read a file and run the upstream stages (whichever exist) without the policy or recording stages."""
    from wavebreak.core import constants as C
    from wavebreak.ingest import read_batches
    from wavebreak.pipeline.runner import PipelineOptions, build_pipeline

    pipe = None
    for sig, nar in ((True, True), (False, True), (False, False)):
        try:
            pipe = build_pipeline(
                None,
                PipelineOptions(signals=sig, narratives=nar, policy=False, record=False, slow_path=slow_path),
            )
            break
        except ImportError:
            continue
    assert pipe is not None

    def gen() -> Iterator[Batch]:
        seen = 0
        for b in read_batches(path, fmt, batch_size=C.BATCH_SIZE):
            pipe.process(b)
            yield b
            seen += len(b.posts)
            if limit is not None and seen >= limit:
                break

    return gen(), pipe.ctx


def dry_run(
    new: str | Path | PolicyPack,
    path: str,
    fmt: str,
    baseline: str | Path | PolicyPack = "default",
    slow_path: bool = False,
    limit: int | None = None,
    holds: HoldRegistry | None = None,
    crises: CrisisManager | None = None,
) -> dict[str, Any]:
    """Replay ``path`` against both packs and return the difference as one JSON-able dict."""
    pn = new if isinstance(new, PolicyPack) else load_pack(new)
    pb = baseline if isinstance(baseline, PolicyPack) else load_pack(baseline)
    from wavebreak.pipeline.runner import replay_gc

    batches, ctx = enriched_batches(path, fmt, slow_path=slow_path, limit=limit)
    # under the collector settings replays use: the upstream stages build the same long-lived state
    with replay_gc():
        a, b, posts = compare_on_batches(pn, pb, batches, ctx, holds=holds, crises=crises)
    return {"baseline": pb.version_id, "new": pn.version_id, "posts": posts, **diff(a, b)}
