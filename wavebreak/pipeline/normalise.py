"""The first stage: make a batch consistent before any detector looks at it.

Why a stage of its own: adapters differ in what they know (Jetstream has no
follower counts, X embeds them, replays may repeat records). Normalising once
here means later stages can trust that every post has an author snapshot in
the account cache, that duplicates are gone and that the batch watermark is
the latest event time seen.
"""

from __future__ import annotations

from collections import OrderedDict

from wavebreak.core import constants as C
from wavebreak.core.records import Account, Platform
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.stage import Batch


class NormaliseStage:
    """Dedupe posts, refresh the account cache, advance event time."""

    name = "normalise"

    def __init__(self, dedupe_window: int = C.DEDUPE_WINDOW) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._window = dedupe_window
        self.duplicates = 0

    def process(self, batch: Batch, ctx: PipelineContext) -> None:
        accounts = ctx.accounts
        for acc in batch.accounts:
            accounts.put(acc)
        seen = self._seen
        kept = []
        for post in batch.posts:
            if post.id in seen:
                self.duplicates += 1
                continue
            seen[post.id] = None
            kept.append(post)
            author = post.author
            if author is not None:
                accounts.put(author)
            elif post.author_id not in accounts:
                # Jetstream and other author-less formats: a placeholder keeps
                # downstream stages total; later identity events refine it.
                accounts.put(Account(id=post.author_id, platform=post.platform or Platform.GENERIC))
        while len(seen) > self._window:
            seen.popitem(last=False)
        batch.posts = kept
        if kept:
            latest = max(kept[-1].created_at, kept[0].created_at)
            if batch.watermark is None or latest > batch.watermark:
                batch.watermark = latest
        if batch.watermark is not None and (ctx.now is None or batch.watermark > ctx.now):
            ctx.now = batch.watermark

    def close(self, ctx: PipelineContext) -> None:
        self._seen.clear()
