"""Statements of reasons (DSA Art. 17 / Art. 24(5)) built from the decisions' recorded facts.

What gets a statement: every decision of the event log that restricts something (severity
from DEMOTE up, a label or context note, which the 2025 schema records as
``DECISION_VISIBILITY_CONTENT_LABELLED``, or an account action), automated or human.

Granularity (DSA Transparency Database rules): a statement is about one item of
information provided by one recipient of the service, because Art. 17 owes each affected
recipient a statement and the ``puid`` must identify what was restricted. So:

- a post decision → one statement (``CONTENT_TYPE_TEXT``);
- a narrative decision → one statement per post of the narrative it restricts (posts
  assigned to the narrative and created before the restriction ended, minus posts that
  refute the claim, which the gate exempts; a post that only asks about the claim, or an
  original post that carries none of it (claim-free exemption), which the gate exempts from the
  restrictions but not from the label or context note, is stated for that label or note alone). A post already covered by an earlier decision
  on the same narrative with the same measures is not re-stated; a stricter measure is.
  ``CONTENT_TYPE_OTHER`` is not used: the database has no "narrative" content type and the
  restricted thing is each text post;
- an account decision → one statement (``decision_provision`` / ``decision_account``,
  ``CONTENT_TYPE_OTHER`` = "account").

Territorial scope: the database only records restrictions affecting the EEA. A decision
with no territorial limit applies everywhere → all 30 EEA states. A geo-withhold limited to
non-EEA countries (e.g. a GB reporting restriction) is stated only for its global part
(exclusion from trends/search); when it has no global part it gets no statement (it is
reported in the UK report instead), and is listed as skipped with that reason.

No personal data: the ``puid`` is a keyed HMAC of (decision id, post id); facts name the
rule, the recorded scores and thresholds, the narrative's size and the public authority
statement, never a handle, a name or the text of a post.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from wavebreak.core.records import Account, AccountAction, AccountKind, Action, Decision, Post
from wavebreak.transparency.common import (
    applied_decisions,
    describe_actions,
    describe_conditions,
    pseudonym,
    reversals,
    utc,
)
from wavebreak.transparency.sor_schema import (
    EEA_COUNTRIES,
    ISO_639_1,
    KEYWORDS,
    STATEMENT_CATEGORIES,
    validate_statement,
)

FACTS_MAX = 5000
EXPLANATION_MAX = 2000
GROUND_MAX = 500
NOTIFIER_SOURCE = {
    "user": "SOURCE_ARTICLE_16",
    "trusted_flagger": "SOURCE_TRUSTED_FLAGGER",
    "authority": "SOURCE_TYPE_OTHER_NOTIFICATION",
}


@dataclass(slots=True)
class SorBuild:
    """Statements built from a store, and the restrictive decisions that got none (with why)."""

    statements: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    decisions: int = 0

    def invalid(self) -> list[tuple[str, dict[str, list[str]]]]:
        """(puid, errors) for every statement the database would reject."""
        out = []
        for s in self.statements:
            errs = validate_statement(s)
            if errs:
                out.append((str(s.get("puid")), errs))
        return out


def is_stated(d: Decision) -> bool:
    """Does this decision owe a statement of reasons?"""
    return d.severity >= Action.LABEL or d.account_action != AccountAction.NONE


def make_puid(decision_id: str, target_id: str) -> str:
    """Platform-unique, stable (idempotent resubmission) and not reversible to the post id."""
    return pseudonym(f"{decision_id}|{target_id}", prefix="wb-sor")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _visibility(d: Decision) -> tuple[list[str], str | None]:
    """Map Wavebreak actions to ``decision_visibility`` values (+ the text of ``_OTHER``)."""
    acts = {a for a in d.actions.values()} | {d.item_action}
    vis: list[str] = []
    other: list[str] = []
    if Action.REMOVE in acts:
        vis.append("DECISION_VISIBILITY_CONTENT_REMOVED")
    if Action.GEO_WITHHOLD in acts:
        if not d.territorial_scope or any(c.upper() in EEA_COUNTRIES for c in d.territorial_scope):
            vis.append("DECISION_VISIBILITY_CONTENT_DISABLED")
        else:  # withheld only outside the EEA: not a restriction for EEA recipients, but say so
            other.append("access withheld only in " + ", ".join(d.territorial_scope) + " (outside the EEA)")
    if Action.DEMOTE in acts:
        vis.append("DECISION_VISIBILITY_CONTENT_DEMOTED")
    if acts & {Action.LABEL, Action.CONTEXT_NOTE, Action.INTERSTITIAL}:
        vis.append("DECISION_VISIBILITY_CONTENT_LABELLED")
    excluded = sorted(s.value for s, a in d.actions.items() if a == Action.EXCLUDE)
    if excluded:
        other.append("excluded from " + ", ".join(excluded) + " (content stays online)")
    if Action.HOLD_FOR_REVIEW in acts:
        other.append("withheld from algorithmic amplification until human review")
    if other:
        vis.append("DECISION_VISIBILITY_OTHER")
    return vis, ("; ".join(other) if other else None)


def _territory(d: Decision) -> list[str] | None:
    """EEA codes the restriction applies to; ``None`` when it does not affect the EEA."""
    if not d.territorial_scope:
        return list(EEA_COUNTRIES)
    eea = [c for c in d.territorial_scope if c.upper() in EEA_COUNTRIES]
    if eea:
        return sorted({c.upper() for c in eea})
    global_part = any(a > Action.ALLOW for a in d.actions.values())
    return list(EEA_COUNTRIES) if global_part else None


def _source(d: Decision) -> tuple[str, str | None]:
    kind = d.facts.get("notifier_kind") or d.facts.get("source_kind")
    src = NOTIFIER_SOURCE.get(str(kind)) if kind else None
    if src is None and d.facts.get("source_type") in NOTIFIER_SOURCE.values():
        src = str(d.facts["source_type"])
    if src is None:
        return "SOURCE_VOLUNTARY", None
    ident = None
    if src in ("SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION"):
        # organisations, never private notifiers (DSA Art. 17(3)(b): identity only where necessary)
        name = d.facts.get("notifier_name") or d.facts.get("notifier_id")
        ident = _clip(str(name), 500) if name else None
    return src, ident


def _automated(d: Decision) -> str:
    if d.automated_decision:
        return "AUTOMATED_DECISION_FULLY"
    return "AUTOMATED_DECISION_PARTIALLY" if d.automated_detection else "AUTOMATED_DECISION_NOT_AUTOMATED"


def _account_type(acc: Account | None) -> str | None:
    if acc is None:
        return None
    if acc.kind in (AccountKind.NEWS, AccountKind.ORGANISATION, AccountKind.AUTHORITY):
        return "ACCOUNT_TYPE_BUSINESS"
    if acc.kind == AccountKind.PERSON:
        return "ACCOUNT_TYPE_PRIVATE"
    return None


def decision_facts(d: Decision, *, via_narrative: bool = False) -> str:
    """Facts and circumstances (Art. 17(3)(b)) from the decision's record, with no personal data."""
    who = "A human reviewer" if not d.automated_decision else "Wavebreak's automated policy engine"
    parts = [
        f"{who} applied rule '{d.rule_id}' (policy: {d.grounds.platform_policy}; "
        f"policy version {d.policy_version or 'n/a'}) on {d.at.date().isoformat()}."
    ]
    conds = describe_conditions(d)
    if conds:
        parts.append("Recorded facts: " + " | ".join(conds) + ".")
    m = d.facts.get("narrative_metrics") or {}
    if via_narrative or d.target_kind == "narrative":
        parts.append(
            "This item was grouped by automated similarity clustering into narrative "
            f"{d.narrative_id or d.target_id}, which the measure targets as a whole"
            + (
                f" (at decision time: {m.get('posts')} posts from {m.get('accounts')} accounts, "
                f"potential audience {m.get('reach')})"
                if m
                else ""
            )
            + "."
        )
    ref = d.facts.get("refutation")
    if isinstance(ref, dict) and ref.get("statement_id"):
        parts.append(
            f"The claim is contradicted by an authoritative public statement ({ref.get('statement_id')}"
            + (f", {ref['url']}" if ref.get("url") else "")
            + ")."
        )
    for h in d.facts.get("holds") or []:
        parts.append(
            f"Legal hold '{h.get('title', h.get('hold_id'))}' applies ({h.get('legal_basis')}), "
            f"jurisdictions {', '.join(h.get('jurisdictions') or [])}."
        )
    if d.facts.get("crisis"):
        parts.append(f"A declared crisis ({d.facts['crisis']}) was in force; crisis thresholds applied.")
    acts = describe_actions(d)
    if acts:
        parts.append("Measures: " + "; ".join(acts) + ".")
    parts.append(
        "The content was not removed unless stated; it remains reachable by direct link and by followers."
        if d.item_action < Action.GEO_WITHHOLD
        else "Access to the content was restricted as stated."
    )
    return _clip(" ".join(parts), FACTS_MAX)


