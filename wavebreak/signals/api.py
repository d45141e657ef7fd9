"""The one obvious Python entry point for signals: score texts or posts.

Why a module of its own: users and other stages should not need to know that
the work is split between toxicity, language ID and signals B's detectors;
both functions reuse one lazily built :class:`SignalsStage` (models load once).
"""

from __future__ import annotations

from functools import lru_cache

from wavebreak.core.records import Post, Signal
from wavebreak.signals.stage import SignalsStage


@lru_cache(maxsize=1)
def _stage() -> SignalsStage:
    return SignalsStage(slow_path=False)


def score_texts(texts: list[str], langs: list[str | None] | None = None) -> list[dict[str, Signal]]:
    """Every fast text signal (lang, hate, incitement, threat, abuse, identity_claim, rumour, stance) per text.

    ``langs`` are optional platform-declared languages, used only when the
    language model is unsure.
    """
    return _stage().score_texts(list(texts), langs)


def score_posts(posts: list[Post]) -> list[dict[str, Signal]]:
    """Signals per post, in order; reposts without text inherit from their original when it is in ``posts``."""
    from wavebreak.pipeline.context import PipelineContext
    from wavebreak.pipeline.stage import Batch

    batch = Batch(posts=list(posts))
    stage = SignalsStage(slow_path=False, repost_cache_size=max(1, len(posts)), b_signals=True)
    stage.process(batch, PipelineContext())
    return [batch.signals[p.id] for p in posts]
