"""Follower graphs for the diffusion simulator.

Two ways to get one, both returning a :class:`FollowerGraph` whose CSR rows are the
*followed* account and whose columns are its followers (so "who sees u's post"
is one slice, ``indices[indptr[u]:indptr[u + 1]]``):

- :func:`follower_graph`: a Chung-Lu style configuration model over the
  scenario's accounts. Each account's in-degree is its real follower count
  scaled down so the graph has a chosen mean degree (capped at a share of the
  graph: a 2.8M-follower account cannot be followed by more agents than
  exist); followers are drawn by their own "following" activity, with language
  homophily (French-language accounts are mostly followed by French speakers).
  Why this model: it reproduces the heavy-tailed in-degree that makes a few
  accounts decisive (the megaphone), is vectorised, and is deterministic by seed.
- :func:`graph_from_posts`: the observed reply/repost/quote structure of a real
  stream (``child author`` follows ``parent author``), for replaying a real
  event's topology instead of a synthetic one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from wavebreak.core import constants as C
from wavebreak.core.records import Post


@dataclass(slots=True)
class FollowerGraph:
    """``adj[u, v] == 1`` when agent ``v`` follows agent ``u`` (CSR over followed accounts)."""

    adj: sp.csr_matrix
    account_ids: list[str]

    @property
    def n(self) -> int:
        return self.adj.shape[0]

    def in_degree(self) -> np.ndarray:
        """Followers per agent inside the graph."""
        return np.diff(self.adj.indptr)

    def followers(self, u: int) -> np.ndarray:
        return self.adj.indices[self.adj.indptr[u] : self.adj.indptr[u + 1]]

    def followers_of(self, sharers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All followers of many sharers at once: (follower agent, index of its sharer in ``sharers``).

        Vectorised gather over CSR slices (no Python loop over sharers).
        """
        indptr = self.adj.indptr
        starts = indptr[sharers]
        counts = indptr[sharers + 1] - starts
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        owner = np.repeat(np.arange(len(sharers)), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        return self.adj.indices[starts[owner] + offsets].astype(np.int64), owner


def _degree_scale(followers: np.ndarray, target_edges: float, cap: float) -> float:
    """Find k such that sum(min(cap, followers * k)) == target_edges (bisection on a monotone sum)."""
    lo, hi = 0.0, 1.0
    while np.minimum(cap, followers * hi).sum() < target_edges and hi < 1e9:
        hi *= 2.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if np.minimum(cap, followers * mid).sum() < target_edges:
            lo = mid
        else:
            hi = mid
    return hi


def follower_graph(
    account_ids: Sequence[str],
    followers: np.ndarray,
    following: np.ndarray,
    french: np.ndarray,
    *,
    seed: int,
    mean_degree: float = C.SIM_MEAN_DEGREE,
    cap_share: float = C.SIM_DEGREE_CAP_SHARE,
    homophily: float = C.SIM_LANG_HOMOPHILY,
) -> FollowerGraph:
    """Configuration-model follower graph with in-degrees proportional to real follower counts.

    ``followers``/``following`` are the accounts' real counts, ``french`` marks
    French-language accounts. Deterministic for a given seed and inputs.
    """
    n = len(account_ids)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x6F11]))
    f = np.maximum(np.asarray(followers, dtype=np.float64), 0.0)
    cap = max(1.0, cap_share * n)
    k = _degree_scale(f, mean_degree * n, cap)
    expected = np.minimum(cap, f * k)
    # stochastic rounding keeps small accounts' expected degree instead of truncating it to zero
    deg = np.floor(expected).astype(np.int64)
    deg += (rng.random(n) < (expected - deg)).astype(np.int64)
    fr = np.asarray(french, dtype=bool)
    w = np.log1p(np.maximum(np.asarray(following, dtype=np.float64), 0.0)) + 1.0
    pools = {True: np.flatnonzero(fr), False: np.flatnonzero(~fr)}
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for lang in (False, True):
        owners = np.flatnonzero(fr == lang)
        if len(owners) == 0:
            continue
        owner_of_edge = np.repeat(owners, deg[owners])
        same = rng.random(len(owner_of_edge)) < homophily
        out = np.empty(len(owner_of_edge), dtype=np.int64)
        for want_same in (True, False):
            pool = pools[lang if want_same else not lang]
            mask = same == want_same
            if len(pool) == 0:
                pool = np.arange(n)
            p = w[pool] / w[pool].sum()
            out[mask] = rng.choice(pool, size=int(mask.sum()), p=p)
        rows.append(owner_of_edge)
        cols.append(out)
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    keep = r != c
    return FollowerGraph(_binary_csr(r[keep], c[keep], n), list(account_ids))


def graph_from_posts(posts: Iterable[Post], account_ids: Sequence[str] | None = None) -> FollowerGraph:
    """Follower graph observed in a real stream: whoever replies to, reposts or quotes an author follows them.

    Why this is a fair proxy: on X and Bluesky most reposts come from followers'
    timelines, so the propagation structure is a sample of the follow graph that
    carried the event. Accounts that never interacted are isolated nodes.
    """
    posts = list(posts)
    ids: dict[str, int] = {a: i for i, a in enumerate(account_ids or [])}
    author_of: dict[str, str] = {}
    for p in posts:
        author_of[p.id] = p.author_id
        ids.setdefault(p.author_id, len(ids))
    rows: list[int] = []
    cols: list[int] = []
    for p in posts:
        parent = p.parent_id
        if parent is None or parent not in author_of:
            continue
        src, dst = ids[author_of[parent]], ids[p.author_id]
        if src != dst:
            rows.append(src)
            cols.append(dst)
    n = len(ids)
    order = sorted(ids, key=ids.__getitem__)
    return FollowerGraph(
        _binary_csr(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), n), order
    )


def _binary_csr(rows: np.ndarray, cols: np.ndarray, n: int) -> sp.csr_matrix:
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    m.sum_duplicates()
    m.data[:] = 1
    m.sort_indices()
    return m
