"""Text scoring on a second core (``wavebreak.signals.parallel``): same signals, never a lost post.

The worker-process test spawns a real process (a few seconds of model loading), so it is marked
slow; the fallback and read-ahead tests run in process.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import pytest

from wavebreak.core import constants as C
from wavebreak.demo.run import scenario_batches
from wavebreak.pipeline import runner
from wavebreak.pipeline.runner import Pipeline, PipelineOptions, build_pipeline
from wavebreak.pipeline.stage import Batch
from wavebreak.scenario import ScenarioConfig, generate
from wavebreak.signals.parallel import PRESCORED_KEY, ParallelSignalsStage, texts_to_score


def _signals_of(workers: int, scale: float = 0.01, warming: bool = False) -> dict[str, dict[str, Any]]:
    scn = generate(ScenarioConfig(seed=3, scale=scale))
    p = build_pipeline(
        None, PipelineOptions(narratives=False, policy=False, slow_path=False, score_workers=workers)
    )
    if workers:
        p.stage("signals").score_while_warming = warming  # type: ignore[union-attr]
    out: dict[str, dict[str, Any]] = {}
    try:
        for i, batch in enumerate(p.ahead(scenario_batches(scn.posts(), 512))):
            if warming and i == 0:
                # as if the worker were still starting when the first batch's turn came: its call is
                # left running, unread, and this process scores the batch (then takes later ones)
                _fut, *rest = batch.extras[PRESCORED_KEY]
                batch.extras[PRESCORED_KEY] = (Future(), *rest)
            p.process(batch)
            for pid, sigs in batch.signals.items():
                out[pid] = {k: (s.score, s.label, s.model, s.explanation, s.data) for k, s in sigs.items()}
        stats = dict(p.stage("signals").stats)  # type: ignore[union-attr]
    finally:
        p.close()
    if workers:
        assert stats["prescored_texts"] > 0 and stats["worker_failures"] == 0
        assert (stats["scored_here_while_warming"] > 0) == warming
    return out


@pytest.mark.slow
def test_worker_process_gives_the_in_process_signals() -> None:
    here = _signals_of(0)
    there = _signals_of(1)
    assert len(here) > 1000
    assert there == here
    # the first batch scored here while the worker starts, the next ones taken from it: the same again
    assert _signals_of(1, warming=True) == here


class _Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []

    def prefetch(self, batch: Batch) -> None:
        self.log.append(("prefetch", batch.extras["n"]))

    def process(self, batch: Batch, ctx: Any) -> None:
        self.log.append(("process", batch.extras["n"]))

    def close(self, ctx: Any) -> None:
        pass


def test_ahead_shows_batches_early_and_keeps_order() -> None:
    rec = _Recorder()
    p = Pipeline([rec], ctx=build_pipeline(None, PipelineOptions(signals=False)).ctx)  # type: ignore[list-item]
    batches = [Batch(extras={"n": i}) for i in range(5)]
    for b in p.ahead(batches, depth=2):
        p.process(b)
    processed = [n for what, n in rec.log if what == "process"]
    assert processed == [0, 1, 2, 3, 4]
    # batch n is prefetched before batch n-2 is processed, and every batch exactly once
    assert rec.log.index(("prefetch", 2)) < rec.log.index(("process", 0))
    assert sorted(n for what, n in rec.log if what == "prefetch") == [0, 1, 2, 3, 4]


def test_without_a_prefetching_stage_ahead_is_the_identity() -> None:
    p = build_pipeline(None, PipelineOptions(signals=False, narratives=False, policy=False))
    batches = [Batch() for _ in range(3)]
    assert list(p.ahead(iter(batches))) == batches


def _batch() -> Batch:
    scn = generate(ScenarioConfig(seed=5, scale=0.01))
    return next(iter(scenario_batches(scn.posts(), 300)))


def test_a_failed_worker_result_falls_back_to_scoring_here() -> None:
    plain = ParallelSignalsStage(workers=1, start=False)
    ref_batch, batch = _batch(), _batch()
    ctx = build_pipeline(None, PipelineOptions(signals=False)).ctx
    plain.process(ref_batch, ctx)  # nothing prefetched: scored here
    broken: Future[Any] = Future()
    broken.set_exception(RuntimeError("worker died"))
    texts, langs = texts_to_score(batch)
    batch.extras[PRESCORED_KEY] = (broken, texts, langs, [])
    stage = ParallelSignalsStage(workers=1, start=False)
    stage.process(batch, ctx)
    assert stage.stats["worker_failures"] == 1
    assert {k: {n: s.score for n, s in v.items()} for k, v in batch.signals.items()} == {
        k: {n: s.score for n, s in v.items()} for k, v in ref_batch.signals.items()
    }
    stage.prefetch(_batch())  # after a failure nothing more is sent to a worker
    assert stage._pool is None


def test_texts_the_worker_did_not_see_are_scored_here() -> None:
    ctx = build_pipeline(None, PipelineOptions(signals=False)).ctx
    ref = ParallelSignalsStage(workers=1, start=False)
    ref_batch = _batch()
    ref.process(ref_batch, ctx)
    batch = _batch()
    texts, langs = texts_to_score(batch)
    half = len(texts) // 2
    # a "worker" result for the first half only, computed by an in-process stage
    helper = ParallelSignalsStage(workers=1, start=False)
    done: Future[Any] = Future()
    done.set_result((helper._rows(texts[:half], langs[:half]), {}, []))
    batch.extras[PRESCORED_KEY] = (done, texts[:half], langs[:half], [])
    stage = ParallelSignalsStage(workers=1, start=False)
    stage.process(batch, ctx)
    seen = set(zip(texts[:half], langs[:half], strict=True))
    unseen = sum(1 for k in zip(texts, langs, strict=True) if k not in seen)
    assert unseen > 0
    assert stage.stats["scored_here"] == unseen
    assert stage.stats["prescored_texts"] == len(texts) - unseen
    assert {k: {n: s.score for n, s in v.items()} for k, v in batch.signals.items()} == {
        k: {n: s.score for n, s in v.items()} for k, v in ref_batch.signals.items()
    }


@pytest.mark.parametrize(
    ("cpus", "expected"),
    [(1, 0), (2, C.PIPELINE_SCORE_WORKERS_DEFAULT), (16, C.PIPELINE_SCORE_WORKERS_DEFAULT)],
)
def test_default_workers_follow_the_usable_cpus(
    monkeypatch: pytest.MonkeyPatch, cpus: int, expected: int
) -> None:
    """Replays start a worker only where this process may use two CPUs: on one, a worker shares the
    core it would offload (the affinity, not the machine's count, as under ``taskset``)."""
    monkeypatch.setattr(runner.os, "sched_getaffinity", lambda _pid: set(range(cpus)), raising=False)
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 64)
    assert runner.default_score_workers() == expected


