"""The narratives stage: streaming clustering, bursts, risk, origin, amplifiers, coordination.

Per post, in event-time order:

1. **Assignment.** A repost, quote or reply joins its parent's narrative when the
   parent is remembered (bounded LRU). Otherwise content decides: a MinHash-LSH
   near-duplicate hit (vectorised per batch) joins the duplicate's narrative; else
   a TF-IDF cosine against narrative centroids found through a streaming inverted
   index (term -> a few narratives) joins the best one above
   ``NARR_MATCH_THRESHOLD``; else a shared URL joins the URL's narrative; else the
   post founds a new narrative. Entities (names, hashtags, link domains) weigh
   more, so a French post repeating the false name joins the English narrative.
2. **Slow path (optional).** The ``embedder`` (USE-multilingual) is called only on
   candidates - posts that founded a narrative and carry risky signals or come
   from high-reach accounts, and young risky narratives - against the centroids of
   the riskiest narratives; a match merges the young narrative into the
   established one (paraphrase and translation merges), ids stay stable.
3. **Ticks.** Every ``NARR_TICK_MINUTES`` of event time: SigniTrend-style EWMA
   z-scores over hashed terms and term pairs (counted once per account) and per
   narrative, risk from the posts' signals, and alerts ("burst", "risk",
   "coordination") with their evidence. Every ``NARR_COORD_EVERY_MIN``: the
   co-sharing graph is re-clustered against its random-timing null.

All state is bounded (LRUs, capped pools, eviction of small dormant narratives),
so a 10 M-post replay runs in flat memory.
"""

from __future__ import annotations

import math
import zlib
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain, combinations, repeat
from operator import itemgetter, mul
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from wavebreak.core import constants as C
from wavebreak.core.records import (
    Account,
    Alert,
    Narrative,
    NarrativeStatus,
    Post,
    PostKind,
    Signal,
)
from wavebreak.narratives.coordination import CoShareDetector
from wavebreak.narratives.state import (
    AMP_DOWNSTREAM,
    AMP_FIRST,
    AMP_FOLLOWERS,
    AMP_POSTS,
    AMP_REACH,
    AMP_REFUTING,
    AmplifierStats,
    NarrativeState,
    OriginCandidate,
    amp_record,
)
from wavebreak.narratives.text import (
    FeatureData,
    Features,
    Featurizer,
    attributed_name,
    fold,
    lsh_minhasher,
)

if TYPE_CHECKING:
    from wavebreak.pipeline.context import PipelineContext
    from wavebreak.pipeline.stage import Batch

Embedder = Callable[[list[str]], np.ndarray]

# Module-level tables are ``Final``: compiled by mypyc (docs/narratives.md, "Compiled build"), a
# ``Final`` name is a C static, where any other module global is a dictionary lookup at each use.
_FLAG_BITS: Final = {
    "identity_claim": 1,
    "incitement": 2,
    "hate": 4,
    "threat": 8,
    "rumour": 16,
    "refuting": 32,
    "pseudo_news": 64,
    "new_account": 128,
}
_CONTENT_BITS: Final = 1 | 2 | 4 | 8
_NO_FLAGS: Final[tuple[int, str | None, str | None]] = (0, None, None)
_HARM_FLAGS: Final = ("identity_claim", "incitement", "threat", "hate")  # the flags of _CONTENT_BITS
# The flag names set in each value of the flag bits: one tuple lookup per flagged post instead of
# testing all eight bits in a loop.
_FLAG_NAMES: Final[tuple[tuple[str, ...], ...]] = tuple(
    tuple(name for name, b in _FLAG_BITS.items() if bits & b) for bits in range(256)
)
# Enum members bound once: ``PostKind.REPOST`` through the enum class costs ~0.3 µs a read on
# Python 3.11 (a descriptor call), against a global lookup for these.
_REPOST: Final = PostKind.REPOST
_DORMANT: Final = NarrativeStatus.DORMANT
_ACTIVE: Final = NarrativeStatus.ACTIVE
_EMERGING: Final = NarrativeStatus.EMERGING
_CONTENT_FACTORS: Final = ("identity_claim", "incitement", "threat", "hate", "rumour")
_AMPLIFICATION_FACTORS: Final = frozenset(("pseudo_news", "new_account", "coordination", "veracity"))
_HOW_STAT: Final = {h: "by_" + h for h in ("parent", "near_dup", "anchor", "terms", "url")}


@dataclass
class NarrativeConfig:
    """Tunables of the stage; defaults come from ``wavebreak.core.constants`` (narratives section)."""

    match_threshold: float = C.NARR_MATCH_THRESHOLD
    entity_weight: float = C.NARR_ENTITY_WEIGHT
    tick_minutes: int = C.NARR_TICK_MINUTES
    risk_alert: float = C.NARR_RISK_ALERT
    risk_min_posts: int = C.NARR_RISK_MIN_POSTS
    risk_min_accounts: int = C.NARR_RISK_MIN_ACCOUNTS
    burst_z: float = C.NARR_BURST_Z
    burst_min_accounts: int = C.NARR_BURST_MIN_ACCOUNTS
    burst_min_count: int = C.NARR_BURST_MIN_COUNT
    embed_match: float = C.NARR_EMBED_MATCH
    embed_max_per_batch: int = C.NARR_EMBED_MAX_PER_BATCH
    post_lru: int = C.NARR_POST_LRU
    max_narratives: int = C.NARR_MAX_NARRATIVES
    coord_window_s: float = C.NARR_COORD_WINDOW_S
    coord_every_min: int = C.NARR_COORD_EVERY_MIN
    veracity_prior: Callable[[Narrative, dict[str, Any]], float] | None = None
    """Hook: probability the narrative's claim is false (e.g. the veracity model); a risk factor."""
    id_prefix: str = "n"


def _iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _jsonable(x: Any) -> Any:
    """Datetimes to ISO 8601 UTC strings, tuples/sets to lists, recursively."""
    if isinstance(x, datetime):
        return _iso(x)
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple | set):
        return [_jsonable(v) for v in x]
    if isinstance(x, float):
        return round(x, 6) if math.isfinite(x) else None
    if isinstance(x, np.generic):
        return x.item()
    return x


_WEIGHT: Final = itemgetter(1)
_ZEROS: Final = repeat(0.0)  # the default argument of ``dict.get`` through ``map``

_PAIR_MUL: Final = 1_000_003
_PAIR_MASK: Final = 0xFFFFFFFF


def _rounded(x: float, digits: int) -> float:
    """``round(x, digits)``, a zero returned as it is (same value, type and sign).

    Why: CPython rounds a float through a decimal string (``_Py_dg_dtoa``, then ``snprintf`` and
    ``strtod``: ~2,500 instructions), :meth:`NarrativeStage.metrics` rounds a dozen figures for every
    narrative a batch touches (~600 a batch on the bench stream, most of them a post or two with
    zero shares), and a zero needs no rounding.
    """
    return x if x == 0.0 else round(x, digits)


AHEAD_KEY: Final = "narratives.features"
"""``batch.extras`` key of the text features the text-scoring worker computed for a batch:
(what was sent, what came back), :mod:`wavebreak.narratives.ahead`."""

AheadEntry = tuple[int, str, tuple[str, ...], tuple[str, ...]]
"""(position among the texts the worker scores, text, urls, hashtags) of one post to featurize."""


def ahead_features(
    batch: Batch,
) -> dict[tuple[str, tuple[str, ...], tuple[str, ...], str | None], FeatureData] | None:
    """What the worker computed for ``batch``, keyed by :meth:`Featurizer.features`'s inputs (None:
    nothing came; the stage then computes every text's features itself)."""
    got = batch.extras.pop(AHEAD_KEY, None)
    if got is None:
        return None
    entries: list[AheadEntry] = got[0]
    datas: list[FeatureData] = got[1]
    out: dict[tuple[str, tuple[str, ...], tuple[str, ...], str | None], FeatureData] = {}
    for e, d in zip(entries, datas, strict=True):
        out[(e[1], e[2], e[3], d[9] or None)] = d
    return out


def _count_claimed(names: dict[str, int], name: str, n: int) -> None:
    """Add ``n`` attributions of ``name`` to a narrative's ``claimed_names``; past twice
    ``NARR_CLAIMED_NAMES_MAX`` names, keep the most attributed (bounded on a narrative of misfires)."""
    names[name] = names.get(name, 0) + n
    cap = C.NARR_CLAIMED_NAMES_MAX
    if len(names) > 2 * cap:
        keep = sorted(names.items(), key=lambda kv: -kv[1])[:cap]
        names.clear()
        names.update(keep)


def _burst_keys(f: Features) -> tuple[int, ...]:
    """A text's SigniTrend keys: its distinct term hashes, then pair keys of its first 5 terms.

    Cached on the shared :class:`Features` object, so a text repeated across a tick (copy-paste,
    coordinated posts) builds its pairs once.
    """
    keys = f.burst_keys
    if keys is None:
        uniq = f.uhashes
        # ``combinations`` yields the pairs (i < j) in the order of the nested loops it replaces
        keys = f.burst_keys = uniq + tuple(
            [
                ((a * _PAIR_MUL + b) if a <= b else (b * _PAIR_MUL + a)) & _PAIR_MASK
                for a, b in combinations(uniq[:5], 2)
            ]
        )
    return keys


def _term_and_pair_keys(docs: list[tuple[str, Features]]) -> tuple[np.ndarray, np.ndarray]:
    """(keys, account hashes) for every distinct term of every post plus pairs of its first 5 terms.

    Accounts are hashed here (CRC32, once per distinct account of the tick) rather than per post.
    The keys are flattened and counted in C (``chain``/``map``), not appended per post.
    """
    per_doc = [f.burst_keys or _burst_keys(f) for _a, f in docs]
    acc_hash: dict[str, int] = {}
    crc = zlib.crc32
    for author, _f in docs:
        if author not in acc_hash:
            acc_hash[author] = crc(author.encode("utf-8"))
    lens = np.fromiter(map(len, per_doc), dtype=np.int64, count=len(per_doc))
    th = np.fromiter(chain.from_iterable(per_doc), dtype=np.int64, count=int(lens.sum()))
    ahs = np.fromiter(map(acc_hash.__getitem__, [a for a, _f in docs]), dtype=np.int64, count=len(docs))
    return th, np.repeat(ahs, lens)


def _pair_names(wanted: set[int], docs: list[tuple[str, Features]], names: dict[int, str]) -> dict[int, str]:
    """Readable "term+term" for bursting pair hashes: one scan of the tick's distinct texts."""
    out: dict[int, str] = {}
    if not wanted:
        return out
    for f in {id(f): f for _ah, f in docs}.values():
        top = f.uhashes[:5]
        for i in range(len(top)):
            for j in range(i + 1, len(top)):
                lo, hi = min(top[i], top[j]), max(top[i], top[j])
                k = (lo * _PAIR_MUL + hi) & _PAIR_MASK
                if k in wanted and k not in out:
                    out[k] = f"{names.get(lo, '?')}+{names.get(hi, '?')}"
                    if len(out) == len(wanted):
                        return out
    return out


