"""The server's in-memory view of the event log: decisions, holds, crises, statements, keys.

Why a live projection instead of querying storage per request: the gate sits in
the hot path of trends, search, recommendations and notifications (target p99 <
10 ms for 100 items). So the server folds the append-only log into memory once
at start-up, then polls ``iter_events(since_seq=last)`` every
``API_INDEX_POLL_S`` in a background thread; a decision recorded by a pipeline
in another process (or by ``POST /v1/posts`` in this one) reaches every surface
within about half a second, and a gate call never waits on the database for
decisions.

:class:`LiveIndex` is also the ``storage`` the library :class:`Gate` reads
through: ``decisions_for`` and ``narratives_of`` are answered from memory, and
``get_posts`` from an LRU of post metadata that :meth:`LiveIndex.prefetch`
fills (one batched query, run off the event loop) for ids never seen before.

Every fold is idempotent (events may be seen twice: once when this process
writes them, again when the poller reads them back), and every structure a
request thread reads is replaced, never edited in place, so readers need no lock.
"""

from __future__ import annotations

import heapq
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from wavebreak.api.keys import APIKEY_CREATED, APIKEY_REVOKED, KeyRing
from wavebreak.core import constants as C
from wavebreak.core.records import AuthorityStatement, Decision, Event
from wavebreak.decisions.log import DECISION_APPLIED, DECISION_REVERSED
from wavebreak.decisions.serde import decision_from_dict
from wavebreak.policy.crisis import CrisisManager, crisis_from_payload
from wavebreak.policy.gate import Gate, shown_post
from wavebreak.policy.holds import HoldRegistry, hold_from_payload
from wavebreak.policy.refutations import statement_from_payload

log = logging.getLogger(__name__)

WATCHED_KINDS = (
    DECISION_APPLIED,
    DECISION_REVERSED,
    "hold.added",
    "hold.ended",
    "crisis.proposed",
    "crisis.confirmed",
    "crisis.renewed",
    "crisis.ended",
    "refutation.added",
    APIKEY_CREATED,
    APIKEY_REVOKED,
)
"""Event kinds the server folds into memory (alerts and review events are read on demand)."""


@dataclass(slots=True)
class PostMeta:
    """What the gate needs about a post: its author (account decisions), text (legal holds) and
    what it shows of another post (a pure repost shows its original, a quote embeds the quoted post).

    Why the last three: the library Gate applies an original's post decisions to its reposts and a
    quoted post's restrictions to the quote, reading ``kind`` / ``repost_of`` / ``quote_of`` off
    whatever ``get_posts`` returns; without them the server never applied those rules."""

    id: str
    author_id: str | None
    text: str
    kind: str = ""
    repost_of: str | None = None
    quote_of: str | None = None

    @classmethod
    def of(cls, p: Any) -> PostMeta:
        """The gate's view of a stored or just-ingested post record."""
        return cls(p.id, p.author_id, p.text, str(p.kind), p.repost_of, p.quote_of)


def gate_item(r: Any, provisional: bool = False) -> dict[str, Any]:
    """A GateResult as the API returns it."""
    return {
        "item_id": r.item_id,
        "action": r.action.name.lower(),
        "reason_id": r.reason_id,
        "rule_id": r.rule_id,
        "explanation": r.explanation,
        "boost_as_context": r.boost_as_context,
        "provisional": provisional,
    }


