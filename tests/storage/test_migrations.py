"""Alembic: upgrade to head works on both backends and yields exactly the schema in schema.py."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy import text as sa_text

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
    assert results == ["0004"] * 4


def _old_post(conn, post_id: str, text: str = "hello") -> None:  # type: ignore[no-untyped-def]
    """A post row as releases before 0004 wrote it (no ``id_order``), on either backend."""
    conn.execute(
        sa_text(
            "INSERT INTO posts (id, platform, author_id, created_at, text, kind, views, likes, reposts, "
            "replies, quotes) VALUES (:id, 'demo', 'demo:a', '2024-07-29 12:00:00.000000', :text, 'post', "
            "0, 0, 0, 0, 0)"
        ),
        {"id": post_id, "text": text},
    )


def test_a_0001_database_upgrades_to_head_keeping_its_posts(tmp_path) -> None:
    """A store written by an earlier release (revision 0001) opens at head with its rows intact."""
    from alembic import command

    from .conftest import make_post

    store = SqlStorage(tmp_path / "old.db")
    cfg = _config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
        _old_post(conn, "demo:1")
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
    with store.engine.begin() as conn:
        _old_post(conn, make_post(1).id)
    store.migrate()
    assert store.schema_revision() == "0004"
    assert "ix_posts_author_id" not in {ix["name"] for ix in inspect(store.engine).get_indexes("posts")}
    assert store.get_post(make_post(1).id) is not None and _diff(store) == []
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    assert "ix_posts_author_id" in {ix["name"] for ix in inspect(store.engine).get_indexes("posts")}
    store.close()


def test_0004_keys_per_post_tables_on_id_order_and_keeps_their_rows(store_url: str) -> None:
    """A database at 0003 with posts (a Bluesky TID id, an X Snowflake, a free-form id), their signals
    and narrative assignments upgrades to head: every row kept, ``id_order`` filled from the id, each
    table keyed on it first, and reads by id find the rows; downgrading to 0003 keys them on the id again."""
    from alembic import command

    from wavebreak.core.ids import id_order

    ids = [
        "bluesky:at://did:plc:abc/app.bsky.feed.post/3l5zq7xk4tc2a",
        "x:1818672953812049920",
        "generic:free-form id",
    ]
    store = SqlStorage(store_url)  # at head (on PostgreSQL: the run's database, emptied)
    cfg = _config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
        for i, pid in enumerate(ids):
            _old_post(conn, pid, f"text {i}")
            conn.execute(
                sa_text("INSERT INTO signals (post_id, name, score, model) VALUES (:p, 'hate', 0.5, '')"),
                {"p": pid},
            )
            conn.execute(
                sa_text("INSERT INTO post_narratives (post_id, narrative_id) VALUES (:p, 'n1')"), {"p": pid}
            )
    store.migrate()
    assert store.schema_revision() == "0004" and _diff(store) == []
    insp = inspect(store.engine)
    assert insp.get_pk_constraint("posts")["constrained_columns"] == ["id_order", "id"]
    assert insp.get_pk_constraint("signals")["constrained_columns"] == ["id_order", "post_id", "name"]
    assert insp.get_pk_constraint("post_narratives")["constrained_columns"] == ["id_order", "post_id"]
    assert "ix_post_narratives_narrative_id" in {ix["name"] for ix in insp.get_indexes("post_narratives")}
    with store.engine.connect() as conn:
        stored = dict(conn.exec_driver_sql("SELECT id, id_order FROM posts").all())
    assert stored == {pid: id_order(pid) for pid in ids}
    assert [p.text for p in store.get_posts(ids)] == ["text 0", "text 1", "text 2"]
    assert all(store.get_signals(pid)["hate"].score == 0.5 for pid in ids)
    assert store.narratives_of(ids) == dict.fromkeys(ids, "n1")
    assert sorted(store.narrative_post_ids("n1")) == sorted(ids)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    insp = inspect(store.engine)
    assert insp.get_pk_constraint("posts")["constrained_columns"] == ["id"]
    assert "id_order" not in {c["name"] for c in insp.get_columns("signals")}
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM post_narratives").scalar() == 3
    store.migrate()  # back to head: the PostgreSQL database is shared by the run's other tests
    assert store.get_post(ids[0]) is not None
    store.close()