class NarrativeStage:
    """Groups posts into narratives and watches them; see the module docstring."""

    name = "narratives"

    def __init__(self, config: NarrativeConfig | None = None, embedder: Embedder | None = None) -> None:
        self.config = config or NarrativeConfig()
        self.embedder = embedder
        self._feat = Featurizer()
        self._mh = lsh_minhasher()
        self._live: dict[str, NarrativeState] = {}
        self._archived: OrderedDict[str, Narrative] = OrderedDict()  # merged/evicted records, bounded
        self._redirect: dict[str, str] = {}
        self._seq = 0
        self._alert_seq = 0
        # post id -> (nid, author_id, reach, parent_id, ts, flagbits)
        self._posts: OrderedDict[str, tuple[str, str, int, str | None, float, int]] = OrderedDict()
        self._lsh: OrderedDict[int, tuple[str, str]] = OrderedDict()
        self._urls: OrderedDict[str, tuple[str, str]] = OrderedDict()
        # term -> narratives (a tuple, replaced on change: tuples of strings are untracked by the
        # cyclic GC, where ~12k one-element lists per 30k posts were traversed by every collection)
        self._postings: dict[str, tuple[str, ...]] = {}
        self._df = array("d", bytes(8 * (1 << C.NARR_IDF_TABLE_BITS)))
        self._df_mask = (1 << C.NARR_IDF_TABLE_BITS) - 1
        self._ndocs = 0.0
        self._docs_since_halving = 0
        self._cred: OrderedDict[str, str] = OrderedDict()
        self._origin_of: dict[str, OriginCandidate] = {}
        # SigniTrend tables over hashed terms / pairs
        bits = C.NARR_BURST_TABLE_BITS
        self._bt_mask = (1 << bits) - 1
        self._bt_mean = np.zeros(1 << bits, dtype=np.float32)
        self._bt_var = np.zeros(1 << bits, dtype=np.float32)
        self._bt_last = np.zeros(1 << bits, dtype=np.int32)
        self._tick_docs: list[tuple[str, Features]] = []  # (author, text) of the open tick
        self._idf_gen = 0  # bumped per batch: cached TF-IDF vectors of repeated texts are reused within it
        self._idf_cache: dict[int, float] = {}  # hash -> 1 + log(N / df) until the df table next changes
        self._tick_index = 0
        self._tick_end: datetime | None = None
        self._last_coord: datetime | None = None
        self._last_evict: datetime | None = None
        self._last_retire: datetime | None = None  # event time of the last _retire pass
        self._coord = CoShareDetector(
            window_s=self.config.coord_window_s,
            min_repeats=C.NARR_COORD_MIN_REPEATS,
            min_accounts=C.NARR_COORD_MIN_ACCOUNTS,
            alpha=C.NARR_COORD_ALPHA,
            null_span_s=C.NARR_COORD_NULL_SPAN_S,
        )
        # account sets of the coordination clusters already alerted, least recently detected first
        # (see ``_unalerted``)
        self._coord_seen: OrderedDict[frozenset[str], None] = OrderedDict()
        self._now: datetime | None = None
        self._series_s = 60 * C.NARR_SERIES_MINUTES
        # claim anchors: names attributed by the identity-claim signal -> posts, and their home narrative
        self._claimed: OrderedDict[str, int] = OrderedDict()
        # anchor key -> the name as first attributed, for the keys of ``_claimed`` that are anchors
        self._anchor_names: dict[str, str] = {}
        self._anchor_home: dict[str, str] = {}
        self._last_consolidate: datetime | None = None
        self._post_lru = self.config.post_lru
        self._pending_alerts: list[Alert] = []
        self._display_gen = 0  # the featurizer's display-table generation the derived fields used
        self._rep_tok_cache: dict[str, tuple[str, ...]] = {}  # representative text -> its tokens
        self.stats: dict[str, int] = {
            "posts": 0,
            "by_parent": 0,
            "by_near_dup": 0,
            "by_terms": 0,
            "by_url": 0,
            "by_anchor": 0,
            "anchor_merges": 0,
            "founded": 0,
            "embedded": 0,
            "embed_merges": 0,
            "evicted": 0,
            "archived": 0,
            "alerts": 0,
        }

    # ================================================================== Stage protocol
    def process(self, batch: Batch, ctx: PipelineContext) -> None:
        """Assign every post of ``batch`` to a narrative, update state, raise alerts into ``batch.alerts``."""
        ctx.services["narratives"] = self
        posts = batch.posts
        edited = batch.extras.get("edited")
        if edited:
            # a new version of a post already assigned keeps its narrative and is not counted again
            # (its new words are re-scored and re-decided by the other stages)
            for pid in edited:
                nid = self.narrative_of(pid)
                if nid is not None:
                    batch.narrative_of[pid] = nid
            posts = [p for p in posts if p.id not in edited or self.narrative_of(p.id) is None]
        if not posts:
            return
        signals = batch.signals
        for acc_id, sigs in batch.account_signals.items():
            cred = sigs.get("credibility")
            if cred is not None and cred.label:
                self._remember_cred(acc_id, cred.label)
        self._idf_gen += 1
        feats: list[Features | None] = []
        featurize = self._feat.features
        repost = PostKind.REPOST
        # features the text-scoring worker computed for this batch (wavebreak.narratives.ahead), if any
        ahead = ahead_features(batch)
        for p in posts:
            if p.text and p.kind is not repost:
                f = featurize(p.text, p.urls, p.hashtags, attributed_name(signals.get(p.id)), ahead)
                if f.claim_key:
                    self._count_claim(f.claim_key, f.claim_name)
                feats.append(f)
            else:
                feats.append(None)
        # MinHash band keys once per distinct text (repeated texts share one Features object)
        distinct = list({id(f): f for f in feats if f is not None}.values())
        self._batch_idf(distinct)
        todo = [f for f in distinct if f.bands is None]
        if todo:
            for f, k in zip(todo, self._mh.band_tuples([f.hashes for f in todo]), strict=True):
                f.bands = k
        founded: list[tuple[int, str]] = []
        tick = timedelta(minutes=self.config.tick_minutes)
        self._pending_alerts = batch.alerts
        narrative_of = batch.narrative_of
        assign = self._assign_one
        sig_get = signals.get
        tick_end = self._tick_end
        for i, p in enumerate(posts):
            t = p.created_at
            if t.tzinfo is None:
                t = t.replace(tzinfo=UTC)
            if tick_end is None:
                base = datetime.fromtimestamp(
                    (t.timestamp() // tick.total_seconds()) * tick.total_seconds(), UTC
                )
                tick_end = self._tick_end = base + tick
            while t >= tick_end:
                self._tick(tick_end)
                tick_end = self._tick_end = tick_end + tick
            now = self._now
            if now is None or t > now:
                self._now = t
            fi = feats[i]
            nid, how = assign(p, t, fi, fi.bands if fi is not None else None, sig_get(p.id), ctx)
            narrative_of[p.id] = nid
            if how == "founded":
                founded.append((i, nid))
        self._observe_df([f for f in feats if f is not None])
        if self.embedder is not None:
            self._slow_path(posts, feats, founded, signals)
        # merges may have happened: resolve the batch's assignments
        if self._redirect:
            no = batch.narrative_of
            for pid, nid in no.items():
                if nid in self._redirect:
                    no[pid] = self._resolve(nid)

    def close(self, ctx: PipelineContext) -> None:
        """Flush the last open tick. Its alerts go to ``ctx.closing_alerts``, to be recorded before
        anyone hears of them (the decisions stage's ``close``), not straight to the listeners."""
        if self._tick_end is not None and self._now is not None:
            pending: list[Alert] = []
            self._pending_alerts = pending
            self._tick(max(self._tick_end, self._now))
            ctx.closing_alerts.extend(pending)

    # ================================================================== assignment
    def _count_claim(self, key: str, name: str = "") -> None:
        claimed = self._claimed
        n = claimed.get(key, 0) + 1
        claimed[key] = n
        if n >= C.NARR_ANCHOR_MIN_CLAIMS and key not in self._anchor_names:
            self._anchor_names[key] = name or key
        if len(claimed) > 100_000:
            self._anchor_names.pop(claimed.popitem(last=False)[0], None)

    def claimed_names(self) -> list[str]:
        """The names being attributed to someone: every anchor (a name the identity-claim signal
        attributed in ``NARR_ANCHOR_MIN_CLAIMS`` posts or more), as first attributed.

        Why beside each narrative's ``claimed_names``: a post repeating a false name can sit in a
        narrative where the signal never attributed it (a French or hateful variant clustered by
        its other words), and the policy stage must still see that it names the claim's subject.
        """
        return list(self._anchor_names.values())

    def _is_anchor(self, key: str) -> bool:
        """A name is an anchor once the identity-claim signal attributed it in several posts."""
        return self._claimed.get(key, 0) >= C.NARR_ANCHOR_MIN_CLAIMS

    def _tells_a_claim(self, st: NarrativeState) -> bool:
        """Whether a narrative is itself a claim's (its posts name an anchor as often as
        consolidation asks of a fragment it merges into a claim's home). Any anchor, not only the
        post's own: spelling variants of one name are different keys ("Al-Qamari" alone vs "Idris
        Al-Qamari"), and a near-duplicate in the claim's main narrative must still take the post. One
        in news or chatter may not."""
        floor = C.NARR_ANCHOR_MIN_SHARE * max(1, st.text_posts)
        return any(n >= floor and self._is_anchor(k) for k, n in st.anchors.items())

    def _remember_cred(self, acc_id: str, label: str) -> None:
        self._cred[acc_id] = label
        self._cred.move_to_end(acc_id)
        if len(self._cred) > 500_000:
            self._cred.popitem(last=False)

    def _resolve(self, nid: str) -> str:
        r = self._redirect
        root = nid
        while root in r:
            root = r[root]
        while nid in r and r[nid] != root:  # path compression
            nxt = r[nid]
            r[nid] = root
            nid = nxt
        return root

    def _idf(self, h: int) -> float:
        return 1.0 + math.log((self._ndocs + 1.0) / (self._df[h & self._df_mask] + 1.0))

    def _batch_idf(self, distinct: list[Features]) -> None:
        """IDF of every term and entity hash of the batch's distinct texts, in one vectorised pass.

        Why: the document-frequency table changes once per batch, so every hash's IDF had to be
        recomputed in the first ``_weights`` call that met it, one Python loop per text with a
        miss. Here the table is read with one numpy gather and the quotient with one numpy
        division (IEEE-exact, the same doubles as ``n1 / (df + 1.0)`` in Python); ``math.log``
        stays the scalar libm call (numpy's vectorised log may differ in the last bit), mapped in
        C. Texts that later join by parent need no vector; their few extra keys cost less than the
        per-text miss handling saved.
        """
        if not distinct:
            return
        keys = list(set().union(*[f.df_keys for f in distinct]))
        if not keys:
            return
        df = np.frombuffer(self._df, dtype=np.float64)
        slots = np.fromiter(keys, dtype=np.int64, count=len(keys)) & self._df_mask
        ratio = (self._ndocs + 1.0) / (df[slots] + 1.0)
        logs = np.fromiter(map(math.log, ratio.tolist()), dtype=np.float64, count=len(keys))
        self._idf_cache.update(zip(keys, (1.0 + logs).tolist(), strict=True))

    def _weights(self, f: Features) -> dict[str, float]:
        """TF-IDF vector of a post, entities weighted up; cached on ``f`` for the current batch.

        IDF is read as of the start of the batch (document frequencies are added per batch),
        so a text repeated 500 times in a batch costs one vector, not 500; and each hash's IDF is
        computed once until the table changes, as distinct texts of one story share most terms.
        """
        if f.q_gen == self._idf_gen and f.q is not None:
            return f.q
        idfs = self._idf_cache
        idf_get = idfs.get
        df = self._df
        m = self._df_mask
        lg = math.log
        n1 = self._ndocs + 1.0
        terms = f.terms
        q: dict[str, float]
        if len(f.uhashes) == len(terms):  # distinct terms (the usual case): weight = idf
            # cached IDFs in one C-level pass (``_batch_idf`` filled them for the batch's texts; a
            # miss is a text vectorised outside ``process``, e.g. by ``split``)
            ws: list[Any] = list(map(idf_get, f.hashes))
            if None in ws:
                for i, h in enumerate(f.hashes):
                    if ws[i] is None:
                        ws[i] = idfs[h] = 1.0 + lg(n1 / (df[h & m] + 1.0))
            q = dict(zip(terms, ws, strict=True))
        else:  # repeated terms accumulate, in the same order of float additions as always
            q = {}
            for t, h in zip(terms, f.hashes, strict=True):
                q[t] = q.get(t, 0.0) + 1.0 + lg(n1 / (df[h & m] + 1.0))
        ew = self.config.entity_weight
        for e, h in zip(f.entities, f.entity_hashes, strict=True):
            x = idf_get(h)
            if x is None:
                x = idfs[h] = 1.0 + lg(n1 / (df[h & m] + 1.0))
            q[e] = x * ew
        f.q, f.q_gen = q, self._idf_gen
        vals = q.values()
        f.qn = math.sqrt(sum(map(mul, vals, vals))) or 1.0  # = sum(w * w ...), in C, same order
        return q

    def _observe_df(self, feats: list[Features]) -> None:
        """Add one batch's documents to the hashed document-frequency table (vectorised)."""
        if not feats:
            return
        # one row per distinct text, weighted by how many posts carried it (repeats share one
        # Features object): the same integer counts as one row per post, from far fewer keys
        # (counted in C by ``Counter``: a ``[f, n]`` list per distinct text was a GC-tracked
        # allocation each, and the loop that built them a Python-level step per post)
        mult = Counter(map(id, feats))
        distinct = list({id(f): f for f in feats}.values())
        lens = [len(f.df_keys) for f in distinct]
        keys = np.fromiter(
            chain.from_iterable([f.df_keys for f in distinct]), dtype=np.int64, count=sum(lens)
        )
        weights = np.repeat(np.array([mult[id(f)] for f in distinct], dtype=np.float64), lens)
        df = np.frombuffer(self._df, dtype=np.float64)
        # Per-slot sums added to the touched slots only: a ``bincount`` over the whole table (2**20
        # slots) cost two 8 MB passes per batch, most of this method on small (demo-sized) batches.
        # The sums are of small whole numbers, exact in any order, so every slot gets the same value.
        slots = keys & self._df_mask
        order = np.argsort(slots, kind="stable")
        slots = slots[order]
        starts = np.flatnonzero(np.concatenate(([True], slots[1:] != slots[:-1])))
        df[slots[starts]] += np.add.reduceat(weights[order], starts)
        self._idf_cache = {}  # the table changed: cached IDFs are stale
        self._ndocs += len(feats)
        self._docs_since_halving += len(feats)
        if self._docs_since_halving >= C.NARR_IDF_HALF_LIFE_DOCS:
            df *= 0.5
            self._ndocs *= 0.5
            self._docs_since_halving = 0

    @staticmethod
    def _benign_story(st: NarrativeState) -> bool:
        """An established narrative whose posts almost never carry an identity claim, a call to
        violence, a threat or hate: a post that does must not join it by shared words, a band
        collision or a shared link alone. Why: the words it shares are often a group's or a town's
        name ("asylum seekers", "#MarloweBay"), and the post would make the benign story about them
        risky (seed 15: 44 calls to violence in "the asylum seekers at the hotel helped clear the
        beach"; seed 16: identity claims in a vigil thread; each then an alert on the whole narrative).

        Counted over all posts, reposts and replies included, as the flags are (a post flagged twice,
        hate and threat, counts twice: this errs towards "not benign", i.e. the old behaviour). Up to
        ``NARR_HARM_JOIN_ALLOWED`` flagged posts never disqualify a story: one misfire or one hateful
        reply under a benign post must not open it to every call that shares its words.
        """
        n = st.nar.posts_total
        if n < C.NARR_HARM_JOIN_MIN_POSTS:
            return False
        fl = st.flags
        flagged = sum(fl[name] for name in _HARM_FLAGS)
        return flagged <= max(C.NARR_HARM_JOIN_ALLOWED, C.NARR_HARM_JOIN_MAX_SHARE * n)

    def _match_terms(
        self, q: dict[str, float], qn: float = 0.0, harmful: bool = False
    ) -> tuple[str | None, float]:
        postings = self._postings
        live = self._live
        scores: dict[str, float] = {}
        for t, w in q.items():
            lst = postings.get(t)
            if not lst:
                continue
            for nid in lst:
                st = live.get(nid)
                if st is None:
                    continue
                cw = st.centroid.get(t)
                if cw:
                    scores[nid] = scores.get(nid, 0.0) + w * cw
        if not scores:
            return None, 0.0
        qn = qn or math.sqrt(sum(w * w for w in q.values())) or 1.0
        best, best_s = None, 0.0
        for nid, s in scores.items():
            st = live[nid]
            cos = s / (qn * (math.sqrt(st.cnorm2) or 1.0))
            if cos > best_s and not (harmful and self._benign_story(st)):
                best, best_s = nid, cos
        return best, best_s

    def _index(self, nid: str, q: dict[str, float]) -> None:
        postings = self._postings
        live = self._live
        cap = C.NARR_POSTINGS_PER_TERM
        for t in q:
            lst = postings.get(t)
            if lst is None:
                postings[t] = (nid,)
                continue
            if nid in lst:
                continue
            if len(lst) >= cap:
                # evict the smallest (or dead) narrative: big stories keep their terms indexed
                worst, worst_n = 0, 1 << 62
                for j, other in enumerate(lst):
                    st = live.get(other)
                    n = st.nar.posts_total if st is not None else -1
                    if n < worst_n:
                        worst, worst_n = j, n
                lst = lst[:worst] + lst[worst + 1 :]
            postings[t] = (*lst, nid)
        if len(postings) > 2_000_000:
            self._postings = {k: v for k, v in postings.items() if any(x in live for x in v)}

    def _new_narrative(self, t: datetime) -> NarrativeState:
        self._seq += 1
        nid = f"{self.config.id_prefix}{self._seq:06d}"
        if len(self._live) >= self.config.max_narratives:
            self._evict(force=True)  # before inserting, so the new narrative is never the one evicted
        st = NarrativeState(nar=Narrative(id=nid, title="", first_seen=t, last_seen=t))
        self._live[nid] = st
        self.stats["founded"] += 1
        return st

    def _account(self, p: Post, ctx: PipelineContext) -> Account | None:
        return p.author if p.author is not None else ctx.accounts.get(p.author_id)

    def _flags(self, sig: dict[str, Signal] | None, author_id: str) -> tuple[int, str | None, str | None]:
        """(flag bits, stance label, language label) of one post."""
        bits = 0
        stance = lang = None
        pos = C.NARR_SIGNAL_POSITIVE
        if sig:
            get = sig.get
            s = get("identity_claim")
            if s is not None and s.score >= pos:
                bits |= 1
            s = get("incitement")
            if s is not None and s.score >= pos:
                bits |= 2
            s = get("hate")
            if s is not None and s.score >= pos:
                bits |= 4
            s = get("threat")
            if s is not None and s.score >= pos:
                bits |= 8
            s = get("rumour")
            if s is not None:
                if s.label == "query":
                    bits |= 16
                elif s.label == "correction":
                    bits |= 32
            s = get("stance")
            if s is not None and s.label:
                stance = s.label
                if stance == "deny":
                    bits |= 32
            s = get("lang")
            if s is not None and s.label:
                lang = s.label
        if bits & 1:
            bits &= ~32  # a post asserting the identity claim is not refuting it, whatever a marker says
        cred = self._cred.get(author_id)
        if cred == "pseudo_news":
            bits |= 64
        elif cred == "new_account":
            bits |= 128
        return bits, stance, lang

    def _assign_one(
        self,
        p: Post,
        t: datetime,
        f: Features | None,
        bands: tuple[int, ...] | None,
        sig: dict[str, Signal] | None,
        ctx: PipelineContext,
    ) -> tuple[str, str]:
        # Hot path: ``_resolve`` is only called for ids that were merged away (the redirect table
        # is small and most ids are not in it), and the batch-cached TF-IDF vector is read inline.
        stats = self.stats
        stats["posts"] += 1
        live = self._live
        redirect = self._redirect
        # the post's flags, once: they decide where a flagged post may join, then update its narrative
        flags = self._flags(sig, p.author_id) if sig or self._cred else _NO_FLAGS
        parent = p.repost_of or p.quote_of or p.reply_to
        nid: str | None = None
        how = ""
        implicit_parent: str | None = None
        if parent is not None:
            meta = self._posts.get(parent)
            if meta is not None:
                nid = meta[0]
                if nid in redirect:
                    nid = self._resolve(nid)
                if nid not in live:
                    nid = None
                else:
                    how = "parent"
        q: dict[str, float] | None = None
        if f is not None and nid is None:  # a parent join needs no vector: it shapes no centroid
            q = f.q if f.q_gen == self._idf_gen and f.q is not None else self._weights(f)
            if bands is not None:
                anchor: str | None = None
                # a flagged post never joins a benign story by words, an LSH collision or a link: a
                # false band match of three MinHash rows happens, and it would seed the story with
                # copies of the flagged post (seed 16: a hateful post matched "the asylum seekers
                # at the hotel helped ..." on the bigram "asylum seekers", 35 copies followed)
                harmful = bool(flags[0] & _CONTENT_BITS)
                if f.claim_key and self._is_anchor(f.claim_key):
                    # A post attributing an anchor name joins that claim's narrative, whatever its
                    # wording, and a near-duplicate elsewhere does not pull it away: a translated
                    # claim post shares its headline words with the local news of the event, and
                    # once one sits in the news narrative every near copy of it would follow
                    # (seed 11: 350 French claim posts in a French news narrative).
                    home = self._anchor_home.get(f.claim_key)
                    if home is not None:
                        cand = self._resolve(home)
                        if cand in live:
                            anchor = cand
                if bands[0] != -1:
                    lsh_get = self._lsh.get
                    for k in bands:
                        hit = lsh_get(k)
                        if hit is not None:
                            cand = hit[0]
                            if cand in redirect:
                                cand = self._resolve(cand)
                            if cand in live and (
                                cand == anchor
                                or (
                                    (anchor is None or self._tells_a_claim(live[cand]))
                                    and not (harmful and self._benign_story(live[cand]))
                                )
                            ):
                                nid, implicit_parent, how = cand, hit[1], "near_dup"
                                break
                if nid is None and anchor is not None:
                    nid, how = anchor, "anchor"
                if nid is None:
                    best, score = self._match_terms(q, f.qn, harmful)
                    if best is not None and score >= self.config.match_threshold:
                        nid, how = best, "terms"
                if nid is None and p.urls:
                    for u in p.urls:
                        hit = self._urls.get(u)
                        if hit is not None:
                            cand = self._resolve(hit[0])
                            if cand in live and not (harmful and self._benign_story(live[cand])):
                                nid, implicit_parent, how = cand, hit[1], "url"
                                break
        if nid is None:
            st = self._new_narrative(t)
            nid = st.nar.id
            how = "founded"
        else:
            st = live[nid]
            stats[_HOW_STAT[how]] += 1
        pid = p.id
        if f is not None and f.claim_key and how != "parent":
            home = self._anchor_home.get(f.claim_key)
            # a name's home is a narrative that tells its claim (the name in a consolidation share of
            # its text posts, this one included), never a news or vigil thread the first claim post
            # happened to join by words: the anchor join would then pull every later claim post there
            if (home is None or self._resolve(home) not in self._live) and st.anchors.get(
                f.claim_key, 0
            ) + 1 >= C.NARR_ANCHOR_MIN_SHARE * (st.text_posts + 1):
                self._anchor_home[f.claim_key] = nid
                if len(self._anchor_home) > 100_000:
                    self._anchor_home.clear()
        # content posts shape the centroid and the index; replies/quotes joined by parent do not
        # (``q`` is only computed for posts that did not join by parent)
        if q is not None:
            st.add_centroid(q)
            if f is not None and f.indexed_nid != nid:  # a repeated text is already indexed there
                self._index(nid, q)
                f.indexed_nid = nid
            if bands is not None and bands[0] != -1:
                lsh = self._lsh
                entry = (nid, pid)
                for k in bands:
                    if k not in lsh:
                        lsh[k] = entry
                while len(lsh) > self.config.post_lru:
                    lsh.popitem(last=False)
        urls = p.urls
        url_parent = None
        if urls:
            if how != "parent":
                url_parent = self._url_parent(p)
            url_mem = self._urls
            entry = (nid, pid)
            for u in urls:
                if u not in url_mem:
                    url_mem[u] = entry
            while len(url_mem) > self.config.post_lru // 4:
                url_mem.popitem(last=False)
        # lineage (bridges, cascades) follows explicit links and URL citations only; a near-duplicate
        # is evidence for the origin (same text across formats) but not a propagation link
        lineage = parent if how == "parent" else None
        if lineage is None and urls:
            lineage = implicit_parent if how == "url" else url_parent
        similar = implicit_parent if how == "near_dup" else None
        self._update(st, p, t, f, q, flags, ctx, lineage, similar, how)
        return nid, how

    def _url_parent(self, p: Post) -> str | None:
        """The first post seen with one of ``p``'s URLs (a citation link across formats), if any."""
        for u in p.urls:
            hit = self._urls.get(u)
            if hit is not None and hit[1] != p.id:
                return hit[1]
        return None

    # ================================================================== state update
    def _update(
        self,
        st: NarrativeState,
        p: Post,
        t: datetime,
        f: Features | None,
        q: dict[str, float] | None,
        flags: tuple[int, str | None, str | None],
        ctx: PipelineContext,
        parent: str | None,
        similar: str | None,
        how: str,
    ) -> None:
        """Fold one post into its narrative's counters, pools, lineage and coordination events.

        Hot path (every post): attributes and dict methods are bound to locals, and work that
        only depends on the text is cached on the shared :class:`Features` object.
        """
        nar = st.nar
        nid = nar.id
        author = p.author_id
        acc = p.author
        if acc is None:
            acc = ctx.accounts.get(author)
        followers = acc.followers if acc is not None else 0
        m = p.metrics
        views = m.views if m is not None else 0
        reach = followers + views  # of this post alone
        bits, stance, lang = flags
        lang = lang or p.lang
        ts = t.timestamp()
        # chart bucket, before the counters: opening a new bucket closes the last one with them
        bucket = int(ts // self._series_s)
        ser = st.series
        if ser and ser[-1][0] == bucket:
            ser[-1][1] += 1
        else:
            st.add_series(bucket, reach)
        nar.posts_total += 1
        # reach = distinct audience: an account's followers count once per narrative, views per post
        amps = st.amplifiers
        accounts = st.accounts
        if accounts.add(author) or (accounts.approximate and author not in amps):
            nar.accounts_total = len(accounts)
            nar.reach_total += followers
        nar.reach_total += views
        if t > nar.last_seen:
            nar.last_seen = t
        elif t < nar.first_seen:
            nar.first_seen = t
        if nar.status is _DORMANT:
            nar.status = _ACTIVE
        if bits:
            fl = st.flags
            fa = st.flag_accounts
            for name in _FLAG_NAMES[bits]:
                fl[name] += 1
                accs = fa.get(name)
                if accs is None:
                    fa[name] = {author}
                elif len(accs) < 64:
                    accs.add(author)
        if stance:
            d = nar.stance
            d[stance] = d.get(stance, 0) + 1
        if lang:
            d = nar.languages
            d[lang] = d.get(lang, 0) + 1
        if followers > st.max_author_followers:
            st.max_author_followers = followers
        minute = int(ts // 60)
        mins = st.minutes
        if mins and mins[-1][0] == minute:
            mins[-1] = (minute, mins[-1][1] + 1)
        else:
            mins.append((minute, 1))
        st.tick_posts += 1
        st.tick_accounts.add(author)
        st.touched = True
        # cascade / lineage memory
        pid = p.id
        posts_mem = self._posts
        posts_mem[pid] = (nid, author, reach, parent, ts, bits)
        if len(posts_mem) > self._post_lru:
            posts_mem.popitem(last=False)
        if parent is not None and how == "parent" and len(st.cascade) < C.NARR_CASCADE_MAX_EDGES:
            st.cascade.append((parent, pid))
        # amplifiers
        # (rows are tuples, see ``AmpRow``: read, then written back as a new row)
        amp = amps.get(author)
        if amp is None:
            amp = (author, acc.handle if acc is not None else "", followers, 0, 0, 0, t, 0, False)
            amps[author] = amp
            if len(amps) > C.NARR_AMPLIFIER_POOL:
                self._prune_amplifiers(st)
        _a, a_handle, a_followers, a_posts, a_reach, a_down, a_first, a_refuting, a_counted = amp
        a_posts += 1
        if bits & 32:  # refuting posts (deny / correction) do not amplify the claim
            a_refuting += 1
        else:
            if not a_counted:
                a_counted = True
                a_reach += followers
            a_reach += views
            if 0 <= st.top_amp_reach < a_reach:
                st.top_amp_reach = a_reach
        if followers > a_followers:
            a_followers = followers
        amps_now = st.amplifiers
        if amps_now is amps or author in amps_now:  # a prune above may have dropped the new row
            amps_now[author] = (
                author, a_handle, a_followers, a_posts, a_reach, a_down, a_first, a_refuting, a_counted
            )  # fmt: skip
        # downstream reach credited to ancestors (bridges) and origin candidates
        origin_of = self._origin_of
        if similar is not None:
            cand = origin_of.get(similar)
            if cand is not None:
                cand.similar += 1
        if parent is not None:
            anc: str | None = parent
            depth = 0
            seen_auth = [author]  # at most 5 accounts: a list scan costs less than building a set
            while anc is not None and depth < 4:
                cand = origin_of.get(anc)
                if cand is not None:
                    cand.descendants += 1
                meta = posts_mem.get(anc)
                if meta is None:
                    break
                a_auth = meta[1]
                if a_auth not in seen_auth:
                    seen_auth.append(a_auth)
                    a = amps_now.get(a_auth)  # not ``amps``: a prune above rebinds it
                    if a is not None:
                        amps_now[a_auth] = (a[0], a[1], a[2], a[3], a[4], a[5] + reach, a[6], a[7], a[8])
                anc = meta[3]
                depth += 1
        # origin pool: the earliest posts
        if len(st.origins) < C.NARR_ORIGIN_POOL:
            oc = OriginCandidate(
                pid,
                author,
                t,
                str(p.kind.value if hasattr(p.kind, "value") else p.kind),
                followers,
                (p.text or "")[:280],
            )
            st.origins.append(oc)
            origin_of[pid] = oc
        # representative pool: originals with text, first ones and high-reach ones
        if q is not None and how != "parent":
            reps = st.reps
            if len(reps) < 12:
                reps.append((pid, p.text[:280], reach))
                st.content_ver += 1
            elif reach > st.reps_min_reach:
                j = min(range(6, 12), key=lambda k: reps[k][2])
                reps[j] = (pid, p.text[:280], reach)
                st.reps_min_reach = min(r[2] for r in reps[6:])
                st.content_ver += 1
        if f is not None:
            st.text_posts += 1
            if f.name_keys:
                st.add_names(f.name_keys)
            if f.claim_name:
                _count_claimed(nar.claimed_names, f.claim_name, 1)
            # term bursts (content posts only; pairs and per-account dedup are vectorised at tick time)
            if f.hashes:
                self._tick_docs.append((author, f))
        # a post with a content risk flag may make the narrative risky now: no need to wait for the tick
        if bits & _CONTENT_BITS and nar.alerted_at is None:
            self._check_risk(st, t)
        # coordination: co-post same text, co-link same URL, co-repost same item
        items: list[tuple[str, str | None]]
        if p.kind is _REPOST and p.repost_of:
            items = [("r" + p.repost_of, nid)]
        elif f is not None and f.text_key:
            items = [(f.text_key, nid)]
        else:
            items = []
        if p.urls:
            for u in p.urls:
                items.append(("u" + u, nid))
        if items:
            self._coord.observe(ts, author, items)

    @staticmethod
    def _prune_amplifiers(st: NarrativeState) -> None:
        keep = sorted(st.amplifiers.values(), key=lambda a: -max(a[AMP_REACH], a[AMP_DOWNSTREAM]))[
            : C.NARR_AMPLIFIER_POOL // 2
        ]
        st.amplifiers = {a[0]: a for a in keep}
        st.top_amp_reach = -1

    # ================================================================== ticks
    def _tick(self, at: datetime) -> None:
        """Close one event-time tick: term bursts, narrative z-scores, risk, alerts, upkeep."""
        self._tick_index += 1
        bursting = self._term_bursts()
        cfg = self.config
        alpha, beta = C.NARR_BURST_ALPHA, C.NARR_BURST_BETA
        coord_due = self._last_coord is None or at - self._last_coord >= timedelta(
            minutes=cfg.coord_every_min
        )
        if coord_due:
            self._last_coord = at
            self._coordination_tick(at)
        if self._last_consolidate is None or at - self._last_consolidate >= timedelta(
            minutes=C.NARR_CONSOLIDATE_EVERY_MIN
        ):
            self._last_consolidate = at
            self._consolidate()
        for st in list(self._live.values()):
            if not st.touched:
                continue
            st.decay_to(self._tick_index, alpha)  # the ticks this narrative was silent
            st.tick(alpha, beta)
            self._evaluate(st, at, bursting)
            st.touched = False
            st.tick_posts = 0
            st.tick_accounts.clear()
        if self._last_evict is None or at - self._last_evict >= timedelta(hours=1):
            self._last_evict = at
            self._evict(force=False)
        if self._last_retire is None or at - self._last_retire >= timedelta(hours=C.NARR_RETIRE_EVERY_H):
            self._last_retire = at
            self._retire(at)

    def _term_bursts(self) -> dict[int, tuple[str, float, int, float]]:
        """SigniTrend over the tick's (term, account) pairs: {hash: (term, z, accounts, baseline)}."""
        docs = self._tick_docs
        self._tick_docs = []
        if not docs:
            return {}
        th, ah = _term_and_pair_keys(docs)
        # one count per (term, account): a spammer counts once. Sort and drop repeats rather than
        # ``np.unique``: numpy 2.x's hash-based unique costs milliseconds on a tick's few thousand
        # keys where a sort costs tens of microseconds; the result is the same sorted distinct keys.
        key = np.sort((th << 32) | ah)
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]
        # ``key`` is sorted, so its terms come in runs: run starts and lengths are the distinct terms
        # and their account counts. Mask after the shift: a term hash >= 2**31 wrapped to a negative
        # key, and its name (looked up by the unsigned hash) was lost from burst alerts.
        term = (key >> 32) & _PAIR_MASK
        starts = np.flatnonzero(np.concatenate(([True], term[1:] != term[:-1])))
        uterm = term[starts]
        counts = np.diff(np.append(starts, len(term)))
        idx = (uterm & self._bt_mask).astype(np.int64)
        alpha, beta = C.NARR_BURST_ALPHA, C.NARR_BURST_BETA
        # decay the silent ticks since the bucket was last updated (x = 0 for each)
        gap = (self._tick_index - self._bt_last[idx] - 1).clip(min=0)
        decay = np.power(1.0 - alpha, gap).astype(np.float32)
        mean = self._bt_mean[idx] * decay
        var = self._bt_var[idx] * decay
        x = counts.astype(np.float32)
        diff = x - mean
        z = diff / (np.sqrt(np.maximum(var, 0)) + beta)
        incr = alpha * diff
        self._bt_mean[idx] = mean + incr
        self._bt_var[idx] = (1 - alpha) * (var + diff * incr)
        self._bt_last[idx] = self._tick_index
        hot = np.flatnonzero((z >= self.config.burst_z) & (counts >= self.config.burst_min_accounts))
        out: dict[int, tuple[str, float, int, float]] = {}
        names: dict[int, str] = {}
        if len(hot):
            for f in {id(f): f for _ah, f in docs}.values():
                names.update(zip(f.hashes, f.terms, strict=True))
        hot_keys = [int(uterm[j]) for j in hot.tolist()]
        pairs = _pair_names({h for h in hot_keys if h not in names}, docs, names)
        for j, h in zip(hot.tolist(), hot_keys, strict=True):
            name = names.get(h) or pairs.get(h, "?")
            out[h] = (name, float(z[j]), int(counts[j]), float(mean[j]))
        return out

    # ------------------------------------------------------------------ risk
    def _risk(self, st: NarrativeState) -> tuple[float, dict[str, float]]:
        """risk = 1 - prod(1 - w_f * f_f) over the narrative's factors (weights in constants)."""
        fl = st.flags
        if not (fl["identity_claim"] or fl["incitement"] or fl["threat"] or fl["hate"] or fl["rumour"]):
            # no content evidence: every factor is zero or gated to zero (most background stories)
            n = st.nar.posts_total or 1
            return 0.0, {
                "identity_claim": 0.0,
                "incitement": 0.0,
                "threat": 0.0,
                "hate": 0.0,
                "rumour": 0.0,
                "pseudo_news": round(min(1.0, 10.0 * fl["pseudo_news"] / n), 4),
                "new_account": round(fl["new_account"] / n, 4),
                "coordination": round(st.coordination, 4),
                "veracity": round(st.veracity, 4),
            }
        w = C.NARR_RISK_WEIGHTS
        fa, fs = C.NARR_RISK_FULL_ACCOUNTS, C.NARR_RISK_FULL_SHARE
        # How strongly the narrative carries each content flag: BOTH several distinct accounts and a
        # meaningful share of posts (min of the two, each saturating at 1). Three accounts naming a
        # suspect in a 5-post story is strong; five misfires in a 1,000-post football burst is not.
        # (Written out here rather than as per-flag method calls: this runs for every touched
        # narrative every tick.)
        n = st.nar.posts_total
        fac = st.flag_accounts
        ev: list[float] = []
        for name in _CONTENT_FACTORS:
            accs = fac.get(name)
            share = fl.get(name, 0) / n if n else 0.0
            ev.append(min(min(1.0, (len(accs) if accs is not None else 0) / fa), min(1.0, share / fs)))
        refuting = fl.get("refuting", 0) / n if n else 0.0
        f: dict[str, float] = {
            # counter-speech repeats the name to deny it: a mostly refuting story is not the claim
            "identity_claim": ev[0] * max(0.0, 1.0 - refuting / C.NARR_RISK_REFUTING_FULL),
            "incitement": ev[1],
            "threat": ev[2],
            "hate": ev[3],
            "rumour": ev[4],
            "pseudo_news": min(1.0, 10.0 * (fl.get("pseudo_news", 0) / n if n else 0.0)),
            "new_account": fl.get("new_account", 0) / n if n else 0.0,
            "coordination": st.coordination,
            "veracity": st.veracity,
        }
        content = max(f["identity_claim"], f["incitement"], f["threat"], f["hate"], f["rumour"])
        gate = min(1.0, 2.0 * content)
        prod = 1.0
        for k, v in f.items():
            if k in _AMPLIFICATION_FACTORS:
                # amplification factors only add to content risk, never create it alone
                v = v * gate
            prod *= 1.0 - w.get(k, 0.0) * max(0.0, min(1.0, v))
        return 1.0 - prod, {k: round(v, 4) for k, v in f.items()}

    def _evaluate(
        self, st: NarrativeState, at: datetime, bursting: dict[int, tuple[str, float, int, float]]
    ) -> None:
        cfg = self.config
        nar = st.nar
        if (
            cfg.veracity_prior is not None
            and nar.posts_total >= cfg.risk_min_posts
            and nar.posts_total >= 2 * st.veracity_at_posts
        ):
            st.veracity_at_posts = nar.posts_total
            try:
                st.veracity = float(cfg.veracity_prior(nar, self.metrics(nar.id, at)))
            except Exception:  # a hook must never stop the stream
                st.veracity = 0.0
        risk, factors = self._risk(st)
        nar.risk = round(risk, 4)
        nar.risk_factors = factors
        if nar.status is _EMERGING and nar.posts_total >= cfg.risk_min_posts and st.zscore > 0:
            nar.status = _ACTIVE
        # burst alert
        tick_acc = len(st.tick_accounts)
        if (
            st.zscore >= cfg.burst_z
            and tick_acc >= cfg.burst_min_accounts
            and st.tick_posts >= cfg.burst_min_count
            and (
                st.last_burst_alert is None
                or at - st.last_burst_alert >= timedelta(minutes=C.NARR_BURST_COOLDOWN_MIN)
            )
        ):
            st.last_burst_alert = at
            hot_terms = [v for v in bursting.values() if v[0].split("+")[0] in st.centroid]
            hot_terms.sort(key=lambda v: -v[1])
            terms = tuple(v[0] for v in hot_terms[:6]) or tuple(self._keywords(self._ranked(st), 5))
            self._raise(
                Alert(
                    id=self._alert_id(nar.id, "burst"),
                    at=at,
                    kind="burst",
                    narrative_id=nar.id,
                    message=f"narrative {nar.id} bursting: {st.tick_posts} posts from {tick_acc} accounts "
                    f"in {cfg.tick_minutes} min (z={st.zscore:.1f})",
                    terms=terms,
                    count=float(st.tick_posts),
                    baseline=round(st.ewma_mean, 3),
                    zscore=round(st.zscore, 2),
                    distinct_accounts=tick_acc,
                    reach=nar.reach_total,
                    risk=nar.risk,
                    reasons=tuple(
                        f"term '{v[0]}' z={v[1]:.1f} from {v[2]} accounts (baseline {v[3]:.2f})"
                        for v in hot_terms[:6]
                    ),
                )
            )
        self._check_risk(st, at, risk, factors)

    def _check_risk(
        self,
        st: NarrativeState,
        at: datetime,
        risk: float | None = None,
        factors: dict[str, float] | None = None,
    ) -> None:
        """Raise the narrative's (single) risk alert when risk, posts and distinct accounts allow."""
        cfg = self.config
        nar = st.nar
        if nar.alerted_at is not None or nar.posts_total < cfg.risk_min_posts:
            return
        if risk is None:
            fa = st.flag_accounts
            if (
                max(
                    (len(fa[k]) for k in ("identity_claim", "incitement", "threat", "hate") if k in fa),
                    default=0,
                )
                < 2
            ):
                return  # no content factor can pass the threshold with fewer than two flagged accounts
        n_acc = len(st.accounts)
        if n_acc < cfg.risk_min_accounts:
            return
        if risk is None or factors is None:
            risk, factors = self._risk(st)
            nar.risk, nar.risk_factors = round(risk, 4), factors
        if risk < cfg.risk_alert:
            return
        nar.alerted_at = at
        nar.posts_at_alert = nar.posts_total
        nar.accounts_at_alert = n_acc
        w = C.NARR_RISK_WEIGHTS
        reasons = tuple(
            f"{k}={v:.2f} (weight {w.get(k, 0):.2f})"
            for k, v in sorted(factors.items(), key=lambda kv: -kv[1] * w.get(kv[0], 0))
            if v > 0
        ) + tuple(
            f"{st.flag_account_count(k)} accounts / {st.flags.get(k, 0)} posts flagged {k}"
            for k in ("identity_claim", "incitement", "threat", "hate")
            if st.flags.get(k, 0)
        )
        self._refresh(st)
        self._raise(
            Alert(
                id=self._alert_id(nar.id, "risk"),
                at=at,
                kind="risk",
                narrative_id=nar.id,
                message=f"risky narrative {nar.id} '{nar.title}': risk {risk:.2f} after "
                f"{nar.posts_total} posts from {n_acc} accounts",
                terms=tuple(nar.keywords[:6]),
                count=float(nar.posts_total),
                baseline=round(st.ewma_mean, 3),
                zscore=round(st.zscore, 2),
                distinct_accounts=n_acc,
                reach=nar.reach_total,
                risk=round(risk, 4),
                reasons=reasons,
            )
        )

    def _alert_id(self, nid: str, kind: str) -> str:
        self._alert_seq += 1
        return f"alert-{self._alert_seq:06d}-{kind}-{nid}"

    def _raise(self, alert: Alert) -> None:
        self.stats["alerts"] += 1
        self._pending_alerts.append(alert)

    # ------------------------------------------------------------------ coordination
    def _coordination_tick(self, at: datetime) -> None:
        clusters = self._coord.detect()
        touched: dict[str, float] = {}
        for c in clusters:
            for nid in c["narratives"][:3]:
                r = self._resolve(nid)
                touched[r] = max(touched.get(r, 0.0), c["score"])
        for nid, s in touched.items():
            st = self._live.get(nid)
            if st is not None:
                st.coordination = s
        for c in self._unalerted(clusters):
            nid = self._resolve(c["narratives"][0]) if c["narratives"] else None
            st = self._live.get(nid) if nid else None
            self._raise(
                Alert(
                    id=self._alert_id(nid or "none", "coordination"),
                    at=at,
                    kind="coordination",
                    narrative_id=nid,
                    message=f"{c['size']} accounts co-shared {c['co_shares_observed']} items within "
                    f"{c['window_s']:.0f} s (expected {c['co_shares_expected_random_timing']:.2f} "
                    "under random timing)",
                    terms=tuple(e["item"][1:60] for e in c["evidence"][:3]),
                    count=float(c["co_shares_observed"]),
                    baseline=float(c["co_shares_expected_random_timing"]),
                    zscore=float(c["mean_neg_log10_p"]),
                    distinct_accounts=c["size"],
                    reach=st.nar.reach_total if st else 0,
                    risk=st.nar.risk if st else 0.0,
                    reasons=tuple(
                        f"{e['kind']}: {e['co_shared_pairs']} fast co-sharing pairs"
                        for e in c["evidence"][:5]
                    ),
                )
            )

    def _unalerted(self, clusters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The clusters not alerted yet (none of the remembered account sets covers 80 % of theirs),
        remembered from now on; a remembered set that one of ``clusters`` matches is refreshed.

        Past 1,000 remembered sets the least recently matched are forgotten, after the whole tick:
        clusters no longer detected go first, and a tick with more live clusters than that re-alerts
        the excess, not all of them (forgetting the oldest while adding, a live cluster evicted the
        next one, which alerted again and evicted the next, and so on). Before, a set's ``pop()``
        forgot one chosen by string hashing (``PYTHONHASHSEED``): which cluster could alert again
        differed between two replays of the same stream.
        """
        seen = self._coord_seen
        out: list[dict[str, Any]] = []
        for c in clusters:
            sig = frozenset(c["accounts"])
            need = 0.8 * len(sig)
            match = next((old for old in seen if len(sig & old) >= need), None)
            if match is not None:
                seen.move_to_end(match)
                continue
            seen[sig] = None
            out.append(c)
        while len(seen) > 1000:
            seen.popitem(last=False)
        return out

    # ------------------------------------------------------------------ consolidation
    def _consolidate(self) -> None:
        """Fold the fragments of one claim into one narrative (entity-anchored merging).

        Narratives whose text posts mostly carry the same anchor name (a name the identity-claim
        signal attributed in several posts, as a name or a hashtag spelling it) are one claim told
        in different words or languages: the fragments merge into the anchor's home narrative (the
        first to carry the claim), else the earliest alerted, else the biggest, so ids that policy
        already acted on stay stable. Counter-speech that repeats the name to deny it (more refuting
        than asserting posts) stays its own narrative: refutations are a different story for the
        analyst, and they keep their own reach and protection.
        """
        if not self._claimed:
            return
        groups: dict[str, list[NarrativeState]] = {}
        min_posts, min_share = C.NARR_ANCHOR_MIN_POSTS, C.NARR_ANCHOR_MIN_SHARE
        for st in self._live.values():
            if st.text_posts < min_posts or not st.anchors:
                continue
            fl = st.flags
            if fl["refuting"] > fl["identity_claim"]:
                continue
            best, best_n = "", 0
            for k, n in st.anchors.items():
                if n > best_n and self._is_anchor(k):
                    best, best_n = k, n
            if best and best_n >= min_share * st.text_posts:
                groups.setdefault(best, []).append(st)
        for key, sts in groups.items():
            if len(sts) < 2:
                continue
            home = self._anchor_home.get(key)
            home = self._resolve(home) if home is not None else None
            ids = {s.nar.id for s in sts}
            if home not in ids:
                sts.sort(
                    key=lambda s: (
                        s.nar.alerted_at is None,
                        s.nar.alerted_at or s.nar.first_seen,
                        -s.nar.posts_total,
                    )
                )
                home = sts[0].nar.id
            for s in sts:
                other = s.nar.id
                if other != home and other in self._live and home in self._live:
                    self.merge(home, other)
                    self.stats["anchor_merges"] += 1
            self._anchor_home[key] = home

    # ------------------------------------------------------------------ upkeep
    def _evict(self, force: bool) -> None:
        """Drop small dormant narratives; mark big silent ones dormant. ``force``: also enforce the cap."""
        now = self._now
        if now is None:
            return
        dormant_after = timedelta(minutes=C.NARR_DORMANT_AFTER_MIN)
        archive_after = timedelta(hours=C.NARR_ARCHIVE_AFTER_H)
        dead: list[str] = []
        old: list[str] = []
        for nid, st in self._live.items():
            silent = now - st.nar.last_seen
            if silent >= dormant_after:
                if st.nar.posts_total <= C.NARR_EVICT_MAX_POSTS and st.nar.alerted_at is None:
                    dead.append(nid)
                elif silent >= archive_after:
                    old.append(nid)
                elif st.nar.status in (NarrativeStatus.EMERGING, NarrativeStatus.ACTIVE):
                    st.nar.status = NarrativeStatus.DORMANT
                    st.compact()
        if force and len(self._live) - len(dead) > self.config.max_narratives:
            dead_set = set(dead)
            rest = sorted(
                (st for nid, st in self._live.items() if nid not in dead_set and st.nar.alerted_at is None),
                key=lambda s: (s.nar.posts_total, s.nar.last_seen),
            )
            excess = len(self._live) - len(dead) - int(self.config.max_narratives * 0.9)
            dead.extend(s.nar.id for s in rest[: max(0, excess)])
        for nid in dead:
            self._drop(nid)
            self.stats["evicted"] += 1
        for nid in old:  # long silent: the record stays answerable from the bounded archive
            st = self._drop(nid)
            self._refresh(st)
            if st.nar.status in (NarrativeStatus.EMERGING, NarrativeStatus.ACTIVE):
                st.nar.status = NarrativeStatus.DORMANT
            self._archive(st.nar)
            self.stats["archived"] += 1

    def _retire(self, now: datetime) -> None:
        """Every ``NARR_RETIRE_EVERY_H``: drop index entries that can no longer change an outcome.

        - near-duplicate (LSH band) and URL memory, term postings and anchor homes pointing at a
          narrative no longer live (evicted, archived or merged into one that is not): every
          reader already skips those (a narrative id never comes back), so this changes nothing
          but memory. Before, they stayed until the count caps (300k bands, 75k URLs, 2M terms);
        - co-sharing items and pairs idle for ``NARR_COORD_RETIRE_AFTER_H``
          (:meth:`CoShareDetector.retire`);
        - attributed names whose anchor home is no longer live, with their counts (the only
          outcome change: such a name must reach ``NARR_ANCHOR_MIN_CLAIMS`` again to anchor);
        - for live narratives older than ``NARR_COMPACT_AGE_H`` (stories that never fall silent):
          term postings of terms no longer in their centroid (they score nothing), and their pools,
          compacted as a dormant narrative's are (``NarrativeState.compact``).
        """
        live = self._live
        redirect = self._redirect

        def alive(nid: str) -> bool:
            return (self._resolve(nid) if nid in redirect else nid) in live

        lsh = self._lsh
        for band in [b for b, v in lsh.items() if not alive(v[0])]:
            del lsh[band]
        urls = self._urls
        for url in [u for u, v in urls.items() if not alive(v[0])]:
            del urls[url]
        # narratives live for ``NARR_COMPACT_AGE_H`` (stories that never fall silent): compacted below,
        # and their term postings cut to their centroid's terms
        old = now - timedelta(hours=C.NARR_COMPACT_AGE_H)
        postings = self._postings
        changed: dict[str, tuple[str, ...]] = {}
        gone: list[str] = []
        for term, ids in postings.items():
            # a posting whose narrative no longer holds the term in its centroid scores nothing
            # (``_match_terms`` adds ``w * centroid[t]`` only where the term is there); an old
            # narrative keeps only those of its centroid's terms, not every term it ever saw. Younger
            # ones keep theirs (at most two days of terms): a shorter postings list evicts fewer
            # entries at its cap, which moved posts between narratives in a 36 h evaluation run
            keep = tuple(
                x
                for x in ids
                if (s := live.get(x)) is not None and (s.nar.first_seen > old or term in s.centroid)
            )
            if not keep:
                gone.append(term)
            elif len(keep) != len(ids):
                changed[term] = keep
        for term in gone:
            del postings[term]
        postings.update(changed)
        homes = self._anchor_home
        claimed = self._claimed
        names = self._anchor_names
        for key in [k for k, h in homes.items() if not alive(h)]:
            del homes[key]
            # the name's story has ended with its home narrative: its attribution count and anchor
            # name go too, so the names every post's claim-free check scans (``claimed_names``) stay
            # those of live stories, not every name ever attributed (up to 100k: ~1 ms per post and
            # spelling collisions with unrelated news on a long stream; review finding, eighth
            # session). A name attributed again later is counted afresh.
            claimed.pop(key, None)
            names.pop(key, None)
        self._coord.retire(now.timestamp() - 3600.0 * C.NARR_COORD_RETIRE_AFTER_H)
        # stories that never fall silent are compacted once two days old, as dormant ones are
        for st in live.values():
            if st.nar.first_seen <= old:
                st.compact()

    def _drop(self, nid: str) -> NarrativeState:
        """Take a narrative out of the live set, with its origin candidates' index entries."""
        st = self._live.pop(nid)
        for oc in st.origins:
            self._origin_of.pop(oc.post_id, None)
        return st

    # ================================================================== slow path (embeddings)
    def _slow_path(
        self,
        posts: list[Post],
        feats: list[Features | None],
        founded: list[tuple[int, str]],
        signals: dict[str, dict[str, Signal]],
    ) -> None:
        """Merge paraphrase/translation narratives into risky ones using the embedder, on candidates only."""
        targets = sorted(
            (
                st
                for st in self._live.values()
                if st.nar.posts_total >= 5 and (st.nar.risk >= 0.3 or st.nar.alerted_at)
            ),
            key=lambda s: -s.nar.posts_total,
        )[: C.NARR_EMBED_TARGETS]
        if not targets:
            return
        budget = self.config.embed_max_per_batch
        # candidates: posts that founded a narrative and look risky or come from a big account
        cand: list[tuple[str, str]] = []  # (nid, text)
        pos = C.NARR_SIGNAL_POSITIVE
        for i, nid in founded:
            p = posts[i]
            sig = signals.get(p.id) or {}
            risky = any(
                (s := sig.get(k)) is not None and s.score >= pos
                for k in ("identity_claim", "incitement", "hate", "threat")
            )
            big = p.author is not None and p.author.followers >= C.NARR_EMBED_CANDIDATE_FOLLOWERS
            if (risky or big) and p.text:
                cand.append((nid, p.text))
            if len(cand) >= budget:
                break
        # young risky narratives not yet compared
        target_ids = {t.nar.id for t in targets}
        for st in self._live.values():
            if len(cand) >= budget:
                break
            if st.nar.id in target_ids or st.embedded_at_posts or st.nar.posts_total < 2:
                continue
            if st.nar.risk >= 0.3 and st.reps:
                st.embedded_at_posts = st.nar.posts_total
                cand.append((st.nar.id, st.reps[0][1]))
        if not cand:
            return
        # refresh target centroid embeddings when they doubled in size
        stale = [t for t in targets if t.embedding is None or t.nar.posts_total >= 2 * t.embedded_at_posts]
        texts: list[str] = []
        spans: list[tuple[NarrativeState, int, int]] = []
        for t in stale:
            rep_texts = [r[1] for r in t.reps[:4]] or [t.nar.title]
            spans.append((t, len(texts), len(texts) + len(rep_texts)))
            texts.extend(rep_texts)
        n_t = len(texts)
        texts.extend(c[1] for c in cand)
        emb = np.asarray(self.embedder(texts), dtype=np.float32)  # type: ignore[misc]
        self.stats["embedded"] += len(texts)
        for t, a, b in spans:
            v = emb[a:b].mean(axis=0)
            t.embedding = v / (np.linalg.norm(v) or 1.0)
            t.embedded_at_posts = t.nar.posts_total
        T = np.stack([t.embedding for t in targets])
        sims = emb[n_t:] @ T.T
        for j, (nid, _text) in enumerate(cand):
            k = int(np.argmax(sims[j]))
            if sims[j, k] < self.config.embed_match:
                continue
            src = self._resolve(nid)
            dst = self._resolve(targets[k].nar.id)
            if src == dst or src not in self._live or dst not in self._live:
                continue
            small = self._live[src].nar.posts_total <= max(20, self._live[dst].nar.posts_total // 4)
            if small:
                self.merge(dst, src)
                self.stats["embed_merges"] += 1

    # ================================================================== queries
    def _state(self, nid: str) -> NarrativeState | None:
        return self._live.get(self._resolve(nid))

    @staticmethod
    def _ranked(st: NarrativeState) -> list[tuple[str, float]]:
        """Centroid terms by weight, heaviest first (a stable sort: ties keep insertion order)."""
        return sorted(st.centroid.items(), key=_WEIGHT, reverse=True)

    @staticmethod
    def _keywords(ranked: list[tuple[str, float]], k: int = 8) -> list[str]:
        """The ``k`` heaviest plain words (no entity, hashtag, link or pair term) of a ranking."""
        return [t for t, _ in ranked if t[0] not in "@#~^"][:k]

    def _entities(self, ranked: list[tuple[str, float]], k: int = 8) -> list[str]:
        """The ``k`` heaviest named entities, hashtags and link hosts of a ranking, as displayed."""
        out: list[str] = []
        display = self._feat.display
        for t, _ in ranked:
            c0 = t[0]
            if c0 == "@":
                out.append(display.get(t, t[1:]))
            elif c0 == "#":
                out.append(t)
            elif c0 == "~":
                out.append(t[1:])
            else:
                continue
            if len(out) >= k:
                break
        return out

    def _refresh(self, st: NarrativeState) -> None:
        """Derived, human-facing fields (title, keywords, entities, representatives): computed on demand.

        They depend only on the centroid, the representative pool and the entity display names, so
        they are recomputed only when one of those changed (``content_ver``; a clear of the display
        table invalidates every narrative), not every time a repost or reply joined.
        """
        nar = st.nar
        feat = self._feat
        if feat.display_gen != self._display_gen:
            self._display_gen = feat.display_gen
            for other in self._live.values():
                other.derived_ver = -1
        if st.derived_ver == st.content_ver and nar.title:
            return
        st.derived_ver = st.content_ver
        ranked = self._ranked(st)  # one sort serves keywords and entities
        nar.keywords = self._keywords(ranked)
        nar.entities = self._entities(ranked)
        # representative: the pooled original closest to the centroid (term overlap, idf-weighted)
        cget = st.centroid.get
        rep_tokens = self._rep_tokens
        scored: list[tuple[float, str, str]] = []
        for pid, text, reach in st.reps:
            s = sum(map(cget, rep_tokens(text), _ZEROS))  # = sum(c.get(tok, 0.0) ...), same order
            scored.append((s + 1e-9 * reach, pid, text))
        scored.sort(key=lambda x: -x[0])
        nar.representative_posts = [pid for _, pid, _ in scored[:5]]
        if scored:
            text = " ".join(scored[0][2].split())
            nar.title = text if len(text) <= 90 else text[:87].rsplit(" ", 1)[0] + "…"
        else:
            nar.title = ", ".join(nar.keywords[:5]) or nar.id

    def _rep_tokens(self, text: str) -> tuple[str, ...]:
        """A representative text's distinct folded tokens, punctuation-stripped, cached per text.

        In first-occurrence order (``dict.fromkeys``), not a set's: a set of strings iterates in an
        order that follows the process's string-hash seed (``PYTHONHASHSEED``), and the centroid
        weights of these tokens are summed in this order, so two replays could score two
        representatives a last bit apart and pick a different one (title, ``representative_posts``).
        """
        cache = self._rep_tok_cache
        toks = cache.get(text)
        if toks is None:
            toks = tuple(tok.strip(".,!?:;\"'()") for tok in dict.fromkeys(fold(text).split()))
            if len(cache) >= 20_000:
                cache.clear()
            cache[text] = toks
        return toks

    def get(self, nid: str) -> Narrative | None:
        """The narrative record (follows merges to the surviving one? no: a merged id returns its own
        record with ``status=MERGED`` and ``merged_into`` set, so callers see what happened)."""
        st = self._live.get(nid)
        if st is not None:
            self._refresh(st)
            return st.nar
        return self._archived.get(nid)

    def all(self, min_posts: int = 1) -> list[Narrative]:
        """Live narratives with at least ``min_posts`` posts, biggest first."""
        out = []
        for st in self._live.values():
            if st.nar.posts_total >= min_posts:
                self._refresh(st)
                out.append(st.nar)
        out.sort(key=lambda n: -n.posts_total)
        return out

    def narrative_of(self, post_id: str) -> str | None:
        """Current narrative of a remembered post (following merges), else None."""
        meta = self._posts.get(post_id)
        return self._resolve(meta[0]) if meta is not None else None

    def metrics(self, nid: str, at: datetime | None = None) -> dict[str, Any]:
        """Live windowed metrics of a narrative (counts are cumulative; velocity is as of ``at``).

        The policy stage asks for these for every narrative a batch touched, so the flag shares
        are read inline (count over posts), without a method call each.
        """
        st = self._state(nid)
        if st is None:
            return {}
        nar = st.nar
        at = at or self._now or nar.last_seen
        minute_now = int(at.timestamp() // 60)
        vel, acc = st.velocity(minute_now)
        n = nar.posts_total
        top_reach = st.top_amp_reach
        if top_reach < 0:
            top_reach = st.top_amp_reach = max((a[AMP_REACH] for a in st.amplifiers.values()), default=0)
        ns = nar.stance
        stance = {k: ns.get(k, 0) for k in ("support", "deny", "query", "comment")}
        fl = st.flags
        if n:
            pn, na, rf, ic, inc, ha, th, ru = (
                fl.get(k, 0) / n
                for k in (
                    "pseudo_news",
                    "new_account",
                    "refuting",
                    "identity_claim",
                    "incitement",
                    "hate",
                    "threat",
                    "rumour",
                )
            )
        else:
            pn = na = rf = ic = inc = ha = th = ru = 0.0
        langs = nar.languages
        return {
            "id": nar.id,
            "status": str(nar.status.value),
            "posts": n,
            "accounts": len(st.accounts),
            "reach": nar.reach_total,
            "velocity": _rounded(vel, 4),
            "acceleration": _rounded(acc, 4),
            "top_amplifier_share": _rounded(top_reach / nar.reach_total, 4) if nar.reach_total else 0.0,
            "pseudo_news_share": _rounded(pn, 4),
            "new_account_share": _rounded(na, 4),
            "stance": stance,
            "refuting_share": _rounded(rf, 4),
            # by count, ties in insertion order (a stable descending sort)
            "languages": dict(sorted(langs.items(), key=_WEIGHT, reverse=True))
            if len(langs) > 1
            else dict(langs),
            "identity_claim_share": _rounded(ic, 4),
            "incitement_share": _rounded(inc, 4),
            "hate_share": _rounded(ha, 4),
            "threat_share": _rounded(th, 4),
            "rumour_share": _rounded(ru, 4),
            "max_author_followers": st.max_author_followers,
            "zscore": _rounded(st.zscore, 3),
            "risk": nar.risk,
            "risk_factors": dict(nar.risk_factors),
            "coordination": st.coordination,
            "first_seen": nar.first_seen,
            "last_seen": nar.last_seen,
            "alerted_at": nar.alerted_at,
        }

    def series(self, nid: str) -> list[dict[str, Any]]:
        """Chart buckets of ``NARR_SERIES_MINUTES``: {at, posts, accounts_cum, reach_cum}."""
        st = self._state(nid)
        if st is None:
            return []
        w = 60 * C.NARR_SERIES_MINUTES
        return [
            {"at": datetime.fromtimestamp(b * w, UTC), "posts": n, "accounts_cum": a, "reach_cum": r}
            for b, n, a, r in st.series_rows()
        ]

    def origin(self, nid: str, k: int = 5) -> list[dict[str, Any]]:
        """Patient-zero candidates with a confidence that sums to 1 over the pool.

        Score = exp(-minutes after the narrative's first post / tau) x (1 + log1p(descendants))
        x (2 if an original post, since reposts and replies cannot originate a claim). Descendants
        count explicit children and posts that joined as near-duplicates of it or by its URL.
        """
        st = self._state(nid)
        if st is None or not st.origins:
            return []
        t0 = min(o.at for o in st.origins)
        scored = []
        for o in st.origins:
            dt = (o.at - t0).total_seconds() / 60.0
            s = math.exp(-dt / C.NARR_ORIGIN_TAU_MIN) * (
                1.0 + math.log1p(o.descendants + C.NARR_ORIGIN_SIMILAR_WEIGHT * o.similar)
            )
            if o.kind in ("post", "quote"):
                s *= 2.0
            scored.append((s, o))
        total = sum(s for s, _ in scored) or 1.0
        scored.sort(key=lambda x: -x[0])
        return [
            {
                "post_id": o.post_id,
                "account_id": o.account_id,
                "at": o.at,
                "kind": o.kind,
                "followers": o.followers,
                "descendants": o.descendants,
                "near_duplicates": o.similar,
                "minutes_after_first": round((o.at - t0).total_seconds() / 60.0, 2),
                "confidence": round(s / total, 4),
                "text": o.text,
            }
            for s, o in scored[:k]
        ]

    def _is_bridge(self, a: AmplifierStats) -> bool:
        own = max(a.contributed_reach, 1)
        return (
            a.downstream_reach >= C.NARR_BRIDGE_MIN_REACH
            and a.downstream_reach >= C.NARR_BRIDGE_MIN_RATIO * own
        )

    def amplifiers(self, nid: str, k: int = 10) -> list[dict[str, Any]]:
        """Accounts ranked by the reach they contributed (followers + views of their posts)."""
        st = self._state(nid)
        if st is None:
            return []
        top = [amp_record(r) for r in sorted(st.amplifiers.values(), key=lambda a: -a[AMP_REACH])[:k]]
        return [
            {
                "account_id": a.account_id,
                "handle": a.handle,
                "followers": a.followers,
                "posts": a.posts,
                "contributed_reach": a.contributed_reach,
                "downstream_reach": a.downstream_reach,
                "refuting_posts": a.refuting_posts,
                "is_bridge": self._is_bridge(a),
                "first_post_at": a.first_post_at,
            }
            for a in top
        ]

    def bridges(self, nid: str) -> list[dict[str, Any]]:
        """Accounts whose posts were the parent of far more reach than their own (brokers), biggest first."""
        st = self._state(nid)
        if st is None:
            return []
        br = [a for a in map(amp_record, st.amplifiers.values()) if self._is_bridge(a)]
        br.sort(key=lambda a: -a.downstream_reach)
        return [
            {
                "account_id": a.account_id,
                "handle": a.handle,
                "followers": a.followers,
                "own_reach": a.contributed_reach,
                "downstream_reach": a.downstream_reach,
                "ratio": round(a.downstream_reach / max(a.contributed_reach, 1), 2),
                "first_post_at": a.first_post_at,
            }
            for a in br[:20]
        ]

    def cascade(self, nid: str, limit: int = 500) -> list[tuple[str, str]]:
        """(parent_post_id, child_post_id) edges from reposts/quotes/replies, earliest first."""
        st = self._state(nid)
        return list(st.cascade[:limit]) if st is not None else []

    def coordination(self, nid: str | None = None) -> list[dict[str, Any]]:
        """Coordinated co-sharing clusters (all, or those whose items belong to ``nid``)."""
        clusters = self._coord.clusters
        if nid is None:
            return [dict(c) for c in clusters]
        r = self._resolve(nid)
        return [dict(c) for c in clusters if any(self._resolve(x) == r for x in c["narratives"])]

    def summary(self, nid: str) -> dict[str, Any]:
        """Everything about one narrative, JSON-serialisable (datetimes as ISO 8601 UTC strings)."""
        nar = self.get(nid)
        if nar is None:
            return {}
        st = self._state(nid)
        rec = {
            "id": nar.id,
            "title": nar.title,
            "status": str(nar.status.value),
            "first_seen": nar.first_seen,
            "last_seen": nar.last_seen,
            "keywords": list(nar.keywords),
            "entities": list(nar.entities),
            "representative_posts": list(nar.representative_posts),
            "languages": dict(nar.languages),
            "stance": dict(nar.stance),
            "risk": nar.risk,
            "risk_factors": dict(nar.risk_factors),
            "alerted_at": nar.alerted_at,
            "posts_at_alert": nar.posts_at_alert,
            "accounts_at_alert": nar.accounts_at_alert,
            "merged_into": nar.merged_into,
            "refuted_by": list(nar.refuted_by),
        }
        if st is not None:
            rec.update(
                {
                    "metrics": self.metrics(nid),
                    "series": self.series(nid),
                    "origin": self.origin(nid),
                    "amplifiers": self.amplifiers(nid),
                    "bridges": self.bridges(nid),
                    "cascade": [list(e) for e in self.cascade(nid, limit=200)],
                    "coordination": self.coordination(nid),
                }
            )
        return _jsonable(rec)

    # ================================================================== reviewer actions
    def merge(self, keep: str, other: str) -> None:
        """Fold ``other`` into ``keep``: ``keep``'s id survives, ``other`` becomes MERGED and redirects."""
        keep, other = self._resolve(keep), self._resolve(other)
        if keep == other:
            return
        a, b = self._live.get(keep), self._live.get(other)
        if a is None or b is None:
            raise KeyError(f"unknown narrative: {keep if a is None else other}")
        na, nb = a.nar, b.nar
        na.posts_total += nb.posts_total
        a.accounts.merge(b.accounts)
        na.accounts_total = len(a.accounts)
        na.reach_total += nb.reach_total
        na.first_seen = min(na.first_seen, nb.first_seen)
        na.last_seen = max(na.last_seen, nb.last_seen)
        for k, v in b.flags.items():
            a.flags[k] = a.flags.get(k, 0) + v
        for k, accs in b.flag_accounts.items():
            mine = a.flag_accounts.setdefault(k, set())
            for x in accs:
                if len(mine) >= 64:
                    break
                mine.add(x)
        a.text_posts += b.text_posts
        for k, v in b.anchors.items():
            a.anchors[k] = a.anchors.get(k, 0) + v
        a.add_names(())  # re-cap the name counts
        for d_a, d_b in ((na.stance, nb.stance), (na.languages, nb.languages)):
            for k, v in d_b.items():
                d_a[k] = d_a.get(k, 0) + v
        for k, v in nb.claimed_names.items():
            _count_claimed(na.claimed_names, k, v)
        a.max_author_followers = max(a.max_author_followers, b.max_author_followers)
        mins: dict[int, int] = {}
        for m, n in (*a.minutes, *b.minutes):
            mins[m] = mins.get(m, 0) + n
        a.minutes.clear()
        a.minutes.extend(sorted(mins.items())[-(a.minutes.maxlen or 30) :])
        ser: dict[int, list[int]] = {}
        a.close_series_row()
        b.close_series_row()
        for row in (*a.series, *b.series):
            r = ser.setdefault(row[0], [row[0], 0, 0, 0])
            r[1] += row[1]
        a.series.clear()
        acc_cum = 0
        reach_cum = 0
        # cumulative columns are re-estimated by scaling to the merged totals
        total_posts = sum(r[1] for r in ser.values()) or 1
        for bkt in sorted(ser):
            r = ser[bkt]
            acc_cum += r[1]
            reach_cum += r[1]
            a.series.append(
                [
                    bkt,
                    r[1],
                    int(na.accounts_total * acc_cum / total_posts),
                    int(na.reach_total * reach_cum / total_posts),
                ]
            )
        for t, w in b.centroid.items():
            a.centroid[t] = a.centroid.get(t, 0.0) + w
        a.centroid_docs += b.centroid_docs
        a.prune_centroid()
        for t in a.centroid:
            lst = self._postings.get(t)
            if lst is not None and keep not in lst:
                self._postings[t] = (*lst, keep)
        origins = sorted(a.origins + b.origins, key=lambda o: o.at)
        for o in origins[C.NARR_ORIGIN_POOL :]:
            self._origin_of.pop(o.post_id, None)
        a.origins = origins[: C.NARR_ORIGIN_POOL]
        for acc_id, s in b.amplifiers.items():
            t_ = a.amplifiers.get(acc_id)
            if t_ is None:
                a.amplifiers[acc_id] = s
            else:
                first = t_[AMP_FIRST]
                if s[AMP_FIRST] and (first is None or s[AMP_FIRST] < first):
                    first = s[AMP_FIRST]
                a.amplifiers[acc_id] = (
                    *t_[:AMP_POSTS],
                    t_[AMP_POSTS] + s[AMP_POSTS],
                    t_[AMP_REACH] + s[AMP_REACH],
                    t_[AMP_DOWNSTREAM] + s[AMP_DOWNSTREAM],
                    first,
                    *t_[AMP_REFUTING:],
                )
        a.top_amp_reach = -1
        if len(a.amplifiers) > C.NARR_AMPLIFIER_POOL:
            self._prune_amplifiers(a)
        a.cascade = (a.cascade + b.cascade)[: C.NARR_CASCADE_MAX_EDGES]
        a.reps = (a.reps + b.reps)[:12]
        a.coordination = max(a.coordination, b.coordination)
        a.tick_posts += b.tick_posts
        a.tick_accounts |= b.tick_accounts
        a.touched = a.touched or b.touched
        if nb.alerted_at is not None and (na.alerted_at is None or nb.alerted_at < na.alerted_at):
            na.alerted_at, na.posts_at_alert, na.accounts_at_alert = (
                nb.alerted_at,
                nb.posts_at_alert,
                nb.accounts_at_alert,
            )
        na.refuted_by.extend(x for x in nb.refuted_by if x not in na.refuted_by)
        a.derived_ver = -1
        risk, factors = self._risk(a)
        na.risk, na.risk_factors = round(risk, 4), factors
        nb.status = NarrativeStatus.MERGED
        nb.merged_into = keep
        del self._live[other]
        self._redirect[other] = keep
        self._archive(nb)

    def _archive(self, nar: Narrative) -> None:
        self._archived[nar.id] = nar
        if len(self._archived) > 50_000:
            self._archived.popitem(last=False)

    def split(self, nid: str, post_ids: list[str]) -> str:
        """Move ``post_ids`` (those still remembered) out of ``nid`` into a new narrative; returns its id.

        Counters are moved from the per-post memory (author, reach, flags); future reposts
        and replies of the moved posts follow them to the new narrative.
        """
        src_id = self._resolve(nid)
        src = self._live.get(src_id)
        if src is None:
            raise KeyError(f"unknown narrative: {nid}")
        moved = [
            (pid, self._posts[pid])
            for pid in post_ids
            if pid in self._posts and self._resolve(self._posts[pid][0]) == src_id
        ]
        if not moved:
            raise ValueError("none of the given posts is (still) remembered in this narrative")
        first = datetime.fromtimestamp(min(m[4] for _, m in moved), UTC)
        dst = self._new_narrative(first)
        self.stats["founded"] -= 1
        nd, ns = dst.nar, src.nar
        moved_ids = {pid for pid, _ in moved}
        for pid, (_nid, author, reach, parent, ts, bits) in moved:
            self._posts[pid] = (nd.id, author, reach, parent, ts, bits)
            t = datetime.fromtimestamp(ts, UTC)
            nd.posts_total += 1
            ns.posts_total = max(0, ns.posts_total - 1)
            dst.accounts.add(author)
            nd.reach_total += reach
            ns.reach_total = max(0, ns.reach_total - reach)
            nd.last_seen = max(nd.last_seen, t)
            for name, b in _FLAG_BITS.items():
                if bits & b:
                    dst.flags[name] += 1
                    src.flags[name] = max(0, src.flags[name] - 1)
            st_amp = src.amplifiers.get(author)
            row = dst.amplifiers.get(author)
            if row is None:
                row = (
                    author,
                    st_amp[1] if st_amp else "",
                    st_amp[AMP_FOLLOWERS] if st_amp else 0,
                    0,
                    0,
                    0,
                    t,
                    0,
                    False,
                )
            dst.amplifiers[author] = (
                *row[:AMP_POSTS],
                row[AMP_POSTS] + 1,
                row[AMP_REACH] + reach,
                *row[AMP_DOWNSTREAM:],
            )
            dst.add_series(int(ts // (60 * C.NARR_SERIES_MINUTES)), reach)
        dst.top_amp_reach = src.top_amp_reach = -1
        nd.accounts_total = len(dst.accounts)
        # origins, representatives and cascade edges follow their posts; the centroid is rebuilt from them
        dst.origins = [o for o in src.origins if o.post_id in moved_ids]
        src.origins = [o for o in src.origins if o.post_id not in moved_ids]
        dst.reps = [r for r in src.reps if r[0] in moved_ids]
        src.reps = [r for r in src.reps if r[0] not in moved_ids]
        dst.cascade = [e for e in src.cascade if e[1] in moved_ids]
        src.cascade = [e for e in src.cascade if e[1] not in moved_ids]
        for text in [o.text for o in dst.origins] + [r[1] for r in dst.reps]:
            if text:
                q = self._weights(self._feat.features(text))
                dst.add_centroid(q)
                self._index(nd.id, q)
        src.derived_ver = -1
        for st in (src, dst):
            risk, factors = self._risk(st)
            st.nar.risk, st.nar.risk_factors = round(risk, 4), factors
        return nd.id

    # ================================================================== introspection
    def state_size(self) -> dict[str, int]:
        """Sizes of every bounded structure (used by tests and benchmarks to check flat memory)."""
        return {
            "narratives": len(self._live),
            "archived": len(self._archived),
            "posts": len(self._posts),
            "lsh": len(self._lsh),
            "urls": len(self._urls),
            "postings": len(self._postings),
            "origin_index": len(self._origin_of),
            "coordination_edges": len(self._coord),
            "redirects": len(self._redirect),
        }

    def iter_states(self) -> Iterable[NarrativeState]:
        """Live narrative states (read-only use: eval and reports)."""
        return self._live.values()
