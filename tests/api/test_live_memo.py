"""The server's memo of gate answers (LiveIndex.decide): forgotten exactly where a change reaches, never
dropped whole by a decision, and expiring spread out rather than all at once.

Why these tests: the first memo was dropped whole on every new event and on a one-minute wall-clock
bucket; recomputing it cost ~0.3 s of gate CPU at once, which spiked the gate benchmark's p99 in one
run in four and would keep a server whose pipeline writes decisions continuously in that state.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from wavebreak.api import live as live_mod
from wavebreak.api.live import LiveIndex
from wavebreak.core import constants as C
from wavebreak.core.records import Account, Action, Event, Post, Surface
from wavebreak.decisions.log import DECISION_REVERSED, decision_event

from .helpers import NOW, _decision, build_store

SURFACES = ("trends", "search", "recommendations", "notifications")


def _store_with_posts(tmp_path: Path, n_posts: int = 60, n_authors: int = 6) -> tuple[Any, list[str]]:
    s = build_store(tmp_path / "memo.db")
    s.add_accounts([Account(id=f"m:u{i}", platform="generic", followers=10) for i in range(n_authors)])
    ids = [f"m:p{i}" for i in range(n_posts)]
    s.add_posts(
        [
            Post(id=p, platform="generic", author_id=f"m:u{i % n_authors}", created_at=NOW, text=f"post {i}")
            for i, p in enumerate(ids)
        ]
    )
    return s, ids


def _record(store: Any, d: Any) -> None:
    store.append_events([decision_event(d)])
    store.put_decisions([d])


def _answers(live: LiveIndex, surface: str, region: str, ids: list[str]) -> list[bytes]:
    import orjson

    return [bytes(orjson.dumps(a)) for a in live.decide(surface, region, ids)]


def _fresh(live: LiveIndex, surface: str, region: str, ids: list[str]) -> list[bytes]:
    """What the library Gate answers now, without the memo."""
    import orjson

    return [bytes(orjson.dumps(live_mod.gate_item(r))) for r in live.gate.decide(surface, region, ids)]


def test_a_decision_forgets_only_the_answers_it_reaches(tmp_path: Path) -> None:
    store, ids = _store_with_posts(tmp_path)
    live = LiveIndex(store)
    live.refresh()
    _answers(live, "trends", "GB", ids)
    misses = live.stats["memo_misses"]
    # a decision on one post: that post alone is recomputed
    _record(store, _decision("dec-m1", "post", ids[7], {Surface.TRENDS: Action.EXCLUDE}))
    live.refresh()
    after = _answers(live, "trends", "GB", ids)
    assert live.stats["memo_misses"] - misses == 1
    assert b'"action":"exclude"' in after[7]
    # a decision on an author: that author's posts (every 6th) are recomputed, the rest stay memoised
    misses = live.stats["memo_misses"]
    _record(store, _decision("dec-m2", "account", "m:u3", {Surface.TRENDS: Action.DEMOTE}))
    live.refresh()
    after = _answers(live, "trends", "GB", ids)
    assert live.stats["memo_misses"] - misses == len(ids) // 6
    assert all((b'"action":"demote"' in a) == (i % 6 == 3) for i, a in enumerate(after))


def test_a_narrative_decision_reaches_the_narratives_posts(tmp_path: Path) -> None:
    store, ids = _store_with_posts(tmp_path)
    store.set_post_narratives([(p, "m:n1") for p in ids[:10]])
    live = LiveIndex(store, narrative_refresh_s=0.0)
    live.refresh()
    assert all(b'"action":"allow"' in a for a in _answers(live, "search", None, ids))
    _record(store, _decision("dec-mn", "narrative", "m:n1", {Surface.SEARCH: Action.EXCLUDE}))
    live.refresh()
    after = _answers(live, "search", None, ids)
    assert after == _fresh(live, "search", None, ids)
    assert [b'"action":"exclude"' in a for a in after] == [i < 10 for i in range(len(ids))]


def test_memoised_answers_equal_fresh_ones_through_random_changes(tmp_path: Path) -> None:
    """Decisions on posts, authors and narratives, reversals and supersessions in random order: after
    every fold the memoised answers equal the Gate's own, on every surface and region asked before."""
    store, ids = _store_with_posts(tmp_path, n_posts=40, n_authors=5)
    store.set_post_narratives([(p, f"m:n{i % 3}") for i, p in enumerate(ids) if i % 4 == 0])
    live = LiveIndex(store, narrative_refresh_s=0.0)
    live.refresh()
    rng = random.Random(5)
    applied: list[Any] = []
    for step in range(60):
        kind = rng.choice(["post", "account", "narrative", "reverse"])
        if kind == "reverse" and applied:
            d = applied.pop(rng.randrange(len(applied)))
            store.append_events(
                [
                    Event(
                        kind=DECISION_REVERSED,
                        at=NOW,
                        actor="test",
                        subject=d.target_id,
                        payload={"decision_id": d.id},
                    )
                ]
            )
        else:
            kind = "post" if kind == "reverse" else kind
            target = {
                "post": rng.choice(ids),
                "account": f"m:u{rng.randrange(5)}",
                "narrative": f"m:n{rng.randrange(3)}",
            }[kind]
            surface = Surface(rng.choice(SURFACES))
            d = _decision(f"dec-r{step}", kind, target, {surface: rng.choice(list(Action)[1:4])})
            _record(store, d)
            applied.append(d)
        live.refresh()
        for surface in SURFACES:
            for region in ("GB", None):
                sample = rng.sample(ids, 15)
                assert _answers(live, surface, region, sample) == _fresh(live, surface, region, sample)


