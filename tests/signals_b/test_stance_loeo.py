"""``wavebreak eval signals`` stance figures: held-out (leave-one-event-out) first, in-sample labelled as such."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TRAINDEV = SHARED / "datasets" / "rumours" / "rumoureval2017" / "traindev"


def test_eval_signals_stance_reads_traindev_and_labels_in_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression: eval_stance used to read <shared>/.../rumoureval2017 (no posts.json there) and crash.
    from wavebreak.signals import eval as sig_eval
    from wavebreak.signals import stance

    seen: list[Path] = []

    def fake(folder: Path, *a: Any, **k: Any) -> dict[str, Any]:
        seen.append(Path(folder))
        return {"macro_f1": 0.0}

    monkeypatch.setattr(stance, "loeo", fake)
    monkeypatch.setattr(stance, "evaluate", fake)
    out = sig_eval.eval_stance(tmp_path)
    assert set(out) == {"heldout_leave_one_event_out", "in_sample_traindev_smoke_test", "official_test_split"}
    assert seen and all(p == stance.rumoureval_dir(tmp_path) for p in seen)


@pytest.fixture(scope="module")
def gated_loeo() -> dict[str, Any]:
    """One leave-one-event-out run with the signals stage's gate, shared by the tests below.

    Why shared: the gate only adds scoring (``as_pipeline``) to the same folds, so ``pooled`` is the
    ungated run's figure, and each run retrains eight folds (~35-75 s on the CI host)."""
    from wavebreak.signals.stage import stance_gate
    from wavebreak.signals.stance import loeo

    return loeo(TRAINDEV, gate=stance_gate)


@pytest.mark.slow
@pytest.mark.skipif(not TRAINDEV.exists(), reason="../shared RumourEval traindev not available")
def test_loeo_reproduces_the_documented_figure(gated_loeo: dict[str, Any]) -> None:
    from wavebreak.signals.stance import LABELS

    r = gated_loeo
    assert r["events"] == 8 and r["pooled"]["n"] == 4519
    assert set(r["pooled"]["per_class_f1"]) == set(LABELS)
    # docs/models/stance.md: 0.508 pooled (deterministic saga, random_state 0); the 0.55 target is not met
    assert 0.49 <= r["pooled"]["macro_f1"] <= 0.53


@pytest.mark.slow
@pytest.mark.skipif(not TRAINDEV.exists(), reason="../shared RumourEval traindev not available")
def test_loeo_as_pipeline_applies_the_signals_stage_gate(gated_loeo: dict[str, Any]) -> None:
    """Stance as the pipeline computes it: no thread context, and ``comment`` wherever the signals
    stage's gate does not model stance. Documented in docs/models/stance.md ("As the pipeline scores")."""
    from wavebreak.signals.stance import loeo

    r = gated_loeo
    model, bare, piped = r["pooled_with_lexicon"], r["without_context_with_lexicon"], r["as_pipeline"]
    assert 0.10 <= piped["modelled_share"] <= 0.15  # 0.124: most thread replies carry no claim cue
    assert piped["macro_f1"] < bare["macro_f1"] < model["macro_f1"]  # 0.316 < 0.485 < 0.508
    # a gate that models every post gives back the model's own no-context figure
    everything = loeo(TRAINDEV, gate=lambda texts: [True] * len(texts))["as_pipeline"]
    assert everything["macro_f1"] == pytest.approx(bare["macro_f1"]) and everything["modelled_share"] == 1.0
