"""Alembic: upgrade to head works on both backends and yields exactly the schema in schema.py."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from wavebreak.storage import schema
from wavebreak.storage.sql import MIGRATIONS_DIR, SqlStorage


def _config():  # type: ignore[no-untyped-def]
    """Alembic configuration over the package's migrations (the connection is set per use)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _diff(store: SqlStorage) -> list:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, schema.metadata)


def test_upgrade_to_head_matches_schema(store: SqlStorage) -> None:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert store.schema_revision() == head
    assert _diff(store) == []
    tables = set(inspect(store.engine).get_table_names())
    assert set(schema.metadata.tables) <= tables
    indexes = {ix["name"] for ix in inspect(store.engine).get_indexes("decisions")}
    assert "ix_decisions_target_id" in indexes
    store.migrate()  # idempotent
    assert store.schema_revision() == head


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert any(MIGRATIONS_DIR.joinpath("versions").glob("0001_*.py"))


def test_downgrade_and_upgrade_again(tmp_path) -> None:
    from alembic import command

    store = SqlStorage(tmp_path / "m.db")
    cfg = _config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert "events" not in inspect(store.engine).get_table_names()
    store.migrate()
    assert store.event_head()[0] == 0 and _diff(store) == []
    store.close()


def test_sqlite_pragmas(tmp_path) -> None:
    store = SqlStorage(tmp_path / "p.db")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    store.close()


def test_concurrent_first_open_of_a_new_file(tmp_path) -> None:
    """Several openers racing on a new SQLite file: one migrates, the others wait and see head."""
    import threading

    path = tmp_path / "race.db"
    results: list[str | None] = []
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            s = SqlStorage(path)
            results.append(s.schema_revision())
            s.close()
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results == ["0003"] * 4


def test_a_0001_database_upgrades_to_head_keeping_its_posts(tmp_path) -> None:
    """A store written by an earlier release (revision 0001) opens at head with its rows intact."""
    from alembic import command

    from .conftest import make_post

    store = SqlStorage(tmp_path / "old.db")
    cfg = _config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
        conn.exec_driver_sql(
            "INSERT INTO posts (id, platform, author_id, created_at, text, kind, views, likes, reposts, "
            "replies, quotes) VALUES ('demo:1', 'demo', 'demo:a', '2024-07-29 12:00:00.000000', 'hello', "
            "'post', 0, 0, 0, 0, 0)"
        )
    assert store.schema_revision() == "0001"
    store.close()
    store = SqlStorage(tmp_path / "old.db")
    assert _diff(store) == []
    old = store.get_post("demo:1")
    assert old is not None and old.text == "hello" and old.edited_at is None
    store.add_posts([make_post(2)])
    assert store.get_post(make_post(2).id) is not None
    store.close()


def test_0003_drops_the_posts_author_index_and_keeps_old_databases_upgradable(tmp_path) -> None:
    """A database at 0002 (with ``ix_posts_author_id`` and a post in it) upgrades to head without the
    index and without losing the post; downgrading to 0002 creates the index again."""
    from alembic import command

    from .conftest import make_post

    store = SqlStorage(tmp_path / "u.db", migrate=False)
    cfg = _config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    assert "ix_posts_author_id" in {ix["name"] for ix in inspect(store.engine).get_indexes("posts")}
    store.add_posts([make_post(1)])
    store.migrate()
    assert store.schema_revision() == "0003"
    assert "ix_posts_author_id" not in {ix["name"] for ix in inspect(store.engine).get_indexes("posts")}
    assert store.get_post(make_post(1).id) is not None and _diff(store) == []
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    assert "ix_posts_author_id" in {ix["name"] for ix in inspect(store.engine).get_indexes("posts")}
    store.close()
