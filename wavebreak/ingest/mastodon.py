"""Mastodon Status entities (REST dumps, streaming events) → core records, and back.

Ids (documented in docs/formats.md):

- account: ``mastodon:<account.url>`` (e.g. ``mastodon:https://mastodon.social/@alice``). The
  profile URL is global: the same person gets the same id whichever instance we read.
- status: ``mastodon:<instance>/<id>``. Status ids are local to the instance that served them,
  and ``in_reply_to_id`` / ``quoted_status_id`` only carry those local ids, so the only way
  replies link to their parents is to scope every id by the *reading* instance. Pass
  ``instance="mastodon.social"``; the default ``"local"`` is right for one instance per read.
"""

from __future__ import annotations

import contextlib
import html
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
    RecordError,
    as_int,
    clip,
    html_links,
    html_to_text,
    iso,
    native,
    parse_iso,
    platform_of,
    require,
    text_to_html,
)

PLATFORM = "mastodon"
DEFAULT_INSTANCE = "local"


class MastodonAdapter:
    """Parses one JSON value per line: a Status, a streaming event, or (array files) a Status."""

    format = "mastodon"

    def __init__(self, instance: str | None = None) -> None:
        self.instance = (instance or DEFAULT_INSTANCE).removeprefix("https://").rstrip("/")
        self.clock: datetime = EPOCH  # latest status time seen: streaming deletes carry no time

    def sid(self, native_id: Any) -> str:
        return f"mastodon:{self.instance}/{native_id}"

    def parse(self, obj: Any, raw: str, pos: SourcePosition) -> list[Any]:
        if type(obj) is not dict:
            raise RecordError("record is not a JSON object")
        event = obj.get("event")
        if event is not None and "content" not in obj:
            payload = obj.get("payload")
            if event in ("update", "status.update"):
                if isinstance(payload, str | bytes):
                    try:
                        payload = orjson.loads(payload)
                    except orjson.JSONDecodeError as e:
                        raise RecordError(f"invalid JSON in payload: {e}") from None
                if type(payload) is not dict:
                    raise RecordError("payload is not a Status object")
                out: list[Any] = []
                self.status(payload, raw, pos, out)
                return out
            if event == "delete":
                if payload is None or payload == "":
                    raise RecordError("missing field 'payload'")
                return [Deletion(self.sid(payload), self.clock, PLATFORM, pos)]
            return []  # notification, filters_changed, announcement...: not content
        out = []
        self.status(obj, raw, pos, out)
        return out

    def account(self, acc: Any) -> Account:
        if type(acc) is not dict:
            raise RecordError("missing field 'account'")
        acct = acc.get("acct") or acc.get("username") or ""
        url = acc.get("url")
        if url:
            aid = f"mastodon:{url}"
        elif acct:
            aid = f"mastodon:{self.instance}/@{acct}"
        else:
            raise RecordError("missing field 'account.url'")
        created = acc.get("created_at")
        try:
            created_at = parse_iso(created, "account.created_at") if created else None
        except RecordError:
            created_at = None  # a bad profile date is not worth losing the post
        return Account(
            aid,
            PLATFORM,
            handle=acct,
            name=acc.get("display_name") or "",
            created_at=created_at,
            followers=as_int(acc.get("followers_count")),
            following=as_int(acc.get("following_count")),
            posts_count=as_int(acc.get("statuses_count")),
            kind=AccountKind.BOT if acc.get("bot") else AccountKind.UNKNOWN,
            description=html_to_text(acc.get("note") or ""),
            url=url or "",
        )

    def status(self, st: dict[str, Any], raw: str, pos: SourcePosition, out: list[Any]) -> Post:
        """Append the status' author, embedded statuses, then the status itself to ``out``."""
        pid = self.sid(require(st, "id"))
        created = parse_iso(require(st, "created_at"))
        author = self.account(st.get("account"))
        out.append(author)
        kind = PostKind.POST
        repost_of = quote_of = reply_to = None
        reblog = st.get("reblog")
        if type(reblog) is dict:
            repost_of = self.sid(require(reblog, "id", "reblog"))
            kind = PostKind.REPOST
            self._embedded(reblog, raw, pos, out)
        quote = st.get("quote")
        if type(quote) is dict:
            inner = quote.get("quoted_status") if "content" not in quote else quote
            if type(inner) is dict and inner.get("id"):
                quote_of = self.sid(inner["id"])
                self._embedded(inner, raw, pos, out)
            elif quote.get("quoted_status_id"):
                quote_of = self.sid(quote["quoted_status_id"])
        if st.get("in_reply_to_id"):
            reply_to = self.sid(st["in_reply_to_id"])
        if kind is PostKind.POST:
            kind = PostKind.QUOTE if quote_of else PostKind.REPLY if reply_to else PostKind.POST
        content = st.get("content") or ""
        text = html_to_text(content)
        spoiler = st.get("spoiler_text")
        if spoiler:
            text = f"{spoiler}\n\n{text}" if text else spoiler  # a CW is part of what readers see
        mentions = tuple(
            f"mastodon:{m['url']}" if m.get("url") else f"mastodon:{self.instance}/@{m.get('acct', '')}"
            for m in st.get("mentions") or ()
            if type(m) is dict
        )
        tags = tuple(t["name"] for t in st.get("tags") or () if type(t) is dict and t.get("name"))
        media = tuple(
            m.get("blurhash") or m.get("url") or m.get("id")
            for m in st.get("media_attachments") or ()
            if type(m) is dict and (m.get("blurhash") or m.get("url") or m.get("id"))
        )
        post = Post(
            pid,
            PLATFORM,
            author.id,
            created,
            clip(text),
            st.get("language"),
            kind,
            reply_to,
            repost_of,
            quote_of,
            _links(content, st.get("card")),
            mentions,
            tags,
            media,
            PublicMetrics(
                0,
                as_int(st.get("favourites_count")),
                as_int(st.get("reblogs_count")),
                as_int(st.get("replies_count")),
                as_int(st.get("quotes_count")),
            ),
            author=author,
            raw=raw,
            position=pos,
        )
        edited = st.get("edited_at")
        if edited:
            # a bad edit time: still the status' content, treated as first seen
            with contextlib.suppress(RecordError):
                post.edited_at = parse_iso(edited, "edited_at")
        if created > self.clock:
            self.clock = created
        out.append(post)
        return post

    def _embedded(self, st: dict[str, Any], raw: str, pos: SourcePosition, out: list[Any]) -> None:
        """An embedded status is yielded when complete; a stub only provides the reference."""
        if st.get("created_at") and st.get("account"):
            self.status(st, raw, pos, out)


