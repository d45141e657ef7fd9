"""Post edits: ``posts.edited_at``, the time of the version a row holds (NULL for the original).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Mastodon's ``status.update`` carries a new version of a published post; the row keeps the
latest version's text and raw record, and this column says which version that is, so an
older version replayed late never overwrites a newer one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("edited_at")
