"""Console users: scrypt password hashes stored as ``user.created`` events, roles, sessions.

Why events: the console has no table of its own; a user is created once (CLI
``wavebreak console adduser``) and the event log already gives an audit trail of who
could do what since when. Passwords are hashed with ``hashlib.scrypt`` (memory-hard,
standard library), salted per user, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

from wavebreak.core.records import Event
from wavebreak.review import events as E

ROLES = ("reviewer", "lead", "admin", "auditor", "flagger")
"""reviewer decides cases; lead also decides escalated ones; admin also registers flaggers;
auditor reads everything and changes nothing; flagger sees and files only its own notices."""
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
"""scrypt cost (OWASP minimum for interactive logins: N=2^14... 2^17; 16 MiB per hash)."""


def hash_password(password: str, salt: bytes | None = None) -> dict[str, Any]:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    return {"algo": "scrypt", "salt": salt.hex(), "hash": digest.hex(), **SCRYPT}


def verify_password(password: str, record: dict[str, Any]) -> bool:
    if record.get("algo") != "scrypt":
        return False
    digest = hashlib.scrypt(
        password.encode("utf-8"),
        salt=bytes.fromhex(record["salt"]),
        dklen=32,
        n=int(record["n"]),
        r=int(record["r"]),
        p=int(record["p"]),
    )
    return hmac.compare_digest(digest.hex(), record["hash"])


def user_event(name: str, role: str, password: str, flagger_id: str | None = None, by: str = "cli") -> Event:
    """The ``user.created`` event (a later one for the same name replaces it: password or role change)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if not name or len(password) < 8:
        raise ValueError("a user needs a name and a password of at least 8 characters")
    if role == "flagger" and not flagger_id:
        flagger_id = f"tf:{name}"
    return Event(
        E.USER_CREATED,
        datetime.now(UTC),
        f"user:{name}",
        {"name": name, "role": role, "password": hash_password(password), "flagger_id": flagger_id},
        actor=by,
    )


def add_user(storage: Any, name: str, role: str, password: str, flagger_id: str | None = None) -> None:
    """Create (or update) a console user in ``storage``'s event log."""
    storage.append_events([user_event(name, role, password, flagger_id)])
