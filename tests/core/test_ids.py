"""``id_order``: the time order in platform post ids, which storage leads its per-post keys with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wavebreak.core.ids import TID_ALPHABET, id_order, tid

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(t: datetime) -> int:
    return (t - EPOCH) // timedelta(microseconds=1)


def test_tids_decode_to_their_time_and_clock_id() -> None:
    t = datetime(2024, 7, 29, 11, 45, 7, 691473, tzinfo=UTC)
    key = tid(_micros(t), clock_id=5)
    assert len(key) == 13 and set(key) <= set(TID_ALPHABET)
    assert id_order(f"bluesky:at://did:plc:abc/app.bsky.feed.post/{key}") == (_micros(t) << 10) | 5


def test_keys_grow_with_time_whoever_the_author_is() -> None:
    """The point of the key: a later post sorts after an earlier one, although its id (which starts
    with the author's DID) may sort before it."""
    t0 = datetime(2024, 7, 29, 12, tzinfo=UTC)
    ids = [
        f"bluesky:at://did:plc:{author}/app.bsky.feed.post/{tid(_micros(t0 + timedelta(milliseconds=k)), k)}"
        for k, author in enumerate(["zzz", "mmm", "aaa"])
    ]
    assert sorted(ids) != ids
    keys = [id_order(i) for i in ids]
    assert keys == sorted(keys) and len(set(keys)) == 3


def test_snowflakes_mastodon_ids_and_sequence_numbers_are_their_own_order() -> None:
    assert id_order("x:1818672953812049920") == 1818672953812049920  # 19 digits: today's X ids
    assert id_order("mastodon:112345678901234567") == 112345678901234567
    assert id_order("demo:12") == 12 < id_order("demo:13")


def test_ids_without_an_order_get_a_stable_hash_inside_a_signed_64_bit_column() -> None:
    for pid in ["generic:free-form", "x:99999999999999999999", "generic:zzzzzzzzzzzzz", "", "generic:\udcff"]:
        key = id_order(pid)
        assert 0 <= key < 2**63 and key == id_order(pid)
    assert id_order("generic:a") != id_order("generic:b")
    assert id_order("x:9999999999999999999") < 2**63  # 19 digits over the bound: hashed, not overflowed


def test_stored_keys_are_pinned() -> None:
    """``id_order`` values live in databases: a change to any of these needs a migration that
    rewrites the column (see the module docstring), not just a new expected value here."""
    assert id_order("bluesky:at://did:plc:abc/app.bsky.feed.post/3l5zq7xk4tc2a") == 1769903861917327366
    assert (1769903861917327366 >> 10) == 1728421740153640  # 2024-10-08T21:09:00.153640Z: a TID's time
    assert id_order("x:1818672953812049920") == 1818672953812049920
    assert id_order("demo:12") == 12
    assert id_order("generic:a") == 9640311252477875
    assert id_order("generic:free-form id") == 42354963123720630
