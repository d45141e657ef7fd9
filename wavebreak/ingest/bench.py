"""Ingest throughput: ``read_records`` lines/s against plain ``orjson.loads`` on the same file.

Why this ratio: ``orjson.loads`` of every line is the floor any JSON ingest
pays; the ratio shows what the adapter itself (routing, dates, ids, record
construction, quarantine bookkeeping) costs on top. Target: adapter rate at
least 40 % of the raw loads rate on Jetstream, the hot format.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

_WORDS = [
    "breaking",
    "news",
    "police",
    "confirm",
    "attack",
    "town",
    "centre",
    "suspect",
    "arrested",
    "children",
    "hospital",
    "vigil",
    "community",
    "reports",
    "say",
    "rumours",
    "online",
    "share",
    "please",
    "stay",
    "safe",
    "statement",
    "tonight",
    "update",
    "witnesses",
    "scene",
    "local",
    "mosque",
    "church",
    "school",
    "road",
    "closed",
    "officers",
    "appeal",
    "information",
]

# Collection mix of the public firehose (order of magnitude, 2024): likes dominate, posts ~15 %.
_MIX = (
    ("app.bsky.feed.like", 0.50),
    ("app.bsky.feed.post", 0.18),
    ("app.bsky.graph.follow", 0.14),
    ("app.bsky.feed.repost", 0.10),
    ("delete", 0.03),
    ("identity", 0.01),
    ("app.bsky.graph.block", 0.04),
)


def _did(rng: random.Random) -> str:
    return "did:plc:" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(24))


def _rkey(rng: random.Random) -> str:
    return "3l" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz234567") for _ in range(11))


def synthetic_jetstream(n: int, seed: int = 7, posts_only: bool = False) -> Iterator[dict[str, Any]]:
    """Real-shaped Jetstream v1 events (posts with facets, replies, quotes, images; likes, follows...)."""
    rng = random.Random(seed)
    dids = [_did(rng) for _ in range(500)]
    uris: list[str] = []
    t = 1_722_265_200_000_000  # 2024-07-29T15:00Z
    colls = [c for c, _ in _MIX]
    weights = [w for _, w in _MIX]
    for _ in range(n):
        t += rng.randint(100, 5_000)
        did = rng.choice(dids)
        kind = "app.bsky.feed.post" if posts_only else rng.choices(colls, weights)[0]
        base: dict[str, Any] = {"did": did, "time_us": t}
        if kind == "identity":
            yield base | {
                "kind": "identity",
                "identity": {
                    "did": did,
                    "handle": f"user{rng.randint(1, 10**6)}.bsky.social",
                    "seq": t,
                    "time": "2024-07-29T15:00:00Z",
                },
            }
            continue
        rkey = _rkey(rng)
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t / 1e6)) + ".000Z"
        commit: dict[str, Any] = {
            "rev": _rkey(rng),
            "operation": "create",
            "collection": kind,
            "rkey": rkey,
            "cid": "bafyrei" + _rkey(rng) * 3,
        }
        if kind == "delete":
            commit |= {"operation": "delete", "collection": "app.bsky.feed.post"}
            commit.pop("cid")
        elif kind == "app.bsky.feed.post":
            words = rng.choices(_WORDS, k=rng.randint(5, 40))
            rec: dict[str, Any] = {
                "$type": kind,
                "text": " ".join(words),
                "createdAt": created,
                "langs": ["en"],
            }
            if uris and rng.random() < 0.35:
                parent = {"uri": rng.choice(uris), "cid": "bafyrei" + _rkey(rng)}
                rec["reply"] = {"root": parent, "parent": parent}
            r = rng.random()
            if uris and r < 0.08:
                rec["embed"] = {
                    "$type": "app.bsky.embed.record",
                    "record": {"uri": rng.choice(uris), "cid": "x"},
                }
            elif r < 0.2:
                rec["embed"] = {
                    "$type": "app.bsky.embed.images",
                    "images": [
                        {
                            "alt": "",
                            "image": {
                                "$type": "blob",
                                "ref": {"$link": "bafkrei" + _rkey(rng)},
                                "mimeType": "image/jpeg",
                                "size": 123456,
                            },
                        }
                    ],
                }
            if rng.random() < 0.2:
                rec["facets"] = [
                    {
                        "index": {"byteStart": 0, "byteEnd": 8},
                        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "southport"}],
                    }
                ]
            commit["record"] = rec
            uris.append(f"at://{did}/app.bsky.feed.post/{rkey}")
            if len(uris) > 1000:
                del uris[:500]
        else:
            subject: Any = {
                "uri": rng.choice(uris) if uris else f"at://{did}/app.bsky.feed.post/x",
                "cid": "y",
            }
            if kind.startswith("app.bsky.graph"):
                subject = rng.choice(dids)
            commit["record"] = {"$type": kind, "subject": subject, "createdAt": created}
        yield base | {"kind": "commit", "commit": commit}


def write_synthetic(path: Path, n: int, seed: int = 7, posts_only: bool = False) -> Path:
    with open(path, "wb") as fh:
        for ev in synthetic_jetstream(n, seed, posts_only):
            fh.write(orjson.dumps(ev) + b"\n")
    return path


def bench_file(path: str | Path, fmt: str = "jetstream", repeat: int = 3) -> dict[str, Any]:
    """Best-of-``repeat`` lines/s for raw ``orjson.loads`` and for ``read_records`` on ``path``."""
    from wavebreak.ingest import read_records

    with open(path, "rb") as fh:
        lines = sum(1 for _ in fh)
    raw_best = adapter_best = float("inf")
    stats: dict[str, int] = {}
    for _ in range(repeat):
        t0 = time.process_time()
        with open(path, "rb") as fh:
            for line in fh:
                orjson.loads(line)
        raw_best = min(raw_best, time.process_time() - t0)
        stats = {}
        t0 = time.process_time()
        for _rec in read_records(path, fmt, stats=stats):
            pass
        adapter_best = min(adapter_best, time.process_time() - t0)
    raw_rate = lines / raw_best
    adapter_rate = lines / adapter_best
    return {
        "format": fmt,
        "lines": lines,
        "raw_loads_lines_per_s": round(raw_rate),
        "adapter_lines_per_s": round(adapter_rate),
        "ratio": round(adapter_rate / raw_rate, 3),
        "stats": stats,
    }


def bench_jetstream(n: int = 100_000, workdir: Path | None = None) -> dict[str, Any]:
    """Bench on synthetic firehose mixes: realistic (likes dominate) and posts-only (worst case)."""
    import tempfile

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        for name, posts_only in (("firehose_mix", False), ("posts_only", True)):
            path = write_synthetic(Path(tmp) / f"{name}.jsonl", n, posts_only=posts_only)
            out[name] = bench_file(path, "jetstream")
    return out


if __name__ == "__main__":  # python -m wavebreak.ingest.bench [n]
    import sys

    print(orjson.dumps(bench_jetstream(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)).decode())
