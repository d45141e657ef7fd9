"""The decisions stage: record everything, *then* announce it.

Runs after the policy stage and before sinks. For each batch it writes, in this
order: content (posts, account snapshots, deletions, quarantine, the signals worth
keeping, narrative assignments, narratives and their points when the batch
carries them); then the event log (``alert.raised``, ``decision.applied``) and the
decisions projection the gate reads; and only then calls the ``ctx.on_alert`` /
``ctx.on_decision`` listeners. "Recorded before announced" means no notification,
trend change or API answer can cite a decision that the audit log does not hold;
a listener that raises is logged and skipped, it never un-records anything or stops
the other listeners.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

from wavebreak.core import constants as C
from wavebreak.core.records import Account, Narrative, Signal, SignalName, Stance
from wavebreak.decisions.log import alert_event, decision_event
from wavebreak.pipeline.context import AccountCache, announce

if TYPE_CHECKING:
    from wavebreak.pipeline.context import PipelineContext
    from wavebreak.pipeline.stage import Batch
    from wavebreak.storage.base import Storage
    from wavebreak.storage.recorder import Recorder

log = logging.getLogger(__name__)

T = TypeVar("T")

KEEP_SIGNALS: frozenset[str] = frozenset(
    {
        SignalName.HATE,
        SignalName.INCITEMENT,
        SignalName.THREAT,
        SignalName.ABUSE,
        SignalName.IDENTITY_CLAIM,
        SignalName.RUMOUR,
        SignalName.CLAIM_MATCH,
    }
)
"""Signals whose score can make a post's signals worth storing (toxicity, identity, rumour)."""
_KEEP_NAMES: tuple[str, ...] = tuple(sorted(str(n.value) for n in KEEP_SIGNALS))


def signals_worth_keeping(
    signals: dict[str, dict[str, Signal]], threshold: float = C.DECISIONS_SIGNAL_KEEP_MIN
) -> list[tuple[str, dict[str, Signal]]]:
    """Posts whose signals are kept: a toxicity/identity/rumour/claim score ≥ ``threshold``,
    or a stance other than ``comment`` (support/deny/query are what narratives are made of)."""
    kept = []
    # Plain loops over the few kept names, names bound once: this runs for every post of every batch
    # (a generator per post and an enum attribute read each cost more than the test itself).
    names = _KEEP_NAMES
    stance_name = SignalName.STANCE.value
    not_stances = (None, "", Stance.COMMENT.value)
    for post_id, sigs in signals.items():
        for name in names:
            s = sigs.get(name)
            if s is not None and s.score >= threshold:
                kept.append((post_id, sigs))
                break
        else:
            stance = sigs.get(stance_name)
            if stance is not None and stance.label not in not_stances:
                kept.append((post_id, sigs))
    return kept


