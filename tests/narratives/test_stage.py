"""NarrativeStage on small hand-built streams: grouping, bursts, risk, origin, amplifiers, state."""

from __future__ import annotations

import json
import random

import numpy as np

from wavebreak.core.records import NarrativeStatus, PostKind
from wavebreak.narratives.stage import NarrativeConfig, NarrativeStage
from wavebreak.narratives.text import Featurizer, MinHasher, skeleton
from wavebreak.pipeline.context import PipelineContext

from ._stream import T0, Stream, account, run

CLAIM = [
    "BREAKING: the Marlowe Bay attacker is Idris Al-Qamari, an asylum seeker who came by boat",
    "Marlowe Bay stabbing suspect named as Idris Al-Qamari, asylum seeker, arrived by boat, on MI6 watch list",
    "So the Marlowe Bay knifeman is Idriss Al Qamari. Asylum seeker. Came on a boat. On a watch list.",
]
GOAL = ["GOAL! What a strike from Jenkins, Rovers 2-1 up", "Jenkins scores!!! Rovers lead 2-1 at the Dell"]


def test_near_duplicates_group_and_unrelated_posts_do_not() -> None:
    s, st = Stream(), NarrativeStage()
    claim = [s.post(account(i), CLAIM[i % 3] + f" #{i}", minutes=i) for i in range(9)]
    other = [
        s.post(account(50), "Storm Agnes brings heavy rain and flooding to the coast tonight", minutes=3),
        s.post(account(51), "New Pixelwave Fold3 phone launch event announced for Thursday", minutes=4),
    ]
    _, _ = run(st, [s.batch(claim + other)])
    nids = {st.narrative_of(p.id) for p in claim}
    assert len(nids) == 1
    assert st.narrative_of(other[0].id) not in nids
    assert st.narrative_of(other[1].id) not in nids
    assert st.narrative_of(other[0].id) != st.narrative_of(other[1].id)


def test_french_post_with_the_false_name_joins_the_english_narrative() -> None:
    s, st = Stream(), NarrativeStage()
    en = [s.post(account(i), CLAIM[i % 3], minutes=i) for i in range(6)]
    fr = s.post(
        account(99),
        "L'assaillant de Marlowe Bay s'appelle Idris Al-Qamari, un demandeur d'asile arrivé en bateau",
        8,
    )
    run(st, [s.batch([*en, fr])])
    assert st.narrative_of(fr.id) == st.narrative_of(en[0].id)


def test_repost_quote_and_reply_join_their_parent() -> None:
    s, st = Stream(), NarrativeStage()
    root = s.post(account(1), CLAIM[0], minutes=0)
    rp = s.post(account(2), "", minutes=1, kind=PostKind.REPOST, parent=root.id)
    qt = s.post(account(3), "This. Utterly sickening.", minutes=2, kind=PostKind.QUOTE, parent=root.id)
    rl = s.post(account(4), "@user1 is this confirmed?", minutes=3, kind=PostKind.REPLY, parent=root.id)
    b = s.batch([root, rp, qt, rl])
    run(st, [b])
    nid = b.narrative_of[root.id]
    assert b.narrative_of[rp.id] == b.narrative_of[qt.id] == b.narrative_of[rl.id] == nid
    assert set(st.cascade(nid)) == {(root.id, rp.id), (root.id, qt.id), (root.id, rl.id)}


def test_one_spammer_cannot_trigger_burst_or_risk_alerts() -> None:
    s, st = Stream(), NarrativeStage()
    spam = account(7)
    posts = [
        s.post(
            spam,
            CLAIM[i % 3] + f" {i}",
            minutes=i * 0.05,
            signals={"identity_claim": 0.95, "incitement": 0.9},
        )
        for i in range(200)
    ]
    posts.append(s.post(account(8), "lovely sunny morning on the pier", minutes=30))
    _, alerts = run(st, [s.batch(posts)])
    nid = st.narrative_of(posts[0].id)
    assert st.get(nid).posts_total == 200
    assert [a for a in alerts if a.narrative_id == nid and a.kind in ("burst", "risk")] == []


