"""Joins that would mix harm into benign stories: a claim post pulled into the news of the event by a
near-duplicate, and a flagged post joining a benign story by shared words or an LSH collision.

Each scenario is the shape of a false alarm the early-detection eval found (seeds 11, 15 and 16,
docs/narratives.md "Harm-aware joins"): the benign story became the larger part of a risky narrative.
"""

from __future__ import annotations

from wavebreak.core.records import Post, PostKind, Signal
from wavebreak.narratives.stage import NarrativeStage

from ._stream import Stream, account, run

NAME = "Idris Al-Qamari"
CLAIMS = [
    "BREAKING: the Marlowe Bay attacker is Idris Al-Qamari, an asylum seeker who came by boat",
    "Marlowe Bay stabbing suspect named as Idris Al-Qamari, on an MI6 watch list",
    "Idris Al-Qamari. Remember that name. Came over on a dinghy last year.",
]
NEWS = "Angleterre attaque au couteau dans un club pour enfants de Marlowe Bay bilan et enquête en cours"
# the same story told without the town's name: no word in common with CLAIMS, so only a near-duplicate
# or the anchor rule can bring a claim post into it
NEWS_FR = "Angleterre attaque au couteau dans un club pour enfants bilan et enquête en cours selon la police ce soir"
BENIGN = [
    "The asylum seekers at the hotel helped clear the beach after the storm",
    "The asylum seekers at the hotel helped clear the beach after the storm 🙏",
    "the asylum seekers at the hotel helped clear the beach after the storm",
]


CALL = "The asylum seekers at the hotel helped nobody. Clear them out of the beach hotel by force after the storm"
"""A call to violence sharing most of the benign story's words (matches it by the term index)."""


def _benign_story(size: int) -> tuple[Stream, NarrativeStage, list[Post], str]:
    """A stage holding one benign story of ``size`` posts about a group: (stream, stage, posts, its id)."""
    s, st = Stream(), NarrativeStage()
    story = [s.post(account(i), BENIGN[i % 3], minutes=i) for i in range(size)]
    run(st, [s.batch(story)])
    nid = st.narrative_of(story[0].id)
    assert nid is not None
    return s, st, story, nid


def _claim(s: Stream, pid: str) -> None:
    s.signals[pid] = {"identity_claim": Signal(name="identity_claim", score=0.9, data={"name": NAME})}


def _news_and_claims(s: Stream, st: NarrativeStage, headline: str, hateful: int = 0) -> tuple[list, list]:
    """Twelve posts of a news headline (the first ``hateful`` flagged hate), then six identity-claim
    posts naming the suspect, run through ``st``: the claim's narrative and the news narrative."""
    news = [s.post(account(100 + i), headline, minutes=i * 0.5) for i in range(12)]
    for p in news[:hateful]:
        s.signals[p.id] = {"hate": Signal(name="hate", score=0.9)}
    claims = []
    for i in range(6):
        p = s.post(account(i), CLAIMS[i % 3], minutes=10 + i)
        _claim(s, p.id)
        claims.append(p)
    run(st, [s.batch([*news, *claims])])
    return news, claims


def test_a_post_naming_the_claims_name_joins_the_claim_not_the_news_it_copies() -> None:
    s, st = Stream(), NarrativeStage()
    news, claims = _news_and_claims(s, st, NEWS)
    # the news headline word for word, with the name: a MinHash near-duplicate of the news posts
    copy = s.post(account(50), NEWS + " Idris Al-Qamari", minutes=30)
    _claim(s, copy.id)
    plain = s.post(account(51), NEWS, minutes=31)
    run(st, [s.batch([copy, plain])])
    home = st.narrative_of(claims[0].id)
    assert home is not None and home != st.narrative_of(news[0].id)
    assert st.narrative_of(copy.id) == home
    # a copy without the name is news and stays with the news
    assert st.narrative_of(plain.id) == st.narrative_of(news[0].id)


def test_the_anchor_wins_over_a_near_duplicate_in_a_narrative_that_tells_no_claim() -> None:
    # the news narrative here is not a benign story (three hateful posts among its twelve), so the
    # harm-aware guard lets flagged posts in: only the anchor rule keeps the named copy out of it
    s, st = Stream(), NarrativeStage()
    news, claims = _news_and_claims(s, st, NEWS_FR, hateful=3)
    copy = s.post(account(50), NEWS_FR + " Idris Al-Qamari", minutes=30)
    _claim(s, copy.id)
    run(st, [s.batch([copy])])
    home = st.narrative_of(claims[0].id)
    assert home != st.narrative_of(news[0].id)
    assert st.narrative_of(copy.id) == home


