"""Per-post and per-account signals: language, toxicity, identity claims, rumour, stance, credibility.

``score_texts`` and ``score_posts`` are re-exported lazily (PEP 562) so that
importing a light submodule (``wavebreak.signals.text``) does not load models
or scikit-learn.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SignalsStage", "score_posts", "score_texts"]


def __getattr__(name: str) -> Any:
    if name in ("score_texts", "score_posts"):
        from wavebreak.signals import api

        return getattr(api, name)
    if name == "SignalsStage":
        from wavebreak.signals.stage import SignalsStage

        return SignalsStage
    raise AttributeError(f"module 'wavebreak.signals' has no attribute {name!r}")