def test_answers_expire_spread_out_not_all_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store, ids = _store_with_posts(tmp_path, n_posts=200)
    live = LiveIndex(store)
    live.refresh()
    ttl = C.API_GATE_RESULT_TTL_S
    t0 = 1000 * ttl + 0.1
    monkeypatch.setattr(live_mod.time, "monotonic", lambda: t0)
    _answers(live, "trends", "FR", ids)
    misses = live.stats["memo_misses"]
    # three quarters of the TTL later some answers have expired, not all: the recomputation is spread
    monkeypatch.setattr(live_mod.time, "monotonic", lambda: t0 + 0.75 * ttl)
    _answers(live, "trends", "FR", ids)
    recomputed = live.stats["memo_misses"] - misses
    assert 0 < recomputed < len(ids)
    # and no answer outlives the TTL
    misses = live.stats["memo_misses"]
    monkeypatch.setattr(live_mod.time, "monotonic", lambda: t0 + 0.75 * ttl + ttl + 0.01)
    _answers(live, "trends", "FR", ids)
    assert live.stats["memo_misses"] - misses == len(ids)


def test_a_decision_expiring_forgets_its_target_only(tmp_path: Path) -> None:
    import time
    from datetime import UTC, datetime

    store, ids = _store_with_posts(tmp_path)
    d = _decision("dec-exp", "post", ids[3], {Surface.TRENDS: Action.EXCLUDE})
    d.expires_at = datetime.now(UTC) + timedelta(seconds=1.0)
    _record(store, d)
    live = LiveIndex(store)
    live.refresh()
    assert b'"action":"exclude"' in _answers(live, "trends", "GB", ids)[3]
    misses = live.stats["memo_misses"]
    time.sleep(max(0.0, (d.expires_at - datetime.now(UTC)).total_seconds()) + 0.05)
    after = _answers(live, "trends", "GB", ids)
    assert live.stats["memo_misses"] - misses == 1
    assert b'"action":"allow"' in after[3]


