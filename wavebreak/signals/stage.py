"""The signals stage: every fast per-post signal, vectorised per batch, plus an optional slow path.

Fast path (every post): language, the four toxicity heads, identity claims,
rumour markers and generic stance, and account credibility for authors seen
in the batch. Reposts usually carry no text, so they inherit the signals of
the post they amplify (a bounded LRU of recent post signals); when the
original is unknown they get neutral zero scores, which policy reads as "no
evidence", never as "safe".

Slow path (``slow_path=True``): sentence embeddings (multilingual USE) only
for *candidates* (hate/incitement/threat or identity-claim score over a policy
threshold, high-reach authors, posts propagating a live narrative), distinct
texts only, cache first, at most ``SIGNALS_SLOW_PATH_BUDGET`` encodings per
batch by priority (reach x risk). Embeddings are not stored in signals (512 floats per post would
bloat storage); they go to ``batch.extras["embeddings"]`` for the narratives
stage, and :meth:`SignalsStage.embed` is the shared encoder. The slow path
runs after every fast signal is written, so a slow encoder delays nothing the
fast path decides.

Signals B's modules (identity claims, rumour, stance, credibility) are
imported when the stage starts; one that is missing or has no model file is
skipped with a warning (its signal is simply absent) so the pipeline still runs.
"""

from __future__ import annotations

import gc
import logging
import math
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from wavebreak.core import constants as C
from wavebreak.core.records import Account, Post, PostKind, Signal, SignalName
from wavebreak.signals import lang as lang_mod
from wavebreak.signals import reply_context as reply_ctx
from wavebreak.signals import toxicity as tox_mod
from wavebreak.signals.text import normalise_flag, normalise_light

if TYPE_CHECKING:
    from wavebreak.pipeline.context import PipelineContext
    from wavebreak.pipeline.stage import Batch

log = logging.getLogger(__name__)

# Enum members read per post or per text, bound once: in Python 3.11 every ``SignalName.X`` read goes
# through ``EnumType.__getattr__``'s slow attribute hook (~1,000 instructions; 3.12 dropped the hook)
_LANG: Final = SignalName.LANG
_INCITEMENT: Final = SignalName.INCITEMENT
_CREDIBILITY: Final = SignalName.CREDIBILITY
_REPOST: Final = PostKind.REPOST

TOXICITY_NAMES: tuple[str, ...] = (
    SignalName.HATE,
    SignalName.INCITEMENT,
    SignalName.THREAT,
    SignalName.ABUSE,
)
_SLOW_RISK: tuple[str, ...] = (SignalName.HATE, SignalName.INCITEMENT, SignalName.THREAT)
"""Toxicity heads that make a post a slow-path candidate (abuse does not: no policy acts on it alone)."""

TEXT_SIGNALS: tuple[str, ...] = (
    SignalName.LANG,
    *TOXICITY_NAMES,
    SignalName.IDENTITY_CLAIM,
    SignalName.RUMOUR,
    SignalName.STANCE,
)


def neutral_signals(model: str = "neutral:no-text") -> dict[str, Signal]:
    """Zero-score signals for a post with no text and no known original (no evidence either way)."""
    out = {n: Signal(name=n, score=0.0, model=model) for n in TEXT_SIGNALS}
    out[SignalName.LANG] = Signal(name=SignalName.LANG, score=0.0, label="und", model=model)
    return out


_NEUTRAL = neutral_signals()
"""The neutral row, shared (rows kept by the stage are never mutated; the batch gets a copy)."""


