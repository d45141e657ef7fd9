"""Assemble and run the pipeline: normalise → signals → narratives → policy → decisions.

``build_pipeline`` is the one place that knows the stage order; ``Pipeline.run``
drives micro-batches through it and keeps the counts that ``summary.json``
reports. A live source and a replay use the same code: only the batch source
differs.
"""

from __future__ import annotations

import ctypes
import gc
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson

from wavebreak.core import constants as C
from wavebreak.pipeline.context import PipelineContext, announce
from wavebreak.pipeline.normalise import NormaliseStage
from wavebreak.pipeline.stage import Batch, Stage
from wavebreak.storage.base import Storage


@dataclass
class RunStats:
    """Counts for the run summary: what came in, what was kept, what was done."""

    read: int = 0
    accepted_posts: int = 0
    accepted_accounts: int = 0
    deletions: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    alerts: int = 0
    decisions: int = 0
    batches: int = 0
    wall_seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "accepted": {
                "posts": self.accepted_posts,
                "accounts": self.accepted_accounts,
                "deletions": self.deletions,
            },
            "quarantined": {"total": sum(self.quarantined.values()), "by_reason": dict(self.quarantined)},
            "alerts": self.alerts,
            "decisions": self.decisions,
            "batches": self.batches,
            "wall_seconds": round(self.wall_seconds, 3),
            "stage_seconds": {k: round(v, 3) for k, v in self.stage_seconds.items()},
        }


def reason_key(reason: str) -> str:
    """Group quarantine reasons by their stable prefix ("invalid JSON: ..." → "invalid JSON")."""
    return reason.split(":", 1)[0].strip() or "unknown"


_MALLOC_TRIM: list[Callable[[int], int] | None] = []  # the C call once looked up (None: no such call)


def trim_heap() -> bool:
    """Return the C heap's free memory to the system (glibc ``malloc_trim(0)``); False where the C
    library has no such call (musl, macOS, Windows): nothing to do there.

    Why: memory freed by the stages' event-time retirement stays resident as free heap otherwise
    (see ``PIPELINE_HEAP_TRIM_EVERY_H``); trimming releases its whole free pages, so resident memory
    follows the live state instead of its high-water mark. Python's own small-object arenas are not
    affected (they return to the system when empty, by themselves)."""
    if not _MALLOC_TRIM:
        try:
            _MALLOC_TRIM.append(ctypes.CDLL(None).malloc_trim)
        except (OSError, AttributeError):
            _MALLOC_TRIM.append(None)
    fn = _MALLOC_TRIM[0]
    if fn is None:
        return False
    fn(0)
    return True


