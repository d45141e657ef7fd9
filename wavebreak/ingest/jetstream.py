"""Bluesky Jetstream v1 (``/subscribe``) events → core records, and back.

Ids: a post is ``bluesky:at://<did>/app.bsky.feed.post/<rkey>`` (its AT-URI),
an account ``bluesky:<did>``. ``created_at`` is the relay's ``time_us`` when
present: clients can write any ``createdAt`` (backdated posts are a known
evasion), while ``time_us`` is when the network actually saw the post, which
is what amplification windows must use. ``createdAt`` is the fallback.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from wavebreak.core import constants as C
from wavebreak.core.ids import id_order, tid
from wavebreak.core.records import Account, Deletion, Post, PostKind, PublicMetrics, SourcePosition
from wavebreak.ingest.common import EPOCH, RecordError, clip, iso, missing, native, parse_iso, platform_of

PLATFORM = "bluesky"
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
PROFILE = "app.bsky.actor.profile"
_MENTION = "app.bsky.richtext.facet#mention"
_LINK = "app.bsky.richtext.facet#link"
_TAG = "app.bsky.richtext.facet#tag"
# read per record, bound once (3.11 reads ``PostKind.X`` through the enum class's slow attribute hook)
_KIND_POST, _KIND_REPLY, _KIND_QUOTE, _KIND_REPOST = (
    PostKind.POST,
    PostKind.REPLY,
    PostKind.QUOTE,
    PostKind.REPOST,
)


def _uri(value: Any) -> str | None:
    return f"bluesky:{value}" if isinstance(value, str) and value else None


def _blob(obj: Any) -> str | None:
    """CID of a blob (``{"$type":"blob","ref":{"$link":cid}}``), legacy ``cid`` form too."""
    if not isinstance(obj, dict):
        return None
    ref = obj.get("ref")
    if isinstance(ref, dict):
        return ref.get("$link")
    return obj.get("cid")


def _media(embed: dict[str, Any], urls: list[str], media: list[str]) -> None:
    t = embed.get("$type", "")
    if t == "app.bsky.embed.images":
        for img in embed.get("images") or ():
            cid = _blob(img.get("image")) if isinstance(img, dict) else None
            if cid:
                media.append(cid)
    elif t == "app.bsky.embed.video":
        cid = _blob(embed.get("video"))
        if cid:
            media.append(cid)
    elif t == "app.bsky.embed.external":
        ext = embed.get("external")
        if isinstance(ext, dict) and ext.get("uri"):
            urls.append(ext["uri"])


class JetstreamAdapter:
    """Stateless per event; one instance per read for symmetry with other adapters."""

    format = "jetstream"

    def parse(self, ev: Any, raw: str, pos: SourcePosition) -> list[Any]:
        if type(ev) is not dict:
            raise RecordError("event is not a JSON object")
        did = ev.get("did")
        if not did:
            raise missing("did")
        kind = ev.get("kind")
        time_us = ev.get("time_us")
        if kind == "commit":
            commit = ev.get("commit")
            if type(commit) is not dict:
                raise missing("commit")
            coll = commit.get("collection")
            op = commit.get("operation")
            if coll != POST and coll != REPOST and coll != PROFILE:
                return []  # likes, follows, blocks...: skipped, not quarantined
            rkey = commit.get("rkey")
            if not rkey:
                raise missing("commit.rkey")
            if op == "delete":
                if coll == PROFILE:
                    return []
                return [
                    Deletion(f"bluesky:at://{did}/{coll}/{rkey}", self._time(time_us, None), PLATFORM, pos)
                ]
            if op != "create" and op != "update":
                raise RecordError(f"unknown commit.operation {op!r}")
            rec = commit.get("record")
            if type(rec) is not dict:
                raise missing("commit.record")
            if coll == PROFILE:
                return [
                    Account(
                        f"bluesky:{did}",
                        PLATFORM,
                        name=rec.get("displayName") or "",
                        description=rec.get("description") or "",
                        created_at=_opt_time(rec.get("createdAt")),
                    )
                ]
            created = self._time(time_us, rec.get("createdAt"))
            author = f"bluesky:{did}"
            pid = f"bluesky:at://{did}/{coll}/{rkey}"
            if coll == REPOST:
                subject = rec.get("subject")
                target = _uri(subject.get("uri")) if type(subject) is dict else None
                if target is None:
                    raise missing("commit.record.subject.uri")
                return [
                    Post(
                        pid,
                        PLATFORM,
                        author,
                        created,
                        "",
                        None,
                        _KIND_REPOST,
                        repost_of=target,
                        raw=raw,
                        position=pos,
                    )
                ]
            return [self._post(pid, author, created, rec, raw, pos)]
        if kind == "identity":
            ident = ev.get("identity") or {}
            return [Account(f"bluesky:{did}", PLATFORM, handle=ident.get("handle") or "")]
        if kind == "account":
            acc = ev.get("account") or {}
            status = acc.get("status")
            if status == "deleted":
                return [Deletion(f"bluesky:{did}", self._time(time_us, acc.get("time")), PLATFORM, pos)]
            return [Account(f"bluesky:{did}", PLATFORM, active=bool(acc.get("active", True)))]
        raise RecordError(f"unknown kind {kind!r}")

    @staticmethod
    def _time(time_us: Any, created_at: Any) -> datetime:
        if type(time_us) is int:
            # float seconds are exact to ~0.25 µs at today's epoch; fromtimestamp rounds to the µs,
            # so this is exact and 2x cheaper than EPOCH + timedelta(microseconds=...).
            return datetime.fromtimestamp(time_us / 1_000_000, UTC)
        if created_at is None:
            raise missing("time_us")
        return parse_iso(created_at, "createdAt")

    @staticmethod
    def _post(
        pid: str, author: str, created: datetime, rec: dict[str, Any], raw: str, pos: SourcePosition
    ) -> Post:
        get = rec.get
        text = get("text")
        if type(text) is not str:
            if text is not None:
                raise RecordError("commit.record.text is not a string")
            text = ""
        elif len(text) > C.MAX_TEXT_CHARS:
            text = clip(text)
        kind = _KIND_POST
        reply_to = quote_of = None
        urls: tuple[str, ...] = ()
        mentions: tuple[str, ...] = ()
        tags: tuple[str, ...] = ()
        media: tuple[str, ...] = ()
        reply = get("reply")
        if reply:
            parent = reply.get("parent") if type(reply) is dict else None
            reply_to = _uri(parent.get("uri")) if type(parent) is dict else None
            if reply_to:
                kind = _KIND_REPLY
        embed = get("embed")
        if embed:
            url_list: list[str] = []
            media_list: list[str] = []
            t = embed.get("$type")
            if t == "app.bsky.embed.record":
                quote_of = _uri((embed.get("record") or {}).get("uri"))
            elif t == "app.bsky.embed.recordWithMedia":
                inner = embed.get("record") or {}
                quote_of = _uri((inner.get("record") or {}).get("uri"))
                m = embed.get("media")
                if type(m) is dict:
                    _media(m, url_list, media_list)
            else:
                _media(embed, url_list, media_list)
            if quote_of:
                kind = _KIND_QUOTE
            urls = tuple(url_list)
            media = tuple(media_list)
        facets = get("facets")
        extra_tags = get("tags")
        if facets or extra_tags:
            url_list = list(urls)
            mention_list: list[str] = []
            tag_list: list[str] = []
            for facet in facets or ():
                for feat in facet.get("features") or ():
                    ft = feat.get("$type")
                    if ft == _MENTION and feat.get("did"):
                        mention_list.append(f"bluesky:{feat['did']}")
                    elif ft == _LINK and feat.get("uri"):
                        url_list.append(feat["uri"])
                    elif ft == _TAG and feat.get("tag"):
                        tag_list.append(feat["tag"])
            if extra_tags:
                tag_list.extend(t for t in extra_tags if isinstance(t, str))
            urls = tuple(dict.fromkeys(url_list))
            mentions = tuple(dict.fromkeys(mention_list))
            tags = tuple(dict.fromkeys(tag_list))
        langs = get("langs")
        return Post(
            pid,
            PLATFORM,
            author,
            created,
            text,
            langs[0] if langs and type(langs) is list else None,
            kind,
            reply_to,
            None,
            quote_of,
            urls,
            mentions,
            tags,
            media,
            PublicMetrics(),
            None,
            None,
            raw,
            pos,
        )


def _opt_time(value: Any) -> datetime | None:
    try:
        return parse_iso(value) if value else None
    except RecordError:
        return None


# --------------------------------------------------------------------------- emit


def _did_rkey(post: Post, micros: int) -> tuple[str, str, str]:
    """(did, collection, rkey) for a post id; ``micros``: its creation time in microseconds since 1970.

    A non-Bluesky post gets its author's synthetic DID and a real-shaped record key: a TID of
    its creation time, with a clock id drawn from its own id (so two posts of one author in the
    same microsecond stay apart). Why not the native id as the key: real Jetstream keys are TIDs,
    which storage reads as time order (:func:`wavebreak.core.ids.id_order`)."""
    nid = native(post.id)
    if platform_of(post.id) == PLATFORM and nid.startswith("at://"):
        did, coll, rkey = nid[5:].split("/", 2)
        return did, coll, rkey
    coll = REPOST if post.kind == PostKind.REPOST else POST
    return _did(post.author_id), coll, tid(micros, zlib.crc32(post.id.encode("utf-8", "surrogatepass")))


def _did(account_id: str) -> str:
    nid = native(account_id)
    return nid if nid.startswith("did:") else f"did:web:{platform_of(account_id)}.invalid:{nid}"


def _ref(full_id: str, uris: _UriMemory | None = None) -> str:
    """The AT-URI a post was written under: its own for Bluesky ids, the one this emitter gave it
    (``uris``), else a synthetic one that no written post carries (the parent was never seen)."""
    nid = native(full_id)
    if nid.startswith("at://"):
        return nid
    known = uris.get(full_id) if uris is not None else None
    return known or f"at://did:web:{platform_of(full_id)}.invalid/{POST}/{nid}"


def line_emitter(window: int = C.EMIT_URI_WINDOW) -> Callable[[Post | Account], bytes | None]:
    """:func:`emit_record` with a memory of the AT-URIs it gave the last ``window`` non-Bluesky posts.

    Why: a converted post's URI holds its author's DID and a TID, which its id does not. A reply,
    quote or repost of it can only point at that URI if the emitter remembers it; without that
    memory every cascade edge of a converted stream pointed nowhere. Bounded: a parent older than
    the window gets the synthetic URI of :func:`_ref`.

    The memory also keeps two converted posts apart: a record key is a TID of the post's time with a
    10-bit clock id drawn from its id, so two posts of one author at the same microsecond (sources
    with second or date precision) would share a key one time in 1,024 and read back as one post;
    a key already given within the window is moved to the next free TID instead."""
    uris = _UriMemory(window)

    def line(rec: Post | Account) -> bytes | None:
        return emit_record(rec, uris)

    return line


class _UriMemory:
    """The AT-URIs given to the last ``window`` converted posts: by post id, and as a set of taken
    URIs (both bounded together, oldest first out)."""

    def __init__(self, window: int) -> None:
        self.window = window
        self.by_id: dict[str, str] = {}
        self.taken: set[str] = set()

    def get(self, post_id: str) -> str | None:
        return self.by_id.get(post_id)

    def assign(self, post_id: str, did: str, coll: str, rkey: str) -> str:
        """The record key of ``post_id``: the one it was given if written before (a later version
        keeps its URI), else ``rkey``, moved to the next free TID if another converted post has it."""
        known = self.by_id.get(post_id)
        if known is not None:
            return known.rpartition("/")[2]
        uri = f"at://{did}/{coll}/{rkey}"
        if uri in self.taken:
            value = id_order(rkey)
            while uri in self.taken:
                value += 1
                rkey = tid(value >> 10, value & 0x3FF)
                uri = f"at://{did}/{coll}/{rkey}"
        self.by_id[post_id] = uri
        self.taken.add(uri)
        if len(self.by_id) > self.window:
            self.taken.discard(self.by_id.pop(next(iter(self.by_id))))
        return rkey


def emit_record(rec: Post | Account, uris: _UriMemory | None = None) -> bytes | None:
    """One Jetstream event line for ``rec`` (accounts as ``identity`` events).

    ``uris`` (see :func:`line_emitter`) holds the AT-URIs given to the non-Bluesky posts written so
    far; this post's is added."""
    if isinstance(rec, Account):
        ts = 0
        did = _did(rec.id)
        return orjson.dumps(
            {
                "did": did,
                "time_us": ts,
                "kind": "identity",
                "identity": {"did": did, "handle": rec.handle, "seq": 0, "time": iso(EPOCH)},
            }
        )
    time_us = (rec.created_at - EPOCH) // timedelta(microseconds=1)
    did, coll, rkey = _did_rkey(rec, time_us)
    repost = rec.kind == PostKind.REPOST and bool(rec.repost_of)
    if repost:
        coll = REPOST
    if uris is not None and not native(rec.id).startswith("at://"):
        rkey = uris.assign(rec.id, did, coll, rkey)
    record: dict[str, Any]
    if repost:
        record = {
            "$type": REPOST,
            "subject": {"uri": _ref(rec.repost_of, uris), "cid": ""},
            "createdAt": iso(rec.created_at),
        }
    else:
        record = {"$type": POST, "text": rec.text, "createdAt": iso(rec.created_at)}
        if rec.lang:
            record["langs"] = [rec.lang]
        if rec.reply_to:
            parent = {"uri": _ref(rec.reply_to, uris), "cid": ""}
            record["reply"] = {"root": parent, "parent": parent}
        features: list[dict[str, Any]] = [{"$type": _MENTION, "did": _did(m)} for m in rec.mentions]
        features += [{"$type": _LINK, "uri": u} for u in rec.urls]
        features += [{"$type": _TAG, "tag": t} for t in rec.hashtags]
        if features:
            record["facets"] = [{"index": {"byteStart": 0, "byteEnd": 0}, "features": [f]} for f in features]
        images = [{"alt": "", "image": {"$type": "blob", "ref": {"$link": h}}} for h in rec.media_hashes]
        media = {"$type": "app.bsky.embed.images", "images": images} if images else None
        if rec.quote_of:
            quoted = {"uri": _ref(rec.quote_of, uris), "cid": ""}
            if media:
                record["embed"] = {
                    "$type": "app.bsky.embed.recordWithMedia",
                    "record": {"record": quoted},
                    "media": media,
                }
            else:
                record["embed"] = {"$type": "app.bsky.embed.record", "record": quoted}
        elif media:
            record["embed"] = media
    ev = {
        "did": did,
        "time_us": time_us,
        "kind": "commit",
        "commit": {
            "rev": "",
            "operation": "create",
            "collection": coll,
            "rkey": rkey,
            "record": record,
            "cid": "",
        },
    }
    return orjson.dumps(ev)
