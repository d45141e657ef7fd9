"""Storage: one interface (:class:`~wavebreak.storage.base.Storage`), SQLite by default, PostgreSQL by URL.

``open_storage`` is the only constructor other code should call; it migrates the
schema to head on open. SQLAlchemy is imported lazily so that importing this
package (e.g. for ``wavebreak --help``) stays instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wavebreak.storage.base import Storage
    from wavebreak.storage.sql import SqlStorage

DEFAULT_DB = "wavebreak.db"
"""File used when no URL is given (relative to the working directory)."""


def open_storage(url: str | Path | None = None, *, migrate: bool = True) -> Storage:
    """Open (and migrate to head) a store.

    - ``None`` → SQLite file ``./wavebreak.db``; a path (``run.db``, ``/data/x.sqlite``) → that SQLite file;
    - ``"sqlite://"`` → in-memory SQLite (tests);
    - ``"postgresql://user@host:5432/db"`` (or ``postgres://``) → PostgreSQL through psycopg 3.
    """
    from wavebreak.storage.sql import SqlStorage

    return SqlStorage(DEFAULT_DB if url is None else url, migrate=migrate)


def open_sql_storage(url: str | Path | None = None, *, migrate: bool = True) -> SqlStorage:
    """Same as :func:`open_storage`, typed as the concrete class (anchors, counts, head)."""
    from wavebreak.storage.sql import SqlStorage

    return SqlStorage(DEFAULT_DB if url is None else url, migrate=migrate)


__all__ = ["DEFAULT_DB", "open_sql_storage", "open_storage"]
