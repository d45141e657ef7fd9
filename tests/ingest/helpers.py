"""Shared helpers for ingest tests: write sample files, collect records by type."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from wavebreak.core.records import Account, Deletion, Post, Quarantined
from wavebreak.ingest import read_records


def write_jsonl(path: Path, items: Iterable[Any]) -> Path:
    """Dicts are dumped as JSON lines; bytes/str items are written verbatim (for broken lines)."""
    with open(path, "wb") as fh:
        for item in items:
            if isinstance(item, bytes):
                fh.write(item + b"\n")
            elif isinstance(item, str):
                fh.write(item.encode() + b"\n")
            else:
                fh.write(orjson.dumps(item) + b"\n")
    return path


def read_all(path: Any, fmt: str, **kw: Any) -> tuple[dict[str, list[Any]], dict[str, int]]:
    stats: dict[str, int] = {}
    out: dict[str, list[Any]] = {"posts": [], "accounts": [], "deletions": [], "quarantined": []}
    for rec in read_records(path, fmt, stats=stats, **kw):
        key = {Post: "posts", Account: "accounts", Deletion: "deletions", Quarantined: "quarantined"}[
            type(rec)
        ]
        out[key].append(rec)
    return out, stats


def post_fields(p: Post) -> dict[str, Any]:
    """A post's content, without what depends on where it was read (raw, position)."""
    return {k: getattr(p, k) for k in p.__slots__ if k not in ("raw", "position")}
