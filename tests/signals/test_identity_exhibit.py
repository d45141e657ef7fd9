"""Identity claims, signals round 6: a named person exhibited as the embodiment of a group, and the French
noun "le coupable". General EN/FR sentences written for this test (not from the demo scenario)."""

from __future__ import annotations

import pytest

from wavebreak.core.constants import IDENTITY_CLAIM_THRESHOLD
from wavebreak.core.records import Signal
from wavebreak.signals.identity_claims import extract


def _one(text: str) -> Signal:
    return extract([text], [None])[0]


@pytest.mark.parametrize(
    ("text", "name", "identity"),
    [
        ("Voilà ce que ces migrants nous ramènent… Youssef Haddad.", "Youssef Haddad", "migrant"),
        (
            "Voici ce que les clandestins font à nos filles : Omar Belkacem, 19 ans.",
            "Omar Belkacem",
            "migrant",
        ),
        (
            "Encore un demandeur d'asile. Ahmed Karimi. Et on nous dit de nous taire.",
            "Ahmed Karimi",
            "asylum_seeker",
        ),
        ("This is what these refugees bring to our streets - Tariq Mansour.", "Tariq Mansour", "refugee"),
        ("Yet another asylum seeker: Bilal Hussain, 22.", "Bilal Hussain", "asylum_seeker"),
    ],
)
def test_exhibited_name_is_an_identity_claim(text: str, name: str, identity: str) -> None:
    sig = _one(text)
    assert sig.label == "identity_claim", sig
    assert sig.score >= IDENTITY_CLAIM_THRESHOLD
    assert sig.data is not None
    assert sig.data["name"] == name
    assert identity in sig.data["identities"]
    assert any(name in s for s in sig.explanation)


@pytest.mark.parametrize(
    "text",
    [
        # praise: the same frame for a success story
        "Voilà ce que les réfugiés nous apportent : Samira Nouri, infirmière, a sauvé trois vies cette nuit.",
        "This is what refugees bring: thank you Hassan Ali for feeding the whole street.",
        # the name is not exhibited: a source, a companion, or the subject of a new sentence
        "Voici ce que pensent les musulmans de Marseille, selon Paul Lefèvre.",
        "Encore une réunion sur les migrants avec Claire Bernard ce soir.",
        "Encore des migrants à Calais cette nuit. Gérald Darmanin promet des renforts.",
        "Les migrants de Calais. Élisabeth Borne annoncera un plan lundi.",
        # no framing at all
        "Les migrants de Calais attendent une réponse de Jean Dupont.",
        # negated: the refutation keeps its own rule
        "Voilà ce que les rumeurs font : il n'est pas migrant. Karim Benali est né à Lyon.",
    ],
)
def test_other_name_mentions_are_not_claims(text: str) -> None:
    assert _one(text).label is None


def test_french_culprit_noun_is_a_role_but_the_adjective_is_not() -> None:
    sig = _one("Karim Benali, demandeur d'asile, voilà le coupable.")
    assert sig.label == "identity_claim"
    assert sig.data is not None and sig.data["role"] == "attacker"
    adj = _one("Un migrant reconnu coupable de vol à l'étalage, selon le tribunal.")
    assert adj.data is not None and adj.data["role"] is None