class QuarantineFile:
    """Append-only JSONL copy of every quarantined record, beside the database.

    The file is opened on the first quarantined record, not before: a clean run leaves no empty
    ``quarantine.jsonl`` behind (``wavebreak replay`` without ``--summary`` writes it in the
    working directory, where an empty one is only litter).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None

    def write(self, batch: Batch) -> None:
        if not batch.quarantined:
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("ab")
        for q in batch.quarantined:
            self._fh.write(
                orjson.dumps(
                    {"source": q.source, "line": q.line, "format": q.format, "reason": q.reason, "raw": q.raw}
                )
                + b"\n"
            )
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


class Pipeline:
    """An ordered list of stages sharing one context."""

    def __init__(
        self, stages: list[Stage], ctx: PipelineContext, quarantine_file: Path | None = None
    ) -> None:
        self.stages = stages
        self.ctx = ctx
        self.stats = RunStats()
        self._qfile = QuarantineFile(quarantine_file) if quarantine_file else None
        # Who tells the ctx.on_alert / ctx.on_decision listeners: the recording stage, after its
        # commit; in a pipeline that records nothing, the pipeline itself once every stage has run.
        self._announces = any(getattr(s, "announces", False) for s in stages)
        self._trim_every = timedelta(hours=C.PIPELINE_HEAP_TRIM_EVERY_H)
        self._next_trim: datetime | None = None  # event time of the next heap trim (set by the first batch)
        self.heap_trims = 0

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)

    def process(self, batch: Batch) -> Batch:
        """Run one batch through every stage, in order, and update the run counts."""
        st = self.stats
        st.batches += 1
        st.read += len(batch.posts) + len(batch.accounts) + len(batch.deletions) + len(batch.quarantined)
        for q in batch.quarantined:
            st.quarantined[reason_key(q.reason)] += 1
        if self._qfile is not None:
            self._qfile.write(batch)
        secs = st.stage_seconds
        for stage in self.stages:
            t0 = time.perf_counter()
            stage.process(batch, self.ctx)
            secs[stage.name] = secs.get(stage.name, 0.0) + time.perf_counter() - t0
        if not self._announces:
            self._announce(batch)
        st.accepted_posts += len(batch.posts)
        st.accepted_accounts += len(batch.accounts)
        st.deletions += len(batch.deletions)
        st.alerts += len(batch.alerts)
        st.decisions += len(batch.decisions)
        self._maybe_trim()
        return batch

    def _maybe_trim(self) -> None:
        """Every ``PIPELINE_HEAP_TRIM_EVERY_H`` of event time, give the C heap's free memory back
        (:func:`trim_heap`). Event time, like every window of the stages, so a replay trims at the
        same points of its stream whatever the host's speed."""
        now = self.ctx.now
        if now is None or self._trim_every <= timedelta(0):
            return
        if self._next_trim is None:
            self._next_trim = now + self._trim_every
        elif now >= self._next_trim:
            self._next_trim = now + self._trim_every
            if trim_heap():
                self.heap_trims += 1

    def ahead(self, batches: Iterable[Batch], depth: int = C.PIPELINE_PREFETCH_BATCHES) -> Iterator[Batch]:
        """Yield ``batches`` unchanged, having shown each to the stages' ``prefetch`` ``depth`` batches early.

        Why: a stage with a stateless part (the signals stage's text scoring,
        :mod:`wavebreak.signals.parallel`) can then run that part on another core while
        this process works through the batches before it. Wrap the *source* (before any
        per-batch hook that must see a batch after it was processed). Without a stage that
        prefetches, this is the identity.
        """
        fetchers = [s.prefetch for s in self.stages if callable(getattr(s, "prefetch", None))]
        if not fetchers or depth <= 0:
            yield from batches
            return
        window: deque[Batch] = deque()
        for batch in batches:
            for fetch in fetchers:
                fetch(batch)
            window.append(batch)
            if len(window) > depth:
                yield window.popleft()
        while window:
            yield window.popleft()

    def _announce(self, batch: Batch) -> None:
        """Tell the listeners about the batch's alerts and decisions (a pipeline without a recording
        stage: there is nothing to record first)."""
        announce(batch.alerts, self.ctx.on_alert, "alert")
        announce(batch.decisions, self.ctx.on_decision, "decision")

    def run(self, batches: Iterable[Batch], on_batch: Callable[[Batch], None] | None = None) -> RunStats:
        t0 = time.perf_counter()
        for batch in self.ahead(batches):
            self.process(batch)
            if on_batch is not None:
                on_batch(batch)
        self.stats.wall_seconds += time.perf_counter() - t0
        return self.stats

    def close(self) -> None:
        """Close every stage in order; alerts raised while closing are announced by the recording
        stage once recorded, or here where nothing records (see ``PipelineContext.closing_alerts``)."""
        for stage in self.stages:
            stage.close(self.ctx)
        late, self.ctx.closing_alerts = list(self.ctx.closing_alerts), []
        if late and not self._announces:
            self._announce(Batch(alerts=late))
        self.stats.alerts += len(late)
        if self._qfile is not None:
            self._qfile.close()


@dataclass
class PipelineOptions:
    """Which stages run and how; defaults are the full production pipeline."""

    signals: bool = True
    narratives: bool = True
    policy: bool = True
    record: bool = True
    slow_path: bool = True
    policy_pack: Path | None = None
    quarantine_file: Path | None = None
    config: dict[str, Any] = field(default_factory=dict)
    score_workers: int = 0
    """Processes that score post texts ahead of the pipeline (0: in process). See
    :mod:`wavebreak.signals.parallel`; ``demo`` and file replays default to :func:`default_score_workers`."""
    record_worker: bool = False
    """Apply each batch's writes in a second process while the next batch is computed (SQLite files
    only; others record in process). See :mod:`wavebreak.storage.recorder`; file replays default to
    :func:`default_record_worker`."""


