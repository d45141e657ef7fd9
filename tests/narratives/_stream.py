"""Small hand-built streams for the narratives tests (no scenario generator needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wavebreak.core.records import Account, Post, PostKind, PublicMetrics, Signal
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.stage import Batch

T0 = datetime(2026, 7, 29, 12, 0, tzinfo=UTC)


def account(n: int | str, followers: int = 100, handle: str | None = None) -> Account:
    aid = f"demo:u{n}"
    return Account(id=aid, platform="demo", handle=handle or f"user{n}", followers=followers)


class Stream:
    """Builds posts with increasing ids and lets tests attach signals per post."""

    def __init__(self) -> None:
        self.n = 0
        self.signals: dict[str, dict[str, Signal]] = {}
        self.account_signals: dict[str, dict[str, Signal]] = {}

    def post(
        self,
        acc: Account,
        text: str,
        minutes: float,
        kind: PostKind = PostKind.POST,
        parent: str | None = None,
        urls: tuple[str, ...] = (),
        views: int = 0,
        signals: dict[str, float] | None = None,
        seconds: float = 0.0,
    ) -> Post:
        self.n += 1
        pid = f"demo:{self.n}"
        p = Post(
            id=pid,
            platform="demo",
            author_id=acc.id,
            created_at=T0 + timedelta(minutes=minutes, seconds=seconds),
            text=text,
            kind=kind,
            repost_of=parent if kind is PostKind.REPOST else None,
            quote_of=parent if kind is PostKind.QUOTE else None,
            reply_to=parent if kind is PostKind.REPLY else None,
            urls=urls,
            metrics=PublicMetrics(views=views),
            author=acc,
        )
        if signals:
            self.signals[pid] = {k: Signal(name=k, score=v) for k, v in signals.items()}
        return p

    def batch(self, posts: list[Post]) -> Batch:
        posts = sorted(posts, key=lambda p: p.created_at)
        ids = {p.id for p in posts}
        return Batch(
            posts=posts,
            signals={k: v for k, v in self.signals.items() if k in ids},
            account_signals=dict(self.account_signals),
        )


def run(stage, batches: list[Batch], ctx: PipelineContext | None = None) -> tuple[PipelineContext, list]:
    ctx = ctx or PipelineContext()
    alerts = []
    for b in batches:
        stage.process(b, ctx)
        alerts.extend(b.alerts)
    return ctx, alerts
