"""The time order hidden in platform post ids, as one 63-bit integer.

Why it exists: storage keys every table that holds one row per post on ``(id_order, id)``
instead of ``id`` alone. A post id such as ``bluesky:at://did:plc:…/app.bsky.feed.post/3l…``
starts with the author, so an index on the id alone takes each new post at a random place:
with one commit per micro-batch that dirties about one 4 KiB index page per post, written to
the write-ahead log and again at checkpoint, and the cost grows with the table (measured on
SQLite, batches of 2,048 posts of ~400 bytes: 27 µs a post at 200k posts, 41 µs at 1M).
Every platform Wavebreak reads already puts the time in the id: Bluesky record keys are TIDs
(microseconds since 1970 and a clock id, base32-sortable), X ids are Snowflakes (milliseconds
in the top bits), Mastodon ids are milliseconds shifted left by 16 bits, and the demo numbers
its posts in time order. Led by that number, new posts land at the right edge of the index
and a batch touches a few pages (10 µs a post at both sizes, same measurement).

The key is a function of the id alone, so a lookup by id computes it too; uniqueness is still
the id's (the pair is unique exactly when the id is). Ids with no recognisable order (generic
sources with free-form ids) get a 56-bit hash of the id: they land at random places, as every
id did before, and a key still picks out about one row, so ``id_order IN (…) AND id IN (…)``
stays a handful of index seeks. Keys of different platforms are not comparable in time; they
only need to grow within one platform's stream.

The keys are stored: changing what this function returns for an id already in a database makes
that row unfindable by id, so any change needs a migration that rewrites ``id_order`` (golden
values are pinned in ``tests/core/test_ids.py``).
"""

from __future__ import annotations

from functools import lru_cache
from hashlib import blake2b

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
"""The base32-sortable alphabet of AT Protocol TIDs (atproto.com/specs/tid)."""

_TID_LEN = 13
_BASE32_DIGITS = "0123456789abcdefghijklmnopqrstuv"
_TO_BASE32 = bytes(
    # a TID character → the digit int(·, 32) reads for it; any other byte → "!", which int() refuses
    ord(_BASE32_DIGITS[TID_ALPHABET.index(chr(b))]) if chr(b) in TID_ALPHABET else ord("!")
    for b in range(256)
)
_LIMIT = 1 << 63  # a signed 64-bit column's bound; a TID's top bit is always 0
_MAX_DIGITS = 19  # today's X Snowflakes have 19 digits


@lru_cache(maxsize=16_384)
def id_order(post_id: str) -> int:
    """The time-ordered key of a post id: its numeric tail or decoded TID, else a hash of the id.

    The tail is what follows the id's last ``/`` or ``:`` (the record key of an AT-URI, the
    number of ``x:…``, ``mastodon:…`` or ``demo:…``). Always in ``[0, 2**63)``. Hot on the
    recording path, hence the byte-table decode rather than a regex (~1 µs, not 2.5), and the
    cache: one batch keys each post's row in posts, signals and post_narratives (~2.2 calls a post).
    """
    tail = post_id.rpartition("/")[2].rpartition(":")[2]
    try:
        if tail.isdigit() and len(tail) <= _MAX_DIGITS:
            value = int(tail)  # "²" raises (hashed below); other Unicode digits parse: harmless
        elif len(tail) == _TID_LEN:
            value = int(tail.encode("ascii").translate(_TO_BASE32), 32)
        else:
            return _hashed(post_id)
    except (ValueError, UnicodeEncodeError):
        return _hashed(post_id)
    return value if value < _LIMIT else _hashed(post_id)


def _hashed(post_id: str) -> int:
    return int.from_bytes(blake2b(post_id.encode("utf-8", "surrogatepass"), digest_size=7).digest(), "big")


def tid(micros: int, clock_id: int = 0) -> str:
    """An AT Protocol TID for a time in microseconds since 1970 and a 10-bit clock id.

    Used by the Jetstream writer to give records real-shaped, time-ordered record keys.
    """
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    return "".join(TID_ALPHABET[(value >> (5 * i)) & 31] for i in range(_TID_LEN - 1, -1, -1))
