"""Alembic environment, driven programmatically by :func:`wavebreak.storage.migrate.upgrade`.

Why no alembic.ini: the migrations ship inside the package, so ``pip install
wavebreak`` is enough to create or upgrade a store. The caller passes an open
SQLAlchemy connection in ``config.attributes["connection"]``; offline (SQL
script) mode uses ``sqlalchemy.url`` from the config.
"""

from __future__ import annotations

from alembic import context

from wavebreak.storage.schema import metadata

config = context.config


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
            context.run_migrations()
        engine.dispose()
        return
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables there.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
