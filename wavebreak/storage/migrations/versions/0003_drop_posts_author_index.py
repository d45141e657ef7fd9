"""Drop ``ix_posts_author_id``: an index nothing reads, written on every post.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Why: no query selects posts by author (the gate, reports, the API and the review desk look posts
up by id, by narrative or by text), yet every inserted post wrote a random entry into this index.
With one commit per batch, a random index insert dirties about one 4 KiB page per post, written to
the WAL and again at checkpoint: on a 200k-post Jetstream replay the index cost 560 MB of the
1,537 MB written to disk (measured with ``/proc/self/io``, posts table alone, batches of 2,048)
and about a third of the insert CPU. A deployment that wants posts by account can create it again
(``CREATE INDEX ix_posts_author_id ON posts (author_id)``); downgrading to 0002 does.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_posts_author_id", table_name="posts")


def downgrade() -> None:
    op.create_index("ix_posts_author_id", "posts", ["author_id"])
