"""Regressions from the eighth session's review of the merged change (found by a reviewer who wrote these
sentences after the rules, so they are regressions, not held-out figures).

- A denial word only negates the claim when it governs a report of it: "police reject viral claim that the
  suspect was ..." is a reported denial, "they rejected his asylum claim, the attacker was ..." asserts.
- The expulsion slogan needs a place of one's own ("no migrants in our town"): "no refugees in the camp
  were hurt" is news.
- Intimidation phrases need their target ("make them too scared to come back"), not a speaker's own fear.
- Join phrases do not catch de-escalation ("lets go home everyone", "leaving now, too dangerous").
"""

from __future__ import annotations

import pytest

from wavebreak.signals import identity_claims
from wavebreak.signals import reply_context as rc
from wavebreak.signals import toxicity as tox
from wavebreak.signals.text import normalise_flag

ASSERTED_DESPITE_DENIAL_WORDS = [
    "They rejected his asylum claim, the attacker was a Muslim asylum seeker",
    "Deny it all you want, the attacker was a Muslim asylum seeker",
    "Stop denying the truth, the attacker was a Muslim asylum seeker",
    "Media keep denying it and the attacker was a Muslim asylum seeker",
    "Sa demande d'asile avait été rejetée, le tueur était un migrant musulman",
]
REPORTED_DENIALS = [
    "Marlowe Bay attack: police reject viral claim suspect was an asylum seeker",
    "Officers deny reports the attacker arrived in the UK on a small boat.",
    "La police dément que le suspect soit un demandeur d'asile.",
]


@pytest.mark.parametrize("text", ASSERTED_DESPITE_DENIAL_WORDS)
def test_a_denial_word_that_governs_no_report_does_not_negate_the_claim(text: str) -> None:
    (sig,) = identity_claims.extract([text], [None])
    assert sig.label == "identity_claim", (text, sig.score)


@pytest.mark.parametrize("text", REPORTED_DENIALS)
def test_a_reported_denial_is_not_an_identity_claim(text: str) -> None:
    (sig,) = identity_claims.extract([text], [None])
    assert sig.label is None and sig.data["negated"], (text, sig.score)


BENIGN = [
    "No refugees in the camp were hurt, the charity said.",
    "Pas de migrants au centre d'accueil depuis lundi, selon la préfecture.",
    "Too scared to go out after dark these days, my nan says",
    "We end it here: thanks for watching",
]


def test_benign_group_news_and_everyday_fear_are_not_flagged() -> None:
    import wavebreak.core.constants as C

    scores = tox.default_model().predict(BENIGN)
    assert (scores < C.SIGNALS_TOXICITY_FLAG).all(), dict(
        zip(BENIGN, scores.max(axis=1).round(2), strict=True)
    )


def test_the_slogan_with_a_place_of_ones_own_still_counts() -> None:
    from wavebreak.signals.text import EXPEL

    assert EXPEL.search(normalise_flag("No migrants in our town. Enough.")[0])
    assert EXPEL.search(normalise_flag("Plus un seul migrant dans notre village.")[0])


@pytest.mark.parametrize(
    "text",
    [
        "Lets go home everyone",
        "Leaving now, too dangerous",
        "Say the word and I will call 999",
        "Riot vans are coming to the square, get inside",
    ],
)
def test_de_escalation_is_not_joining(text: str) -> None:
    assert not rc.joins(normalise_flag(text)[0])


@pytest.mark.parametrize("text", ["Count me in", "We're all coming", "I'm coming, see you there"])
def test_first_person_commitments_still_join(text: str) -> None:
    assert rc.joins(normalise_flag(text)[0])