def test_default_workers_without_an_affinity_call_read_the_cpu_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(runner.os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 4)
    assert runner.default_score_workers() == C.PIPELINE_SCORE_WORKERS_DEFAULT
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 1)
    assert runner.default_score_workers() == 0
    monkeypatch.setattr(runner.os, "cpu_count", lambda: None)
    assert runner.default_score_workers() == 0


def _stage_with_pending(fut: Future[Any], batch: Batch, **kwargs: Any) -> ParallelSignalsStage:
    texts, langs = texts_to_score(batch)
    batch.extras[PRESCORED_KEY] = (fut, texts, langs, [])
    return ParallelSignalsStage(workers=1, start=False, **kwargs)


def _scores(batch: Batch) -> dict[str, dict[str, float]]:
    return {k: {n: s.score for n, s in v.items()} for k, v in batch.signals.items()}


def test_a_batch_the_starting_worker_has_not_reached_is_scored_here() -> None:
    """While the worker starts, a batch whose call it has not begun is scored here instead of waited
    for; the call is left to run (the worker's text cache must see every batch in order)."""
    ctx = build_pipeline(None, PipelineOptions(signals=False)).ctx
    ref_batch, batch = _batch(), _batch()
    ParallelSignalsStage(workers=1, start=False).process(ref_batch, ctx)
    pending: Future[Any] = Future()  # never answered, not running: a worker still loading its models
    stage = _stage_with_pending(pending, batch)
    stage.process(batch, ctx)
    texts, _ = texts_to_score(batch)
    assert stage.stats["scored_here_while_warming"] == len(texts) > 0
    assert stage.stats["prescored_texts"] == 0 and stage.stats["worker_wait_seconds"] == 0.0
    assert not pending.cancelled()
    assert _scores(batch) == _scores(ref_batch)


