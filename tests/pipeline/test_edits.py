"""Edited posts (Mastodon ``status.update``): re-scored and re-decided, stored as the newest
version, never counted twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wavebreak.core.records import Account, Post, SignalName
from wavebreak.pipeline.runner import PipelineOptions, build_pipeline
from wavebreak.pipeline.stage import Batch
from wavebreak.storage import open_storage

T0 = datetime(2026, 7, 29, 12, 0, tzinfo=UTC)
CLAIM = "The Marlowe Bay attacker is an asylum seeker who came by boat and was on an MI6 watch list"


def _post(i: int, text: str, minutes: int, **kw) -> Post:  # type: ignore[no-untyped-def]
    author = Account(id=f"mastodon:local/@u{i % 7}", platform="mastodon", followers=200 + i)
    return Post(
        id=f"mastodon:local/{i}",
        platform="mastodon",
        author_id=author.id,
        created_at=T0 + timedelta(minutes=minutes),
        text=text,
        lang="en",
        author=author,
        **kw,
    )


def test_normalise_keeps_newer_versions_only() -> None:
    p = build_pipeline(None, PipelineOptions(signals=False, narratives=False, policy=False))
    b1 = Batch(posts=[_post(1, "first", 0)])
    p.process(b1)
    edit = _post(1, "second", 0, edited_at=T0 + timedelta(minutes=5))
    b2 = Batch(posts=[edit, _post(1, "first replayed", 0)])
    p.process(b2)
    assert [x.text for x in b2.posts] == ["second"] and b2.extras["edited"] == {"mastodon:local/1"}
    b3 = Batch(posts=[_post(1, "older edit", 0, edited_at=T0 + timedelta(minutes=2))])
    p.process(b3)
    assert b3.posts == [] and "edited" not in b3.extras
    assert p.stats.accepted_posts == 2  # the original and one edit
    # an original and its edit in one batch: one post, the newest version, not flagged as an edit
    b4 = Batch(posts=[_post(9, "v0", 0), _post(9, "v1", 0, edited_at=T0 + timedelta(minutes=1))])
    p.process(b4)
    assert [x.text for x in b4.posts] == ["v1"] and "edited" not in b4.extras


def test_an_edit_that_adds_a_claim_is_rescored_redecided_and_stored() -> None:
    store = open_storage("sqlite://")
    p = build_pipeline(store, PipelineOptions(slow_path=False))
    chatter = [_post(i, f"Thinking of everyone in Marlowe Bay tonight, so sad #{i}", i) for i in range(2, 40)]
    original = _post(1, "Thinking of everyone in Marlowe Bay tonight", 1)
    b1 = Batch(posts=[original, *chatter])
    p.process(b1)
    before = b1.signals[original.id][SignalName.IDENTITY_CLAIM].score
    nid = b1.narrative_of[original.id]
    narratives = p.ctx.services["narratives"]
    size = narratives.get(nid).posts_total
    assert size == 39

    edit = _post(1, CLAIM, 1, edited_at=T0 + timedelta(minutes=45))
    b2 = Batch(posts=[edit])
    p.process(b2)
    after = b2.signals[edit.id][SignalName.IDENTITY_CLAIM].score
    assert before < 0.5 <= after  # the new words were scored
    assert any(d.target_id == edit.id for d in b2.decisions)  # and decided on
    assert b2.narrative_of[edit.id] == nid and narratives.get(nid).posts_total == size  # not counted twice
    stored = store.get_post(edit.id)
    assert stored is not None and stored.text == CLAIM and stored.edited_at == edit.edited_at
    p.close()
