"""The demo's scripted appeal picks a restriction that can still be appealed."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console

from wavebreak.core.records import Action, Decision, Grounds, Surface
from wavebreak.decisions.log import decision_event, reverse_decision
from wavebreak.demo.run import DemoDirector, ReviewTeam
from wavebreak.review.simulate import truth_label
from wavebreak.scenario import ScenarioConfig, generate
from wavebreak.storage import open_storage


def _restriction(i: int, target: str, at) -> Decision:  # type: ignore[no-untyped-def]
    return Decision(
        id=f"dec-{i}",
        at=at,
        target_kind="post",
        target_id=target,
        actions={Surface.TRENDS: Action.EXCLUDE},
        rule_id="identity-claim-post",
        grounds=Grounds("misleading-identity-claims"),
        facts={"identity_claim": 0.8},
    )


def test_appeal_skips_a_decision_a_reviewer_already_reversed() -> None:
    """Regression: `wavebreak demo --scale 0.1 --no-slow-path` crashed at the end because the
    first wrongly restricted refutation it found had already been released by a reviewer."""
    scn = generate(ScenarioConfig(seed=3, scale=0.005))
    refutations = [
        p.id
        for p in scn.posts()
        if scn.truth.narrative.get(p.id) == "refutation" and truth_label(scn, p.id) == "other"
    ][:2]
    assert len(refutations) == 2
    store = open_storage("sqlite://")
    at = scn.config.start + timedelta(hours=2)
    first, second = _restriction(1, refutations[0], at), _restriction(2, refutations[1], at)
    store.record([decision_event(first), decision_event(second)], [first, second])
    reverse_decision(
        store, first.id, at + timedelta(minutes=5), actor="reviewer-1", reason="refutes the claim"
    )
    director = DemoDirector(facts=scn.facts, start=scn.config.start, console=Console(quiet=True), quiet=True)
    team = ReviewTeam(scn, store, director, max_reports=0)
    out = team.finish(store, at + timedelta(hours=1))
    assert out["appeal"] is not None
    assert out["appeal"]["decision"] == second.id and out["appeal"]["outcome"] == "reversed"
