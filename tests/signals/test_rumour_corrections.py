"""Rumour correction markers (signals round 6): common refutation phrasings, and what must stay unmarked.

The held-out cases live in ``data/functional_{en,fr}.yaml`` under ``rumour_markers`` (written before the
markers were extended, never used to write them beyond what docs/models/toxicity.md reports); the floors
below sit under the figures measured when they were added (EN 12/14 corrections found, 1/12 false; FR
12/12, 1/10), so a change that loses several of them fails. The unit sentences are different ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wavebreak.signals.rumour import score

DATA = Path(__file__).resolve().parents[2] / "wavebreak" / "signals" / "data"
HELD_OUT_RECALL_MIN = 0.8
HELD_OUT_FALSE_MAX = 0.15


def _label(text: str) -> str | None:
    return score([text], [None])[0].label


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_held_out_correction_cases(lang: str) -> None:
    cases = yaml.safe_load((DATA / f"functional_{lang}.yaml").read_text(encoding="utf-8"))["rumour_markers"]
    found = [_label(t) == "correction" for t in cases["correction"]]
    false = [_label(t) == "correction" for t in cases["not_correction"]]
    assert len(found) >= 10 and len(false) >= 10
    assert sum(found) / len(found) >= HELD_OUT_RECALL_MIN, [
        t for t, f in zip(cases["correction"], found, strict=True) if not f
    ]
    assert sum(false) / len(false) <= HELD_OUT_FALSE_MAX, [
        t for t, f in zip(cases["not_correction"], false, strict=True) if f
    ]


@pytest.mark.parametrize(
    "text",
    [
        "This story is made up, the police never said that.",
        "Officials have rejected the claim that the shooter was a refugee.",
        "The rumours have been dismissed by detectives.",
        "No truth to the reports about the hotel.",
        "That video is from 2016 and totally out of context.",
        "The so-called witness never existed.",
        "Ces rumeurs sont sans fondement.",
        "Aucun lien avec l'agression de samedi, précise le parquet.",
        "La préfecture a réfuté ces affirmations.",
        "Ne la partagez pas, c'est une vieille vidéo.",
    ],
)
def test_refutation_phrasings_are_corrections(text: str) -> None:
    assert _label(text) == "correction"


@pytest.mark.parametrize(
    "text",
    [
        "The squad is made up of youngsters from the academy.",
        "She made up for lost time in the second half.",
        "I took the wrong turn on the ring road.",
        "That shop doesn't exist any more, it closed in 2019.",
        "Aucun lien dans la description de la vidéo.",
        "Un faux pas et c'est fini pour l'équipe.",
        "Le magasin n'existe plus depuis des années.",
        "It didn't happen to me, luckily.",
    ],
)
def test_everyday_uses_are_not_corrections(text: str) -> None:
    assert _label(text) != "correction"
