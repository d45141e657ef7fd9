"""Consolidation: the fragments of one false claim become one narrative; counter-speech stays apart."""

from __future__ import annotations

from wavebreak.core.records import NarrativeStatus, Signal
from wavebreak.narratives.stage import NarrativeConfig, NarrativeStage
from wavebreak.narratives.text import Featurizer, name_key

from ._stream import Stream, account, run

NAME = "Idris Al-Qamari"
CLAIMS = [
    "BREAKING: the Marlowe Bay attacker is Idris Al-Qamari, an asylum seeker who came by boat",
    "Marlowe Bay stabbing suspect named as Idris Al-Qamari, on an MI6 watch list",
    "Idris Al-Qamari. Remember that name. Came over on a dinghy last year.",
]
# Different words, a different language and a name-spelling hashtag: no near-duplicate or term link.
FRAGMENT = [
    "Idriss Al Qamari, arrivé en bateau, fiché par les services. Honte à eux #OnNousMent",
    "Voilà. Idris Al-Qamari. Ils nous mentent depuis le début",
    "Idris AlQamari : personne ne démissionnera, comme d'habitude",
    "Tout le monde connaît Idris Al-Qamari maintenant #IdrisAlQamari",
]
DENIALS = [
    "Idris Al-Qamari is NOT the attacker. Police have said the name is false. Stop sharing it.",
    "Police confirm the viral name Idris Al-Qamari is wrong, the suspect was born in Wales",
    "For the last time: Idris Al-Qamari is a fabricated name from a fake news site",
    "The Idris Al-Qamari story was made up. Delete your posts.",
]


def _claim(s: Stream, pid: str) -> None:
    s.signals[pid] = {"identity_claim": Signal(name="identity_claim", score=0.9, data={"name": NAME})}


def _deny(s: Stream, pid: str) -> None:
    s.signals[pid] = {"stance": Signal(name="stance", score=0.9, label="deny")}


def _scenario(match_threshold: float = 0.99) -> tuple[NarrativeStage, list, list, list]:
    # term matching off by default: the fragments must stay apart until consolidation folds them in
    s, st = Stream(), NarrativeStage(NarrativeConfig(match_threshold=match_threshold))
    frag = [s.post(account(100 + i), FRAGMENT[i % 4], minutes=1 + i) for i in range(12)]
    claims = []
    for i in range(9):
        p = s.post(account(i), CLAIMS[i % 3], minutes=2 + i)
        _claim(s, p.id)
        claims.append(p)
    denials = []
    for i in range(8):
        p = s.post(account(200 + i), DENIALS[i % 4], minutes=3 + i)
        _deny(s, p.id)
        denials.append(p)
    goal = [s.post(account(300 + i), "GOAL! Jenkins scores, Rovers 2-1 up", minutes=40 + i) for i in range(3)]
    run(st, [s.batch([*frag, *claims, *denials]), s.batch(goal)])
    return st, claims, frag, denials


def test_fragments_of_one_claim_become_one_narrative_with_stable_id() -> None:
    st, claims, frag, _ = _scenario()
    main = st.narrative_of(claims[0].id)
    assert main is not None
    assert all(st.narrative_of(p.id) == main for p in claims)
    assert all(st.narrative_of(p.id) == main for p in frag)
    assert st.stats["anchor_merges"] >= 1
    # the merged fragment keeps its record, marked MERGED and pointing at the surviving id
    merged = [n for n in st._archived.values() if n.merged_into == main]
    assert merged and all(n.status is NarrativeStatus.MERGED for n in merged)
    nar = st.get(main)
    assert nar is not None and nar.posts_total == len(claims) + len(frag)
    assert st.metrics(main)["posts"] == len(claims) + len(frag)


def test_default_config_also_keeps_the_claim_together() -> None:
    st, claims, frag, _ = _scenario(match_threshold=NarrativeConfig().match_threshold)
    main = st.narrative_of(claims[0].id)
    assert {st.narrative_of(p.id) for p in [*claims, *frag]} == {main}
    # a denial that repeats the name can still join the claim through the term index (stance mix);
    # consolidation itself never folds a mostly-refuting narrative in
    assert st.metrics(main)["refuting_share"] < 0.5


def test_consolidation_never_folds_in_counter_speech_repeating_the_name() -> None:
    st, claims, _, denials = _scenario()
    main = st.narrative_of(claims[0].id)
    deny_nids = {st.narrative_of(p.id) for p in denials}
    assert main not in deny_nids
    assert st.metrics(next(iter(deny_nids)))["refuting_share"] > 0.5


def test_a_name_attributed_once_is_not_an_anchor() -> None:
    s, st = Stream(), NarrativeStage()
    a = s.post(account(1), CLAIMS[0], minutes=0)
    _claim(s, a.id)
    other = [s.post(account(10 + i), FRAGMENT[i % 4], minutes=1 + i) for i in range(4)]
    run(st, [s.batch([a, *other])])
    assert st._claimed.get(name_key(NAME)) == 1
    assert st.stats["anchor_merges"] == 0 and st.stats["by_anchor"] == 0


def test_features_cache_returns_the_same_object_for_a_repeated_text() -> None:
    f = Featurizer()
    a = f.features(CLAIMS[0], name=NAME)
    b = f.features(CLAIMS[0], name=NAME)
    assert a is b and f.cache_hits == 1
    assert a.claim_key == name_key("Idriss Al Qamari")
    assert name_key(NAME) in f.features("#IdrisAlQamari they lied").name_keys


def test_the_narrative_record_carries_the_names_its_claim_attributes() -> None:
    """``Narrative.claimed_names`` counts the names the identity-claim signal attributed in its posts
    (kept through merges), and ``claimed_names()`` lists every name attributed often enough to be an
    anchor: what the policy stage reads to tell a post carrying the claim from one sharing its words."""
    st, claims, _, _ = _scenario()
    nar = st.get(st.narrative_of(claims[0].id) or "")
    assert nar is not None and nar.claimed_names == {NAME: len(claims)}
    assert st.claimed_names() == [NAME]
    s, one = Stream(), NarrativeStage()
    a = s.post(account(1), CLAIMS[0], minutes=0)
    _claim(s, a.id)
    run(one, [s.batch([a])])
    assert one.claimed_names() == []  # attributed once: not an anchor yet


def test_names_mentioned_reads_a_name_in_any_casing_spelling_or_hashtag() -> None:
    from wavebreak.narratives.text import names_mentioned

    for text in (
        "idris al-qamari was on a watch list",
        "THEIR RELIGION IS THE PROBLEM. IDRIS AL-QAMARY DID EXACTLY WHAT IT TEACHES",
        "Tout le monde connaît #IdrisAlQamari",
        "Al Kamari, came by boat",
    ):
        assert names_mentioned(text, [NAME]) == [NAME], text
    for text in (
        "Angleterre : attaque au couteau dans un club pour enfants à Marlowe Bay (Angleterre)",
        "Pensées pour les familles de Marlowe Bay #MarloweBay",
        "Idris is a common first name",  # a first name alone is not the name
    ):
        assert names_mentioned(text, [NAME]) == [], text
    assert names_mentioned("anything", []) == []
