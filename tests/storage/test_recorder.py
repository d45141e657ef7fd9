"""Recording on another core (``wavebreak.storage.recorder``, ``SqlStorage.planned``): the same
records as writing in process, announced only once committed, and nothing lost when the recorder
fails. The tests that spawn the recorder process are marked slow; the plan and fallback logic is
tested in process."""

from __future__ import annotations

import io
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from wavebreak.decisions.audit import verify_chain
from wavebreak.decisions.stage import DecisionsStage
from wavebreak.demo.run import scenario_batches
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.runner import PipelineOptions, build_pipeline
from wavebreak.scenario import ScenarioConfig, generate
from wavebreak.storage import recorder as recorder_mod
from wavebreak.storage.sql import SqlStorage

from .conftest import make_decision, make_post
from .test_stage import _batch


def _write_batch(store: SqlStorage) -> None:
    """Every write a batch makes, as the decisions stage makes them."""
    b = _batch()
    store.add_accounts(b.accounts)
    store.add_posts(b.posts)
    store.add_deletions(b.deletions)
    store.add_quarantined(b.quarantined)
    store.add_signals(list(b.signals.items()))
    store.set_post_narratives(list(b.narrative_of.items()))
    store.add_narrative_points([{"narrative_id": "n1", "at": b.posts[0].created_at, "posts": 3}])
    from wavebreak.decisions.log import alert_event, decision_event

    store.record([alert_event(a) for a in b.alerts] + [decision_event(d) for d in b.decisions], b.decisions)


def _content(store: SqlStorage) -> dict[str, Any]:
    return {
        "counts": store.counts(),
        "events": [(e.seq, e.kind, e.hash != "") for e in store.iter_events()],
        "deleted": store.post_deleted_at("demo:4") is not None,
        "decision": store.get_decision("dec-1") is not None,
    }


def test_a_plan_writes_nothing_until_applied_then_what_direct_writes_would(tmp_path: Path) -> None:
    direct, planned = SqlStorage(tmp_path / "a.db"), SqlStorage(tmp_path / "b.db")
    try:
        with direct.transaction():
            _write_batch(direct)
        assert planned.can_plan
        with planned.planned() as ops:
            _write_batch(planned)
        assert {op[0] for op in ops} == {"rows", "call"}
        assert sum(planned.counts().values()) == 0  # collected, not run
        planned.apply_plan(ops)
        assert _content(planned) == _content(direct)
        assert _content(direct)["counts"]["posts"] == 5 and _content(direct)["counts"]["events"] == 3
        assert verify_chain(planned).ok
    finally:
        direct.close()
        planned.close()


def test_a_write_that_cannot_be_planned_raises_instead_of_running_out_of_order(tmp_path: Path) -> None:
    store = SqlStorage(tmp_path / "a.db")
    try:
        with store.planned(), pytest.raises(RuntimeError, match="cannot be planned"):
            store.put_decisions([make_decision(1, "demo:0")])
        assert store.counts()["decisions"] == 0
        with pytest.raises(ValueError, match="not a plan step"):
            store.apply_plan([("call", "clear_decisions", ())])
    finally:
        store.close()
    mem = SqlStorage("sqlite://")
    try:
        assert not mem.can_plan  # another process cannot open this process's memory
        with pytest.raises(RuntimeError, match="cannot plan"), mem.planned():
            pass
    finally:
        mem.close()