class _OptionalB:
    """Signals B's functions, loaded once; any that is missing stays ``None``."""

    def __init__(self) -> None:
        self.missing: list[str] = []
        try:
            from wavebreak.signals import identity_claims

            self.identity = identity_claims.extract
        except ImportError as e:  # pragma: no cover - depends on B's progress
            self.identity = None
            self.missing.append(f"identity_claims ({e})")
        try:
            from wavebreak.signals import rumour

            self.rumour = rumour.score
        except ImportError as e:  # pragma: no cover
            self.rumour = None
            self.missing.append(f"rumour ({e})")
        try:
            from wavebreak.signals.stance import StanceModel

            self.stance = StanceModel.load()
        except (ImportError, FileNotFoundError, OSError) as e:  # pragma: no cover
            self.stance = None
            self.missing.append(f"stance ({e})")
        try:
            from wavebreak.signals.credibility import CredibilityTracker

            self.credibility = CredibilityTracker()
        except (ImportError, FileNotFoundError, OSError) as e:  # pragma: no cover
            self.credibility = None
            self.missing.append(f"credibility ({e})")
        for m in self.missing:
            log.warning("signals stage: %s unavailable, its signal is skipped", m)


def _engages_claim(row: dict[str, Signal]) -> bool:
    """Whether a post's fast signals show it engaging with a claim (so its stance is worth a model)."""
    ident = row.get(SignalName.IDENTITY_CLAIM)
    if ident is not None and (ident.score > 0 or (ident.data or {}).get("negated")):
        return True
    rumour = row.get(SignalName.RUMOUR)
    if rumour is not None and rumour.label is not None:
        return True
    return any(
        (sig := row.get(name)) is not None and sig.score >= C.SIGNALS_STANCE_GATE_TOX
        for name in (SignalName.HATE, SignalName.INCITEMENT, SignalName.THREAT)
    )


def stance_gate(texts: list[str]) -> list[bool]:
    """Whether the signals stage models the stance of each text (:func:`_engages_claim` on its fast
    signals; every other post is ``comment`` by construction). For evaluating stance as the pipeline
    computes it: ``stance.loeo(gate=stance_gate)``, ``wavebreak eval signals``."""
    return [_engages_claim(row) for row in SignalsStage(slow_path=False).score_texts(texts)]


def has_own_text(p: Post) -> bool:
    """Whether a post's text is scored: everything but a repost without words of its own (that one
    inherits its original's signals)."""
    return bool(p.text.strip()) or p.kind is not _REPOST


