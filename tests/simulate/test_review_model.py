"""The simulator's review model: four-eyes releases take a second, independent look.

Driven through ``Simulator._review_step`` on a stub (no world, no pipeline), so the test is
fast and shows the model itself: which draws are used and what each look costs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import numpy as np

from wavebreak.core.records import Action, Decision
from wavebreak.simulate.engine import BN, IN, ReviewQueue, Simulator, _uniform

SEED = 7
ACC = 0.95


def _stub(cls: list[int], keys: list[int], four_eyes: list[bool], repeats: float) -> Any:
    q = ReviewQueue(reviewers=10, minutes_per_item=1.0, pickup_min=20.0, accuracy=ACC)
    for i, f in enumerate(four_eyes):
        q.add(i, 0.0, f"hold-{i}", float(100 - i), four_eyes=f)
    out: list[Decision] = []
    return SimpleNamespace(
        review=q,
        _now_s=0.0,
        _at=lambda s: datetime(2024, 7, 29, tzinfo=UTC),
        items=SimpleNamespace(cls=np.array(cls), key=np.array(keys), ids=[f"p{i}" for i in range(len(cls))]),
        w=SimpleNamespace(seed=SEED),
        p=SimpleNamespace(review_accuracy=ACC, review_second_repeats_error=repeats, step_minutes=5.0),
        _on_decision=out.append,
        decided=out,
    )


def _run(sim: Any, minutes: float) -> None:
    """Advance stream time by ``minutes`` in 5-minute steps, running the review step each time."""
    for _ in range(int(minutes // 5)):
        sim._now_s += 300.0
        Simulator._review_step(sim, int(sim._now_s // 300))


def _key(first_wrong: bool, second_wrong: bool, same: bool | None = None) -> int:
    """A post key whose hashed draws give the wanted first / second reviewer outcomes."""
    for k in range(1, 200_000):
        u1 = float(_uniform(SEED, k, 0x5EED)[0])
        u2 = float(_uniform(SEED, k, 0x3EED)[0])
        us = float(_uniform(SEED, k, 0x2EED)[0])
        if (
            (u1 >= ACC) == first_wrong
            and (u2 >= ACC) == second_wrong
            and (same is None or (us < 0.5) == same)
        ):
            return k
    raise AssertionError("no key")


def test_four_eyes_release_takes_a_second_look_with_its_own_pickup_and_time() -> None:
    k = _key(first_wrong=False, second_wrong=False)
    sim = _stub([BN, BN], [k, k], [True, False], repeats=0.5)
    _run(sim, 25)  # first looks only
    acts = {d.target_id: d.rule_id for d in sim.decided}
    assert acts == {"p1": "review:release"}  # the four-eyes release is only proposed; the hold stays
    assert sim.review.proposed == 1 and 0 in sim.review.queue
    _run(sim, 25)  # the second look waits its own pick-up latency
    assert {d.target_id: d.rule_id for d in sim.decided} == {"p0": "review:release", "p1": "review:release"}
    st = sim.review.stats()
    assert st["reviewed"] == 3 and st["four_eyes_proposed"] == 1 and st["four_eyes_released"] == 1


def test_second_reviewer_catches_an_independent_error_but_not_a_shared_one() -> None:
    caught = _key(first_wrong=True, second_wrong=False, same=False)
    shared = _key(first_wrong=True, second_wrong=False, same=True)
    for key, repeats, rule in ((caught, 0.5, "review:remove"), (shared, 0.5, "review:release")):
        sim = _stub([IN], [key], [True], repeats=repeats)
        _run(sim, 60)
        assert [d.rule_id for d in sim.decided] == [rule]
        assert sim.review.stats()["reviewed"] == 2
    # without four eyes the same wrong first look releases the call to violence at once
    sim = _stub([IN], [caught], [False], repeats=0.5)
    _run(sim, 60)
    assert [d.rule_id for d in sim.decided] == ["review:release"] and sim.review.stats()["reviewed"] == 1
    assert sim.decided[0].item_action != Action.REMOVE
