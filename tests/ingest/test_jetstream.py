"""Bluesky Jetstream v1 events, real shapes (as served by jetstream*.bsky.network/subscribe)."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from wavebreak.core.records import PostKind
from wavebreak.ingest import read_records

from .helpers import read_all, write_jsonl

DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
DID2 = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
T0 = 1722265200123456  # 2024-07-29T15:00:00.123456Z


def commit(did: str, coll: str, rkey: str, record: dict | None, op: str = "create", t: int = T0) -> dict:
    c: dict = {"rev": "3l3qo2vutsw2b", "operation": op, "collection": coll, "rkey": rkey}
    if record is not None:
        c["record"] = record
        c["cid"] = "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"
    return {"did": did, "time_us": t, "kind": "commit", "commit": c}


def post_record(text: str, **extra: object) -> dict:
    return {
        "$type": "app.bsky.feed.post",
        "createdAt": "2024-07-29T15:00:00.000Z",
        "langs": ["en"],
        "text": text,
    } | extra


PARENT = f"at://{DID2}/app.bsky.feed.post/3l3qnzf2xyz2a"


def sample_events() -> list[dict]:
    facets = [
        {
            "index": {"byteStart": 0, "byteEnd": 12},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": DID2}],
        },
        {
            "index": {"byteStart": 13, "byteEnd": 30},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.news/story"}],
        },
        {
            "index": {"byteStart": 31, "byteEnd": 41},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "southport"}],
        },
    ]
    image = {"$type": "blob", "ref": {"$link": "bafkreiabc123"}, "mimeType": "image/jpeg", "size": 1000}
    return [
        commit(
            DID,
            "app.bsky.feed.post",
            "3l3qo2vuowo2b",
            post_record("@bob.bsky.social example.news/story #southport", facets=facets),
        ),
        commit(
            DID,
            "app.bsky.feed.post",
            "3l3qo2vuowo2c",
            post_record(
                "replying", reply={"root": {"uri": PARENT, "cid": "x"}, "parent": {"uri": PARENT, "cid": "x"}}
            ),
        ),
        commit(
            DID,
            "app.bsky.feed.post",
            "3l3qo2vuowo2d",
            post_record(
                "look at this",
                embed={
                    "$type": "app.bsky.embed.recordWithMedia",
                    "record": {"$type": "app.bsky.embed.record", "record": {"uri": PARENT, "cid": "y"}},
                    "media": {"$type": "app.bsky.embed.images", "images": [{"alt": "", "image": image}]},
                },
            ),
        ),
        commit(
            DID,
            "app.bsky.feed.post",
            "3l3qo2vuowo2e",
            post_record(
                "link card",
                embed={
                    "$type": "app.bsky.embed.external",
                    "external": {"uri": "https://pseudo.news/a", "title": "t", "description": "d"},
                },
            ),
        ),
        commit(
            DID,
            "app.bsky.feed.like",
            "3l3qo2vuowo2f",
            {
                "$type": "app.bsky.feed.like",
                "subject": {"uri": PARENT, "cid": "z"},
                "createdAt": "2024-07-29T15:00:00.000Z",
            },
        ),
        commit(
            DID,
            "app.bsky.graph.follow",
            "3l3qo2vuowo2g",
            {"$type": "app.bsky.graph.follow", "subject": DID2, "createdAt": "2024-07-29T15:00:00.000Z"},
        ),
        commit(
            DID,
            "app.bsky.feed.repost",
            "3l3qo2vuowo2h",
            {
                "$type": "app.bsky.feed.repost",
                "subject": {"uri": PARENT, "cid": "z"},
                "createdAt": "2024-07-29T15:00:00.000Z",
            },
        ),
        commit(DID, "app.bsky.feed.post", "3l3qo2vuowo2b", None, op="delete"),
        {
            "did": DID,
            "time_us": T0,
            "kind": "identity",
            "identity": {
                "did": DID,
                "handle": "alice.bsky.social",
                "seq": 1409752997,
                "time": "2024-07-29T15:00:00.000Z",
            },
        },
        {
            "did": DID2,
            "time_us": T0,
            "kind": "account",
            "account": {
                "active": False,
                "did": DID2,
                "seq": 1409753013,
                "status": "deactivated",
                "time": "2024-07-29T15:00:00.000Z",
            },
        },
        {
            "did": DID2,
            "time_us": T0,
            "kind": "account",
            "account": {
                "active": False,
                "did": DID2,
                "seq": 1409753014,
                "status": "deleted",
                "time": "2024-07-29T15:00:00.000Z",
            },
        },
        commit(
            DID,
            "app.bsky.actor.profile",
            "self",
            {"$type": "app.bsky.actor.profile", "displayName": "Alice", "description": "news junkie"},
        ),
    ]


def test_jetstream_sample_maps_every_event_kind(tmp_path):
    path = write_jsonl(tmp_path / "js.jsonl", sample_events())
    out, stats = read_all(path, "jetstream")
    posts = {p.id: p for p in out["posts"]}
    first = posts[f"bluesky:at://{DID}/app.bsky.feed.post/3l3qo2vuowo2b"]
    assert first.author_id == f"bluesky:{DID}"
    assert first.created_at == datetime(2024, 7, 29, 15, 0, 0, 123456, tzinfo=UTC)
    assert first.mentions == (f"bluesky:{DID2}",)
    assert first.urls == ("https://example.news/story",)
    assert first.hashtags == ("southport",)
    assert first.lang == "en" and first.kind == PostKind.POST
    assert first.position is not None and first.position.line == 1
    assert orjson.loads(first.raw)["commit"]["rkey"] == "3l3qo2vuowo2b"

    reply = posts[f"bluesky:at://{DID}/app.bsky.feed.post/3l3qo2vuowo2c"]
    assert reply.kind == PostKind.REPLY and reply.reply_to == f"bluesky:{PARENT}"
    quote = posts[f"bluesky:at://{DID}/app.bsky.feed.post/3l3qo2vuowo2d"]
    assert quote.kind == PostKind.QUOTE and quote.quote_of == f"bluesky:{PARENT}"
    assert quote.media_hashes == ("bafkreiabc123",)
    assert posts[f"bluesky:at://{DID}/app.bsky.feed.post/3l3qo2vuowo2e"].urls == ("https://pseudo.news/a",)
    repost = posts[f"bluesky:at://{DID}/app.bsky.feed.repost/3l3qo2vuowo2h"]
    assert repost.kind == PostKind.REPOST and repost.repost_of == f"bluesky:{PARENT}"

    assert [d.target_id for d in out["deletions"]] == [
        f"bluesky:at://{DID}/app.bsky.feed.post/3l3qo2vuowo2b",
        f"bluesky:{DID2}",
    ]
    accounts = out["accounts"]
    assert any(a.handle == "alice.bsky.social" for a in accounts)
    assert any(a.id == f"bluesky:{DID2}" and not a.active for a in accounts)
    assert any(a.name == "Alice" and a.description == "news junkie" for a in accounts)
    assert stats == {"read": 12, "accepted": 10, "skipped": 2, "quarantined": 0, "records": 10}
    assert not out["quarantined"]


def test_invalid_line_in_the_middle_is_quarantined_and_stream_continues(tmp_path):
    events = sample_events()[:3]
    path = write_jsonl(
        tmp_path / "js.jsonl",
        [
            events[0],
            b'{"did": "did:plc:x", "kind": "commit" "commit": {}}',
            events[1],
            {"kind": "commit"},
            events[2],
        ],
    )
    out, stats = read_all(path, "jetstream")
    assert len(out["posts"]) == 3
    q = out["quarantined"]
    assert [x.line for x in q] == [2, 4]
    assert q[0].reason.startswith("invalid JSON:") and q[0].format == "jetstream"
    assert q[1].reason == "missing field 'did'"
    assert stats["read"] == 5 and stats["accepted"] == 3 and stats["quarantined"] == 2


def test_bad_structures_give_clear_reasons(tmp_path):
    bad_time = commit(DID, "app.bsky.feed.post", "r1", post_record("x", createdAt="yesterday"))
    del bad_time["time_us"]
    bad_text = commit(DID, "app.bsky.feed.post", "r2", post_record("x"))
    bad_text["commit"]["record"]["text"] = ["not", "text"]
    no_record = commit(DID, "app.bsky.feed.post", "r3", None)
    path = write_jsonl(tmp_path / "js.jsonl", [bad_time, bad_text, no_record, "[1, 2]"])
    out, _ = read_all(path, "jetstream")
    reasons = [q.reason for q in out["quarantined"]]
    assert reasons[0] == "createdAt not ISO 8601: 'yesterday'"
    assert reasons[1] == "commit.record.text is not a string"
    assert reasons[2] == "missing field 'commit.record'"
    assert len(reasons) == 4 and not out["posts"]


def test_created_at_falls_back_to_record_when_no_time_us(tmp_path):
    ev = commit(DID, "app.bsky.feed.post", "r1", post_record("x", createdAt="2024-07-29T16:00:00+01:00"))
    del ev["time_us"]
    [post] = [r for r in read_records(write_jsonl(tmp_path / "a.jsonl", [ev]), "jetstream")]
    assert post.created_at == datetime(2024, 7, 29, 15, 0, tzinfo=UTC)
    assert post.created_at.tzinfo is not None


def test_synthetic_firehose_parses_cleanly(tmp_path):
    from wavebreak.ingest.bench import bench_file, write_synthetic

    path = write_synthetic(tmp_path / "fh.jsonl", 2000)
    result = bench_file(path, "jetstream", repeat=1)
    st = result["stats"]
    assert st["read"] == 2000 and st["quarantined"] == 0
    assert st["skipped"] > 0 and st["accepted"] + st["skipped"] == 2000
    assert result["adapter_lines_per_s"] > 0 and result["ratio"] > 0


def test_a_converted_stream_keeps_its_cascade_edges_and_writes_tid_record_keys(tmp_path):
    """Demo posts written as Jetstream and read back: every reply, quote and repost points at the
    URI its parent was written under (before, none of 65k edges of the bench stream resolved), and
    every record key is a TID of the post's own time, as on the real firehose."""
    import io
    import re
    from datetime import timedelta

    from wavebreak.core.ids import id_order
    from wavebreak.ingest import emit
    from wavebreak.ingest.common import EPOCH
    from wavebreak.scenario import ScenarioConfig, generate

    posts = list(generate(ScenarioConfig(seed=3, scale=0.01)).posts())
    buf = io.BytesIO()
    emit(posts, "jetstream", buf)
    path = tmp_path / "s.jsonl"
    path.write_bytes(buf.getvalue())
    back = [r for r in read_records(path, "jetstream") if hasattr(r, "repost_of")]
    assert len(back) == len(posts)
    ids = {p.id for p in back}
    refs = [r for p in back for r in (p.reply_to, p.quote_of, p.repost_of) if r]
    assert len(refs) > 100 and all(r in ids for r in refs)
    by_kind = {
        k: sum(1 for p in back if p.kind == k) for k in (PostKind.REPLY, PostKind.QUOTE, PostKind.REPOST)
    }
    assert by_kind == {k: sum(1 for p in posts if p.kind == k) for k in by_kind}
    for before, after in zip(posts, back, strict=True):
        rkey = after.id.rsplit("/", 1)[1]
        assert re.fullmatch(r"[2-7a-j][2-7a-z]{12}", rkey)
        assert id_order(after.id) >> 10 == (before.created_at - EPOCH) // timedelta(microseconds=1)


