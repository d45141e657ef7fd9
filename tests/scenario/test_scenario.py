"""The scenario generator: determinism, story invariants and ground-truth completeness.

The small-scale stream (scale=0.02, ~4k posts) runs by default; the full
~200k-post stream is checked against the brief's absolute figures under
``-m slow``.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest

from wavebreak.core.records import AccountKind, Post, PostKind
from wavebreak.scenario import NARRATIVES, Scenario, ScenarioConfig, generate
from wavebreak.scenario import templates as tp
from wavebreak.scenario.generator import FAMILIES, VOLUMES

SMALL = 0.02


@pytest.fixture(scope="module")
def small() -> tuple[Scenario, list[Post]]:
    scn = generate(ScenarioConfig(seed=7, scale=SMALL))
    return scn, list(scn.posts())


def _mentions(scn: Scenario, posts: list[Post], hours: float) -> tuple[int, int]:
    """Posts mentioning the false name (any spelling) before T+hours, and their distinct authors."""
    cut = scn.config.start + timedelta(hours=hours)
    keys = scn.facts.false_name_match
    hits = [p for p in posts if p.created_at < cut and any(k in p.text.lower() for k in keys)]
    return len(hits), len({p.author_id for p in hits})


def _french_share(scn: Scenario, posts: list[Post]) -> float:
    fc = [p for p in posts if scn.truth.narrative[p.id] == "false_claim"]
    return sum(p.lang == "fr" for p in fc) / len(fc)


def _check_story(scn: Scenario, posts: list[Post]) -> None:
    """Invariants that hold at every scale (the key actors do not scale)."""
    f, t = scn.facts, scn.truth
    by_id = {p.id: p for p in posts}
    accounts = {a.id: a for a in scn.accounts}
    start = scn.config.start
    h = lambda pid: (by_id[pid].created_at - start).total_seconds() / 3600  # noqa: E731

    assert 0.9 < h(f.origin_post_id) < 1.5
    assert 2.5 < h(f.pseudo_news_post_id) < 3.5
    assert 3.5 < h(f.megaphone_post_id) < 4.5
    assert f.refutation_at == start + timedelta(hours=21)
    assert by_id[f.authority_statement_post_id].text == f.authority_statement_text
    assert by_id[f.authority_statement_post_id].author_id == f.authority_account_id
    assert accounts[f.authority_account_id].kind == AccountKind.AUTHORITY
    assert accounts[f.pseudo_news_account_id].kind == AccountKind.NEWS
    assert (start - accounts[f.pseudo_news_account_id].created_at).days < 365
    assert accounts[f.megaphone_account_id].followers == 2_800_000
    assert accounts[f.incitement_account_id].followers == 500_000
    assert f.pseudo_news_domain in by_id[f.pseudo_news_post_id].urls[0]
    mega = by_id[f.megaphone_post_id]
    assert mega.kind == PostKind.QUOTE and mega.quote_of == f.pseudo_news_post_id
    assert mega.metrics.views > 2_800_000
    assert all(by_id[pid].metrics.views >= 100_000 for pid in f.incitement_post_ids)
    assert set(f.incitement_post_ids) <= t.incitement
    assert by_id[f.incitement_post_ids[0]].author_id == f.incitement_account_id
    assert 5.5 < h(f.incitement_post_ids[0]) < 7
    # the false claim starts at the origin post and nothing mentions the false name before it
    first = min(p.created_at for p in posts if any(k in p.text.lower() for k in f.false_name_match))
    assert first == by_id[f.origin_post_id].created_at
    # the minor's real name leaks late only, and every leak post is labelled
    protected = [t.lower() for t in f.protected_terms]
    leaks = [p for p in posts if any(term in p.text.lower() for term in protected)]
    assert leaks and min(p.created_at for p in leaks) >= start + timedelta(hours=26)
    assert all(t.narrative[p.id] == "minor_name_leak" for p in leaks)
    # refutations grow after the statement, and many repeat the false name to deny it
    refutes = [by_id[pid] for pid in t.refutes]
    after = sum(p.created_at >= f.refutation_at for p in refutes)
    assert after > 0.8 * len(refutes)
    named = sum(any(k in p.text.lower() for k in f.false_name_match) for p in refutes)
    assert named > 0.2 * len(refutes)
    # coordination: the cluster is new and posts in bursts of many accounts within a minute
    cluster = set(f.coordinated_account_ids)
    assert 30 <= len(cluster) <= 80
    assert all((start - accounts[a].created_at).days < 30 for a in cluster)
    coord = sorted((by_id[pid] for pid in t.coordinated), key=lambda p: p.created_at)
    assert {p.author_id for p in coord} <= cluster
    bursts: list[list[Post]] = []
    for p in coord:
        if bursts and (p.created_at - bursts[-1][0].created_at).total_seconds() < 60:
            bursts[-1].append(p)
        else:
            bursts.append([p])
    assert len(bursts) >= 5 and all(len(b) >= 0.7 * len(cluster) for b in bursts)
    assert 0.12 < _french_share(scn, posts) < 0.2


def test_same_seed_same_stream(small: tuple[Scenario, list[Post]]) -> None:
    _, posts = small
    again = list(generate(ScenarioConfig(seed=7, scale=SMALL)).posts())
    assert [(p.id, p.text, p.created_at, p.author_id) for p in posts] == [
        (p.id, p.text, p.created_at, p.author_id) for p in again
    ]


def test_posts_iterates_identically_twice(small: tuple[Scenario, list[Post]]) -> None:
    scn, posts = small
    assert [p.text for p in scn.posts()] == [p.text for p in posts]


def test_skeleton_matches_rendered_posts(small: tuple[Scenario, list[Post]]) -> None:
    """The text-free skeleton (used by simulated notifiers) is the rendered stream minus the words."""
    scn, posts = small
    skel = list(scn.skeleton())
    assert len(skel) == len(posts)
    for s, p in zip(skel, posts, strict=True):
        assert (s.id, s.created_at, s.kind, s.author.id, s.views) == (
            p.id,
            p.created_at,
            p.kind,
            p.author_id,
            p.metrics.views,
        )


def test_different_seed_different_stream(small: tuple[Scenario, list[Post]]) -> None:
    _, posts = small
    other = list(generate(ScenarioConfig(seed=8, scale=SMALL)).posts())
    same = sum(a.text == b.text for a, b in zip(posts, other, strict=False))
    assert same < 0.2 * min(len(posts), len(other))


def test_time_order_ids_and_references(small: tuple[Scenario, list[Post]]) -> None:
    scn, posts = small
    times = [p.created_at for p in posts]
    assert times == sorted(times)
    assert times[0] >= scn.config.start
    assert times[-1] < scn.config.start + timedelta(hours=scn.config.hours)
    assert [p.id for p in posts] == [f"demo:{i + 1}" for i in range(len(posts))]
    by_id = {p.id: p for p in posts}
    account_ids = {a.id for a in scn.accounts}
    for p in posts:
        assert p.platform == "demo" and p.author is not None and p.author.id == p.author_id
        assert p.author_id in account_ids and p.region
        parent = p.parent_id
        if p.kind == PostKind.POST:
            assert parent is None
        else:
            assert parent in by_id and by_id[parent].created_at < p.created_at
            assert (p.kind == PostKind.REPOST) == (p.repost_of is not None)
            assert (p.kind == PostKind.REPLY) == (p.reply_to is not None)
            assert (p.kind == PostKind.QUOTE) == (p.quote_of is not None)
        if p.kind == PostKind.REPOST:
            assert p.text.endswith(by_id[p.repost_of].text)
            assert by_id[p.repost_of].author.handle in p.mentions


def test_ground_truth_complete_and_consistent(small: tuple[Scenario, list[Post]]) -> None:
    scn, posts = small
    t = scn.truth
    ids = {p.id for p in posts}
    assert set(t.narrative) == ids and set(t.lang) == ids
    assert set(t.narrative.values()) == set(NARRATIVES)
    assert all(t.lang[p.id] == p.lang for p in posts)
    for labelled in (t.incitement, t.hate, t.refutes, t.supports, t.query, t.coordinated):
        assert labelled and labelled <= ids
    assert t.incitement <= t.hate
    assert not t.supports & t.refutes
    assert all(t.narrative[pid] == "incitement" for pid in t.incitement)
    assert all(t.narrative[pid] == "false_claim" for pid in t.supports)
    # a repost carries the labels of what it reposts
    by_id = {p.id: p for p in posts}
    for p in posts:
        if p.repost_of:
            for s in (t.incitement, t.supports, t.refutes):
                assert (p.id in s) == (p.repost_of in s)
    # benign posts name groups that incitement targets, and none of them is labelled hate
    groups = ("muslim", "mosque", "migrant", "jewish", "synagogue", "black", "refugee", "asylum")
    benign = [p for p in posts if t.narrative[p.id] == "chatter" and any(g in p.text.lower() for g in groups)]
    assert len(benign) >= 20 and not any(p.id in t.hate for p in benign)
    assert by_id  # used above


def test_small_scale_story(small: tuple[Scenario, list[Post]]) -> None:
    scn, posts = small
    _check_story(scn, posts)
    n, accounts = _mentions(scn, posts, 22)
    assert n > 30_000 * SMALL and accounts > 18_000 * SMALL
    assert 0.6 * 200_000 * SMALL < len(posts) < 1.5 * 200_000 * SMALL


def test_truth_json_is_serialisable(small: tuple[Scenario, list[Post]]) -> None:
    scn, posts = small
    data = json.loads(json.dumps(scn.truth_json()))
    assert len(data["narrative"]) == len(posts)
    assert data["facts"]["megaphone_post_id"] == scn.facts.megaphone_post_id
    assert data["facts"]["refutation_at"].startswith("2026-07-30T08:45")
    assert set(data["incitement"]) == scn.truth.incitement


def test_timeline_rescales_with_hours() -> None:
    scn = generate(ScenarioConfig(seed=3, scale=0.01, hours=12.0))
    posts = list(scn.posts())
    assert posts[-1].created_at < scn.config.start + timedelta(hours=12)
    assert scn.facts.refutation_at == scn.config.start + timedelta(hours=7)


def test_every_family_can_render_its_languages() -> None:
    """A family with French volume must have French templates (or be a repost), else lang would lie."""
    for fam in FAMILIES:
        fr_share = VOLUMES.get(fam.key, (0, 0, 0.0, "", 0.0))[2]
        if fr_share > 0 and fam.template is not None:
            assert "fr" in tp.T[fam.template], fam.key


def test_texts_are_varied(small: tuple[Scenario, list[Post]]) -> None:
    scn, posts = small
    originals = [p for p in posts if p.kind != PostKind.REPOST and p.id not in scn.truth.coordinated]
    top = Counter(p.text for p in originals).most_common(1)[0][1]
    assert len({p.text for p in originals}) > 0.5 * len(originals) and top < 0.02 * len(originals)


@pytest.mark.slow
def test_full_scale_story() -> None:
    scn = generate(ScenarioConfig())
    posts = list(scn.posts())
    assert 180_000 < len(posts) < 230_000 and 45_000 <= len(scn.accounts) <= 55_000
    _check_story(scn, posts)
    n, accounts = _mentions(scn, posts, 22)
    assert n > 30_000 and accounts > 18_000
    followers = sorted((a.followers for a in scn.accounts), reverse=True)
    assert followers[0] >= 2_800_000 and 100_000 <= followers[20] < 3_000_000
    regions = Counter(p.region for p in posts)
    assert regions["GB"] > 0.5 * len(posts) and {"FR", "IE", "US"} <= set(regions)


def test_setup_records_for_the_demo(small: tuple[Scenario, list[Post]]) -> None:
    """The statement, legal hold and crisis helpers agree with the facts and catch what they should."""
    scn, posts = small
    f = scn.facts
    statement = scn.authority_statement()
    assert statement.at == f.refutation_at and statement.text == f.authority_statement_text
    assert f.suspect_false_name in statement.claim
    hold = scn.legal_hold()
    assert hold.starts_at <= f.first_leak_at and set(hold.terms) == set(f.protected_terms)
    assert f.suspect_false_name not in hold.terms
    leaks = [p for p in posts if scn.truth.narrative[p.id] == "minor_name_leak"]
    assert all(any(term.lower() in p.text.lower() for term in hold.terms) for p in leaks)
    crisis = scn.crisis()
    assert crisis.active_at(f.refutation_at) and not crisis.active_at(scn.config.start)
    assert "GB" in crisis.regions and "fr" in crisis.languages
    account_ids = {a.id for a in scn.accounts}
    for acc in (
        f.origin_account_id,
        f.pseudo_news_account_id,
        f.megaphone_account_id,
        f.incitement_account_id,
    ):
        assert acc in account_ids
