"""Signals round 3 speed changes keep the outputs: identity-claim key gates, credibility cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wavebreak.core.records import Account, Post
from wavebreak.signals import identity_claims as ic
from wavebreak.signals.credibility import CredibilityTracker

NOW = datetime(2024, 7, 30, 12, tzinfo=UTC)

CLAIMS = [
    "The attacker was Ali Al-Shakati, an asylum seeker who came by boat last year",
    "Le suspect, un demandeur d'asile arrivé en bateau, était fiché S",
    "He was known to MI6 and on a terror watch list, a Muslim refugee",
    "police say the suspect is NOT an asylum seeker and was born in Cardiff",
    "the victim's family asked for privacy",
    "Il s'appelle Karim B., ressortissant étranger d'origine algérienne",
    "Suspect named as Axel Rudakubana, 17, of Rwandan descent",
    "Undocumented illegals crossing the Channel in dinghies every day",
    "the stabber is mentally ill, psychiatric history",
    "nice weather today",
    "",
]


def test_key_families_cover_every_identity_and_role_match() -> None:
    full = ic._identity_re(frozenset(ic._IDENTITY_PATTERNS))
    for text in CLAIMS:
        low = text.lower()
        keys = frozenset(ic._TRIGGER_RE.findall(low))
        found = {m.lastgroup for m in full.finditer(low)}
        assert found <= ic._families(keys), text
        if ic._ROLE_RE.search(low):
            assert not ic._ROLE_KEY_SET.isdisjoint(keys), text


def test_gated_extraction_finds_the_claim_parts() -> None:
    sig = ic.extract([CLAIMS[0]], [None])[0]
    assert sig.label == "identity_claim"
    assert sig.data["name"] == "Ali Al-Shakati" and sig.data["role"] == "attacker"
    assert {"asylum_seeker", "arrived_by_boat"} <= set(sig.data["identities"])
    assert ic.extract([CLAIMS[-2]], [None])[0].score == 0.0


def _acct(followers: int) -> Account:
    return Account(
        id="x:a",
        platform="x",
        handle="a",
        name="A",
        created_at=NOW - timedelta(days=400),
        followers=followers,
    )


def test_credibility_cache_reuses_until_state_moves() -> None:
    tr = CredibilityTracker()
    first = tr.score_cached(_acct(1000), NOW)
    assert first == tr.score(_acct(1000), NOW)
    assert tr.score_cached(_acct(1010), NOW) is first  # inside the same ~19 % follower step
    assert tr.cache_hits == 1
    moved = tr.score_cached(_acct(5000), NOW)
    assert moved is not first and moved.data["followers"] == 5000
    # a burst of posts over the high-rate threshold re-scores with the rate in the explanation
    posts = [
        Post(id=f"x:{i}", platform="x", author_id="x:a", created_at=NOW - timedelta(seconds=i))
        for i in range(60)
    ]
    tr.observe(posts)
    burst = tr.score_cached(_acct(5000), NOW)
    assert burst is not moved and burst.score < moved.score
    assert any("posting" in e for e in burst.explanation)
