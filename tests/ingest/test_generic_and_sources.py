"""Generic JSONL/CSV/Parquet schema, compression by magic bytes, stdin, odd bytes, size limits."""

from __future__ import annotations

import gzip
import io
import itertools
import sys
from datetime import UTC, datetime

import orjson
import zstandard

from wavebreak.core import constants as C
from wavebreak.core.records import PostKind
from wavebreak.ingest import read_batches, read_records

from .helpers import read_all, write_jsonl

ROWS = [
    {
        "id": "1",
        "author_id": "a1",
        "created_at": "2024-07-29T15:00:00Z",
        "text": "Name released: see https://pseudo.news/x. #Southport @bob",
    },
    {
        "id": "2",
        "author_id": "a2",
        "created_at": 1722265260,
        "text": "replying",
        "reply_to": "1",
        "lang": "en",
        "author_handle": "carol",
        "author_followers": 2800000,
        "author_verified": True,
        "author_kind": "news",
    },
    {
        "id": "x:3",
        "author_id": "x:9",
        "created_at": "2024-07-29T15:02:00+00:00",
        "text": "prefixed id",
        "repost_of": "x:1",
    },
]


def test_jsonl_generic_schema_and_entity_extraction(tmp_path):
    out, stats = read_all(write_jsonl(tmp_path / "g.jsonl", ROWS), "jsonl")
    p1, p2, p3 = out["posts"]
    assert p1.id == "generic:1" and p1.author_id == "generic:a1"
    assert p1.urls == ("https://pseudo.news/x",) and p1.hashtags == ("Southport",)
    assert p1.mentions == ("generic:@bob",)
    assert p2.created_at == datetime(2024, 7, 29, 15, 1, tzinfo=UTC) and p2.kind == PostKind.REPLY
    assert p2.reply_to == "generic:1" and p2.author.followers == 2800000 and p2.author.verified
    assert p2.author.kind == "news" and out["accounts"][0].id == "generic:a2"
    assert p3.platform == "x" and p3.id == "x:3" and p3.repost_of == "x:1" and p3.kind == PostKind.REPOST
    assert stats["accepted"] == 3


def test_jsonl_validation_reasons(tmp_path):
    rows = [
        {"author_id": "a", "created_at": "2024-07-29T15:00:00Z", "text": "no id"},
        {"id": "1", "author_id": "a", "created_at": "29 July 2024", "text": "bad date"},
        {
            "id": "2",
            "author_id": "a",
            "created_at": "2024-07-29T15:00:00Z",
            "text": "x",
            "platform": "myspace",
        },
        {"id": "3", "created_at": "2024-07-29T15:00:00Z", "text": "no author"},
    ]
    out, _ = read_all(write_jsonl(tmp_path / "g.jsonl", rows), "jsonl")
    reasons = [q.reason for q in out["quarantined"]]
    assert reasons[0] == "missing field 'id'"
    assert reasons[1] == "created_at not ISO 8601: '29 July 2024'"
    assert reasons[2].startswith("unknown platform 'myspace'")
    assert reasons[3] == "missing field 'author_id'"


