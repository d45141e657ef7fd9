"""JSON-ready dicts for the core records, and back.

Why hand-written converters rather than ``dataclasses.asdict``: records hold
enums keyed dicts (``dict[Surface, Action]``), tuples, datetimes and numpy
scalars that must come out as plain, stable JSON: the event log hashes these
dicts, statements of reasons quote them and the API returns them. Conventions:

- datetimes are ISO 8601 in UTC with a ``Z`` suffix (naive values are taken as UTC);
- ``Action`` / ``AccountAction`` are written as their slugs (``"exclude"``), read back
  from slug or integer;
- tuples become lists and are restored as tuples where the record declares a tuple.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

import orjson

from wavebreak.core.records import (
    Account,
    AccountAction,
    AccountKind,
    Action,
    Alert,
    Decision,
    Event,
    Grounds,
    Narrative,
    NarrativeStatus,
    Post,
    PostKind,
    PublicMetrics,
    Signal,
    SourcePosition,
    Surface,
)

# --------------------------------------------------------------------------- primitives


def dt_to_iso(value: datetime | None) -> str | None:
    """``2024-07-29T11:47:00Z`` (microseconds kept when present); ``None`` stays ``None``."""
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")


def dt_from_iso(value: str | datetime | None) -> datetime | None:
    """Parse ISO 8601 (``Z`` or offset); the result is always timezone-aware UTC."""
    if value is None or value == "":
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def to_jsonable(value: Any) -> Any:
    """Recursively turn a value into plain JSON types (dict/list/str/int/float/bool/None).

    Enums become their value (``Action`` its slug), datetimes ISO UTC strings, tuples and
    sets lists (sets sorted so output is stable), numpy scalars and arrays Python numbers
    and lists, dataclass records their dict via the converters below when known.

    Why the exact-type dispatch first: every event payload is walked here before it is hashed,
    and nearly every value in one is a plain str, int, float, dict or list; testing their exact
    type is a few times cheaper than the ``isinstance`` chain (subclasses such as ``Action``, an
    ``IntEnum``, or numpy's ``float64`` take the general path below, as before).
    """
    t = type(value)
    if t is str or t is int or t is bool or value is None:
        return value
    if t is dict:
        return {k if type(k) is str else str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if t is list or t is tuple:
        return [to_jsonable(v) for v in value]
    if t is float:
        return value if math.isfinite(value) else None
    return _to_jsonable(value)


def _to_jsonable(value: Any) -> Any:
    """:func:`to_jsonable` for every type but the exact plain ones."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Action | AccountAction):
        return value.slug
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # NaN/inf are not JSON; a fact that is not a number is recorded as null, never dropped.
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return dt_to_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((to_jsonable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    converter = _CONVERTERS.get(type(value))
    if converter is not None:
        return converter(value)
    if hasattr(value, "tolist"):  # numpy scalar or array
        return to_jsonable(value.tolist())
    if hasattr(value, "__dataclass_fields__"):
        return {f: to_jsonable(getattr(value, f)) for f in value.__dataclass_fields__}
    return str(value)


_STORAGE_JSON_OPTS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


def storage_json(value: Any) -> str:
    """Compact sorted-key JSON for stored, *unhashed* documents (signal data, narrative records,
    chart points): orjson, with :func:`to_jsonable` for whatever orjson does not know.

    Why not :func:`canonical_json`: that one walks every value in Python, which cost more than
    the inserts for the signals and narratives written each batch; these rows are read back as
    JSON, never hashed. Not for decisions or events: orjson writes enums by value, so an
    :class:`Action` would become its number instead of its slug (the event log keeps
    :func:`canonical_json`, whose exact text the hash chain covers).
    """
    return orjson.dumps(value, default=to_jsonable, option=_STORAGE_JSON_OPTS).decode()


def canonical_json(value: Any) -> str:
    """The canonical text the event log hashes: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(
        to_jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


# --------------------------------------------------------------------------- decisions


def grounds_to_dict(g: Grounds) -> dict[str, Any]:
    return {
        "platform_policy": g.platform_policy,
        "legal_basis": g.legal_basis,
        "dsa_category": g.dsa_category,
        "dsa_keyword": g.dsa_keyword,
        "illegal": g.illegal,
    }


def grounds_from_dict(d: Mapping[str, Any]) -> Grounds:
    return Grounds(
        platform_policy=d["platform_policy"],
        legal_basis=d.get("legal_basis"),
        dsa_category=d.get("dsa_category", "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"),
        dsa_keyword=d.get("dsa_keyword"),
        illegal=bool(d.get("illegal", False)),
    )


def _account_action(value: Any) -> AccountAction:
    if isinstance(value, AccountAction):
        return value
    if isinstance(value, int):
        return AccountAction(value)
    return AccountAction[str(value).strip().upper()]


def decision_to_dict(d: Decision) -> dict[str, Any]:
    """The full decision, including facts and grounds (what ``decision.applied`` events carry)."""
    return {
        "id": d.id,
        "at": dt_to_iso(d.at),
        "target_kind": d.target_kind,
        "target_id": d.target_id,
        "actions": {Surface(s).value: Action.parse(a).slug for s, a in d.actions.items()},
        "rule_id": d.rule_id,
        "grounds": grounds_to_dict(d.grounds),
        "facts": to_jsonable(d.facts),
        "item_action": Action.parse(d.item_action).slug,
        "account_action": _account_action(d.account_action).slug,
        "territorial_scope": list(d.territorial_scope),
        "expires_at": dt_to_iso(d.expires_at),
        "automated_detection": d.automated_detection,
        "automated_decision": d.automated_decision,
        "actor": d.actor,
        "policy_version": d.policy_version,
        "narrative_id": d.narrative_id,
        "supersedes": d.supersedes,
        "explanation": d.explanation,
        "severity": d.severity.slug,
    }


def decision_from_dict(d: Mapping[str, Any]) -> Decision:
    at = dt_from_iso(d["at"])
    assert at is not None
    return Decision(
        id=d["id"],
        at=at,
        target_kind=d["target_kind"],
        target_id=d["target_id"],
        actions={Surface(s): Action.parse(a) for s, a in (d.get("actions") or {}).items()},
        rule_id=d["rule_id"],
        grounds=grounds_from_dict(d["grounds"]),
        facts=dict(d.get("facts") or {}),
        item_action=Action.parse(d.get("item_action", "allow")),
        account_action=_account_action(d.get("account_action", "none")),
        territorial_scope=tuple(d.get("territorial_scope") or ()),
        expires_at=dt_from_iso(d.get("expires_at")),
        automated_detection=bool(d.get("automated_detection", True)),
        automated_decision=bool(d.get("automated_decision", True)),
        actor=d.get("actor", "policy"),
        policy_version=d.get("policy_version", ""),
        narrative_id=d.get("narrative_id"),
        supersedes=d.get("supersedes"),
        explanation=d.get("explanation", ""),
    )


# --------------------------------------------------------------------------- alerts & narratives


def alert_to_dict(a: Alert) -> dict[str, Any]:
    return {
        "id": a.id,
        "at": dt_to_iso(a.at),
        "kind": a.kind,
        "narrative_id": a.narrative_id,
        "message": a.message,
        "terms": list(a.terms),
        "count": to_jsonable(a.count),
        "baseline": to_jsonable(a.baseline),
        "zscore": to_jsonable(a.zscore),
        "distinct_accounts": to_jsonable(a.distinct_accounts),
        "reach": to_jsonable(a.reach),
        "risk": to_jsonable(a.risk),
        "reasons": list(a.reasons),
    }


def alert_from_dict(d: Mapping[str, Any]) -> Alert:
    at = dt_from_iso(d["at"])
    assert at is not None
    return Alert(
        id=d["id"],
        at=at,
        kind=d["kind"],
        narrative_id=d.get("narrative_id"),
        message=d.get("message", ""),
        terms=tuple(d.get("terms") or ()),
        count=float(d.get("count", 0.0)),
        baseline=float(d.get("baseline", 0.0)),
        zscore=float(d.get("zscore", 0.0)),
        distinct_accounts=int(d.get("distinct_accounts", 0)),
        reach=int(d.get("reach", 0)),
        risk=float(d.get("risk", 0.0)),
        reasons=tuple(d.get("reasons") or ()),
    )


def narrative_to_dict(n: Narrative) -> dict[str, Any]:
    return {
        "id": n.id,
        "title": n.title,
        "first_seen": dt_to_iso(n.first_seen),
        "last_seen": dt_to_iso(n.last_seen),
        "keywords": list(n.keywords),
        "entities": list(n.entities),
        "status": NarrativeStatus(n.status).value,
        "risk": to_jsonable(n.risk),
        "risk_factors": to_jsonable(n.risk_factors),
        "posts_total": to_jsonable(n.posts_total),
        "accounts_total": to_jsonable(n.accounts_total),
        "reach_total": to_jsonable(n.reach_total),
        "languages": to_jsonable(n.languages),
        "stance": to_jsonable(n.stance),
        "representative_posts": list(n.representative_posts),
        "alerted_at": dt_to_iso(n.alerted_at),
        "posts_at_alert": n.posts_at_alert,
        "accounts_at_alert": n.accounts_at_alert,
        "merged_into": n.merged_into,
        "refuted_by": list(n.refuted_by),
        "claimed_names": to_jsonable(n.claimed_names),
    }


def narrative_from_dict(d: Mapping[str, Any]) -> Narrative:
    first_seen = dt_from_iso(d["first_seen"])
    last_seen = dt_from_iso(d["last_seen"])
    assert first_seen is not None and last_seen is not None
    return Narrative(
        id=d["id"],
        title=d.get("title", ""),
        first_seen=first_seen,
        last_seen=last_seen,
        keywords=list(d.get("keywords") or []),
        entities=list(d.get("entities") or []),
        status=NarrativeStatus(d.get("status", "emerging")),
        risk=float(d.get("risk", 0.0)),
        risk_factors={k: float(v) for k, v in (d.get("risk_factors") or {}).items()},
        posts_total=int(d.get("posts_total", 0)),
        accounts_total=int(d.get("accounts_total", 0)),
        reach_total=int(d.get("reach_total", 0)),
        languages={k: int(v) for k, v in (d.get("languages") or {}).items()},
        stance={k: int(v) for k, v in (d.get("stance") or {}).items()},
        representative_posts=list(d.get("representative_posts") or []),
        alerted_at=dt_from_iso(d.get("alerted_at")),
        posts_at_alert=d.get("posts_at_alert"),
        accounts_at_alert=d.get("accounts_at_alert"),
        merged_into=d.get("merged_into"),
        refuted_by=list(d.get("refuted_by") or []),
        claimed_names={k: int(v) for k, v in (d.get("claimed_names") or {}).items()},
    )


# --------------------------------------------------------------------------- content


def account_to_dict(a: Account) -> dict[str, Any]:
    return {
        "id": a.id,
        "platform": a.platform,
        "handle": a.handle,
        "name": a.name,
        "created_at": dt_to_iso(a.created_at),
        "followers": a.followers,
        "following": a.following,
        "posts_count": a.posts_count,
        "verified": a.verified,
        "kind": AccountKind(a.kind).value,
        "description": a.description,
        "url": a.url,
        "region": a.region,
        "active": a.active,
    }


def account_from_dict(d: Mapping[str, Any]) -> Account:
    return Account(
        id=d["id"],
        platform=d["platform"],
        handle=d.get("handle", ""),
        name=d.get("name", ""),
        created_at=dt_from_iso(d.get("created_at")),
        followers=int(d.get("followers", 0)),
        following=int(d.get("following", 0)),
        posts_count=int(d.get("posts_count", 0)),
        verified=bool(d.get("verified", False)),
        kind=AccountKind(d.get("kind", "unknown")),
        description=d.get("description", ""),
        url=d.get("url", ""),
        region=d.get("region"),
        active=bool(d.get("active", True)),
    )


def post_to_dict(p: Post) -> dict[str, Any]:
    m = p.metrics
    return {
        "id": p.id,
        "platform": p.platform,
        "author_id": p.author_id,
        "created_at": dt_to_iso(p.created_at),
        "text": p.text,
        "lang": p.lang,
        "kind": PostKind(p.kind).value,
        "reply_to": p.reply_to,
        "repost_of": p.repost_of,
        "quote_of": p.quote_of,
        "urls": list(p.urls),
        "mentions": list(p.mentions),
        "hashtags": list(p.hashtags),
        "media_hashes": list(p.media_hashes),
        "metrics": {
            "views": m.views,
            "likes": m.likes,
            "reposts": m.reposts,
            "replies": m.replies,
            "quotes": m.quotes,
        },
        "author": account_to_dict(p.author) if p.author is not None else None,
        "region": p.region,
        "raw": p.raw,
        "position": {"source": p.position.source, "line": p.position.line} if p.position else None,
        "edited_at": dt_to_iso(p.edited_at) if p.edited_at is not None else None,
    }


def post_from_dict(d: Mapping[str, Any]) -> Post:
    created = dt_from_iso(d["created_at"])
    assert created is not None
    metrics = d.get("metrics") or {}
    pos = d.get("position")
    author = d.get("author")
    return Post(
        id=d["id"],
        platform=d["platform"],
        author_id=d["author_id"],
        created_at=created,
        text=d.get("text", ""),
        lang=d.get("lang"),
        kind=PostKind(d.get("kind", "post")),
        reply_to=d.get("reply_to"),
        repost_of=d.get("repost_of"),
        quote_of=d.get("quote_of"),
        urls=tuple(d.get("urls") or ()),
        mentions=tuple(d.get("mentions") or ()),
        hashtags=tuple(d.get("hashtags") or ()),
        media_hashes=tuple(d.get("media_hashes") or ()),
        metrics=PublicMetrics(**{k: int(v) for k, v in metrics.items()}),
        author=account_from_dict(author) if author else None,
        region=d.get("region"),
        raw=d.get("raw"),
        position=SourcePosition(pos["source"], int(pos["line"])) if pos else None,
        edited_at=dt_from_iso(d["edited_at"]) if d.get("edited_at") else None,
    )


def signal_to_dict(s: Signal) -> dict[str, Any]:
    return {
        "name": str(s.name),
        "score": to_jsonable(s.score),
        "label": s.label,
        "model": s.model,
        "explanation": list(s.explanation),
        "data": to_jsonable(s.data) if s.data is not None else None,
    }


def signal_from_dict(d: Mapping[str, Any]) -> Signal:
    return Signal(
        name=d["name"],
        score=float(d["score"]),
        label=d.get("label"),
        model=d.get("model", ""),
        explanation=tuple(d.get("explanation") or ()),
        data=dict(d["data"]) if d.get("data") is not None else None,
    )


def event_to_dict(e: Event) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "id": e.id,
        "kind": e.kind,
        "at": dt_to_iso(e.at),
        "recorded_at": dt_to_iso(e.recorded_at),
        "subject": e.subject,
        "actor": e.actor,
        "payload": to_jsonable(e.payload),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def event_from_dict(d: Mapping[str, Any]) -> Event:
    at = dt_from_iso(d["at"])
    assert at is not None
    return Event(
        kind=d["kind"],
        at=at,
        subject=d.get("subject", ""),
        payload=dict(d.get("payload") or {}),
        actor=d.get("actor", "system"),
        id=d.get("id", ""),
        seq=d.get("seq"),
        recorded_at=dt_from_iso(d.get("recorded_at")),
        prev_hash=d.get("prev_hash", ""),
        hash=d.get("hash", ""),
    )


_CONVERTERS: dict[type, Any] = {
    Decision: decision_to_dict,
    Grounds: grounds_to_dict,
    Alert: alert_to_dict,
    Narrative: narrative_to_dict,
    Account: account_to_dict,
    Post: post_to_dict,
    Signal: signal_to_dict,
    Event: event_to_dict,
}
