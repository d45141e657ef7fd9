"""Eighth session (H2): intimidation and "end of the talking" rallying phrases, expulsion slogans naming a
group and a place, "boat people" as a name for asylum seekers (wavebreak/signals/text.py).

Held-out cases: ``implicit_call_venue*`` in ``data/functional_{en,fr}.yaml`` (written before the change;
``*_after`` written after it and never used to change it). What is asserted is the guard the change
must keep: none of their look-alikes, nor any earlier look-alike suite, is flagged.
"""

from __future__ import annotations

from typing import Any

import pytest

from wavebreak.signals.eval import eval_functional
from wavebreak.signals.text import cue_list, normalise


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    return eval_functional()


@pytest.mark.parametrize(
    "text,cues",
    [
        ("No migrants in our town. Saturday, we end it.", {"__expel_x_target__", "__rally__"}),
        ("Make them afraid to walk these streets.", {"__rally__"}),
        ("Qu'ils aient peur de sortir.", {"__rally__"}),
        ("Plus un seul réfugié dans ce village.", {"__expel_x_target__"}),
        ("Boat people are arriving at the harbour.", {"__group__"}),
    ],
)
def test_new_cues_fire(text: str, cues: set[str]) -> None:
    assert cues <= set(cue_list(normalise(text)))


@pytest.mark.parametrize(
    "text", ["No cars in the town centre on Saturday.", "Make them feel welcome tonight."]
)
def test_new_cues_stay_quiet_on_lookalikes(text: str) -> None:
    got = set(cue_list(normalise(text)))
    assert not got & {"__expel__", "__rally__"}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_lookalikes_not_flagged(results: dict[str, Any], lang: str) -> None:
    acc = results[lang]["per_functionality"]
    for f in (
        "implicit_call_venue_lookalike",
        "implicit_call_venue_after_lookalike",
        "implicit_call_lookalike",
        "slang_group_lookalike",
    ):
        if f in acc:
            assert acc[f] == 1.0, f
