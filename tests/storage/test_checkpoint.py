"""The SQLite file store checkpoints its WAL from a thread of its own, never inside the writer's commit."""

from __future__ import annotations

import time

from wavebreak.core import constants as C
from wavebreak.storage.sql import SqlStorage

from .conftest import make_post


def _wait_for(cond, seconds: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return cond()


def test_commits_are_checkpointed_in_the_background_and_the_thread_stops(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(C, "STORAGE_SQLITE_CHECKPOINT_SECONDS", 0.0)
    monkeypatch.setattr(C, "STORAGE_SQLITE_CHECKPOINT_IDLE_SECONDS", 0.2)
    store = SqlStorage(tmp_path / "c.db")
    ck = store._checkpointer
    assert ck is not None
    import sqlite3

    def in_main_file() -> int:
        """Posts a connection reading only the main database file sees (immutable=1 ignores the WAL)."""
        ro = sqlite3.connect(f"file:{tmp_path / 'c.db'}?immutable=1", uri=True)
        try:
            return int(ro.execute("SELECT count(*) FROM posts").fetchone()[0])
        except sqlite3.DatabaseError:  # no schema in the file yet, or a page read mid-checkpoint
            return -1
        finally:
            ro.close()

    with store.transaction():
        store.add_posts([make_post(i) for i in range(50)])
    # The WAL is copied into the database file by the thread, not by the commit (50 posts are far
    # below the writer's autocheckpoint backstop). Polled, not read once after the first checkpoint:
    # the migration's commit already kicked one, which may have run before the posts were committed.
    assert _wait_for(lambda: in_main_file() == 50)
    assert ck.checkpoints >= 1
    # idle: the thread exits; the next commit starts it again
    assert _wait_for(lambda: ck._thread is not None and not ck._thread.is_alive())
    before = ck.checkpoints
    store.add_posts([make_post(100)])
    assert _wait_for(lambda: ck.checkpoints > before)
    store.close()
    assert ck._thread is None or not ck._thread.is_alive()


def test_memory_and_postgres_stores_have_no_checkpointer() -> None:
    store = SqlStorage("sqlite://")
    assert store._checkpointer is None
    store.close()
