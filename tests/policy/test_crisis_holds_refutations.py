"""Crisis lifecycle and expiry, legal-hold matching, the refutation registry; all rebuildable from events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from wavebreak.core.records import AuthorityStatement, LegalHold, Narrative, NarrativeStatus
from wavebreak.policy.crisis import CrisisManager
from wavebreak.policy.holds import HoldRegistry
from wavebreak.policy.refutations import RefutationRegistry, TfidfClaimMatcher

from .helpers import T0


def test_crisis_lifecycle_events_and_expiry() -> None:
    m = CrisisManager()
    c, ev = m.propose(
        "Southport", T0, terms=["southport"], regions=["gb"], languages=["EN"], duration=timedelta(days=7)
    )
    assert ev.kind == "crisis.proposed" and not m.active(T0) and m.pending() == [c]
    assert c.regions == ("GB",) and c.languages == ("en",)
    e2 = m.confirm(c.id, "duty-officer", T0)
    assert e2.kind == "crisis.confirmed" and m.active(T0 + timedelta(days=1)) == [c]
    assert m.covering(T0, "Riot in SOUTHPORT tonight", "GB", "en") is c
    assert m.covering(T0, "riot in leeds", "GB", "en") is None
    assert m.covering(T0, "southport", "FR", "en") is None
    assert m.covering(T0, "southport", None, None) is c  # unknown region/language: terms decide
    # expires by itself
    assert not m.active(T0 + timedelta(days=7, seconds=1))
    assert [e.kind for e in m.expire(T0 + timedelta(days=8))] == ["crisis.ended"]
    with pytest.raises(ValueError, match="ended"):
        m.renew(c.id, "duty", T0 + timedelta(days=8))


def test_crisis_max_three_months_and_renewal() -> None:
    m = CrisisManager()
    with pytest.raises(ValueError, match="at most 90"):
        m.declare("x", T0, by="lead", duration=timedelta(days=91))
    c, evs = m.declare("x", T0, by="lead", duration=timedelta(days=90))
    assert [e.kind for e in evs] == ["crisis.proposed", "crisis.confirmed"]
    later = T0 + timedelta(days=80)
    ev = m.renew(c.id, "lead", later, timedelta(days=30))
    assert ev.kind == "crisis.renewed" and c.expires_at == later + timedelta(days=30)
    with pytest.raises(ValueError):
        m.renew(c.id, "lead", later, timedelta(days=120))
    end = m.end(c.id, "lead", later + timedelta(days=1), "calm")
    assert end.payload["reason"] == "calm" and not m.active(later + timedelta(days=2))


def test_crisis_manager_rebuilds_from_events() -> None:
    m = CrisisManager()
    c, evs = m.declare("x", T0, by="lead", terms=["southport"])
    evs.append(m.renew(c.id, "lead", T0 + timedelta(days=3), timedelta(days=10)))
    m2 = CrisisManager.from_events(evs)
    c2 = m2.get(c.id)
    assert c2 is not None and c2.confirmed and c2.expires_at == c.expires_at and c2.terms == ("southport",)
    _, e = m2.propose("y", T0, by="wavebreak")
    assert e.subject != c.id  # ids stay unique after a rebuild


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("AXEL RUDAKUBANA", True),
        ("Äxel Rudakubana", True),
        ("4x3l rudakubana", True),
        ("#AxelRudakubana trending", True),
        ("axelrudakubana", True),
        ("Rudakubana's family", True),
        ("r u d a k u b a n a", True),
        ("Rudakubana-san", True),
        ("the rudakubanas", True),
        ("rudakubanaville", False),
        ("axel foley", False),
    ],
)
def test_hold_matches_variants(text: str, hit: bool) -> None:
    reg = HoldRegistry([LegalHold("h", "order", ("Axel Rudakubana", "Rudakubana"), ("GB",), "s.45", T0)])
    assert (reg.match([text]) == [["h"]]) is hit


def test_hold_time_window_jurisdiction_and_events() -> None:
    reg = HoldRegistry()
    ev = reg.add(LegalHold("h1", "o", ("Jane Doe",), ("GB", "IE"), "basis", T0))
    reg.add(LegalHold("h2", "o2", ("John Roe",), ("FR",), "basis2", T0 + timedelta(days=1)))
    assert reg.match(["jane doe and john roe"], T0) == [["h1"]]
    assert reg.match(["jane doe and john roe"], T0 + timedelta(days=2)) == [["h1", "h2"]]
    assert reg.jurisdictions(["h1", "h2"]) == ("FR", "GB", "IE")
    assert reg.application(["h1"])[0]["legal_basis"] == "basis"
    end = reg.end("h1", T0 + timedelta(days=3))
    assert reg.match(["jane doe"], T0 + timedelta(days=4)) == [[]]
    rebuilt = HoldRegistry.from_events([ev, end])
    assert rebuilt.match(["jane doe"], T0 + timedelta(hours=1)) == [["h1"]]
    assert rebuilt.match(["jane doe"], T0 + timedelta(days=4)) == [[]]
    with pytest.raises(ValueError, match="shorter"):
        reg.add(LegalHold("h3", "o", ("Al",), ("GB",), "b", T0))


def test_refutation_registry_marks_narratives_and_rebuilds() -> None:
    reg = RefutationRegistry(TfidfClaimMatcher())
    ev = reg.add(
        AuthorityStatement(
            "st1",
            T0,
            "Merseyside Police",
            "The 17-year-old suspect was born in Cardiff. "
            "Reports that he is an asylum seeker who arrived by boat are false.",
            claim="suspect is an asylum seeker who arrived by boat",
        )
    )
    n1 = Narrative(
        "n1", "attacker asylum seeker arrived by boat", T0, T0, keywords=["asylum", "boat", "suspect"]
    )
    n2 = Narrative("n2", "football transfer rumours", T0, T0, keywords=["transfer", "striker"])
    hits = reg.match_narratives([n1, n2])
    assert [(n.id, sid) for n, sid, _ in hits] == [("n1", "st1")]
    assert (
        n1.status == NarrativeStatus.REFUTED
        and n1.refuted_by == ["st1"]
        and n2.status != NarrativeStatus.REFUTED
    )
    # a statement is not used before it exists
    n3 = Narrative("n3", "suspect asylum seeker boat", T0, T0)
    assert reg.match_narratives([n3], at=T0 - timedelta(hours=1)) == []
    d = reg.context_decision(n1, "st1", hits[0][2], T0, "dec-x")
    assert d.item_action.slug == "context_note" and d.facts["statement_id"] == "st1"
    again = RefutationRegistry.from_events([ev], matcher=TfidfClaimMatcher())
    assert again.get("st1") is not None and len(again) == 1
