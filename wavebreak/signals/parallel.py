"""Fast text scoring on a second core: the signals stage with its stateless half in a worker process.

Why: the fast text models (language, toxicity/hate/incitement/threat, identity claims, rumour
markers, stance) are a pure function of a post's text and its platform language, and they are
the largest single share of the pipeline's CPU. Everything after them (credibility, narratives,
policy, recording) keeps per-account and per-narrative state and must run in stream order in
one process. So the pipeline hands the texts of the *next* batches to one worker process
(:meth:`Pipeline.ahead` calls :meth:`ParallelSignalsStage.prefetch` before their turn) and,
when a batch reaches this stage, takes the worker's rows instead of scoring them here; the
stateful half (repost inheritance, credibility, the slow path) runs here exactly as before.

Outputs are the in-process ones: the worker runs the same :class:`SignalsStage` code over the
same sequence of batches (its text cache sees the same texts in the same order). A text the
worker did not score (a post the normalise stage rewrote, a batch that was never prefetched)
is scored here. So are the first batches while the worker starts (``score_while_warming``: its
interpreter and models take ~1-2 s, which this process spends scoring instead of waiting): until
the first batch whose rows it takes from the worker, this process has scored every batch itself,
in order, as an in-process stage would, and the worker still scores them, unread, so its cache
sees every batch too. A worker that cannot start or dies is logged once and the stage carries on
in process, so a broken worker costs speed, never a post.

The worker is *spawned* (a fresh interpreter), never forked from a process that may already run
BLAS or server threads; as with any spawned process, a script that turns it on must guard its entry
point with ``if __name__ == "__main__":`` (the ``wavebreak`` command does). A library caller opts in
(``PipelineOptions.score_workers`` defaults to 0); ``wavebreak demo`` and file replays start one
where the process may use two CPUs (:func:`wavebreak.pipeline.runner.default_score_workers`,
``--score-workers 0`` turns it off): the demo ran 12 % faster with it on this project's 2-vCPU host
(``PIPELINE_SCORE_WORKERS_DEFAULT`` gives the figures).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from wavebreak.core import constants as C
from wavebreak.core.records import Post, Signal
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.stage import Batch
from wavebreak.signals.stage import SignalsStage, has_own_text

log = logging.getLogger(__name__)

PRESCORED_KEY = "signals.prescored"
"""``batch.extras`` key of the worker's pending result for that batch."""

_worker_stage: SignalsStage | None = None
_failed_tasks: set[str] = set()  # ahead tasks that raised in this worker (each logged once)


def _init_worker(kwargs: dict[str, Any]) -> None:
    """Load the fast models once per worker process (the slow path never runs there)."""
    global _worker_stage
    _worker_stage = SignalsStage(**{**kwargs, "slow_path": False})


def _warm() -> None:
    """No work: submitting it starts the worker process, whose initializer loads the models."""


@dataclass(frozen=True)
class AheadTask:
    """Work of a later stage on a batch's scored texts, done in the worker too.

    ``payload(posts)`` runs here when a batch is prefetched, on the posts whose texts the worker scores
    (:func:`scored_posts`, in the order of ``texts``), and must return something picklable;
    ``run(payload, texts, rows)`` runs in the worker after the batch's texts are scored (a module-level
    function: it is pickled by reference); its result reaches the later stage as
    ``batch.extras[key] = (payload, result)``. A task that fails (its payload here, or its run in the
    worker, logged once) has its result left out, so the later stage computes it itself, as it does for
    a batch scored here; so does a ``run`` that returns None, which means "nothing".
    """

    key: str
    payload: Callable[[list[Post]], Any]
    run: Callable[[Any, list[str], list[dict[str, Signal]]], Any]


