"""Helpers shared by statements, notices, why, reports and exports.

Why one module: every transparency output must say the same thing about the same
decision (a statement of reasons, the user's notice and ``why`` disagreeing would be
a compliance defect), and must pseudonymise the same way (an account that is
``acct_3f2a…`` in the research export must be the same string in the narrative report).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from wavebreak.core import constants as C
from wavebreak.core.records import Account, AccountKind, Action, Decision, Event, Surface
from wavebreak.decisions.serde import decision_from_dict, dt_from_iso

PSEUDONYM_KEY_ENV = "WAVEBREAK_PSEUDONYM_KEY"
_DEV_KEY = b"wavebreak-development-pseudonym-key"

# --------------------------------------------------------------------------- pseudonyms


def pseudonym_key() -> bytes:
    """The platform's secret HMAC key (env ``WAVEBREAK_PSEUDONYM_KEY``).

    Keyed, not a bare hash: ids of posts and accounts are public on the platform, so an
    unkeyed hash could be reversed by hashing every public id. The development default is
    fine for demos only; deployments must set the variable.
    """
    raw = os.environ.get(PSEUDONYM_KEY_ENV)
    return raw.encode("utf-8") if raw else _DEV_KEY


def pseudonym(value: str, prefix: str = "acct", key: bytes | None = None) -> str:
    """``prefix_<16 hex>``: stable per key, unlinkable to ``value`` without the key."""
    digest = hmac.new(key or pseudonym_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}_{digest[:16]}"


def is_public(account: Account | None) -> bool:
    """Named in outputs: news/authority/organisation accounts and audiences of public-figure size."""
    if account is None:
        return False
    if account.kind in (AccountKind.NEWS, AccountKind.AUTHORITY, AccountKind.ORGANISATION):
        return True
    return account.followers >= C.RESEARCH_PUBLIC_MIN_FOLLOWERS


def account_label(account: Account | None, account_id: str) -> str:
    """``@handle`` for public accounts, a keyed pseudonym for everyone else."""
    if account is not None and is_public(account):
        return "@" + (account.handle or account.id)
    return pseudonym(account_id)


# --------------------------------------------------------------------------- event log


def utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def applied_decisions(
    storage: Any, since: datetime | None = None, until: datetime | None = None
) -> Iterator[tuple[Event, Decision]]:
    """Every ``decision.applied`` event of the log (with its decision), in log order."""
    since, until = utc(since), utc(until)
    for ev in storage.iter_events(kinds=["decision.applied"]):
        try:
            d = decision_from_dict(ev.payload)
        except (KeyError, ValueError, TypeError):
            continue
        at = utc(d.at)
        if (since and at and at < since) or (until and at and at >= until):
            continue
        yield ev, d


def reversals(storage: Any) -> dict[str, datetime]:
    """decision id → when it was reversed (``decision.reversed`` events; first one wins)."""
    out: dict[str, datetime] = {}
    for ev in storage.iter_events(kinds=["decision.reversed"]):
        did = ev.payload.get("decision_id") or ev.subject
        if did and did not in out:
            out[str(did)] = utc(dt_from_iso(ev.payload.get("at")) or ev.at) or ev.at
    return out


def stream_now(storage: Any) -> datetime:
    """Time of the last event in the log ("now" for a replayed stream), else the wall clock.

    Replays run in stream time (e.g. July 2024): judging them against today's clock would call
    every week-long restriction expired.
    """
    last: datetime | None = None
    head = getattr(storage, "event_head", None)
    if head is not None:
        seq, _ = head()
        if seq:
            for ev in storage.iter_events(since_seq=max(0, seq - 1)):
                last = ev.at
    return utc(last) or datetime.now(UTC)


def hold_registry(storage: Any) -> Any:
    """The legal holds as the log records them."""
    from wavebreak.policy.holds import HoldRegistry

    return HoldRegistry.from_events(storage.iter_events(kinds=["hold.added", "hold.ended"]))


def redact_held(text: str, holds: Any) -> str:
    """The text, or a placeholder when it contains a term under a legal hold (any time)."""
    if text and len(holds) and holds.match([text], None)[0]:
        return "[text withheld: it matches a legal hold]"
    return text


# --------------------------------------------------------------------------- plain words

ACTION_WORDS = {
    "en": {
        Action.ALLOW: "shown normally",
        Action.LABEL: "shown with a label",
        Action.CONTEXT_NOTE: "shown with a context note",
        Action.DEMOTE: "ranked lower",
        Action.EXCLUDE: "left out",
        Action.INTERSTITIAL: "shown behind a warning screen",
        Action.HOLD_FOR_REVIEW: "held back until a person reviews it",
        Action.GEO_WITHHOLD: "withheld in some countries",
        Action.REMOVE: "removed",
    },
    "fr": {
        Action.ALLOW: "affiché normalement",
        Action.LABEL: "affiché avec une étiquette",
        Action.CONTEXT_NOTE: "affiché avec une note de contexte",
        Action.DEMOTE: "classé plus bas",
        Action.EXCLUDE: "exclu",
        Action.INTERSTITIAL: "affiché derrière un écran d'avertissement",
        Action.HOLD_FOR_REVIEW: "retenu jusqu'à l'examen par une personne",
        Action.GEO_WITHHOLD: "bloqué dans certains pays",
        Action.REMOVE: "supprimé",
    },
}
SURFACE_WORDS = {
    "en": {
        Surface.TRENDS: "trending topics",
        Surface.SEARCH: "search results",
        Surface.RECOMMENDATIONS: "recommended feeds",
        Surface.NOTIFICATIONS: "notifications",
        Surface.REPLIES: "reply threads",
    },
    "fr": {
        Surface.TRENDS: "les tendances",
        Surface.SEARCH: "les résultats de recherche",
        Surface.RECOMMENDATIONS: "les fils recommandés",
        Surface.NOTIFICATIONS: "les notifications",
        Surface.REPLIES: "les fils de réponses",
    },
}
FIELD_WORDS = {
    "en": {
        "signals.hate": "hate-speech score",
        "signals.incitement": "incitement-to-violence score",
        "signals.threat": "threat score",
        "signals.abuse": "abuse score",
        "signals.identity_claim": "score for naming or identifying a crime suspect",
        "signals.rumour": "unverified-rumour score",
        "signals.claim_match": "similarity to a refuted claim",
        "holds.matched": "match with a legal reporting restriction",
        "narrative.identity_claim_share": "share of the narrative's posts naming a suspect",
        "narrative.hate_share": "share of the narrative's posts with hate speech",
        "narrative.incitement_share": "share of the narrative's posts inciting violence",
        "narrative.alerted": "the narrative set off a spread alert",
        "narrative.status": "status of the narrative",
        "narrative.risk": "risk score of the narrative",
        "narrative.coordination": "coordinated-posting score of the narrative",
    },
    "fr": {
        "signals.hate": "score de discours haineux",
        "signals.incitement": "score d'incitation à la violence",
        "signals.threat": "score de menace",
        "signals.abuse": "score d'insulte",
        "signals.identity_claim": "score d'identification d'un suspect",
        "signals.rumour": "score de rumeur non vérifiée",
        "signals.claim_match": "similarité avec une affirmation démentie",
        "holds.matched": "correspondance avec une restriction légale de publication",
        "narrative.identity_claim_share": "part des messages du récit nommant un suspect",
        "narrative.hate_share": "part des messages du récit contenant de la haine",
        "narrative.incitement_share": "part des messages du récit incitant à la violence",
        "narrative.alerted": "le récit a déclenché une alerte de propagation",
        "narrative.status": "statut du récit",
        "narrative.risk": "score de risque du récit",
        "narrative.coordination": "score de publication coordonnée du récit",
    },
}
_OPS = {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<", "!=": "≠", "in": "in"}


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def describe_conditions(decision: Decision, lang: str = "en") -> list[str]:
    """One readable line per recorded condition of each rule that fired (from ``facts.by_rule``)."""
    words = FIELD_WORDS.get(lang, FIELD_WORDS["en"])
    rule_word = "règle" if lang == "fr" else "rule"
    thr_word = "seuil" if lang == "fr" else "threshold"
    lines: list[str] = []
    by_rule = decision.facts.get("by_rule") or {}
    for rule, conds in by_rule.items():
        parts = []
        for c in conds or []:
            field = str(c.get("field", "?"))
            label = words.get(field, field)
            op = _OPS.get(str(c.get("op", "")), str(c.get("op", "")))
            parts.append(f"{label} {_fmt(c.get('value'))} {op} {thr_word} {_fmt(c.get('threshold'))}")
        lines.append(f"{rule_word} {rule}: " + "; ".join(parts))
    if not lines and decision.facts.get("refuting"):
        reasons = ", ".join(decision.facts.get("refuting_reasons") or [])
        lines.append(("réfute l'affirmation" if lang == "fr" else "refutes the claim") + f" ({reasons})")
    return lines


def describe_actions(decision: Decision, lang: str = "en") -> list[str]:
    """Per surface and on the item itself, what the decision does, in words."""
    aw = ACTION_WORDS.get(lang, ACTION_WORDS["en"])
    sw = SURFACE_WORDS.get(lang, SURFACE_WORDS["en"])
    out = []
    by_action: dict[Action, list[str]] = {}
    for s, a in sorted(decision.actions.items(), key=lambda kv: kv[0].value):
        if a > Action.ALLOW:
            by_action.setdefault(a, []).append(sw.get(s, s.value))
    for a, surfaces in sorted(by_action.items(), key=lambda kv: -kv[0]):
        joiner = " et " if lang == "fr" else " and "
        where = "de " if lang == "fr" and a == Action.EXCLUDE else ("dans " if lang == "fr" else "in ")
        if lang == "en" and a == Action.EXCLUDE:
            where = "of "
        out.append(f"{aw[a]} {where}{joiner.join(surfaces)}")
    if decision.item_action > Action.ALLOW:
        txt = aw[decision.item_action]
        if decision.item_action == Action.GEO_WITHHOLD and decision.territorial_scope:
            txt += (" : " if lang == "fr" else ": ") + ", ".join(decision.territorial_scope)
        out.append(txt)
    if decision.account_action.value:
        out.append(
            ("compte : " if lang == "fr" else "account: ")
            + {
                1: "portée limitée" if lang == "fr" else "reach limited",
                2: "suspendu" if lang == "fr" else "suspended",
            }[decision.account_action.value]
        )
    return out


def median(values: Iterable[float]) -> float | None:
    """Median of the values, ``None`` for none (a report shows "n/a" rather than a fake zero)."""
    import statistics

    vals = [v for v in values if v is not None]
    return float(statistics.median(vals)) if vals else None
