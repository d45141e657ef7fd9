"""X API v2 response pages and Twitter v1.1 tweet objects → core records, and back.

Ids: ``x:<tweet id>`` and ``x:<user id>`` (v1.1 ``id_str`` / v2 ``id``: the same
snowflake in both APIs, so the two formats mix freely). When ``created_at`` is
absent (it is an optional v2 field) the time is read from the snowflake id.
Embedded tweets (v2 ``includes.tweets``, v1.1 ``retweeted_status`` /
``quoted_status``, recursively: a quote of a quote) are yielded before the
tweet that embeds them, so parents precede children in the stream.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

import orjson

from wavebreak.core import constants as C
from wavebreak.core.records import (
    Account,
    Deletion,
    Post,
    PostKind,
    PublicMetrics,
    Quarantined,
    SourcePosition,
)
from wavebreak.ingest.common import (
    EPOCH,
    RecordError,
    as_int,
    clip,
    format_twitter_date,
    iso,
    missing,
    native,
    parse_iso,
    parse_time,
    parse_twitter_date,
    snowflake_time,
)

PLATFORM = "x"
_V1_NOTICES = (
    "limit",
    "scrub_geo",
    "status_withheld",
    "user_withheld",
    "warning",
    "disconnect",
    "event",
    "friends",
    "control",
)


def _xid(value: Any) -> str:
    return f"x:{value}"


def _time(value: Any, native_id: str, parser: Any) -> datetime:
    if value:
        return parser(value)
    t = snowflake_time(native_id)
    if t is None:
        raise missing("created_at")
    return t


def _lang(value: Any) -> str | None:
    return value if value and value != "und" else None


def _kind(repost_of: str | None, quote_of: str | None, reply_to: str | None) -> PostKind:
    if repost_of:
        return PostKind.REPOST
    if quote_of:
        return PostKind.QUOTE
    return PostKind.REPLY if reply_to else PostKind.POST


# --------------------------------------------------------------------------- v2


class XV2Adapter:
    """One X API v2 response page per line (``data`` list or single object, ``includes``)."""

    format = "x-v2"

    def parse(self, page: Any, raw: str, pos: SourcePosition) -> list[Any]:
        if type(page) is not dict:
            raise RecordError("page is not a JSON object")
        if "data" not in page and "includes" not in page:
            if "id" in page and "text" in page:
                page = {"data": [page]}  # a bare tweet object
            elif "errors" in page:
                return []  # an error-only page (deleted/protected tweets): nothing to ingest
            else:
                raise missing("data")
        data = page.get("data")
        if type(data) is dict:
            data = [data]
        elif data is None:
            data = []
        elif type(data) is not list:
            raise RecordError("data is neither a tweet nor a list of tweets")
        includes = page.get("includes") or {}
        users: dict[str, Account] = {}
        for u in includes.get("users") or ():
            if type(u) is dict and u.get("id"):
                users[str(u["id"])] = self.user(u)
        media = {
            m["media_key"]: m for m in includes.get("media") or () if type(m) is dict and m.get("media_key")
        }
        out: list[Any] = list(users.values())
        for t in includes.get("tweets") or ():
            # A referenced tweet is context only: when broken, the page's own tweets still count.
            with contextlib.suppress(RecordError, AttributeError, TypeError):
                out.append(self.tweet(t, users, media, raw, pos))
        for i, t in enumerate(data):
            try:
                out.append(self.tweet(t, users, media, raw, pos))
            except RecordError as e:
                out.append(Quarantined(pos.source, pos.line, f"data[{i}]: {e}", raw, self.format))
        return out

    @staticmethod
    def user(u: dict[str, Any]) -> Account:
        pm = u.get("public_metrics") or {}
        created = u.get("created_at")
        try:
            created_at = parse_iso(created) if created else None
        except RecordError:
            created_at = None
        return Account(
            _xid(u["id"]),
            PLATFORM,
            handle=u.get("username") or "",
            name=u.get("name") or "",
            created_at=created_at,
            followers=as_int(pm.get("followers_count")),
            following=as_int(pm.get("following_count")),
            posts_count=as_int(pm.get("tweet_count")),
            verified=bool(u.get("verified")),
            description=u.get("description") or "",
            url=u.get("url") or "",
        )

    @staticmethod
    def tweet(
        t: Any, users: dict[str, Account], media: dict[str, Any], raw: str, pos: SourcePosition
    ) -> Post:
        if type(t) is not dict:
            raise RecordError("tweet is not a JSON object")
        tid = t.get("id")
        if not tid:
            raise missing("id")
        tid = str(tid)
        author_id = t.get("author_id")
        if not author_id:
            raise missing("author_id")
        created = _time(t.get("created_at"), tid, parse_iso)
        note = t.get("note_tweet")
        text = note.get("text") if type(note) is dict and note.get("text") else t.get("text") or ""
        repost_of = quote_of = reply_to = None
        for ref in t.get("referenced_tweets") or ():
            rtype, rid = ref.get("type"), ref.get("id")
            if not rid:
                continue
            if rtype == "retweeted":
                repost_of = _xid(rid)
            elif rtype == "quoted":
                quote_of = _xid(rid)
            elif rtype == "replied_to":
                reply_to = _xid(rid)
        ent = t.get("entities") or {}
        if type(note) is dict and note.get("entities"):
            ent = note["entities"]
        urls = tuple(
            u.get("expanded_url") or u.get("url")
            for u in ent.get("urls") or ()
            if u.get("expanded_url") or u.get("url")
        )
        mentions = tuple(
            _xid(m["id"]) if m.get("id") else f"x:@{m.get('username', '')}" for m in ent.get("mentions") or ()
        )
        tags = tuple(h["tag"] for h in ent.get("hashtags") or () if h.get("tag"))
        keys = (t.get("attachments") or {}).get("media_keys") or ()
        media_ids = tuple(
            (media.get(k) or {}).get("url") or (media.get(k) or {}).get("preview_image_url") or k
            for k in keys
        )
        pm = t.get("public_metrics") or {}
        author = users.get(str(author_id))
        return Post(
            _xid(tid),
            PLATFORM,
            _xid(author_id),
            created,
            clip(text),
            _lang(t.get("lang")),
            _kind(repost_of, quote_of, reply_to),
            reply_to,
            repost_of,
            quote_of,
            urls,
            mentions,
            tags,
            media_ids,
            PublicMetrics(
                as_int(pm.get("impression_count")),
                as_int(pm.get("like_count")),
                as_int(pm.get("retweet_count")),
                as_int(pm.get("reply_count")),
                as_int(pm.get("quote_count")),
            ),
            author=author,
            raw=raw,
            position=pos,
        )


def _v2_user(acc: Account | None, author_id: str) -> dict[str, Any]:
    d: dict[str, Any] = {"id": native(author_id)}
    if acc is not None:
        d |= {
            "username": acc.handle,
            "name": acc.name,
            "verified": acc.verified,
            "description": acc.description,
            "public_metrics": {
                "followers_count": acc.followers,
                "following_count": acc.following,
                "tweet_count": acc.posts_count,
            },
        }
        if acc.created_at:
            d["created_at"] = iso(acc.created_at)
        if acc.url:
            d["url"] = acc.url
    return d


def emit_v2(rec: Post | Account) -> bytes | None:
    """One response page per record: a tweet with its author in ``includes.users``."""
    if isinstance(rec, Account):
        return orjson.dumps({"data": [], "includes": {"users": [_v2_user(rec, rec.id)]}})
    refs = [
        {"type": k, "id": native(v)}
        for k, v in (("retweeted", rec.repost_of), ("quoted", rec.quote_of), ("replied_to", rec.reply_to))
        if v
    ]
    t: dict[str, Any] = {
        "id": native(rec.id),
        "text": rec.text,
        "author_id": native(rec.author_id),
        "created_at": iso(rec.created_at),
        "public_metrics": {
            "retweet_count": rec.metrics.reposts,
            "reply_count": rec.metrics.replies,
            "like_count": rec.metrics.likes,
            "quote_count": rec.metrics.quotes,
            "impression_count": rec.metrics.views,
        },
    }
    if len(rec.text) > 280:  # long posts: truncated text, full text in note_tweet (as X does)
        t["text"] = rec.text[:280]
        t["note_tweet"] = {"text": rec.text}
    if rec.lang:
        t["lang"] = rec.lang
    if refs:
        t["referenced_tweets"] = refs
    ent: dict[str, Any] = {}
    if rec.urls:
        ent["urls"] = [{"expanded_url": u, "url": u} for u in rec.urls]
    if rec.mentions:
        ent["mentions"] = [
            {"username": native(m)[1:]} if native(m).startswith("@") else {"id": native(m)}
            for m in rec.mentions
        ]
    if rec.hashtags:
        ent["hashtags"] = [{"tag": h} for h in rec.hashtags]
    if ent:
        t["entities"] = ent
    if rec.media_hashes:
        t["attachments"] = {"media_keys": list(rec.media_hashes)}
    return orjson.dumps({"data": [t], "includes": {"users": [_v2_user(rec.author, rec.author_id)]}})


# --------------------------------------------------------------------------- v1.1


class TwitterV1Adapter:
    """Twitter v1.1 tweet objects (streaming JSONL, PHEME-style JSON arrays, archives)."""

    format = "twitter-v1"

    def parse(self, obj: Any, raw: str, pos: SourcePosition) -> list[Any]:
        if type(obj) is not dict:
            raise RecordError("tweet is not a JSON object")
        if "delete" in obj:
            status = (obj["delete"] or {}).get("status") or {}
            sid = status.get("id_str") or status.get("id")
            if not sid:
                raise missing("delete.status.id_str")
            ts = obj["delete"].get("timestamp_ms") or obj.get("timestamp_ms")
            at = parse_time(int(ts)) if ts else (snowflake_time(str(sid)) or EPOCH)
            return [Deletion(_xid(sid), at, PLATFORM, pos)]
        if "tweet" in obj and "id_str" not in obj and type(obj["tweet"]) is dict:
            obj = obj["tweet"]  # X archive (tweets.js) wraps each tweet
        if "id_str" not in obj and "id" not in obj:
            if any(k in obj for k in _V1_NOTICES):
                return []  # stream control notices are not content
            raise missing("id_str")
        out: list[Any] = []
        self.tweet(obj, raw, pos, out, 0)
        return out

    @staticmethod
    def user(u: Any) -> Account:
        if type(u) is not dict:
            raise missing("user")
        uid = u.get("id_str") or u.get("id")
        if not uid:
            raise missing("user.id_str")
        created = u.get("created_at")
        try:
            created_at = parse_twitter_date(created, "user.created_at") if created else None
        except RecordError:
            created_at = None
        return Account(
            _xid(uid),
            PLATFORM,
            handle=u.get("screen_name") or "",
            name=u.get("name") or "",
            created_at=created_at,
            followers=as_int(u.get("followers_count")),
            following=as_int(u.get("friends_count")),
            posts_count=as_int(u.get("statuses_count")),
            verified=bool(u.get("verified")),
            description=u.get("description") or "",
            url=u.get("url") or "",
        )

    def tweet(self, t: dict[str, Any], raw: str, pos: SourcePosition, out: list[Any], depth: int) -> Post:
        tid = t.get("id_str") or t.get("id")
        if not tid:
            raise missing("id_str")
        tid = str(tid)
        created = _time(t.get("created_at"), tid, parse_twitter_date)
        author = self.user(t.get("user"))
        out.append(author)
        repost_of = quote_of = None
        rt = t.get("retweeted_status")
        if type(rt) is dict:
            repost_of = self._embedded(rt, raw, pos, out, depth)
        qt = t.get("quoted_status")
        if type(qt) is dict:
            quote_of = self._embedded(qt, raw, pos, out, depth)
        if quote_of is None and t.get("quoted_status_id_str"):
            quote_of = _xid(t["quoted_status_id_str"])
        reply = t.get("in_reply_to_status_id_str") or t.get("in_reply_to_status_id")
        reply_to = _xid(reply) if reply else None
        ext = t.get("extended_tweet")
        if type(ext) is dict and ext.get("full_text"):
            text, ent = ext["full_text"], ext.get("entities") or t.get("entities") or {}
        else:
            text, ent = t.get("full_text") or t.get("text") or "", t.get("entities") or {}
        urls = tuple(
            u.get("expanded_url") or u.get("url")
            for u in ent.get("urls") or ()
            if u.get("expanded_url") or u.get("url")
        )
        mentions = tuple(
            _xid(m.get("id_str") or m.get("id"))
            if m.get("id_str") or m.get("id")
            else f"x:@{m.get('screen_name')}"
            for m in ent.get("user_mentions") or ()
        )
        tags = tuple(h["text"] for h in ent.get("hashtags") or () if h.get("text"))
        xent = (
            (ext.get("extended_entities") if type(ext) is dict else None) or t.get("extended_entities") or ent
        )
        media = tuple(
            m.get("media_url_https") or m.get("media_url") or m.get("id_str")
            for m in xent.get("media") or ()
            if type(m) is dict
        )
        place = t.get("place")
        post = Post(
            _xid(tid),
            PLATFORM,
            author.id,
            created,
            clip(text),
            _lang(t.get("lang")),
            _kind(repost_of, quote_of, reply_to),
            reply_to,
            repost_of,
            quote_of,
            urls,
            mentions,
            tags,
            tuple(m for m in media if m),
            PublicMetrics(
                0,
                as_int(t.get("favorite_count")),
                as_int(t.get("retweet_count")),
                as_int(t.get("reply_count")),
                as_int(t.get("quote_count")),
            ),
            author=author,
            region=(place.get("country_code") or None) if type(place) is dict else None,
            raw=raw,
            position=pos,
        )
        out.append(post)
        return post

    def _embedded(
        self, t: dict[str, Any], raw: str, pos: SourcePosition, out: list[Any], depth: int
    ) -> str | None:
        """Yield an embedded tweet when complete; a stub (``{"id_str": ...}``) only gives the reference."""
        tid = t.get("id_str") or t.get("id")
        if not tid:
            return None
        if depth < C.MAX_EMBED_DEPTH and t.get("user") and t.get("created_at"):
            self.tweet(t, raw, pos, out, depth + 1)
        return _xid(tid)


def _v1_user(acc: Account | None, author_id: str) -> dict[str, Any]:
    uid = native(author_id)
    d: dict[str, Any] = {"id_str": uid}
    if uid.isdigit():
        d["id"] = int(uid)
    if acc is not None:
        d |= {
            "screen_name": acc.handle,
            "name": acc.name,
            "followers_count": acc.followers,
            "friends_count": acc.following,
            "statuses_count": acc.posts_count,
            "verified": acc.verified,
            "description": acc.description,
            "url": acc.url or None,
            "created_at": format_twitter_date(acc.created_at) if acc.created_at else None,
        }
    return d


def emit_v1(rec: Post | Account) -> bytes | None:
    """One v1.1 tweet object per post, author embedded as ``user`` (v1.1 has no account events)."""
    if isinstance(rec, Account):
        return None
    tid = native(rec.id)
    t: dict[str, Any] = {
        "id_str": tid,
        "created_at": format_twitter_date(rec.created_at),
        "full_text": rec.text,
        "text": rec.text,
        "user": _v1_user(rec.author, rec.author_id),
        "lang": rec.lang,
        "in_reply_to_status_id_str": native(rec.reply_to) if rec.reply_to else None,
        "retweet_count": rec.metrics.reposts,
        "favorite_count": rec.metrics.likes,
        "reply_count": rec.metrics.replies,
        "quote_count": rec.metrics.quotes,
        "entities": {
            "urls": [{"url": u, "expanded_url": u} for u in rec.urls],
            "user_mentions": [
                {"screen_name": native(m)[1:]} if native(m).startswith("@") else {"id_str": native(m)}
                for m in rec.mentions
            ],
            "hashtags": [{"text": h} for h in rec.hashtags],
        },
    }
    if tid.isdigit():
        t["id"] = int(tid)
    if rec.media_hashes:
        t["extended_entities"] = {"media": [{"media_url_https": h} for h in rec.media_hashes]}
    if rec.repost_of:
        t["retweeted_status"] = {"id_str": native(rec.repost_of)}
    if rec.quote_of:
        t["quoted_status_id_str"] = native(rec.quote_of)
        t["is_quote_status"] = True
    if rec.region:
        t["place"] = {"country_code": rec.region}
    return orjson.dumps(t)
