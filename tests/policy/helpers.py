"""Small builders for hand-made batches (no models, no data files)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from wavebreak.core.records import (
    Account,
    AccountKind,
    Action,
    Decision,
    Grounds,
    Narrative,
    NarrativeStatus,
    Post,
    Signal,
    Surface,
)
from wavebreak.pipeline.stage import Batch

T0 = datetime(2024, 7, 29, 12, 0, tzinfo=UTC)


def account(
    aid: str, followers: int, kind: AccountKind = AccountKind.PERSON, region: str | None = None
) -> Account:
    return Account(id=aid, platform="demo", handle=aid, followers=followers, kind=kind, region=region)


def post(pid: str, text: str, author: Account, minutes: int = 0, lang: str = "en") -> Post:
    return Post(
        id=pid,
        platform="demo",
        author_id=author.id,
        created_at=T0 + timedelta(minutes=minutes),
        text=text,
        lang=lang,
        author=author,
    )


def sig(name: str, score: float, label: str | None = None, data: dict[str, Any] | None = None) -> Signal:
    return Signal(name=name, score=score, label=label, data=data)


def decision(
    did: str, kind: str, target: str, actions: dict[Surface, Action], rule_id: str = "r", **kw: Any
) -> Decision:
    """A hand-made decision at ``T0`` (``at`` and any other field can be passed in ``kw``)."""
    kw.setdefault("at", T0)
    return Decision(
        id=did,
        target_kind=kind,
        target_id=target,
        actions=actions,
        rule_id=rule_id,
        grounds=Grounds("t"),
        **kw,
    )


def batch(posts: list[Post], signals: dict[str, dict[str, Signal]] | None = None, **kw: Any) -> Batch:
    b = Batch(posts=posts, signals=signals or {}, **kw)
    b.watermark = max(p.created_at for p in posts) if posts else T0
    return b


class FakeNarratives:
    """The narratives service interface (get, metrics) over fixed data."""

    def __init__(self) -> None:
        self.narratives: dict[str, Narrative] = {}
        self.m: dict[str, dict[str, Any]] = {}

    def add(self, nid: str, title: str, keywords: list[str], **metrics: Any) -> Narrative:
        n = Narrative(id=nid, title=title, first_seen=T0, last_seen=T0, keywords=keywords)
        n.risk = float(metrics.get("risk", 0.0))
        n.status = NarrativeStatus.ACTIVE
        if metrics.pop("alerted", False):
            n.alerted_at = T0
        self.narratives[nid] = n
        self.m[nid] = {"posts": 10, "accounts": 10, "reach": 1000, **metrics}
        return n

    def get(self, nid: str) -> Narrative:
        return self.narratives[nid]

    def metrics(self, nid: str) -> dict[str, Any]:
        return self.m[nid]


def suspect_narratives(**metrics: Any) -> FakeNarratives:
    """Narrative ``n1``: an alerted identity claim about a suspect, big enough for the default pack
    to restrict it (``metrics`` add to or override its figures)."""
    nars = FakeNarratives()
    base: dict[str, Any] = {
        "identity_claim_share": 0.6,
        "risk": 0.7,
        "alerted": True,
        "reach": 5_000_000,
        "accounts": 400,
    }
    nars.add("n1", "suspect named as asylum seeker", ["asylum", "boat", "ali"], **(base | metrics))
    return nars
