"""Normalisation folds the disguises hateful posts use into one canonical form."""

from __future__ import annotations

import pytest

from wavebreak.signals.text import cue_tokens, normalise, normalise_light


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("m0zl3ms", "muslims"),
        ("k.i.l.l them", "kill them"),
        ("muuuuslims", "muslims"),
        ("#BurnThemOut now", "burn them out now"),
        ("Brûlez   la MOSQUÉE", "brulez la mosquee"),
        ("see https://t.co/abc @bob", "see url @user"),
        ("Ｍｕｓｌｉｍｓ", "muslims"),
        ("fish &amp; chips", "fish & chips"),
    ],
)
def test_normalise_folds_variants(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_normalise_keeps_plain_numbers() -> None:
    assert normalise("200 asylum seekers in 2024") == "200 asylum seekers in 2024"


def test_light_normalisation_keeps_accents_for_language_id() -> None:
    assert normalise_light("Brûlez @bob https://x.y") == "brûlez"


def test_cues_mark_call_to_action_against_target() -> None:
    cues = cue_tokens(normalise("everyone to the asylum hotel, burn it down")).split()
    assert "__cta_x_target__" in cues
    assert "__place__" in cues


def test_cues_mark_counter_speech() -> None:
    cues = cue_tokens(normalise("we condemn anyone calling migrants vermin")).split()
    assert "__counter__" in cues and "__group_x_derog__" in cues
