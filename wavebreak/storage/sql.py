"""SQL storage for SQLite (default, embedded) and PostgreSQL (by URL), one code path.

Why SQLAlchemy *Core*: one schema and one set of statements for both backends,
``executemany`` bulk inserts (one transaction per batch) and no ORM identity map
to pay for on the hot path. Dialect differences are confined to three places:
connection set-up (SQLite pragmas), the upsert construct (``ON CONFLICT``, which
both backends support) and the migration lock.

The event log is append-only and hash-chained (:mod:`wavebreak.storage.chain`).
``append_events`` serialises writers on the single ``chain_head`` row (row lock on
PostgreSQL, database write lock on SQLite) so concurrent writers can never fork the
chain. The ``decisions`` table is a projection of ``decision.*`` events that the
gate reads; it can be rebuilt from the log (:func:`wavebreak.decisions.log.rebuild_projection`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import (
    String,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from wavebreak.core import constants as C
from wavebreak.core.ids import id_order
from wavebreak.core.records import (
    Account,
    AccountKind,
    Decision,
    Deletion,
    Event,
    Narrative,
    Post,
    PostKind,
    PublicMetrics,
    Quarantined,
    Signal,
    SourcePosition,
)
from wavebreak.decisions.serde import (
    canonical_json,
    decision_from_dict,
    decision_to_dict,
    dt_from_iso,
    dt_to_iso,
    narrative_from_dict,
    narrative_to_dict,
    storage_json,
)
from wavebreak.storage import schema as T
from wavebreak.storage.chain import GENESIS_HASH, new_event_id

if TYPE_CHECKING:
    from wavebreak.storage.recorder import Recorder

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_PG_MIGRATION_LOCK = 0x57415645  # "WAVE": advisory lock id taken while migrating PostgreSQL

# Why: the sqlite3 driver binds int, float, str and bytearray values as they are, but sends every
# other value, None included, through its adapter protocol, whose first step (looking up
# ``__adapt__`` on the protocol type) builds and discards an AttributeError message each time:
# ~1,200 instructions a NULL, and a replay binds ~14 NULLs a post (posts without a reply parent,
# quote, media or language; signals without data). An adapter registered for None is found by one
# dict lookup instead, and binds the same NULL (``{None: None}.get`` is a C-level identity for None).
# Process-wide, as every sqlite3 adapter is; the value stored is unchanged for any user of the module.
sqlite3.register_adapter(type(None), {None: None}.get)


def normalise_url(url: str | Path | None, default_path: str | Path = "wavebreak.db") -> str:
    """Map what users type to a SQLAlchemy URL.

    ``None`` → ``sqlite:///<default_path>``; a filesystem path → ``sqlite:///<abs path>``;
    ``postgresql://`` / ``postgres://`` → ``postgresql+psycopg://`` (psycopg 3 driver);
    ``sqlite://`` (in-memory) and explicit ``driver+dialect://`` URLs pass through.
    """
    if url is None:
        return f"sqlite:///{Path(default_path).expanduser().resolve()}"
    s = str(url)
    if s.startswith("postgres://"):
        return "postgresql+psycopg://" + s[len("postgres://") :]
    if s.startswith("postgresql://"):
        return "postgresql+psycopg://" + s[len("postgresql://") :]
    if "://" in s:
        return s
    return f"sqlite:///{Path(s).expanduser().resolve()}"


def _json_list(values: Sequence[str]) -> str | None:
    """Compact JSON for tuple columns; ``None`` for empty so most rows store nothing."""
    return orjson.dumps(values).decode() if values else None


def _tuple(raw: str | None) -> tuple[str, ...]:
    return tuple(orjson.loads(raw)) if raw else ()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_TS_MINUTES: dict[tuple[int, int, int, int, int], str] = {}
"""``"YYYY-MM-DD HH:MM:"`` by (year, month, day, hour, minute): the part of a timestamp that the
posts of a batch share (see :func:`_sqlite_ts`); emptied past ``_TS_MINUTES_MAX`` entries."""
_TS_MINUTES_MAX = 4096


def _sqlite_ts(value: datetime) -> str:
    """A datetime in the text form SQLAlchemy's SQLite DATETIME stores (UTC, microseconds):
    exactly ``value.isoformat(" ", "microseconds")[:26]`` of the UTC value (a test pins it).

    Why not that expression: ``isoformat`` of an aware datetime cost ~5 us here, once per post on
    the recording path; the minute prefix is cached and only seconds and microseconds formatted
    (~2.8 us)."""
    tz = value.tzinfo
    if tz is not None and tz is not UTC:
        value = value.astimezone(UTC)
    key = (value.year, value.month, value.day, value.hour, value.minute)
    head = _TS_MINUTES.get(key)
    if head is None:
        if len(_TS_MINUTES) >= _TS_MINUTES_MAX:
            _TS_MINUTES.clear()
        head = _TS_MINUTES[key] = value.replace(second=0, microsecond=0, tzinfo=None).isoformat(" ")[:17]
    return "%s%02d.%06d" % (head, value.second, value.microsecond)  # noqa: UP031 (faster than an f-string)


def _identity(value: datetime) -> datetime:
    return value


def _strip_nul(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """PostgreSQL text cannot hold NUL bytes (SQLite can): drop them rather than lose the row."""
    if any(isinstance(v, str) and "\x00" in v for v in row):
        return tuple(v.replace("\x00", "") if isinstance(v, str) else v for v in row)
    return row


def _js(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def _event_digest(
    seq: int, eid: str, kind: str, at: datetime, subject: str, actor: str, payload_text: str, prev: str
) -> str:
    """Same digest as :func:`wavebreak.storage.chain.event_hash`, from the payload's canonical text.

    Why: ``event_hash`` re-serialises the whole payload, which the append has just serialised to
    store it; the canonical JSON of the hashed object is the top-level keys in sorted order around
    that same text, so it is spliced instead (a test pins equality with ``event_hash``)."""
    material = (
        f'{{"actor":{_js(actor)},"at":{_js(dt_to_iso(at))},"id":{_js(eid)},"kind":{_js(kind)},'
        f'"payload":{payload_text},"prev_hash":{_js(prev)},"seq":{int(seq)},"subject":{_js(subject)}}}'
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _is_memory(url: str) -> bool:
    return url.startswith("sqlite") and (url.rstrip("/") == "sqlite:" or ":memory:" in url)


PlanOp = tuple[str, str, Any]
"""One step of a write plan (:meth:`SqlStorage.planned`): ``("rows", sql, rows)``, a driver-level
bulk statement and its row tuples, or ``("call", method, args)``, one of ``SqlStorage.PLAN_CALLS``."""


def _chunks(items: Sequence[str], size: int = C.STORAGE_IN_CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _post_keys(order_col: Any, id_col: Any, ids: Sequence[str]) -> tuple[Any, Any]:
    """WHERE terms that find rows by post id through their ``(id_order, id)`` key.

    Why both: the key leads with ``id_order`` (:mod:`wavebreak.core.ids`), so ``id IN (…)`` alone
    would scan the table. A key picks out about one row, so the id test is a filter, not a
    cross product (SQLite and PostgreSQL seek once per key)."""
    return order_col.in_(sorted({id_order(i) for i in ids})), id_col.in_(list(ids))


def _last_by(rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], Any]) -> list[dict[str, Any]]:
    """Keep the last row per key, in first-seen order: an upsert statement may not touch a
    row twice on PostgreSQL, and "last snapshot wins" is what a stream means."""
    out: dict[Any, dict[str, Any]] = {}
    for row in rows:
        out[key(row)] = row
    return list(out.values())


_CHAIN_LOCK = (
    update(T.chain_head)
    .where(T.chain_head.c.id == 1)
    .values(seq=T.chain_head.c.seq)
    .returning(T.chain_head.c.seq, T.chain_head.c.hash)
)
"""Lock the chain head (a no-op UPDATE) and read it; built once (statement construction and its
cache key cost more than the UPDATE itself, once per append)."""
_CHAIN_SET = (
    update(T.chain_head)
    .where(T.chain_head.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_REVOKE_SUPERSEDED = (
    update(T.decisions)
    .where(T.decisions.c.id == bindparam("sid"), T.decisions.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("sat"))
)
"""Revoke the decisions a batch's decisions supersede, as of their own time (built once, as the chain
statements are: a construct built per batch was cyclic garbage, see ``SqlStorage._upsert_stmt``)."""
_CHAIN_HEAD_SEQ = select(T.chain_head.c.seq).where(T.chain_head.c.id == 1)
_REVOCATIONS_SINCE = (
    select(T.events.c.kind, T.events.c.payload)
    .where(
        T.events.c.seq > bindparam("since"),
        T.events.c.seq <= bindparam("head"),
        or_(
            T.events.c.kind == "decision.reversed",
            # canonical JSON writes "supersedes":null when a decision supersedes nothing
            (T.events.c.kind == "decision.applied") & T.events.c.payload.like('%"supersedes":"%'),
        ),
    )
    .order_by(T.events.c.seq)
)
"""The log events after ``since`` up to ``head`` that revoke a decision (``SqlStorage.revocations_since``;
built once, as above)."""
_EVENT_COLS = tuple(c.name for c in T.events.columns)
assert _EVENT_COLS == (
    "seq", "id", "kind", "at", "recorded_at", "subject", "actor", "payload", "prev_hash", "hash",
)  # fmt: skip
_EVENT_INSERT_SQLITE = (
    f"INSERT INTO events ({', '.join(_EVENT_COLS)}) VALUES ({', '.join('?' * len(_EVENT_COLS))})"
)
"""The events insert as driver SQL for SQLite's executemany (as :meth:`SqlStorage.add_posts` does)."""


