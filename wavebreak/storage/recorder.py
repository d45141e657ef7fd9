"""Recording on another core: a batch's writes applied by a second process while this one goes on.

Why: the decisions stage's writes (a batch's posts, accounts, kept signals, narrative assignments and
records, then its events and decisions) were a fifth of the pipeline's CPU on one core: the driver
binding every value, SQLite's inserts and the commit. None of it needs this process's state once the
rows are built. So the stage builds the rows here, as a plan (:meth:`SqlStorage.planned`), and one
spawned process applies each plan in one transaction (:meth:`SqlStorage.apply_plan`), in order, on
the same SQLite file; the stage goes on with the next batch meanwhile (``RECORDER_MAX_IN_FLIGHT``
batches at most are unacknowledged). Sending row tuples costs ~3.7 µs a post here (building them
was already paid; pickling ``Post`` records instead would cost 11 µs).

What does not change:

- **recorded before announced**: a batch's alerts and decisions are announced when the recorder
  has committed it (:meth:`Recorder.committed`), in batch order; until then no listener hears of
  them;
- **reads see every write made so far**: every connection this process's store checks out
  (a policy read of revocations, a reviewer's write, the gate) first waits until every submitted
  plan is committed (an engine ``checkout`` hook), so a read never misses a batch already processed
  and this process never writes (the event chain above all) between two of the recorder's writes;
- **a failure costs speed, never a record**: a plan the recorder fails to apply (or a recorder that
  dies) is applied here, with every later one, in order, and recording goes on in process. A
  recorder that commits a plan and dies before acknowledging it makes that plan be applied twice:
  its rows are upserts, but its events would be appended twice (logged).

Scope: SQLite files (``SqlStorage.can_plan``); PostgreSQL and in-memory stores record in process.
The recorder is *spawned* (a fresh interpreter), as the scoring worker is.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from typing import Any

from sqlalchemy import event

from wavebreak.core import constants as C
from wavebreak.storage.sql import PlanOp, SqlStorage

log = logging.getLogger(__name__)

_store: SqlStorage | None = None
_failed: str | None = None


def _init(url: str) -> None:
    global _store
    _store = SqlStorage(url, migrate=False)  # the parent migrated it


def _warm() -> None:
    """No work: submitting it starts the process and opens the store."""


def _apply(ops: Sequence[PlanOp]) -> None:
    """Apply one plan; after a failure refuse every later one, so that the parent applies them
    all, in order, itself (a later plan must not be committed before an earlier one)."""
    global _failed
    if _failed is not None:
        raise RuntimeError(f"skipped: an earlier plan failed ({_failed})")
    assert _store is not None, "recorder not initialised"
    try:
        _store.apply_plan(ops)
    except Exception as exc:
        _failed = f"{type(exc).__name__}: {exc}"
        raise


_DONE: Future[None] = Future()
_DONE.set_result(None)
"""The future of a plan applied in the parent (committed)."""


def _close() -> None:
    """Close the store (its WAL checkpoint thread) before the process exits."""
    global _store
    if _store is not None:
        _store.close()
        _store = None


class Recorder:
    """Applies write plans of ``store`` in one spawned process, in submission order.

    :meth:`submit` a plan with what to announce once it is committed; :meth:`committed` hands back,
    in order, what may be announced now. ``store`` must be able to plan (``store.can_plan``). Submit
    and collect from one thread (the pipeline's); any thread's checkouts wait for the commits.
    """

    def __init__(self, store: SqlStorage, *, max_in_flight: int = C.RECORDER_MAX_IN_FLIGHT) -> None:
        self.store = store
        self.max_in_flight = max(1, max_in_flight)
        self._pending: deque[tuple[Future[None] | None, list[PlanOp], Any]] = deque()
        self._owner = threading.get_ident()
        self._broken = False
        self._applying_here = False
        self.stats: dict[str, float] = {"plans": 0, "applied_here": 0, "wait_seconds": 0.0}
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=(store.url,),
        )
        self._pool.submit(_warm)
        self._hook: Callable[..., None] = self._on_checkout
        event.listen(store.engine, "checkout", self._hook)

    # ------------------------------------------------------------------ submit / collect

    def submit(self, ops: list[PlanOp], payload: Any) -> None:
        """Queue ``ops`` for the recorder; ``payload`` comes back from :meth:`committed` after its commit."""
        self.stats["plans"] += 1
        fut: Future[None] | None = None
        if not self._broken and self._pool is not None:
            try:
                fut = self._pool.submit(_apply, ops)
            except RuntimeError as exc:  # pool broken or shut down
                self._fail(f"recorder unavailable: {exc}")
        self._pending.append((fut, ops, payload))
        if fut is None:  # no recorder: applied here, now, after any plan still queued before it
            self._settle_all()

    def committed(self, *, block: bool = False) -> Iterator[Any]:
        """Payloads of the plans committed so far, oldest first (waiting for the oldest while more than
        ``max_in_flight`` are pending, or for all of them with ``block``)."""
        while self._pending:
            fut = self._pending[0][0]
            if fut is not None and not fut.done() and not block and len(self._pending) <= self.max_in_flight:
                return
            self._settle(0)
            yield self._pending.popleft()[2]

    def wait_committed(self) -> None:
        """Return once every plan submitted so far is committed (by the recorder or, after a failure,
        here: only on the submitting thread; another thread just waits)."""
        if self._applying_here:
            return
        pending = list(self._pending)
        futs = [f for f, _, _ in pending if f is not None and not f.done()]
        if futs:
            t0 = time.perf_counter()
            wait(futs)
            self.stats["wait_seconds"] += time.perf_counter() - t0
        if threading.get_ident() == self._owner and any(
            f is None or f.exception() is not None for f, _, _ in pending
        ):
            self._settle_all()

    # ------------------------------------------------------------------ failures

    def _settle(self, i: int) -> None:
        """Make sure pending plan ``i`` is committed, applying it here if the recorder did not."""
        fut, ops, payload = self._pending[i]
        if fut is not None:
            t0 = time.perf_counter()
            try:
                fut.result()
                return
            except Exception as exc:
                self._fail(f"recorder failed a batch ({type(exc).__name__}: {exc})")
            finally:
                self.stats["wait_seconds"] += time.perf_counter() - t0
        self._applying_here = True  # this store's own checkouts must not wait for this very plan
        try:
            self.store.apply_plan(ops)
        finally:
            self._applying_here = False
        self.stats["applied_here"] += 1
        self._pending[i] = (_DONE, ops, payload)

    def _settle_all(self) -> None:
        for i in range(len(self._pending)):
            self._settle(i)

    def _fail(self, why: str) -> None:
        if not self._broken:
            log.warning("%s; recording in process from now on (same records, one core)", why)
        self._broken = True

    def _on_checkout(self, *_args: Any) -> None:
        self.wait_committed()

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Wait for every plan (announcing nothing: collect :meth:`committed` first), then stop the process."""
        try:
            self.wait_committed()
        finally:
            event.remove(self.store.engine, "checkout", self._hook)
            pool, self._pool = self._pool, None
            if pool is not None:
                try:
                    if not self._broken:
                        pool.submit(_close).result()
                except Exception as exc:  # a dead recorder has nothing left to flush
                    log.debug("recorder close: %s", exc)
                pool.shutdown(wait=True, cancel_futures=True)
