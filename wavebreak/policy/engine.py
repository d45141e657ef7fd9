"""The policy engine: evaluate a pack's rules on one target's facts and combine the hits.

Why the engine (not the rules) enforces refutation protection: a post that
denies a false claim, repeats an authority's correction, or is written by a
trusted authority must never be demoted together with the claim it quotes —
that is how a moderation system ends up burying the correction. A pack author
cannot forget this: the engine strips every restrictive action (demote and
above) from such a post unless the rule sets ``applies_to_refuting`` (allowed
only for rules testing the post's *own* hate/incitement/threat score) or
applies a legal hold (a court order binds every publisher). Labels and
context notes still apply, and the decision records ``boost_as_context`` so
surfaces may show the post beside the claim.

Combining: per surface the most severe action wins (``Action`` is severity
ordered); ties go to the higher-priority rule; the decision keeps every
contributing rule id and, per surface, which rule set it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wavebreak.core import constants as C
from wavebreak.core.records import (
    Account,
    AccountAction,
    AccountKind,
    Action,
    Crisis,
    Decision,
    Narrative,
    NarrativeStatus,
    Post,
    Signal,
    SignalName,
    Surface,
)
from wavebreak.policy.conditions import MISSING, Compared
from wavebreak.policy.pack import PolicyPack, Rule

TRUSTED_CREDIBILITY = ("authority", "trusted", "official")
"""Account credibility labels treated like ``AccountKind.AUTHORITY`` for refutation protection."""

# Signal names and the account kind read for every post (refuting_reasons, question_reasons,
# post_values, author_values), bound once as plain values. Why: in Python 3.11 reading an enum member
# goes through a Python-level descriptor (and ``.value`` through a second), ~0.2 us a read; these
# were 1.5M of the 1.9M such reads of a 200k-post bench run.
_STANCE: str = SignalName.STANCE.value
_IDENTITY_CLAIM: str = SignalName.IDENTITY_CLAIM.value
_CLAIM_MATCH: str = SignalName.CLAIM_MATCH.value
_RUMOUR: str = SignalName.RUMOUR.value
_CREDIBILITY: str = SignalName.CREDIBILITY.value
_LANG: str = SignalName.LANG.value
_AUTHORITY: AccountKind = AccountKind.AUTHORITY


# --------------------------------------------------------------------------- facts


def signal_fact(signals: dict[str, Signal] | None, field: str) -> Any:
    """Resolve ``signals.<name>[.score|.label|.model|.data.<key>]`` against a post's signals."""
    if not signals:
        return MISSING
    parts = field.split(".")
    sig = signals.get(parts[1]) if len(parts) > 1 else None
    if sig is None:
        return MISSING
    if len(parts) == 2 or parts[2] == "score":
        return float(sig.score)
    if parts[2] == "label":
        return sig.label if sig.label is not None else MISSING
    if parts[2] == "model":
        return sig.model
    if parts[2] == "data":
        v: Any = sig.data or {}
        for p in parts[3:]:
            if not isinstance(v, dict) or p not in v:
                return MISSING
            v = v[p]
        return v
    return MISSING


def author_values(
    account: Account | None, account_signals: dict[str, Signal] | None, prefix: str = "author"
) -> dict:
    out: dict[str, Any] = {}
    if account is not None:
        out.update(
            {
                f"{prefix}.id": account.id,
                f"{prefix}.followers": int(account.followers),
                f"{prefix}.following": int(account.following),
                f"{prefix}.verified": bool(account.verified),
                f"{prefix}.kind": str(account.kind),
                f"{prefix}.platform": account.platform,
            }
        )
        if account.region:
            out[f"{prefix}.region"] = account.region
        if account.created_at is not None:
            out[f"{prefix}.created_at"] = account.created_at
    cred = (account_signals or {}).get(_CREDIBILITY)
    if cred is not None:
        out[f"{prefix}.credibility.score"] = float(cred.score)
        if cred.label:
            out[f"{prefix}.credibility"] = cred.label
    return out


