"""The first stage: make a batch consistent before any detector looks at it.

Why a stage of its own: adapters differ in what they know (Jetstream has no
follower counts, X embeds them, replays may repeat records). Normalising once
here means later stages can trust that every post has an author snapshot in
the account cache, that duplicates are gone and that the batch watermark is
the latest event time seen.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

from wavebreak.core import constants as C
from wavebreak.core.records import Account, Platform, Post
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.stage import Batch


class NormaliseStage:
    """Dedupe posts, let newer versions of edited posts through, refresh the account cache,
    advance event time.

    A post id seen again is a duplicate (replays, overlapping pages) unless it carries an
    ``edited_at`` newer than the version seen: then it is an edit, kept and listed in
    ``batch.extras["edited"]`` so that later stages re-score and re-decide it without counting it
    as a new post (an edit after a post spread puts new words in front of an audience it has).
    """

    name = "normalise"

    def __init__(self, dedupe_window: int = C.DEDUPE_WINDOW) -> None:
        # post id -> edited_at of the version seen (None for an original)
        self._seen: OrderedDict[str, datetime | None] = OrderedDict()
        self._window = dedupe_window
        self.duplicates = 0
        self.edits = 0

    def process(self, batch: Batch, ctx: PipelineContext) -> None:
        accounts = ctx.accounts
        for acc in batch.accounts:
            accounts.put(acc)
        seen = self._seen
        kept: list[Post] = []
        in_batch: dict[str, int] = {}  # id -> index in ``kept``: a batch holds one version per post
        for post in batch.posts:
            if post.id in seen:
                edited_at = post.edited_at
                last = seen[post.id]
                if edited_at is None or (last is not None and edited_at <= last):
                    self.duplicates += 1
                    continue
                seen[post.id] = edited_at
                seen.move_to_end(post.id)
                self.edits += 1
                i = in_batch.get(post.id)
                if i is not None:  # an older version earlier in this batch: no stage saw it yet
                    kept[i] = post
                    continue
                batch.extras.setdefault("edited", set()).add(post.id)
            else:
                seen[post.id] = post.edited_at
            in_batch[post.id] = len(kept)
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