def _score_in_worker(
    texts: list[str],
    langs: list[str | None],
    tasks: Sequence[tuple[Callable[[Any, list[str], list[dict[str, Signal]]], Any], Any]] = (),
) -> tuple[list[dict[str, Signal]], dict[str, float], list[Any]]:
    """Rows for ``texts``, the change in the worker stage's counters (merged into the parent's), and the
    results of ``tasks`` (``(run, payload)`` of each :class:`AheadTask`; None where one failed)."""
    st = _worker_stage
    assert st is not None, "worker not initialised"
    before = dict(st.stats)
    paused = st.pause_gc and gc.isenabled()  # as SignalsStage.process does around the fast path
    if paused:
        gc.disable()
    results: list[Any] = []
    try:
        rows = st._rows(texts, langs)
        for run, payload in tasks:
            try:
                results.append(run(payload, texts, rows))
            except Exception:  # the later stage computes it itself: slower, never wrong
                name = getattr(run, "__qualname__", repr(run))
                if name not in _failed_tasks:  # once per task, not once per batch
                    _failed_tasks.add(name)
                    log.exception("ahead task %s failed in the text-scoring worker (logged once)", name)
                results.append(None)
    finally:
        if paused:
            gc.enable()
    delta = {k: v - before.get(k, 0) for k, v in st.stats.items() if v != before.get(k, 0)}
    return rows, delta, results


def scored_posts(batch: Batch) -> list[Post]:
    """The posts whose texts :meth:`SignalsStage.process` scores for ``batch`` (reposts without text
    inherit)."""
    return [p for p in batch.posts if has_own_text(p)]


def texts_to_score(batch: Batch) -> tuple[list[str], list[str | None]]:
    """The texts (and platform languages) of :func:`scored_posts`."""
    posts = scored_posts(batch)
    return [p.text for p in posts], [p.lang for p in posts]


