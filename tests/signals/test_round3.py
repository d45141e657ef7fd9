"""Signals round 3: mobilisation cues, the one-table cue gate, the abuse cascade band, the slow-path
priority, and the demo held-out check (marked slow)."""

from __future__ import annotations

import pytest

from wavebreak.signals import text as T
from wavebreak.signals.text import cue_list, normalise


@pytest.mark.parametrize(
    "text",
    [
        "The asylum hotel. Tonight 9pm. Be there.",
        "Mosque on Station Road, 7pm tomorrow, bring everything you've got",
        "Ce soir à 19h devant le foyer, venez équipés",
    ],
)
def test_place_time_rally_emits_mobilise(text: str) -> None:
    cues = cue_list(normalise(text))
    assert {"__rally__", "__rally_x_place__", "__rally_x_time__", "__mobilise__"} <= set(cues)
    assert "__benign_x_rally__" not in cues


def test_benign_purpose_is_marked_next_to_a_rallying_phrase() -> None:
    cues = cue_list(normalise("Vigil in the town centre tonight at 8, be there and bring a candle"))
    assert "__mobilise__" in cues and "__benign_x_rally__" in cues


def test_expulsion_by_force_and_its_condemnation() -> None:
    assert "__expel_x_target__" in cue_list(normalise("They should all be rounded up and put on a boat"))
    cues = cue_list(normalise("Racists saying 'send them all back' don't speak for this town"))
    assert "__expel__" in cues and "__counter_x_mobilise__" in cues


def test_gate_table_never_skips_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-table gate gives the same cues as running every search (texts that stress prefixes)."""
    texts = [
        "let's show them tonight at the mosque",
        "get them all out by force, dehors les migrants",
        "police say the attacker was not a refugee, report this",
        "you absolute idiot, i know where you live",
        "we stand with our muslim neighbours, no place for hate",
        "le tribunal a condamné l'auteur des messages appelant à brûler l'hôtel",
        "soyez là ce soir, fini de parler",
        "a b c d e f",
        "",
    ]
    gated = [cue_list(normalise(t)) for t in texts]
    table, _ = T._gate_table()
    # every pattern always searched (the scanner finds nothing, every bit is always on)
    monkeypatch.setattr(T, "_gate_scanner", lambda: (T.re.compile(r"(?!)"), {}, (1 << 10) - 1))
    assert [cue_list(normalise(t)) for t in texts] == gated
    assert table  # the real table is not empty


def test_abuse_has_its_own_cascade_band() -> None:
    from wavebreak.core import constants as C
    from wavebreak.signals.toxicity import _UNCERTAIN

    assert _UNCERTAIN.tolist()[:3] == pytest.approx([C.SIGNALS_CASCADE_UNCERTAIN] * 3)
    assert _UNCERTAIN.tolist()[3] == pytest.approx(C.SIGNALS_CASCADE_UNCERTAIN_ABUSE)
    assert C.SIGNALS_CASCADE_UNCERTAIN_ABUSE > C.SIGNALS_CASCADE_UNCERTAIN


def test_implicit_call_scores_above_its_lookalike() -> None:
    from wavebreak.signals.toxicity import default_model

    p = default_model().predict(
        [
            "Meet at the asylum hotel 8pm tonight. Bring everything you've got.",
            "Charity collection at the mosque 8pm tonight, bring everything you can spare.",
        ]
    )
    assert p[0, 1] >= 0.5 > p[1, 1]


@pytest.mark.slow
def test_demo_heldout_incitement_recall() -> None:
    from wavebreak.signals.eval import eval_demo_incitement

    figs = eval_demo_incitement(scale=0.2)
    assert figs["incitement_posts"] > 0
    assert figs["policy"]["recall"] >= 0.5  # 0.15 before round 3 (full scale)
    assert figs["policy"]["fpr_benign_group_posts"] <= 0.01
