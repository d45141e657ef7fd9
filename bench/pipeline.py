"""Whole-pipeline throughput against the raw JSON-parsing rate, with memory over the run.

    python -m bench.pipeline --posts 1000000 [--json] [--no-store]

Generates (once, cached) a Jetstream-format stream from the demo scenario,
then in the same run measures: (1) merely reading the lines and
``json.loads``-ing them (the baseline, once before and once after the rest; the
ratios use the two passes' pooled rate, their harmonic mean), (2) the same with ``orjson``, (3) the
ingest adapter alone, (4) the whole pipeline (ingest → signals → narratives →
policy → recorded decisions; under the collector settings ``wavebreak replay`` uses,
``replay_gc``, with the share of wall time spent collecting in ``pipeline_gc_share``), and reports posts/s and the ratios to the
baseline (also in CPU seconds: ``ratio_pipeline_to_json_loads_cpu``, steadier on a
shared host) and the bytes written to disk per post (``pipeline_disk_write_kb_per_post``).
Resident memory is sampled every 10 batches so flatness can be read off: second-half growth in MiB and per million posts, and the least-squares slope of every second-half sample (``rss_mb.second_half_slope_per_million``, steadier than two end samples), and the RSS at
each tenth of the run (``rss_curve``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson

PROGRESS_EVERY = 500_000  # posts between progress lines on stderr
CACHE = Path(os.environ.get("WAVEBREAK_BENCH_CACHE", Path(tempfile.gettempdir()) / "wavebreak-bench"))


def rss_mb() -> float:
    """Resident set size of this process in MiB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


