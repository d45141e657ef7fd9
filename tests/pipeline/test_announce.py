"""Listeners hear of each decision once, and only once it is recorded (the whole pipeline, not one stage).

The policy stage used to call ``ctx.on_decision`` itself, before the decisions stage had recorded
anything, and the decisions stage then announced the same decisions again after its commit.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from wavebreak.core import constants as C
from wavebreak.core.records import Alert, Decision
from wavebreak.decisions.stage import DecisionsStage
from wavebreak.demo.run import scenario_batches
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.runner import Pipeline, PipelineOptions, build_pipeline
from wavebreak.scenario import ScenarioConfig, generate
from wavebreak.storage import open_storage


@pytest.fixture(scope="module")
def stream() -> list:  # type: ignore[type-arg]
    return list(generate(ScenarioConfig(seed=7, scale=0.03)).posts())


def test_each_decision_announced_once_after_it_is_recorded(stream: list, tmp_path) -> None:  # type: ignore[no-untyped-def,type-arg]
    store = open_storage(f"sqlite:///{tmp_path / 'w.db'}")
    p = build_pipeline(store, PipelineOptions(slow_path=False))
    heard: Counter[str] = Counter()
    unrecorded: list[str] = []

    def on_decision(d: Decision) -> None:
        heard[d.id] += 1
        if store.get_decision(d.id) is None:
            unrecorded.append(d.id)

    p.ctx.on_decision.append(on_decision)
    made: list[str] = []
    for batch in scenario_batches(iter(stream), C.BATCH_SIZE):
        p.process(batch)
        made.extend(d.id for d in batch.decisions)
    p.close()
    store.close()
    assert len(made) > 10
    assert unrecorded == []
    assert sorted(heard) == sorted(made)
    assert set(heard.values()) == {1}


def test_a_pipeline_that_records_nothing_still_announces_once(stream: list) -> None:  # type: ignore[type-arg]
    p = build_pipeline(None, PipelineOptions(slow_path=False))
    decisions: Counter[str] = Counter()
    alerts: Counter[str] = Counter()
    p.ctx.on_decision.append(lambda d: decisions.update([d.id]))

    def on_alert(a: Alert) -> None:
        alerts[a.id] += 1

    p.ctx.on_alert.append(on_alert)
    made: list[str] = []
    raised: list[str] = []
    for batch in scenario_batches(iter(stream), C.BATCH_SIZE):
        p.process(batch)
        made.extend(d.id for d in batch.decisions)
        raised.extend(a.id for a in batch.alerts)
    assert len(made) > 10 and raised
    assert sorted(decisions) == sorted(made) and set(decisions.values()) == {1}
    assert sorted(alerts) == sorted(raised) and set(alerts.values()) == {1}


class _ClosingAlerter:
    """A stage that raises an alert while closing, as the narratives stage does for its last tick."""

    name = "closing-alerter"

    def process(self, batch: Any, ctx: Any) -> None:
        pass

    def close(self, ctx: Any) -> None:
        ctx.closing_alerts.append(
            Alert(
                id="al-late",
                at=datetime(2024, 7, 30, tzinfo=UTC),
                kind="risk",
                narrative_id="n1",
                message="late",
            )
        )


def test_alerts_raised_while_closing_are_recorded_then_announced(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = open_storage(f"sqlite:///{tmp_path / 'w.db'}")
    heard: list[tuple[str, bool]] = []

    def on_alert(a: Alert) -> None:
        heard.append(
            (a.id, any(e.payload.get("id") == a.id for e in store.iter_events(kinds=["alert.raised"])))
        )

    ctx = PipelineContext(storage=store, on_alert=[on_alert])
    p = Pipeline([_ClosingAlerter(), DecisionsStage()], ctx)  # type: ignore[list-item]
    p.close()
    assert heard == [("al-late", True)]
    assert ctx.closing_alerts == [] and p.stats.alerts == 1
    store.close()


def test_alerts_raised_while_closing_reach_listeners_without_storage() -> None:
    heard: list[str] = []
    ctx = PipelineContext(on_alert=[lambda a: heard.append(a.id)])
    p = Pipeline([_ClosingAlerter()], ctx)  # type: ignore[list-item]
    p.close()
    assert heard == ["al-late"]