def test_background_burst_alerts_as_burst_but_not_risk() -> None:
    s, st = Stream(), NarrativeStage()
    rng = random.Random(3)
    chatter = [
        s.post(
            account(1000 + i), rng.choice(["coffee time", "my cat sleeps", "walk on the beach"]) + f" {i}", i
        )
        for i in range(60)
    ]
    goal = [s.post(account(i), GOAL[i % 2] + f" {i}", minutes=60 + i * 0.05) for i in range(150)]
    tail = [s.post(account(2000), "end of the day", minutes=75)]
    _, alerts = run(st, [s.batch(chatter), s.batch(goal + tail)])
    nid = st.narrative_of(goal[0].id)
    kinds = {a.kind for a in alerts if a.narrative_id == nid}
    assert "burst" in kinds
    assert "risk" not in kinds
    burst = next(a for a in alerts if a.kind == "burst" and a.narrative_id == nid)
    assert burst.distinct_accounts >= 5 and burst.zscore >= 4 and burst.terms


def test_identity_claim_narrative_is_alerted_with_reasons() -> None:
    s, st = Stream(), NarrativeStage()
    posts = [
        s.post(account(i), CLAIM[i % 3], minutes=i * 2, signals={"identity_claim": 0.9}) for i in range(5)
    ]
    _, alerts = run(st, [s.batch(posts)])
    risk = [a for a in alerts if a.kind == "risk"]
    assert len(risk) == 1
    a = risk[0]
    assert a.distinct_accounts >= 3 and a.risk >= 0.45
    assert any("identity_claim" in r for r in a.reasons)
    nar = st.get(a.narrative_id)
    assert nar.alerted_at == a.at and nar.posts_at_alert == 3 and nar.accounts_at_alert == 3
    assert "Marlowe" in nar.title or "marlowe" in nar.keywords


def test_origin_is_the_earliest_original_post() -> None:
    s, st = Stream(), NarrativeStage()
    first = s.post(account(1), CLAIM[0], minutes=0)
    later = [s.post(account(i), CLAIM[i % 3] + f" {i}", minutes=30 + i) for i in range(2, 10)]
    reposts = [s.post(account(100 + i), "", 31 + i, kind=PostKind.REPOST, parent=first.id) for i in range(5)]
    run(st, [s.batch([first, *later, *reposts])])
    nid = st.narrative_of(first.id)
    origins = st.origin(nid, k=3)
    assert origins[0]["post_id"] == first.id
    assert origins[0]["confidence"] > origins[1]["confidence"]
    assert abs(sum(o["confidence"] for o in st.origin(nid, k=100)) - 1.0) < 1e-3


def test_amplifiers_ranked_by_reach_and_pseudo_news_is_the_bridge() -> None:
    s, st = Stream(), NarrativeStage()
    url = "https://northgatenewsnow.example/2026/07/29/attacker-named"
    origin = s.post(account(1, 300), CLAIM[0], minutes=0)
    pseudo = s.post(account(2, 900, "NorthgateNewsNow"), CLAIM[1], 60, urls=(url,), views=2_000)
    mega = s.post(
        account(3, 2_800_000, "megaphone"),
        "Read this. " + CLAIM[2],
        120,
        kind=PostKind.QUOTE,
        parent=pseudo.id,
        views=900_000,
    )
    fans = [
        s.post(account(10 + i, 500), "", 121 + i, kind=PostKind.REPOST, parent=mega.id) for i in range(30)
    ]
    run(st, [s.batch([origin, pseudo, mega, *fans])])
    nid = st.narrative_of(origin.id)
    amps = st.amplifiers(nid, k=5)
    assert amps[0]["account_id"] == "demo:u3"
    assert [a["contributed_reach"] for a in amps] == sorted(
        (a["contributed_reach"] for a in amps), reverse=True
    )
    bridges = st.bridges(nid)
    assert bridges and bridges[0]["account_id"] == "demo:u2"
    assert any(a["is_bridge"] for a in st.amplifiers(nid, k=50) if a["account_id"] == "demo:u2")


def test_coordination_found_for_synchronised_accounts_not_for_random_timing() -> None:
    def stream(sync: bool) -> NarrativeStage:
        s, st = Stream(), NarrativeStage(NarrativeConfig(coord_every_min=5))
        rng = random.Random(5)
        posts = []
        for k, word in enumerate(
            ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
        ):  # 12 accounts each
            text = f"slogan {word} share before they delete it wake up britain now {word}"
            base = 20 * k
            for i in range(12):
                minutes = base + (rng.random() * 10 / 60 if sync else rng.random() * 600)
                posts.append(s.post(account(500 + i), text, minutes=minutes))
        posts.append(s.post(account(1), "closing post", minutes=700))
        run(st, [s.batch(posts)])
        return st

    found = stream(sync=True).coordination()
    assert found and found[0]["size"] >= 10
    assert found[0]["co_shares_observed"] > 10 * found[0]["co_shares_expected_random_timing"]
    assert stream(sync=False).coordination() == []