class _FailingPool:
    """Stands in for the recorder process: every plan fails (as a dead process's would)."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        self.submitted = 0

    def submit(self, fn: Any, *args: Any) -> Future[None]:
        self.submitted += 1
        fut: Future[None] = Future()
        if fn is recorder_mod._apply:
            fut.set_exception(RuntimeError("recorder died"))
        else:
            fut.set_result(None)
        return fut

    def shutdown(self, **kw: Any) -> None:
        pass


def test_plans_a_failed_recorder_did_not_commit_are_applied_here_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(recorder_mod, "ProcessPoolExecutor", _FailingPool)
    store = SqlStorage(tmp_path / "a.db")
    announced: list[str] = []
    ctx = PipelineContext(storage=store, on_decision=[lambda d: announced.append(d.id)])
    stage = DecisionsStage(record_worker=True)
    try:
        for i in range(3):
            b = _batch()
            b.posts = [make_post(10 * i + k) for k in range(4)]
            b.decisions = [make_decision(10 * i + 1, f"demo:{10 * i}")]
            b.deletions, b.quarantined, b.alerts = [], [], []
            stage.process(b, ctx)
        stage.close(ctx)
    finally:
        store.close()
    assert "recording in process from now on" in caplog.text
    assert announced == ["dec-1", "dec-11", "dec-21"]  # every batch, in order, once recorded
    assert stage.stats["recorder_applied_here"] == 3
    store = SqlStorage(tmp_path / "a.db")
    try:
        assert store.counts()["posts"] == 12 and store.counts()["decisions"] == 3
        assert verify_chain(store).ok
    finally:
        store.close()


def _replay(db: Path, record_worker: bool) -> tuple[dict[str, Any], list[str]]:
    store = SqlStorage(db)
    p = build_pipeline(store, PipelineOptions(slow_path=False, record_worker=record_worker))
    announced: list[str] = []
    reads: list[bool] = []

    def on_decision(d: Any) -> None:
        announced.append(d.id)
        if len(reads) < 20:  # recorded before announced: the listener finds it in the store
            reads.append(store.get_decision(d.id) is not None)

    p.ctx.on_alert.append(lambda a: announced.append(a.id))
    p.ctx.on_decision.append(on_decision)
    try:
        for batch in scenario_batches(generate(ScenarioConfig(seed=5, scale=0.02)).posts(), 512):
            p.process(batch)
            # every read this process makes sees the batches processed so far
            assert store.counts()["posts"] == p.stage("decisions").stats["posts"]  # type: ignore[union-attr]
    finally:
        p.close()
    assert reads and all(reads)
    out = {
        "counts": store.counts(),
        "kinds": sorted((e.kind, e.subject) for e in store.iter_events()),
        "chain": verify_chain(store).ok,
        "applied_here": p.stage("decisions").stats.get("recorder_applied_here"),  # type: ignore[union-attr]
    }
    store.close()
    return out, announced


@pytest.mark.slow
def test_the_recorder_process_records_and_announces_what_recording_here_does(tmp_path: Path) -> None:
    here, told_here = _replay(tmp_path / "here.db", record_worker=False)
    there, told_there = _replay(tmp_path / "there.db", record_worker=True)
    assert there.pop("applied_here") == 0 and here.pop("applied_here") is None
    assert here["counts"]["posts"] > 3000 and here["counts"]["events"] > 50
    assert there == here
    assert told_there == told_here  # the same alerts and decisions, in the same order


@pytest.mark.parametrize(("cpus", "expected"), [(1, False), (2, False), (3, True), (16, True)])
def test_replays_record_in_a_second_process_by_default_only_where_a_third_cpu_is_free(
    monkeypatch: pytest.MonkeyPatch, cpus: int, expected: bool
) -> None:
    """On two CPUs the recorder would share the scoring worker's core (measured: no gain there); with a
    third one it has its own (measured +9-16 % where it had a core to itself)."""
    from wavebreak.pipeline import runner

    monkeypatch.setattr(runner.os, "sched_getaffinity", lambda _pid: set(range(cpus)), raising=False)
    assert runner.default_record_worker() is expected


def test_a_replay_passes_its_recorder_choice_to_the_decisions_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``wavebreak replay``'s default follows the CPUs for files, is off for a live feed on stdin, and
    ``--record-worker/--no-record-worker`` wins over both."""
    from wavebreak.demo import live
    from wavebreak.pipeline import runner

    monkeypatch.chdir(tmp_path)  # the quarantine file goes beside the (absent) summary
    seen: list[bool] = []
    real = runner.build_pipeline

    def spy(storage: Any, opts: PipelineOptions) -> Any:
        seen.append(opts.record_worker)
        return real(storage, PipelineOptions(signals=False, narratives=False, policy=False))

    monkeypatch.setattr(live, "build_pipeline", spy)
    monkeypatch.setattr(live, "default_record_worker", lambda: True)
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "hello", "id": "1", "author_id": "a", "created_at": "2024-07-29T12:00:00Z"}\n')
    db = f"sqlite:///{tmp_path / 'r.db'}"
    live.run_stream([str(src)], "jsonl", db=db, quiet=True)
    live.run_stream([str(src)], "jsonl", db=db, quiet=True, record_worker=False)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(src.read_bytes())))
    live.run_stream(["-"], "jsonl", db=db, quiet=True)
    assert seen == [True, False, False]


def test_the_recorder_takes_plans_strictly_in_sequence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan that arrives out of sequence (one before it never reached the process) is refused, and so
    is every later one: the parent then applies them all, in order (no later plan commits first)."""
    import pickle

    store = SqlStorage(tmp_path / "a.db")
    monkeypatch.setattr(recorder_mod, "_store", store)
    monkeypatch.setattr(recorder_mod, "_failed", None)
    monkeypatch.setattr(recorder_mod, "_last_seq", 0)
    try:

        def plan(i: int) -> bytes:
            with store.planned() as ops:
                store.add_posts([make_post(i)])
            return pickle.dumps(ops)

        recorder_mod._apply(1, plan(1))
        with pytest.raises(RuntimeError, match="plan 3 arrived after plan 1"):
            recorder_mod._apply(3, plan(3))
        with pytest.raises(RuntimeError, match="skipped"):
            recorder_mod._apply(2, plan(2))  # even the missing one: the parent applies 2 then 3
        assert store.counts()["posts"] == 1
    finally:
        store.close()
