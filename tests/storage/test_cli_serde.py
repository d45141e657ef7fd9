"""`wavebreak audit verify` exit codes and messages; serde round trips."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
from typer.testing import CliRunner

from wavebreak.cli.main import app
from wavebreak.core.records import (
    Account,
    AccountAction,
    Action,
    Event,
    Narrative,
    Post,
    PublicMetrics,
    Signal,
    SourcePosition,
)
from wavebreak.decisions import serde
from wavebreak.storage.sql import SqlStorage

from .conftest import T0, make_decision


def test_audit_verify_cli(tmp_path) -> None:
    db = tmp_path / "run.db"
    store = SqlStorage(db)
    store.append_events([Event("x", T0, "s", {"i": i}) for i in range(4)])
    store.anchor_head()
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--db", str(db), "--json"])
    assert ok.exit_code == 0, ok.output
    out = json.loads(ok.stdout)
    assert out["ok"] is True and out["checked"] == 4 and out["latest_anchor"]["seq"] == 4
    human = runner.invoke(app, ["audit", "verify", "--db", str(db)])
    assert human.exit_code == 0 and "OK" in human.stdout
    with store.engine.begin() as conn:
        conn.exec_driver_sql("""UPDATE events SET payload = '{"i":7}' WHERE seq = 2""")
    store.close()
    bad = runner.invoke(app, ["audit", "verify", "--db", str(db)])
    assert bad.exit_code == 1
    assert "seq 2" in bad.output
    bad_json = runner.invoke(app, ["audit", "verify", "--db", str(db), "--json"])
    assert bad_json.exit_code == 1 and json.loads(bad_json.stdout)["first_broken_seq"] == 2
    missing = runner.invoke(app, ["audit", "verify", "--db", str(tmp_path / "nope.db")])
    assert missing.exit_code == 2


def test_decision_round_trip() -> None:
    d = make_decision(
        1,
        "demo:1",
        expires_at=T0 + timedelta(hours=6),
        account_action=AccountAction.LIMIT_REACH,
        territorial_scope=("GB",),
        supersedes="dec-0",
        narrative_id="n1",
        facts={"score": 0.5, "when": T0, "set": {"b", "a"}},
    )
    doc = serde.decision_to_dict(d)
    assert doc["at"] == "2024-07-29T11:48:00Z"
    assert doc["actions"] == {"trends": "exclude", "recommendations": "demote"}
    assert doc["severity"] == "exclude" and doc["account_action"] == "limit_reach"
    json.dumps(doc)  # plain JSON
    back = serde.decision_from_dict(json.loads(json.dumps(doc)))
    assert back.facts == {"score": 0.5, "when": "2024-07-29T11:47:00Z", "set": ["a", "b"]}
    back.facts = d.facts
    assert back == d


def test_other_round_trips() -> None:
    post = Post(
        id="x:1",
        platform="x",
        author_id="x:a",
        created_at=T0,
        urls=("u",),
        metrics=PublicMetrics(views=3),
        author=Account(id="x:a", platform="x", created_at=T0),
        position=SourcePosition("f", 2),
        edited_at=T0,
    )
    assert serde.post_from_dict(json.loads(json.dumps(serde.post_to_dict(post)))) == post
    n = Narrative(id="n", title="t", first_seen=T0, last_seen=T0, risk_factors={"a": 0.5}, alerted_at=T0)
    assert serde.narrative_from_dict(json.loads(json.dumps(serde.narrative_to_dict(n)))) == n
    s = Signal("hate", 0.5, "hate", "m", ("x",), {"k": [1]})
    assert serde.signal_from_dict(serde.signal_to_dict(s)) == s
    from wavebreak.core.records import Alert

    a = Alert(id="a", at=T0, kind="burst", narrative_id=None, message="m", terms=("t",), reach=5)
    assert serde.alert_from_dict(json.loads(json.dumps(serde.alert_to_dict(a)))) == a
    e = Event("k", T0, "s", {"a": 1}, seq=3, recorded_at=T0, prev_hash="p", hash="h", id="i")
    assert serde.event_from_dict(serde.event_to_dict(e)) == e


def test_datetimes_and_odd_values() -> None:
    paris = timezone(timedelta(hours=2))
    assert serde.dt_to_iso(datetime(2024, 7, 29, 13, 47, tzinfo=paris)) == "2024-07-29T11:47:00Z"
    assert serde.dt_to_iso(datetime(2024, 7, 29, 11, 47)) == "2024-07-29T11:47:00Z"
    assert serde.dt_from_iso("2024-07-29T13:47:00+02:00") == datetime(2024, 7, 29, 11, 47, tzinfo=UTC)
    assert serde.to_jsonable({Action.EXCLUDE: np.float32(0.5), "n": np.int64(3), "bad": math.nan}) == {
        "exclude": 0.5,
        "n": 3,
        "bad": None,
    }
    assert serde.canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