class DecisionsStage:
    """Persist the batch and the moderation events, then notify listeners.

    ``storage`` defaults to ``ctx.storage``. ``anchor_on_close`` writes an anchor at the
    chain head when the pipeline closes, so the last events of a run are covered by a
    publishable digest, not only those up to the last periodic anchor. ``record_worker``: a
    store that can plan its writes (a SQLite file) has them applied by a second process while
    the next batch is computed (:mod:`wavebreak.storage.recorder`); each batch is announced
    once its commit is acknowledged, so still recorded before announced.
    """

    name = "decisions"
    announces = True
    """This stage calls the ``ctx.on_alert`` / ``ctx.on_decision`` listeners (after recording), so the
    pipeline does not announce the batch a second time."""

    def __init__(
        self, storage: Storage | None = None, *, anchor_on_close: bool = True, record_worker: bool = False
    ) -> None:
        self.storage = storage
        self.anchor_on_close = anchor_on_close
        self.record_worker = record_worker
        self._recorder: Recorder | None = None
        self._recorder_tried = False
        self.stats: dict[str, int] = {
            "posts": 0,
            "accounts": 0,
            "signals_kept": 0,
            "alerts": 0,
            "decisions": 0,
            "events": 0,
            "listener_errors": 0,
        }
        self._named_narratives: set[str] = set()
        # account id -> the snapshot last written (a copy: accounts are mutable records)
        self._written_accounts = AccountCache(C.DECISIONS_WRITTEN_CACHE)

    def _changed_accounts(self, accounts: Iterable[Account]) -> list[Account]:
        """Accounts whose snapshot differs from the one last written under their id.

        Why: account rows are upserts of the latest snapshot, and in a stream most posts come from
        authors already written with the same snapshot (three of four in the demo); writing an equal
        row again changes nothing but costs a row build and an index probe. The remembered value is a
        copy, so a record changed in place after it was written still compares unequal.
        """
        written = self._written_accounts
        out = []
        for acc in accounts:
            if written.get(acc.id) == acc:
                continue
            written.put(copy.copy(acc))
            out.append(acc)
        return out

    def _storage(self, ctx: PipelineContext) -> Storage:
        storage = self.storage or ctx.storage
        if storage is None:
            raise RuntimeError(
                "DecisionsStage needs a storage (ctx.storage or DecisionsStage(storage)): decisions "
                "must be recorded before they are announced"
            )
        return storage

    def _recorder_for(self, storage: Storage) -> Recorder | None:
        """The recorder process for ``storage``, started at the first batch (None: record here)."""
        if not self._recorder_tried:
            self._recorder_tried = True
            start = getattr(storage, "recorder", None)
            if self.record_worker and callable(start):
                try:
                    self._recorder = start()
                except (OSError, ValueError, RuntimeError) as exc:
                    log.warning("could not start the recorder process (%s); recording in process", exc)
        return self._recorder

    def process(self, batch: Batch, ctx: PipelineContext) -> None:
        storage = self._storage(ctx)
        rec = self._recorder_for(storage)
        if rec is not None:
            # The same writes, in the same order, collected as one plan for the recorder process;
            # announced once it has committed them (here or at a later batch, in batch order).
            with storage.planned() as ops:  # type: ignore[attr-defined]
                self._persist_content(batch, storage, ctx)
                recorded = self._record(batch, storage)
            self.stats["events"] += recorded
            rec.submit(ops, (batch.alerts, batch.decisions))
            self._announce_committed(rec, ctx)
            return
        # Content, events and the decisions projection commit together: one commit per batch
        # (a storage without transaction() commits each write on its own, same order).
        tx = getattr(storage, "transaction", None)
        with tx() if tx is not None else nullcontext():
            self._persist_content(batch, storage, ctx)
            recorded = self._record(batch, storage)
        self.stats["events"] += recorded
        # Only now, with everything committed, may anyone hear about it.
        self._announce(batch.alerts, ctx.on_alert, "alert")
        self._announce(batch.decisions, ctx.on_decision, "decision")

    def _touched_narratives(self, batch: Batch, ctx: PipelineContext) -> list[Narrative]:
        """Current records of the narratives this batch touched, from the narratives service
        (``ctx.services["narratives"].get``), if one runs: big enough ones, and any an alert or
        a decision names (those must be resolvable from storage by the gate and reports)."""
        service = ctx.services.get("narratives")
        get = getattr(service, "get", None)
        if get is None:
            return []
        named = {a.narrative_id for a in batch.alerts if a.narrative_id}
        named |= {d.narrative_id for d in batch.decisions if d.narrative_id}
        named |= {d.target_id for d in batch.decisions if d.target_kind == "narrative"}
        self._named_narratives |= named
        out = []
        # sorted: a set's order depends on string hashing (PYTHONHASHSEED), and the rows must be written
        # in the same order on every replay of the same stream
        for nid in sorted(set(batch.narrative_of.values()) | named):
            nar = get(nid)
            if nar is not None and (nid in named or nar.posts_total >= C.DECISIONS_NARRATIVE_MIN_POSTS):
                out.append(nar)
        return out

    def _persist_content(self, batch: Batch, storage: Storage, ctx: PipelineContext) -> None:
        accounts: dict[str, Account] = {}
        for p in batch.posts:
            if p.author is not None:
                accounts[p.author.id] = p.author
        for a in batch.accounts:  # explicit snapshots win over embedded ones
            accounts[a.id] = a
        changed = self._changed_accounts(accounts.values())
        if changed:
            storage.add_accounts(changed)
        for d in batch.deletions:  # the deletion rewrites the row: the next snapshot is written again
            self._written_accounts.discard(d.target_id)
        if batch.posts:
            storage.add_posts(batch.posts)
        if batch.deletions:
            storage.add_deletions(batch.deletions)
        if batch.quarantined:
            storage.add_quarantined(batch.quarantined)
        kept = signals_worth_keeping(batch.signals)
        if kept:
            storage.add_signals(kept)
        if batch.narrative_of:
            storage.set_post_narratives(list(batch.narrative_of.items()))
        narratives = list(batch.extras.get("narratives") or ()) + self._touched_narratives(batch, ctx)
        if narratives:
            storage.upsert_narratives(narratives)
        points = batch.extras.get("narrative_points")
        if points:
            storage.add_narrative_points(list(points))
        self.stats["posts"] += len(batch.posts)
        self.stats["accounts"] += len(accounts)
        self.stats["signals_kept"] += len(kept)

    def _record(self, batch: Batch, storage: Storage) -> int:
        events = [alert_event(a) for a in batch.alerts]
        events += [decision_event(d) for d in batch.decisions]
        # Other stages' own events (crisis proposals and expiries, hold applications) go in the same
        # transaction, in batch order, so the log tells the whole story before anyone is told.
        events += list(batch.extras.get("events") or ())
        if not events:
            return 0
        record = getattr(storage, "record", None)
        if record is not None:  # SqlStorage: log + projection in one transaction
            record(events, batch.decisions)
        else:
            storage.append_events(events)
            if batch.decisions:
                storage.put_decisions(batch.decisions)
        self.stats["alerts"] += len(batch.alerts)
        self.stats["decisions"] += len(batch.decisions)
        return len(events)

    def _announce(self, items: Iterable[T], listeners: list[Callable[[T], Any]], what: str) -> None:
        self.stats["listener_errors"] += announce(items, listeners, what)

    def _announce_committed(self, rec: Recorder, ctx: PipelineContext, *, block: bool = False) -> None:
        """Announce, in batch order, the batches whose plans the recorder has committed."""
        for alerts, decisions in rec.committed(block=block):
            self._announce(alerts, ctx.on_alert, "alert")
            self._announce(decisions, ctx.on_decision, "decision")

    def close(self, ctx: PipelineContext) -> None:
        """Record and announce the alerts stages raised while closing, write final narrative records and
        chart series, then anchor the chain head."""
        storage = self.storage or ctx.storage
        if storage is None:
            return
        rec, self._recorder = self._recorder, None
        if rec is not None:  # every batch committed and announced before anything else is written
            try:
                self._announce_committed(rec, ctx, block=True)
            finally:
                rec.close()
                self.stats["recorder_applied_here"] = int(rec.stats["applied_here"])
        late = list(ctx.closing_alerts)  # the pipeline empties the list once every stage has closed
        if late:
            storage.append_events([alert_event(a) for a in late])
            self.stats["alerts"] += len(late)
            self.stats["events"] += len(late)
            self._announce(late, ctx.on_alert, "alert")
        self._persist_final_narratives(storage, ctx)
        if self.anchor_on_close:
            anchor = storage.anchor_head()
            if anchor:
                log.info("event log anchored at seq %s: %s", anchor["seq"], anchor["hash"])

    def _persist_final_narratives(self, storage: Storage, ctx: PipelineContext) -> None:
        service = ctx.services.get("narratives")
        all_fn, get, series = (getattr(service, n, None) for n in ("all", "get", "series"))
        if all_fn is None or get is None:
            return
        final = {n.id: n for n in all_fn(min_posts=C.DECISIONS_NARRATIVE_MIN_POSTS)}
        # sorted, and ranked below with the id as the last key: a set's order follows the string-hash
        # seed, and the rows (their ids, which ones get chart series) must not differ between replays
        for nid in sorted(self._named_narratives):
            nar = get(nid)
            if nar is not None:
                final[nid] = nar
        if not final:
            return
        storage.upsert_narratives(list(final.values()))
        if series is None:
            return
        ranked = sorted(
            final.values(), key=lambda n: (n.id not in self._named_narratives, -n.posts_total, n.id)
        )
        points: list[dict[str, Any]] = []
        for nar in ranked[: C.DECISIONS_SERIES_MAX_NARRATIVES]:
            points.extend({"narrative_id": nar.id, **row} for row in series(nar.id))
        if points:
            storage.add_narrative_points(points)