def build_pipeline(storage: Storage | None, options: PipelineOptions | None = None) -> Pipeline:
    """Wire the stages in data-flow order; optional stages are left out when disabled."""
    opts = options or PipelineOptions()
    ctx = PipelineContext(storage=storage, config=dict(opts.config))
    stages: list[Stage] = [NormaliseStage()]
    embedder = None
    if opts.signals:
        from wavebreak.signals.stage import SignalsStage

        sig: SignalsStage
        if opts.score_workers > 0:
            from wavebreak.signals.parallel import ParallelSignalsStage

            ahead = []
            if opts.narratives:  # the narratives stage's text features, computed in the worker too
                from wavebreak.narratives.ahead import TASK as NARRATIVE_FEATURES

                ahead.append(NARRATIVE_FEATURES)
            sig = ParallelSignalsStage(workers=opts.score_workers, slow_path=opts.slow_path, ahead=ahead)
        else:
            sig = SignalsStage(slow_path=opts.slow_path)
        stages.append(sig)
        embedder = sig.embed if opts.slow_path else None
    if opts.narratives:
        from wavebreak.narratives.stage import NarrativeStage

        stages.append(NarrativeStage(embedder=embedder))
    if opts.policy:
        from wavebreak.policy.stage import PolicyStage

        stages.append(PolicyStage(pack=opts.policy_pack) if opts.policy_pack else PolicyStage())
    if opts.record and storage is not None:
        from wavebreak.decisions.stage import DecisionsStage

        stages.append(DecisionsStage(record_worker=opts.record_worker))
    return Pipeline(stages, ctx, quarantine_file=opts.quarantine_file)


def default_score_workers() -> int:
    """Text-scoring workers a replay starts unless told: ``PIPELINE_SCORE_WORKERS_DEFAULT`` where this
    process may use at least ``PIPELINE_SCORE_WORKERS_MIN_CPUS`` CPUs, else none.

    Why the affinity and not ``os.cpu_count()``: a container or ``taskset`` may give the process fewer
    cores than the machine has, and a worker on a core shared with this process only slows it."""
    return C.PIPELINE_SCORE_WORKERS_DEFAULT if _usable_cpus() >= C.PIPELINE_SCORE_WORKERS_MIN_CPUS else 0


def default_record_worker() -> bool:
    """Whether a file replay applies its writes in a recorder process unless told: where this process
    may use at least ``PIPELINE_RECORD_WORKER_MIN_CPUS`` CPUs (affinity, as :func:`default_score_workers`)."""
    return _usable_cpus() >= C.PIPELINE_RECORD_WORKER_MIN_CPUS


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


@contextmanager
def replay_gc() -> Iterator[None]:
    """Freeze what exists (scenario, models, registries) out of the cyclic GC and collect far less often
    while a stream replays (``REPLAY_GC_THRESHOLDS``: a young generation of a million objects); restore
    both after.

    Why: a replay builds long-lived state (narratives, withheld decisions, caches) and the default
    thresholds ran a full collection over all of it every few thousand posts; what a replay frees
    is freed by reference counting, so each collection mostly pays for walking what is still alive
    (the constant gives the measurements). Used by ``demo``, ``replay``, ``simulate`` and ``policy
    dry-run``; a library caller running its own loop opts in the same way.
    """
    old, frozen = gc.get_threshold(), gc.get_freeze_count()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*C.REPLAY_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        if not frozen:  # a caller that froze its own objects keeps them frozen
            gc.unfreeze()


def split_by_span(batches: Iterable[Batch], max_span: float = C.BATCH_MAX_SPAN_SECONDS) -> Iterator[Batch]:
    """Cut batches so that none covers more than ``max_span`` seconds of event time.

    Why: decisions are taken per batch, so a batch is the engine's unit of reaction
    time. On a quiet stream 2,048 posts can span hours; a wave must still be caught
    within minutes of stream time, whatever the traffic. Accounts, deletions and
    quarantined records travel with the first piece.
    """
    for batch in batches:
        posts = batch.posts
        if len(posts) < 2 or (posts[-1].created_at - posts[0].created_at).total_seconds() <= max_span:
            yield batch
            continue
        start = 0
        first = True
        t0 = posts[0].created_at
        for i, post in enumerate(posts):
            if (post.created_at - t0).total_seconds() > max_span:
                yield _piece(batch, posts[start:i], first)
                first = False
                start, t0 = i, post.created_at
        yield _piece(batch, posts[start:], first)


def _piece(batch: Batch, posts: list[Any], first: bool) -> Batch:
    if not first:
        return Batch(posts=posts)
    return Batch(
        posts=posts,
        accounts=batch.accounts,
        deletions=batch.deletions,
        quarantined=batch.quarantined,
        watermark=None,
        extras=batch.extras,
    )


def batches_from_files(
    paths: list[str], fmt: str, batch_size: int, instance: str | None = None
) -> Iterator[Batch]:
    """Chain ingest batches over several files (``-`` is stdin)."""
    from wavebreak.ingest import read_batches

    kwargs: dict[str, Any] = {"instance": instance} if instance else {}
    for path in paths:
        yield from split_by_span(read_batches(path, fmt, batch_size=batch_size, **kwargs))
