"""Mastodon Status entities (REST API v1) and streaming events, real shapes."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from wavebreak.core.records import AccountKind, PostKind

from .helpers import read_all, write_jsonl


def account(username: str, host: str = "mastodon.social", **extra: object) -> dict:
    acct = username if host == "mastodon.social" else f"{username}@{host}"
    return {
        "id": "109348012312312312",
        "username": username,
        "acct": acct,
        "display_name": username.title(),
        "locked": False,
        "bot": False,
        "created_at": "2022-11-14T00:00:00.000Z",
        "note": "<p>Local news &amp; more</p>",
        "url": f"https://{host}/@{username}",
        "followers_count": 2800000,
        "following_count": 12,
        "statuses_count": 5123,
    } | extra


def status(sid: str, content: str, **extra: object) -> dict:
    return {
        "id": sid,
        "created_at": "2024-07-29T15:04:05.000Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://mastodon.social/users/alice/statuses/{sid}",
        "url": f"https://mastodon.social/@alice/{sid}",
        "replies_count": 3,
        "reblogs_count": 40,
        "favourites_count": 7,
        "content": content,
        "reblog": None,
        "account": account("alice"),
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    } | extra


CONTENT = (
    '<p>Police statement: <a href="https://www.merseyside.police.uk/news/statement" rel="nofollow noopener" '
    'target="_blank"><span class="invisible">https://www.</span><span class="ellipsis">merseyside.police.uk/news/</span>'
    '<span class="invisible">statement</span></a> &quot;do not speculate&quot;<br />'
    '<span class="h-card"><a href="https://mastodon.social/@bob" class="u-url mention">@<span>bob</span></a></span> '
    '<a href="https://mastodon.social/tags/Southport" class="mention hashtag" rel="tag">#<span>Southport</span></a></p>'
    "<p>second paragraph</p>"
)


def test_rest_status_html_mentions_tags_media(tmp_path):
    st = status(
        "112871234567890123",
        CONTENT,
        mentions=[{"id": "1", "username": "bob", "url": "https://mastodon.social/@bob", "acct": "bob"}],
        tags=[{"name": "Southport", "url": "https://mastodon.social/tags/Southport"}],
        media_attachments=[
            {
                "id": "9",
                "type": "image",
                "url": "https://files.example/a.jpg",
                "blurhash": "UeKUpFxuo~R%0nW;WCnhF6RjaJt757oJodS$",
            }
        ],
    )
    out, stats = read_all(write_jsonl(tmp_path / "m.jsonl", [st]), "mastodon", instance="mastodon.social")
    [post] = out["posts"]
    assert post.id == "mastodon:mastodon.social/112871234567890123"
    assert post.author_id == "mastodon:https://mastodon.social/@alice"
    assert post.text == (
        'Police statement: https://www.merseyside.police.uk/news/statement "do not speculate"\n@bob #Southport'
        "\n\nsecond paragraph"
    )
    assert post.urls == ("https://www.merseyside.police.uk/news/statement",)
    assert post.mentions == ("mastodon:https://mastodon.social/@bob",)
    assert post.hashtags == ("Southport",)
    assert post.media_hashes == ("UeKUpFxuo~R%0nW;WCnhF6RjaJt757oJodS$",)
    assert post.metrics.reposts == 40 and post.metrics.likes == 7 and post.metrics.replies == 3
    assert post.created_at == datetime(2024, 7, 29, 15, 4, 5, tzinfo=UTC)
    assert post.author is not None and post.author.followers == 2800000
    assert post.author.description == "Local news & more"
    assert out["accounts"][0].id == post.author_id
    assert stats["accepted"] == 1


def test_reblog_quote_reply_spoiler_and_bot(tmp_path):
    original = status("100", "<p>original claim</p>", account=account("carol", "other.example", bot=True))
    reblog = status("101", "", reblog=original)
    quote = status("102", "<p>quoting</p>", quote={"state": "accepted", "quoted_status": original})
    shallow = status("103", "<p>shallow quote</p>", quote={"state": "accepted", "quoted_status_id": "100"})
    reply = status("104", "<p>a reply</p>", in_reply_to_id="100", spoiler_text="violence")
    out, _ = read_all(write_jsonl(tmp_path / "m.jsonl", [reblog, quote, shallow, reply]), "mastodon")
    posts = {p.id: p for p in out["posts"]}
    assert posts["mastodon:local/101"].kind == PostKind.REPOST
    assert posts["mastodon:local/101"].repost_of == "mastodon:local/100"
    assert posts["mastodon:local/100"].author_id == "mastodon:https://other.example/@carol"
    assert posts["mastodon:local/100"].author.kind == AccountKind.BOT
    assert posts["mastodon:local/102"].kind == PostKind.QUOTE
    assert posts["mastodon:local/102"].quote_of == "mastodon:local/100"
    assert posts["mastodon:local/103"].quote_of == "mastodon:local/100"
    r = posts["mastodon:local/104"]
    assert r.kind == PostKind.REPLY and r.reply_to == "mastodon:local/100"
    assert r.text == "violence\n\na reply"
    # embedded originals precede the post that embeds them
    order = [p.id for p in out["posts"]]
    assert order.index("mastodon:local/100") < order.index("mastodon:local/101")


def test_streaming_events_update_edit_delete_and_others(tmp_path):
    st = status("200", "<p>first version</p>")
    edited = status("200", "<p>edited version</p>", edited_at="2024-07-29T15:10:00.000Z")
    events = [
        {"stream": ["public"], "event": "update", "payload": orjson.dumps(st).decode()},
        {"stream": ["public"], "event": "status.update", "payload": orjson.dumps(edited).decode()},
        {"stream": ["public"], "event": "delete", "payload": "200"},
        {"stream": ["user"], "event": "notification", "payload": "{}"},
        {"stream": ["public"], "event": "update", "payload": "{not json"},
        {
            "stream": ["public"],
            "event": "update",
            "payload": orjson.dumps(status("201", "<p>x</p>", account=None)).decode(),
        },
    ]
    out, stats = read_all(write_jsonl(tmp_path / "s.jsonl", events), "mastodon")
    assert [p.text for p in out["posts"]] == ["first version", "edited version"]
    assert {p.id for p in out["posts"]} == {"mastodon:local/200"}
    assert [p.edited_at for p in out["posts"]] == [None, datetime(2024, 7, 29, 15, 10, tzinfo=UTC)]
    [d] = out["deletions"]
    assert d.target_id == "mastodon:local/200" and d.at == datetime(2024, 7, 29, 15, 4, 5, tzinfo=UTC)
    reasons = [q.reason for q in out["quarantined"]]
    assert reasons[0].startswith("invalid JSON in payload")
    assert reasons[1] == "missing field 'account'"
    assert stats["skipped"] == 1 and stats["read"] == 6


def test_rest_page_as_json_array(tmp_path):
    page = [status("300", "<p>a</p>"), status("301", "<p>b</p>")]
    path = tmp_path / "timeline.json"
    path.write_bytes(orjson.dumps(page, option=orjson.OPT_INDENT_2))
    out, stats = read_all(path, "mastodon")
    assert [p.id for p in out["posts"]] == ["mastodon:local/300", "mastodon:local/301"]
    assert [p.position.line for p in out["posts"]] == [1, 2]
    assert stats["read"] == 2