def _set_wal(cur: Any, attempts: int = 200, pause_s: float = 0.05) -> None:
    """Put a SQLite file in WAL mode, retrying while another connection holds it.

    Why the retry: switching a file's journal mode needs an exclusive lock, and SQLite answers
    "database is locked" at once there instead of calling the busy handler, so several processes or
    threads opening a new file together failed now and then (a CI flake, ~1 run in 10 under load).
    A file already in WAL mode only reads the mode."""
    for attempt in range(attempts):
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(pause_s)


class _WalCheckpointer:
    """Checkpoints a SQLite WAL from a thread of its own, so the writer's commits never wait for one.

    Why: with ``wal_autocheckpoint`` the checkpoint runs inside the commit that crosses the
    threshold: it copies every page rewritten since the last one into the database file and
    fsyncs the WAL and the database, while the pipeline waits. Here a commit only signals
    (:meth:`kick`); at most every ``STORAGE_SQLITE_CHECKPOINT_SECONDS`` a thread on its own
    connection runs a PASSIVE checkpoint (it never blocks the writer or readers), and SQLite
    releases the GIL while it copies and syncs, so ingest goes on meanwhile. What a commit makes
    durable is unchanged (it is in the WAL when ``commit`` returns; synchronous=NORMAL syncs the
    WAL at each checkpoint); the writer's own ``wal_autocheckpoint`` stays as a backstop should
    this thread fall behind. The thread exits after ``STORAGE_SQLITE_CHECKPOINT_IDLE_SECONDS``
    without a commit and starts again on the next, so a store nobody closes leaves nothing running.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.checkpoints = 0
        self._kick = threading.Event()
        self._stop = threading.Event()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        """A commit returned: make sure a checkpoint follows within the interval."""
        self._kick.set()
        t = self._thread
        if t is None or not t.is_alive():
            with self._guard:
                t = self._thread
                if (t is None or not t.is_alive()) and not self._stop.is_set():
                    self._thread = threading.Thread(
                        target=self._run, name="wavebreak-wal-checkpoint", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            last = time.monotonic()
            while not self._stop.is_set():
                if not self._kick.wait(C.STORAGE_SQLITE_CHECKPOINT_IDLE_SECONDS):
                    return  # idle: the next commit starts a new thread
                wait = C.STORAGE_SQLITE_CHECKPOINT_SECONDS - (time.monotonic() - last)
                if wait > 0 and self._stop.wait(wait):
                    return
                self._kick.clear()
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self.checkpoints += 1
                last = time.monotonic()
        finally:
            conn.close()

    def close(self) -> None:
        """Stop the thread (a checkpoint in progress completes first)."""
        self._stop.set()
        self._kick.set()
        t = self._thread
        if t is not None:
            t.join()


class SqlStorage:
    """:class:`wavebreak.storage.base.Storage` on SQLite or PostgreSQL.

    ``SqlStorage("sqlite://")`` is an in-memory store (one shared connection, tests);
    ``SqlStorage("/path/run.db")`` a SQLite file in WAL mode; ``SqlStorage("postgresql://...")``
    PostgreSQL through psycopg 3. The schema is migrated to head on open unless
    ``migrate=False``.
    """

    def __init__(self, url: str | Path | None = None, *, migrate: bool = True, echo: bool = False) -> None:
        self.url: str = normalise_url(url)
        self.engine: Engine = self._make_engine(self.url, echo)
        self.dialect: str = self.engine.dialect.name
        # An in-memory store shares one connection between threads: serialise its writes.
        self._lock = threading.RLock() if _is_memory(self.url) else None
        # The connection of the transaction() open on this thread, if any: writes join it.
        self._tx = threading.local()
        # SQLite files: WAL checkpoints on a thread of their own (see _WalCheckpointer).
        self._checkpointer: _WalCheckpointer | None = None
        if self.dialect == "sqlite" and not _is_memory(self.url) and self.engine.url.database:
            self._checkpointer = _WalCheckpointer(self.engine.url.database)
        if migrate:
            self.migrate()

    # ------------------------------------------------------------------ lifecycle

    @staticmethod
    def _make_engine(url: str, echo: bool) -> Engine:
        if url.startswith("sqlite"):
            memory = _is_memory(url)
            if memory:
                # One shared connection: every thread sees the same in-memory database.
                engine = create_engine(
                    url, echo=echo, poolclass=StaticPool, connect_args={"check_same_thread": False}
                )
            else:
                engine = create_engine(url, echo=echo, connect_args={"timeout": 60})

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                if not memory:
                    # WAL: readers (API, reports) never block the pipeline's writer;
                    # NORMAL: durable at checkpoints, no fsync per batch commit.
                    _set_wal(cur)
                    cur.execute("PRAGMA synchronous=NORMAL")
                    # A backstop: the store's _WalCheckpointer thread checkpoints long before this.
                    cur.execute(f"PRAGMA wal_autocheckpoint={C.STORAGE_SQLITE_WAL_CHECKPOINT_PAGES}")
                cur.execute("PRAGMA busy_timeout=60000")
                cur.execute("PRAGMA temp_store=MEMORY")
                cur.execute("PRAGMA cache_size=-65536")
                cur.close()

            return engine
        return create_engine(url, echo=echo, pool_pre_ping=True)

    def migrate(self) -> None:
        """Upgrade the schema to the Alembic head (idempotent; safe with concurrent openers)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            elif self.dialect == "sqlite":
                # Take the write lock before Alembic reads the version table, so processes
                # opening the same new file at once migrate one after the other.
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        self._committed()

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (``None`` before the first migration)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
        self.engine.dispose()

    def __enter__(self) -> SqlStorage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqlStorage({self.engine.url.render_as_string(hide_password=True)!r})"

    # ------------------------------------------------------------------ helpers

    def _upsert(self, table: Table, keys: Sequence[str], update_cols: Sequence[str] | None) -> Any:
        """``INSERT .. ON CONFLICT (keys) DO UPDATE/NOTHING`` for either backend, built once per
        (dialect, table, keys, columns) and reused (:meth:`_upsert_stmt`)."""
        return self._upsert_stmt(self.dialect, table, tuple(keys), tuple(update_cols or ()))

    @staticmethod
    @lru_cache(maxsize=32)
    def _upsert_stmt(
        dialect_name: str, table: Table, keys: tuple[str, ...], update_cols: tuple[str, ...]
    ) -> Any:
        """The construct behind :meth:`_upsert`, cached as :meth:`_sqlite_upsert_sql` is.

        Why reused: a SQLAlchemy statement construct is a web of objects that refer to each other
        (the ``excluded`` alias and its columns), so one built per batch became cyclic garbage once
        executed. The decisions upsert, built for every batch with decisions, was nearly all the
        cyclic garbage a replay made (~100 objects such a batch; with :meth:`revocations_since`'s
        statements, 9,952 objects over 335 batches of the demo scenario at scale 0.01, 82 once reused:
        ``tests/pipeline/test_runner.py``), which the replay collector settings
        (``REPLAY_GC_THRESHOLDS``) then had to find. A construct is immutable once built, and executing
        it again reuses SQLAlchemy's compiled form.
        """
        dialect = pg_dialect if dialect_name == "postgresql" else sqlite_dialect
        stmt = dialect.insert(table)
        if not update_cols:
            return stmt.on_conflict_do_nothing(index_elements=list(keys))
        return stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in update_cols}
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group every write made on this thread inside the block into ONE transaction.

        Why: the decisions stage writes a batch's posts, accounts, signals, narrative
        assignments, events and decisions; as separate transactions that was six commits
        per batch, and commits (with their WAL bookkeeping) cost more than the inserts.
        Nested blocks join the outer one; an exception rolls the whole block back.
        """
        if getattr(self._tx, "conn", None) is not None:
            yield
            return
        lock = self._lock
        if lock is not None:
            lock.acquire()
        try:
            with self.engine.begin() as conn:
                self._tx.conn = conn
                try:
                    yield
                finally:
                    self._tx.conn = None
        finally:
            if lock is not None:
                lock.release()
        self._committed()

    def _committed(self) -> None:
        """After a commit of this store: the checkpoint thread copies it into the database file later."""
        if self._checkpointer is not None:
            self._checkpointer.kick()

    @staticmethod
    @lru_cache(maxsize=32)
    def _sqlite_upsert_sql(table: Table, keys: tuple[str, ...], update_cols: tuple[str, ...]) -> str:
        """The driver-level ``INSERT .. ON CONFLICT`` text for SQLite's ``executemany`` (built once)."""
        cols = [c.name for c in table.columns]
        head = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        conflict = f" ON CONFLICT ({', '.join(keys)}) DO "
        if not update_cols:
            return head + conflict + "NOTHING"
        return head + conflict + "UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in update_cols)

    def _sqlite_upsert(
        self, table: Table, keys: Sequence[str], update_cols: Sequence[str], rows: Sequence[dict[str, Any]]
    ) -> None:
        """Upsert dict rows on SQLite through the driver's ``executemany`` with plain tuples.

        Why: SQLAlchemy's per-value bind processing of dict rows costs several times the insert
        itself on the hot path (see :meth:`add_posts`); timestamp columns are pre-rendered in the
        text form :class:`UtcDateTime` stores (:func:`_sqlite_ts`), every other value is bound as is.
        """
        cols = [c.name for c in table.columns]
        ts = [i for i, c in enumerate(table.columns) if isinstance(c.type, T.UtcDateTime)]
        tuples = []
        for r in rows:
            vals = [r[c] for c in cols]
            for i in ts:
                if vals[i] is not None:
                    vals[i] = _sqlite_ts(vals[i])
            tuples.append(tuple(vals))
        self._exec_rows((self._sqlite_upsert_sql(table, tuple(keys), tuple(update_cols)), tuples))

    # ------------------------------------------------------------------ planned writes

    PLAN_CALLS: frozenset[str] = frozenset(
        {"add_deletions", "add_quarantined", "add_narrative_points", "record"}
    )
    """Methods a plan may name (besides its bulk statements): the small writes of a batch."""

    @property
    def can_plan(self) -> bool:
        """True where another process can apply this store's plans: a SQLite file (a plan's bulk
        statements are SQLite's, and an in-memory database lives in this process only)."""
        return self.dialect == "sqlite" and not _is_memory(self.url)

    @contextmanager
    def planned(self) -> Iterator[list[PlanOp]]:
        """Collect the writes made on this thread inside the block as data (a plan), not run them.

        Why: a batch's content is written as a few bulk statements whose rows are built here;
        running them (the driver's binding, SQLite's inserts, the commit) is a fifth of the
        pipeline's CPU and needs none of this process's state, so
        :class:`~wavebreak.storage.recorder.Recorder` has another process run the plan
        (:meth:`apply_plan`) while this one goes on with the next batch. Only the batch write
        methods can be planned (``add_posts``, ``add_accounts``, ``add_signals``,
        ``set_post_narratives``, ``upsert_narratives`` and ``PLAN_CALLS``); any other write inside
        the block raises rather than run out of order.
        """
        if not self.can_plan:
            raise RuntimeError(f"{self!r} cannot plan writes (SQLite files only)")
        ops: list[PlanOp] = []
        self._tx.plan = ops
        try:
            yield ops
        finally:
            self._tx.plan = None

    def recorder(self) -> Recorder | None:
        """A :class:`~wavebreak.storage.recorder.Recorder` applying this store's plans in another
        process (None where this store cannot plan; the caller then writes in process)."""
        if not self.can_plan:
            return None
        from wavebreak.storage.recorder import Recorder

        return Recorder(self)

    def apply_plan(self, ops: Sequence[PlanOp]) -> None:
        """Run a plan from :meth:`planned` in ONE transaction, in its order."""
        with self.transaction():
            for op in ops:
                if op[0] == "rows":
                    self._exec_rows((op[1], op[2]))
                elif op[0] == "call" and op[1] in self.PLAN_CALLS:
                    getattr(self, op[1])(*op[2])
                else:
                    raise ValueError(f"not a plan step: {op[0]!r} {op[1]!r}")

    def _exec_rows(self, *steps: tuple[str, list[tuple[Any, ...]]]) -> None:
        """Driver-level bulk statements (SQLite), each ``(sql, row tuples)``: run them in one write, or
        add them to the plan being collected."""
        plan = getattr(self._tx, "plan", None)
        if plan is not None:
            plan.extend(("rows", sql, rows) for sql, rows in steps)
            return

        def run(conn: Connection) -> None:
            for sql, rows in steps:
                conn.exec_driver_sql(sql, rows)

        if steps:
            self._write(run)

    def _plan_call(self, name: str, *args: Any) -> bool:
        """Add ``name(*args)`` to the plan being collected (True), or do nothing (False: run it now)."""
        plan = getattr(self._tx, "plan", None)
        if plan is None:
            return False
        plan.append(("call", name, args))
        return True

    def _write(self, fn: Callable[[Connection], None]) -> None:
        if getattr(self._tx, "plan", None) is not None:
            raise RuntimeError("this write cannot be planned (SqlStorage.planned): it would run out of order")
        conn = getattr(self._tx, "conn", None)
        if conn is not None:  # inside transaction(): join it
            fn(conn)
            return
        if self._lock is not None:
            with self._lock, self.engine.begin() as conn:
                fn(conn)
        else:
            with self.engine.begin() as conn:
                fn(conn)
        self._committed()

    # ------------------------------------------------------------------ content

    _POST_COLS: tuple[str, ...] = tuple(c.name for c in T.posts.columns)

    @staticmethod
    def _post_values(p: Post, ts: Callable[[datetime], Any]) -> tuple[Any, ...]:
        """One post as a tuple in ``_POST_COLS`` order; ``ts`` renders the timestamp."""
        m = p.metrics
        pos = p.position
        return (
            p.id,
            str(p.platform),
            p.author_id,
            ts(p.created_at),
            p.text or "",
            p.lang,
            str(p.kind),
            p.reply_to,
            p.repost_of,
            p.quote_of,
            _json_list(p.urls),
            _json_list(p.mentions),
            _json_list(p.hashtags),
            _json_list(p.media_hashes),
            m.views,
            m.likes,
            m.reposts,
            m.replies,
            m.quotes,
            p.region,
            p.raw,
            pos.source if pos else None,
            pos.line if pos else None,
            None,
            ts(p.edited_at) if p.edited_at is not None else None,
            id_order(p.id),
        )

    _EDIT_UPDATE: tuple[str, ...] = (
        "text", "lang", "urls", "mentions", "hashtags", "media_hashes",
        "views", "likes", "reposts", "replies", "quotes", "raw", "source", "line", "edited_at",
    )  # fmt: skip
    """Columns a newer version of a post replaces (identity, author, time and references stay)."""

    _EDIT_CONFLICT = (
        "ON CONFLICT (id_order, id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in _EDIT_UPDATE)
        + " WHERE posts.deleted_at IS NULL AND (posts.edited_at IS NULL OR posts.edited_at < excluded.edited_at)"
    )
    """``ON CONFLICT`` clause for edits (SQLite and PostgreSQL): a newer version replaces the row's
    content; an older or equal one, or any version of a deleted post, changes nothing."""

    def add_posts(self, posts: Sequence[Post]) -> None:
        """Insert posts in one transaction; an id already stored is kept (replays are idempotent).

        On SQLite the rows go straight to the driver's ``executemany`` as tuples, with
        timestamps pre-rendered in the exact text form :class:`UtcDateTime` stores: SQLAlchemy's
        per-value bind processing otherwise costs ~3x the insert itself (measured: 24k → 55k
        posts/s). PostgreSQL goes through ``COPY`` (measured: 11k/s with executemany).
        """
        if not posts:
            return
        originals = [p for p in posts if p.edited_at is None]
        latest: dict[str, Post] = {}  # an upsert may touch a row once per statement (PostgreSQL)
        for p in posts:
            if p.edited_at is not None:
                seen = latest.get(p.id)
                if seen is None or seen.edited_at is None or seen.edited_at < p.edited_at:
                    latest[p.id] = p
        edits = list(latest.values())
        if self.dialect == "sqlite":
            cols = ", ".join(self._POST_COLS)
            marks = ", ".join("?" * len(self._POST_COLS))
            head = f"INSERT INTO posts ({cols}) VALUES ({marks}) "
            rows = [self._post_values(p, _sqlite_ts) for p in originals]
            edit_rows = [self._post_values(p, _sqlite_ts) for p in edits]
            steps = [
                (head + "ON CONFLICT (id_order, id) DO NOTHING", rows),
                (head + self._EDIT_CONFLICT, edit_rows),
            ]
            self._exec_rows(*[(sql, r) for sql, r in steps if r])
            return
        pg_rows = [_strip_nul(self._post_values(p, _identity)) for p in originals]
        pg_edits = [_strip_nul(self._post_values(p, _identity)) for p in edits]

        def run_pg(conn: Connection) -> None:
            if pg_rows:
                self._pg_copy_insert(conn, "posts", self._POST_COLS, pg_rows)
            if pg_edits:
                self._pg_copy_insert(conn, "posts", self._POST_COLS, pg_edits, self._EDIT_CONFLICT)

        self._write(run_pg)

    @staticmethod
    def _pg_copy_insert(
        conn: Connection,
        table: str,
        cols: Sequence[str],
        rows: list[tuple[Any, ...]],
        conflict: str = "ON CONFLICT DO NOTHING",
    ) -> None:
        """PostgreSQL bulk path: ``COPY`` into a session temp table, then one
        ``INSERT .. SELECT .. ON CONFLICT DO NOTHING`` (COPY itself cannot skip duplicates).
        Runs inside the caller's transaction; the temp table empties itself on commit."""
        names = ", ".join(cols)
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur:
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS _in_{table} (LIKE {table} INCLUDING DEFAULTS) "
                "ON COMMIT DELETE ROWS"
            )
            with cur.copy(f"COPY _in_{table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _in_{table} {conflict}")
            # emptied now, not only on commit: a second call in the same transaction (originals,
            # then edits) must not see the first call's rows again
            cur.execute(f"DELETE FROM _in_{table}")

    @staticmethod
    def _account_row(a: Account) -> dict[str, Any]:
        return {
            "id": a.id,
            "platform": str(a.platform),
            "handle": a.handle or "",
            "name": a.name or "",
            "created_at": a.created_at,
            "followers": a.followers,
            "following": a.following,
            "posts_count": a.posts_count,
            "verified": bool(a.verified),
            "kind": str(a.kind),
            "description": a.description or "",
            "url": a.url or "",
            "region": a.region,
            "active": bool(a.active),
            "deleted_at": None,
        }

    _ACCOUNT_UPDATE = (
        "platform",
        "handle",
        "name",
        "created_at",
        "followers",
        "following",
        "posts_count",
        "verified",
        "kind",
        "description",
        "url",
        "region",
        "active",
    )

    def add_accounts(self, accounts: Sequence[Account]) -> None:
        """Upsert account snapshots: the latest one seen wins (followers change over a crisis)."""
        if not accounts:
            return
        rows = _last_by((self._account_row(a) for a in accounts), lambda r: r["id"])
        if self.dialect == "sqlite":
            self._sqlite_upsert(T.accounts, ["id"], self._ACCOUNT_UPDATE, rows)
            return
        stmt = self._upsert(T.accounts, ["id"], self._ACCOUNT_UPDATE)
        self._write(lambda conn: conn.execute(stmt, rows))

    def add_deletions(self, deletions: Sequence[Deletion]) -> None:
        """Mark deleted posts/accounts; blank post text and raw when the constant says so."""
        if not deletions or self._plan_call("add_deletions", deletions):
            return
        rows = [{"tid": d.target_id, "tkey": id_order(d.target_id), "tat": d.at} for d in deletions]
        values: dict[str, Any] = {"deleted_at": bindparam("tat")}
        if C.STORAGE_PURGE_DELETED_CONTENT:
            values |= {"text": "", "raw": None}
        post_stmt = (
            update(T.posts)
            .where(T.posts.c.id_order == bindparam("tkey"), T.posts.c.id == bindparam("tid"))
            .values(**values)
        )
        acc_stmt = (
            update(T.accounts)
            .where(T.accounts.c.id == bindparam("tid"))
            .values(deleted_at=bindparam("tat"), active=False)
        )
        acc_rows = [{"tid": r["tid"], "tat": r["tat"]} for r in rows]

        def run(conn: Connection) -> None:
            conn.execute(post_stmt, rows)
            conn.execute(acc_stmt, acc_rows)

        self._write(run)

    def add_quarantined(self, records: Sequence[Quarantined]) -> None:
        if not records or self._plan_call("add_quarantined", records):
            return
        now = datetime.now(UTC)
        rows = [
            {
                "source": q.source,
                "line": q.line,
                "reason": q.reason,
                "raw": q.raw,
                "format": q.format or "",
                "at": now,
            }
            for q in records
        ]
        self._write(lambda conn: conn.execute(insert(T.quarantine), rows))

    _SIGNAL_KEY: tuple[str, ...] = ("id_order", "post_id", "name")
    _SIGNAL_UPDATE: tuple[str, ...] = ("score", "label", "model", "explanation", "data")

    def add_signals(self, rows: Iterable[tuple[str, dict[str, Signal]]]) -> None:
        """Upsert (post_id, name) → signal; the latest model output for a post wins.

        Rows are built once as tuples in column order, deduplicated on the key (later rows win: an
        upsert may touch a row once per statement on PostgreSQL); SQLite takes them as driver
        tuples, since dict rows cost as much as the insert on the recording hot path.
        """
        latest: dict[tuple[str, str], tuple[Any, ...]] = {}
        for post_id, sigs in rows:
            order = id_order(post_id)
            for name, s in sigs.items():
                key = (post_id, str(name))
                latest[key] = (
                    *key,
                    float(s.score),
                    s.label,
                    s.model or "",
                    _json_list(s.explanation),
                    storage_json(s.data) if s.data is not None else None,
                    order,
                )
        if not latest:
            return
        values = list(latest.values())
        if self.dialect == "sqlite":
            self._exec_rows(
                (self._sqlite_upsert_sql(T.signals, self._SIGNAL_KEY, self._SIGNAL_UPDATE), values)
            )
            return
        cols = [c.name for c in T.signals.columns]
        dicts = [dict(zip(cols, v, strict=True)) for v in values]
        stmt = self._upsert(T.signals, list(self._SIGNAL_KEY), list(self._SIGNAL_UPDATE))
        self._write(lambda conn: conn.execute(stmt, dicts))

    @staticmethod
    def _post_from_row(r: Any) -> Post:
        return Post(
            id=r.id,
            platform=r.platform,
            author_id=r.author_id,
            created_at=r.created_at,
            text=r.text,
            lang=r.lang,
            kind=PostKind(r.kind),
            reply_to=r.reply_to,
            repost_of=r.repost_of,
            quote_of=r.quote_of,
            urls=_tuple(r.urls),
            mentions=_tuple(r.mentions),
            hashtags=_tuple(r.hashtags),
            media_hashes=_tuple(r.media_hashes),
            metrics=PublicMetrics(r.views, r.likes, r.reposts, r.replies, r.quotes),
            region=r.region,
            raw=r.raw,
            position=SourcePosition(r.source, r.line) if r.source is not None else None,
            edited_at=r.edited_at,
        )

    def get_post(self, post_id: str) -> Post | None:
        found = self.get_posts([post_id])
        return found[0] if found else None

    def get_posts(self, post_ids: Sequence[str]) -> list[Post]:
        """Posts by id, in the order asked (missing ids are skipped)."""
        ids = list(dict.fromkeys(post_ids))
        by_id: dict[str, Post] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(ids, C.STORAGE_IN_CHUNK // 2):  # each id binds its key too
                for r in conn.execute(
                    select(T.posts).where(*_post_keys(T.posts.c.id_order, T.posts.c.id, chunk))
                ):
                    by_id[r.id] = self._post_from_row(r)
        return [by_id[i] for i in ids if i in by_id]

    def post_deleted_at(self, post_id: str) -> datetime | None:
        """When the source reported this post deleted (``None`` if not, or unknown post)."""
        with self.engine.connect() as conn:
            p = T.posts
            return conn.execute(
                select(p.c.deleted_at).where(p.c.id_order == id_order(post_id), p.c.id == post_id)
            ).scalar()

    def get_account(self, account_id: str) -> Account | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(T.accounts).where(T.accounts.c.id == account_id)).first()
        if r is None:
            return None
        try:
            kind = AccountKind(r.kind)
        except ValueError:
            kind = AccountKind.UNKNOWN
        return Account(
            id=r.id,
            platform=r.platform,
            handle=r.handle,
            name=r.name,
            created_at=r.created_at,
            followers=r.followers,
            following=r.following,
            posts_count=r.posts_count,
            verified=bool(r.verified),
            kind=kind,
            description=r.description,
            url=r.url,
            region=r.region,
            active=bool(r.active),
        )

    def get_signals(self, post_id: str) -> dict[str, Signal]:
        with self.engine.connect() as conn:
            sg = T.signals
            rows = conn.execute(
                select(sg).where(sg.c.id_order == id_order(post_id), sg.c.post_id == post_id)
            ).all()
        return {
            r.name: Signal(
                name=r.name,
                score=r.score,
                label=r.label,
                model=r.model,
                explanation=_tuple(r.explanation),
                data=json.loads(r.data) if r.data is not None else None,
            )
            for r in rows
        }

    def quarantine_counts(self) -> dict[str, int]:
        """Quarantined records per reason, most frequent first."""
        q = T.quarantine
        stmt = select(q.c.reason, func.count()).group_by(q.c.reason).order_by(func.count().desc())
        with self.engine.connect() as conn:
            return {reason: int(n) for reason, n in conn.execute(stmt)}

    def counts(self) -> dict[str, int]:
        """Row count of every table (for run summaries and health checks)."""
        tables = [
            T.posts,
            T.accounts,
            T.signals,
            T.quarantine,
            T.narratives,
            T.narrative_points,
            T.post_narratives,
            T.events,
            T.anchors,
            T.decisions,
        ]
        with self.engine.connect() as conn:
            return {
                t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables
            }

    # ------------------------------------------------------------------ narratives

    def upsert_narratives(self, narratives: Sequence[Narrative]) -> None:
        if not narratives:
            return
        rows = _last_by(
            (
                {
                    "id": n.id,
                    "title": n.title or "",
                    "status": str(n.status),
                    "risk": float(n.risk),
                    "first_seen": n.first_seen,
                    "last_seen": n.last_seen,
                    "alerted_at": n.alerted_at,
                    "posts_total": int(n.posts_total),
                    "accounts_total": int(n.accounts_total),
                    "reach_total": int(n.reach_total),
                    "merged_into": n.merged_into,
                    "json": storage_json(narrative_to_dict(n)),
                }
                for n in narratives
            ),
            lambda r: r["id"],
        )
        cols = [c.name for c in T.narratives.columns if c.name != "id"]
        if self.dialect == "sqlite":
            self._sqlite_upsert(T.narratives, ["id"], cols, rows)
            return
        stmt = self._upsert(T.narratives, ["id"], cols)
        self._write(lambda conn: conn.execute(stmt, rows))

    def add_narrative_points(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append windowed metrics; the whole row is kept as JSON, key columns indexed."""
        if not rows or self._plan_call("add_narrative_points", rows):
            return
        out = []
        for r in rows:
            at = r["at"] if isinstance(r["at"], datetime) else dt_from_iso(r["at"])
            out.append(
                {
                    "narrative_id": r["narrative_id"],
                    "at": at,
                    "posts": int(r.get("posts", 0) or 0),
                    # the narratives service names cumulative series "accounts_cum"/"reach_cum"
                    "accounts": int(r.get("accounts", r.get("accounts_cum", 0)) or 0),
                    "reach": int(r.get("reach", r.get("reach_cum", 0)) or 0),
                    "data": storage_json(r),
                }
            )
        self._write(lambda conn: conn.execute(insert(T.narrative_points), out))

    def set_post_narratives(self, pairs: Sequence[tuple[str, str]]) -> None:
        """(post_id, narrative_id); a post re-assigned (e.g. after a merge) keeps the latest."""
        if not pairs:
            return
        latest = dict(pairs)  # last assignment per post wins
        key = ("id_order", "post_id")
        if self.dialect == "sqlite":
            tuples = [(p, n, id_order(p)) for p, n in latest.items()]  # column order
            self._exec_rows((self._sqlite_upsert_sql(T.post_narratives, key, ("narrative_id",)), tuples))
            return
        rows = [{"post_id": p, "narrative_id": n, "id_order": id_order(p)} for p, n in latest.items()]
        stmt = self._upsert(T.post_narratives, list(key), ["narrative_id"])
        self._write(lambda conn: conn.execute(stmt, rows))

    def list_narratives(self, limit: int = 100) -> list[Narrative]:
        """Highest risk first (then most recent)."""
        n = T.narratives
        stmt = select(n.c.json).order_by(n.c.risk.desc(), n.c.last_seen.desc(), n.c.id).limit(limit)
        with self.engine.connect() as conn:
            return [narrative_from_dict(json.loads(j)) for (j,) in conn.execute(stmt)]

    def get_narrative(self, narrative_id: str) -> Narrative | None:
        with self.engine.connect() as conn:
            j = conn.execute(select(T.narratives.c.json).where(T.narratives.c.id == narrative_id)).scalar()
        return narrative_from_dict(json.loads(j)) if j is not None else None

    def narrative_series(
        self, narrative_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The rows given to ``add_narrative_points``, in time order; ``at`` is a UTC datetime,
        any other datetime inside a row comes back as its ISO 8601 string.

        ``since < at <= until`` when given: review intake asks for the last hour of a narrative
        that may hold a day and a half of points, and the (narrative_id, at) index answers that."""
        p = T.narrative_points
        stmt = select(p.c.at, p.c.data).where(p.c.narrative_id == narrative_id)
        if since is not None:
            stmt = stmt.where(p.c.at > since)
        if until is not None:
            stmt = stmt.where(p.c.at <= until)
        stmt = stmt.order_by(p.c.at, p.c.id)
        out = []
        with self.engine.connect() as conn:
            for at, data in conn.execute(stmt):
                row = json.loads(data)
                row["at"] = at
                out.append(row)
        return out

    def narrative_post_ids(self, narrative_id: str, limit: int | None = None) -> list[str]:
        """Post ids of a narrative, earliest post first (unknown posts last)."""
        pn, p = T.post_narratives, T.posts
        stmt = (
            select(pn.c.post_id)
            .select_from(pn.outerjoin(p, (p.c.id_order == pn.c.id_order) & (p.c.id == pn.c.post_id)))
            .where(pn.c.narrative_id == narrative_id)
            .order_by(p.c.created_at.asc().nulls_last(), pn.c.post_id)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [r for (r,) in conn.execute(stmt)]

    # ------------------------------------------------------------------ event log

    def append_events(self, events: Sequence[Event]) -> list[Event]:
        """Append in order under the chain lock, assigning seq, id (if empty), recorded_at,
        prev_hash and hash; write an anchor at every ``STORAGE_ANCHOR_EVERY``-th seq.

        The payload is normalised to plain JSON first (what is hashed is exactly what is
        stored and read back). Returns new :class:`Event` objects; inputs are not mutated.
        """
        if not events:
            return []
        out: list[Event] = []
        self._write(self._append_run(events, out))
        return out

    def record(self, events: Sequence[Event], decisions: Sequence[Decision] = ()) -> list[Event]:
        """Append events and upsert decisions into the projection in ONE transaction, so
        the gate can never see a decision the log lacks, nor the log hold one the gate misses
        (what :class:`~wavebreak.decisions.stage.DecisionsStage` uses when available). Inside
        :meth:`planned` it is added to the plan and returns ``[]``: the events get their seq and
        hash where the plan is applied."""
        if self._plan_call("record", events, decisions):
            return []
        out: list[Event] = []
        texts: dict[str, str] = {}
        steps = [self._append_run(events, out, texts)] if events else []
        put = self._put_decisions_run(decisions, texts)
        if put is not None:
            steps.append(put)
        if steps:

            def run(conn: Connection) -> None:
                for step in steps:
                    step(conn)

            self._write(run)
        return out

    def _append_run(
        self, events: Sequence[Event], out: list[Event], texts: dict[str, str] | None = None
    ) -> Callable[[Connection], None]:
        """The append transaction body; fills ``out`` with the stored events and ``texts`` with
        each ``decision.applied`` payload's canonical JSON by decision id (reused by the projection)."""

        sqlite = self.dialect == "sqlite"

        def run(conn: Connection) -> None:
            # The UPDATE takes the lock before we read: PostgreSQL row lock (a concurrent
            # writer waits, then re-reads the new head), SQLite database write lock.
            head = conn.execute(_CHAIN_LOCK).one()
            seq, prev = int(head.seq), str(head.hash)
            now = datetime.now(UTC)
            now_ts = _sqlite_ts(now)
            rows: list[Any] = []
            anchor_rows = []
            for e in events:
                seq += 1
                eid = e.id or new_event_id()
                at = _utc(e.at)
                assert at is not None
                payload_text = canonical_json(e.payload)
                payload = orjson.loads(payload_text)
                digest = _event_digest(seq, eid, e.kind, at, e.subject, e.actor, payload_text, prev)
                if e.kind == "decision.applied" and texts is not None:
                    texts[str(payload.get("id", ""))] = payload_text
                if sqlite:  # driver tuples in _EVENT_COLS order, timestamps as UtcDateTime stores them
                    ts = _sqlite_ts(at)
                    rows.append(
                        (seq, eid, e.kind, ts, now_ts, e.subject, e.actor, payload_text, prev, digest)
                    )
                else:
                    rows.append(
                        {
                            "seq": seq,
                            "id": eid,
                            "kind": e.kind,
                            "at": at,
                            "recorded_at": now,
                            "subject": e.subject,
                            "actor": e.actor,
                            "payload": payload_text,
                            "prev_hash": prev,
                            "hash": digest,
                        }
                    )
                out.append(
                    Event(
                        kind=e.kind,
                        at=at,
                        subject=e.subject,
                        payload=payload,
                        actor=e.actor,
                        id=eid,
                        seq=seq,
                        recorded_at=now,
                        prev_hash=prev,
                        hash=digest,
                    )
                )
                if seq % C.STORAGE_ANCHOR_EVERY == 0:
                    anchor_rows.append({"seq": seq, "hash": digest, "at": now})
                prev = digest
            if sqlite:
                conn.exec_driver_sql(_EVENT_INSERT_SQLITE, rows)
            else:
                conn.execute(insert(T.events), rows)
            if anchor_rows:
                conn.execute(insert(T.anchors), anchor_rows)
            conn.execute(_CHAIN_SET, {"new_seq": seq, "new_hash": prev})

        return run

    @staticmethod
    def _event_from_row(r: Any) -> Event:
        try:
            payload = json.loads(r.payload)
        except (TypeError, ValueError):
            payload = {"__unparseable__": r.payload}
        if not isinstance(payload, dict):
            payload = {"__not_an_object__": payload}
        return Event(
            kind=r.kind,
            at=r.at,
            subject=r.subject,
            payload=payload,
            actor=r.actor,
            id=r.id,
            seq=r.seq,
            recorded_at=r.recorded_at,
            prev_hash=r.prev_hash,
            hash=r.hash,
        )

    def iter_events(
        self, since_seq: int = 0, kinds: Sequence[str] | None = None, subject: str | None = None
    ) -> Iterator[Event]:
        """Events with seq > ``since_seq`` in seq order, read in pages (flat memory)."""
        e = T.events
        last = since_seq
        while True:
            stmt = select(e).where(e.c.seq > last).order_by(e.c.seq).limit(C.STORAGE_EVENT_PAGE)
            if kinds:
                stmt = stmt.where(e.c.kind.in_(list(kinds)))
            if subject is not None:
                stmt = stmt.where(e.c.subject == subject)
            with self.engine.connect() as conn:
                rows = conn.execute(stmt).all()
            if not rows:
                return
            for r in rows:
                yield self._event_from_row(r)
            last = rows[-1].seq
            if len(rows) < C.STORAGE_EVENT_PAGE:
                return

    def event_head(self) -> tuple[int, str]:
        """(seq, hash) of the last appended event as recorded in ``chain_head`` ((0, genesis) if none)."""
        with self.engine.connect() as conn:
            r = conn.execute(
                select(T.chain_head.c.seq, T.chain_head.c.hash).where(T.chain_head.c.id == 1)
            ).first()
        return (int(r.seq), str(r.hash)) if r is not None else (0, GENESIS_HASH)

    @staticmethod
    def _anchor_dict(r: Any) -> dict[str, Any]:
        return {"seq": int(r.seq), "hash": r.hash, "at": dt_to_iso(r.at), "algorithm": "sha256"}

    def list_anchors(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [self._anchor_dict(r) for r in conn.execute(select(T.anchors).order_by(T.anchors.c.seq))]

    def latest_anchor(self) -> dict[str, Any]:
        """The most recent anchor ``{seq, hash, at, algorithm}`` (a digest to publish); ``{}`` if none."""
        with self.engine.connect() as conn:
            r = conn.execute(select(T.anchors).order_by(T.anchors.c.seq.desc()).limit(1)).first()
        return self._anchor_dict(r) if r is not None else {}

    def anchor_head(self, at: datetime | None = None) -> dict[str, Any]:
        """Anchor the current head now (e.g. at the end of a run, so the tail is covered too).

        Returns the anchor written, or the existing one when the head is already anchored;
        ``{}`` when the log is empty.
        """
        result: dict[str, Any] = {}

        def run(conn: Connection) -> None:
            h = T.chain_head
            head = conn.execute(
                update(h).where(h.c.id == 1).values(seq=h.c.seq).returning(h.c.seq, h.c.hash)
            ).one()
            if int(head.seq) == 0:
                return
            existing = conn.execute(select(T.anchors).where(T.anchors.c.seq == head.seq)).first()
            if existing is None:
                row = {"seq": int(head.seq), "hash": head.hash, "at": _utc(at) or datetime.now(UTC)}
                conn.execute(insert(T.anchors), [row])
                existing = conn.execute(select(T.anchors).where(T.anchors.c.seq == head.seq)).one()
            result.update(self._anchor_dict(existing))

        self._write(run)
        return result

    # ------------------------------------------------------------------ decisions projection

    def put_decisions(self, decisions: Sequence[Decision]) -> None:
        """Upsert decisions into the gate's index; a decision that ``supersedes`` another
        revokes it as of its own time (the superseded one stops applying)."""
        run = self._put_decisions_run(decisions)
        if run is not None:
            self._write(run)

    def _put_decisions_run(
        self, decisions: Sequence[Decision], texts: dict[str, str] | None = None
    ) -> Callable[[Connection], None] | None:
        """The projection upsert body. ``texts`` (filled by the append that runs first in the same
        transaction) holds decisions already serialised for the log: the same JSON, not redone."""
        if not decisions:
            return None

        def rows() -> list[dict[str, Any]]:
            got = texts or {}
            return _last_by(
                (
                    {
                        "id": d.id,
                        "target_kind": d.target_kind,
                        "target_id": d.target_id,
                        "at": d.at,
                        "expires_at": d.expires_at,
                        "revoked_at": None,
                        "severity": int(d.severity),
                        "rule_id": d.rule_id,
                        "narrative_id": d.narrative_id,
                        "json": got.get(d.id) or canonical_json(decision_to_dict(d)),
                    }
                    for d in decisions
                ),
                lambda r: r["id"],
            )

        cols = ["target_kind", "target_id", "at", "expires_at", "severity", "rule_id", "narrative_id", "json"]
        stmt = self._upsert(T.decisions, ["id"], cols)
        superseded = [{"sid": d.supersedes, "sat": d.at} for d in decisions if d.supersedes]

        def run(conn: Connection) -> None:
            conn.execute(stmt, rows())
            if superseded:
                conn.execute(_REVOKE_SUPERSEDED, superseded)

        return run

    def get_decision(self, decision_id: str) -> Decision | None:
        with self.engine.connect() as conn:
            j = conn.execute(select(T.decisions.c.json).where(T.decisions.c.id == decision_id)).scalar()
        return decision_from_dict(json.loads(j)) if j is not None else None

    def decision_revoked_at(self, decision_id: str) -> datetime | None:
        """When a decision was reversed or superseded (``None`` while it stands)."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(T.decisions.c.revoked_at).where(T.decisions.c.id == decision_id)
            ).scalar()

    def decisions_for(self, target_ids: Sequence[str], at: datetime | None = None) -> list[Decision]:
        """Decisions on these targets that are in force at ``at``: not revoked by then and
        not expired by then. A decision dated after ``at`` is still returned (the gate applies
        what is on record, whatever the item's own timestamp). ``at=None`` means "regardless
        of time": every decision not revoked, expired or not — replays run in 2024 stream time,
        so the wall clock would be the wrong default; pass ``at`` to enforce. Order: target, time."""
        ids = list(dict.fromkeys(target_ids))
        if not ids:
            return []
        d = T.decisions
        if at is None:
            base = select(d.c.json).where(d.c.revoked_at.is_(None))
        else:
            when = _utc(at)
            base = select(d.c.json).where(
                or_(d.c.revoked_at.is_(None), d.c.revoked_at > when),
                or_(d.c.expires_at.is_(None), d.c.expires_at > when),
            )
        order = (d.c.target_id, d.c.at, d.c.id)
        if self.dialect == "postgresql":
            # One array parameter per chunk (= ANY(:ids)): PostgreSQL plans it once, where
            # an expanded IN list of 500 binds costs ~10 ms of parsing per query.
            ids_param = bindparam("ids", type_=pg_dialect.ARRAY(String()))
            stmt = base.where(d.c.target_id == any_(ids_param)).order_by(*order)
        else:
            stmt = base.where(d.c.target_id.in_(bindparam("ids", expanding=True))).order_by(*order)
        out: list[Decision] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(ids):
                rows = conn.execute(stmt, {"ids": list(chunk)})
                out.extend(decision_from_dict(json.loads(j)) for (j,) in rows)
        return out

    def revoked_among(self, decision_ids: Sequence[str]) -> list[str]:
        """Which of these decisions are revoked (reversed or superseded): one query per chunk, so
        the policy stage can notice a reviewer's reversal of a covering decision every batch."""
        ids = list(dict.fromkeys(decision_ids))
        if not ids:
            return []
        d = T.decisions
        stmt = select(d.c.id).where(d.c.id.in_(bindparam("ids", expanding=True)), d.c.revoked_at.is_not(None))
        out: list[str] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(ids):
                out.extend(r for (r,) in conn.execute(stmt, {"ids": list(chunk)}))
        return out

    def revocations_since(self, since_seq: int = 0) -> tuple[list[str], int]:
        """Decisions revoked by events after ``since_seq``, and the seq read up to (pass it next time).

        Read from the log, the record the projection is derived from: a ``decision.reversed``
        event's ``decision_id``, and the ``supersedes`` of a ``decision.applied`` event. Why: the
        policy stage must notice a reviewer's reversal of a decision it relies on, every batch;
        asking the projection about every such decision cost one ``IN`` query per 500 of them per
        batch (~5 s of a demo), this reads only the events appended since the last call. Seqs are
        assigned under the chain lock and committed in order, so nothing is skipped.
        """
        with self.engine.connect() as conn:
            head = int(conn.execute(_CHAIN_HEAD_SEQ).scalar() or 0)
            if head <= since_seq:
                return [], since_seq
            rows = conn.execute(_REVOCATIONS_SINCE, {"since": since_seq, "head": head}).all()
        out: list[str] = []
        for kind, payload in rows:
            try:
                p = json.loads(payload)
            except ValueError:
                continue
            rid = p.get("decision_id") if kind == "decision.reversed" else p.get("supersedes")
            if isinstance(rid, str) and rid:
                out.append(rid)
        return out, head

    def narratives_of(self, post_ids: Sequence[str]) -> dict[str, str]:
        """Narrative of each post that has one (batched): the gate applies a narrative's decisions
        to posts that carry no decision of their own."""
        ids = list(dict.fromkeys(post_ids))
        pn = T.post_narratives
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(ids, C.STORAGE_IN_CHUNK // 2):  # each id binds its key too
                stmt = select(pn.c.post_id, pn.c.narrative_id).where(
                    *_post_keys(pn.c.id_order, pn.c.post_id, chunk)
                )
                out.update({p: n for p, n in conn.execute(stmt)})
        return out

    def revoke_decision(self, decision_id: str, at: datetime) -> None:
        """Mark a decision reversed as of ``at`` in the projection (first reversal wins).

        Record the ``decision.reversed`` event first: use
        :func:`wavebreak.decisions.log.reverse_decision`, which does both in order."""
        d = T.decisions
        stmt = update(d).where(d.c.id == decision_id, d.c.revoked_at.is_(None)).values(revoked_at=at)
        self._write(lambda conn: conn.execute(stmt))

    def clear_decisions(self) -> None:
        """Empty the projection (before rebuilding it from the event log)."""
        self._write(lambda conn: conn.execute(T.decisions.delete()))
