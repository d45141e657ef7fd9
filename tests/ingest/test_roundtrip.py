"""emit → read_records is lossless for every format, on records natural to each platform."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from wavebreak.core.records import Account, AccountKind, Post, PostKind, PublicMetrics
from wavebreak.ingest import FORMATS, emit, read_records

from .helpers import post_fields

T = datetime(2024, 7, 29, 15, 0, 1, 234567, tzinfo=UTC)
T_S = datetime(2024, 7, 29, 15, 0, 1, tzinfo=UTC)  # v1.1 dates have second precision


def bluesky() -> tuple[list[Post | Account], list[Account]]:
    did = "did:plc:z72i7hdynmk6r22z27h6tvur"
    other = "bluesky:at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l3qnzf2xyz2a"
    base = f"bluesky:at://{did}/app.bsky.feed.post/"
    posts = [
        Post(
            base + "3k1",
            "bluesky",
            f"bluesky:{did}",
            T,
            "hello @bob #Southport",
            "en",
            urls=("https://pseudo.news/a",),
            mentions=("bluesky:did:plc:ewvi7nxzyoun6zhxrhs64oiz",),
            hashtags=("Southport",),
            media_hashes=("bafkreiabc",),
        ),
        Post(base + "3k2", "bluesky", f"bluesky:{did}", T, "a reply", "en", PostKind.REPLY, reply_to=other),
        Post(
            base + "3k3",
            "bluesky",
            f"bluesky:{did}",
            T,
            "quote+media",
            None,
            PostKind.QUOTE,
            quote_of=other,
            media_hashes=("bafkreidef",),
        ),
        Post(
            f"bluesky:at://{did}/app.bsky.feed.repost/3k4",
            "bluesky",
            f"bluesky:{did}",
            T,
            "",
            None,
            PostKind.REPOST,
            repost_of=other,
        ),
    ]
    accounts = [Account(f"bluesky:{did}", "bluesky", handle="alice.bsky.social")]
    return [*accounts, *posts], accounts


def mastodon() -> tuple[list[Post | Account], list[Account]]:
    alice = Account(
        "mastodon:https://mastodon.social/@alice",
        "mastodon",
        handle="alice",
        name="Alice",
        created_at=datetime(2022, 11, 14, tzinfo=UTC),
        followers=10,
        following=2,
        posts_count=30,
        kind=AccountKind.BOT,
        description="line one\nline two",
        url="https://mastodon.social/@alice",
    )
    remote = Account(
        "mastodon:https://other.example/@carol",
        "mastodon",
        handle="carol@other.example",
        url="https://other.example/@carol",
    )
    m = PublicMetrics(0, 7, 40, 3, 2)
    posts = [
        Post(
            "mastodon:local/1",
            "mastodon",
            alice.id,
            T,
            "see https://a.example/x?a=1&b=2 & <tags>\n\nbye",
            "en",
            urls=("https://a.example/x?a=1&b=2", "https://card.example"),
            mentions=(remote.id,),
            hashtags=("Southport",),
            media_hashes=("UeKUpFxuo~R%0nW;WCnhF6RjaJt757oJodS$",),
            metrics=m,
            author=alice,
        ),
        Post(
            "mastodon:local/2",
            "mastodon",
            remote.id,
            T,
            "reply",
            "de",
            PostKind.REPLY,
            reply_to="mastodon:local/1",
            author=remote,
        ),
        Post(
            "mastodon:local/3",
            "mastodon",
            remote.id,
            T,
            "",
            None,
            PostKind.REPOST,
            repost_of="mastodon:local/1",
            author=remote,
        ),
        Post(
            "mastodon:local/4",
            "mastodon",
            alice.id,
            T,
            "quoting",
            "en",
            PostKind.QUOTE,
            quote_of="mastodon:local/1",
            author=alice,
        ),
    ]
    return list(posts), [alice, remote]


def x_posts(precision: datetime) -> tuple[list[Post | Account], list[Account]]:
    user = Account(
        "x:12",
        "x",
        handle="channel3now",
        name="Channel3 Now",
        created_at=T_S,
        followers=2800000,
        following=10,
        posts_count=9000,
        verified=True,
        description="news",
        url="https://t.co/u",
    )
    m = PublicMetrics(1200 if precision == T else 0, 9, 5, 1, 2)
    posts = [
        Post(
            "x:1817900000000000001",
            "x",
            "x:12",
            precision,
            "Name of the attacker #Southport",
            "en",
            urls=("https://pseudo.news/story",),
            mentions=("x:34",),
            hashtags=("Southport",),
            media_hashes=("3_1817900000000000001",),
            metrics=m,
            author=user,
        ),
        Post(
            "x:1817900000000000002",
            "x",
            "x:12",
            precision,
            "long " * 100,
            None,
            PostKind.QUOTE,
            quote_of="x:1817900000000000001",
            reply_to="x:5",
            author=user,
        ),
        Post(
            "x:1817900000000000003",
            "x",
            "x:12",
            precision,
            "RT @channel3now: Name",
            "en",
            PostKind.REPOST,
            repost_of="x:1817900000000000001",
            author=user,
        ),
    ]
    return [user, *posts], [user]


def generic() -> tuple[list[Post | Account], list[Account]]:
    author = Account(
        "generic:a1",
        "generic",
        handle="h",
        name="N",
        created_at=T,
        followers=5,
        following=6,
        posts_count=7,
        verified=True,
        kind=AccountKind.NEWS,
        description="d",
        url="https://u.example",
    )
    standalone = Account("x:99", "x", handle="gone", region="GB", active=False, kind=AccountKind.AUTHORITY)
    posts = [
        Post(
            "generic:1",
            "generic",
            author.id,
            T,
            'text with, comma\nand newline "quoted" https://in.text',
            "en",
            urls=(),
            mentions=("generic:@bob",),
            hashtags=("tag",),
            media_hashes=("h1", "h2"),
            metrics=PublicMetrics(1, 2, 3, 4, 5),
            author=author,
            region="GB",
        ),
        Post("x:2", "x", "x:9", T, "", None, PostKind.REPOST, repost_of="x:1"),
        Post(
            "bluesky:at://did:plc:a/app.bsky.feed.post/r",
            "bluesky",
            "bluesky:did:plc:a",
            T,
            "q",
            None,
            PostKind.QUOTE,
            quote_of="generic:1",
            reply_to="generic:0",
        ),
    ]
    return [standalone, *posts], [author, standalone]


CASES = {
    "jetstream": bluesky,
    "mastodon": mastodon,
    "x-v2": lambda: x_posts(T),
    "twitter-v1": lambda: x_posts(T_S),
    "jsonl": generic,
    "csv": generic,
    "parquet": generic,
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_roundtrip(fmt, tmp_path):
    records, accounts = CASES[fmt]()
    buf = io.BytesIO()
    written = emit(records, fmt, buf)
    assert written >= sum(isinstance(r, Post) for r in records)
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(buf.getvalue())
    stats: dict[str, int] = {}
    back = list(read_records(path, fmt, stats=stats))
    assert stats["quarantined"] == 0, [r for r in back if not isinstance(r, Post | Account)]
    want = [post_fields(p) for p in records if isinstance(p, Post)]
    got = [post_fields(p) for p in back if isinstance(p, Post)]
    assert got == want
    got_accounts = {a.id: a for a in back if isinstance(a, Account)}
    for acc in accounts:
        assert got_accounts[acc.id] == acc


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "x-v2"])
def test_emit_to_text_stream(fmt):
    records, _ = CASES[fmt]()
    out = io.StringIO()
    n = emit(records, fmt, out)
    assert n > 0 and out.getvalue().count("\n") >= n


def test_emit_rejects_unknown_format():
    with pytest.raises(ValueError, match="unknown format"):
        emit([], "myspace", io.BytesIO())
