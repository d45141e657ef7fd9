"""The append path splices the stored payload text into the hashed object: same digest as event_hash."""

from __future__ import annotations

from datetime import UTC, datetime

from wavebreak.decisions.serde import canonical_json
from wavebreak.storage.chain import GENESIS_HASH, event_hash
from wavebreak.storage.sql import SqlStorage, _event_digest


def test_spliced_digest_equals_event_hash() -> None:
    at = datetime(2024, 7, 29, 12, 0, 1, 123456, tzinfo=UTC)
    payloads = [
        {},
        {"b": 1.5e-05, "a": [1, "ü", None, True], "z": {"y": "名前", "x": -3}},
        {"explanation": 'quote " and \\ backslash\n', "n": 10**12},
    ]
    for i, p in enumerate(payloads):
        text = canonical_json(p)
        got = _event_digest(i + 1, f"ev{i}", "decision.applied", at, "démo:1", "policy", text, GENESIS_HASH)
        assert got == event_hash(i + 1, f"ev{i}", "decision.applied", at, "démo:1", "policy", p, GENESIS_HASH)


def test_recorded_chain_verifies_with_event_hash() -> None:
    from wavebreak.core.records import Event

    st = SqlStorage("sqlite://")
    at = datetime(2024, 7, 29, 12, 0, tzinfo=UTC)
    st.append_events([Event(kind="k", at=at, subject="s", payload={"v": i, "t": "é"}) for i in range(3)])
    prev = GENESIS_HASH
    evs = list(st.iter_events())
    assert len(evs) == 3
    for e in evs:
        assert e.prev_hash == prev
        assert e.hash == event_hash(e.seq, e.id, e.kind, e.at, e.subject, e.actor, e.payload, prev)
        prev = e.hash