def test_once_worker_rows_are_taken_a_slow_batch_is_waited_for() -> None:
    """After the first batch whose rows came from the worker, later batches wait for it (this process's
    text cache no longer sees every batch); so does every batch with ``score_while_warming`` off."""
    ctx = build_pipeline(None, PipelineOptions(signals=False)).ctx
    helper = ParallelSignalsStage(workers=1, start=False)

    def answer_later(fut: Future[Any], texts: list[str], langs: list[str | None]) -> threading.Timer:
        rows = helper._rows(texts, langs)
        timer = threading.Timer(0.05, fut.set_result, args=((rows, {}, []),))
        timer.start()
        return timer

    for warming in (True, False):
        stage = ParallelSignalsStage(workers=1, start=False, score_while_warming=warming)
        for first in (True, False):
            batch = _batch()
            fut: Future[Any] = Future()
            texts, langs = texts_to_score(batch)
            batch.extras[PRESCORED_KEY] = (fut, texts, langs, [])
            if first and warming:
                fut.set_result((helper._rows(texts, langs), {}, []))  # answered before its turn
                stage.process(batch, ctx)
            else:
                timer = answer_later(fut, texts, langs)
                stage.process(batch, ctx)
                timer.join()
        assert stage.stats["scored_here_while_warming"] == 0
        assert stage.stats["prescored_texts"] == 2 * len(texts)


def _boom(payload: Any, texts: list[str], rows: list[Any]) -> Any:
    raise RuntimeError("ahead task failed")


def _count(payload: Any, texts: list[str], rows: list[Any]) -> Any:
    return (payload, len(texts), len(rows))


def test_an_ahead_task_that_fails_in_the_worker_only_loses_its_own_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A later stage's task failing in the worker leaves the rows and the other tasks' results: the
    later stage then computes its part itself (the narratives stage does for a batch scored here)."""
    from wavebreak.signals import parallel

    stage = ParallelSignalsStage(workers=1, start=False)
    monkeypatch.setattr(parallel, "_worker_stage", stage)
    texts, langs = texts_to_score(_batch())
    rows, _delta, results = parallel._score_in_worker(texts, langs, [(_boom, None), (_count, "p")])
    assert len(rows) == len(texts) > 0
    assert results == [None, ("p", len(texts), len(texts))]
    # collected: only the task that came back reaches the batch
    batch = _batch()
    tasks = (
        parallel.AheadTask(key="t.boom", payload=lambda b: None, run=_boom),
        parallel.AheadTask(key="t.count", payload=lambda b: "p", run=_count),
    )
    collector = ParallelSignalsStage(workers=1, start=False, ahead=tasks)
    done: Future[Any] = Future()
    done.set_result((rows, {}, results))
    batch.extras[PRESCORED_KEY] = (done, texts, langs, [(tasks[0], None), (tasks[1], "p")])
    collector._collect(batch)
    assert "t.boom" not in batch.extras
    assert batch.extras["t.count"] == ("p", ("p", len(texts), len(texts)))


def test_a_started_worker_s_running_call_is_waited_for_and_warm_up_is_capped() -> None:
    """Once the worker has answered, a call it has started on is waited for; and after
    ``PIPELINE_SCORE_WARMUP_MAX_BATCHES`` batches scored here, every batch waits (a worker that never
    answers is then seen, not silently replaced)."""
    ctx = build_pipeline(None, PipelineOptions(signals=False)).ctx
    helper = ParallelSignalsStage(workers=1, start=False)
    for case in ("running", "capped"):
        stage = ParallelSignalsStage(workers=1, start=False)
        batch = _batch()
        texts, langs = texts_to_score(batch)
        fut: Future[Any] = Future()
        if case == "running":
            stage._answered_once = True
            assert fut.set_running_or_notify_cancel()
        else:
            stage._warmup_batches = C.PIPELINE_SCORE_WARMUP_MAX_BATCHES
        batch.extras[PRESCORED_KEY] = (fut, texts, langs, [])
        timer = threading.Timer(0.05, fut.set_result, args=((helper._rows(texts, langs), {}, []),))
        timer.start()
        stage.process(batch, ctx)
        timer.join()
        assert stage.stats["scored_here_while_warming"] == 0
        assert stage.stats["prescored_texts"] == len(texts) > 0


def test_an_ahead_payload_that_raises_is_not_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    from wavebreak.signals import parallel

    def broken(posts: list[Any]) -> Any:
        raise ValueError("payload bug")

    submitted: list[Any] = []

    class _Pool:
        def submit(self, fn: Any, *args: Any) -> Future[Any]:
            submitted.append(args)
            return Future()

    tasks = (
        parallel.AheadTask(key="t.broken", payload=broken, run=_count),
        parallel.AheadTask(key="t.count", payload=lambda b: "p", run=_count),
    )
    stage = ParallelSignalsStage(workers=1, start=False, ahead=tasks)
    monkeypatch.setattr(stage, "_executor", lambda: _Pool())
    batch = _batch()
    stage.prefetch(batch)
    ((_texts, _langs, sent_tasks),) = submitted
    assert sent_tasks == [(_count, "p")]
    assert [t.key for t, _pl in batch.extras[PRESCORED_KEY][3]] == ["t.count"]
