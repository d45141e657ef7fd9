"""Covered post decisions: a post decision that its narrative's (or its original's) decision already
makes the gate apply is withheld, and issued when that cover is reversed or expires."""

from __future__ import annotations

from datetime import timedelta

import pytest

from wavebreak.core.records import Action, Decision, PostKind, Surface
from wavebreak.decisions.log import decision_event, reverse_decision
from wavebreak.decisions.stage import DecisionsStage
from wavebreak.pipeline.context import PipelineContext
from wavebreak.policy.gate import Gate
from wavebreak.policy.holds import HoldRegistry
from wavebreak.policy.stage import PolicyStage
from wavebreak.storage.sql import SqlStorage

from .helpers import T0, account, batch, decision, post, sig, suspect_narratives

SMALL = account("demo:small", 40)
BIG = account("demo:big", 2_800_000)


def _setup() -> tuple[PolicyStage, PipelineContext]:
    ctx = PipelineContext(services={"narratives": suspect_narratives()}, storage=SqlStorage("sqlite://"))
    return PolicyStage(), ctx


def _run(stage: PolicyStage, ctx: PipelineContext, b) -> dict[str, Decision]:  # type: ignore[no-untyped-def]
    stage.process(b, ctx)
    DecisionsStage().process(b, ctx)
    return {d.target_id: d for d in b.decisions}


def _claim(pid: str, minutes: int, score: float = 0.9, author=SMALL):  # type: ignore[no-untyped-def]
    p = post(pid, "the suspect is ali, an asylum seeker", author, minutes=minutes)
    return batch([p], {pid: {"identity_claim": sig("identity_claim", score)}}, narrative_of={pid: "n1"})


def test_post_decision_withheld_under_narrative_decision_and_gate_still_restricts() -> None:
    stage, ctx = _setup()
    first = _run(stage, ctx, _claim("demo:1", 0))
    assert first["demo:1"].rule_id == "identity-claim-post"  # no narrative decision in force yet
    assert first["n1"].target_kind == "narrative"
    later = _run(stage, ctx, _claim("demo:2", 5))
    assert "demo:2" not in later  # trends/search exclusion already applied by the narrative decision
    assert stage.counts["covered"] == 1
    gate = Gate(ctx.storage, ttl=0.0)
    (r,) = gate.decide(Surface.TRENDS, "GB", ["demo:2"], T0 + timedelta(minutes=6))
    assert r.action == Action.EXCLUDE and r.reason_id == first["n1"].id
    # not recorded either: only the first post and the narrative are in the log
    subjects = [e.subject for e in ctx.storage.iter_events(kinds=["decision.applied"])]
    assert "demo:2" not in subjects and "demo:1" in subjects


def test_post_decision_that_adds_something_is_issued() -> None:
    stage, ctx = _setup()
    _run(stage, ctx, _claim("demo:1", 0))
    p = post("demo:3", "burn the mosque, the suspect is ali", BIG, minutes=5)
    b = batch(
        [p],
        {"demo:3": {"identity_claim": sig("identity_claim", 0.9), "incitement": sig("incitement", 0.9)}},
        narrative_of={"demo:3": "n1"},
    )
    ds = _run(stage, ctx, b)
    assert ds["demo:3"].item_action == Action.HOLD_FOR_REVIEW  # stricter + item action: issued


def test_reversed_narrative_decision_releases_withheld_post_decisions() -> None:
    stage, ctx = _setup()
    first = _run(stage, ctx, _claim("demo:1", 0))
    _run(stage, ctx, _claim("demo:2", 5))
    reverse_decision(ctx.storage, first["n1"].id, T0 + timedelta(minutes=7), "reviewer", "overbroad")
    after = _run(stage, ctx, _claim("demo:4", 10))
    rel = after["demo:2"]
    assert rel.rule_id == "identity-claim-post" and rel.at == T0 + timedelta(minutes=10)
    assert rel.facts["withheld"]["covered_by"] == first["n1"].id
    assert "reversed" in rel.facts["withheld"]["released_because"]
    assert after["demo:4"].rule_id == "identity-claim-post"  # the reversed cover covers nothing now
    assert stage.counts["released"] == 1
    gate = Gate(ctx.storage, ttl=0.0)
    (r,) = gate.decide(Surface.TRENDS, "GB", ["demo:2"], T0 + timedelta(minutes=11))
    assert r.action == Action.EXCLUDE and r.reason_id == rel.id


