"""Builders for the API tests: a small SQLite store with posts, decisions, narratives and a legal hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wavebreak.core.records import (
    Account,
    Action,
    Decision,
    Grounds,
    LegalHold,
    Narrative,
    NarrativeStatus,
    Post,
    Surface,
)
from wavebreak.decisions.log import decision_event
from wavebreak.policy.holds import HoldRegistry

NOW = datetime.now(UTC).replace(microsecond=0)
HOLD_NAME = "Tobias Renshaw-Adeyemi"


def _decision(did: str, kind: str, target: str, actions: dict[Surface, Action], **kw: Any) -> Decision:
    return Decision(
        id=did,
        at=NOW - timedelta(hours=1),
        target_kind=kind,
        target_id=target,
        actions=actions,
        rule_id=kw.pop("rule_id", "identity-claim-post"),
        grounds=Grounds(platform_policy="Misleading information: unverified claims about crime suspects"),
        facts=kw.pop("facts", {"signals.identity_claim": 0.9}),
        expires_at=NOW + timedelta(days=7),
        explanation=kw.pop("explanation", f"{kind} {target}: rule fired"),
        **kw,
    )


def build_store(path: Path) -> Any:
    from wavebreak.storage import open_storage

    s = open_storage(path)
    acc = [
        Account(id=f"generic:u{i}", platform="generic", handle=f"u{i}", followers=100 * i) for i in range(4)
    ]
    posts = [
        Post(
            id="generic:p1",
            platform="generic",
            author_id="generic:u1",
            created_at=NOW,
            text="he came by boat",
        ),
        Post(
            id="generic:p2", platform="generic", author_id="generic:u2", created_at=NOW, text="nice weather"
        ),
        Post(
            id="generic:p3",
            platform="generic",
            author_id="generic:u3",
            created_at=NOW,
            text=f"the name is {HOLD_NAME}, share it",
        ),
        Post(id="generic:p4", platform="generic", author_id="generic:u1", created_at=NOW, text="same story"),
    ]
    s.add_accounts(acc)
    s.add_posts(posts)
    decisions = [
        _decision(
            "dec-p1",
            "post",
            "generic:p1",
            {Surface.TRENDS: Action.EXCLUDE, Surface.SEARCH: Action.DEMOTE},
            narrative_id="n1",
        ),
        _decision(
            "dec-n1",
            "narrative",
            "n1",
            {Surface.RECOMMENDATIONS: Action.DEMOTE},
            rule_id="identity-claim-narrative",
            narrative_id="n1",
        ),
    ]
    s.append_events([decision_event(d) for d in decisions])
    s.put_decisions(decisions)
    s.set_post_narratives([("generic:p1", "n1"), ("generic:p4", "n1")])
    s.upsert_narratives(
        [
            Narrative(
                id="n1",
                title="suspect came by boat",
                first_seen=NOW - timedelta(hours=2),
                last_seen=NOW,
                keywords=["boat", "suspect"],
                status=NarrativeStatus.ACTIVE,
                risk=0.8,
                posts_total=2,
                accounts_total=1,
                reach_total=100,
            ),
            Narrative(
                id="n2",
                title="weather",
                first_seen=NOW - timedelta(hours=2),
                last_seen=NOW,
                risk=0.1,
                posts_total=1,
                accounts_total=1,
                reach_total=200,
            ),
        ]
    )
    s.add_narrative_points([{"narrative_id": "n1", "at": NOW, "posts": 2, "accounts": 1, "reach": 100}])
    hold = LegalHold(
        id="hold-minor",
        title="Reporting restriction",
        terms=(HOLD_NAME,),
        jurisdictions=("GB",),
        legal_basis="CYPA 1933 s.49",
        starts_at=NOW - timedelta(days=1),
    )
    s.append_events([HoldRegistry().add(hold, actor="test")])
    return s


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
