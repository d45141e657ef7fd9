"""The one relational schema, shared by SQLite and PostgreSQL (SQLAlchemy Core).

Why Core tables and not ORM classes: the pipeline writes tens of thousands of
posts per second in ``executemany`` batches; ORM unit-of-work bookkeeping would
cost more than the insert itself. Why ``Text`` for JSON columns: the event log
hashes the exact bytes it stores, and a text column round-trips them on both
backends (PostgreSQL ``jsonb`` would re-order keys and re-format numbers).
Every datetime is stored as UTC and read back timezone-aware (:class:`UtcDateTime`).

This module describes *head*; the Alembic revisions under ``migrations/`` build
it, and ``tests/storage`` checks that the two never drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first event: a fixed, published value so anyone can start verifying."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL stores ``timestamptz``; SQLite has no datetime type, so the value is
    converted to UTC and stored naive in SQLAlchemy's fixed-width text format, which
    sorts and compares lexicographically in time order (``expires_at > :at`` works).
    Naive inputs are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        elif dialect.name != "sqlite":
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


BigId = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit integer keys on PostgreSQL; SQLite's INTEGER is already 64-bit and must be
spelled INTEGER for ``INTEGER PRIMARY KEY`` to alias the rowid (autoincrement)."""

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("platform", String(32), nullable=False),
    Column("handle", String(255), nullable=False, default=""),
    Column("name", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=True),
    Column("followers", BigInteger, nullable=False, default=0),
    Column("following", BigInteger, nullable=False, default=0),
    Column("posts_count", BigInteger, nullable=False, default=0),
    Column("verified", Boolean, nullable=False, default=False),
    Column("kind", String(32), nullable=False, default="unknown"),
    Column("description", Text, nullable=False, default=""),
    Column("url", Text, nullable=False, default=""),
    Column("region", String(64), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("deleted_at", UtcDateTime, nullable=True),
)

posts = Table(
    "posts",
    metadata,
    Column("id", String(255), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("author_id", String(255), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("lang", String(16), nullable=True),
    Column("kind", String(16), nullable=False, default="post"),
    Column("reply_to", String(255), nullable=True),
    Column("repost_of", String(255), nullable=True),
    Column("quote_of", String(255), nullable=True),
    Column("urls", Text, nullable=True),
    Column("mentions", Text, nullable=True),
    Column("hashtags", Text, nullable=True),
    Column("media_hashes", Text, nullable=True),
    Column("views", BigInteger, nullable=False, default=0),
    Column("likes", BigInteger, nullable=False, default=0),
    Column("reposts", BigInteger, nullable=False, default=0),
    Column("replies", BigInteger, nullable=False, default=0),
    Column("quotes", BigInteger, nullable=False, default=0),
    Column("region", String(64), nullable=True),
    Column("raw", Text, nullable=True),
    Column("source", Text, nullable=True),
    Column("line", BigInteger, nullable=True),
    Column("deleted_at", UtcDateTime, nullable=True),
    Column("edited_at", UtcDateTime, nullable=True),
    Column("id_order", BigInteger, nullable=False),
    PrimaryKeyConstraint("id_order", "id", name="pk_posts"),
    # No index on author_id: nothing reads posts by author, and a random-key index costs about one
    # 4 KiB page write per inserted post (migration 0003 dropped it; see there for the figures).
)

signals = Table(
    "signals",
    metadata,
    Column("post_id", String(255), nullable=False),
    Column("name", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("label", String(255), nullable=True),
    Column("model", String(255), nullable=False, default=""),
    Column("explanation", Text, nullable=True),
    Column("data", Text, nullable=True),
    Column("id_order", BigInteger, nullable=False),
    PrimaryKeyConstraint("id_order", "post_id", "name", name="pk_signals"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("line", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("format", String(64), nullable=False, default=""),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_quarantine_reason", "reason"),
)

narratives = Table(
    "narratives",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("title", Text, nullable=False, default=""),
    Column("status", String(32), nullable=False),
    Column("risk", Float, nullable=False, default=0.0),
    Column("first_seen", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    Column("alerted_at", UtcDateTime, nullable=True),
    Column("posts_total", BigInteger, nullable=False, default=0),
    Column("accounts_total", BigInteger, nullable=False, default=0),
    Column("reach_total", BigInteger, nullable=False, default=0),
    Column("merged_into", String(255), nullable=True),
    Column("json", Text, nullable=False),
    Index("ix_narratives_risk", "risk"),
)

narrative_points = Table(
    "narrative_points",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("narrative_id", String(255), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("posts", BigInteger, nullable=False, default=0),
    Column("accounts", BigInteger, nullable=False, default=0),
    Column("reach", BigInteger, nullable=False, default=0),
    Column("data", Text, nullable=False),
    Index("ix_narrative_points_narrative_at", "narrative_id", "at"),
)

post_narratives = Table(
    "post_narratives",
    metadata,
    Column("post_id", String(255), nullable=False),
    Column("narrative_id", String(255), nullable=False),
    Column("id_order", BigInteger, nullable=False),
    PrimaryKeyConstraint("id_order", "post_id", name="pk_post_narratives"),
    Index("ix_post_narratives_narrative_id", "narrative_id"),
)

events = Table(
    "events",
    metadata,
    # seq is assigned by append_events while it holds the chain_head row lock, so the
    # hash (which covers seq) can be computed before the insert; no DB sequence is used.
    Column("seq", BigId, primary_key=True, autoincrement=False),
    Column("id", String(64), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("subject", String(255), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_events_kind", "kind"),
    Index("ix_events_subject", "subject"),
)

chain_head = Table(
    "chain_head",
    metadata,
    # One row (id = 1): the last seq and hash. Writers lock it before appending, which
    # serialises appends on PostgreSQL (row lock) and SQLite (write lock), so two writers
    # can never fork the chain; verify also compares it with the last event (tail cut).
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

anchors = Table(
    "anchors",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("target_kind", String(32), nullable=False),
    Column("target_id", String(255), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("severity", Integer, nullable=False),
    Column("rule_id", String(255), nullable=False),
    Column("narrative_id", String(255), nullable=True),
    Column("json", Text, nullable=False),
    Index("ix_decisions_target_id", "target_id"),
    Index("ix_decisions_narrative_id", "narrative_id"),
)
