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


def _literal_runs(seq: list[tuple[object, object]]) -> list[list[str]]:
    """Every way through a parsed pattern, as its runs of literal characters (any other node cuts a run)."""
    from re import _constants as K  # type: ignore[attr-defined]

    paths: list[list[str]] = [[""]]
    for op, av in seq:
        if op is K.LITERAL:
            paths = [[*p[:-1], p[-1] + chr(av)] for p in paths]  # type: ignore[arg-type]
            continue
        if op is K.BRANCH:
            subs = [r for alt in av[1] for r in _literal_runs(list(alt))]  # type: ignore[index]
        elif op is K.SUBPATTERN:
            subs = _literal_runs(list(av[3]))  # type: ignore[index]
        elif op in (K.MAX_REPEAT, K.MIN_REPEAT) and av[0] >= 1:  # type: ignore[index]
            subs = [[*r, ""] for r in _literal_runs(list(av[2]))]  # type: ignore[index]
        else:  # classes, optional parts, anchors: cut the run
            subs = [["", ""]]
        paths = [[*p[:-1], p[-1] + r[0], *r[1:]] for p in paths for r in subs]
    return paths


def test_news_keys_cover_every_branch_of_the_news_pattern() -> None:
    """Every way through ``_NEWS_LIKE_RE`` holds a key in one literal run, so the pre-check is exact."""
    from re import _parser as P  # type: ignore[attr-defined]

    from wavebreak.signals import credibility as cr

    paths = _literal_runs(list(P.parse(cr._NEWS_LIKE_RE.pattern.lower(), 0)))
    assert len(paths) > 20
    for runs in paths:
        assert any(k in run for run in runs for k in cr._NEWS_KEYS), runs


def test_news_like_precheck_agrees_with_the_pattern() -> None:
    from wavebreak.signals import credibility as cr

    names = [
        "UK News Now", "uknewsnow", "Daily Truth", "BREAKING_UPDATES", "Actu France", "actufrance",
        "Info en continu", "L'Info", "La Une", "news24", "News 24", "Dan Fox", "dan_fox97", "Nowhere Man",
        "Reporter Jo", "postman pat", "Journal de Marlowe", "Flash Infos", "Ünïcode News", "ſtraße news",
        "Kelvin K News", "", "   ",
    ]  # fmt: skip
    for n in names:
        assert cr._news_like(n) == (cr._NEWS_LIKE_RE.search(n) is not None), n


def test_cache_key_age_in_whole_days_matches_the_float_form() -> None:
    """score_cached's age (timedelta.days) equals the float form it replaced, at day boundaries too."""
    import random

    rnd = random.Random(3)
    deltas = [timedelta(days=d, microseconds=u) for d in range(0, 10_000, 7) for u in (-1, 0, 1)]
    deltas += [timedelta(microseconds=rnd.randrange(-(10**12), 10_000 * 86_400 * 10**6)) for _ in range(5000)]
    for td in deltas:
        assert max(0, td.days) == int(max(0.0, td.total_seconds()) // 86400), td
