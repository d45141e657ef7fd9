"""The generic row schema shared by JSONL, CSV and Parquet (see docs/formats.md).

One flat row per record, so that the same columns work in all three formats
and any spreadsheet or SQL export can be replayed. ``type`` (default
``post``) also allows ``account`` and ``deletion`` rows, which makes
``emit`` → ``read_records`` lossless for posts and accounts alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from wavebreak.core.records import (
    Account,
    AccountKind,
    Deletion,
    Post,
    PostKind,
    PublicMetrics,
    SourcePosition,
)
from wavebreak.ingest.common import (
    EPOCH,
    PLATFORMS,
    RecordError,
    as_int,
    clip,
    extract_hashtags,
    extract_mentions,
    extract_urls,
    iso,
    missing,
    parse_time,
    platform_of,
    prefixed,
)

POST_COLUMNS: tuple[str, ...] = (
    "type",
    "id",
    "platform",
    "author_id",
    "created_at",
    "text",
    "lang",
    "kind",
    "reply_to",
    "repost_of",
    "quote_of",
    "urls",
    "mentions",
    "hashtags",
    "media_hashes",
    "views",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "region",
    "edited_at",
)
AUTHOR_COLUMNS: tuple[str, ...] = (
    "author_handle",
    "author_name",
    "author_followers",
    "author_following",
    "author_posts",
    "author_created_at",
    "author_verified",
    "author_kind",
    "author_description",
    "author_url",
    "author_active",
)
COLUMNS: tuple[str, ...] = POST_COLUMNS + AUTHOR_COLUMNS
"""Every column of the generic schema, in the order CSV and Parquet emitters write them."""

LIST_COLUMNS = frozenset({"urls", "mentions", "hashtags", "media_hashes"})
INT_COLUMNS = frozenset(
    {"views", "likes", "reposts", "replies", "quotes", "author_followers", "author_following", "author_posts"}
)
BOOL_COLUMNS = frozenset({"author_verified", "author_active"})
_KINDS = frozenset(k.value for k in AccountKind)
_TRUE = frozenset({"1", "true", "yes", "y", "t"})


def _blank(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == ()


def _list(value: Any) -> tuple[str, ...]:
    """Lists arrive as lists (JSONL, Parquet) or strings (CSV: JSON array or space-separated)."""
    if _blank(value):
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if not _blank(v))
    s = str(value).strip()
    if s.startswith("["):
        try:
            parsed = orjson.loads(s)
            if isinstance(parsed, list):
                return tuple(str(v) for v in parsed if not _blank(v))
        except orjson.JSONDecodeError:
            pass
    return tuple(s.split())


def _bool(value: Any, default: bool = False) -> bool:
    if _blank(value):
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


class GenericAdapter:
    """Rows (dicts) of the generic schema → records. Used for jsonl, csv and parquet."""

    def __init__(self, fmt: str = "jsonl", text_only_ok: bool = False) -> None:
        self.format = fmt
        self.text_only_ok = text_only_ok

    def parse(self, row: Any, raw: str, pos: SourcePosition) -> list[Any]:
        if type(row) is not dict:
            raise RecordError("row is not a JSON object")
        typ = row.get("type") or "post"
        pid = row.get("id")
        platform = row.get("platform") or None
        if platform is not None and platform not in PLATFORMS:
            raise RecordError(
                f"unknown platform {platform!r} (expected one of {', '.join(sorted(PLATFORMS))})"
            )
        if _blank(pid):
            if not (self.text_only_ok and typ == "post"):
                raise missing("id")
            pid = f"generic:line-{pos.line}"
        pid = str(pid)
        platform = platform or platform_of(pid)
        pid = prefixed(platform, pid)
        if typ == "account":
            acc = self._account(row, pid, platform)
            if acc is None:
                acc = Account(pid, platform)
            return [acc]
        created = row.get("created_at")
        if _blank(created):
            if not self.text_only_ok:
                raise missing("created_at")
            at: datetime = EPOCH
        else:
            at = parse_time(created)
        if typ == "deletion":
            return [Deletion(pid, at, platform, pos)]
        if typ != "post":
            raise RecordError(f"unknown type {typ!r} (expected post, account or deletion)")
        text = row.get("text")
        if text is None:
            if not self.text_only_ok:
                raise missing("text")
            text = ""
        text = clip(str(text))
        author_id = row.get("author_id")
        if _blank(author_id):
            if not self.text_only_ok:
                raise missing("author_id")
            author_id = "generic:unknown"
        author_id = prefixed(platform, author_id)
        reply_to = prefixed(platform, row["reply_to"]) if not _blank(row.get("reply_to")) else None
        repost_of = prefixed(platform, row["repost_of"]) if not _blank(row.get("repost_of")) else None
        quote_of = prefixed(platform, row["quote_of"]) if not _blank(row.get("quote_of")) else None
        if repost_of:
            kind = PostKind.REPOST
        elif quote_of:
            kind = PostKind.QUOTE
        elif reply_to:
            kind = PostKind.REPLY
        else:
            kind = PostKind.POST
        urls = _list(row.get("urls")) if "urls" in row else extract_urls(text)
        tags = _list(row.get("hashtags")) if "hashtags" in row else extract_hashtags(text)
        if "mentions" in row:
            mentions = tuple(prefixed(platform, m) for m in _list(row.get("mentions")))
        else:
            mentions = tuple(f"{platform}:@{h}" for h in extract_mentions(text))
        author = self._account(row, author_id, platform_of(author_id, platform))
        region = row.get("region") or None
        post = Post(
            pid,
            platform,
            author_id,
            at,
            text,
            row.get("lang") or None,
            kind,
            reply_to,
            repost_of,
            quote_of,
            urls,
            mentions,
            tags,
            _list(row.get("media_hashes")),
            PublicMetrics(
                as_int(row.get("views")),
                as_int(row.get("likes")),
                as_int(row.get("reposts")),
                as_int(row.get("replies")),
                as_int(row.get("quotes")),
            ),
            author=author,
            region=region,
            raw=raw,
            position=pos,
            edited_at=None if _blank(row.get("edited_at")) else parse_time(row["edited_at"], "edited_at"),
        )
        return [author, post] if author is not None else [post]

    @staticmethod
    def _account(row: dict[str, Any], aid: str, platform: str) -> Account | None:
        """The author snapshot, when the row carries any ``author_*`` column."""
        if all(_blank(row.get(c)) for c in AUTHOR_COLUMNS):
            return None
        created = row.get("author_created_at")
        try:
            created_at = None if _blank(created) else parse_time(created, "author_created_at")
        except RecordError:
            created_at = None
        kind = row.get("author_kind") or "unknown"
        return Account(
            aid,
            platform,
            handle=row.get("author_handle") or "",
            name=row.get("author_name") or "",
            created_at=created_at,
            followers=as_int(row.get("author_followers")),
            following=as_int(row.get("author_following")),
            posts_count=as_int(row.get("author_posts")),
            verified=_bool(row.get("author_verified")),
            kind=AccountKind(kind) if kind in _KINDS else AccountKind.UNKNOWN,
            description=row.get("author_description") or "",
            url=row.get("author_url") or "",
            region=row.get("region") if row.get("type") == "account" and row.get("region") else None,
            active=_bool(row.get("author_active"), default=True),
        )


# --------------------------------------------------------------------------- emit


def _author_cols(acc: Account) -> dict[str, Any]:
    return {
        "author_handle": acc.handle,
        "author_name": acc.name,
        "author_followers": acc.followers,
        "author_following": acc.following,
        "author_posts": acc.posts_count,
        "author_created_at": acc.created_at,
        "author_verified": acc.verified,
        "author_kind": acc.kind.value if isinstance(acc.kind, AccountKind) else str(acc.kind),
        "author_description": acc.description,
        "author_url": acc.url,
        "author_active": acc.active,
    }


def to_row(rec: Post | Account) -> dict[str, Any]:
    """A full row of the generic schema (every column; ``None`` where absent, datetimes kept)."""
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    if isinstance(rec, Account):
        row |= {"type": "account", "id": rec.id, "platform": rec.platform, "region": rec.region}
        row |= _author_cols(rec)
        return row
    m = rec.metrics
    row |= {
        "type": "post",
        "id": rec.id,
        "platform": rec.platform,
        "author_id": rec.author_id,
        "created_at": rec.created_at,
        "text": rec.text,
        "lang": rec.lang,
        "kind": rec.kind.value if isinstance(rec.kind, PostKind) else str(rec.kind),
        "reply_to": rec.reply_to,
        "repost_of": rec.repost_of,
        "quote_of": rec.quote_of,
        "urls": list(rec.urls),
        "mentions": list(rec.mentions),
        "hashtags": list(rec.hashtags),
        "media_hashes": list(rec.media_hashes),
        "views": m.views,
        "likes": m.likes,
        "reposts": m.reposts,
        "replies": m.replies,
        "quotes": m.quotes,
        "region": rec.region,
        "edited_at": rec.edited_at,
    }
    if rec.author is not None:
        row |= _author_cols(rec.author)
    return row


def to_json_row(rec: Post | Account) -> bytes:
    """Compact JSONL row: absent values are omitted; datetimes as ISO 8601 ``Z``."""
    row = {}
    text = rec.text if isinstance(rec, Post) else ""
    for k, v in to_row(rec).items():
        if v == [] and _EXTRACTORS[k](text):
            row[k] = v  # an explicit empty list stops the reader extracting entities from text
            continue
        if (v is None or v == [] or v == "") and not (k == "text" and v == ""):
            continue
        if k == "type" and v == "post":
            continue
        row[k] = iso(v) if isinstance(v, datetime) else v
    return orjson.dumps(row)


_EXTRACTORS: dict[str, Any] = {
    "urls": extract_urls,
    "hashtags": extract_hashtags,
    "mentions": extract_mentions,
    "media_hashes": lambda _t: (),
}


def to_csv_row(rec: Post | Account) -> list[str]:
    out = []
    for k, v in to_row(rec).items():
        if v is None:
            out.append("")
        elif isinstance(v, datetime):
            out.append(iso(v))
        elif k in LIST_COLUMNS:
            out.append(orjson.dumps(v).decode() if v else "")
        elif isinstance(v, bool):
            out.append("true" if v else "false")
        else:
            out.append(str(v))
    return out


def arrow_schema() -> Any:
    """The Parquet schema of the generic format (pyarrow imported lazily)."""
    import pyarrow as pa

    types: dict[str, Any] = {}
    for c in COLUMNS:
        if c in LIST_COLUMNS:
            types[c] = pa.list_(pa.string())
        elif c in INT_COLUMNS:
            types[c] = pa.int64()
        elif c in BOOL_COLUMNS:
            types[c] = pa.bool_()
        elif c in ("created_at", "author_created_at"):
            types[c] = pa.timestamp("us", tz="UTC")
        else:
            types[c] = pa.string()
    return pa.schema([(c, t) for c, t in types.items()])
