"""Hand-written HateCheck-style functional suite (EN, FR) against the shipped model.

Targets from the brief: hate/incitement functional accuracy >= 85 %, benign identity-mention
and counter-speech FPR <= 10 %, per language, all asserted at the target itself (the French
counter-speech gap, 0.125, was closed in round 4; see docs/models/toxicity.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from wavebreak.signals.eval import eval_functional, load_functional

HATE_INCITEMENT_TARGET = 0.85
BENIGN_IDENTITY_FPR_MAX = 0.10
COUNTER_SPEECH_FPR_MAX = 0.10  # brief target; EN 0.000, FR 0.000 since round 4 (FR was 0.125 before)


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    return eval_functional(("en", "fr"))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_suite_is_hand_written_and_covers_functionalities(lang: str) -> None:
    suite = load_functional(lang)
    for f in (
        "identity_neutral",
        "identity_positive",
        "negated_hate",
        "counter_speech",
        "reporting",
        "hate_direct",
        "hate_spelling",
        "threat_direct",
        "threat_indirect",
        "incitement_place",
        "incitement_group",
    ):
        assert len(suite[f]) >= 5, f


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_hate_and_incitement_accuracy(results: dict[str, Any], lang: str) -> None:
    r = results[lang]
    assert r["hate_incitement_accuracy"] >= HATE_INCITEMENT_TARGET, r["failures"]
    for f, acc in r["per_functionality"].items():
        if f.startswith(("hate", "incitement")):
            assert acc >= HATE_INCITEMENT_TARGET - 0.2, (f, acc)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_benign_identity_mentions_not_flagged(results: dict[str, Any], lang: str) -> None:
    assert results[lang]["benign_identity_fpr"] <= BENIGN_IDENTITY_FPR_MAX


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_counter_speech_fpr(results: dict[str, Any], lang: str) -> None:
    assert results[lang]["counter_speech_fpr"] <= COUNTER_SPEECH_FPR_MAX


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_threats_detected(results: dict[str, Any], lang: str) -> None:
    acc = results[lang]["per_functionality"]
    assert acc["threat_direct"] >= 0.8 and acc["threat_indirect"] >= 0.6


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_implicit_call_lookalikes_not_flagged(results: dict[str, Any], lang: str) -> None:
    """Round 7's benign look-alikes of implicit calls (canvassing, "bring snacks", collections): the guard
    any later recall work on ``implicit_call`` must keep (0.000 with the shipped model)."""
    assert results[lang]["implicit_call_lookalike_fpr"] == 0.0
    assert results[lang]["implicit_call_recall"] is not None
