"""Gate latency benchmark: 100-item ``decide`` calls against a SQLite store (API target p99 < 10 ms).

Synthetic but shaped like the demo: posts spread over narratives, a few percent
with post decisions, some narratives and accounts decided, one legal hold.
``cold`` calls see every item for the first time (one batched post lookup and
one batched decision lookup per call); ``warm`` calls repeat items within the
cache TTL (memory only).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from wavebreak.core.records import (
    Account,
    Action,
    Decision,
    Grounds,
    LegalHold,
    Narrative,
    Post,
    Surface,
)
from wavebreak.policy.gate import Gate
from wavebreak.policy.holds import HoldRegistry


def bench_gate(n_posts: int = 20_000, calls: int = 200, batch: int = 100, seed: int = 7) -> dict[str, Any]:
    from wavebreak.storage import open_storage

    rnd = random.Random(seed)
    t0 = datetime(2024, 7, 29, 12, tzinfo=UTC)
    st = open_storage("sqlite://")
    accounts = [Account(f"demo:u{i}", "demo", followers=rnd.randint(1, 10**6)) for i in range(n_posts // 10)]
    st.add_accounts(accounts)
    posts = [
        Post(
            f"demo:{i}",
            "demo",
            accounts[rnd.randrange(len(accounts))].id,
            t0 + timedelta(seconds=i),
            text="the attacker was axel rudakubana" if i % 500 == 0 else f"post number {i} about the day",
        )
        for i in range(n_posts)
    ]
    st.add_posts(posts)
    nids = [f"n{i}" for i in range(200)]
    st.upsert_narratives([Narrative(n, n, t0, t0, risk=rnd.random()) for n in nids])
    st.set_post_narratives([(p.id, nids[i % len(nids)]) for i, p in enumerate(posts) if i % 3 == 0])
    g = Grounds("bench")
    decs = [
        Decision(f"d-n{i}", t0, "narrative", n, {Surface.TRENDS: Action.EXCLUDE}, "r", g, narrative_id=n)
        for i, n in enumerate(nids[:20])
    ]
    decs += [
        Decision(f"d-p{i}", t0, "post", p.id, {Surface.RECOMMENDATIONS: Action.DEMOTE}, "r", g)
        for i, p in enumerate(posts)
        if i % 25 == 0
    ]
    decs += [
        Decision(f"d-a{i}", t0, "account", a.id, {Surface.SEARCH: Action.DEMOTE}, "r", g)
        for i, a in enumerate(accounts[:50])
    ]
    st.put_decisions(decs)
    holds = HoldRegistry([LegalHold("h1", "order", ("Axel Rudakubana",), ("GB",), "s.45", t0)])
    gate = Gate(st, holds, ttl=3600)
    ids = [p.id for p in posts]
    gate.decide(Surface.TRENDS, "GB", ids[:batch], at=t0)  # narrative index build, not timed
    cold, warm = [], []
    order = ids[batch:]
    rnd.shuffle(order)
    for c in range(calls):
        chunk = order[c * batch : (c + 1) * batch]
        if len(chunk) < batch:
            break
        t = time.perf_counter()
        gate.decide(Surface.RECOMMENDATIONS, "GB", chunk, at=t0)
        cold.append(time.perf_counter() - t)
        t = time.perf_counter()
        gate.decide(Surface.TRENDS, "FR", chunk, at=t0)
        warm.append(time.perf_counter() - t)
    st.close()

    def q(xs: list[float]) -> dict[str, float]:
        a = np.asarray(xs) * 1000
        return {
            "p50_ms": round(float(np.percentile(a, 50)), 3),
            "p99_ms": round(float(np.percentile(a, 99)), 3),
        }

    return {
        "posts": n_posts,
        "batch": batch,
        "calls": len(cold),
        "cold": q(cold),
        "warm": q(warm),
        "decisions": len(decs),
        "backend": "sqlite in-memory",
    }
