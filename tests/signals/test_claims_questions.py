"""Seventh session (simulator residuals, issue #8): identity claims asked about, refuted by the absence of
evidence, or made with a name as subject / a radar idiom / French "l'attaquant"; enquiry markers.

The held-out cases live in ``data/functional_{en,fr}.yaml`` (``rumour_markers.query``, ``not_query``,
``correction_no_evidence`` and ``identity_claims``), committed before the rules changed (4f49414): at the
session-start code they scored query recall 0.0 / 0.0, no-evidence corrections 0.33 / 0.20, claims found
0.375 / 0.0 and non-claims labelled 0.375 / 0.5 (EN / FR). The floors below sit under the figures measured
after the change, so a change that loses several of them fails. The unit sentences are different ones.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wavebreak.core.records import Signal, SignalName
from wavebreak.policy.engine import question_reasons, refuting_reasons
from wavebreak.signals import identity_claims, rumour

DATA = Path(__file__).resolve().parents[2] / "wavebreak" / "signals" / "data"
RECALL_MIN = 0.8
FALSE_MAX = 0.15


def _cases(lang: str) -> dict:
    return yaml.safe_load((DATA / f"functional_{lang}.yaml").read_text(encoding="utf-8"))


def _marker(text: str) -> str | None:
    return rumour.score([text], [None])[0].label


def _claim(text: str) -> Signal:
    return identity_claims.extract([text], [None])[0]


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_held_out_query_markers(lang: str) -> None:
    rm = _cases(lang)["rumour_markers"]
    found = [_marker(t) == "query" for t in rm["query"]]
    false = [_marker(t) == "query" for t in rm["not_query"]]
    assert _share(found) >= RECALL_MIN, [t for t, f in zip(rm["query"], found, strict=True) if not f]
    assert _share(false) <= FALSE_MAX, [t for t, f in zip(rm["not_query"], false, strict=True) if f]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_held_out_no_evidence_corrections(lang: str) -> None:
    cases = _cases(lang)["rumour_markers"]["correction_no_evidence"]
    found = [_marker(t) == "correction" for t in cases]
    assert _share(found) >= RECALL_MIN, [t for t, f in zip(cases, found, strict=True) if not f]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_held_out_identity_claims(lang: str) -> None:
    ic = _cases(lang)["identity_claims"]
    found = [_claim(t).label == "identity_claim" for t in ic["claim"]]
    false = [_claim(t).label == "identity_claim" for t in ic["not_claim"]]
    assert _share(found) >= RECALL_MIN, [t for t, f in zip(ic["claim"], found, strict=True) if not f]
    assert _share(false) <= FALSE_MAX, [t for t, f in zip(ic["not_claim"], false, strict=True) if f]


@pytest.mark.parametrize(
    "text",
    [
        "Is the man they arrested really a refugee? Nobody official has said so.",
        "Honest question: was the knifeman actually on a watch list?",
        "Le tueur est-il vraiment un migrant ? Je ne trouve rien.",
        "Is it true the suspect is Paul Mercer? Any source?",
    ],
)
def test_yes_no_question_about_the_identity_is_not_a_claim(text: str) -> None:
    s = _claim(text)
    assert s.label is None and s.data["questioned"] and not s.data["negated"]
    assert s.score <= 0.35


@pytest.mark.parametrize(
    "text",
    [
        "He came here on a small boat. Why was he even allowed to stay?",  # wh-question after the claim
        "So how come he was on an MI5 watch list and still free?",  # a wh-question insinuates
        "Did you know the attacker was an asylum seeker?",
        "Peter Marsh was on the security services' radar for years.",
        "Le suspect, Hugo Lenoir, était fiché S.",
        "L'attaquante serait une clandestine.",
    ],
)
def test_assertions_stay_claims(text: str) -> None:
    assert _claim(text).label == "identity_claim"


@pytest.mark.parametrize(
    "text",
    [
        "Not a shred of proof the stabber was a refugee.",
        "Rien ne prouve que l'agresseur soit un demandeur d'asile.",
    ],
)
def test_absence_of_evidence_is_negation_and_correction(text: str) -> None:
    s = _claim(text)
    assert s.label is None and s.data["negated"]
    assert _marker(text) == "correction"


@pytest.mark.parametrize(
    "text",
    [
        "Sarah Klein was on the radar of three Premier League clubs.",  # a radar that is no watch list
        "Tom Reid was attacked by migrants outside the station.",  # the identity is the agents'
        "Anyone know where the vigil is tonight?",
    ],
)
def test_look_alikes_are_not_claims(text: str) -> None:
    assert _claim(text).label is None


def _signals(text: str, stance: tuple[str, float] = ("comment", 0.9)) -> dict[str, Signal]:
    return {
        SignalName.IDENTITY_CLAIM.value: _claim(text),
        SignalName.RUMOUR.value: rumour.score([text], [None])[0],
        SignalName.STANCE.value: Signal(name=SignalName.STANCE, score=stance[1], label=stance[0]),
    }


def test_policy_reads_a_yes_no_question_as_a_question_not_a_claim() -> None:
    # before: identity claim 0.8 vetoed the question exemption and no marker was found
    sig = _signals("Was he really an asylum seeker who came by boat? Genuine question.")
    assert question_reasons(sig)


def test_policy_reads_zero_evidence_as_refuting() -> None:
    # before: identity claim 0.8 and no correction marker
    sig = _signals("There is zero evidence the suspect came by boat. Wait for the police.")
    assert refuting_reasons(sig, None, None)


def test_policy_does_not_exempt_a_labelled_claim_followed_by_a_rhetorical_question() -> None:
    # the claim is asserted in its own sentence (labelled, below 0.6); the stance model hears the closing
    # question as a query
    text = "So it's Dan Cole. an asylum seeker who came over on a small boat. How is this allowed?"
    sig = _signals(text, stance=("query", 0.55))
    assert sig[SignalName.IDENTITY_CLAIM.value].label == "identity_claim"
    assert not question_reasons(sig)


@pytest.mark.parametrize(
    "text",
    [
        "Le tueur d'enfants de Port Isaac serait un clandestin arrivé en bateau.",
        "In Port Isaac was a refugee camp for years.",
    ],
)
def test_a_place_after_a_preposition_is_not_a_name(text: str) -> None:
    # the narratives stage links posts by the claimed name: a place taken for one pulled vigil and news posts
    # into the claim's narrative (simulator seed 8, "Marlowe Bay")
    assert _claim(text).data["name"] is None


def test_eval_reports_the_held_out_claim_marker_figures() -> None:
    from wavebreak.signals.eval import eval_claim_markers

    out = eval_claim_markers()
    for lang in ("en", "fr"):
        m = out[lang]
        assert m["query_recall"] >= RECALL_MIN and m["not_query_fpr"] <= FALSE_MAX
        assert m["identity_claim_recall"] >= RECALL_MIN and m["identity_not_claim_fpr"] <= FALSE_MAX
        assert m["no_evidence_correction_recall"] >= RECALL_MIN
        assert m["correction_recall"] >= 0.8  # round 6's held-out corrections, unchanged (0.857 / 1.0)


@pytest.mark.parametrize(
    "text",
    [
        "No, it wasn't him. Check the official statement before you share anything.",
        "Police confirm the name doing the rounds on here is wrong.",
        "The photo everyone is sharing of the attacker is wrong, that's a footballer from Leeds.",
        "Non, ce n'était pas lui. Lisez le communiqué de la police avant de partager.",
        "La police confirme que le nom qui tourne sur les réseaux est erroné.",
        "Completely false. Read the statement.",
        "La rumeur était fausse, il est né ici.",
    ],
)
def test_denials_of_who_the_suspect_is_are_corrections(text: str) -> None:
    # held-out `correction_denial` cases: a refutation without a stock correction word
    assert rumour.score([text], [None])[0].label == "correction"


@pytest.mark.parametrize(
    "text",
    [
        "It wasn't me who left the back door open!",
        "No, it wasn't cheap, but the concert was worth every penny.",
        "Check the official statement for the new opening hours.",
        "Police confirm the name of the school that will host the vigil.",
        "Lisez le communiqué de la mairie pour les nouveaux horaires.",
        "La police confirme le nom de l'école qui accueillera la veillée.",
        "Completely false alarm at the station, all fine now.",
        "My name is wrong on the booking again.",
        "Mon nom est mal écrit sur la réservation.",
    ],
)
def test_everyday_wording_in_the_denial_frames_is_not_a_correction(text: str) -> None:
    assert rumour.score([text], [None])[0].label != "correction"


def test_eval_reports_the_denial_figures() -> None:
    from wavebreak.signals.eval import eval_claim_markers

    out = eval_claim_markers()
    for lang in ("en", "fr"):
        assert out[lang]["denial_correction_recall"] >= 0.8  # 0.857 / 0.8; before the rules 0.143 / 0.6
        assert out[lang]["terse_correction_recall"] == 1.0  # before the rules 0.75 / 0.667
        assert out[lang]["not_terse_correction_fpr"] == 0.0