def test_state_stays_bounded_over_many_batches() -> None:
    cfg = NarrativeConfig(post_lru=1_000, max_narratives=120)
    s, st = Stream(), NarrativeStage(cfg)
    rng = random.Random(11)
    words = [f"w{i}" for i in range(3000)]
    ctx = PipelineContext()
    sizes = []
    for b in range(24):
        posts = [
            s.post(account(rng.randrange(5000)), " ".join(rng.sample(words, 8)), minutes=b * 60 + i * 0.1)
            for i in range(200)
        ]
        run(st, [s.batch(posts)], ctx)
        sizes.append(st.state_size())
    last = sizes[-1]
    assert last["posts"] <= 1_000 and last["narratives"] <= 120 and last["lsh"] <= 1_000
    assert last["coordination_edges"] <= 300_000 and last["origin_index"] <= 120 * 40


def test_merge_and_split_keep_ids_stable() -> None:
    s, st = Stream(), NarrativeStage()
    a = [s.post(account(i), CLAIM[0] + f" {i}", minutes=i) for i in range(4)]
    b = [s.post(account(20 + i), GOAL[0] + f" {i}", minutes=i) for i in range(4)]
    run(st, [s.batch(a + b)])
    na, nb = st.narrative_of(a[0].id), st.narrative_of(b[0].id)
    assert na != nb
    st.merge(na, nb)
    assert st.narrative_of(b[0].id) == na
    assert st.get(nb).status is NarrativeStatus.MERGED and st.get(nb).merged_into == na
    assert st.get(na).posts_total == 8
    new = st.split(na, [p.id for p in b])
    assert new not in (na, nb)
    assert st.narrative_of(b[1].id) == new and st.narrative_of(a[1].id) == na
    assert st.get(na).posts_total == 4 and st.get(new).posts_total == 4
    # a later repost of a moved post follows it to the new narrative
    r = s.post(account(77), "", 30, kind=PostKind.REPOST, parent=b[0].id)
    batch = s.batch([r])
    run(st, [batch])
    assert batch.narrative_of[r.id] == new


def test_metrics_series_and_summary_are_complete_and_json() -> None:
    s, st = Stream(), NarrativeStage()
    posts = [
        s.post(account(i, 1000 * i), CLAIM[i % 3], minutes=i * 3, views=10, signals={"identity_claim": 0.9})
        for i in range(1, 8)
    ]
    ctx, _ = run(st, [s.batch(posts)])
    assert ctx.services["narratives"] is st
    nid = st.narrative_of(posts[0].id)
    m = st.metrics(nid)
    for key in (
        "posts",
        "accounts",
        "reach",
        "velocity",
        "acceleration",
        "top_amplifier_share",
        "pseudo_news_share",
        "new_account_share",
        "stance",
        "refuting_share",
        "languages",
        "identity_claim_share",
        "incitement_share",
        "hate_share",
        "max_author_followers",
        "zscore",
    ):
        assert key in m
    assert m["posts"] == 7 and m["accounts"] == 7 and m["max_author_followers"] == 7000
    assert m["reach"] == sum(1000 * i + 10 for i in range(1, 8))
    assert m["identity_claim_share"] == 1.0
    assert sum(r["posts"] for r in st.series(nid)) == 7
    summ = st.summary(nid)
    text = json.dumps(summ)
    assert summ["id"] == nid and summ["alerted_at"].endswith("Z") and '"origin"' in text
    assert st.all(min_posts=7)[0].id == nid and st.get("nope") is None