def narrative_values(narrative: Narrative | None, metrics: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if metrics:
        for k, v in metrics.items():
            out[f"narrative.{k}"] = v
            if k == "stance" and isinstance(v, dict):
                for sk, sv in v.items():
                    out[f"narrative.stance.{sk}"] = sv
    if narrative is not None:
        out.update(
            {
                "narrative.id": narrative.id,
                "narrative.status": str(narrative.status),
                "narrative.risk": float(narrative.risk),
                "narrative.alerted": narrative.alerted_at is not None,
                "narrative.refuted": narrative.status == NarrativeStatus.REFUTED
                or bool(narrative.refuted_by),
                "narrative.refuted_by": list(narrative.refuted_by),
            }
        )
        out.setdefault("narrative.posts", narrative.posts_total)
        out.setdefault("narrative.accounts", narrative.accounts_total)
        out.setdefault("narrative.reach", narrative.reach_total)
        for k, v in narrative.risk_factors.items():
            out.setdefault(f"narrative.{k}", v)
        if narrative.refuted_by:
            out["claim.matched"] = True
            out["claim.statement_id"] = narrative.refuted_by[0]
    if metrics and "alerted" in metrics:
        out["narrative.alerted"] = bool(metrics["alerted"])
    return out


class Facts:
    """A target's facts by dotted name, with named thresholds resolved for its crisis scope."""

    __slots__ = ("crisis", "pack", "signals", "values")

    def __init__(
        self,
        pack: PolicyPack,
        values: dict[str, Any],
        signals: dict[str, Signal] | None = None,
        crisis: Crisis | None = None,
    ) -> None:
        self.pack = pack
        self.values = values
        self.signals = signals
        self.crisis = crisis
        values["crisis.active"] = crisis is not None
        if crisis is not None:
            values["crisis.id"] = crisis.id

    def get(self, field: str) -> Any:
        v = self.values.get(field, MISSING)
        if v is MISSING and field.startswith("signals."):
            return signal_fact(self.signals, field)
        return v

    def threshold(self, name: str) -> float:
        return self.pack.threshold(name, crisis=self.crisis is not None)


def refuting_reasons(
    signals: dict[str, Signal] | None,
    account: Account | None,
    account_signals: dict[str, Signal] | None,
    *,
    quote: bool = False,
) -> list[str]:
    """Why a post counts as refuting (empty: it does not).

    - stance ``deny`` with confidence ≥ ``POLICY_REFUTING_STANCE_MIN``, provided the post does not itself
      assert an identity (the narratives stage applies the same veto to its refuting share): "they are not
      naming him but everyone knows it's <name>, an asylum seeker who came by boat" reads as a denial to the
      stance model (0.53) and was protected as a refutation (seventh session: on simulator seed 8, 9 items
      had stance deny ≥ 0.5 and identity claim ≥ 0.6, all of them false-claim posts, no refutation);
    - a claim match ≥ ``POLICY_REFUTING_CLAIM_MATCH_MIN`` to an authority statement, provided the post
      does not support the claim and does not itself assert an identity (a post repeating the false name
      also matches the statement that refutes it);
    - authored by an authority account (kind, or the credibility label ``authority``);
    - authored by another trusted account (credibility label), under the same proviso as a claim match:
      a "trusted" news account that repeats the claim is not refuting it (the demo's pseudo-news site,
      rated trusted on its profile, would otherwise have been exempted with the lie it spread) —
      unless the post also carries a correction marker: two independent signs (a source the platform
      rates trusted, and correction wording) outweigh detectors that read a report of a refutation as
      the claim ("police reject viral claim suspect was an asylum seeker": identity claim 0.8, stance
      ``support`` 0.65, from a 1.2M-follower outlet; it was restricted with the claim). A *quote*
      (``quote=True``) by a trusted account needs a refuting cue of its own (correction marker or stance
      ``deny``): a quote amplifies what it embeds, and trust alone does not make it a correction
      (simulator seed 9: "This. Share before it gets deleted." quoting the claim, from a 2.1M-follower
      account rated trusted, was protected as refuting, escaped the quote rule and took 4 % of the
      claim's uncontrolled algorithmic views);
    - a correction marker (rumour signal labelled ``correction``: "fact check", "c'est faux", "stop
      sharing"...), provided the post does not itself assert an identity and the stance model does
      not call it ``support`` with confidence (≥ ``POLICY_REFUTING_STANCE_MIN``). Why: the stance
      model misses most corrections (the simulator's refutations: 858 of 1,468 items had no refuting
      reason, e.g. "Fact check: the suspect did not arrive by small boat" is a low-confidence
      ``support``); the narratives stage counts a post as refuting on the same marker with the same
      assertion veto. The identity detector's ``negated`` flag is *not* a reason: it fires on
      exclusionary slogans ("No Muslims in <town>. We go to ... and we finish it"), which would then
      be stated as refuting the claim.
    """
    reasons: list[str] = []
    sig = signals or {}
    stance = sig.get(_STANCE)
    supports = stance is not None and stance.label == "support"
    ic = sig.get(_IDENTITY_CLAIM)
    asserts = ic is not None and ic.score >= C.POLICY_REFUTING_CLAIM_MATCH_MIN
    if (
        stance is not None
        and stance.label == "deny"
        and stance.score >= C.POLICY_REFUTING_STANCE_MIN
        and not asserts
    ):
        reasons.append(f"stance deny ({stance.score:.2f})")
    cm = sig.get(_CLAIM_MATCH)
    if cm is not None and cm.score >= C.POLICY_REFUTING_CLAIM_MATCH_MIN and not supports and not asserts:
        sid = (cm.data or {}).get("statement_id", cm.label)
        reasons.append(f"matches authority statement {sid} ({cm.score:.2f})")
    rumour = sig.get(_RUMOUR)
    corrects = rumour is not None and rumour.label == "correction"
    if account is not None and account.kind == _AUTHORITY:
        reasons.append(f"authored by authority account {account.id}")
    else:
        cred = (account_signals or {}).get(_CREDIBILITY)
        if (
            cred is not None
            and cred.label in TRUSTED_CREDIBILITY
            and (cred.label == "authority" or corrects or not (supports or asserts))
            and (not quote or corrects or (stance is not None and stance.label == "deny"))
        ):
            reasons.append(
                f"authored by trusted account ({cred.label})"
                + (" with a correction marker" if corrects and (supports or asserts) else "")
            )
    confident_support = supports and stance is not None and stance.score >= C.POLICY_REFUTING_STANCE_MIN
    if corrects and rumour is not None and not asserts and not confident_support:
        spans = ", ".join(f'"{x}"' for x in (rumour.explanation or ())[:3])
        reasons.append(f"correction marker ({spans})" if spans else "correction marker")
    return reasons


def question_reasons(signals: dict[str, Signal] | None) -> list[str]:
    """Why a post *asks* about a claim rather than making it (empty: it does not).

    - a question marker (rumour signal labelled ``query``: "is it true", "any source", "c'est
      confirmé"...), or the stance model's ``query`` with confidence ≥ ``POLICY_REFUTING_STANCE_MIN``;
    - provided the post does not itself assert an identity (identity claim ≥
      ``POLICY_REFUTING_CLAIM_MATCH_MIN``, or labelled ``identity_claim`` at all: since the seventh
      session the detector leaves a yes/no question about the identity unlabelled, so a label means an
      assertion in a declarative sentence, e.g. "So it's <name>. an asylum seeker who came over on a small
      boat. How is this allowed?", 0.545 and stance ``query``, which was exempted) and the stance model
      does not call it ``support`` with confidence: the same vetoes as the correction marker, so "X did
      this. Why was he even here?" stays a claim.

    Why it matters: a question is not an assertion. Narrative-level restrictions reached questions
    only because the narratives stage clusters them with the claim they ask about (in the simulator
    they were 98 % of the benign posts restricted); the stage exempts such a post from its
    narrative's *restrictions* (``engine.question-exemption``) while the narrative's label or context
    note still applies — once an authority has refuted the claim, the question is shown with the
    answer. A question's own post-level rules (hate, incitement, an identity assertion above the
    rule's threshold) still apply. ``docs/policy.md``, "Questions about a claim".
    """
    sig = signals or {}
    stance = sig.get(_STANCE)
    confident_support = (
        stance is not None and stance.label == "support" and stance.score >= C.POLICY_REFUTING_STANCE_MIN
    )
    ic = sig.get(_IDENTITY_CLAIM)
    if confident_support or (
        ic is not None and (ic.label is not None or ic.score >= C.POLICY_REFUTING_CLAIM_MATCH_MIN)
    ):
        return []
    reasons: list[str] = []
    rumour = sig.get(_RUMOUR)
    if rumour is not None and rumour.label == "query":
        spans = ", ".join(f'"{x}"' for x in (rumour.explanation or ())[:3])
        reasons.append(f"question marker ({spans})" if spans else "question marker")
    if stance is not None and stance.label == "query" and stance.score >= C.POLICY_REFUTING_STANCE_MIN:
        reasons.append(f"stance query ({stance.score:.2f})")
    return reasons


# --------------------------------------------------------------------------- evaluation


@dataclass(slots=True)
class Hit:
    """One rule that fired, with the evidence and the actions left after protection."""

    rule: Rule
    compared: list[Compared]
    actions: dict[Surface, Action]
    item_action: Action
    account_action: AccountAction
    suppressed: dict[str, str] = field(default_factory=dict)

    @property
    def effective(self) -> bool:
        return (
            bool(self.actions) or self.item_action > Action.ALLOW or self.account_action > AccountAction.NONE
        )


def _protection_exempt(rule: Rule) -> bool:
    return rule.applies_to_refuting or any(f.startswith("holds.") for f in rule.fields())


class PolicyEngine:
    """Evaluates a pack on facts; stateless, so one engine serves the stage, the gate and dry runs."""

    def __init__(self, pack: PolicyPack) -> None:
        self.pack = pack

    def evaluate(self, rules: list[Rule], facts: Facts, refuting: bool = False) -> list[Hit]:
        hits: list[Hit] = []
        for rule in rules:
            rec: list[Compared] = []
            if not rule.evaluate(facts, rec):
                continue
            actions = dict(rule.actions)
            item = rule.item_action
            suppressed: dict[str, str] = {}
            if refuting and not _protection_exempt(rule):
                for s, a in list(actions.items()):
                    if a.restrictive:
                        suppressed[s.value] = a.slug
                        del actions[s]
                if item.restrictive:
                    suppressed["item"] = item.slug
                    item = Action.ALLOW
            hits.append(Hit(rule, rec, actions, item, rule.account_action, suppressed))
        return hits

    def decide(
        self,
        target_kind: str,
        target_id: str,
        hits: list[Hit],
        at: datetime,
        *,
        refuting: list[str] | None = None,
        narrative_id: str | None = None,
        hold_jurisdictions: tuple[str, ...] = (),
        extra_facts: dict[str, Any] | None = None,
    ) -> Decision | None:
        """Combine hits into one decision (id left empty for the caller), or None when nothing applies."""
        refuting = refuting or []
        effective = [h for h in hits if h.effective]
        protected = sorted({h.rule.id for h in hits if h.suppressed})
        if not effective and not (refuting and protected):
            return None
        per_surface: dict[Surface, tuple[Action, int, str]] = {}
        item: tuple[Action, int, str] = (Action.ALLOW, -(10**9), "")
        acct: tuple[AccountAction, int, str] = (AccountAction.NONE, -(10**9), "")
        for h in effective:
            p = h.rule.priority
            for s, a in h.actions.items():
                cur = per_surface.get(s)
                if cur is None or (a, p) > (cur[0], cur[1]):
                    per_surface[s] = (a, p, h.rule.id)
            if (h.item_action, p) > (item[0], item[1]) and h.item_action > Action.ALLOW:
                item = (h.item_action, p, h.rule.id)
            if (h.account_action, p) > (acct[0], acct[1]) and h.account_action > AccountAction.NONE:
                acct = (h.account_action, p, h.rule.id)
        ordered = sorted(effective, key=lambda h: (h.rule.severity, h.rule.priority), reverse=True)
        primary = ordered[0].rule if ordered else next(h.rule for h in hits if h.suppressed)
        scope: tuple[str, ...] = ()
        if item[0] == Action.GEO_WITHHOLD:
            r = self.pack.rule(item[2])
            scope = hold_jurisdictions if r.territorial_scope == "holds" else tuple(r.territorial_scope)
        durations = [h.rule.duration for h in effective]
        expires = None if not durations or any(d is None for d in durations) else at + max(durations)  # type: ignore[type-var]
        facts: dict[str, Any] = {
            "rules": [h.rule.id for h in ordered],
            "primary_rule": primary.id,
            "surface_rules": {s.value: v[2] for s, v in sorted(per_surface.items())},
            "by_rule": {h.rule.id: [c.as_dict() for c in h.compared] for h in hits},
            "refuting": bool(refuting),
            "boost_as_context": bool(refuting),
        }
        if refuting:
            facts["refuting_reasons"] = refuting
        if protected:
            facts["protected_from"] = {h.rule.id: h.suppressed for h in hits if h.suppressed}
        if item[0] > Action.ALLOW:
            facts["item_rule"] = item[2]
        if extra_facts:
            facts.update(extra_facts)
        explanation = self.explain(target_kind, target_id, hits, per_surface, item, refuting, scope)
        return Decision(
            id="",
            at=at,
            target_kind=target_kind,
            target_id=target_id,
            actions={s: v[0] for s, v in sorted(per_surface.items())},
            rule_id=primary.id,
            grounds=primary.grounds,
            facts=facts,
            item_action=item[0],
            account_action=acct[0],
            territorial_scope=scope,
            expires_at=expires,
            policy_version=self.pack.version_id,
            narrative_id=narrative_id,
            explanation=explanation,
        )

    @staticmethod
    def explain(
        target_kind: str,
        target_id: str,
        hits: list[Hit],
        per_surface: dict[Surface, tuple[Action, int, str]],
        item: tuple[Action, int, str],
        refuting: list[str],
        scope: tuple[str, ...],
    ) -> str:
        """A readable sentence per rule: what fired on which values, and what it does per surface."""
        parts = []
        for h in hits:
            ev = "; ".join(c.text() for c in h.compared if c.result) or "conditions held"
            parts.append(f"rule {h.rule.id} fired ({ev})")
        acts = ", ".join(f"{s.value}: {v[0].slug}" for s, v in sorted(per_surface.items()))
        text = f"{target_kind} {target_id}: " + "; ".join(parts) + "."
        if acts:
            text += f" Surfaces → {acts}."
        if item[0] > Action.ALLOW:
            text += f" Item → {item[0].slug}" + (f" in {', '.join(scope)}" if scope else "") + "."
        if refuting:
            sup = sorted({h.rule.id for h in hits if h.suppressed})
            text += " Refutes the claim (" + "; ".join(refuting) + "): never demoted with it"
            text += f" (restrictions of {', '.join(sup)} not applied)." if sup else "."
        return text


def decision_id(target_kind: str, target_id: str, signature: str, at: datetime) -> str:
    """Deterministic and time-sortable: ``dec-<UTC stamp>-<hash of target+signature>``."""
    h = hashlib.sha1(f"{target_kind}|{target_id}|{signature}|{at.isoformat()}".encode()).hexdigest()[:10]
    return f"dec-{at:%Y%m%dT%H%M%S}-{h}"


def signature(d: Decision) -> str:
    """What makes two decisions on a target the same decision (dedupe key)."""
    acts = ",".join(f"{s.value}={a.slug}" for s, a in sorted(d.actions.items()))
    parts = [
        acts,
        d.item_action.slug,
        d.account_action.slug,
        ",".join(d.facts.get("rules", [d.rule_id])),
        ",".join(d.territorial_scope),
        "r" if d.facts.get("refuting") else "",
    ]
    # Exemption marks are appended only when set, so other decisions keep their ids. They belong in
    # the key because the gate reads them: a re-evaluation that differs only in being a question or
    # in carrying none of its narrative's claim must supersede the earlier decision, or the gate would
    # keep applying (or sparing) the narrative's restrictions on the old reading.
    if d.facts.get("question"):
        parts.append("q")
    if d.facts.get("claim_free"):
        parts.append("f")
    return "|".join(parts)


def post_values(post: Post, signals: dict[str, Signal] | None, refuting: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"post.id": post.id, "post.kind": str(post.kind), "post.refuting": refuting}
    lang = post.lang
    if lang is None and signals and _LANG in signals:
        lang = signals[_LANG].label
    if lang:
        out["post.lang"] = lang
    region = post.region or (post.author.region if post.author else None)
    if region:
        out["post.region"] = region
    cm = (signals or {}).get(_CLAIM_MATCH)
    if cm is not None:
        out["claim.matched"] = True
        out["claim.score"] = float(cm.score)
        out["claim.statement_id"] = (cm.data or {}).get("statement_id", cm.label)
    else:
        out["claim.matched"] = False
    return out
