"""Crisis mode: a person-confirmed, scoped, self-expiring tightening of named thresholds.

Why a person confirms: crisis mode changes what millions see (the pack's
``crisis_overrides`` tighten named thresholds), so Wavebreak may only
*propose* it when a risky narrative bursts; a duty officer confirms, and the
declaration expires by itself (at most 3 months, renewable) so emergency
measures never become the quiet default. Every step is an :class:`Event`
(``crisis.proposed``, ``crisis.confirmed``, ``crisis.renewed``,
``crisis.ended``) and the manager can be rebuilt from the log alone.

Scope: a crisis covers a target when it is active at the time and (if set) the
text mentions one of its terms, the region is one of its regions (an unknown
region is in scope: most posts carry none and the terms already narrow it) and
the language is one of its languages.

Reach avoided (``facts``): for each restrictive decision taken in scope, the
views algorithmic surfaces would have added, estimated as audience (author
followers for a post, narrative reach for a narrative) ×
``CRISIS_REACH_VIEWS_PER_FOLLOWER`` × (restricted algorithmic surfaces / 4).
It is an order-of-magnitude figure for the crisis facts sheet, never an input
to any decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from wavebreak.core import constants as C
from wavebreak.core.records import Action, Crisis, Decision, Event, Surface
from wavebreak.policy.holds import fold

MAX_DURATION = timedelta(days=C.CRISIS_MAX_DAYS)
ALGORITHMIC = (Surface.TRENDS, Surface.SEARCH, Surface.RECOMMENDATIONS, Surface.NOTIFICATIONS)


@dataclass(slots=True)
class _Ledger:
    narratives: set[str] = field(default_factory=set)
    decisions: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    restricted_targets: set[str] = field(default_factory=set)
    reach_avoided: float = 0.0
    evidence: dict[str, Any] = field(default_factory=dict)


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _dt(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


class CrisisManager:
    """Proposes, confirms, renews and ends crises; answers "which crisis covers this?"."""

    def __init__(self, crises: Iterable[Crisis] = ()) -> None:
        self._crises: dict[str, Crisis] = {c.id: c for c in crises}
        self._ledger: dict[str, _Ledger] = {c.id: _Ledger() for c in self._crises.values()}
        self._term_rx: dict[str, re.Pattern[str] | None] = {}
        self._n = len(self._crises)

    # ------------------------------------------------------------------ lifecycle

    def _new_id(self, at: datetime) -> str:
        self._n += 1
        return f"crisis-{at:%Y%m%d}-{self._n:03d}"

    @staticmethod
    def _duration(duration: timedelta | None) -> timedelta:
        d = duration if duration is not None else timedelta(days=C.CRISIS_DEFAULT_DAYS)
        if d <= timedelta(0):
            raise ValueError("a crisis duration must be positive")
        if d > MAX_DURATION:
            raise ValueError(f"a crisis lasts at most {C.CRISIS_MAX_DAYS} days; renew it instead")
        return d

    def propose(
        self,
        title: str,
        at: datetime,
        terms: Sequence[str] = (),
        regions: Sequence[str] = (),
        languages: Sequence[str] = (),
        duration: timedelta | None = None,
        by: str = "wavebreak",
        evidence: dict[str, Any] | None = None,
        crisis_id: str | None = None,
    ) -> tuple[Crisis, Event]:
        """Create an unconfirmed crisis (inactive until a person confirms it)."""
        d = self._duration(duration)
        c = Crisis(
            id=crisis_id or self._new_id(at),
            title=title,
            declared_at=at,
            expires_at=at + d,
            terms=tuple(terms),
            regions=tuple(r.upper() for r in regions),
            languages=tuple(lang.lower() for lang in languages),
            confirmed=False,
            proposed_by=by,
        )
        self._crises[c.id] = c
        self._ledger[c.id] = _Ledger(evidence=dict(evidence or {}))
        ev = Event(
            kind="crisis.proposed",
            at=at,
            subject=c.id,
            payload={**crisis_payload(c), "evidence": dict(evidence or {})},
            actor=by,
        )
        return c, ev

    def confirm(self, crisis_id: str, by: str, at: datetime) -> Event:
        """A person confirms a proposal: the crisis is active from ``at`` until it expires."""
        c = self._crises[crisis_id]
        if c.ended_at is not None:
            raise ValueError(f"crisis {crisis_id} has ended; declare a new one")
        c.confirmed = True
        c.confirmed_by = by
        return Event(kind="crisis.confirmed", at=at, subject=c.id, payload={"confirmed_by": by}, actor=by)

    def declare(
        self,
        title: str,
        at: datetime,
        by: str,
        terms: Sequence[str] = (),
        regions: Sequence[str] = (),
        languages: Sequence[str] = (),
        duration: timedelta | None = None,
    ) -> tuple[Crisis, list[Event]]:
        """A person declares a crisis directly: proposal and confirmation by the same person."""
        c, ev1 = self.propose(title, at, terms, regions, languages, duration, by=by)
        return c, [ev1, self.confirm(c.id, by, at)]

    def renew(self, crisis_id: str, by: str, at: datetime, duration: timedelta | None = None) -> Event:
        """Extend from ``at`` by ``duration`` (≤ 3 months); expired crises may be renewed, ended ones not."""
        c = self._crises[crisis_id]
        if c.ended_at is not None:
            raise ValueError(f"crisis {crisis_id} has ended; declare a new one")
        if not c.confirmed:
            raise ValueError(f"crisis {crisis_id} is not confirmed; confirm it first")
        c.expires_at = at + self._duration(duration)
        return Event(
            kind="crisis.renewed",
            at=at,
            subject=c.id,
            payload={"expires_at": c.expires_at.isoformat(), "renewed_by": by},
            actor=by,
        )

    def end(self, crisis_id: str, by: str, at: datetime, reason: str = "ended") -> Event:
        c = self._crises[crisis_id]
        c.ended_at = at
        return Event(
            kind="crisis.ended",
            at=at,
            subject=c.id,
            payload={"reason": reason, "ended_by": by, "facts": self.facts(crisis_id)},
            actor=by,
        )

    def expire(self, at: datetime) -> list[Event]:
        """Close every confirmed crisis whose time is up (``crisis.ended`` with reason ``expired``)."""
        out = []
        for c in self._crises.values():
            if c.confirmed and c.ended_at is None and at >= c.expires_at:
                c.ended_at = c.expires_at
                out.append(
                    Event(
                        kind="crisis.ended",
                        at=c.expires_at,
                        subject=c.id,
                        payload={"reason": "expired", "ended_by": "wavebreak", "facts": self.facts(c.id)},
                        actor="wavebreak",
                    )
                )
        return out

    # ------------------------------------------------------------------ queries

    def get(self, crisis_id: str) -> Crisis | None:
        return self._crises.get(crisis_id)

    def all(self) -> list[Crisis]:
        return list(self._crises.values())

    def active(self, at: datetime) -> list[Crisis]:
        return [c for c in self._crises.values() if c.active_at(at)]

    def pending(self) -> list[Crisis]:
        """Proposals waiting for a person."""
        return [c for c in self._crises.values() if not c.confirmed and c.ended_at is None]

    def _rx(self, c: Crisis) -> re.Pattern[str] | None:
        if c.id not in self._term_rx:
            terms = [fold(t) for t in c.terms if fold(t)]
            self._term_rx[c.id] = (
                re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)")
                if terms
                else None
            )
        return self._term_rx[c.id]

    def covering(
        self,
        at: datetime,
        text: str | None = None,
        region: str | None = None,
        lang: str | None = None,
        folded: str | None = None,
    ) -> Crisis | None:
        """The first active crisis whose scope covers this target, or None."""
        for c in self._crises.values():
            if not c.active_at(at):
                continue
            if c.regions and region and region.upper() not in c.regions:
                continue
            if c.languages and lang and lang.lower() not in c.languages:
                continue
            rx = self._rx(c)
            if rx is not None:
                t = folded if folded is not None else fold(text or "")
                if not rx.search(t):
                    continue
            return c
        return None

    def covers_narrative(self, crisis: Crisis, keywords: Sequence[str], title: str = "") -> bool:
        rx = self._rx(crisis)
        return rx is None or bool(rx.search(fold(" ".join([title, *keywords]))))

    # ------------------------------------------------------------------ facts

    def record(self, crisis_id: str, decision: Decision, audience: int) -> None:
        """Count a decision taken while this crisis covered its target (for the facts sheet)."""
        led = self._ledger.setdefault(crisis_id, _Ledger())
        led.decisions += 1
        for rid in decision.facts.get("rules", [decision.rule_id]):
            led.by_rule[rid] = led.by_rule.get(rid, 0) + 1
        if decision.narrative_id:
            led.narratives.add(decision.narrative_id)
        restricted = [s for s in ALGORITHMIC if decision.actions.get(s, Action.ALLOW) >= Action.DEMOTE]
        key = f"{decision.target_kind}:{decision.target_id}"
        if restricted and key not in led.restricted_targets:
            led.restricted_targets.add(key)
            led.reach_avoided += (
                audience * C.CRISIS_REACH_VIEWS_PER_FOLLOWER * len(restricted) / len(ALGORITHMIC)
            )

    def facts(self, crisis_id: str) -> dict[str, Any]:
        """What a crisis report quotes: scope, narratives in scope, actions taken, reach avoided."""
        c = self._crises[crisis_id]
        led = self._ledger.get(crisis_id, _Ledger())
        return {
            "crisis": crisis_payload(c),
            "narratives_in_scope": sorted(led.narratives),
            "decisions": led.decisions,
            "decisions_by_rule": dict(sorted(led.by_rule.items())),
            "restricted_targets": len(led.restricted_targets),
            "reach_avoided_estimate": round(led.reach_avoided),
            "reach_avoided_method": (
                "sum over restricted targets of audience (post: author followers; narrative: reach) x "
                f"{C.CRISIS_REACH_VIEWS_PER_FOLLOWER} x restricted algorithmic surfaces / 4"
            ),
            "evidence": led.evidence,
        }

    # ------------------------------------------------------------------ event log

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> CrisisManager:
        """Rebuild every crisis from its ``crisis.*`` events (the log is the source of truth)."""
        m = cls()
        for ev in events:
            if not ev.kind.startswith("crisis."):
                continue
            p = ev.payload
            if ev.kind == "crisis.proposed":
                c = crisis_from_payload(p)
                m._crises[c.id] = c
                m._ledger[c.id] = _Ledger(evidence=dict(p.get("evidence") or {}))
                m._n += 1
                continue
            c = m._crises.get(ev.subject)
            if c is None:
                continue
            if ev.kind == "crisis.confirmed":
                c.confirmed = True
                c.confirmed_by = p.get("confirmed_by", ev.actor)
            elif ev.kind == "crisis.renewed":
                c.expires_at = _dt(p.get("expires_at")) or c.expires_at
            elif ev.kind == "crisis.ended":
                c.ended_at = ev.at
        return m


def crisis_payload(c: Crisis) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "declared_at": _iso(c.declared_at),
        "expires_at": _iso(c.expires_at),
        "terms": list(c.terms),
        "regions": list(c.regions),
        "languages": list(c.languages),
        "confirmed": c.confirmed,
        "proposed_by": c.proposed_by,
        "confirmed_by": c.confirmed_by,
        "ended_at": _iso(c.ended_at),
    }


def crisis_from_payload(p: dict[str, Any]) -> Crisis:
    return Crisis(
        id=p["id"],
        title=p.get("title", ""),
        declared_at=datetime.fromisoformat(p["declared_at"]),
        expires_at=datetime.fromisoformat(p["expires_at"]),
        terms=tuple(p.get("terms", ())),
        regions=tuple(p.get("regions", ())),
        languages=tuple(p.get("languages", ())),
        confirmed=bool(p.get("confirmed", False)),
        proposed_by=p.get("proposed_by", "human"),
        confirmed_by=p.get("confirmed_by"),
        ended_at=_dt(p.get("ended_at")),
    )
