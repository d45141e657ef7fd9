"""The Storage contract, method by method, on SQLite (and PostgreSQL with ``-m service``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wavebreak.core.records import (
    Account,
    AccountKind,
    Action,
    Deletion,
    Event,
    Narrative,
    NarrativeStatus,
    PostKind,
    PublicMetrics,
    Quarantined,
    Signal,
    SourcePosition,
    Surface,
)
from wavebreak.storage import open_storage
from wavebreak.storage.base import Storage
from wavebreak.storage.sql import SqlStorage, normalise_url

from .conftest import T0, make_decision, make_post


def test_open_storage_urls(tmp_path) -> None:
    assert normalise_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite://") == "sqlite://"
    assert normalise_url(tmp_path / "a.db") == f"sqlite:///{tmp_path / 'a.db'}"
    mem = open_storage("sqlite://")
    assert isinstance(mem, Storage)
    assert mem.schema_revision() == "0004"
    mem.close()
    path = tmp_path / "x.db"
    file_store = open_storage(path)
    assert path.exists()
    file_store.close()
    # reopening an existing store is a no-op migration, data kept
    again = open_storage(path)
    assert again.counts()["posts"] == 0
    again.close()


def test_posts_round_trip(store: SqlStorage) -> None:
    p = make_post(
        1,
        kind=PostKind.QUOTE,
        quote_of="demo:0",
        urls=("https://example.org/a",),
        mentions=("demo:a9",),
        hashtags=("southport",),
        media_hashes=("abc",),
        metrics=PublicMetrics(views=10, likes=2, reposts=3, replies=4, quotes=5),
        lang="en",
        region="GB",
        raw='{"id": 1}',
        position=SourcePosition("in.jsonl", 7),
        text="Ça va — ünïcode ✓",
    )
    store.add_posts([p, make_post(2)])
    got = store.get_post("demo:1")
    assert got is not None
    assert got == p
    assert got.created_at.tzinfo is not None
    assert [x.id for x in store.get_posts(["demo:2", "missing", "demo:1"])] == ["demo:2", "demo:1"]
    assert store.get_post("missing") is None
    # replay: same id again keeps the first copy, no error
    store.add_posts([make_post(1, text="changed")])
    assert store.get_post("demo:1").text == "Ça va — ünïcode ✓"
    assert store.counts()["posts"] == 2


def test_absent_fields_are_stored_as_null(store: SqlStorage) -> None:
    """None binds as SQL NULL (on SQLite through the adapter ``wavebreak.storage.sql`` registers
    for speed): a post without reply parent, quote, language or region stores NULLs, not text."""
    import sqlite3

    assert sqlite3.adapters.get((type(None), sqlite3.PrepareProtocol)) is not None
    store.add_posts([make_post(3)])
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT reply_to IS NULL, quote_of IS NULL, lang IS NULL, region IS NULL FROM posts WHERE id = 'demo:3'"
        ).one()
    assert tuple(row) == (1, 1, 1, 1)  # SQLite's 1s, PostgreSQL's Trues (True == 1)
    got = store.get_post("demo:3")
    assert got is not None and got.reply_to is None and got.lang is None and got.region is None


def test_get_posts_many_chunks(store: SqlStorage) -> None:
    posts = [make_post(i) for i in range(1200)]
    store.add_posts(posts)
    ids = [p.id for p in reversed(posts)]
    assert [p.id for p in store.get_posts(ids)] == ids


def test_accounts_upsert_and_deletions(store: SqlStorage) -> None:
    a = Account(id="demo:a1", platform="demo", handle="h", followers=10, kind=AccountKind.NEWS, created_at=T0)
    store.add_accounts([a, Account(id="demo:a1", platform="demo", handle="h", followers=2_800_000)])
    got = store.get_account("demo:a1")
    assert got is not None and got.followers == 2_800_000 and got.kind == AccountKind.UNKNOWN
    assert store.get_account("nobody") is None
    store.add_posts([make_post(1, raw="{}")])
    store.add_deletions(
        [Deletion("demo:1", T0 + timedelta(hours=1), "demo"), Deletion("demo:a1", T0, "demo")]
    )
    assert store.post_deleted_at("demo:1") == T0 + timedelta(hours=1)
    post = store.get_post("demo:1")
    assert post is not None and post.text == "" and post.raw is None
    acc = store.get_account("demo:a1")
    assert acc is not None and acc.active is False


def test_quarantine_counts(store: SqlStorage) -> None:
    store.add_quarantined(
        [
            Quarantined("a.jsonl", 1, "invalid json", "{", "x"),
            Quarantined("a.jsonl", 2, "invalid json", "{{", "x"),
            Quarantined("a.jsonl", 3, "missing id", "{}", "x"),
        ]
    )
    assert store.quarantine_counts() == {"invalid json": 2, "missing id": 1}


def test_signals(store: SqlStorage) -> None:
    sig = Signal("identity_claim", 0.9, "identity_claim", "idc-1", ("asylum seeker",), {"role": "suspect"})
    store.add_signals([("demo:1", {"identity_claim": sig, "hate": Signal("hate", 0.1)})])
    got = store.get_signals("demo:1")
    assert got["identity_claim"] == sig
    assert got["hate"].score == 0.1 and got["hate"].data is None
    store.add_signals([("demo:1", {"hate": Signal("hate", 0.7, model="v2")})])
    assert store.get_signals("demo:1")["hate"].model == "v2"
    assert store.get_signals("nothing") == {}


def _narrative(nid: str, risk: float, **kw) -> Narrative:
    base = {
        "id": nid,
        "title": f"narrative {nid}",
        "first_seen": T0,
        "last_seen": T0 + timedelta(hours=1),
        "keywords": ["southport", "boat"],
        "status": NarrativeStatus.ACTIVE,
        "risk": risk,
        "risk_factors": {"reach": 0.5},
        "posts_total": 10,
        "languages": {"en": 9, "fr": 1},
        "alerted_at": T0 + timedelta(minutes=20),
    }
    base.update(kw)
    return Narrative(**base)


def test_narratives(store: SqlStorage) -> None:
    n1, n2 = _narrative("n1", 0.2), _narrative("n2", 0.9)
    store.upsert_narratives([n1, n2])
    assert [n.id for n in store.list_narratives()] == ["n2", "n1"]
    assert store.list_narratives(limit=1)[0] == n2
    assert store.get_narrative("n1") == n1
    assert store.get_narrative("none") is None
    store.upsert_narratives([_narrative("n1", 0.95, status=NarrativeStatus.REFUTED, refuted_by=["s1"])])
    n1b = store.get_narrative("n1")
    assert n1b is not None and n1b.status == NarrativeStatus.REFUTED and n1b.refuted_by == ["s1"]
    assert store.list_narratives()[0].id == "n1"
    # the names a claim attributes (eighth session) survive the store: the policy stage reads them
    named = _narrative("n3", 0.5, claimed_names={"Idris Al-Qamari": 5, "idris al-qamary": 2})
    store.upsert_narratives([named])
    back = store.get_narrative("n3")
    assert back is not None and back.claimed_names == {"Idris Al-Qamari": 5, "idris al-qamary": 2}

    store.add_narrative_points(
        [
            {"narrative_id": "n1", "at": T0 + timedelta(minutes=10), "posts": 5, "accounts": 4, "reach": 9},
            {"narrative_id": "n1", "at": T0, "posts": 1, "accounts": 1, "reach": 1, "velocity": 0.5},
            {"narrative_id": "n2", "at": T0, "posts": 3},
        ]
    )
    series = store.narrative_series("n1")
    assert [r["posts"] for r in series] == [1, 5]
    assert series[0]["at"] == T0 and series[0]["velocity"] == 0.5
    # window: since < at <= until
    assert [r["posts"] for r in store.narrative_series("n1", since=T0)] == [5]
    assert [r["posts"] for r in store.narrative_series("n1", until=T0)] == [1]
    assert store.narrative_series("n1", since=T0, until=T0 + timedelta(minutes=9)) == []

    store.add_posts([make_post(i) for i in range(3)])
    store.set_post_narratives([("demo:2", "n1"), ("demo:0", "n1"), ("unknown:9", "n1"), ("demo:1", "n2")])
    assert store.narrative_post_ids("n1") == ["demo:0", "demo:2", "unknown:9"]
    assert store.narrative_post_ids("n1", limit=1) == ["demo:0"]
    store.set_post_narratives([("demo:1", "n1")])  # merge: reassigned
    assert store.narrative_post_ids("n2") == []


def test_events_append_and_iterate(store: SqlStorage) -> None:
    assert store.append_events([]) == []
    evs = store.append_events(
        [
            Event("alert.raised", T0, "n1", {"risk": 0.9, "terms": ("a", "b")}, actor="narratives"),
            Event("decision.applied", T0, "demo:1", {"id": "d1", "at": T0}),
            Event("crisis.declared", T0, "c1", {}, id="fixed-id"),
        ]
    )
    assert [e.seq for e in evs] == [1, 2, 3]
    assert evs[0].prev_hash == "0" * 64 and evs[1].prev_hash == evs[0].hash
    assert evs[0].payload == {"risk": 0.9, "terms": ["a", "b"]}
    assert evs[1].payload["at"] == "2024-07-29T11:47:00Z"
    assert evs[2].id == "fixed-id" and len(evs[0].id) == 32
    assert evs[0].recorded_at is not None
    more = store.append_events([Event("decision.reversed", T0, "demo:1", {"decision_id": "d1"})])
    assert more[0].seq == 4 and more[0].prev_hash == evs[2].hash
    listed = list(store.iter_events())
    assert [e.hash for e in listed] == [*(e.hash for e in evs), more[0].hash]
    assert listed[0] == evs[0]
    assert [e.seq for e in store.iter_events(since_seq=2)] == [3, 4]
    assert [e.seq for e in store.iter_events(kinds=["decision.applied", "decision.reversed"])] == [2, 4]
    assert [e.seq for e in store.iter_events(subject="demo:1")] == [2, 4]
    assert store.event_head() == (4, more[0].hash)


def test_anchors(store: SqlStorage, monkeypatch) -> None:
    from wavebreak.core import constants as C

    assert store.latest_anchor() == {}
    assert store.anchor_head() == {}
    monkeypatch.setattr(C, "STORAGE_ANCHOR_EVERY", 3)
    evs = store.append_events([Event("x", T0, "s", {"i": i}) for i in range(7)])
    anchors = store.list_anchors()
    assert [a["seq"] for a in anchors] == [3, 6]
    assert anchors[1]["hash"] == evs[5].hash
    assert store.latest_anchor()["seq"] == 6
    head = store.anchor_head(T0)
    assert head["seq"] == 7 and head["hash"] == evs[6].hash
    assert store.anchor_head() == head  # idempotent
    assert store.latest_anchor() == head


def test_decisions_projection(store: SqlStorage) -> None:
    d1 = make_decision(1, "demo:1", expires_at=T0 + timedelta(hours=6))
    d2 = make_decision(2, "demo:1", item_action=Action.ALLOW)
    d3 = make_decision(3, "demo:2")
    store.put_decisions([d1, d2, d3])
    got = store.get_decision("dec-1")
    assert got is not None
    assert got.actions == {Surface.TRENDS: Action.EXCLUDE, Surface.RECOMMENDATIONS: Action.DEMOTE}
    assert got.facts == {
        "identity_claim": 0.91,
        "terms": ["asylum", "boat"],
        "seen_at": "2024-07-29T11:47:00Z",
    }
    assert got.grounds == d1.grounds and got.expires_at == d1.expires_at
    assert store.get_decision("none") is None

    at = T0 + timedelta(hours=1)
    assert {d.id for d in store.decisions_for(["demo:1", "demo:2", "demo:9"], at)} == {
        "dec-1",
        "dec-2",
        "dec-3",
    }
    # expiry: d1 expires at +6h
    assert {d.id for d in store.decisions_for(["demo:1"], T0 + timedelta(hours=7))} == {"dec-2"}
    # revocation: in force before, not after
    store.revoke_decision("dec-2", T0 + timedelta(hours=2))
    assert store.decision_revoked_at("dec-2") == T0 + timedelta(hours=2)
    assert {d.id for d in store.decisions_for(["demo:1"], at)} == {"dec-1", "dec-2"}
    assert {d.id for d in store.decisions_for(["demo:1"], T0 + timedelta(hours=3))} == {"dec-1"}
    # supersession revokes the older decision as of the new one's time
    d4 = make_decision(4, "demo:2", supersedes="dec-3", at=T0 + timedelta(hours=4))
    store.put_decisions([d4])
    assert {d.id for d in store.decisions_for(["demo:2"], T0 + timedelta(hours=5))} == {"dec-4"}
    assert store.decisions_for([], at) == []
    # at=None: regardless of time (expired d1 included), but never revoked ones
    assert {d.id for d in store.decisions_for(["demo:1", "demo:2"])} == {"dec-1", "dec-4"}


def test_decisions_for_large_batches(store: SqlStorage) -> None:
    store.put_decisions([make_decision(i, f"demo:{i}") for i in range(0, 1500, 3)])
    found = store.decisions_for([f"demo:{i}" for i in range(1500)], T0 + timedelta(days=1))
    assert len(found) == 500
    assert all(int(d.target_id.split(":")[1]) % 3 == 0 for d in found)


def test_transaction_groups_writes_and_rolls_back_together(store: SqlStorage) -> None:
    """Writes inside transaction() commit as one: an error mid-block leaves none of them."""
    import pytest

    with store.transaction():
        store.add_posts([make_post(1), make_post(2)])
        store.add_accounts([Account(id="demo:a1", platform="demo", handle="a1", followers=5)])
        with store.transaction():  # nested blocks join the outer one
            store.set_post_narratives([("demo:1", "n1")])
        store.record([Event(kind="alert.raised", at=T0, subject="n1", payload={"n": 1})])
    assert store.get_post("demo:1") is not None
    assert store.narratives_of(["demo:1"]) == {"demo:1": "n1"}
    head_seq, _ = store.event_head()
    with pytest.raises(RuntimeError), store.transaction():
        store.add_posts([make_post(3)])
        store.record([Event(kind="alert.raised", at=T0, subject="n2", payload={"n": 2})])
        raise RuntimeError("boom")
    assert store.get_post("demo:3") is None
    assert store.event_head()[0] == head_seq
    assert store.get_account("demo:a1").followers == 5


def test_post_edits_replace_content_newest_version_wins(store: SqlStorage) -> None:
    """A newer version (``edited_at``) replaces text and raw; an older or replayed one never does,
    nor does any version of a deleted post; identity, author and time stay."""
    store.add_posts([make_post(1, raw='{"v":0}')])
    v1 = make_post(1, text="edited once", raw='{"v":1}', edited_at=T0 + timedelta(hours=1))
    v2 = make_post(1, text="edited twice", raw='{"v":2}', edited_at=T0 + timedelta(hours=2))
    store.add_posts([v2, v1])  # out of order in one batch: the newest wins
    got = store.get_post("demo:1")
    assert got is not None and got.text == "edited twice" and got.raw == '{"v":2}'
    assert got.edited_at == T0 + timedelta(hours=2) and got.created_at == make_post(1).created_at
    store.add_posts([v1])  # an older version replayed late
    store.add_posts([make_post(1, text="original replayed")])  # the original replayed
    assert store.get_post("demo:1").text == "edited twice"
    # an edit of a post never seen before is stored as it is
    store.add_posts([make_post(7, text="first seen edited", edited_at=T0 + timedelta(hours=3))])
    assert store.get_post("demo:7").text == "first seen edited"
    # a deleted post stays blank whatever version arrives afterwards
    store.add_deletions([Deletion("demo:1", T0 + timedelta(hours=4), "demo")])
    store.add_posts([make_post(1, text="edited after deletion", edited_at=T0 + timedelta(hours=5))])
    assert store.get_post("demo:1").text != "edited after deletion"


def test_revocations_since_lists_what_the_log_revokes(store: SqlStorage) -> None:
    from wavebreak.decisions.log import decision_event, reverse_decision

    d1, d2 = make_decision(1, "demo:1"), make_decision(2, "demo:2")
    store.record([decision_event(d1), decision_event(d2)], [d1, d2])
    assert store.revocations_since(0) == ([], 2)
    reverse_decision(store, "dec-1", T0 + timedelta(hours=1), actor="reviewer", reason="r")
    d3 = make_decision(3, "demo:2", supersedes="dec-2", at=T0 + timedelta(hours=2))
    d3.facts["note"] = '"supersedes":"dec-9"'  # a fact that looks like it is not one
    store.record([decision_event(d3)], [d3])
    assert store.revocations_since(0) == (["dec-1", "dec-2"], 4)
    assert store.revocations_since(3) == (["dec-2"], 4)
    assert store.revocations_since(4) == ([], 4)
    assert sorted(store.revoked_among(["dec-1", "dec-2", "dec-3"])) == ["dec-1", "dec-2"]


def test_sqlite_timestamp_text_is_the_isoformat_of_the_utc_value() -> None:
    """The cached-prefix rendering equals what SQLAlchemy's SQLite DATETIME stores, for naive, UTC and
    offset datetimes across the whole range (rows written through the driver must compare and sort
    exactly as rows written through SQLAlchemy)."""
    import random
    from datetime import timezone

    from wavebreak.storage.sql import _sqlite_ts

    rnd = random.Random(7)
    for i in range(20_000):
        d = datetime(1, 1, 1) + timedelta(microseconds=rnd.randrange(0, 315537897599999999))
        if i % 3 == 0:
            d = d.replace(tzinfo=UTC)
        elif i % 3 == 1 and 2 < d.year < 9998:
            d = d.replace(tzinfo=timezone(timedelta(minutes=rnd.randrange(-720, 721))))
        expected = (d.astimezone(UTC) if d.tzinfo else d).isoformat(" ", "microseconds")[:26]
        assert _sqlite_ts(d) == expected
