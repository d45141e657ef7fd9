"""API keys with scopes, kept as events in the moderation log.

Why keys live in the event log and not in a table of their own: every other
piece of API state (decisions, holds, crises, refutations) is already a
projection of the hash-chained log, so issuing and revoking a key becomes
auditable for free (who created which scopes, when, by whom) and needs no
schema migration. Only a salted SHA-256 of the secret is stored: the key is
printed once at creation and can never be recovered from the store.

Key format: ``wbk_<key_id>_<secret>``; ``key_id`` (8 hex chars) is public and
is the ``actor`` of every event a request with that key writes
(``apikey:<key_id>``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wavebreak.core.records import Event

APIKEY_CREATED = "apikey.created"
APIKEY_REVOKED = "apikey.revoked"
KEY_PREFIX = "wbk"

SCOPES: dict[str, str] = {
    "gate:read": "ask the gate about items and vet trend candidates",
    "decisions:read": "read decisions with their full reasons",
    "narratives:read": "list and read narratives and their series",
    "ingest:write": "post records through the pipeline",
    "crisis:read": "list and read crises and their facts",
    "crisis:write": "declare, propose, confirm, renew and end crises",
    "holds:read": "list legal holds",
    "holds:write": "add and end legal holds",
    "refutations:read": "list authority statements",
    "refutations:write": "add authority statements",
    "review": "submit notices, read the review queue, decide cases and appeals",
    "admin": "every scope",
}
"""Every scope a key may hold. ``X:write`` implies ``X:read``; ``admin`` implies all."""


def expand(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes a key effectively holds (write implies read; admin implies everything)."""
    out: set[str] = set()
    for s in scopes:
        if s == "admin":
            return frozenset(SCOPES)
        out.add(s)
        if s.endswith(":write"):
            out.add(s[: -len(":write")] + ":read")
    return frozenset(out)


def validate_scopes(scopes: Sequence[str]) -> list[str]:
    """Normalise and check requested scopes; raise ValueError naming the unknown ones."""
    clean = sorted({s.strip().lower() for s in scopes if s.strip()})
    if not clean:
        raise ValueError("a key needs at least one scope; known: " + ", ".join(SCOPES))
    unknown = [s for s in clean if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    return clean


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


@dataclass(slots=True)
class ApiKey:
    """A key as the server knows it: public id, scopes and the salted hash of its secret."""

    id: str
    scopes: frozenset[str]
    salt: str
    hash: str
    name: str = ""
    created_at: datetime | None = None
    created_by: str = ""
    revoked_at: datetime | None = None
    granted: list[str] = field(default_factory=list)

    @property
    def actor(self) -> str:
        """What every event written with this key records as its actor."""
        return f"apikey:{self.id}"

    def public(self) -> dict[str, Any]:
        """What ``apikey list`` shows: never the hash or salt."""
        return {
            "id": self.id,
            "name": self.name,
            "scopes": self.granted,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "created_by": self.created_by,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def new_key(
    scopes: Sequence[str], name: str = "", actor: str = "cli", at: datetime | None = None
) -> tuple[str, Event]:
    """Mint a key: returns (the plaintext key, to show once; the ``apikey.created`` event to append)."""
    granted = validate_scopes(scopes)
    key_id = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    when = at or datetime.now(UTC)
    ev = Event(
        kind=APIKEY_CREATED,
        at=when,
        subject=f"apikey:{key_id}",
        payload={
            "id": key_id,
            "name": name,
            "scopes": granted,
            "salt": salt,
            "hash": _digest(salt, secret),
            "algorithm": "sha256(salt:secret)",
        },
        actor=actor,
    )
    return f"{KEY_PREFIX}_{key_id}_{secret}", ev


def revoke_event(key_id: str, actor: str = "cli", at: datetime | None = None, reason: str = "") -> Event:
    """The ``apikey.revoked`` event for a key (append it to revoke)."""
    return Event(
        kind=APIKEY_REVOKED,
        at=at or datetime.now(UTC),
        subject=f"apikey:{key_id}",
        payload={"id": key_id, "reason": reason},
        actor=actor,
    )


def split_key(presented: str) -> tuple[str, str] | None:
    """``wbk_<id>_<secret>`` → (id, secret); None when it is not shaped like a key."""
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class KeyRing:
    """Keys by id, rebuilt from ``apikey.*`` events; thread-safe for the server's poller."""

    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def apply(self, ev: Event) -> None:
        """Fold one event in (idempotent: events may be seen twice)."""
        p = ev.payload
        if ev.kind == APIKEY_CREATED:
            granted = list(p.get("scopes", []))
            key = ApiKey(
                id=str(p["id"]),
                scopes=expand(granted),
                salt=str(p["salt"]),
                hash=str(p["hash"]),
                name=str(p.get("name", "")),
                created_at=ev.at,
                created_by=ev.actor,
                granted=granted,
            )
            with self._lock:
                old = self._keys.get(key.id)
                if old is not None and old.revoked_at is not None:
                    key.revoked_at = old.revoked_at
                self._keys[key.id] = key
        elif ev.kind == APIKEY_REVOKED:
            with self._lock:
                k = self._keys.get(str(p.get("id")))
                if k is not None and k.revoked_at is None:
                    k.revoked_at = ev.at

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> KeyRing:
        ring = cls()
        for ev in events:
            ring.apply(ev)
        return ring

    def verify(self, presented: str) -> ApiKey | None:
        """The active key matching ``presented`` (constant-time hash comparison), else None."""
        parts = split_key(presented)
        if parts is None:
            return None
        key = self._keys.get(parts[0])
        if key is None or key.revoked_at is not None:
            return None
        return key if hmac.compare_digest(key.hash, _digest(key.salt, parts[1])) else None

    def get(self, key_id: str) -> ApiKey | None:
        return self._keys.get(key_id)

    def all(self) -> list[ApiKey]:
        return sorted(self._keys.values(), key=lambda k: k.created_at or datetime.min.replace(tzinfo=UTC))

    def __len__(self) -> int:
        return len(self._keys)

    def active_count(self) -> int:
        return sum(1 for k in self._keys.values() if k.revoked_at is None)


def create_key(storage: Any, scopes: Sequence[str], name: str = "", actor: str = "cli") -> tuple[str, ApiKey]:
    """Mint a key and append its creation event; returns (plaintext key, its record)."""
    plain, ev = new_key(scopes, name=name, actor=actor)
    (recorded,) = storage.append_events([ev])
    ring = KeyRing()
    ring.apply(recorded)
    key = ring.get(ev.payload["id"])
    assert key is not None
    return plain, key


def load_keys(storage: Any) -> KeyRing:
    """Every key ever issued in this store, with revocations applied."""
    return KeyRing.from_events(storage.iter_events(kinds=[APIKEY_CREATED, APIKEY_REVOKED]))


def revoke_key(storage: Any, key_id: str, actor: str = "cli", reason: str = "") -> bool:
    """Append a revocation; False when no such active key exists."""
    ring = load_keys(storage)
    k = ring.get(key_id)
    if k is None or k.revoked_at is not None:
        return False
    storage.append_events([revoke_event(key_id, actor=actor, reason=reason)])
    return True