def _links(content: str, card: Any) -> tuple[str, ...]:
    links = html_links(content)
    if type(card) is dict and card.get("url") and card["url"] not in links:
        links = (*links, card["url"])
    return links


# --------------------------------------------------------------------------- emit


def _account_json(acc: Account | None, author_id: str) -> dict[str, Any]:
    url = native(author_id) if platform_of(author_id) == PLATFORM and "://" in author_id else ""
    handle = (acc.handle if acc else "") or (url.rsplit("/@", 1)[-1] if url else native(author_id))
    d: dict[str, Any] = {"id": handle, "username": handle.split("@")[0], "acct": handle, "url": url}
    if acc is not None:
        d |= {
            "display_name": acc.name,
            "followers_count": acc.followers,
            "following_count": acc.following,
            "statuses_count": acc.posts_count,
            "created_at": iso(acc.created_at) if acc.created_at else None,
            "bot": acc.kind == AccountKind.BOT,
            "note": text_to_html(acc.description) if acc.description else "",
        }
    return d


def _local_id(full_id: str) -> str:
    return native(full_id).rsplit("/", 1)[-1]


def emit_record(rec: Post | Account) -> bytes | None:
    """One Status JSON line per post (author embedded); standalone accounts have no Status form."""
    if isinstance(rec, Account):
        return None
    st: dict[str, Any] = {
        "id": _local_id(rec.id),
        "created_at": iso(rec.created_at),
        "account": _account_json(rec.author, rec.author_id),
        "content": "" if rec.kind == PostKind.REPOST else text_to_html(rec.text),
        "spoiler_text": "",
        "language": rec.lang,
        "in_reply_to_id": _local_id(rec.reply_to) if rec.reply_to else None,
        "reblog": {"id": _local_id(rec.repost_of)} if rec.repost_of else None,
        "mentions": [
            {
                "url": native(m),
                "acct": native(m).rsplit("/@", 1)[-1],
                "username": native(m).rsplit("/@", 1)[-1],
            }
            for m in rec.mentions
        ],
        "tags": [{"name": t} for t in rec.hashtags],
        "media_attachments": [{"type": "image", "blurhash": h} for h in rec.media_hashes],
        "replies_count": rec.metrics.replies,
        "reblogs_count": rec.metrics.reposts,
        "favourites_count": rec.metrics.likes,
        "quotes_count": rec.metrics.quotes,
    }
    if rec.quote_of:
        st["quote"] = {"state": "accepted", "quoted_status_id": _local_id(rec.quote_of)}
    if rec.urls:
        body = st["content"]
        extra = []
        for u in rec.urls:
            shown = html.escape(u, quote=False)
            if shown in body:
                link = f'<a href="{html.escape(u)}" rel="nofollow noopener" target="_blank">{shown}</a>'
                body = body.replace(shown, link, 1)
            else:
                extra.append(u)
        st["content"] = body
        if extra:  # Mastodon shows one preview card for a link the text does not contain
            st["card"] = {"url": extra[0], "type": "link"}
    return orjson.dumps(st)
