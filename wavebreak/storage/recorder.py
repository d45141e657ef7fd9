"""Recording on another core: a batch's writes applied by a second process while this one goes on.

Why: the decisions stage's writes (a batch's posts, accounts, kept signals, narrative assignments and
records, then its events and decisions) were a fifth of the pipeline's CPU on one core: the driver
binding every value, SQLite's inserts and the commit. None of it needs this process's state once the
rows are built. So the stage builds the rows here, as a plan (:meth:`SqlStorage.planned`), and one
spawned process applies each plan in one transaction (:meth:`SqlStorage.apply_plan`), in order, on
the same SQLite file; the stage goes on with the next batch meanwhile (``RECORDER_MAX_IN_FLIGHT``
batches at most are unacknowledged). Each plan is pickled when it is submitted, so what the recorder
applies is the batch as it was then, and a plan that cannot be sent fails there, in order. Sending row
tuples costs ~3.7 µs a post here (building them was already paid; pickling ``Post`` records instead
would cost 11 µs).

What does not change:

- **recorded before announced**: a batch's alerts and decisions are announced when the recorder
  has committed it (:meth:`Recorder.committed`), in batch order; until then no listener hears of
  them;
- **reads see every write made so far**: every connection this process's store checks out
  (a policy read of revocations, a reviewer's write, the gate) first waits until every submitted
  plan is committed (an engine ``checkout`` hook), so a read never misses a batch already processed
  and this process never writes (the event chain above all) between two of the recorder's writes.
  On a failure path only the submitting thread applies the plans the recorder did not; another
  thread's read may then run before they are applied;
- **a failure costs speed, never a record**: a plan the recorder fails to apply (or a recorder that
  dies) is applied here, with every later one, in order, and recording goes on in process. The
  recorder takes plans strictly in sequence (a gap or an earlier failure makes it refuse the rest)
  and ignores SIGINT, so an interrupted run never commits a later plan without an earlier one. A
  recorder that commits a plan and dies before acknowledging it makes that plan be applied twice:
  most of its rows are upserts, but its quarantine rows, chart points and events would be stored
  twice. A plan the parent itself cannot apply raises as a failed write does in process; the later
  batches were processed but are not recorded, and none of them is announced.

Scope: SQLite files (``SqlStorage.can_plan``); PostgreSQL and in-memory stores record in process.
The recorder is *spawned* (a fresh interpreter), as the scoring worker is.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from typing import Any

from sqlalchemy import event

from wavebreak.core import constants as C
from wavebreak.storage.sql import PlanOp, SqlStorage

log = logging.getLogger(__name__)

_store: SqlStorage | None = None
_failed: str | None = None
_last_seq = 0


def _init(url: str) -> None:
    global _store
    # Ctrl-C is the parent's to handle: an interrupted plan here would roll back and let the next
    # one commit without it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _store = SqlStorage(url, migrate=False)  # the parent migrated it


def _warm() -> None:
    """No work: submitting it starts the process and opens the store."""


def _apply(seq: int, blob: bytes) -> None:
    """Apply plan number ``seq`` (pickled); refuse it after a failure or when it is not the next one,
    so that the parent applies it and every later one, in order, itself (a later plan must never be
    committed before an earlier one)."""
    global _failed, _last_seq
    if _failed is None and seq != _last_seq + 1:
        _failed = f"plan {seq} arrived after plan {_last_seq}"
    if _failed is not None:
        raise RuntimeError(f"skipped: {_failed}")
    assert _store is not None, "recorder not initialised"
    try:
        _store.apply_plan(pickle.loads(blob))
    except BaseException as exc:
        _failed = f"{type(exc).__name__}: {exc}"
        raise
    _last_seq = seq


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
    and collect from one thread (the pipeline's); any thread's checkouts wait for the recorder's commits.
    """

    def __init__(self, store: SqlStorage, *, max_in_flight: int = C.RECORDER_MAX_IN_FLIGHT) -> None:
        self.store = store
        self.max_in_flight = max(1, max_in_flight)
        # (future, pickled plan, payload); a plan applied here has the done future _DONE
        self._pending: deque[tuple[Future[None], bytes, Any]] = deque()
        self._owner = threading.get_ident()
        self._seq = 0
        self._broken = False
        self._here = threading.local()  # .applying: this thread is applying a plan itself
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
        """Queue ``ops`` for the recorder; ``payload`` comes back from :meth:`committed` after its commit.

        The plan is pickled now: what is applied is the batch as it is now, and a plan that cannot
        be pickled fails here (raised, as a write that fails in process), before any later one. Once
        the recorder has failed, the plan is applied here at once, after every plan before it."""
        self.stats["plans"] += 1
        if not self._broken and self._pool is not None:
            blob = pickle.dumps(ops, protocol=pickle.HIGHEST_PROTOCOL)
            self._seq += 1
            try:
                self._pending.append((self._pool.submit(_apply, self._seq, blob), blob, payload))
                return
            except RuntimeError as exc:  # pool broken or shut down
                self._fail(f"recorder unavailable: {exc}")
        self._settle_all()
        self._apply_here(ops)
        self._pending.append((_DONE, b"", payload))

    def committed(self, *, block: bool = False) -> Iterator[Any]:
        """Payloads of the plans committed so far, oldest first (waiting for the oldest while more than
        ``max_in_flight`` are pending, or for all of them with ``block``)."""
        while self._pending:
            fut = self._pending[0][0]
            if not fut.done() and not block and len(self._pending) <= self.max_in_flight:
                return
            self._settle(0)
            yield self._pending.popleft()[2]

    def wait_committed(self) -> None:
        """Return once the recorder has finished every plan submitted so far; on the submitting thread,
        outside a plan being collected, also apply here any it failed (in order). Another thread only
        waits for the recorder."""
        if getattr(self._here, "applying", False):
            return
        pending = list(self._pending)
        self._wait_for(pending)
        if (
            threading.get_ident() == self._owner
            and getattr(self.store._tx, "plan", None) is None  # not inside planned(): settle later
            and any(f.exception() is not None for f, _, _ in pending)
        ):
            self._settle_all()

    def _wait_for(self, pending: Iterable[tuple[Future[None], bytes, Any]]) -> None:
        """Wait until the recorder has finished (committed or failed) each of ``pending``."""
        futs = [f for f, _, _ in pending if not f.done()]
        if futs:
            t0 = time.perf_counter()
            wait(futs)
            self.stats["wait_seconds"] += time.perf_counter() - t0

    # ------------------------------------------------------------------ failures

    def _settle(self, i: int) -> None:
        """Make sure pending plan ``i`` is committed, applying it here if the recorder did not."""
        fut, blob, payload = self._pending[i]
        t0 = time.perf_counter()
        try:
            fut.result()
            return
        except Exception as exc:
            self._fail(f"recorder failed a batch ({type(exc).__name__}: {exc})")
        finally:
            self.stats["wait_seconds"] += time.perf_counter() - t0
        self._apply_here(pickle.loads(blob))
        self._pending[i] = (_DONE, b"", payload)

    def _apply_here(self, ops: list[PlanOp]) -> None:
        self._here.applying = True  # this thread's own checkouts must not wait for this very plan
        try:
            self.store.apply_plan(ops)
        finally:
            self._here.applying = False
        self.stats["applied_here"] += 1

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
        """Stop the process once it has finished what it was given. Applies nothing and raises nothing
        for plans it failed: collect :meth:`committed` first (which applies them, in order)."""
        pool, self._pool = self._pool, None
        try:
            self._wait_for(self._pending)
        finally:
            event.remove(self.store.engine, "checkout", self._hook)
            if pool is not None:
                try:
                    if not self._broken:
                        pool.submit(_close).result()
                except Exception as exc:  # a dead recorder has nothing left to flush
                    log.debug("recorder close: %s", exc)
                pool.shutdown(wait=True, cancel_futures=True)