class ParallelSignalsStage(SignalsStage):
    """:class:`SignalsStage` whose fast text scoring runs ahead in one worker process."""

    def __init__(
        self,
        *,
        workers: int = 1,
        start: bool = True,
        score_while_warming: bool = True,
        ahead: Sequence[AheadTask] = (),
        **kwargs: Any,
    ) -> None:
        """``start``: spawn the worker now, so that it loads its models while the caller is still
        setting up. ``score_while_warming``: until this stage first takes the worker's rows, a batch the
        worker has not started on is scored here instead of waited for (the worker spends its first
        ~1-2 s starting an interpreter and loading the models); off, every prefetched batch waits.
        ``ahead``: later stages' work on the scored texts, done in the worker too (:class:`AheadTask`)."""
        super().__init__(**kwargs)
        self._worker_kwargs = {k: v for k, v in kwargs.items() if k != "slow_path"}
        self._workers = max(1, workers)
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False
        self._pre: dict[tuple[str, str | None], dict[str, Signal]] | None = None
        self.score_while_warming = score_while_warming
        self._ahead = tuple(ahead)
        self._answered_once = False  # set from the executor's thread once a call has come back
        self._took_worker_rows = False
        self._warmup_batches = 0
        self.stats.update(
            {
                "prescored_texts": 0,
                "scored_here": 0,
                "scored_here_while_warming": 0,
                "worker_failures": 0,
                "worker_wait_seconds": 0.0,
            }
        )
        if start and (pool := self._executor()) is not None:
            pool.submit(_warm).add_done_callback(self._answered)

    # ------------------------------------------------------------------ worker

    def _executor(self) -> ProcessPoolExecutor | None:
        if self._broken:
            return None
        if self._pool is None:
            try:
                # spawn, not fork: the parent may already run BLAS or HTTP threads
                self._pool = ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(self._worker_kwargs,),
                )
            except (OSError, ValueError) as exc:
                self._fail(f"could not start the text-scoring worker: {exc}")
                return None
        return self._pool

    def _answered(self, fut: Future[Any]) -> None:
        """Done-callback of every call sent to the worker: one that came back means it is warm."""
        if not fut.cancelled() and fut.exception() is None:
            self._answered_once = True

    def _fail(self, why: str) -> None:
        if not self._broken:
            log.warning("%s; scoring texts in process from now on (same results, one core)", why)
        self._broken = True
        self.stats["worker_failures"] += 1

    def prefetch(self, batch: Batch) -> None:
        """Send ``batch``'s texts to the worker now; :meth:`process` collects the rows later."""
        if batch.extras.get(PRESCORED_KEY) is not None:
            return
        posts = scored_posts(batch)
        if not posts:
            return
        texts, langs = [p.text for p in posts], [p.lang for p in posts]
        pool = self._executor()
        if pool is None:
            return
        sent: list[tuple[AheadTask, Any]] = []
        for task in self._ahead:
            try:
                sent.append((task, task.payload(posts)))
            except Exception:  # that stage computes its part itself: slower, never wrong
                log.exception("ahead task %r: no payload for a batch", task.key)
        try:
            fut = pool.submit(_score_in_worker, texts, langs, [(task.run, pl) for task, pl in sent])
            fut.add_done_callback(self._answered)
            batch.extras[PRESCORED_KEY] = (fut, texts, langs, sent)
        except RuntimeError as exc:  # pool broken or shut down
            self._fail(f"text-scoring worker unavailable: {exc}")

    def _collect(self, batch: Batch) -> None:
        pending: tuple[Future[Any], list[str], list[str | None], list[tuple[AheadTask, Any]]] | None = (
            batch.extras.pop(PRESCORED_KEY, None)
        )
        if pending is None:
            return
        fut, texts, langs, sent = pending
        if (
            self.score_while_warming
            and not self._took_worker_rows
            and self._warmup_batches < C.PIPELINE_SCORE_WARMUP_MAX_BATCHES
            and not fut.done()
            and not (self._answered_once and fut.running())
        ):
            # The worker is still starting (~1.4 s on the bench stream) or, just started, has at least
            # one more of these first batches to score before this one: scoring here costs this
            # batch's model time once (~0.1 s for 2,048 posts), waiting would cost more. Only before
            # the first rows taken from the worker: until then this process's text cache has seen
            # every batch, in order, so its rows are the ones an in-process stage gives. The worker
            # still scores this batch, unread, for the same reason.
            self.stats["scored_here_while_warming"] += len(texts)
            self._warmup_batches += 1
            return
        t0 = time.perf_counter()
        try:
            rows, delta, results = fut.result()
        except Exception as exc:  # any worker failure: fall back to in-process scoring
            self._fail(f"text-scoring worker failed on a batch ({type(exc).__name__}: {exc})")
            return
        finally:
            self.stats["worker_wait_seconds"] += time.perf_counter() - t0
        # keyed by what was sent, not by the batch now: a post the normalise stage dropped or
        # rewrote since is simply not looked up, and a new text is scored here
        self._pre = {(t, g): r for t, g, r in zip(texts, langs, rows, strict=True)}
        self._took_worker_rows = True
        for (task, payload), result in zip(sent, results, strict=True):
            if result is not None:
                batch.extras[task.key] = (payload, result)
        for k, v in delta.items():
            self.stats[k] = self.stats.get(k, 0) + v

    # ------------------------------------------------------------------ stage protocol

    def process(self, batch: Batch, ctx: PipelineContext) -> None:
        self._collect(batch)
        try:
            super().process(batch, ctx)
        finally:
            self._pre = None

    def _rows(self, texts: list[str], langs: list[str | None] | None = None) -> list[dict[str, Signal]]:
        pre = self._pre
        if not pre:
            return super()._rows(texts, langs)
        given = langs or [None] * len(texts)
        rows: list[dict[str, Signal] | None] = [pre.get(k) for k in zip(texts, given, strict=True)]
        missing = [i for i, r in enumerate(rows) if r is None]
        if missing:
            here = super()._rows([texts[i] for i in missing], [given[i] for i in missing])
            for i, r in zip(missing, here, strict=True):
                rows[i] = r
            self.stats["scored_here"] += len(missing)
        self.stats["prescored_texts"] += len(texts) - len(missing)
        return rows  # type: ignore[return-value]

    def close(self, ctx: PipelineContext) -> None:
        super().close(ctx)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
