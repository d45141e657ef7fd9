"""The signals slow path and claim matching share one USE encoder per process."""

from __future__ import annotations

import numpy as np

from wavebreak.signals.claim_match import _default_embedder
from wavebreak.signals.embedders import SharedUSE
from wavebreak.signals.stage import SignalsStage

TEXT = "Police say the man arrested in Marlowe Bay was not an asylum seeker"


def test_slow_path_and_claim_matching_use_the_same_encoder() -> None:
    stage = SignalsStage()
    v = stage.embed([TEXT])
    assert v.shape == (1, 512) and abs(float(np.linalg.norm(v[0])) - 1.0) < 1e-4
    assert _default_embedder() is SharedUSE.get() is stage._encoder  # loaded once
    w = _default_embedder().encode([TEXT, "Un autre texte"])
    assert np.allclose(v[0], w[0], atol=1e-5)  # same vector whatever the call's size
