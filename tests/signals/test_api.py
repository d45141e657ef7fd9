"""The public API scores texts and posts with every fast signal."""

from __future__ import annotations

from datetime import UTC, datetime

from wavebreak.core.records import Post, PostKind
from wavebreak.signals import score_posts, score_texts


def test_score_texts_languages_and_labels() -> None:
    out = score_texts(["Je vais te tuer", "you are a total idiot", ""])
    assert out[0]["lang"].label == "fr" and out[0]["threat"].score > 0.5
    assert out[1]["abuse"].score > 0.5 and out[1]["hate"].score < 0.5
    assert out[2]["lang"].label == "und"


def test_score_texts_uses_platform_language_when_unsure() -> None:
    out = score_texts(["ok"], langs=["fr"])
    assert out[0]["lang"].label in {"fr", "en", "other"}


def test_score_posts_repost_inherits() -> None:
    t = datetime(2024, 7, 29, tzinfo=UTC)
    posts = [
        Post(
            id="x:1",
            platform="x",
            author_id="x:a",
            created_at=t,
            text="Everyone to the mosque tonight, torch it",
        ),
        Post(id="x:2", platform="x", author_id="x:b", created_at=t, kind=PostKind.REPOST, repost_of="x:1"),
    ]
    a, b = score_posts(posts)
    assert a["incitement"].score > 0.5
    assert b["incitement"].score == a["incitement"].score
