"""DecisionsStage: everything is recorded before any listener hears about it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from wavebreak.core.records import Account, Alert, Deletion, Quarantined, Signal
from wavebreak.decisions.audit import verify_chain
from wavebreak.decisions.log import DECISION_APPLIED, rebuild_projection, reverse_decision
from wavebreak.decisions.serde import decision_from_dict
from wavebreak.decisions.stage import DecisionsStage, signals_worth_keeping
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.stage import Batch
from wavebreak.storage.sql import SqlStorage

from .conftest import T0, make_decision, make_post


def _alert() -> Alert:
    return Alert(
        id="al-1", at=T0, kind="burst", narrative_id="n1", message="burst", terms=("boat",), risk=0.8
    )


def _batch() -> Batch:
    posts = [make_post(i) for i in range(5)]
    posts[0].author = Account(id="demo:a0", platform="demo", followers=2_800_000)
    return Batch(
        posts=posts,
        accounts=[Account(id="demo:a1", platform="demo", followers=5)],
        deletions=[Deletion("demo:4", T0 + timedelta(hours=1), "demo")],
        quarantined=[Quarantined("in.jsonl", 3, "invalid json", "{")],
        signals={
            "demo:0": {"identity_claim": Signal("identity_claim", 0.9), "lang": Signal("lang", 1.0, "en")},
            "demo:1": {"hate": Signal("hate", 0.1), "stance": Signal("stance", 0.8, "deny")},
            "demo:2": {"hate": Signal("hate", 0.2), "stance": Signal("stance", 0.9, "comment")},
        },
        narrative_of={"demo:0": "n1", "demo:1": "n1"},
        alerts=[_alert()],
        decisions=[make_decision(1, "demo:0"), make_decision(2, "n1", target_kind="narrative")],
        watermark=T0,
    )


def test_signals_worth_keeping_filter() -> None:
    kept = dict(signals_worth_keeping(_batch().signals))
    assert set(kept) == {"demo:0", "demo:1"}  # high identity claim; deny stance. demo:2 is noise.


def test_stage_persists_and_records(store: SqlStorage) -> None:
    ctx = PipelineContext(storage=store)
    stage = DecisionsStage()
    assert stage.name == "decisions"
    stage.process(_batch(), ctx)
    counts = store.counts()
    assert counts["posts"] == 5 and counts["accounts"] == 2 and counts["signals"] == 4
    assert counts["events"] == 3 and counts["decisions"] == 2 and counts["post_narratives"] == 2
    assert store.get_account("demo:a0").followers == 2_800_000
    assert store.post_deleted_at("demo:4") is not None
    assert store.quarantine_counts() == {"invalid json": 1}
    kinds = [e.kind for e in store.iter_events()]
    assert kinds == ["alert.raised", DECISION_APPLIED, DECISION_APPLIED]
    applied = next(store.iter_events(kinds=[DECISION_APPLIED]))
    assert applied.payload["facts"]["identity_claim"] == 0.91
    assert applied.payload["grounds"]["legal_basis"] == "OSA 2023 s.10"
    assert decision_from_dict(applied.payload).id == "dec-1"
    stage.close(ctx)
    assert store.latest_anchor()["seq"] == 3
    assert verify_chain(store).ok


def test_recorded_before_announced(store: SqlStorage) -> None:
    seen: list[tuple[str, bool]] = []

    def on_decision(d) -> None:
        # the listener must find the decision already in storage and in the event log
        in_index = store.get_decision(d.id) is not None
        in_log = any(e.payload.get("id") == d.id for e in store.iter_events(kinds=[DECISION_APPLIED]))
        seen.append((d.id, in_index and in_log))

    def on_alert(a) -> None:
        seen.append((a.id, any(e.kind == "alert.raised" for e in store.iter_events())))

    ctx = PipelineContext(storage=store, on_alert=[on_alert], on_decision=[on_decision])
    DecisionsStage().process(_batch(), ctx)
    assert seen == [("al-1", True), ("dec-1", True), ("dec-2", True)]


def test_failing_listener_loses_nothing(store: SqlStorage) -> None:
    calls: list[str] = []

    def boom(d) -> None:
        raise RuntimeError("sink down")

    ctx = PipelineContext(storage=store, on_decision=[boom, lambda d: calls.append(d.id)])
    stage = DecisionsStage()
    stage.process(_batch(), ctx)
    assert calls == ["dec-1", "dec-2"]  # later listeners still called
    assert stage.stats["listener_errors"] == 2
    assert store.get_decision("dec-1") is not None and store.counts()["events"] == 3


def test_stage_without_storage_refuses() -> None:
    with pytest.raises(RuntimeError, match="recorded before"):
        DecisionsStage().process(_batch(), PipelineContext())


def test_reversal_and_projection_rebuild(store: SqlStorage) -> None:
    DecisionsStage().process(_batch(), PipelineContext(storage=store))
    at = T0 + timedelta(hours=2)
    ev = reverse_decision(store, "dec-1", at, actor="reviewer:7", reason="appeal upheld")
    assert ev.kind == "decision.reversed" and ev.payload["decision_id"] == "dec-1"
    assert store.decision_revoked_at("dec-1") == at
    assert [d.id for d in store.decisions_for(["demo:0"], at + timedelta(minutes=1))] == []
    with pytest.raises(KeyError):
        reverse_decision(store, "nope", at, actor="x")
    # the projection is derived: wipe it, rebuild from the log, same answers
    assert rebuild_projection(store) == 2
    assert store.decision_revoked_at("dec-1") == at
    assert [d.id for d in store.decisions_for(["demo:0", "n1"], at + timedelta(minutes=1))] == ["dec-2"]
    assert verify_chain(store).ok


class _FakeNarratives:
    """Stands in for ctx.services["narratives"] (get / all / series)."""

    def __init__(self) -> None:
        from wavebreak.core.records import Narrative

        self.items = {
            "n1": Narrative(id="n1", title="big", first_seen=T0, last_seen=T0, posts_total=50),
            "n2": Narrative(id="n2", title="tiny", first_seen=T0, last_seen=T0, posts_total=1),
            "n3": Narrative(id="n3", title="tiny but decided", first_seen=T0, last_seen=T0, posts_total=2),
        }

    def get(self, nid: str):
        return self.items.get(nid)

    def all(self, min_posts: int = 1):
        return [n for n in self.items.values() if n.posts_total >= min_posts]

    def series(self, nid: str):
        return [{"at": T0, "posts": 3, "accounts_cum": 2, "reach_cum": 9}]


def test_stage_persists_narratives_from_service(store: SqlStorage) -> None:
    ctx = PipelineContext(storage=store, services={"narratives": _FakeNarratives()})
    batch = _batch()
    batch.narrative_of = {"demo:0": "n1", "demo:1": "n2", "demo:2": "n3"}
    batch.decisions = [make_decision(5, "n3", target_kind="narrative")]
    stage = DecisionsStage()
    stage.process(batch, ctx)
    # n2 is one-off chatter: not stored; n3 is small but a decision names it
    assert {n.id for n in store.list_narratives()} == {"n1", "n3"}
    stage.close(ctx)
    series = store.narrative_series("n3")
    assert len(series) == 1 and series[0]["reach_cum"] == 9
    assert store.narrative_series("n2") == []


def test_record_is_atomic(store: SqlStorage) -> None:
    """Log and projection commit together: a failure in one leaves neither half behind."""
    from sqlalchemy.exc import IntegrityError

    from wavebreak.core.records import Event

    store.append_events([Event("x", T0, "s", {}, id="taken")])
    with pytest.raises(IntegrityError):
        store.record([Event("decision.applied", T0, "demo:1", {}, id="taken")], [make_decision(1, "demo:1")])
    assert store.get_decision("dec-1") is None
    assert store.event_head()[0] == 1 and verify_chain(store).ok
    stored = store.record([Event("decision.applied", T0, "demo:1", {})], [make_decision(1, "demo:1")])
    assert stored[0].seq == 2 and store.get_decision("dec-1") is not None


class _CountingStore(SqlStorage):
    """SQLite store that records which account ids each ``add_accounts`` call wrote."""

    def __init__(self) -> None:
        super().__init__("sqlite://")
        self.account_writes: list[list[str]] = []

    def add_accounts(self, accounts):  # type: ignore[no-untyped-def]
        self.account_writes.append([a.id for a in accounts])
        super().add_accounts(accounts)


def test_unchanged_account_snapshots_are_not_rewritten() -> None:
    store = _CountingStore()
    ctx = PipelineContext(storage=store)
    stage = DecisionsStage()
    author = Account(id="demo:a0", platform="demo", followers=10)

    def batch(i: int, acc: Account, deletions: list[Deletion] | None = None) -> Batch:
        p = make_post(i)
        p.author = acc
        return Batch(posts=[p], deletions=deletions or [], watermark=T0)

    stage.process(batch(1, author), ctx)
    stage.process(batch(2, Account(id="demo:a0", platform="demo", followers=10)), ctx)  # equal: skipped
    author.followers = 25  # the same record changed in place after it was written: written again
    stage.process(batch(3, author), ctx)
    assert store.account_writes == [["demo:a0"], ["demo:a0"]]
    assert store.get_account("demo:a0").followers == 25
    # a deletion rewrites the row, so the next (equal) snapshot is written again
    stage.process(batch(4, author, [Deletion("demo:a0", T0, "demo")]), ctx)
    stage.process(batch(5, author), ctx)
    assert store.account_writes == [["demo:a0"], ["demo:a0"], ["demo:a0"]]