def statement_for(
    d: Decision,
    *,
    post: Post | None = None,
    account: Account | None = None,
    via_narrative: bool = False,
    revoked_at: datetime | None = None,
) -> dict[str, Any] | None:
    """One statement in the API's exact schema, or ``None`` when the decision is outside the EEA."""
    scope = _territory(d)
    if scope is None:
        return None
    target_id = post.id if post is not None else d.target_id
    applied = utc(d.at)
    assert applied is not None
    if post is not None and utc(post.created_at) and utc(post.created_at) > applied:  # type: ignore[operator]
        applied = utc(post.created_at)  # joined the narrative after the decision
    assert applied is not None
    s: dict[str, Any] = {}
    vis, vis_other = _visibility(d)
    if vis:
        s["decision_visibility"] = vis
        if vis_other:
            s["decision_visibility_other"] = _clip(vis_other, 500)
    if d.account_action == AccountAction.SUSPEND:
        s["decision_account"] = "DECISION_ACCOUNT_SUSPENDED"
    elif d.account_action == AccountAction.LIMIT_REACH:
        s["decision_provision"] = "DECISION_PROVISION_PARTIAL_SUSPENSION"
    acct_type = _account_type(account)
    if acct_type:
        s["account_type"] = acct_type
    g = d.grounds
    # not d.explanation: it names the post id, which would undo the hashed puid
    explanation = _clip(
        f"Rule '{d.rule_id}' ({g.platform_policy}) applied. " + " | ".join(describe_conditions(d)),
        EXPLANATION_MAX,
    )
    if g.illegal and g.legal_basis:
        s["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        s["illegal_content_legal_ground"] = _clip(g.legal_basis, GROUND_MAX)
        s["illegal_content_explanation"] = explanation
    else:
        s["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        s["incompatible_content_ground"] = _clip(g.platform_policy, GROUND_MAX)
        s["incompatible_content_explanation"] = explanation
        s["incompatible_content_illegal"] = "Yes" if g.illegal else "No"
    if d.target_kind == "account" and post is None:
        s["content_type"] = ["CONTENT_TYPE_OTHER"]
        s["content_type_other"] = "account"
    else:
        s["content_type"] = ["CONTENT_TYPE_TEXT"]
    s["category"] = (
        g.dsa_category if g.dsa_category in STATEMENT_CATEGORIES else "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
    )
    if g.dsa_keyword and g.dsa_keyword in KEYWORDS:
        s["category_specification"] = [g.dsa_keyword]
    s["territorial_scope"] = scope
    lang = (post.lang or "").upper() if post is not None else ""
    if lang in ISO_639_1:
        s["content_language"] = lang
    if post is not None:
        created = utc(post.created_at)
    elif account is not None and account.created_at is not None:
        created = utc(account.created_at)
    else:
        created = utc(d.at)
    assert created is not None
    s["content_date"] = created.date().isoformat()
    s["application_date"] = applied.date().isoformat()
    end = min([t for t in (utc(d.expires_at), utc(revoked_at)) if t is not None], default=None)
    if end is not None:
        key = (
            "end_date_account_restriction"
            if d.target_kind == "account"
            else "end_date_visibility_restriction"
        )
        s[key] = max(end, applied).date().isoformat()
    s["decision_facts"] = decision_facts(d, via_narrative=via_narrative)
    src, ident = _source(d)
    s["source_type"] = src
    if ident:
        s["source_identity"] = ident
    s["automated_detection"] = "Yes" if d.automated_detection else "No"
    s["automated_decision"] = _automated(d)
    s["puid"] = make_puid(d.id, target_id)
    return s


def _chunks(ids: list[str], n: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(ids), n):
        yield ids[i : i + n]


def build_statements(storage: Any, since: datetime | None = None, until: datetime | None = None) -> SorBuild:
    """Statements for every stated decision of the log between ``since`` and ``until``."""
    out = SorBuild()
    decisions = list(applied_decisions(storage, since, until))
    revoked = reversals(storage)
    revoked_at = getattr(storage, "decision_revoked_at", None)
    refuting = {d.target_id for _, d in decisions if d.target_kind == "post" and d.facts.get("refuting")}
    # questions and claim-free posts: the gate applies only a narrative's labels and notes to them
    questions = {
        d.target_id
        for _, d in decisions
        if d.target_kind == "post" and (d.facts.get("question") or d.facts.get("claim_free"))
    }
    accounts: dict[str, Account | None] = {}

    def account(aid: str | None) -> Account | None:
        if not aid:
            return None
        if aid not in accounts:
            accounts[aid] = storage.get_account(aid)
        return accounts[aid]

    narrative_seen: dict[tuple[str, str], tuple[int, frozenset[Any]]] = {}
    for _, d in decisions:
        if not is_stated(d):
            continue
        out.decisions += 1
        rev = revoked.get(d.id) or (revoked_at(d.id) if revoked_at else None)
        if d.target_kind == "post":
            post = storage.get_post(d.target_id)
            st = statement_for(
                d, post=post, account=account(post.author_id if post else None), revoked_at=rev
            )
            _keep(out, st, d, d.target_id)
        elif d.target_kind == "account":
            st = statement_for(d, account=account(d.target_id), revoked_at=rev)
            _keep(out, st, d, d.target_id)
        elif d.target_kind == "narrative":
            end = min([t for t in (utc(d.expires_at), utc(rev)) if t is not None], default=None)
            ids = [p for p in storage.narrative_post_ids(d.target_id) if p not in refuting]
            full = (d, _measure(d))
            # what a question about the claim gets from this decision: its labels and notes only
            informing = _informing_part(d) if questions else None
            asked = (informing, _measure(informing)) if informing is not None else None
            for chunk in _chunks(ids):
                for post in storage.get_posts(chunk):
                    if end is not None and utc(post.created_at) >= end:  # type: ignore[operator]
                        continue
                    if post.id in questions:
                        if asked is None:
                            continue
                        dp, key_measure = asked
                    else:
                        dp, key_measure = full
                    k = (d.target_id, post.id)
                    prev = narrative_seen.get(k)
                    if prev is not None and (prev == key_measure or prev[0] > key_measure[0]):
                        continue
                    narrative_seen[k] = key_measure
                    st = statement_for(
                        dp, post=post, account=account(post.author_id), via_narrative=True, revoked_at=rev
                    )
                    _keep(out, st, d, post.id)
        else:
            out.skipped.append(
                {"decision_id": d.id, "reason": f"target kind {d.target_kind!r} has no statement"}
            )
    return out


def _measure(d: Decision) -> tuple[int, frozenset[tuple[str, int]]]:
    """What a statement states about a post (severity, per-surface actions): equal or weaker
    measures already stated for that post are not stated again."""
    return int(d.severity), frozenset((s.value, int(a)) for s, a in d.actions.items())


def _informing_part(d: Decision) -> Decision | None:
    """``d`` reduced to its labels and context notes (what the gate applies to a question about the
    claim: ``engine.question-exemption``), or None when nothing of it is left."""
    if not d.severity.restrictive:
        return d
    kept = {s: a for s, a in d.actions.items() if a > Action.ALLOW and not a.restrictive}
    item = d.item_action if not d.item_action.restrictive else Action.ALLOW
    if not kept and item == Action.ALLOW:
        return None
    return replace(d, actions=kept, item_action=item)


def _keep(out: SorBuild, st: dict[str, Any] | None, d: Decision, target: str) -> None:
    if st is None:
        out.skipped.append(
            {
                "decision_id": d.id,
                "reason": "restriction limited to non-EEA territories "
                f"({', '.join(d.territorial_scope)}): outside the DSA Transparency Database",
            }
        )
    else:
        out.statements.append(st)
