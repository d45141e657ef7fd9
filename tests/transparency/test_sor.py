"""Statements of reasons: schema validity, conditional rules, no personal data, submission client."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from wavebreak.transparency.fake_dsa_api import make_app
from wavebreak.transparency.sor import build_statements
from wavebreak.transparency.sor_client import SorClient
from wavebreak.transparency.sor_schema import validate_statement


@pytest.fixture(scope="module")
def built(demo_store: Any) -> Any:
    return build_statements(demo_store)


def test_every_exported_statement_validates(built: Any) -> None:
    assert len(built.statements) > 50
    assert built.invalid() == []
    puids = [s["puid"] for s in built.statements]
    assert len(puids) == len(set(puids))
    kinds = {s["content_type"][0] for s in built.statements}
    assert "CONTENT_TYPE_TEXT" in kinds and kinds <= {"CONTENT_TYPE_TEXT", "CONTENT_TYPE_OTHER"}
    # OTHER is used for account measures only (suspensions after repeated strikes), and says so.
    assert all(
        s.get("content_type_other") == "account"
        for s in built.statements
        if s["content_type"] == ["CONTENT_TYPE_OTHER"]
    )


def test_no_personal_data_in_statements(built: Any, demo_store: Any) -> None:
    text = json.dumps(built.statements, ensure_ascii=False)
    post_ids = {p for s in [demo_store] for p in s.narrative_post_ids(s.list_narratives(limit=1)[0].id)}
    sample = list(post_ids)[:200]
    posts = demo_store.get_posts(sample)
    handles = {demo_store.get_account(p.author_id).handle for p in posts[:100]}
    for h in handles:
        assert f"@{h}" not in text and f'"{h}"' not in text
    for p in posts:
        assert p.id not in text  # puid is a keyed hash, facts never name the post
        if len(p.text) > 30:
            assert p.text[:30] not in text


GOOD: dict[str, Any] = {
    "decision_visibility": ["DECISION_VISIBILITY_CONTENT_DEMOTED"],
    "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    "incompatible_content_ground": "Hateful conduct",
    "incompatible_content_explanation": "Rule hate-demote fired.",
    "content_type": ["CONTENT_TYPE_TEXT"],
    "category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "territorial_scope": ["FR", "DE"],
    "content_date": "2024-07-29",
    "application_date": "2024-07-29",
    "decision_facts": "facts",
    "source_type": "SOURCE_VOLUNTARY",
    "automated_detection": "Yes",
    "automated_decision": "AUTOMATED_DECISION_FULLY",
    "puid": "wb-sor_0123abcd",
}


def test_good_statement_is_valid() -> None:
    assert validate_statement(GOOD) == {}


def _bad(**changes: Any) -> dict[str, Any]:
    s = copy.deepcopy(GOOD)
    for k, v in changes.items():
        if v is ...:
            s.pop(k, None)
        else:
            s[k] = v
    return s


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decision_visibility": ...}, "decision_visibility"),  # required_without_all
        ({"decision_visibility": ["DECISION_VISIBILITY_OTHER"]}, "decision_visibility_other"),
        ({"decision_monetary": "DECISION_MONETARY_OTHER"}, "decision_monetary_other"),
        ({"content_type": ["CONTENT_TYPE_OTHER"]}, "content_type_other"),
        ({"content_type": []}, "content_type"),
        ({"category_specification": ["KEYWORD_OTHER"]}, "category_specification_other"),
        ({"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"}, "illegal_content_legal_ground"),
        ({"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"}, "illegal_content_explanation"),
        ({"incompatible_content_ground": ...}, "incompatible_content_ground"),
        ({"incompatible_content_explanation": ...}, "incompatible_content_explanation"),
        ({"incompatible_content_explanation": "x" * 2001}, "incompatible_content_explanation"),
        ({"decision_facts": "x" * 5001}, "decision_facts"),
        ({"puid": "has space"}, "puid"),
        ({"puid": "a" * 501}, "puid"),
        ({"content_date": "29/07/2024"}, "content_date"),
        ({"content_date": "1999-12-31"}, "content_date"),
        ({"application_date": "2019-12-31"}, "application_date"),
        ({"end_date_visibility_restriction": "2039-01-01"}, "end_date_visibility_restriction"),
        ({"territorial_scope": ["GB"]}, "territorial_scope"),
        ({"category": "STATEMENT_CATEGORY_NOPE"}, "category"),
        ({"automated_detection": "yes"}, "automated_detection"),
        ({"content_language": "english"}, "content_language"),
        ({"source_type": ...}, "source_type"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_each_rule_rejects_with_field_named(changes: dict[str, Any], field: str) -> None:
    errors = validate_statement(_bad(**changes))
    assert field in errors, errors


def test_client_retries_and_records_accepted_batches(built: Any, tmp_path: Path) -> None:
    statements = built.statements[:250]
    app = make_app(token="t0k", failures=[429, 500, 503])
    http = TestClient(app)
    sleeps: list[float] = []
    ledger = tmp_path / "ledger.jsonl"
    client = SorClient("http://testserver", "t0k", ledger, http=http, sleep=sleeps.append)
    res = client.submit(statements)
    assert res.accepted == 250 and res.rejected == 0
    assert res.batches == 3  # 100 + 100 + 50
    assert res.retries == 3 and len(sleeps) == 3
    assert len(app.state.store) == 250
    lines = [json.loads(x) for x in ledger.read_text().splitlines()]
    assert {x["puid"] for x in lines} == {s["puid"] for s in statements}
    # idempotent: a second run sends nothing
    calls = app.state.calls
    again = SorClient("http://testserver", "t0k", ledger, http=http, sleep=sleeps.append).submit(statements)
    assert again.accepted == 0 and again.already == 250 and app.state.calls == calls


def test_client_recovers_from_lost_ledger(built: Any, tmp_path: Path) -> None:
    statements = built.statements[:30]
    app = make_app(token="t")
    http = TestClient(app)
    SorClient("http://testserver", "t", tmp_path / "a.jsonl", http=http).submit(statements[:10])
    res = SorClient("http://testserver", "t", tmp_path / "b.jsonl", http=http).submit(statements)
    assert res.already == 10 and res.accepted == 20 and len(app.state.store) == 30


def test_fake_api_rejects_invalid_and_oversized(tmp_path: Path) -> None:
    http = TestClient(make_app(token="t"))
    h = {"Authorization": "Bearer t"}
    r = http.post("/api/v1/statements", json={"statements": [_bad(puid="bad puid")]}, headers=h)
    assert r.status_code == 422 and "puid" in r.json()["errors"]["statement_0"]
    many = [_bad(puid=f"p{i}") for i in range(101)]
    assert http.post("/api/v1/statements", json={"statements": many}, headers=h).status_code == 422
    assert http.post("/api/v1/statement", json=GOOD).status_code == 401
    res = SorClient("http://testserver", "t", tmp_path / "l.jsonl", http=http).submit(
        [_bad(decision_facts="")]
    )
    assert res.rejected == 1 and res.accepted == 0


def test_narrative_statements_follow_the_gate_for_refutations_and_questions(tmp_path: Path) -> None:
    """A restrictive narrative decision is stated in full for the posts that repeat the claim, not at
    all for a post that refutes it, and for a question about it only as the label or context note
    the gate still shows on it (engine.question-exemption)."""
    from wavebreak.core.records import Action, Decision, Grounds, Post, Surface
    from wavebreak.decisions.stage import DecisionsStage
    from wavebreak.pipeline.context import PipelineContext
    from wavebreak.pipeline.stage import Batch
    from wavebreak.storage.sql import SqlStorage
    from wavebreak.transparency.sor import make_puid

    t0 = datetime(2024, 7, 29, 11, 47, tzinfo=UTC)

    def make_post(i: int) -> Post:
        return Post(id=f"demo:{i}", platform="demo", author_id=f"demo:a{i}", created_at=t0, text=f"post {i}")

    def make_decision(i: int, target: str, **kw: Any) -> Decision:
        base: dict[str, Any] = {
            "id": f"dec-{i}",
            "at": t0 + timedelta(minutes=i),
            "target_kind": "post",
            "target_id": target,
            "rule_id": "identity-claim-narrative",
            "grounds": Grounds("misinformation"),
        }
        return Decision(**{**base, **kw})

    def exemption(i: int, target: str, rule_id: str, flag: str) -> Decision:
        """A post decision that only exempts its post from narrative n1's restrictions."""
        return make_decision(
            i,
            target,
            actions={},
            item_action=Action.ALLOW,
            rule_id=rule_id,
            facts={flag: True},
            narrative_id="n1",
        )

    store = SqlStorage(str(tmp_path / "sor.db"))
    posts = [make_post(i) for i in range(5)]
    narrative = make_decision(
        10,
        "n1",
        target_kind="narrative",
        actions={
            Surface.TRENDS: Action.EXCLUDE,
            Surface.RECOMMENDATIONS: Action.DEMOTE,
            Surface.SEARCH: Action.CONTEXT_NOTE,
        },
        item_action=Action.ALLOW,
    )
    question = exemption(11, "demo:1", "engine.question-exemption", "question")
    refuting = exemption(12, "demo:2", "engine.refutation-protection", "refuting")
    claim_free = exemption(13, "demo:4", "engine.claim-free-exemption", "claim_free")
    batch = Batch(
        posts=posts,
        narrative_of={p.id: "n1" for p in posts},
        decisions=[narrative, question, refuting, claim_free],
    )
    DecisionsStage().process(batch, PipelineContext(storage=store))
    built = build_statements(store)
    store.close()
    by_puid = {s["puid"]: s for s in built.statements}
    full = by_puid[make_puid("dec-10", "demo:0")]
    assert "DECISION_VISIBILITY_CONTENT_DEMOTED" in full["decision_visibility"]
    assert make_puid("dec-10", "demo:3") in by_puid
    assert make_puid("dec-10", "demo:2") not in by_puid  # refutes: exempt from everything
    asked = by_puid[make_puid("dec-10", "demo:1")]
    assert asked["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_LABELLED"]
    # a post that shares the narrative's words but not its claim: stated like a question
    free = by_puid[make_puid("dec-10", "demo:4")]
    assert free["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_LABELLED"]
    assert built.invalid() == []