class SignalsStage:
    """Fills ``batch.signals[post.id]`` and ``batch.account_signals[account.id]["credibility"]``."""

    name = "signals"

    def __init__(
        self,
        slow_path: bool = False,
        explain: bool = True,
        repost_cache_size: int = C.SIGNALS_REPOST_CACHE_SIZE,
        b_signals: bool = True,
        text_cache_size: int = C.SIGNALS_TEXT_CACHE_SIZE,
        pause_gc: bool = C.SIGNALS_PAUSE_GC,
        reply_context: bool = True,
    ) -> None:
        self.slow_path = slow_path
        self.reply_context = reply_context
        self.pause_gc = pause_gc
        self.explain = explain
        self.tox = tox_mod.default_model()
        self.lang = lang_mod.default_model()
        self.b = _OptionalB() if b_signals else None
        stance_model = self.b.stance if self.b is not None else None
        self._comment = Signal(
            SignalName.STANCE,
            1.0,
            "comment",
            f"{getattr(stance_model, 'version', 'stance')}:gated",
            ("no claim, enquiry, correction or risk cue: stance not modelled",),
        )
        self._recent: OrderedDict[str, dict[str, Signal]] = OrderedDict()
        self._cache_size = repost_cache_size
        # raw text -> signals of that text (LRU). An OrderedDict, not a plain dict evicted with
        # ``del d[next(iter(d))]``: that finds the oldest key by scanning past every slot deleted since
        # the dict last resized, 8.8 us per eviction at 20k entries against 0.3 us for popitem (measured
        # in CPython 3.11), and a stream past the cache's size evicts once per new text.
        self._texts: OrderedDict[str, dict[str, Signal]] = OrderedDict()
        self._text_cache_size = text_cache_size
        self._emb_cache: OrderedDict[str, np.ndarray] = OrderedDict()  # FIFO, popitem (see _texts)
        # (label, rounded confidence) -> the lang Signal, shared: the function-word vote gives one
        # confidence per language, so most posts need no new object (bounded: cleared past 20k)
        self._lang_pool: dict[tuple[str, float], Signal] = {}
        self._encoder: Any = None
        self._lists_applied = False
        self.stats: dict[str, float] = {
            "posts": 0,
            "scored_texts": 0,
            "text_cache_hits": 0,
            "full_model_texts": 0,
            "reposts_inherited": 0,
            "reposts_neutral": 0,
            "slow_path_posts": 0,
            "slow_path_share": 0.0,
            "fast_seconds": 0.0,
            "slow_seconds": 0.0,
        }

    # ------------------------------------------------------------------ public helpers

    def embed(self, texts: list[str]) -> np.ndarray:
        """(n, 512) L2-normalised multilingual embeddings; the encoder loads on first use.

        Served from the same bounded cache as the slow path (each distinct text is encoded once),
        so the narratives stage, which calls this, reuses what the slow path already encoded.
        """
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return self._embed_cached(list(texts))

    def _encode(self, texts: list[str]) -> np.ndarray:
        """The encoder itself (no cache): the process's shared USE (:class:`SharedUSE`), loaded on
        first use. It picks BLAS threads per call: one below ``SIGNALS_EMBED_THREADED_MIN_TEXTS``
        texts, because the slow path sends a handful of texts per batch and a second BLAS thread on
        a small call costs far more CPU than it saves (measured on the loaded 2-core box: one text
        4.7 ms of CPU single-threaded vs 155-218 ms with two threads, whose workers spin while they
        wait for a core). Embeddings differ in the last bits between thread counts (<= 3.2e-7 per
        component), as they already do with the batch's composition.
        """
        if self._encoder is None:
            from wavebreak.signals.embedders import SharedUSE

            self._encoder = SharedUSE.get()  # the same instance claim matching uses
        self.stats["encoded_texts"] = self.stats.get("encoded_texts", 0) + len(texts)
        return self._encoder.encode(list(texts))

    def score_texts(self, texts: list[str], langs: list[str | None] | None = None) -> list[dict[str, Signal]]:
        """Every fast text signal for raw texts (no repost inheritance, no credibility).

        Identical texts are scored once: duplicates inside the batch share one
        computation, and a bounded LRU (``SIGNALS_TEXT_CACHE_SIZE``) of recent
        texts serves copy-paste waves across batches. Each returned dict is a
        fresh copy (callers may add to it); the Signal objects in it are shared.
        """
        return [dict(row) for row in self._rows(texts, langs)]

    def _rows(self, texts: list[str], langs: list[str | None] | None = None) -> list[dict[str, Signal]]:
        """:meth:`score_texts` without the copies: rows are the text cache's own dicts, never to be
        mutated (one is fresh only where the platform's language fills in). Why: :meth:`process`
        copies each row once into the batch anyway, and a second copy per post was pure allocation
        (and garbage-collector work over a cache of long-lived rows)."""
        if not texts:
            return []
        given = langs or [None] * len(texts)
        cache = self._texts
        rows: list[dict[str, Signal] | None] = [None] * len(texts)
        todo: dict[str, list[int]] = {}
        for i, t in enumerate(texts):
            hit = cache.get(t)
            if hit is not None:
                cache.move_to_end(t)  # most recently used
                rows[i] = hit
            else:
                todo.setdefault(t, []).append(i)
        self.stats["text_cache_hits"] += len(texts) - sum(map(len, todo.values()))
        if todo:
            uniq = list(todo)
            fresh = self._score_unique(uniq, [given[todo[t][0]] for t in uniq])
            for t, row in zip(uniq, fresh, strict=True):
                for i in todo[t]:
                    rows[i] = row
                cache[t] = row
            while len(cache) > self._text_cache_size:
                cache.popitem(last=False)
        if not any(given):
            return rows  # type: ignore[return-value]
        out: list[dict[str, Signal]] = []
        for row, g in zip(rows, given, strict=True):
            assert row is not None
            if g and row[_LANG].label == "und":
                row = dict(row)
                row[_LANG] = Signal(_LANG, 0.5, g, self.lang.version, data={"source": "platform"})
            out.append(row)
        return out

    def _tick(self, part: str, c0: float) -> float:
        """Add the CPU time since ``c0`` to ``stats["cpu_<part>"]`` (where the fast path spends its time)."""
        now = time.process_time()
        key = f"cpu_{part}"
        self.stats[key] = self.stats.get(key, 0.0) + now - c0
        return now

    def _score_unique(self, texts: list[str], given: list[str | None]) -> list[dict[str, Signal]]:
        """Signals of distinct texts: one normalisation pass shared by every fast model."""
        c = time.process_time()
        flagged = [normalise_flag(t) for t in texts]
        norm = [f[0] for f in flagged]
        c = self._tick("normalise", c)
        # language ID reads only the light form, which texts differing in mentions or URLs share (a
        # quarter of the bench stream's distinct texts): each light form is identified once
        lights = [normalise_light(t) for t in texts]
        light_uniq = list(dict.fromkeys(lights))
        if len(light_uniq) < len(lights):
            by_light = dict(zip(light_uniq, self.lang.predict_light(light_uniq), strict=True))
            detected = list(map(by_light.__getitem__, lights))
        else:
            detected = self.lang.predict_light(lights)
        out: list[dict[str, Signal]] = []
        use_langs: list[str | None] = []
        version = self.lang.version
        pool = self._lang_pool
        if len(pool) > C.SIGNALS_SHARED_SIGNAL_POOL_MAX:
            pool.clear()
        for (lab, conf), g in zip(detected, given, strict=True):
            key = (lab, round(conf, 4))
            sig = pool.get(key)
            if sig is None:
                sig = pool[key] = Signal(SignalName.LANG, key[1], lab, version)
            out.append({SignalName.LANG: sig})
            use_langs.append(lab if lab not in ("und", "other") else g)
        c = self._tick("lang", c)
        # texts differing only in mentions, URLs, case or disguise share one normalised form
        first: dict[str, int] = {}
        for i, t in enumerate(norm):
            first.setdefault(t, i)
        uniq = list(first.values())
        tox = tox_mod.score_normalised(
            self.tox,
            [norm[i] for i in uniq],
            explain=self.explain,
            obfuscated=[flagged[i][1] for i in uniq],
            stats=self.stats,
        )
        by_norm = dict(zip(first, tox, strict=True))
        for row, t in zip(out, norm, strict=True):
            row.update(by_norm[t])
        c = self._tick("toxicity", c)
        if self.b is not None:
            if self.b.identity is not None:
                for row, s in zip(out, self.b.identity(texts, use_langs), strict=True):
                    row[SignalName.IDENTITY_CLAIM] = s
                c = self._tick("identity_claims_B", c)
            if self.b.rumour is not None:
                for row, s in zip(out, self.b.rumour(texts, use_langs), strict=True):
                    row[SignalName.RUMOUR] = s
                c = self._tick("rumour_B", c)
            if self.b.stance is not None:
                # Stance toward a claim only matters for posts that engage with one: an identity
                # claim (asserted or denied), an enquiry/correction marker, or a risky score.
                # Everything else is "comment" by construction, which keeps stance (the costliest
                # fast model) off most of a firehose without changing any decision.
                engaged = [i for i, row in enumerate(out) if _engages_claim(row)]
                for row in out:
                    row[SignalName.STANCE] = self._comment
                if engaged:
                    preds = self.b.stance.predict([texts[i] for i in engaged])
                    for i, sig in zip(engaged, preds, strict=True):
                        out[i][SignalName.STANCE] = sig
                self.stats["stance_scored"] = self.stats.get("stance_scored", 0) + len(engaged)
                c = self._tick("stance_B", c)
        self.stats["scored_texts"] += len(texts)
        return out

    # ------------------------------------------------------------------ stage protocol

    def process(self, batch: Batch, ctx: PipelineContext) -> None:
        """Score every post of the batch (fast path), then the slow path on candidates.

        The fast path runs with the cyclic garbage collector paused (``pause_gc``, on by default; see
        ``SIGNALS_PAUSE_GC`` for why and what it measured). It creates no reference cycles: every object
        it drops is freed by reference counting as before; only the collector's scans wait until the
        batch is scored, and those then walk the batch's survivors once. The collector's previous
        state is restored (a process that disabled it keeps it disabled).
        """
        t0 = time.perf_counter()
        paused = self.pause_gc and gc.isenabled()
        if paused:
            gc.disable()
        try:
            self._fast(batch, ctx)
        finally:
            if paused:
                gc.enable()
        self.stats["fast_seconds"] += time.perf_counter() - t0
        if self.slow_path:
            self._slow(batch, ctx)
        ctx.services.setdefault("signals", self)

    def _fast(self, batch: Batch, ctx: PipelineContext) -> None:
        """The fast path of :meth:`process`: text signals (cache, inheritance) and credibility."""
        posts = batch.posts
        text_idx = [i for i, p in enumerate(posts) if has_own_text(p)]
        scored = self._rows([posts[i].text for i in text_idx], [posts[i].lang for i in text_idx])
        by_pos = dict(zip(text_idx, scored, strict=True))
        # ``sigs`` is kept (LRU) for reposts and never mutated: a text's cached row, a remembered row,
        # or a snapshot of this batch's row of the original; the batch gets its own copy to extend
        signals = batch.signals
        recent = self._recent
        for i, p in enumerate(posts):
            sigs = by_pos.get(i)
            if sigs is None:  # a repost without text: inherit
                orig = recent.get(p.repost_of) if p.repost_of else None
                if orig is None and p.repost_of:
                    orig = batch.signals.get(p.repost_of)
                    if orig is not None:
                        orig = dict(orig)  # later stages may still add to the batch's dict
                if orig is not None:
                    sigs = orig
                    self.stats["reposts_inherited"] += 1
                else:
                    sigs = _NEUTRAL
                    self.stats["reposts_neutral"] += 1
            elif (p.reply_to or p.quote_of) and self.reply_context:
                sigs = self._with_parent(p, sigs, recent, signals)
            pid = p.id
            cur = signals.get(pid)
            if cur is None:
                signals[pid] = dict(sigs)
            else:
                cur.update(sigs)
            # remembered for reposts (LRU), as :meth:`_remember`, inlined: once per post
            recent[pid] = sigs
            recent.move_to_end(pid)
            if len(recent) > self._cache_size:
                recent.popitem(last=False)
        c = time.process_time()
        self._credibility(batch, ctx)
        self._tick("credibility_B", c)
        self.stats["posts"] += len(posts)

    def close(self, ctx: PipelineContext) -> None:
        """Nothing to flush: state is in-memory caches; stats stay readable."""
        self._recent.clear()
        self._texts.clear()
        self._emb_cache.clear()

    # ------------------------------------------------------------------ internals

    def _with_parent(
        self,
        p: Post,
        sigs: dict[str, Signal],
        recent: OrderedDict[str, dict[str, Signal]],
        signals: dict[str, dict[str, Signal]],
    ) -> dict[str, Signal]:
        """The reply's row read with its parent's (:mod:`wavebreak.signals.reply_context`): a new row
        when it commits to joining a parent scored as incitement, else ``sigs`` unchanged (never mutated:
        it may be the text cache's own row). Cheap: the reply is normalised again only when its parent
        is a call, a few posts per wave."""
        parent_id = p.reply_to or p.quote_of
        assert parent_id is not None
        parent = recent.get(parent_id) or signals.get(parent_id)
        inc = parent.get(_INCITEMENT) if parent is not None else None
        if inc is None or inc.score < C.SIGNALS_REPLY_JOIN_PARENT_MIN:
            return sigs
        if not reply_ctx.joins(normalise_flag(p.text)[0]):
            return sigs
        joined = reply_ctx.joined_signal(sigs.get(_INCITEMENT), inc, parent_id)
        if joined is None:
            return sigs
        self.stats["replies_joining_a_call"] = self.stats.get("replies_joining_a_call", 0) + 1
        return {**sigs, _INCITEMENT: joined}

    def _remember(self, post_id: str, sigs: dict[str, Signal]) -> None:
        self._recent[post_id] = sigs
        self._recent.move_to_end(post_id)
        if len(self._recent) > self._cache_size:
            self._recent.popitem(last=False)

    def _credibility(self, batch: Batch, ctx: PipelineContext) -> None:
        if self.b is None or self.b.credibility is None:
            return
        tracker = self.b.credibility
        lists = ctx.config.get("credibility")
        if lists and not self._lists_applied:
            # the run's own lists (the demo's fictional authority, a platform's YAML via the config)
            # extend the tracker's; read once, at the first batch, since the config is fixed per run
            from wavebreak.signals.credibility import CredibilityConfig

            self._lists_applied = True
            tracker.config.extend(CredibilityConfig.from_mapping(lists, "config['credibility']"))
        tracker.observe(batch.posts)
        accounts: dict[str, Account] = {a.id: a for a in batch.accounts}
        last_seen: dict[str, datetime] = {}
        for p in batch.posts:
            if p.author is not None:
                accounts.setdefault(p.author_id, p.author)
            elif p.author_id not in accounts:
                acc = ctx.accounts.get(p.author_id)
                if acc is not None:
                    accounts[p.author_id] = acc
            last_seen[p.author_id] = max(last_seen.get(p.author_id, p.created_at), p.created_at)
        fallback = batch.watermark or ctx.now or datetime.now(UTC)
        score = getattr(tracker, "score_cached", tracker.score)  # cached when signals B provides it
        for acc_id, acc in accounts.items():
            at = last_seen.get(acc_id, fallback)
            batch.account_signals.setdefault(acc_id, {})[_CREDIBILITY] = score(acc, at)

    def _embed_cached(self, texts: list[str]) -> np.ndarray:
        """Embeddings of ``texts``, encoding each distinct text once (batch duplicates and the LRU).

        Why: the slow path's candidates are exactly the viral texts (the claim and
        its reposts), so most of them repeat; the encoder is ~100x the fast path's
        per-text cost. The cache is bounded (``SIGNALS_EMBED_CACHE_SIZE`` rows of 2 KB).
        """
        cache = self._emb_cache
        todo = [t for t in dict.fromkeys(texts) if t not in cache]
        if todo:
            for t, v in zip(todo, self._encode(todo), strict=True):
                cache[t] = v
            while len(cache) > C.SIGNALS_EMBED_CACHE_SIZE:
                cache.popitem(last=False)
        return np.stack([cache[t] for t in texts]).astype(np.float32, copy=False)

    def _priority(self, p: Post, sigs: dict[str, Signal], followers: int, growing: bool) -> float:
        """Slow-path priority of a post: reach x risk; 0 when it is not a candidate.

        A candidate is (the issue's definition) a post already scored risky (hate, incitement or
        threat >= ``SIGNALS_SLOW_PATH_TOXICITY``, or an identity claim >= ``SIGNALS_SLOW_PATH_IDENTITY``),
        a post of a high-reach author (>= ``SIGNALS_SLOW_PATH_FOLLOWERS``), or a post propagating one
        that sits in a live narrative (``growing``). Risk is the highest of those scores (floor 0.1 so
        that reach alone still ranks); reach is the author's followers.
        """
        if not p.text.strip():
            return 0.0
        risk = max((sigs[n].score for n in _SLOW_RISK if n in sigs), default=0.0)
        ic = sigs.get(SignalName.IDENTITY_CLAIM)
        ic_score = ic.score if ic is not None and ic.label else 0.0
        risky = risk >= C.SIGNALS_SLOW_PATH_TOXICITY or ic_score >= C.SIGNALS_SLOW_PATH_IDENTITY
        if not (risky or growing or followers >= C.SIGNALS_SLOW_PATH_FOLLOWERS):
            return 0.0
        return (followers + 1.0) * (0.1 + max(risk, ic_score))

    def _growing(self, p: Post, ctx: PipelineContext, memo: dict[str, bool]) -> bool:
        """True when the post propagates (repost, quote, reply) a post of a live, still-moving narrative."""
        parent = p.parent_id
        svc = ctx.services.get("narratives")
        if parent is None or svc is None or not hasattr(svc, "narrative_of"):
            return False
        nid = svc.narrative_of(parent)
        if nid is None:
            return False
        hit = memo.get(nid)
        if hit is None:
            m = svc.metrics(nid) if hasattr(svc, "metrics") else {}
            hit = memo[nid] = m.get("status") in ("emerging", "active") and float(m.get("velocity", 0)) > 0
        return hit

    def _slow(self, batch: Batch, ctx: PipelineContext) -> None:
        """Embed the batch's candidates within the per-batch budget (fast signals are already written).

        Distinct texts only, cache first: a text already embedded costs nothing and is always served.
        The remaining distinct texts are ranked by their best post's priority and at most
        ``SIGNALS_SLOW_PATH_BUDGET`` (and ``SIGNALS_SLOW_PATH_MAX_SHARE`` of the batch) are encoded; posts whose text did not fit are left without an
        embedding this batch (counted in ``stats["slow_path_over_budget"]``).
        """
        t0 = time.perf_counter()
        cache = self._emb_cache
        memo: dict[str, bool] = {}
        best: dict[str, float] = {}  # text -> best priority among its posts
        cand: list[tuple[str, str]] = []  # (post id, text)
        for p in batch.posts:
            acc = p.author or ctx.accounts.get(p.author_id)
            growing = self._growing(p, ctx, memo) if p.parent_id else False
            prio = self._priority(p, batch.signals[p.id], acc.followers if acc else 0, growing)
            if prio <= 0:
                continue
            cand.append((p.id, p.text))
            if p.text not in cache and prio > best.get(p.text, 0.0):
                best[p.text] = prio
        budget = min(C.SIGNALS_SLOW_PATH_BUDGET, math.ceil(C.SIGNALS_SLOW_PATH_MAX_SHARE * len(batch.posts)))
        chosen = sorted(best, key=lambda t: -best[t])[:budget]
        if chosen:
            self._embed_cached(chosen)
        served = [(pid, t) for pid, t in cand if t in cache]
        if served:
            batch.extras["embeddings"] = (
                [pid for pid, _ in served],
                np.stack([cache[t] for _, t in served]).astype(np.float32, copy=False),
            )
        batch.extras["slow_path_ids"] = [pid for pid, _ in served]
        st = self.stats
        st["slow_path_candidates"] = st.get("slow_path_candidates", 0) + len(cand)
        st["slow_path_posts"] += len(served)
        st["slow_path_encoded_texts"] = st.get("slow_path_encoded_texts", 0) + len(chosen)
        st["slow_path_over_budget"] = st.get("slow_path_over_budget", 0) + len(best) - len(chosen)
        st["slow_path_share"] = st["slow_path_posts"] / max(1, st["posts"])
        st["slow_path_encoder_share"] = st["slow_path_encoded_texts"] / max(1, st["posts"])
        st["slow_seconds"] += time.perf_counter() - t0