def test_text_only_jsonl(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", [{"text": "first"}, {"text": "second"}])
    assert not read_all(path, "jsonl")[0]["posts"]
    posts = read_all(path, "jsonl", text_only_ok=True)[0]["posts"]
    assert [p.id for p in posts] == ["generic:line-1", "generic:line-2"]
    assert posts[0].author_id == "generic:unknown" and posts[0].created_at == datetime(1970, 1, 1, tzinfo=UTC)


def test_csv_with_quoted_newlines_bom_and_bad_rows(tmp_path):
    text = (
        "\ufeffid,author_id,created_at,text,hashtags\r\n"
        '1,a,2024-07-29T15:00:00Z,"line one\nline two, with comma",Southport riot\r\n'
        '2,b,2024-07-29T15:01:00Z,"He said ""hello""",\r\n'
        "3,c,not-a-date,x,\r\n"
        "4,d,2024-07-29T15:01:00Z,x,,extra\r\n"
        '5,e,2024-07-29T15:02:00Z,"last","[""a"", ""b""]"\r\n'
    )
    path = tmp_path / "g.csv"
    path.write_text(text, encoding="utf-8", newline="")
    out, stats = read_all(path, "csv")
    posts = out["posts"]
    assert [p.id for p in posts] == ["generic:1", "generic:2", "generic:5"]
    assert posts[0].text == "line one\nline two, with comma" and posts[0].hashtags == ("Southport", "riot")
    assert posts[1].text == 'He said "hello"' and posts[1].hashtags == ()
    assert posts[2].hashtags == ("a", "b")
    assert [p.position.line for p in posts] == [2, 4, 7]
    assert [(q.line, q.reason) for q in out["quarantined"]] == [
        (5, "created_at not ISO 8601: 'not-a-date'"),
        (6, "row has 6 fields, header has 5"),
    ]
    assert stats["read"] == 5


def test_parquet_and_compressed_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(
        [
            {
                "id": "1",
                "author_id": "a",
                "created_at": datetime(2024, 7, 29, 15, tzinfo=UTC),
                "text": "hello",
                "urls": ["https://a.example"],
                "likes": 3,
            },
            {"id": "2", "author_id": "a", "created_at": None, "text": "no time", "urls": [], "likes": None},
        ]
    )
    path = tmp_path / "g.parquet"
    pq.write_table(table, path, row_group_size=1)
    out, _ = read_all(path, "parquet")
    [p] = out["posts"]
    assert p.urls == ("https://a.example",) and p.metrics.likes == 3
    assert out["quarantined"][0].reason == "missing field 'created_at'" and out["quarantined"][0].line == 2
    gz = tmp_path / "g.parquet.bin"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert [x.id for x in read_records(gz, "parquet") if hasattr(x, "text")] == ["generic:1"]


def test_gzip_and_zstd_detected_by_magic_bytes_not_extension(tmp_path):
    data = b"".join(orjson.dumps(r) + b"\n" for r in ROWS)
    gz = tmp_path / "posts.jsonl"  # gzip content, misleading extension
    gz.write_bytes(gzip.compress(data[: len(data) // 2]) + gzip.compress(data[len(data) // 2 :]))  # 2 members
    zs = tmp_path / "posts.data"
    zs.write_bytes(zstandard.ZstdCompressor().compress(data))
    for path in (gz, zs):
        out, stats = read_all(path, "jsonl")
        assert [p.id for p in out["posts"]] == ["generic:1", "generic:2", "x:3"], path
        assert stats["quarantined"] == 0


def test_stdin_is_read_as_binary(tmp_path, monkeypatch):
    data = gzip.compress(b"".join(orjson.dumps(r) + b"\n" for r in ROWS))

    class FakeStdin:
        buffer = io.BufferedReader(io.BytesIO(data))

    monkeypatch.setattr(sys, "stdin", FakeStdin())
    posts = [r for r in read_records("-", "jsonl") if hasattr(r, "text")]
    assert len(posts) == 3 and posts[0].position.source == "<stdin>"


def test_non_utf8_bytes_are_replaced_and_record_accepted(tmp_path):
    line = b'{"id": "1", "author_id": "a", "created_at": "2024-07-29T15:00:00Z", "text": "caf\xe9 \xff ok"}'
    out, stats = read_all(write_jsonl(tmp_path / "b.jsonl", [line]), "jsonl")
    [p] = out["posts"]
    assert p.text == "caf\ufffd \ufffd ok" and "\ufffd" in p.raw
    assert stats["quarantined"] == 0


def test_oversized_line_quarantined_and_huge_text_truncated(tmp_path):
    huge_line = orjson.dumps(
        {
            "id": "big",
            "author_id": "a",
            "created_at": "2024-07-29T15:00:00Z",
            "text": "x" * (C.MAX_LINE_BYTES + 10),
        }
    )
    long_text = {
        "id": "long",
        "author_id": "a",
        "created_at": "2024-07-29T15:00:00Z",
        "text": "y" * (C.MAX_TEXT_CHARS + 500),
    }
    path = write_jsonl(tmp_path / "h.jsonl", [ROWS[0], huge_line, long_text, ROWS[1]])
    out, _ = read_all(path, "jsonl")
    assert [p.id for p in out["posts"]] == ["generic:1", "generic:long", "generic:2"]
    assert len(out["posts"][1].text) == C.MAX_TEXT_CHARS
    assert len(out["posts"][1].raw) > C.MAX_TEXT_CHARS  # the original stays available for audit
    [q] = out["quarantined"]
    assert q.line == 2 and "exceeds MAX_LINE_BYTES" in q.reason and len(q.raw) <= 200


def test_read_batches_groups_and_watermark(tmp_path):
    rows = [
        {
            "id": str(i),
            "author_id": "a",
            "created_at": f"2024-07-29T15:{i:02d}:00Z",
            "text": "t",
            "author_handle": "h",
        }
        for i in range(10)
    ]
    rows.insert(3, {"type": "deletion", "id": "1", "created_at": "2024-07-29T15:30:00Z"})
    path = write_jsonl(tmp_path / "g.jsonl", [*rows, b"{broken"])
    batches = list(read_batches(path, "jsonl", batch_size=4))
    assert [len(b.posts) for b in batches] == [4, 4, 2]
    assert sum(len(b.accounts) for b in batches) == 10
    assert len(batches[0].deletions) == 1 and len(batches[-1].quarantined) == 1
    assert batches[0].watermark == datetime(2024, 7, 29, 15, 30, tzinfo=UTC)
    assert all(b.watermark >= a.watermark for a, b in itertools.pairwise(batches))