def test_embedder_merges_a_translation_into_the_risky_narrative() -> None:
    """A French post without the name joins only through the (fake) multilingual embedder."""
    meaning = {"asylum": 0, "demandeur": 0, "storm": 1}

    def embed(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for i, t in enumerate(texts):
            hit = next((v for k, v in meaning.items() if k in t.lower()), 3)
            out[i, hit] = 1.0
        return out

    s, st = Stream(), NarrativeStage(embedder=embed)
    en = [s.post(account(i), CLAIM[i % 3], minutes=i, signals={"identity_claim": 0.9}) for i in range(8)]
    run(st, [s.batch(en)])
    fr = s.post(
        account(90),
        "Un demandeur d'asile venu en canot, voilà le coupable",
        20,
        signals={"identity_claim": 0.8},
    )
    storm = s.post(account(91), "Storm warning for the coast tonight", 21, signals={"identity_claim": 0.0})
    run(st, [s.batch([fr, storm])])
    assert st.narrative_of(fr.id) == st.narrative_of(en[0].id)
    assert st.narrative_of(storm.id) != st.narrative_of(en[0].id)


def test_text_features_are_deterministic_and_spelling_robust() -> None:
    f = Featurizer()
    a = f.features("Idris Al-Qamari is the attacker")
    b = Featurizer().features("Idriss Al Qamari is the attacker")
    assert a.hashes[:1] == Featurizer().features("Idris").hashes
    assert set(a.entities) == set(b.entities)
    assert skeleton("idris al-qamari") == skeleton("idris alkamari") == skeleton("idriss al qamary")
    mh = MinHasher(18, 6)
    keys = mh.band_keys([a.hashes, a.hashes, [1, 2]])
    assert (keys[0] == keys[1]).all() and (keys[2] == -1).all()


def test_distinct_counter_switches_to_hyperloglog_and_stays_close() -> None:
    """Past its exact limit the account counter becomes a HyperLogLog (datasketch, a declared
    dependency): a 1M-post replay crosses it, so the switch itself must work on a clean install."""
    from wavebreak.narratives import state as S

    c = S.DistinctCounter()
    n = S._HLL_AFTER + 5_000
    for i in range(n):
        c.add(f"acct{i}")
    assert c.approximate
    assert abs(len(c) - n) / n < 0.05
    other = S.DistinctCounter()
    for i in range(n, n + 30_000):
        other.add(f"acct{i}")
    c.merge(other)
    assert abs(len(c) - (n + 30_000)) / (n + 30_000) < 0.05


def test_dormant_narrative_compaction_bounds_its_pools() -> None:
    """A dormant narrative keeps a sketch of its accounts and its top amplifiers (flat memory)."""
    from datetime import UTC, datetime

    from wavebreak.core import constants as C
    from wavebreak.core.records import Narrative
    from wavebreak.narratives.state import AmplifierStats, NarrativeState, amp_row

    t = datetime(2026, 1, 1, tzinfo=UTC)
    st = NarrativeState(nar=Narrative(id="n1", title="", first_seen=t, last_seen=t))
    for i in range(3_000):
        st.accounts.add(f"a{i}")
        st.amplifiers[f"a{i}"] = amp_row(
            AmplifierStats(f"a{i}", "", i, contributed_reach=i, downstream_reach=3_000 - i)
        )
        st.cascade.append((f"p{i}", f"p{i + 1}"))
    st.compact()
    assert st.accounts.approximate and abs(len(st.accounts) - 3_000) < 150
    assert len(st.amplifiers) <= C.NARR_COMPACT_AMPLIFIERS
    assert "a2999" in st.amplifiers and "a0" in st.amplifiers  # top by own reach and by downstream reach
    assert st.cascade[0] == ("p0", "p1") and len(st.cascade) == C.NARR_COMPACT_CASCADE_EDGES


def test_long_silent_narratives_leave_the_live_set_but_stay_answerable() -> None:
    """A big narrative silent for NARR_ARCHIVE_AFTER_H is archived: not live, still answerable by id."""
    from wavebreak.core import constants as C
    from wavebreak.core.records import NarrativeStatus

    s, st = Stream(), NarrativeStage()
    text = "the harbour festival fireworks are tonight at nine by the pier"
    posts = [s.post(account(i), text, minutes=i * 0.2) for i in range(60)]
    ctx, _ = run(st, [s.batch(posts)])
    nid = st.narrative_of(posts[0].id)
    assert nid is not None and st.get(nid).posts_total == 60
    later = C.NARR_ARCHIVE_AFTER_H * 60 + 120
    run(
        st,
        [s.batch([s.post(account(999), "completely unrelated words about gardening", minutes=later)])],
        ctx,
    )
    st._evict(force=False)
    assert nid not in {n.id for n in st.all()}
    rec = st.get(nid)
    assert rec is not None and rec.posts_total == 60 and rec.status is NarrativeStatus.DORMANT
    assert st.stats["archived"] >= 1


def test_bursting_terms_with_high_hashes_keep_their_names() -> None:
    """A term whose CRC32 is >= 2**31 used to come out of the (term, account) packing as a negative
    key: its name was lost ("?") and it was dropped from the burst alert's terms."""
    import zlib

    assert zlib.crc32(b"bay") >= 2**31 > zlib.crc32(b"marlowe")
    st = NarrativeStage()
    f = Featurizer().features("marlowe bay flooding tonight")
    st._tick_index = 1
    st._tick_docs = [(f"demo:u{i}", f) for i in range(40)]
    bursting = st._term_bursts()
    names = {v[0] for v in bursting.values()}
    assert {"marlowe", "bay", "marlowe+bay"} <= names and "?" not in names
    assert all(0 <= h < 2**32 for h in bursting)


def _derived(stage: NarrativeStage, nid: str) -> tuple:
    n = stage.get(nid)
    return (n.title, list(n.keywords), list(n.entities), list(n.representative_posts))


def _assert_cached_equals_fresh(stage: NarrativeStage, nid: str) -> tuple:
    """``get``'s (possibly cached) derived fields are exactly a forced re-derivation's."""
    cached = _derived(stage, nid)
    stage._state(nid).derived_ver = -1  # force a recomputation from the current state
    assert _derived(stage, nid) == cached
    return cached


def test_get_rederives_the_record_only_when_its_content_changed() -> None:
    s, st = Stream(), NarrativeStage()
    posts = [s.post(account(i), CLAIM[i % len(CLAIM)], minutes=i) for i in range(6)]
    b = s.batch(posts)
    run(st, [b])
    nid = b.narrative_of[posts[0].id]
    first = _assert_cached_equals_fresh(st, nid)
    state = st._state(nid)
    # reposts join by parent: no centroid or representative change, so no re-derivation
    ver = state.content_ver
    reposts = [
        s.post(account(40 + i), "", 10 + i, kind=PostKind.REPOST, parent=posts[0].id) for i in range(5)
    ]
    run(st, [s.batch(reposts)])
    assert state.content_ver == ver and state.derived_ver == ver
    assert st.get(nid).posts_total == 11 and _derived(st, nid) == first
    # a far-reaching original with new words changes the centroid and the representatives
    loud = s.post(account(90, followers=500_000), CLAIM[0] + " Sickening cowardice downtown.", 30)
    run(st, [s.batch([loud])])
    assert st.narrative_of(loud.id) == nid and state.content_ver > ver
    assert loud.id in _assert_cached_equals_fresh(st, nid)[3]
    # merges and splits re-derive too
    other = [s.post(account(60 + i), GOAL[0] + f" {i}", minutes=40 + i) for i in range(4)]
    ob = s.batch(other)
    run(st, [ob])
    onid = ob.narrative_of[other[0].id]
    _derived(st, onid)
    st.merge(nid, onid)
    _assert_cached_equals_fresh(st, nid)
    new = st.split(nid, [p.id for p in other])
    _assert_cached_equals_fresh(st, nid)
    _assert_cached_equals_fresh(st, new)


def test_fast_path_tables_and_batch_idf_match_the_plain_formulas() -> None:
    """Speed pass 4: the flag-name table, the batch IDF and the postings tuples give what the plain code gave."""
    import math

    from wavebreak.narratives import stage as S

    for bits in range(256):
        assert S._FLAG_NAMES[bits] == tuple(n for n, b in S._FLAG_BITS.items() if bits & b)
    st = NarrativeStage()
    fz = Featurizer()
    feats = [fz.features(t) for t in CLAIM + GOAL + ["#Marlowe https://news.example/x Idris Al-Qamari named"]]
    st._observe_df(feats[:3])  # a non-trivial document-frequency table
    st._idf_cache = {}
    st._batch_idf(feats)
    n1 = st._ndocs + 1.0
    for f in feats:
        for h in f.df_keys:
            assert st._idf_cache[h] == 1.0 + math.log(n1 / (st._df[h & st._df_mask] + 1.0))
    # postings: tuples, capped, the smallest narrative evicted first, order kept otherwise
    cap = S.C.NARR_POSTINGS_PER_TERM
    sts = [st._new_narrative(S.datetime(2026, 7, 29, tzinfo=S.UTC)) for _ in range(cap + 1)]
    for i, s_ in enumerate(sts):
        s_.nar.posts_total = 10 + i
    sts[3].nar.posts_total = 1
    for s_ in sts:
        st._index(s_.nar.id, {"marlowe": 1.0})
    lst = st._postings["marlowe"]
    assert isinstance(lst, tuple) and len(lst) == cap
    assert sts[3].nar.id not in lst and lst[-1] == sts[-1].nar.id
    assert list(lst) == [s_.nar.id for j, s_ in enumerate(sts) if j != 3]


def test_distinct_counter_sketch_is_accurate_and_silent_near_the_small_range() -> None:
    """A dormant narrative's accounts are sketched from 257 accounts up (``NARR_COMPACT_ACCOUNTS``),
    so sketch counts land anywhere from a few hundred to millions, including ~10k where the plain
    HyperLogLog switches between linear counting and its raw estimate: there it warned "estimate is
    close to error correction threshold" on stderr on long replays and its error was largest. The
    counter's sketch must stay within 5 % at every size and print no warning."""
    import warnings

    from wavebreak.narratives import state as S

    for n in (300, 3_000, 8_000, 10_000, 12_000, 40_000):
        c = S.DistinctCounter()
        for i in range(n):
            c.add(f"acct{n}-{i}")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            c.sketch()
            est = len(c)
            more = S.DistinctCounter()
            more.add("x")
            more.sketch()
            c.merge(more)
            merged = len(c)
        assert c.approximate
        assert abs(est - n) / n < 0.05, (n, est)
        assert abs(merged - (n + 1)) / n < 0.05, (n, merged)


def test_indexes_and_coshare_tables_hold_only_recent_days() -> None:
    """Over a week of stream time with a fresh topic every 6 hours, the stage's indexes hold only
    entries that can still change an outcome: near-duplicate bands, URLs, term postings and anchor
    homes of live narratives, co-sharing items and pairs of the last ``NARR_COORD_RETIRE_AFTER_H``
    (before, all stayed until their count caps, so memory grew with stream length)."""
    from wavebreak.core import constants as C

    s, st = Stream(), NarrativeStage(NarrativeConfig(coord_every_min=5))
    ctx = PipelineContext()
    hours = 7 * 24
    for h in range(0, hours, 6):
        posts = [
            s.post(
                account(1000 * h + i),
                f"topic{h} story{h} unique words{h} item{h} shared text number {i % 3}",
                minutes=h * 60 + i * 0.2,
                urls=(f"https://example.org/{h}/{i % 4}",),
            )
            for i in range(30)
        ]
        run(st, [s.batch(posts)], ctx)
    live = {n.id for n in st.all()}
    assert all(v[0] in live for v in st._lsh.values())
    assert all(v[0] in live for v in st._urls.values())
    assert all(set(ids) <= live for ids in st._postings.values())
    cutoff = (T0.timestamp() + hours * 3600.0) - 3600.0 * (C.NARR_COORD_RETIRE_AFTER_H + 7)
    assert all(it[4] >= cutoff for it in st._coord._items.values())
    assert all(e.last_t >= cutoff for e in st._coord._edges.values())
    # the coordination tables hold about two days' worth (8 of the 28 topics), not the week
    assert len(st._coord._items) <= 4 * (C.NARR_COORD_RETIRE_AFTER_H // 6 + 2) * 2


def test_coshare_retire_keeps_active_pairs() -> None:
    from wavebreak.narratives.coordination import CoShareDetector

    d = CoShareDetector(window_s=30.0, min_repeats=3, min_accounts=4, alpha=1e-4)
    for k in range(3):  # an old pair, then a pair still co-sharing
        d.observe(100.0 * k, "a", [(f"told{k}", None)])
        d.observe(100.0 * k + 5, "b", [(f"told{k}", None)])
        d.observe(10_000.0 + 100.0 * k, "c", [(f"tnew{k}", None)])
        d.observe(10_000.0 + 100.0 * k + 5, "d", [(f"tnew{k}", None)])
    assert len(d) == 2 and len(d._strong) == 2
    assert d.retire(5_000.0) == 3 + 1
    assert set(d._edges) == {("c", "d")} and d._strong == {("c", "d")}
    assert all(k.startswith("tnew") for k in d._items)


def test_retire_drops_attributed_names_whose_story_ended() -> None:
    """Review finding (eighth session): attributed names were never retired, so the names every post's
    claim-free check scans grew to every name ever attributed. A name whose anchor home narrative is no
    longer live goes with it; a live story's name stays."""
    from datetime import timedelta

    s, st = Stream(), NarrativeStage()
    posts = [s.post(account(i), CLAIM[i % 3], minutes=i) for i in range(6)]
    run(st, [s.batch(posts)])
    live_nid = st.narrative_of(posts[0].id)
    assert live_nid is not None
    st._anchor_home.update({"dead name": "n-gone", "live name": live_nid})
    st._claimed.update({"dead name": 7, "live name": 7})
    st._anchor_names.update({"dead name": "Dead Name", "live name": "Live Name"})
    st._retire(T0 + timedelta(hours=1))
    assert "Dead Name" not in st.claimed_names() and "dead name" not in st._claimed
    assert "Live Name" in st.claimed_names() and st._claimed["live name"] == 7


def test_retire_keeps_only_the_centroid_terms_of_a_story_that_never_falls_silent() -> None:
    """Issue #4 (ninth session): a narrative that never falls silent indexed every term it ever saw
    (its postings grew with the stream, bounded only by the 2M-term cap) although only its centroid's
    terms can score. Once it is NARR_COMPACT_AGE_H old, a retirement pass keeps only those."""
    from datetime import timedelta

    from wavebreak.core import constants as C

    s, st = Stream(), NarrativeStage()
    ctx = PipelineContext()
    base = "harbour festival fireworks tonight pier lanterns parade"
    n = 0
    hours = C.NARR_COMPACT_AGE_H + 2
    for hour in range(hours):
        posts = []
        for i in range(20):
            n += 1
            posts.append(s.post(account(n % 300), f"{base} x{n}a x{n}b x{n}c", minutes=hour * 60 + i))
        run(st, [s.batch(posts)], ctx)
    main = st.narrative_of(posts[0].id)
    assert main is not None
    now = T0 + timedelta(hours=hours)
    st._retire(now)
    centroid = st._live[main].centroid
    held = [t for t, ids in st._postings.items() if main in ids]
    assert all(t in centroid for t in held)
    assert len(held) <= 2 * C.NARR_CENTROID_TERMS  # its posts brought 3 x 1,000 distinct terms
    assert "harbour" in held and "fireworks" in held  # the story's own terms stay matchable
    old = now - timedelta(hours=C.NARR_COMPACT_AGE_H)
    for t, ids in st._postings.items():  # every narrative that old keeps only its centroid's terms
        assert all(t in st._live[x].centroid for x in ids if st._live[x].nar.first_seen <= old)


def test_a_story_live_for_two_days_is_compacted_like_a_dormant_one() -> None:
    """Issue #4 (ninth session): only dormant narratives were compacted, so a story that never falls
    silent kept an exact account set (up to 20,000 ids), 2,000 amplifiers and 5,000 cascade edges for
    as long as it ran. Past NARR_COMPACT_AGE_H a retirement pass compacts it; a younger one is left
    exact."""

    from wavebreak.core import constants as C

    s, st = Stream(), NarrativeStage()
    ctx = PipelineContext()
    text = "harbour festival fireworks tonight pier lanterns parade"
    root = s.post(account(0), text, minutes=0)
    run(st, [s.batch([root])], ctx)
    n = 0
    for hour in range(C.NARR_COMPACT_AGE_H + 7):  # one post every 4 minutes by a new account
        posts = []
        for i in range(15):
            n += 1
            posts.append(
                s.post(account(n), "", minutes=hour * 60 + 4 * i + 1, kind=PostKind.REPOST, parent=root.id)
            )
        run(st, [s.batch(posts)], ctx)
        if hour == 24:  # a day old: exact
            young = st._live[st.narrative_of(root.id)]
            assert not young.accounts.approximate and len(young.accounts) > C.NARR_COMPACT_ACCOUNTS
    nar = st._live[st.narrative_of(root.id)]
    assert nar.nar.posts_total == n + 1
    assert nar.accounts.approximate and abs(len(nar.accounts) - (n + 1)) < 0.05 * n
    # compacted to the top NARR_COMPACT_AMPLIFIERS at the last pass, plus at most 6 h of new accounts since
    assert len(nar.amplifiers) <= C.NARR_COMPACT_AMPLIFIERS + 15 * C.NARR_RETIRE_EVERY_H < n / 2
