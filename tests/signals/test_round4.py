"""Round 4 (signals quality): attributed calls and quotes, French benign templates, fairness table.

Why these tests: the round-4 fix for French counter-speech and identity-mention false positives is
training data plus two toxicity-only features. The tests pin what each part promises (the features
fire on third-party attribution and never on a first-person call; train and test templates stay
disjoint) and the held-out figures the brief sets as targets (fairness table <= 10 % per group).
"""

from __future__ import annotations

import pytest

from wavebreak.signals.data.templates import TEMPLATES, dataset, template_split
from wavebreak.signals.text import normalise
from wavebreak.signals.toxicity import word_features

FAIRNESS_FPR_MAX = 0.10  # brief target for benign identity mentions, per group and language


def _extra(text: str) -> set[str]:
    return {f for f in word_features(normalise(text)) if f.startswith("__attributed")}


@pytest.mark.parametrize(
    "text",
    [
        "Des casseurs veulent incendier la mosquée, nous serons là",
        "des émeutiers ont tenté d'incendier le foyer hier soir",
        "Rioters tried to set fire to the asylum hotel, police said",
        "the thugs who want to burn the mosque do not speak for us",
    ],
)
def test_attributed_call_to_action_fires_for_third_parties(text: str) -> None:
    assert "__attributed_cta__" in _extra(text)


@pytest.mark.parametrize(
    "text",
    [
        "on veut brûler la mosquée ce soir",
        "we want to burn the mosque tonight",
        "let's burn the asylum hotel tonight",
        "brûlons le foyer des migrants",
    ],
)
def test_first_person_calls_are_not_attributed(text: str) -> None:
    assert "__attributed_cta__" not in _extra(text)


def test_attributed_quote_needs_a_speech_verb_and_a_quote() -> None:
    assert "__attributed_quote__" in _extra("Racists chanting 'send them all back' should be ashamed")
    assert "__attributed_quote__" in _extra(
        "ceux qui crient « dehors » devant la mosquée devraient avoir honte"
    )
    assert "__attributed_quote__" not in _extra("send them all back, every one of them")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_template_ids_unique_and_splits_disjoint(lang: str) -> None:
    ids = [tid for tid, _, _ in TEMPLATES[lang]]
    assert len(ids) == len(set(ids))
    ds = dataset((lang,))
    train_tpl = {e.template for e in ds["train"]}
    test_tpl = {e.template for e in ds["test"]}
    assert train_tpl.isdisjoint(test_tpl)
    assert all(template_split(lang, t) == "test" for t in test_tpl)
    # no held-out sentence is also a training sentence (slot words may repeat, whole sentences may not)
    assert {e.text for e in ds["train"]}.isdisjoint({e.text for e in ds["test"]})


def test_round4_templates_exist_in_both_splits() -> None:
    """Some round-4 templates must be held out, so the new data is also measured on unseen phrasings."""
    new = [tid for tid, _, _ in TEMPLATES["fr"] if tid.split("-")[1] in {f"{k}" for k in range(50, 64)}]
    assert new
    splits = {template_split("fr", t) for t in new}
    assert splits == {"train", "test"}


def test_fairness_table_within_target() -> None:
    from wavebreak.signals.eval import eval_templates

    fair = eval_templates()["fairness"]
    for lang in ("en", "fr"):
        for group, row in fair[lang].items():
            assert row["any_fpr"] <= FAIRNESS_FPR_MAX, (lang, group, row)


def test_fallback_test_templates_stay_held_out() -> None:
    """A template once used for evaluation never moves into training when the split fallback changes."""
    from wavebreak.signals.data.templates import STAY_HELD_OUT

    for lang, ids in STAY_HELD_OUT.items():
        for tid in ids:
            assert template_split(lang, tid) == "test", (lang, tid)
