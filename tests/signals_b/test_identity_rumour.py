"""Identity-claim extraction and rumour markers, EN and FR, with negative cases."""

from __future__ import annotations

import pytest

from wavebreak.core.records import Signal
from wavebreak.signals.identity_claims import extract
from wavebreak.signals.rumour import score


def _one(text: str) -> Signal:
    return extract([text], [None])[0]


def test_english_full_claim_role_name_identities() -> None:
    sig = _one("The attacker was Ali Al-Shakati, a Muslim asylum seeker who came by boat last year")
    assert sig.name == "identity_claim"
    assert sig.label == "identity_claim"
    assert sig.data is not None
    assert sig.data["role"] == "attacker"
    assert sig.data["name"] == "Ali Al-Shakati"
    assert {"muslim", "asylum_seeker", "arrived_by_boat"} <= set(sig.data["identities"])
    assert sig.score > 0.85
    assert any("Ali Al-Shakati" in s for s in sig.explanation)


def test_french_full_claim() -> None:
    sig = _one("L'assaillant s'appelle Ali Al-Shakati, un demandeur d'asile arrivé en bateau, fiché S")
    assert sig.label == "identity_claim"
    assert sig.data is not None
    assert sig.data["role"] == "attacker"
    assert sig.data["name"] == "Ali Al-Shakati"
    assert {"asylum_seeker", "arrived_by_boat", "on_watch_list"} <= set(sig.data["identities"])


@pytest.mark.parametrize(
    ("text", "identity"),
    [
        ("he is a migrant on an MI6 watch list", "on_watch_list"),
        ("The suspect is known to mental health services", "mental_health"),
        ("Le suspect était connu des services de renseignement", "on_watch_list"),
        ("the suspect is a foreign national", "foreign_national"),
    ],
)
def test_attributed_identities(text: str, identity: str) -> None:
    sig = _one(text)
    assert sig.label == "identity_claim"
    assert sig.data is not None
    assert identity in sig.data["identities"]


def test_named_suspect_without_identity() -> None:
    sig = _one("BREAKING: the suspect has been named as John Smith")
    assert sig.data is not None
    assert sig.data["role"] == "suspect"
    assert sig.data["name"] == "John Smith"
    assert sig.label == "identity_claim"


def test_sports_attacker_is_not_a_claim() -> None:
    sig = _one("The attacker scored twice in the match")
    assert sig.label is None
    assert sig.score < 0.5
    assert sig.data is not None and sig.data["role"] is None


def test_topical_mention_is_not_a_claim() -> None:
    sig = _one("asylum seekers deserve protection")
    assert sig.label is None
    assert 0 < sig.score < 0.5


def test_refutation_keeps_mention_but_is_not_labelled() -> None:
    # Decision (documented in docs/models/identity_claims.md): a refutation still *mentions* the
    # identity (data keeps it, negated=True) but is never labelled an identity claim.
    for text in (
        "Police say he is NOT an asylum seeker",
        "False claims that the attacker was a migrant are spreading",
        "La police précise qu'il n'est pas un demandeur d'asile",
    ):
        sig = _one(text)
        assert sig.label is None, text
        assert sig.data is not None and sig.data["negated"] is True, text
        assert sig.data["identities"], text


def test_no_trigger_is_empty() -> None:
    sig = _one("lovely day at the beach")
    assert sig.score == 0.0 and sig.label is None


def test_length_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        extract(["a", "b"], [None])


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Is this true?", "query"),
        ("can anyone confirm this?", "query"),
        ("c'est vrai ?", "query"),
        ("Quelqu'un peut confirmer ?", "query"),
        ("Police say this is false", "correction"),
        ("Debunked. Stop sharing it", "correction"),
        ("C'est faux, arrêtez de partager", "correction"),
        ("intox", "correction"),
        ("Démenti de la préfecture", "correction"),
        ("Is this fake?", "query"),
        ("nice weather today", None),
    ],
)
def test_rumour_markers(text: str, label: str | None) -> None:
    sig = score([text], [None])[0]
    assert sig.name == "rumour"
    assert sig.label == label
    if label:
        assert sig.explanation
        assert sig.score > 0.5
    else:
        assert sig.score < 0.1


def test_hedge_raises_prior_without_label() -> None:
    plain, hedged = score(["three dead", "reportedly three dead, unconfirmed"], [None, None])
    assert hedged.label is None
    assert hedged.score > plain.score


@pytest.mark.parametrize(
    "text",
    [
        "he came to the UK by boat last year",
        "Il est arrivé en France en bateau",
        "an asylum seeker who arrived on a small boat",
    ],
)
def test_arrived_by_boat_with_gap(text: str) -> None:
    sig = _one(text)
    assert sig.data is not None
    assert "arrived_by_boat" in sig.data["identities"]


def test_nationality_adjective_is_not_a_name() -> None:
    sig = _one("The attacker was Black and the suspect was Syrian")
    assert sig.data is not None
    assert sig.data["name"] is None
