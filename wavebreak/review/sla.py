"""Service levels: when a case must first be acted on, per source tier and severity.

Why configurable: deadlines are a platform commitment (to trusted flaggers, to
authorities, in terms of service) and differ per platform; the defaults live in
``constants`` (review section) and a YAML file may override any part::

    hours:            # per source, per severity column ("high" when severity >= high_severity)
      trusted_flagger: {high: 2, normal: 12}
    crisis_hours:     # caps while the case is in scope of a confirmed crisis
      user: 6
    warn_fraction: 0.8
    high_severity: 0.8
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from wavebreak.core import constants as C


@dataclass(slots=True)
class SlaPolicy:
    """Deadlines for the first action on a case."""

    hours: dict[str, dict[str, float]] = field(
        default_factory=lambda: {k: dict(v) for k, v in C.REVIEW_SLA_HOURS.items()}
    )
    crisis_hours: dict[str, float] = field(default_factory=lambda: dict(C.REVIEW_SLA_CRISIS_HOURS))
    warn_fraction: float = C.REVIEW_SLA_WARN_FRACTION
    high_severity: float = C.REVIEW_HIGH_SEVERITY

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SlaPolicy:
        """Defaults overridden by whatever ``data`` sets (unknown keys are rejected)."""
        unknown = set(data) - {"hours", "crisis_hours", "warn_fraction", "high_severity"}
        if unknown:
            raise ValueError(f"unknown SLA keys: {sorted(unknown)}")
        sla = cls()
        for kind, cols in (data.get("hours") or {}).items():
            sla.hours.setdefault(str(kind), {}).update({str(k): float(v) for k, v in cols.items()})
        sla.crisis_hours.update({str(k): float(v) for k, v in (data.get("crisis_hours") or {}).items()})
        if "warn_fraction" in data:
            sla.warn_fraction = float(data["warn_fraction"])
        if "high_severity" in data:
            sla.high_severity = float(data["high_severity"])
        for kind, cols in sla.hours.items():
            if any(v <= 0 for v in cols.values()):
                raise ValueError(f"SLA hours must be positive ({kind})")
        return sla

    @classmethod
    def load(cls, path: str | Path | None) -> SlaPolicy:
        """Read a YAML file (``None`` → defaults)."""
        if path is None:
            return cls()
        import yaml

        return cls.from_dict(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})

    def window(self, kind: str, severity: float, crisis: bool) -> timedelta:
        """Time allowed between a notice and the first action on it."""
        cols = self.hours.get(kind) or self.hours["user"]
        col = "high" if severity >= self.high_severity else "normal"
        h = cols.get(col, cols.get("normal", 72.0))
        if crisis and kind in self.crisis_hours:
            h = min(h, self.crisis_hours[kind])
        return timedelta(hours=h)

    def due(self, received: datetime, kind: str, severity: float, crisis: bool) -> datetime:
        return received + self.window(kind, severity, crisis)

    def status(
        self, opened: datetime, due: datetime | None, first_action: datetime | None, at: datetime
    ) -> str:
        """``met`` / ``late`` once acted on; else ``ok``, ``due_soon`` or ``breached`` at ``at``."""
        if due is None:
            return "ok"
        if first_action is not None:
            return "met" if first_action <= due else "late"
        if at > due:
            return "breached"
        span = (due - opened).total_seconds()
        if span > 0 and (at - opened).total_seconds() >= self.warn_fraction * span:
            return "due_soon"
        return "ok"
