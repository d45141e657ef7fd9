"""Every tunable threshold in one place (Community Notes style).

Why one module: a policy owner or auditor must be able to read every number
that changes what Wavebreak does without hunting through code. Each name says
what it bounds; each comment says why it has its value. Policy packs may
override the *policy* thresholds per rule; these are the engine's defaults.

Sections are owned by the stage of the same name; add new names to your own
section only.
"""

from __future__ import annotations

# ----------------------------------------------------------------- pipeline
BATCH_SIZE = 2048
"""Posts per micro-batch: big enough to amortise per-batch costs (vectorised
signals, one DB transaction), small enough that stream-time latency stays
well under a minute at demo rates."""

ACCOUNT_CACHE_SIZE = 500_000
"""Latest account snapshots kept in memory (LRU); bounds memory on long replays."""

# ----------------------------------------------------------------- ingest
MAX_LINE_BYTES = 4 * 1024 * 1024
"""A single source line above this is quarantined rather than parsed (a 4 MiB
JSON line is never a real post; it is a DoS or a corrupt file)."""

MAX_TEXT_CHARS = 100_000
"""Texts longer than this are truncated (and flagged) at ingest: real platforms
cap posts far below this; the raw record still holds the original."""

# ----------------------------------------------------------------- signals

# ----------------------------------------------------------------- narratives

# ----------------------------------------------------------------- policy

# ----------------------------------------------------------------- review

# ----------------------------------------------------------------- transparency

# ----------------------------------------------------------------- simulate
