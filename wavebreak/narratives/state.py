"""Per-narrative bounded state: counters, windows, centroid, origin pool, amplifiers.

Everything a query method answers is kept incrementally here so that queries are
O(size of the answer), never a scan of posts, and so that memory per narrative is
bounded (ring buffers, capped pools) whatever the length of the replay.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from wavebreak.core import constants as C
from wavebreak.core.records import Narrative

_HLL_AFTER: Final = C.NARR_DISTINCT_EXACT_MAX


def _new_sketch() -> Any:
    """An empty HyperLogLog++ (datasketch) of ``NARR_HLL_PRECISION`` bits.

    Why HLL++ rather than datasketch's plain ``HyperLogLog``: the plain one switches from linear
    counting to its raw estimate at 2.5 x 2^p (~10k at p = 12), is least accurate there and warns on
    stderr ("estimate is close to error correction threshold") whenever an estimate lands within
    15 % of it; sketched narratives (dormant ones are sketched from ``NARR_COMPACT_ACCOUNTS``
    accounts up) land there routinely on long replays. HLL++ (Heule et al. 2013) uses 64-bit hashes,
    linear counting up to its measured threshold and an empirical bias correction up to 5 x 2^p:
    accurate across the range and silent. Same 4 KB of registers.
    """
    from datasketch import HyperLogLogPlusPlus

    return HyperLogLogPlusPlus(p=C.NARR_HLL_PRECISION)


class DistinctCounter:
    """Exact distinct count up to ``NARR_DISTINCT_EXACT_MAX`` items, then a HyperLogLog++ (~1.6 % error)."""

    __slots__ = ("_count", "_hll", "_set", "_stale")

    def __init__(self) -> None:
        self._set: set[str] | None = set()
        self._hll: Any = None
        self._count = 0  # cached HLL estimate (estimating reads 4,096 registers)
        self._stale = 0  # HLL updates since the cached estimate

    def add(self, item: str) -> bool:
        """Add ``item``; returns True when it was certainly new (exact mode) - HLL mode returns False."""
        s = self._set
        if s is not None:
            if item in s:
                return False
            s.add(item)
            if len(s) > _HLL_AFTER:
                self.sketch()
            return True
        self._hll.update(item.encode())
        self._stale += 1
        return False

    @property
    def approximate(self) -> bool:
        """True once the counter switched to HyperLogLog (``add`` can no longer say "new")."""
        return self._set is None

    def __len__(self) -> int:
        if self._set is not None:
            return len(self._set)
        # re-estimate after ~0.1 % more updates: far below the estimator's own ~1.6 % error
        if self._stale > self._count // 1000 or not self._count:
            self._count = round(self._hll.count())
            self._stale = 0
        return self._count

    def sketch(self) -> None:
        """Switch to the HyperLogLog now (a dormant narrative's compaction): 4 KB whatever the count."""
        if self._set is None:
            return
        hll = _new_sketch()
        for x in self._set:
            hll.update(x.encode())
        self._hll, self._set, self._count, self._stale = hll, None, 0, 0

    def merge(self, other: DistinctCounter) -> None:
        if other._set is not None:
            for x in other._set:
                self.add(x)
        else:
            self.sketch()
            self._hll.merge(other._hll)
            self._count = 0


FLAGS: Final = (
    "identity_claim",
    "incitement",
    "hate",
    "threat",
    "rumour",
    "refuting",
    "pseudo_news",
    "new_account",
)
STANCES: Final = ("support", "deny", "query", "comment")


@dataclass(slots=True)
class OriginCandidate:
    post_id: str
    account_id: str
    at: datetime
    kind: str
    followers: int
    text: str
    descendants: int = 0  # explicit children (reposts, quotes, replies) and URL citations, 4 levels deep
    similar: int = 0  # later posts that joined as near-duplicates of this one (cross-format copies)


@dataclass(slots=True)
class AmplifierStats:
    account_id: str
    handle: str
    followers: int
    posts: int = 0
    contributed_reach: int = 0
    downstream_reach: int = 0
    first_post_at: datetime | None = None
    refuting_posts: int = 0
    counted_followers: bool = False


# An amplifier is stored as a plain tuple in the field order of :class:`AmplifierStats`, replaced on
# each update. Why: a narrative keeps up to ``NARR_AMPLIFIER_POOL`` of them and the stage creates
# about one per 1.4 posts; a tuple of strings, numbers and datetimes is untracked by the cyclic
# garbage collector after its first collection, while every slots instance stays tracked and is
# traversed by each full collection (a third of the stage's long-lived containers were these).
AmpRow = tuple[str, str, int, int, int, int, "datetime | None", int, bool]
# Field positions, ``Final`` so that a type checker (and mypyc, see docs/narratives.md) reads each
# as its literal value and types ``row[AMP_REACH]`` as the field's own type, not a union of all.
AMP_FOLLOWERS: Final = 2
AMP_POSTS: Final = 3
AMP_REACH: Final = 4
AMP_DOWNSTREAM: Final = 5
AMP_FIRST: Final = 6
AMP_REFUTING: Final = 7
AMP_COUNTED: Final = 8


def amp_row(a: AmplifierStats) -> AmpRow:
    """The stored row of an :class:`AmplifierStats` record."""
    return (
        a.account_id,
        a.handle,
        a.followers,
        a.posts,
        a.contributed_reach,
        a.downstream_reach,
        a.first_post_at,
        a.refuting_posts,
        a.counted_followers,
    )


def amp_record(row: AmpRow) -> AmplifierStats:
    """The readable record of a stored amplifier row."""
    return AmplifierStats(*row)


@dataclass(slots=True)
class NarrativeState:
    """The live state behind one :class:`Narrative` record."""

    nar: Narrative
    centroid: dict[str, float] = field(default_factory=dict)
    centroid_docs: int = 0
    cnorm2: float = 0.0
    flags: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FLAGS, 0))
    flag_accounts: dict[str, set[str]] = field(default_factory=dict)  # capped: only small counts matter
    accounts: DistinctCounter = field(default_factory=DistinctCounter)
    max_author_followers: int = 0
    # (minute, posts) rows; tuples, replaced on update: untracked by the cyclic GC, unlike lists
    minutes: deque[tuple[int, int]] = field(
        default_factory=lambda: deque(maxlen=3 * C.NARR_VELOCITY_WINDOW_MIN)
    )
    # [bucket, posts, accounts_cum, reach_cum]: the open (last) row is a list, closed rows tuples
    series: deque[Any] = field(default_factory=lambda: deque(maxlen=C.NARR_SERIES_MAX_BUCKETS))
    tick_posts: int = 0
    tick_accounts: set[str] = field(default_factory=set)
    ewma_mean: float = 0.0
    ewma_var: float = 0.0
    zscore: float = 0.0
    origins: list[OriginCandidate] = field(default_factory=list)
    amplifiers: dict[str, AmpRow] = field(default_factory=dict)  # account -> row (see ``AmpRow``)
    # max contributed_reach over ``amplifiers``, kept by the hot path; -1 = recompute (after a
    # merge, split or prune): the policy stage asks for it for every touched narrative every batch
    top_amp_reach: int = -1
    cascade: list[tuple[str, str]] = field(default_factory=list)
    reps: list[tuple[str, str, int]] = field(default_factory=list)  # (post_id, text, reach)
    reps_min_reach: int = -1
    embedding: Any = None  # np.ndarray centroid of embedded representative texts
    embedded_at_posts: int = 0
    coordination: float = 0.0
    veracity: float = 0.0
    veracity_at_posts: int = 0
    last_tick: int = 0
    last_burst_alert: datetime | None = None
    touched: bool = False
    # The record's derived fields (title, keywords, entities, representatives) depend only on the
    # centroid and the representative pool: ``content_ver`` counts their changes, ``derived_ver`` is
    # the count they were last derived at (-1: stale). A post that joins by parent changes neither,
    # so the policy stage's per-batch ``get`` of a narrative grown only by reposts costs a compare.
    content_ver: int = 0
    derived_ver: int = -1
    text_posts: int = 0  # posts with text features (the denominator of anchor shares)
    anchors: dict[str, int] = field(default_factory=dict)  # name key -> text posts carrying it (capped)

    def compact(self) -> None:
        """Shrink a dormant narrative's bounded-but-large pools (see ``NARR_COMPACT_*``)."""
        if not self.accounts.approximate and len(self.accounts) > C.NARR_COMPACT_ACCOUNTS:
            self.accounts.sketch()
        if len(self.amplifiers) > C.NARR_COMPACT_AMPLIFIERS:
            by_own = sorted(self.amplifiers.values(), key=lambda a: -a[AMP_REACH])
            by_down = sorted(self.amplifiers.values(), key=lambda a: -a[AMP_DOWNSTREAM])
            half = C.NARR_COMPACT_AMPLIFIERS // 2
            keep = {a[0]: a for a in (*by_own[:half], *by_down[:half])}
            self.amplifiers = keep
            self.top_amp_reach = -1
        if len(self.cascade) > C.NARR_COMPACT_CASCADE_EDGES:
            self.cascade = self.cascade[: C.NARR_COMPACT_CASCADE_EDGES]
        self.tick_accounts.clear()

    def add_names(self, keys: tuple[str, ...]) -> None:
        """Count the name keys of one text post; keeps the 16 most frequent when past 32 keys."""
        a = self.anchors
        for k in keys:
            a[k] = a.get(k, 0) + 1
        if len(a) > 32:
            self.anchors = dict(sorted(a.items(), key=lambda kv: -kv[1])[:16])

    # -------------------------------------------------------------- updates
    def add_series(self, bucket: int, reach: int) -> None:
        """Count one post in its chart bucket. The cumulative columns of the open (last) bucket are
        written when the next bucket opens and read live by :meth:`series_rows`, not per post."""
        s = self.series
        if s and s[-1][0] == bucket:
            s[-1][1] += 1
        else:
            if s:
                self.close_series_row()
                s[-1] = tuple(s[-1])  # closed for good (a late post opens a new row)
            s.append([bucket, 1, 0, 0])

    def close_series_row(self) -> None:
        """Write the cumulative accounts / reach into the last bucket (as of now)."""
        if self.series:
            row = self.series[-1]
            row[2] = len(self.accounts)
            row[3] = self.nar.reach_total

    def series_rows(self) -> list[list[Any]]:
        """The chart buckets with the open bucket's cumulative columns filled in."""
        self.close_series_row()
        return [list(r) for r in self.series]

    def add_centroid(self, weights: dict[str, float]) -> None:
        """Running sum of post vectors, pruned to the ``NARR_CENTROID_TERMS`` heaviest terms."""
        c = self.centroid
        n2 = self.cnorm2
        for t, w in weights.items():
            old = c.get(t, 0.0)
            new = old + w
            c[t] = new
            n2 += new * new - old * old
        self.cnorm2 = n2
        self.centroid_docs += 1
        self.content_ver += 1
        if len(c) > 2 * C.NARR_CENTROID_TERMS:
            self.prune_centroid()

    def prune_centroid(self) -> None:
        """Keep the heaviest ``NARR_CENTROID_TERMS`` terms and recompute the squared norm."""
        c = self.centroid
        if len(c) > C.NARR_CENTROID_TERMS:
            c = dict(sorted(c.items(), key=lambda kv: -kv[1])[: C.NARR_CENTROID_TERMS])
            self.centroid = c
        self.cnorm2 = sum(v * v for v in c.values())
        self.content_ver += 1

    def decay_to(self, tick_index: int, alpha: float) -> None:
        """Apply the EWMA updates of the silent ticks (x = 0) since this narrative last had posts."""
        gap = tick_index - self.last_tick - 1
        if gap > 0 and self.last_tick:
            f = (1.0 - alpha) ** gap
            self.ewma_mean *= f
            self.ewma_var *= f
        self.last_tick = tick_index

    def velocity(self, minute_now: int) -> tuple[float, float]:
        """(posts/min over the last window, change vs the window before)."""
        w = C.NARR_VELOCITY_WINDOW_MIN
        cur = prev = 0
        # rows are minutes, newest last; ages are compared as minute bounds (integers, exact)
        lo_cur = minute_now - w  # cur: lo_cur < m <= minute_now; prev: lo_prev < m <= lo_cur
        lo_prev = lo_cur - w
        for m, n in self.minutes:
            if m > lo_cur:
                if m <= minute_now:
                    cur += n
            elif m > lo_prev:
                prev += n
        return cur / w, (cur - prev) / w

    def tick(self, alpha: float, beta: float) -> float:
        """Close one evaluation tick: SigniTrend-style EWMA z-score of this narrative's post count."""
        x = float(self.tick_posts)
        diff = x - self.ewma_mean
        self.zscore = diff / (math.sqrt(max(self.ewma_var, 0.0)) + beta)
        incr = alpha * diff
        self.ewma_mean += incr
        self.ewma_var = (1 - alpha) * (self.ewma_var + diff * incr)
        return self.zscore

    def share(self, flag: str) -> float:
        """Shrunk share of posts carrying ``flag`` (see NARR_RISK_PRIOR_POSTS)."""
        return self.flags.get(flag, 0) / (self.nar.posts_total + C.NARR_RISK_PRIOR_POSTS)

    def flag_account_count(self, flag: str) -> int:
        s = self.flag_accounts.get(flag)
        return len(s) if s is not None else 0
