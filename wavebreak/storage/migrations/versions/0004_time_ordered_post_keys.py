"""Key the per-post tables on ``(id_order, id)``: new posts land at the right edge of the index.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Why: ``posts``, ``signals`` and ``post_narratives`` were keyed on the post id alone. A Bluesky id
starts with its author's DID, so each new row went to a random place of the key's B-tree: with
one commit per micro-batch, about one 4 KiB page written to the WAL (and again at checkpoint) per
post, growing with the table. ``id_order`` (:func:`wavebreak.core.ids.id_order`) is the time order
every platform already puts in its ids (TID record keys, Snowflakes, Mastodon's ids); leading the
key with it makes inserts append-mostly. Measured on SQLite, batches of 2,048 posts: 27 → 10 µs a
post at 200k posts, 41 → 10 µs at 1M (``docs/architecture.md``, "Storage").

The column is filled in Python (the function is not SQL), walking each table in key order, then
becomes NOT NULL and leads the primary key. Lookups by id compute the same key
(``id_order IN (…) AND id IN (…)``), so nothing reads the tables by id alone any more.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from wavebreak.core.ids import id_order

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (table, post id column, the rest of the old primary key)
    ("posts", "id", ()),
    ("signals", "post_id", ("name",)),
    ("post_narratives", "post_id", ()),
)
_CHUNK = 5_000


def _backfill(bind: Any, table: str, col: str) -> None:
    """Set ``id_order`` on every row, a chunk of distinct post ids at a time, in id order
    (keyset paging on the old key's index: memory stays flat whatever the table's size)."""
    first = sa.text(f"SELECT DISTINCT {col} FROM {table} ORDER BY {col} LIMIT {_CHUNK}")
    after = sa.text(f"SELECT DISTINCT {col} FROM {table} WHERE {col} > :last ORDER BY {col} LIMIT {_CHUNK}")
    update = sa.text(f"UPDATE {table} SET id_order = :k WHERE {col} = :i")
    ids = [r[0] for r in bind.execute(first)]
    while ids:
        bind.execute(update, [{"k": id_order(i), "i": i} for i in ids])
        ids = [r[0] for r in bind.execute(after, {"last": ids[-1]})]


def _rekeyed(bind: Any, table: str, key: list[str]) -> sa.Table:
    """The table as it stands, with ``key`` as its primary key (NOT NULL): what SQLite's batch
    mode copies the rows into. Why not ``create_primary_key`` in the batch: the reflected old key
    columns keep their primary-key flag, and SQLAlchemy refuses to redefine them."""
    old = sa.Table(table, sa.MetaData(), autoload_with=bind)
    cols = [
        sa.Column(c.name, c.type, nullable=c.nullable and c.name not in key, server_default=c.server_default)
        for c in old.columns
    ]
    indexes = [
        sa.Index(ix["name"], *ix["column_names"], unique=bool(ix["unique"]))
        for ix in sa.inspect(bind).get_indexes(table)
    ]
    return sa.Table(table, sa.MetaData(), *cols, sa.PrimaryKeyConstraint(*key, name=f"pk_{table}"), *indexes)


def upgrade() -> None:
    bind = op.get_bind()
    for table, col, rest in _TABLES:
        op.add_column(table, sa.Column("id_order", sa.BigInteger, nullable=True))
        _backfill(bind, table, col)
        key = ["id_order", col, *rest]
        if bind.dialect.name == "sqlite":  # SQLite cannot change a primary key in place: copy the table
            with op.batch_alter_table(table, copy_from=_rekeyed(bind, table, key), recreate="always"):
                pass
        else:
            op.alter_column(table, "id_order", existing_type=sa.BigInteger, nullable=False)
            old = sa.inspect(bind).get_pk_constraint(table)["name"]
            op.drop_constraint(old, table, type_="primary")
            op.create_primary_key(f"pk_{table}", table, key)


def downgrade() -> None:
    bind = op.get_bind()
    for table, col, rest in _TABLES:
        key = [col, *rest]
        if bind.dialect.name == "sqlite":
            with op.batch_alter_table(
                table, copy_from=_rekeyed(bind, table, key), recreate="always"
            ) as batch:
                batch.drop_column("id_order")
        else:
            op.drop_constraint(f"pk_{table}", table, type_="primary")
            op.create_primary_key(f"{table}_pkey", table, key)
            op.drop_column(table, "id_order")