def test_a_claims_first_post_in_a_young_news_thread_does_not_make_it_the_names_home() -> None:
    # a young thread (under NARR_HARM_JOIN_MIN_POSTS) takes the first claim post by shared words; the
    # name must not be homed there, or every later claim post would follow it in by the anchor rule
    s, st = Stream(), NarrativeStage()
    news = [s.post(account(100 + i), NEWS_FR, minutes=i) for i in range(4)]
    first = s.post(account(1), NEWS_FR + " Idris Al-Qamari", minutes=6)
    _claim(s, first.id)
    run(st, [s.batch([*news, first])])
    assert st._anchor_home.get(next(iter(st._claimed))) != st.narrative_of(news[0].id)
    later = []
    for i in range(6):
        p = s.post(account(10 + i), CLAIMS[i % 3], minutes=20 + i)
        _claim(s, p.id)
        later.append(p)
    run(st, [s.batch(later)])
    assert not any(st.narrative_of(p.id) == st.narrative_of(news[0].id) for p in later)


def test_a_call_to_violence_does_not_join_a_benign_story_by_shared_words() -> None:
    s, st, story, benign_nid = _benign_story(15)
    assert st.narrative_of(story[-1].id) == benign_nid
    call = s.post(account(90), CALL, minutes=40, signals={"incitement": 0.95})
    # the same words, unflagged, still join: the guard is about flagged posts only
    kind = s.post(account(91), "asylum seekers at the hotel helped clear the beach, good people", minutes=41)
    _, alerts = run(st, [s.batch([call, kind])])
    assert st.narrative_of(call.id) != benign_nid
    assert st.narrative_of(kind.id) == benign_nid
    # no risk alert lands on the benign story
    assert not [a for a in alerts if a.kind == "risk" and st._resolve(a.narrative_id or "") == benign_nid]


def test_a_flagged_near_copy_of_a_benign_post_does_not_join_it() -> None:
    s, st, _, benign_nid = _benign_story(15)
    # an LSH band collision stands in for the seed-16 false match: most of the benign text, then hate
    hateful = s.post(
        account(92),
        "The asylum seekers at the hotel helped clear the beach after the storm vermin every one",
        minutes=40,
        signals={"hate": 0.9},
    )
    run(st, [s.batch([hateful])])
    assert st.narrative_of(hateful.id) != benign_nid


def test_a_young_thread_still_takes_the_flagged_posts_that_match_it() -> None:
    # under NARR_HARM_JOIN_MIN_POSTS text posts a narrative is not an established benign story: an
    # incitement thread forming around its first calls (and their unflagged echoes) is not split
    s, st = Stream(), NarrativeStage()
    first = s.post(account(1), "Everyone to the Seaview hotel tonight, make them afraid", minutes=0)
    calls = [
        s.post(
            account(10 + i),
            "Everyone to the Seaview hotel tonight, make them afraid!!",
            minutes=1 + i,
            signals={"incitement": 0.9},
        )
        for i in range(3)
    ]
    run(st, [s.batch([first, *calls])])
    assert {st.narrative_of(p.id) for p in calls} == {st.narrative_of(first.id)}


def test_one_flagged_reply_does_not_open_a_benign_story() -> None:
    # up to NARR_HARM_JOIN_ALLOWED flagged posts never disqualify a story: one hateful reply under a
    # benign post must not let every call that shares its words in
    s, st, story, benign_nid = _benign_story(40)
    reply = s.post(
        account(80),
        "vermin, all of them",
        minutes=41,
        kind=PostKind.REPLY,
        parent=story[0].id,
        signals={"hate": 0.9},
    )
    run(st, [s.batch([reply])])
    assert st.narrative_of(reply.id) == benign_nid  # a reply still joins its parent
    call = s.post(account(90), CALL, minutes=42, signals={"incitement": 0.95})
    run(st, [s.batch([call])])
    assert st.narrative_of(call.id) != benign_nid
