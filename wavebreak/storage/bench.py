"""Bulk-insert benchmark of the SQL storage: ``python -m wavebreak.storage.bench --json``.

Measures what the demo does: posts written in pipeline-sized batches (one transaction
each) into a fresh SQLite file (or a PostgreSQL URL), plus decision look-ups as the gate
makes them. Synthetic posts, so the figure is about storage, not parsing.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wavebreak.core import constants as C
from wavebreak.core.records import (
    Action,
    Decision,
    Grounds,
    Post,
    PostKind,
    PublicMetrics,
    SourcePosition,
    Surface,
)


def synthetic_posts(n: int, start: int = 0) -> list[Post]:
    """``n`` realistic-size posts (≈200 chars of text, a raw record, a few tags)."""
    t0 = datetime(2024, 7, 29, 11, 47, tzinfo=UTC)
    out = []
    for i in range(start, start + n):
        out.append(
            Post(
                id=f"demo:{i}",
                platform="demo",
                author_id=f"demo:acct{i % 5000}",
                created_at=t0 + timedelta(milliseconds=50 * i),
                text=f"post number {i} about the Southport incident, sharing what people are saying " * 2,
                lang="en",
                kind=PostKind.REPOST if i % 3 == 0 else PostKind.POST,
                repost_of=f"demo:{i - 1}" if i % 3 == 0 and i else None,
                hashtags=("southport",) if i % 2 else (),
                metrics=PublicMetrics(views=i, likes=i % 100),
                raw=f'{{"id": {i}, "text": "post number {i}"}}',
                position=SourcePosition("bench.jsonl", i + 1),
            )
        )
    return out


def run(url: str | None, n: int, batch: int) -> dict[str, float | int | str]:
    from wavebreak.storage.sql import SqlStorage

    with tempfile.TemporaryDirectory() as tmp:
        store = SqlStorage(url or Path(tmp) / "bench.db")
        posts = synthetic_posts(n)
        t = time.perf_counter()
        for i in range(0, n, batch):
            store.add_posts(posts[i : i + batch])
        insert_s = time.perf_counter() - t
        t0 = posts[0].created_at
        decisions = [
            Decision(
                id=f"d{i}",
                at=t0,
                target_kind="post",
                target_id=f"demo:{i * 7}",
                actions={Surface.TRENDS: Action.EXCLUDE},
                rule_id="bench",
                grounds=Grounds("bench"),
            )
            for i in range(2000)
        ]
        store.put_decisions(decisions)
        ids = [p.id for p in posts[: C.BATCH_SIZE]]
        t = time.perf_counter()
        rounds = 20
        for _ in range(rounds):
            store.decisions_for(ids, t0)
        lookup_s = (time.perf_counter() - t) / rounds
        backend = store.dialect
        store.close()
    return {
        "backend": backend,
        "posts": n,
        "batch": batch,
        "insert_seconds": round(insert_s, 3),
        "posts_per_second": round(n / insert_s),
        "decisions_for_batch_ids": len(ids),
        "decisions_for_ms_per_batch": round(lookup_s * 1000, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", default=None, help="storage URL (default: a fresh SQLite file)")
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=C.BATCH_SIZE)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    result = run(args.url, args.posts, args.batch)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:28} {v}")


if __name__ == "__main__":
    main()