def _utc(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def apply_crisis_event(manager: CrisisManager, ev: Event) -> None:
    """Fold one ``crisis.*`` event into a manager through its public API (idempotent)."""
    p = ev.payload
    if ev.kind == "crisis.proposed":
        if manager.get(ev.subject) is not None:
            return
        c = crisis_from_payload(p)
        manager.propose(
            c.title,
            c.declared_at,
            c.terms,
            c.regions,
            c.languages,
            duration=c.expires_at - c.declared_at,
            by=c.proposed_by,
            evidence=p.get("evidence"),
            crisis_id=c.id,
        )
        return
    c = manager.get(ev.subject)
    if c is None:
        return
    if ev.kind == "crisis.confirmed" and c.ended_at is None:
        c.confirmed = True
        c.confirmed_by = p.get("confirmed_by", ev.actor)
    elif ev.kind == "crisis.renewed" and p.get("expires_at"):
        c.expires_at = datetime.fromisoformat(p["expires_at"])
    elif ev.kind == "crisis.ended" and c.ended_at is None:
        c.ended_at = ev.at


def _audience(d: Decision) -> int:
    """Audience used for a crisis's reach-avoided estimate, from the decision's own facts."""
    f = d.facts
    if f.get("author_followers"):
        return int(f["author_followers"])
    for leaves in (f.get("by_rule") or {}).values():
        for leaf in leaves if isinstance(leaves, list) else []:
            if isinstance(leaf, dict) and leaf.get("field") == "narrative.reach":
                try:
                    return int(leaf.get("value") or 0)
                except (TypeError, ValueError):
                    return 0
    return 0


class LiveIndex:
    """In-memory projection of the log that answers the gate without database round trips."""

    def __init__(
        self,
        storage: Any,
        *,
        poll_interval: float = C.API_INDEX_POLL_S,
        narrative_refresh_s: float = C.API_NARRATIVE_LINK_REFRESH_S,
        post_cache: int = C.API_POST_META_CACHE,
    ) -> None:
        self.storage = storage
        self.url = getattr(storage, "url", "")
        self.poll_interval = poll_interval
        self.narrative_refresh_s = narrative_refresh_s
        self.post_cache = post_cache
        self.holds = HoldRegistry()
        self.crises = CrisisManager()
        self.synced_crises: list[CrisisManager] = []
        """Other managers kept in step with the log (the in-process pipeline's), without ledgers."""
        self.statements: dict[str, AuthorityStatement] = {}
        self.keys = KeyRing()
        self.last_seq = 0
        self.events_applied = 0
        self._by_target: dict[str, tuple[Decision, ...]] = {}
        self._post_narr: dict[str, str] = {}
        self._narr_decided: dict[str, float] = {}  # narrative id -> monotonic time its posts were linked
        self._posts: OrderedDict[str, PostMeta] = OrderedDict()
        self._unknown: set[str] = set()  # ids in _posts the store did not hold (author None)
        self._refresh_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.gate = self._new_gate()
        self.generation = 0
        """Bumped when any gate answer may have changed (a hold added or ended, starting or ending):
        the whole memo is dropped. A decision only changes the answers of the items it reaches, which
        are forgotten one by one (:meth:`_forget_targets`)."""
        # (surface, region) -> item id -> the item's answer, already serialised
        self._memo: dict[tuple[str, str | None], dict[str, orjson.Fragment]] = {}
        # (monotonic expiry, (surface, region), item id), a heap: the TTL safety net, checked once per
        # call at its head, so a memo hit costs one dict lookup per item as before
        self._expiry: list[tuple[float, tuple[str, str | None], str]] = []
        self._memo_gen = -1
        # author or narrative id -> memoised items whose answer reads its decisions
        self._memo_deps: dict[str, set[str]] = {}
        self._memo_epoch = 0
        """Bumped by every selective forget; a gate call that saw it move while it computed does not
        keep its answers (they may predate the decision that caused the forget)."""
        self._rng = random.Random()
        self._boundaries: list[tuple[float, str]] = []
        """Future instants at which memoised answers go stale: (time, decision target) when a decision
        expires, (time, "") when a hold starts or ends (everything)."""
        self.stats = {"polls": 0, "post_queries": 0, "poll_errors": 0, "memo_hits": 0, "memo_misses": 0}

    # ------------------------------------------------------------------ folding the log

    def refresh(self) -> int:
        """Fold every watched event appended since the last call; returns how many were applied."""
        with self._refresh_lock:
            n = 0
            last = self.last_seq
            new_narr: set[str] = set()
            touched: set[str] = set()
            for ev in self.storage.iter_events(since_seq=last, kinds=list(WATCHED_KINDS)):
                if self._apply(ev, new_narr, touched):
                    self.generation += 1
                last = ev.seq or last
                n += 1
            self.last_seq = last
            self.events_applied += n
            if touched:
                self._forget_targets(touched)
            self.stats["polls"] += 1
            self._link_narratives(new_narr)
            return n

    def _apply(self, ev: Event, new_narr: set[str], touched: set[str]) -> bool:
        """Fold one event. Decision targets whose answers may change go into ``touched``; returns
        True when every memoised answer may have changed (holds). Crises, statements and keys
        change no gate answer (the Gate reads decisions and holds only)."""
        k = ev.kind
        if k == DECISION_APPLIED:
            d = decision_from_dict(ev.payload)
            self._put(d)
            touched.add(d.target_id)
            if d.target_kind == "narrative":
                new_narr.add(d.target_id)
            cid = d.facts.get("crisis")
            if cid and self.crises.get(str(cid)) is not None:
                self.crises.record(str(cid), d, _audience(d))
        elif k == DECISION_REVERSED:
            self._drop(str(ev.payload.get("decision_id", "")), ev.subject)
            touched.add(ev.subject)
        elif k == "hold.added":
            hold = hold_from_payload(ev.payload)
            self.holds.add(hold, actor=ev.actor)
            self._boundary(hold.starts_at)
            if hold.ends_at is not None:
                self._boundary(hold.ends_at)
            return True
        elif k == "hold.ended":
            h = self.holds.get(ev.subject)
            if h is not None:
                ends = ev.payload.get("ends_at")
                until = datetime.fromisoformat(ends) if ends else ev.at
                self.holds.end(ev.subject, until, actor=ev.actor)
                self._boundary(until)
            return True
        elif k.startswith("crisis."):
            for m in (self.crises, *self.synced_crises):
                apply_crisis_event(m, ev)
        elif k == "refutation.added":
            st = statement_from_payload(ev.payload)
            self.statements = {**self.statements, st.id: st}
        elif k in (APIKEY_CREATED, APIKEY_REVOKED):
            self.keys.apply(ev)
        return False

    def _put(self, d: Decision) -> None:
        old = self._by_target.get(d.target_id, ())
        if any(x.id == d.id for x in old):
            return
        kept = tuple(x for x in old if x.id != d.supersedes)
        self._by_target[d.target_id] = (*kept, d)
        if d.expires_at is not None:
            self._boundary(d.expires_at, d.target_id)
        if d.target_kind == "post" and d.narrative_id:
            self._post_narr[d.target_id] = d.narrative_id

    def _boundary(self, at: datetime, target: str = "") -> None:
        t = _utc(at).timestamp()
        if t > time.time():
            heapq.heappush(self._boundaries, (t, target))

    def _drop(self, decision_id: str, target_id: str) -> None:
        old = self._by_target.get(target_id, ())
        kept = tuple(x for x in old if x.id != decision_id)
        if kept:
            self._by_target[target_id] = kept
        else:
            self._by_target.pop(target_id, None)

    def _link_narratives(self, new: set[str]) -> None:
        """Map posts → narrative for narratives that carry a decision (new ones now, others every TTL)."""
        now = time.monotonic()
        due = set(new) | {nid for nid, t in self._narr_decided.items() if now - t >= self.narrative_refresh_s}
        if not due:
            return
        fetch = getattr(self.storage, "narrative_post_ids", None)
        linked: list[str] = []
        for nid in due:
            self._narr_decided[nid] = now
            if fetch is None:
                continue
            try:
                pids = fetch(nid)
            except Exception:  # a narrative not yet written: try again next refresh
                continue
            for pid in pids:
                if pid not in self._post_narr:
                    self._post_narr[pid] = nid
                    linked.append(pid)
        if linked:
            self._forget_items(linked)

    def prune(self, at: datetime | None = None) -> int:
        """Forget expired decisions (the log keeps them); returns how many targets were dropped."""
        when = _utc(at)
        dropped = 0
        for tid, ds in list(self._by_target.items()):
            kept = tuple(d for d in ds if d.expires_at is None or _utc(d.expires_at) > when)
            if len(kept) != len(ds):
                if kept:
                    self._by_target[tid] = kept
                else:
                    self._by_target.pop(tid, None)
                    dropped += 1
        return dropped

    # ------------------------------------------------------------------ background poller

    def start(self) -> None:
        """Fold the whole log now, then keep polling in a daemon thread."""
        self.refresh()
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="wavebreak-index", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        polls = 0
        renewed = time.monotonic()
        while not self._stop.wait(self.poll_interval):
            try:
                self.refresh()
                polls += 1
                if time.monotonic() - renewed >= self.narrative_refresh_s:
                    renewed = time.monotonic()
                    self.renew_gate()
                if polls % 600 == 0:  # about every 5 minutes at the default interval
                    self.prune()
            except Exception:  # a transient storage error must not kill the poller
                self.stats["poll_errors"] += 1
                log.exception("decision index refresh failed; retrying")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # ------------------------------------------------------------------ what the Gate reads

    def decisions_for(self, target_ids: Sequence[str], at: datetime | None = None) -> list[Decision]:
        """Decisions in memory on these targets (the Gate drops superseded and expired ones)."""
        get = self._by_target.get
        out: list[Decision] = []
        for t in target_ids:
            ds = get(t)
            if ds:
                out.extend(ds)
        return out

    def narratives_of(self, post_ids: Sequence[str]) -> dict[str, str]:
        """Narrative of each post, for posts in narratives that carry a decision (memory only)."""
        get = self._post_narr.get
        return {p: n for p in post_ids if (n := get(p)) is not None}

    def missing_posts(self, post_ids: Iterable[str]) -> list[str]:
        """Ids whose metadata is not in memory yet (a gate call for them needs :meth:`prefetch`)."""
        posts = self._posts
        return [p for p in post_ids if p not in posts]

    def prefetch(self, post_ids: Sequence[str]) -> None:
        """Load metadata of unseen posts in one batched query (call this off the event loop)."""
        missing = list(dict.fromkeys(self.missing_posts(post_ids)))
        if not missing:
            return
        self.stats["post_queries"] += 1
        found = {p.id: p for p in self.storage.get_posts(missing)}
        for pid in missing:
            p = found.get(pid)
            self._remember(PostMeta.of(p) if p is not None else PostMeta(pid, None, ""))

    def _remember(self, meta: PostMeta) -> None:
        self._posts[meta.id] = meta
        if meta.author_id is None:
            self._unknown.add(meta.id)
        else:
            self._unknown.discard(meta.id)
        while len(self._posts) > self.post_cache:
            old, _ = self._posts.popitem(last=False)
            self._unknown.discard(old)

    def learn_posts(self, posts: Iterable[Any]) -> None:
        """Record metadata of posts this process has just ingested (no query needed later)."""
        ids = []
        for p in posts:
            self._remember(PostMeta.of(p))
            ids.append(p.id)
        self._forget_items(ids)
        self.renew_gate(forget_unknown=False)

    def renew_gate(self, forget_unknown: bool = True) -> None:
        """Swap in a fresh Gate so posts it once saw as unknown are looked up again.

        The library Gate caches "no such post" for ever; posts arrive continuously, so the
        server replaces it every ``API_NARRATIVE_LINK_REFRESH_S`` (its caches refill from
        memory, not from the database) and forgets its own negative entries.
        """
        if forget_unknown and self._unknown:
            # the ids themselves, not a scan of the cache: walking 200k cached posts every renewal
            # held the GIL for milliseconds, a stall in whatever gate call was in flight
            unknown, self._unknown = self._unknown, set()
            for pid in unknown:
                self._posts.pop(pid, None)
            self._forget_items(unknown)
        self.gate = self._new_gate()

    def _new_gate(self) -> Gate:
        return Gate(self, self.holds, ttl=0.0)

    def get_posts(self, post_ids: Sequence[str]) -> list[PostMeta]:
        """What the Gate asks for: served from memory, with a batched query for any miss."""
        if self.missing_posts(post_ids):
            self.prefetch(post_ids)
        posts = self._posts
        return [m for p in post_ids if (m := posts.get(p)) is not None and m.author_id is not None]

    def list_narratives(self, limit: int = 100) -> list[Any]:
        return []  # never used: narratives_of is provided

    def narrative_post_ids(self, narrative_id: str, limit: int | None = None) -> list[str]:
        return []

    # ------------------------------------------------------------------ memoised answers (hot path)

    def decide(
        self, surface: str, region: str | None, item_ids: Sequence[str], at: datetime | None = None
    ) -> list[Any]:
        """Gate answers, memoised per (surface, region) and item, ready for ``orjson.dumps``.

        Memoised answers are ``orjson.Fragment`` (the item's JSON, serialised once: re-encoding 100
        dicts per call cost a quarter of a gate call); a what-if ``at`` bypasses the memo and gives
        plain dicts. The memo is exact, not a guess: a decision applied or reversed forgets the
        answers it reaches (its target's, and those of the posts whose author or narrative it
        targets), and so does its expiry; a post's metadata or narrative becoming known forgets that
        post's; a hold added, ended, starting or ending drops everything (:attr:`generation`).

        Why not drop everything on every change (the first version): recomputing the whole memo
        costs ~0.6 ms per 100-item call for the next few hundred calls, a backlog of tens of ms at
        1,000 calls/s; a pipeline writing decisions every poll (0.5 s) would keep the server there.
        The safety net ``API_GATE_RESULT_TTL_S`` is per answer and jittered for the same reason: a
        wall-clock bucket dropped the whole memo once a minute (one 15-s benchmark in four).
        """
        if at is not None:
            return [gate_item(r) for r in self.gate.decide(surface, region, list(item_ids), at)]
        b = self._boundaries
        if b and b[0][0] <= time.time():
            due: set[str] = set()
            while b and b[0][0] <= time.time():
                due.add(heapq.heappop(b)[1])
            if "" in due:
                self.generation += 1
            else:
                self._forget_targets(due)
        if self._memo_gen != self.generation or sum(map(len, self._memo.values())) > C.API_GATE_RESULT_CACHE:
            self._memo = {}
            self._memo_deps = {}
            self._expiry = []
            self._memo_gen = self.generation
        now = time.monotonic()
        exp = self._expiry
        if exp and exp[0][0] <= now:  # answers past their (jittered) TTL: a few per call, not all at once
            memos = self._memo
            gone: list[str] = []
            while exp and exp[0][0] <= now:
                _, old_sr, item = heapq.heappop(exp)
                old = memos.get(old_sr)
                if old is not None and old.pop(item, None) is not None:
                    gone.append(item)
            self._drop_deps(gone)
        sr = (surface, region.upper() if region else None)
        memo = self._memo.get(sr)
        if memo is None:
            memo = self._memo[sr] = {}
        get = memo.get
        out = [get(i) for i in item_ids]
        todo = [i for i, r in zip(item_ids, out, strict=True) if r is None]
        self.stats["memo_hits"] += len(item_ids) - len(todo)
        if not todo:
            return out
        self.stats["memo_misses"] += len(todo)
        epoch = self._memo_epoch
        fresh = {
            r.item_id: orjson.Fragment(orjson.dumps(gate_item(r)))
            for r in self.gate.decide(surface, region, todo)
        }
        memo.update(fresh)
        ttl, jitter, rnd = C.API_GATE_RESULT_TTL_S, C.API_GATE_RESULT_TTL_JITTER, self._rng.random
        for i in fresh:
            heapq.heappush(exp, (now + ttl * (1.0 - jitter * rnd()), sr, i))
        self._note_deps(fresh)
        if self._memo_epoch != epoch:
            # a decision was folded while these were computed (poller thread): they may predate it
            for i in fresh:
                memo.pop(i, None)
        return [r if r is not None else fresh[i] for i, r in zip(item_ids, out, strict=True)]

    def _note_deps(self, item_ids: Iterable[str]) -> None:
        """Record which author and narrative each memoised answer read (for :meth:`_forget_targets`)."""
        deps = self._memo_deps
        for i in item_ids:
            for key in self._dep_keys(i):
                if key:
                    deps.setdefault(key, set()).add(i)

    def _dep_keys(self, item_id: str) -> tuple[str | None, ...]:
        """The targets whose decisions an item's gate answer reads besides its own: its author and
        narrative, and for a repost or quote the post it shows and that post's narrative (any may be
        unknown)."""
        m, narr = self._posts.get(item_id), self._post_narr
        shown = shown_post(m) if m is not None else None
        own = (m.author_id if m is not None else None, narr.get(item_id))
        return own if shown is None else (*own, shown, narr.get(shown))

    def _drop_deps(self, item_ids: Iterable[str]) -> None:
        """Unrecord the dependencies of answers no longer memoised under any (surface, region).

        Why: without it the author / narrative sets grew with every item ever answered (answers
        leave the memo by TTL, their dependencies stayed), and only a hold change reset them."""
        deps, memos = self._memo_deps, list(self._memo.values())
        for i in item_ids:
            if any(i in m for m in memos):
                continue  # still answered for another surface or region: its dependencies stand
            for key in self._dep_keys(i):
                if key:
                    s = deps.get(key)
                    if s is not None:
                        s.discard(i)
                        if not s:
                            deps.pop(key, None)  # the poller thread may have popped it meanwhile

    def _forget_targets(self, targets: Iterable[str]) -> None:
        """Forget the answers a decision on these targets reaches: the targets as items, and every
        memoised item whose author or narrative is one of them (called after the index changed).

        The epoch is bumped first: a request that computed its answers before the index changed and
        records their dependencies after this reads them either before the bump (so the pop below
        finds them) or after it (so the request itself drops them). Bumping it after the pop left a
        window in which such an answer stayed memoised until its TTL."""
        self._memo_epoch += 1
        deps = self._memo_deps
        items = set(targets)
        for t in list(items):
            items |= deps.pop(t, set())
        self._forget_items(items)

    def _forget_items(self, item_ids: Iterable[str]) -> None:
        self._memo_epoch += 1
        ids = list(item_ids)
        for memo in list(self._memo.values()):  # the request thread may add a (surface, region)
            for i in ids:
                memo.pop(i, None)

    # ------------------------------------------------------------------ small helpers for the API

    def decision_count(self) -> int:
        return sum(len(v) for v in self._by_target.values())

    def health(self) -> dict[str, Any]:
        return {
            "last_seq": self.last_seq,
            "events_applied": self.events_applied,
            "targets_with_decisions": len(self._by_target),
            "holds": len(self.holds),
            "crises": len(self.crises.all()),
            "statements": len(self.statements),
            "poller_running": self._thread is not None and self._thread.is_alive(),
            "poll_errors": self.stats["poll_errors"],
        }

    def crisis_at(self, at: datetime | None) -> datetime:
        return _utc(at)

    @staticmethod
    def default_duration(days: float | None) -> timedelta | None:
        return timedelta(days=days) if days is not None else None