def test_expired_narrative_decision_releases_withheld_post_decisions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Released on expiry while still held: the default pack's covers last 7 days, past the two days a
    withheld decision is held by default (``POLICY_WITHHELD_RETIRE_AFTER_H``), so the hold is made
    longer here (see the test below for what happens past it)."""
    from wavebreak.core import constants as C

    monkeypatch.setattr(C, "POLICY_WITHHELD_RETIRE_AFTER_H", 24 * 30)
    stage, ctx = _setup()
    first = _run(stage, ctx, _claim("demo:1", 0))
    _run(stage, ctx, _claim("demo:2", 5))
    exp = first["n1"].expires_at
    assert exp is not None
    minutes = int((exp - T0).total_seconds() // 60) + 1
    p = post("demo:9", "unrelated", SMALL, minutes=minutes)
    b = batch([p], {})
    ds = _run(stage, ctx, b)
    assert ds["demo:2"].rule_id == "identity-claim-post"
    assert ds["demo:2"].expires_at is not None and ds["demo:2"].expires_at > exp


def test_repost_of_held_post_needs_no_decision_and_gate_resolves_it() -> None:
    stage, ctx = _setup()
    text = "everyone to the mosque tonight, burn it"
    o = post("demo:o", text, BIG)
    sigs = {"incitement": sig("incitement", 0.9)}
    first = _run(stage, ctx, batch([o], {"demo:o": sigs}))
    assert first["demo:o"].item_action == Action.HOLD_FOR_REVIEW
    r = post("demo:r", text, BIG, minutes=1)
    r.kind, r.repost_of = PostKind.REPOST, "demo:o"
    q = post("demo:q", text, BIG, minutes=1)
    q.kind, q.quote_of = PostKind.QUOTE, "demo:o"
    ds = _run(stage, ctx, batch([r, q], {"demo:r": sigs, "demo:q": sigs}))
    assert "demo:r" not in ds and ds["demo:q"].item_action == Action.HOLD_FOR_REVIEW
    gate = Gate(ctx.storage, HoldRegistry(), ttl=0.0)
    (res,) = gate.decide(Surface.RECOMMENDATIONS, "GB", ["demo:r"], T0 + timedelta(minutes=2))
    assert res.action == Action.HOLD_FOR_REVIEW and res.reason_id == first["demo:o"].id


def test_gate_link_repost_in_memory() -> None:
    g = Gate(None, ttl=60)
    g.link("demo:r", None, "demo:a", "x", repost_of="demo:o")
    d = decision(
        "d-o", "post", "demo:o", {Surface.RECOMMENDATIONS: Action.EXCLUDE}, item_action=Action.REMOVE
    )
    g.observe([d])
    (res,) = g.decide(Surface.RECOMMENDATIONS, None, ["demo:r"], T0)
    assert res.action == Action.REMOVE and res.reason_id == "d-o"


def test_cover_reversed_before_anything_is_withheld_under_it_releases_at_the_next_batch() -> None:
    # The reversal is read from the log once (revocations_since); the cover stays until a decision
    # is withheld under it, and that decision is issued at the next batch, as "reversed".
    stage, ctx = _setup()
    first = _run(stage, ctx, _claim("demo:1", 0))
    reverse_decision(ctx.storage, first["n1"].id, T0 + timedelta(minutes=2), "reviewer", "overbroad")
    _run(stage, ctx, batch([post("demo:8", "unrelated", SMALL, minutes=3)], {}))  # reads the reversal
    withheld = _run(stage, ctx, _claim("demo:2", 5))
    assert "demo:2" not in withheld
    after = _run(stage, ctx, batch([post("demo:9", "unrelated", SMALL, minutes=6)], {}))
    rel = after["demo:2"]
    assert rel.facts["withheld"]["covered_by"] == first["n1"].id
    assert rel.facts["withheld"]["released_because"] == "was reversed"
    assert stage.counts["released"] == 1


class _ProjectionOnly:
    """A storage that answers "which of these are revoked?" but cannot list revocations."""

    def __init__(self, inner: SqlStorage) -> None:
        self.inner = inner

    def revoked_among(self, ids: list[str]) -> list[str]:
        return self.inner.revoked_among(ids)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        if name == "revocations_since":
            raise AttributeError(name)
        return getattr(self.inner, name)


def test_reversal_is_noticed_through_a_storage_without_a_revocation_list() -> None:
    stage, ctx = _setup()
    assert isinstance(ctx.storage, SqlStorage)
    ctx.storage = _ProjectionOnly(ctx.storage)  # type: ignore[assignment]
    first = _run(stage, ctx, _claim("demo:1", 0))
    _run(stage, ctx, _claim("demo:2", 5))
    reverse_decision(ctx.storage, first["n1"].id, T0 + timedelta(minutes=7), "reviewer", "overbroad")
    after = _run(stage, ctx, _claim("demo:4", 10))
    assert after["demo:2"].facts["withheld"]["released_because"] == "was reversed"


def test_revocations_since_reads_reversals_and_supersessions_from_the_log() -> None:
    store = SqlStorage("sqlite://")
    stage, ctx = PolicyStage(), PipelineContext(services={"narratives": suspect_narratives()}, storage=store)
    first = _run(stage, ctx, _claim("demo:1", 0))
    assert store.revocations_since(0)[0] == []
    reverse_decision(store, first["demo:1"].id, T0 + timedelta(minutes=1), "reviewer", "no")
    ids, seq = store.revocations_since(0)
    assert ids == [first["demo:1"].id] and seq == store.event_head()[0]
    assert store.revocations_since(seq) == ([], seq)
    newer = decision(
        "d-new",
        "narrative",
        "n1",
        {Surface.TRENDS: Action.LABEL},
        at=T0 + timedelta(minutes=2),
        supersedes=first["n1"].id,
    )
    store.record([decision_event(newer)], [newer])
    assert store.revocations_since(seq)[0] == [first["n1"].id]
    # the same two decisions the projection says are revoked
    both = {first["n1"].id, first["demo:1"].id}
    assert set(store.revoked_among(sorted(both))) == both == set(store.revocations_since(0)[0])


def test_state_of_targets_whose_story_ended_is_retired_after_two_days() -> None:
    """Two days after a narrative's last post (it is archived then: no post can join it) and its
    last decision, the policy stage forgets its dedupe signature, cover and snapshot; a narrative
    still posting, or one with withheld post decisions waiting on its cover, keeps them."""
    from wavebreak.core import constants as C

    later = timedelta(hours=C.POLICY_STATE_RETIRE_AFTER_H, minutes=5)
    # ended: nothing withheld, silent for two days
    stage, ctx = _setup()
    _run(stage, ctx, _claim("demo:1", 0))
    assert ("narrative", "n1") in stage._issued and "n1" in stage._narr_snap
    quiet = batch([post("demo:9", "unrelated", SMALL, minutes=int(later.total_seconds() // 60))], {})
    _run(stage, ctx, quiet)
    assert ("narrative", "n1") not in stage._issued and ("narrative", "n1") not in stage._covers
    assert "n1" not in stage._narr_snap
    # still posting: kept
    stage, ctx = _setup()
    _run(stage, ctx, _claim("demo:1", 0))
    ctx.services["narratives"].narratives["n1"].last_seen = T0 + later - timedelta(hours=1)
    quiet = batch([post("demo:9", "unrelated", SMALL, minutes=int(later.total_seconds() // 60))], {})
    _run(stage, ctx, quiet)
    assert ("narrative", "n1") in stage._issued and ("narrative", "n1") in stage._covers
    # a withheld post decision waits on the cover: kept
    stage, ctx = _setup()
    _run(stage, ctx, _claim("demo:1", 0))
    _run(stage, ctx, _claim("demo:2", 5))
    quiet = batch([post("demo:9", "unrelated", SMALL, minutes=int(later.total_seconds() // 60))], {})
    _run(stage, ctx, quiet)
    assert ("narrative", "n1") in stage._covers and stage._withheld


def test_withheld_post_decisions_are_forgotten_two_days_after_their_evaluation() -> None:
    """A withheld post decision is held for ``POLICY_WITHHELD_RETIRE_AFTER_H`` of event time, not
    until the count cap: then it is forgotten (neither issued nor kept), even while its narrative is
    still posting, and a younger one under the same cover stays. Its cover stays in the gate."""
    from wavebreak.core import constants as C

    stage, ctx = _setup()
    _run(stage, ctx, _claim("demo:1", 0))
    _run(stage, ctx, _claim("demo:2", 5))
    _run(stage, ctx, _claim("demo:3", 120))
    assert stage._withheld_n == 2
    cover = stage._covers[("narrative", "n1")].id
    # the story goes on (so nothing else about n1 is retired); demo:2 is now past the age, demo:3 not
    later = timedelta(hours=C.POLICY_WITHHELD_RETIRE_AFTER_H, minutes=30)
    ctx.services["narratives"].narratives["n1"].last_seen = T0 + later
    quiet = batch([post("demo:9", "unrelated", SMALL, minutes=int(later.total_seconds() // 60))], {})
    assert not _run(stage, ctx, quiet)  # nothing issued: forgotten, not released
    assert stage._withheld_n == 1 and stage.counts["withheld_forgotten"] == 1
    ((checked, left),) = stage._withheld.values()
    assert checked == cover and [d.target_id for d in left] == ["demo:3"]
    assert stage._covers[("narrative", "n1")].id == cover
    # two hours on, the last one goes too, with its filing
    later += timedelta(hours=2)
    quiet = batch([post("demo:8", "unrelated", SMALL, minutes=int(later.total_seconds() // 60))], {})
    _run(stage, ctx, quiet)
    assert stage._withheld_n == 0 and not stage._withheld and not stage._filed