def test_the_converted_uri_memory_is_bounded():
    """The writer remembers only the last ``window`` converted posts: a reply to an older one gets a
    URI that no written post carries (memory stays flat on a stream of any length)."""
    from datetime import timedelta

    from wavebreak.core.records import Post
    from wavebreak.ingest.jetstream import line_emitter

    t0 = datetime(2024, 7, 29, 12, tzinfo=UTC)
    posts = [
        Post(f"demo:{i}", "demo", f"demo:u{i}", t0 + timedelta(seconds=i), f"post {i}") for i in range(4)
    ]
    reply_recent = Post(
        "demo:9", "demo", "demo:u9", t0 + timedelta(seconds=9), "re", kind=PostKind.REPLY, reply_to="demo:3"
    )
    reply_old = Post(
        "demo:8", "demo", "demo:u8", t0 + timedelta(seconds=8), "re", kind=PostKind.REPLY, reply_to="demo:0"
    )
    line = line_emitter(window=2)
    uris = [
        f"at://{e['did']}/{e['commit']['collection']}/{e['commit']['rkey']}"
        for e in (orjson.loads(line(p)) for p in posts)
    ]
    recent = orjson.loads(line(reply_recent))["commit"]["record"]["reply"]["parent"]["uri"]
    old = orjson.loads(line(reply_old))["commit"]["record"]["reply"]["parent"]["uri"]
    assert recent == uris[3]
    assert old not in uris and old.endswith("/app.bsky.feed.post/0")


def test_converted_posts_of_one_author_at_the_same_time_keep_distinct_record_keys():
    """Sources with second precision put many posts of one author at the same instant; their TID
    record keys would clash one time in 1,024 (10-bit clock id) and read back as one post."""
    import io
    from datetime import timedelta

    from wavebreak.core.records import Post
    from wavebreak.ingest import emit

    t0 = datetime(2024, 7, 29, 12, tzinfo=UTC)
    posts = [
        Post(f"x:{i}", "x", "x:author", t0 + timedelta(seconds=i // 500), f"post {i}") for i in range(3000)
    ]
    buf = io.BytesIO()
    emit(posts, "jetstream", buf)
    rkeys = [orjson.loads(line)["commit"]["rkey"] for line in buf.getvalue().splitlines()]
    assert len(set(rkeys)) == 3000
