"""Signals round 7 (H3) speed changes keep every output and leave the process as they found it.

The fast path runs with the cyclic garbage collector paused (``SIGNALS_PAUSE_GC``). That is only safe
if the fast path creates no reference cycles (garbage only the collector could free would pile up for
a batch), and only polite if the collector's state is restored whatever happens.
"""

from __future__ import annotations

import dataclasses
import gc
from typing import Any

import pytest

from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.stage import Batch
from wavebreak.signals.eval import bench_posts
from wavebreak.signals.stage import SignalsStage


@pytest.fixture(scope="module")
def posts() -> list[Any]:
    return bench_posts(3000)


def _run(stage: SignalsStage, posts: list[Any], batch: int = 512) -> list[Batch]:
    ctx = PipelineContext()
    out = []
    for i in range(0, len(posts), batch):
        b = Batch(posts=posts[i : i + batch])
        stage.process(b, ctx)
        out.append(b)
    return out


def test_fast_path_creates_no_reference_cycles(posts: list[Any]) -> None:
    stage = SignalsStage(slow_path=False, pause_gc=False)
    _run(stage, posts[:256])  # lazy imports and model loads may leave cycles of their own
    was = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        ctx = PipelineContext()
        for i in range(0, len(posts), 512):
            stage.process(Batch(posts=posts[i : i + 512]), ctx)
            assert gc.collect() == 0, f"batch at {i} left cyclic garbage"
    finally:
        if was:
            gc.enable()


def test_collector_state_is_restored(posts: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    stage = SignalsStage(slow_path=False)
    was = gc.isenabled()
    try:
        gc.enable()
        seen: list[bool] = []
        orig = stage._fast

        def spy(batch: Batch, ctx: PipelineContext) -> None:
            seen.append(gc.isenabled())
            orig(batch, ctx)

        monkeypatch.setattr(stage, "_fast", spy)
        stage.process(Batch(posts=posts[:64]), PipelineContext())
        assert seen == [False] and gc.isenabled()
        gc.disable()  # a process that runs with the collector off keeps it off
        stage.process(Batch(posts=posts[:64]), PipelineContext())
        assert not gc.isenabled()
        gc.enable()

        def boom(batch: Batch, ctx: PipelineContext) -> None:
            raise RuntimeError("boom")

        monkeypatch.setattr(stage, "_fast", boom)
        with pytest.raises(RuntimeError):
            stage.process(Batch(posts=posts[:64]), PipelineContext())
        assert gc.isenabled()
        off = SignalsStage(slow_path=False, pause_gc=False)
        monkeypatch.setattr(off, "_fast", spy)
        off.process(Batch(posts=posts[:64]), PipelineContext())
        assert seen[-1] is True
    finally:
        (gc.enable if was else gc.disable)()


def _dump(batches: list[Batch]) -> list[Any]:
    return [
        (
            {pid: {k: dataclasses.astuple(s) for k, s in sigs.items()} for pid, sigs in b.signals.items()},
            {a: {k: dataclasses.astuple(s) for k, s in d.items()} for a, d in b.account_signals.items()},
        )
        for b in batches
    ]


def test_outputs_do_not_depend_on_the_pause(posts: list[Any]) -> None:
    on = _dump(_run(SignalsStage(slow_path=False, pause_gc=True), posts))
    off = _dump(_run(SignalsStage(slow_path=False, pause_gc=False), posts))
    assert on == off
