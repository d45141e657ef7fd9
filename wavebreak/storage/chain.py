"""The hash chain of the moderation event log: ids and hashes, nothing else.

The format is deliberately simple so that anyone can re-verify a published log
with a few lines of any language::

    hash = sha256(canonical_json({"seq", "id", "kind", "at", "subject", "actor",
                                  "payload", "prev_hash"})).hexdigest()

where canonical JSON has sorted keys, no whitespace, UTF-8 (non-ASCII unescaped),
``at`` is ISO 8601 UTC with a ``Z`` suffix and the first event's ``prev_hash`` is
64 zeros (:data:`GENESIS_HASH`). ``recorded_at`` (wall clock at append) is stored but
not hashed: it describes the append, not the event.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime
from typing import Any

from wavebreak.decisions.serde import canonical_json, dt_to_iso
from wavebreak.storage.schema import GENESIS_HASH

__all__ = ["GENESIS_HASH", "event_hash", "new_event_id"]


def event_hash(
    seq: int,
    event_id: str,
    kind: str,
    at: datetime,
    subject: str,
    actor: str,
    payload: Any,
    prev_hash: str,
) -> str:
    """sha256 hex digest of the canonical JSON of one event's hashed fields."""
    material = canonical_json(
        {
            "seq": seq,
            "id": event_id,
            "kind": kind,
            "at": dt_to_iso(at),
            "subject": subject,
            "actor": actor,
            "payload": payload,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def new_event_id() -> str:
    """A UUIDv7-layout id (48-bit ms timestamp + 74 random bits) as 32 hex chars.

    Why time-ordered: ids sort roughly by creation, which keeps the unique index on
    ``events.id`` append-friendly and makes exported logs readable. Python 3.11 has no
    ``uuid.uuid7``, hence this small helper.
    """
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 6 & ((1 << 12) - 1)) << 64
    value |= 0b10 << 62 | rand & ((1 << 62) - 1)
    return f"{value:032x}"
