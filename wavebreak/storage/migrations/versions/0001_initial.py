"""Initial schema: content, narratives, signals, the hash-chained event log, anchors, decisions.

Revision ID: 0001
Revises:
Create Date: 2024-07-29

Written out explicitly (not ``metadata.create_all``) so that later changes to
``schema.py`` never silently rewrite history: each later change gets its own revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _bigid() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("handle", sa.String(255), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", _ts(), nullable=True),
        sa.Column("followers", sa.BigInteger, nullable=False),
        sa.Column("following", sa.BigInteger, nullable=False),
        sa.Column("posts_count", sa.BigInteger, nullable=False),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("deleted_at", _ts(), nullable=True),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("author_id", sa.String(255), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.String(16), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reply_to", sa.String(255), nullable=True),
        sa.Column("repost_of", sa.String(255), nullable=True),
        sa.Column("quote_of", sa.String(255), nullable=True),
        sa.Column("urls", sa.Text, nullable=True),
        sa.Column("mentions", sa.Text, nullable=True),
        sa.Column("hashtags", sa.Text, nullable=True),
        sa.Column("media_hashes", sa.Text, nullable=True),
        sa.Column("views", sa.BigInteger, nullable=False),
        sa.Column("likes", sa.BigInteger, nullable=False),
        sa.Column("reposts", sa.BigInteger, nullable=False),
        sa.Column("replies", sa.BigInteger, nullable=False),
        sa.Column("quotes", sa.BigInteger, nullable=False),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("raw", sa.Text, nullable=True),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("line", sa.BigInteger, nullable=True),
        sa.Column("deleted_at", _ts(), nullable=True),
    )
    op.create_index("ix_posts_author_id", "posts", ["author_id"])
    op.create_table(
        "signals",
        sa.Column("post_id", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("label", sa.String(255), nullable=True),
        sa.Column("model", sa.String(255), nullable=False),
        sa.Column("explanation", sa.Text, nullable=True),
        sa.Column("data", sa.Text, nullable=True),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", _bigid(), primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("line", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("format", sa.String(64), nullable=False),
        sa.Column("at", _ts(), nullable=False),
    )
    op.create_index("ix_quarantine_reason", "quarantine", ["reason"])
    op.create_table(
        "narratives",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("risk", sa.Float, nullable=False),
        sa.Column("first_seen", _ts(), nullable=False),
        sa.Column("last_seen", _ts(), nullable=False),
        sa.Column("alerted_at", _ts(), nullable=True),
        sa.Column("posts_total", sa.BigInteger, nullable=False),
        sa.Column("accounts_total", sa.BigInteger, nullable=False),
        sa.Column("reach_total", sa.BigInteger, nullable=False),
        sa.Column("merged_into", sa.String(255), nullable=True),
        sa.Column("json", sa.Text, nullable=False),
    )
    op.create_index("ix_narratives_risk", "narratives", ["risk"])
    op.create_table(
        "narrative_points",
        sa.Column("id", _bigid(), primary_key=True, autoincrement=True),
        sa.Column("narrative_id", sa.String(255), nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("posts", sa.BigInteger, nullable=False),
        sa.Column("accounts", sa.BigInteger, nullable=False),
        sa.Column("reach", sa.BigInteger, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_narrative_points_narrative_at", "narrative_points", ["narrative_id", "at"])
    op.create_table(
        "post_narratives",
        sa.Column("post_id", sa.String(255), primary_key=True),
        sa.Column("narrative_id", sa.String(255), nullable=False),
    )
    op.create_index("ix_post_narratives_narrative_id", "post_narratives", ["narrative_id"])
    op.create_table(
        "events",
        sa.Column("seq", _bigid(), primary_key=True, autoincrement=False),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("recorded_at", _ts(), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_events_kind", "events", ["kind"])
    op.create_index("ix_events_subject", "events", ["subject"])
    head = op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])
    op.create_table(
        "anchors",
        sa.Column("seq", _bigid(), primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", _ts(), nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("target_kind", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(255), nullable=False),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("expires_at", _ts(), nullable=True),
        sa.Column("revoked_at", _ts(), nullable=True),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("rule_id", sa.String(255), nullable=False),
        sa.Column("narrative_id", sa.String(255), nullable=True),
        sa.Column("json", sa.Text, nullable=False),
    )
    op.create_index("ix_decisions_target_id", "decisions", ["target_id"])
    op.create_index("ix_decisions_narrative_id", "decisions", ["narrative_id"])


def downgrade() -> None:
    for table in (
        "decisions",
        "anchors",
        "chain_head",
        "events",
        "post_narratives",
        "narrative_points",
        "narratives",
        "quarantine",
        "signals",
        "posts",
        "accounts",
    ):
        op.drop_table(table)
