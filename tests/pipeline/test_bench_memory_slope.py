"""Figures of ``bench.pipeline``: the memory slope over the second half's samples, the GC share."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = str(Path(__file__).resolve().parents[2])  # bench/ is beside the package, not installed with it
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.pipeline import _gc_timer, _slope_per_million  # noqa: E402


def test_slope_reads_the_trend_not_the_end_samples() -> None:
    # a flat second half (5-10M posts, a sample every 100k) with ±20 MiB allocator swings, which
    # happen to put the last sample 40 MiB above the first: the end samples say +8 MiB per million
    flat = [(5_000_000 + i * 100_000, 1900.0 + (20.0 if i % 2 else -20.0)) for i in range(50)]
    assert (flat[-1][1] - flat[0][1]) / ((flat[-1][0] - flat[0][0]) / 1e6) == pytest.approx(40 / 4.9)
    assert abs(_slope_per_million(flat)) < 1.0
    growing = [(p, 1000.0 + 75.0 * p / 1e6) for p in range(0, 5_000_001, 500_000)]
    assert _slope_per_million(growing) == pytest.approx(75.0)
    assert _slope_per_million([(1, 5.0)]) == 0.0
    assert _slope_per_million([(1, 5.0), (1, 7.0)]) == 0.0


def test_gc_timer_adds_each_collection_once() -> None:
    # the hook adds a collection's duration when it stops, from the start it saw: a start alone adds
    # nothing, and a second collection adds to the first rather than replacing it
    acc = [0.0, 0.0]
    hook = _gc_timer(acc)
    hook("start", {"generation": 0})
    assert acc[0] == 0.0
    hook("stop", {"generation": 0, "collected": 0, "uncollectable": 0})
    first = acc[0]
    assert first > 0.0
    hook("start", {"generation": 2})
    hook("stop", {"generation": 2, "collected": 0, "uncollectable": 0})
    assert acc[0] > first


def test_lines_replays_only_the_slice(tmp_path, monkeypatch) -> None:
    """``--lines START:END`` (instruction counts under callgrind): the pipeline alone on that slice."""
    import bench.pipeline as bp

    stream = tmp_path / "s.jsonl"
    monkeypatch.setattr(bp, "make_stream", lambda posts, seed: stream)
    from wavebreak.ingest import emit
    from wavebreak.scenario import ScenarioConfig, generate

    with stream.open("wb") as out:
        emit(bp._take(generate(ScenarioConfig(seed=3, scale=0.02)).posts(), 600), "jetstream", out)
    called: list[str] = []
    monkeypatch.setattr(bp, "bench_raw", lambda path: called.append("baseline"))
    got = bp.main(["--lines", "100:400", "--no-store"])
    assert got["posts"] == 300 and got["lines"] == "100:400"
    assert called == []  # no baseline pass on a slice
    assert bp.main(["--lines", "550:", "--no-store"])["posts"] == 50
    # CPU a post by process: this one did the work (no worker here); the workers' figure is whatever
    # exited children were reaped meanwhile (none of this run's), so only its presence is checked
    cpu = got["pipeline_cpu_us_per_post"]
    assert cpu["main"] > 0 and cpu["wall"] > 0 and cpu["workers"] >= 0.0


def test_children_cpu_counts_an_exited_child() -> None:
    """The workers' CPU is read from the exited children's usage (``RUSAGE_CHILDREN``)."""
    import subprocess
    import sys

    import bench.pipeline as bp

    before = bp._children_cpu_s()
    subprocess.run([sys.executable, "-c", "sum(i * i for i in range(3_000_000))"], check=True)
    assert bp._children_cpu_s() - before > 0.05