def test_expired_answers_leave_no_dependencies_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review finding: answers left the memo by TTL but their author/narrative dependencies stayed, so
    the dependency map grew with every item ever answered."""
    store, ids = _store_with_posts(tmp_path, n_posts=120)
    live = LiveIndex(store)
    live.refresh()
    ttl = C.API_GATE_RESULT_TTL_S
    t0 = 1000 * ttl + 0.1
    monkeypatch.setattr(live_mod.time, "monotonic", lambda: t0)
    _answers(live, "trends", "GB", ids)
    _answers(live, "search", "GB", ids[:60])
    assert sum(map(len, live._memo_deps.values())) == len(ids)
    # past every TTL, one call for one item: every other answer expired, and so did its dependencies
    monkeypatch.setattr(live_mod.time, "monotonic", lambda: t0 + 2 * ttl)
    _answers(live, "trends", "GB", ids[:1])
    assert sum(map(len, live._memo_deps.values())) == 1


def test_a_request_racing_a_decision_keeps_no_stale_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review finding: the poller popped an author's dependencies before bumping the memo epoch, so a
    request that computed its answers before the decision and recorded them in between kept them until
    their TTL. The request thread's tail (memoise, record dependencies, check the epoch: as in
    ``LiveIndex.decide``) is run at the worst moment: inside the poller's forgetting, after the pops."""
    import orjson

    store, ids = _store_with_posts(tmp_path)
    live = LiveIndex(store)
    live.refresh()
    _answers(live, "trends", "GB", ids)  # the posts' authors become known to the index
    live._memo.clear()  # ... and this request's answers are not memoised or recorded yet
    live._memo_deps.clear()
    epoch0 = live._memo_epoch
    stale = {
        r.item_id: orjson.Fragment(orjson.dumps(live_mod.gate_item(r)))
        for r in live.gate.decide("trends", "GB", ids)
    }
    memo = live._memo.setdefault(("trends", "GB"), {})
    real_forget = live._forget_items

    def forget_after_the_request_tail(item_ids: Any) -> None:
        memo.update(stale)
        live._note_deps(stale)
        if live._memo_epoch != epoch0:
            for i in stale:
                memo.pop(i, None)
        real_forget(item_ids)

    monkeypatch.setattr(live, "_forget_items", forget_after_the_request_tail)
    _record(store, _decision("dec-race", "account", "m:u1", {Surface.TRENDS: Action.EXCLUDE}))
    live.refresh()
    monkeypatch.setattr(live, "_forget_items", real_forget)
    assert _answers(live, "trends", "GB", ids) == _fresh(live, "trends", "GB", ids)


def test_server_applies_an_originals_decision_to_its_reposts_and_quotes(tmp_path: Path) -> None:
    """The server's post records carry kind / repost_of / quote_of, so the gate's repost and quote
    rules apply there as in the library; and a decision on the original forgets the memoised
    answers of the posts that show it (the reposts were answered `allow` before it)."""
    from wavebreak.core.records import PostKind

    store = build_store(tmp_path / "rq.db")
    store.add_accounts([Account(id=f"m:u{i}", platform="generic", followers=10) for i in range(3)])
    store.add_posts(
        [
            Post(id="m:orig", platform="generic", author_id="m:u0", created_at=NOW, text="the claim"),
            Post(
                id="m:rp",
                platform="generic",
                author_id="m:u1",
                created_at=NOW,
                kind=PostKind.REPOST,
                repost_of="m:orig",
            ),
            Post(
                id="m:qt",
                platform="generic",
                author_id="m:u2",
                created_at=NOW,
                text="look at this",
                kind=PostKind.QUOTE,
                quote_of="m:orig",
            ),
        ]
    )
    live = LiveIndex(store)
    live.refresh()
    ids = ["m:orig", "m:rp", "m:qt"]
    before = _answers(live, "trends", "GB", ids)
    assert all(b'"action":"allow"' in a for a in before)
    _record(store, _decision("dec-orig", "post", "m:orig", {Surface.TRENDS: Action.EXCLUDE}))
    live.refresh()
    after = _answers(live, "trends", "GB", ids)
    assert after == _fresh(live, "trends", "GB", ids)  # the memo forgot what the decision reaches
    assert b'"action":"exclude"' in after[0]
    assert b'"action":"exclude"' in after[1]  # the repost shows the original
    assert b'"action":"allow"' not in after[2]  # the quote embeds it
