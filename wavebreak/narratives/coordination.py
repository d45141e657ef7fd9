"""Coordinated co-sharing detection (CooRnet / co-tweet style), streaming and bounded.

Method, after Giglietto et al. (CooRnet, "coordinated link sharing behaviour")
and Pacheco et al. ("Uncovering coordinated networks on social media"):

1. Bipartite account x item events, where an item is a normalised text (co-post
   the same words), a URL (co-link) or a reposted post id (co-repost).
2. Two accounts sharing the same item within ``window_s`` seconds of each other
   form a projected account-account edge; its weight is the number of DISTINCT
   items they co-shared that fast.
3. Null of random timing: if the two accounts had shared item ``i`` at independent
   uniform times over its sharing span ``D_i`` (observed span, floored at
   ``null_span_s``), they would land within the window with probability
   ``p_i = min(1, 2 W / D_i)``; for very busy items the empirical rate of fast
   pairs among the item's sharers (``c_i / C(n_i, 2)``) is used when larger, so a
   viral post reposted by thousands a minute does not make its sharers look
   coordinated. Summed over the pair's common items this gives the expected weight;
   an edge is kept when the observed weight has a Poisson tail probability below
   ``alpha`` and at least ``min_repeats`` items.
4. Connected components of kept edges with at least ``min_accounts`` accounts are
   reported with their evidence (items, example times, observed vs expected).

State is bounded: recent sharers per item (the last 64), item statistics (FIFO),
and the edge table (pruned of weight-1 edges when it grows past ``max_edges``); by
event time too, items and pairs idle for ``NARR_COORD_RETIRE_AFTER_H`` are retired
(:meth:`CoShareDetector.retire`), so a long stream holds only its recent days.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

# Per-item statistics for the random-timing null, one plain tuple per item, replaced on each share:
# (shares seen n, pairs of shares within the window c_i, narrative id, first t, last t, recent
# shares). ``recent`` is a tuple of the last ``_RECENT`` (t, account) shares, oldest first. Why
# tuples rather than a slots object holding a deque: the table keeps up to ``max_items`` items and
# the stream adds one per few posts; tuples of numbers and strings are untracked by the cyclic
# garbage collector after their first collection, where each object and deque stayed tracked and
# was traversed by every full collection (17k of the stage's 41k long-lived containers per 30k
# posts). Rebuilding a recent tuple costs a copy of at most 64 pointers per share.
_ItemRow = tuple[int, int, "str | None", float, float, tuple[tuple[float, str], ...]]
# field positions (``Final``: literal indexes, so each field keeps its own type when type-checked)
_N: Final = 0
_CLOSE: Final = 1
_NID: Final = 2
_FIRST_T: Final = 3
_LAST_T: Final = 4
_RECENT_SHARES: Final = 5
_RECENT: Final = 64


@dataclass(slots=True)
class _Edge:
    """A pair's co-shares. The evidence (first 16 items and times) is kept in tuples: the edge
    table holds hundreds of thousands of these, and a tuple of strings or floats is untracked by
    the cyclic garbage collector where a list is traversed by every full collection."""

    count: int = 0
    last_t: float = 0.0
    items: tuple[str, ...] = ()
    times: tuple[float, ...] = ()


class CoShareDetector:
    """Streaming co-sharing graph with an analytic label-shuffle null."""

    def __init__(
        self,
        window_s: float,
        min_repeats: int,
        min_accounts: int,
        alpha: float,
        null_span_s: float = 3600.0,
        partners_cap: int = 24,
        max_items: int = 200_000,
        max_edges: int = 300_000,
    ) -> None:
        self.window_s = window_s
        self.min_repeats = min_repeats
        self.min_accounts = min_accounts
        self.alpha = alpha
        self.null_span_s = null_span_s
        self._dirty = False
        self.partners_cap = partners_cap
        self.max_items = max_items
        self.max_edges = max_edges
        # insertion-ordered, FIFO eviction by popitem: O(1), where ``del d[next(iter(d))]`` on a plain
        # dict scans every slot deleted since its last resize (42 us per eviction at 200k items)
        self._items: OrderedDict[str, _ItemRow] = OrderedDict()
        self._edges: dict[tuple[str, str], _Edge] = {}
        # pairs whose weight reached min_repeats: detection reads these, never the whole edge table
        self._strong: set[tuple[str, str]] = set()
        self._clusters: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ streaming
    def observe(self, t: float, account: str, items: list[tuple[str, str | None]]) -> None:
        """Record that ``account`` shared each ``(item_key, narrative_id)`` at ``t`` (seconds).

        Hot path (most posts share an item): the tables and settings are bound to locals.
        """
        w = self.window_s
        item_map = self._items
        edges = self._edges
        cap = self.partners_cap
        for key, nid in items:
            it = item_map.get(key)
            if it is None:
                # first share of an item: nobody to pair with
                item_map[key] = (1, 0, nid, t, t, ((t, account),))
                if len(item_map) > self.max_items:
                    item_map.popitem(last=False)
                continue
            n, close, inid, first_t, _last_t, recent = it
            if nid is not None:
                inid = nid
            share = ((t, account),)
            if t - recent[-1][0] > w:  # no share within the window (the newest is the latest)
                recent = recent[1:] + share if len(recent) >= _RECENT else recent + share
                item_map[key] = (n + 1, close, inid, first_t, t, recent)
                continue
            # the distinct other accounts among the recent shares, newest first (a list: at most
            # ``cap`` of them, and a short scan costs less than building a set per share)
            partners: list[str] = []
            for pt, pa in reversed(recent):
                if t - pt > w:
                    break
                if pa != account and pa not in partners:
                    partners.append(pa)
                    if len(partners) >= cap:
                        break
            recent = recent[1:] + share if len(recent) >= _RECENT else recent + share
            item_map[key] = (n + 1, close + len(partners), inid, first_t, t, recent)
            for pa in partners:
                pair = (account, pa) if account < pa else (pa, account)
                e = edges.get(pair)
                if e is None:
                    e = _Edge()
                    edges[pair] = e
                elif key in e.items:
                    continue
                e.count += 1
                e.last_t = t
                if e.count >= self.min_repeats:
                    self._dirty = True
                    self._strong.add(pair)
                if len(e.items) < 16:
                    e.items += (key,)
                    e.times += (t,)
        if len(edges) > self.max_edges:
            self._prune()

    def _prune(self) -> None:
        """Drop single co-shares first (the bulk of chance pairs), oldest first if still too many."""
        singles = [k for k, e in self._edges.items() if e.count <= 1]
        for k in singles:
            del self._edges[k]
        if len(self._edges) > self.max_edges:
            keep = sorted(self._edges.items(), key=lambda kv: (kv[1].count, kv[1].last_t), reverse=True)
            self._edges = dict(keep[: self.max_edges // 2])
        self._strong = {k for k in self._strong if k in self._edges}

    def retire(self, before: float) -> int:
        """Forget items last shared, and pairs last co-shared fast, before ``before`` (event seconds).

        Why: the item table and the edge table were bounded only by count (``max_items``,
        ``max_edges``), which a long stream fills slowly (a replay grew the edge table by ~170 MB
        over its first million posts); past the retirement age (``NARR_COORD_RETIRE_AFTER_H``) an
        item can no longer pair (its last share is far outside the window) and a pair that has not
        co-shared fast since is no longer an active network. A pair still co-sharing keeps its edge
        and its evidence (``last_t`` moves with it); an edge whose early items were retired counts
        each of them as fully expected under the null (``_expected``), the conservative side.
        Returns how many entries were dropped. One pass over both tables: call it rarely (``NARR_RETIRE_EVERY_H``).
        """
        items = self._items
        old_items = [key for key, it in items.items() if it[_LAST_T] < before]
        for key in old_items:
            del items[key]
        edges = self._edges
        old_edges = [pair for pair, e in edges.items() if e.last_t < before]
        for pair in old_edges:
            del edges[pair]
        if old_edges:
            strong = self._strong
            n = len(strong)
            self._strong = {k for k in strong if k in edges}
            if len(self._strong) != n:
                self._dirty = True
            if len(edges) < len(old_edges):  # the dict keeps its peak size: rebuild it smaller
                self._edges = dict(edges)
        return len(old_items) + len(old_edges)

    # ------------------------------------------------------------------ detection
    def _expected(self, e: _Edge) -> float:
        exp = 0.0
        two_w = 2.0 * self.window_s
        for key in e.items:
            it = self._items.get(key)
            if it is None:
                exp += 1.0  # unknown item: assume the worst (no evidence against chance)
                continue
            n = it[_N]
            p = two_w / max(it[_LAST_T] - it[_FIRST_T], self.null_span_s)
            if n >= 50:  # busy item: its own rate of fast pairs, if higher
                p = max(p, it[_CLOSE] / (n * (n - 1) / 2.0))
            exp += min(1.0, p)
        return exp

    def detect(self) -> list[dict[str, Any]]:
        """Recompute clusters from the current edge table; returns (and caches) them, strongest first."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components
        from scipy.special import pdtrc

        if not self._dirty:
            return self._clusters
        self._dirty = False

        edges = self._edges
        cand = [(k, edges[k]) for k in sorted(self._strong) if k in edges]
        if not cand:
            self._clusters = []
            return []
        obs = np.array([e.count for _, e in cand], dtype=float)
        exp = np.array([self._expected(e) for _, e in cand], dtype=float)
        pval = pdtrc(obs - 1, np.maximum(exp, 1e-9))  # P(X >= obs) for X ~ Poisson(exp)
        keep = pval < self.alpha
        kept = [(cand[i][0], cand[i][1], float(exp[i]), float(pval[i])) for i in np.flatnonzero(keep)]
        if not kept:
            self._clusters = []
            return []
        names = sorted({a for (a, b), *_ in kept} | {b for (a, b), *_ in kept})
        index = {a: i for i, a in enumerate(names)}
        rows = [index[a] for (a, _b), *_ in kept]
        cols = [index[b] for (_a, b), *_ in kept]
        g = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(names), len(names)))
        n_comp, labels = connected_components(g, directed=False)
        clusters: list[dict[str, Any]] = []
        for c in range(n_comp):
            members = [names[i] for i in np.flatnonzero(labels == c)]
            if len(members) < self.min_accounts:
                continue
            mset = set(members)
            cl_edges = [k for k in kept if k[0][0] in mset]
            items: dict[str, int] = {}
            nids: dict[str, int] = {}
            for _pair, e, _x, _p in cl_edges:
                for key in e.items:
                    items[key] = items.get(key, 0) + 1
                    it = self._items.get(key)
                    if it is not None and it[_NID] is not None:
                        nids[it[_NID]] = nids.get(it[_NID], 0) + 1
            o = float(sum(ce.count for _cp, ce, _cx, _cpv in cl_edges))
            x = float(sum(cx for _cp, _ce, cx, _cpv in cl_edges))
            n = len(members)
            density = len(cl_edges) / (n * (n - 1) / 2.0)
            logp = float(np.mean([-np.log10(max(pv, 1e-300)) for _cp, _ce, _cx, pv in cl_edges]))
            score = float(min(1.0, density * min(1.0, logp / 10.0) + 0.2 * min(1.0, n / 20.0)))
            top_items = sorted(items.items(), key=lambda kv: -kv[1])[:10]
            clusters.append(
                {
                    "accounts": sorted(members),
                    "size": n,
                    "score": round(score, 4),
                    "edges": len(cl_edges),
                    "density": round(density, 4),
                    "co_shares_observed": int(o),
                    "co_shares_expected_random_timing": round(x, 4),
                    "mean_neg_log10_p": round(logp, 2),
                    "window_s": self.window_s,
                    "narratives": sorted(nids, key=lambda k: -nids[k]),
                    "evidence": [
                        {
                            "item": k,
                            "kind": {"t": "same_text", "u": "same_url", "r": "same_repost"}.get(k[0], "?"),
                            "co_shared_pairs": v,
                        }
                        for k, v in top_items
                    ],
                }
            )
        clusters.sort(key=lambda c: (-c["score"], -c["size"]))
        for i, cl in enumerate(clusters):
            cl["id"] = f"coord-{i + 1}"
        self._clusters = clusters
        return clusters

    @property
    def clusters(self) -> list[dict[str, Any]]:
        """The clusters found by the last :meth:`detect` call."""
        return self._clusters

    def __len__(self) -> int:
        return len(self._edges)