def disk_write_mb() -> float:
    """Bytes this process has caused to be written to storage so far, in MiB (Linux /proc; 0 elsewhere).

    Why in a benchmark: the recording stage is bound by what SQLite writes (WAL frames, then the
    same pages again at checkpoint), a figure that does not move with the host's load as wall time
    does."""
    try:
        with open("/proc/self/io") as fh:
            for line in fh:
                if line.startswith("write_bytes:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 0.0


def make_stream(posts: int, seed: int) -> Path:
    """Write (or reuse) a Jetstream file of about ``posts`` posts from the scenario generator."""
    from wavebreak.ingest import emit
    from wavebreak.scenario import ScenarioConfig, generate

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"jetstream-{posts}-{seed}-tid.jsonl"
    if path.exists() and path.stat().st_size > 0:
        return path
    written = 0
    tmp = path.with_suffix(".tmp")
    chunk = 0
    with tmp.open("wb") as out:
        # Several scenario runs back to back (shifted seeds) until the target size is reached:
        # the stream stays realistic (same mix of narratives) at any size. Each run starts where
        # the previous one ended, so event time only moves forward: overlapping runs would put two
        # crises in the same 36 hours and measure twice the live state, not a longer stream.
        start = ScenarioConfig().start
        while written < posts:
            scale = min(5.0, max(0.05, (posts - written) / 200_000))
            cfg = ScenarioConfig(seed=seed + chunk, scale=scale, start=start)
            start = cfg.start + timedelta(hours=cfg.hours)
            scn = generate(cfg)
            written += emit(_take(scn.posts(), posts - written), "jetstream", out)
            chunk += 1
    tmp.rename(path)
    return path


def _take(it: Any, n: int) -> Any:
    for i, x in enumerate(it):
        if i >= n:
            return
        yield x


def bench_raw(path: Path) -> dict[str, float]:
    """Baseline: read lines and parse JSON, nothing else."""
    out: dict[str, float] = {}
    for name, loads in (("json", json.loads), ("orjson", orjson.loads)):
        t0, c0 = time.perf_counter(), time.process_time()
        n = 0
        with path.open("rb") as fh:
            for line in fh:
                loads(line)
                n += 1
        out[f"{name}_lines_per_s"] = n / (time.perf_counter() - t0)
        out[f"{name}_lines_per_cpu_s"] = n / (time.process_time() - c0)
        out["lines"] = n
    return out


def bench_ingest(path: Path) -> dict[str, float]:
    from wavebreak.ingest import read_batches

    t0 = time.perf_counter()
    posts = 0
    for batch in read_batches(str(path), "jetstream"):
        posts += len(batch.posts)
    return {"posts": posts, "posts_per_s": posts / (time.perf_counter() - t0)}


def bench_pipeline(
    path: Path,
    store: bool,
    slow_path: bool,
    foundation: bool = False,
    score_workers: int = 0,
    record_worker: bool = False,
) -> dict[str, Any]:
    from wavebreak.ingest import read_batches
    from wavebreak.pipeline.runner import PipelineOptions, build_pipeline, replay_gc
    from wavebreak.storage import open_storage

    tmpdir = tempfile.mkdtemp(prefix="wavebreak-bench-")
    children0 = _children_cpu_s()  # the workers' CPU is counted once they exit (pipeline.close)
    storage = open_storage(f"sqlite:///{tmpdir}/bench.db") if store else None
    opts = PipelineOptions(slow_path=slow_path, score_workers=score_workers, record_worker=record_worker)
    if foundation:  # the foundation pipeline alone: ingest -> normalise -> record, no detectors
        opts = PipelineOptions(signals=False, narratives=False, policy=False, slow_path=False)
    pipeline = build_pipeline(storage, opts)
    samples: list[tuple[int, float]] = []
    gc_s = [0.0, 0.0]  # seconds in cyclic-GC collections, and when the current one started
    gc_hook = _gc_timer(gc_s)
    gc.callbacks.append(gc_hook)
    w0 = disk_write_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    posts = 0
    next_progress = PROGRESS_EVERY
    # The collector settings `wavebreak replay` and `demo` run a stream under (replay_gc): measured
    # without them, a 1M-post run spent ~38 % of its wall time in collections (four full ones of
    # 2.8 s each over a 1.6M-object heap per 100k posts), a cost the product does not pay.
    try:
        with replay_gc():
            for batch in pipeline.ahead(read_batches(str(path), "jetstream")):
                pipeline.process(batch)
                posts += len(batch.posts)
                if pipeline.stats.batches % 10 == 0:
                    samples.append((posts, rss_mb()))
                # a run cut short still says how far it got (stderr, one JSON line)
                if posts >= next_progress:
                    next_progress += PROGRESS_EVERY
                    secs = pipeline.stats.stage_seconds
                    print(json.dumps({"posts": posts, "rss_mb": round(rss_mb(), 1), "wall_s": round(time.perf_counter() - t0),
                                      "stage_posts_per_s": {k: round(posts / v) for k, v in secs.items() if v > 0}}),
                          file=sys.stderr, flush=True)  # fmt: skip
            wall = time.perf_counter() - t0
            cpu = time.process_time() - c0
    finally:  # a run that fails still leaves the collector untimed
        gc.callbacks.remove(gc_hook)
    pipeline.close()
    if storage is not None:
        storage.close()
    children_cpu = _children_cpu_s() - children0
    written = disk_write_mb() - w0
    shutil.rmtree(tmpdir, ignore_errors=True)  # a 1M-post run leaves ~0.9 GB of database otherwise
    half = [s for s in samples if s[0] >= posts / 2]
    return {
        "posts": posts,
        "posts_per_s": posts / wall,
        "posts_per_cpu_s": posts / cpu,
        "disk_write_kb_per_post": written * 1024 / posts if posts else 0.0,
        "wall_s": wall,
        "stage_posts_per_s": {k: posts / v for k, v in pipeline.stats.stage_seconds.items() if v > 0},
        "rss_mb": {
            "first": samples[0][1] if samples else rss_mb(),
            "mid": half[0][1] if half else rss_mb(),
            "last": samples[-1][1] if samples else rss_mb(),
            "second_half_growth": (half[-1][1] - half[0][1]) if len(half) > 1 else 0.0,
            # the same growth per million posts of the second half: comparable across run lengths
            "second_half_growth_per_million": (
                (half[-1][1] - half[0][1]) / ((half[-1][0] - half[0][0]) / 1e6)
                if len(half) > 1 and half[-1][0] > half[0][0]
                else 0.0
            ),
            # least-squares slope of every second-half sample, MiB per million posts: two end samples
            # move with the allocator's ±30 MiB swings, a fit over all of them does not
            "second_half_slope_per_million": _slope_per_million(half),
        },
        # (posts, RSS MiB) at each tenth of the run: the shape of the curve, not only its ends
        "rss_curve": [samples[round(i * (len(samples) - 1) / 10)] for i in range(11)] if samples else [],
        "decisions": pipeline.stats.decisions,
        "alerts": pipeline.stats.alerts,
        "gc_share": gc_s[0] / wall if wall > 0 else 0.0,
        "main_cpu_us_per_post": cpu / posts * 1e6 if posts else 0.0,
        "workers_cpu_us_per_post": children_cpu / posts * 1e6 if posts else 0.0,
        "wall_us_per_post": wall / posts * 1e6 if posts else 0.0,
    }


def _children_cpu_s() -> float:
    """User + system CPU seconds of this process's exited, waited-for children (the text-scoring worker
    and the recorder, once the pipeline has closed them); 0 where ``resource`` is missing (Windows)."""
    try:
        import resource
    except ImportError:
        return 0.0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _gc_timer(acc: list[float]) -> Any:
    """A ``gc.callbacks`` hook adding each collection's wall time to ``acc[0]`` (``acc[1]``: its start)."""

    def hook(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            acc[1] = time.perf_counter()
        else:
            acc[0] += time.perf_counter() - acc[1]

    return hook


def _slope_per_million(samples: list[tuple[int, float]]) -> float:
    """Least-squares slope of RSS (MiB) over posts, per million posts; 0 with fewer than two posts counts."""
    if len({p for p, _ in samples}) < 2:
        return 0.0
    return statistics.linear_regression([p for p, _ in samples], [m for _, m in samples]).slope * 1e6


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=101)
    ap.add_argument("--no-store", action="store_true", help="skip the SQLite recording stage")
    ap.add_argument("--slow-path", action="store_true", help="also run embeddings on candidates")
    ap.add_argument(
        "--foundation",
        action="store_true",
        help="ingest -> normalise -> record only (no detectors, no policy)",
    )
    ap.add_argument(
        "--score-workers",
        type=int,
        default=0,
        help="processes scoring texts ahead of the pipeline (`wavebreak demo --score-workers`; default 0)",
    )
    ap.add_argument(
        "--record-worker",
        action="store_true",
        help="apply each batch's writes in a second process (`wavebreak replay --record-worker`; default off)",
    )
    ap.add_argument(
        "--lines",
        metavar="START:END",
        help="replay only these lines of the stream (0-based, end excluded) through the pipeline, "
        "without the baselines: a run to count instructions under callgrind, where this host's "
        "wall clock is too noisy for a few per cent (README, whole pipeline, sixteenth session)",
    )
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    path = make_stream(args.posts, args.seed)
    if args.lines:
        return _slice_run(path, args)
    before = bench_raw(path)
    ingest = bench_ingest(path)
    pipe = _run_pipeline(path, args)
    # The baseline again after the pipeline, and both passes pooled as the ratio's denominator:
    # on a shared host the same json.loads pass has moved by 1.5x within minutes, and a baseline
    # taken only before the pipeline credits or blames the pipeline for the host's drift.
    after = bench_raw(path)
    # harmonic mean of the rates: both passes read the same lines, so it is their pooled rate
    raw = {k: 2 / (1 / before[k] + 1 / after[k]) if k != "lines" else before[k] for k in before}
    result = {
        "stream": str(path),
        "lines": raw["lines"],
        "baseline_json_loads_lines_per_s": round(raw["json_lines_per_s"]),
        "baseline_json_loads_lines_per_s_before_after": [
            round(before["json_lines_per_s"]),
            round(after["json_lines_per_s"]),
        ],
        "orjson_loads_lines_per_s": round(raw["orjson_lines_per_s"]),
        "ingest_posts_per_s": round(ingest["posts_per_s"]),
        "pipeline_posts_per_s": round(pipe["posts_per_s"]),
        "ratio_pipeline_to_json_loads": round(pipe["posts_per_s"] / raw["json_lines_per_s"], 3),
        "ratio_ingest_to_json_loads": round(ingest["posts_per_s"] / raw["json_lines_per_s"], 3),
        # The same ratio in CPU seconds of this process (all its threads): steadier than wall time on
        # a shared host, where other processes take the cores; it does not credit work that runs
        # beside the main thread (the SQLite checkpoint thread) the way wall time does.
        "ratio_pipeline_to_json_loads_cpu": round(pipe["posts_per_cpu_s"] / raw["json_lines_per_cpu_s"], 3),
        "stage_posts_per_s": {k: round(v) for k, v in pipe["stage_posts_per_s"].items()},
        "rss_mb": {k: round(v, 1) for k, v in pipe["rss_mb"].items()},
        "rss_curve": [[n, round(mb, 1)] for n, mb in pipe["rss_curve"]],
        "pipeline_wall_s": round(pipe["wall_s"], 1),
        # CPU per post by process: this one (all its threads) during the replay, and its worker processes
        # over their whole life (start-up and model loading included, ~2 s each); against the wall time a
        # post, they say which process bounds the rate and how idle the others are
        "pipeline_cpu_us_per_post": _cpu_figures(pipe),
        # share of the pipeline's wall time spent in cyclic-GC collections (under replay_gc, as replays run)
        "pipeline_gc_share": round(pipe["gc_share"], 3),
        "pipeline_disk_write_kb_per_post": round(pipe["disk_write_kb_per_post"], 2),
        "decisions": pipe["decisions"],
        "alerts": pipe["alerts"],
        "store": not args.no_store,
        "slow_path": args.slow_path,
        "score_workers": args.score_workers,
        "record_worker": args.record_worker,
        "stages": [*pipe["stage_posts_per_s"]],
    }
    return _report(result, args.json)


def _run_pipeline(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """:func:`bench_pipeline` on ``path`` with the command line's pipeline options."""
    return bench_pipeline(
        path,
        store=not args.no_store,
        slow_path=args.slow_path,
        foundation=args.foundation,
        score_workers=args.score_workers,
        record_worker=args.record_worker,
    )


def _cpu_figures(pipe: dict[str, Any]) -> dict[str, float]:
    """CPU a post by process (this one, its exited workers) and wall time a post, rounded for printing."""
    return {
        "main": round(pipe["main_cpu_us_per_post"], 1),
        "workers": round(pipe["workers_cpu_us_per_post"], 1),
        "wall": round(pipe["wall_us_per_post"], 1),
    }


def _report(result: dict[str, Any], as_json: bool) -> dict[str, Any]:
    """Print ``result`` (one JSON object, or a line per figure) and return it."""
    if as_json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>34}: {v}")
    return result


def _slice_run(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """``--lines``: the pipeline alone on a slice of the stream, copied to a temporary file.

    Why: instruction counts (``valgrind --tool=callgrind --trace-children=yes``) are deterministic
    where wall time on a shared host is not, but valgrind runs ~50x slower, so a count is taken on
    ~10k posts; subtracting a run of a tiny slice (start-up, model loading) leaves the per-post cost.
    """
    start, _, end = str(args.lines).partition(":")
    lo, hi = int(start or 0), int(end) if end else None
    with (
        tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as out,
        open(path, encoding="utf-8") as fh,
    ):
        for i, line in enumerate(fh):
            if hi is not None and i >= hi:
                break
            if i >= lo:
                out.write(line)
    try:
        pipe = _run_pipeline(Path(out.name), args)
    finally:
        os.unlink(out.name)
    result = {
        "stream": str(path),
        "lines": args.lines,
        "posts": pipe["posts"],
        "pipeline_posts_per_s": round(pipe["posts_per_s"]),
        "pipeline_wall_s": round(pipe["wall_s"], 2),
        "pipeline_cpu_us_per_post": _cpu_figures(pipe),
        "decisions": pipe["decisions"],
        "alerts": pipe["alerts"],
        "score_workers": args.score_workers,
        "record_worker": args.record_worker,
    }
    return _report(result, args.json)


if __name__ == "__main__":
    main()
