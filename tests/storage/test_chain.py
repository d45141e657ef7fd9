"""The hash chain: it verifies, and every kind of edit made directly in SQL is named."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from wavebreak.core import constants as C
from wavebreak.core.records import Event
from wavebreak.decisions.audit import verify_chain
from wavebreak.storage.chain import event_hash, new_event_id
from wavebreak.storage.sql import SqlStorage

from .conftest import T0


def _fill(store: SqlStorage, n: int = 8) -> list[Event]:
    return store.append_events(
        [
            Event("decision.applied", T0 + timedelta(minutes=i), f"demo:{i}", {"i": i, "rule": "r"})
            for i in range(n)
        ]
    )


def _sql(store: SqlStorage, *statements: str) -> None:
    with store.engine.begin() as conn:
        for s in statements:
            conn.exec_driver_sql(s)


def test_empty_and_intact_chain_verifies(store: SqlStorage) -> None:
    empty = verify_chain(store)
    assert empty.ok and empty.checked == 0 and empty.first_broken_seq is None
    _fill(store)
    result = verify_chain(store)
    assert result.ok, result.reason
    assert result.checked == 8 and result.head_seq == 8


def test_hash_is_the_documented_formula(store: SqlStorage) -> None:
    (e,) = store.append_events([Event("k", T0, "s", {"b": 1, "a": [1.5, "é"]}, actor="me")])
    assert e.hash == event_hash(1, e.id, "k", T0, "s", "me", {"a": [1.5, "é"], "b": 1}, "0" * 64)
    import hashlib

    material = (
        '{"actor":"me","at":"2024-07-29T11:47:00Z","id":"' + e.id + '","kind":"k","payload":{"a":[1.5,"é"],'
        '"b":1},"prev_hash":"' + "0" * 64 + '","seq":1,"subject":"s"}'
    )
    assert e.hash == hashlib.sha256(material.encode()).hexdigest()


def test_event_ids_sort_by_time() -> None:
    ids = [new_event_id() for _ in range(50)]
    assert len(set(ids)) == 50 and all(len(i) == 32 for i in ids)
    assert ids[0][:12] <= ids[-1][:12]


def test_tampered_payload_is_named(store: SqlStorage) -> None:
    _fill(store)
    _sql(store, """UPDATE events SET payload = '{"i":3,"rule":"other"}' WHERE seq = 4""")
    r = verify_chain(store)
    assert not r.ok and r.first_broken_seq == 4 and r.checked == 3
    assert "seq 4" in r.reason and "hash" in r.reason


def test_tampered_time_and_subject_are_named(store: SqlStorage) -> None:
    _fill(store)
    _sql(store, "UPDATE events SET subject = 'demo:other' WHERE seq = 6")
    assert verify_chain(store).first_broken_seq == 6
    _sql(store, "UPDATE events SET subject = 'demo:5' WHERE seq = 6")
    assert verify_chain(store).ok
    _sql(store, "UPDATE events SET kind = 'decision.reversed' WHERE seq = 2")
    assert verify_chain(store).first_broken_seq == 2


def test_deleted_row_is_named(store: SqlStorage) -> None:
    _fill(store)
    _sql(store, "DELETE FROM events WHERE seq = 3")
    r = verify_chain(store)
    assert not r.ok and r.first_broken_seq == 3 and "missing" in r.reason


def test_swapped_rows_are_named(store: SqlStorage) -> None:
    _fill(store)
    _sql(
        store,
        "UPDATE events SET seq = -1 WHERE seq = 5",
        "UPDATE events SET seq = 5 WHERE seq = 6",
        "UPDATE events SET seq = 6 WHERE seq = -1",
    )
    r = verify_chain(store)
    assert not r.ok and r.first_broken_seq == 5


def test_rehashed_history_is_caught_by_anchor(store: SqlStorage, monkeypatch) -> None:
    monkeypatch.setattr(C, "STORAGE_ANCHOR_EVERY", 5)
    events = _fill(store, 8)
    # An attacker edits seq 2 and recomputes every later hash and the chain head: the links
    # are consistent again, only the published anchor at seq 5 can tell.
    prev = events[0].hash
    stmts = []
    for e in events[1:]:
        payload = {"i": 99, "rule": "r"} if e.seq == 2 else e.payload
        h = event_hash(e.seq, e.id, e.kind, e.at, e.subject, e.actor, payload, prev)
        import json

        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        stmts.append(
            f"UPDATE events SET payload = '{text}', prev_hash = '{prev}', hash = '{h}' WHERE seq = {e.seq}"
        )
        prev = h
    stmts.append(f"UPDATE chain_head SET hash = '{prev}' WHERE id = 1")
    _sql(store, *stmts)
    r = verify_chain(store)
    assert not r.ok and r.first_broken_seq == 5 and "anchor" in r.reason


def test_tail_deletion_is_named(store: SqlStorage) -> None:
    _fill(store, 6)
    _sql(store, "DELETE FROM events WHERE seq = 6")
    r = verify_chain(store)
    assert not r.ok and r.first_broken_seq == 6 and "chain head" in r.reason


def test_tail_deletion_with_head_rewritten_is_caught_by_final_anchor(store: SqlStorage) -> None:
    events = _fill(store, 6)
    store.anchor_head()
    _sql(
        store, "DELETE FROM events WHERE seq = 6", f"UPDATE chain_head SET seq = 5, hash = '{events[4].hash}'"
    )
    r = verify_chain(store)
    assert not r.ok and r.first_broken_seq == 6 and "tail" in r.reason


def test_concurrent_writers_never_fork(store_url: str) -> None:
    """Two writers with their own engines (as two processes would have) append at once."""
    stores = [SqlStorage(store_url), SqlStorage(store_url, migrate=False)]
    errors: list[BaseException] = []

    def writer(s: SqlStorage, tag: str) -> None:
        try:
            for i in range(25):
                s.append_events([Event("x", T0, tag, {"i": i, "j": j}) for j in range(4)])
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(s, f"w{k}")) for k, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    r = verify_chain(stores[0])
    assert r.ok, r.reason
    assert r.checked == 200
    seqs = [e.seq for e in stores[0].iter_events()]
    assert seqs == list(range(1, 201))
    for s in stores:
        s.close()


@pytest.mark.slow
def test_verify_many_events_pages(tmp_path) -> None:
    store = SqlStorage(tmp_path / "big.db")
    for k in range(10):
        store.append_events([Event("x", T0, "s", {"k": k, "i": i}) for i in range(1000)])
    r = verify_chain(store)
    assert r.ok and r.checked == 10_000 and r.anchors_checked == 10_000 // C.STORAGE_ANCHOR_EVERY
