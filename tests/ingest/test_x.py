"""X API v2 pages and Twitter v1.1 objects (streaming, PHEME arrays), real shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from wavebreak.core.records import PostKind

from .helpers import read_all, write_jsonl

PHEME = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "rumours" / "pheme9"


def v2_user(uid: str, username: str) -> dict:
    return {
        "id": uid,
        "username": username,
        "name": username.upper(),
        "created_at": "2010-06-25T08:52:25.000Z",
        "verified": True,
        "description": "news",
        "public_metrics": {
            "followers_count": 2800000,
            "following_count": 10,
            "tweet_count": 9000,
            "listed_count": 1,
        },
    }


def v2_tweet(tid: str, author: str, text: str, **extra: object) -> dict:
    return {
        "id": tid,
        "text": text,
        "author_id": author,
        "created_at": "2024-07-29T15:00:00.000Z",
        "lang": "en",
        "conversation_id": tid,
        "public_metrics": {
            "retweet_count": 5,
            "reply_count": 1,
            "like_count": 9,
            "quote_count": 2,
            "bookmark_count": 0,
            "impression_count": 1200,
        },
    } | extra


def test_v2_page_with_includes_references_and_missing_user(tmp_path):
    page = {
        "data": [
            v2_tweet(
                "1817900000000000001",
                "12",
                "Name of the attacker is ... #Southport https://t.co/x",
                entities={
                    "urls": [
                        {
                            "start": 40,
                            "end": 63,
                            "url": "https://t.co/x",
                            "expanded_url": "https://pseudo.news/story",
                        }
                    ],
                    "hashtags": [{"start": 30, "end": 40, "tag": "Southport"}],
                    "mentions": [{"start": 0, "end": 4, "username": "bob", "id": "34"}],
                },
            ),
            v2_tweet(
                "1817900000000000002",
                "12",
                "RT @x: ...",
                referenced_tweets=[{"type": "retweeted", "id": "1817900000000000001"}],
            ),
            v2_tweet(
                "1817900000000000003",
                "99",
                "quoting",
                referenced_tweets=[
                    {"type": "quoted", "id": "1817900000000000001"},
                    {"type": "replied_to", "id": "5"},
                ],
            ),
            v2_tweet("1817900000000000004", "12", "x" * 280, note_tweet={"text": "long " * 200}),
        ],
        "includes": {
            "users": [v2_user("12", "channel3now")],
            "tweets": [v2_tweet("5", "12", "an included parent")],
        },
        "meta": {"result_count": 4},
    }
    out, stats = read_all(write_jsonl(tmp_path / "p.jsonl", [page]), "x-v2")
    posts = {p.id: p for p in out["posts"]}
    assert set(posts) == {
        "x:1817900000000000001",
        "x:1817900000000000002",
        "x:1817900000000000003",
        "x:1817900000000000004",
        "x:5",
    }
    p1 = posts["x:1817900000000000001"]
    assert p1.author_id == "x:12" and p1.author.handle == "channel3now" and p1.author.followers == 2800000
    assert (
        p1.urls == ("https://pseudo.news/story",)
        and p1.hashtags == ("Southport",)
        and p1.mentions == ("x:34",)
    )
    assert p1.metrics.views == 1200 and p1.metrics.reposts == 5
    assert posts["x:1817900000000000002"].kind == PostKind.REPOST
    p3 = posts["x:1817900000000000003"]
    assert p3.kind == PostKind.QUOTE and p3.quote_of == "x:1817900000000000001" and p3.reply_to == "x:5"
    assert p3.author is None  # user 99 missing from includes: accepted without a snapshot
    assert posts["x:1817900000000000004"].text == "long " * 200
    assert [a.id for a in out["accounts"]] == ["x:12"]
    assert stats["accepted"] == 1 and stats["records"] == 6


def test_v2_snowflake_time_partial_quarantine_and_error_pages(tmp_path):
    no_time = v2_tweet("1817900000000000001", "12", "no created_at")
    del no_time["created_at"]
    no_author = v2_tweet("1817900000000000002", "", "no author")
    bad_time = v2_tweet("1817900000000000003", "12", "bad", created_at="29/07/2024")
    error_page = {
        "errors": [{"resource_id": "1", "title": "Not Found Error", "detail": "Could not find tweet"}]
    }
    single = {"data": v2_tweet("1817900000000000005", "12", "single object page")}
    path = write_jsonl(tmp_path / "p.jsonl", [{"data": [no_time, no_author, bad_time]}, error_page, single])
    out, stats = read_all(path, "x-v2")
    posts = {p.id: p for p in out["posts"]}
    assert posts["x:1817900000000000001"].created_at.date() == datetime(2024, 7, 29, tzinfo=UTC).date()
    assert "x:1817900000000000005" in posts
    assert [q.reason for q in out["quarantined"]] == [
        "data[1]: missing field 'author_id'",
        "data[2]: created_at not ISO 8601: '29/07/2024'",
    ]
    assert stats == {"read": 3, "accepted": 2, "skipped": 1, "quarantined": 2, "records": 2}


def v1_user(uid: str, name: str) -> dict:
    return {
        "id": int(uid),
        "id_str": uid,
        "screen_name": name,
        "name": name.title(),
        "followers_count": 100,
        "friends_count": 5,
        "statuses_count": 10,
        "verified": False,
        "created_at": "Wed Aug 27 13:08:45 +0000 2014",
        "description": "bio",
        "location": "UK",
    }


def v1_tweet(tid: str, uid: str, text: str, **extra: object) -> dict:
    return {
        "created_at": "Mon Jul 29 15:00:00 +0000 2024",
        "id": int(tid),
        "id_str": tid,
        "text": text,
        "truncated": False,
        "user": v1_user(uid, f"user{uid}"),
        "in_reply_to_status_id_str": None,
        "entities": {"hashtags": [], "urls": [], "user_mentions": [], "symbols": []},
        "retweet_count": 3,
        "favorite_count": 4,
        "lang": "en",
    } | extra


def test_v1_retweet_of_quote_of_quote_extended_and_delete(tmp_path):
    innermost = v1_tweet("1817900000000000001", "1", "the original claim")
    middle = v1_tweet(
        "1817900000000000002",
        "2",
        "quoting it",
        quoted_status=innermost,
        quoted_status_id_str="1817900000000000001",
        is_quote_status=True,
    )
    outer = v1_tweet(
        "1817900000000000003",
        "3",
        "quote of a quote",
        quoted_status=middle,
        quoted_status_id_str="1817900000000000002",
        is_quote_status=True,
    )
    retweet = v1_tweet("1817900000000000004", "4", "RT @user3: quote of a quote", retweeted_status=outer)
    extended = v1_tweet(
        "1817900000000000005",
        "5",
        "truncated…",
        truncated=True,
        extended_tweet={
            "full_text": "the full long text #Southport",
            "entities": {
                "hashtags": [{"text": "Southport", "indices": [19, 29]}],
                "urls": [],
                "user_mentions": [],
            },
        },
        place={"country_code": "GB", "full_name": "Southport, England"},
        in_reply_to_status_id_str="1817900000000000001",
    )
    delete = {
        "delete": {
            "status": {
                "id": 1817900000000000001,
                "id_str": "1817900000000000001",
                "user_id": 1,
                "user_id_str": "1",
            },
            "timestamp_ms": "1722265500000",
        }
    }
    limit = {"limit": {"track": 12, "timestamp_ms": "1722265500000"}}
    path = write_jsonl(tmp_path / "v1.jsonl", [retweet, extended, delete, limit])
    out, stats = read_all(path, "twitter-v1")
    posts = {p.id: p for p in out["posts"]}
    assert [p.id for p in out["posts"]][:4] == [
        "x:1817900000000000001",
        "x:1817900000000000002",
        "x:1817900000000000003",
        "x:1817900000000000004",
    ]
    assert posts["x:1817900000000000004"].repost_of == "x:1817900000000000003"
    assert posts["x:1817900000000000003"].quote_of == "x:1817900000000000002"
    assert posts["x:1817900000000000002"].quote_of == "x:1817900000000000001"
    ext = posts["x:1817900000000000005"]
    assert ext.text == "the full long text #Southport" and ext.hashtags == ("Southport",)
    assert ext.region == "GB" and ext.kind == PostKind.REPLY
    assert ext.created_at == datetime(2024, 7, 29, 15, 0, tzinfo=UTC)
    [d] = out["deletions"]
    assert d.target_id == "x:1817900000000000001" and d.at == datetime(2024, 7, 29, 15, 5, tzinfo=UTC)
    assert stats["skipped"] == 1 and stats["accepted"] == 3


def test_v1_twitter_date_with_offset_and_archive_wrapper(tmp_path):
    t = v1_tweet("1817900000000000001", "1", "hi", created_at="Mon Jul 29 16:00:00 +0100 2024")
    archive = b"window.YTD.tweets.part0 = " + orjson.dumps([{"tweet": t}], option=orjson.OPT_INDENT_2)
    path = tmp_path / "tweets.js"
    path.write_bytes(archive)
    out, _ = read_all(path, "twitter-v1")
    assert out["posts"][0].created_at == datetime(2024, 7, 29, 15, 0, tzinfo=UTC)


@pytest.mark.skipif(not PHEME.exists(), reason="../shared/datasets not present (PHEME)")
def test_reads_a_real_pheme_file():
    path = PHEME / "ebola-essien-all-rnr-threads.rumours.json"
    out, stats = read_all(path, "twitter-v1")
    assert stats["quarantined"] == 0 and stats["read"] == len(out["posts"]) > 0
    raw = orjson.loads(path.read_bytes())
    assert [p.id for p in out["posts"]] == [f"x:{t['id_str']}" for t in raw]
    first = out["posts"][0]
    assert first.author is not None and first.author.followers == raw[0]["user"]["followers_count"]
    assert first.metrics.reposts == raw[0]["retweet_count"]
    assert all(p.created_at.tzinfo is not None for p in out["posts"])
