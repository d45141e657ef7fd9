"""Credibility tracker: configurable lists, pseudo-news naming, new accounts, posting rate, links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wavebreak.core.records import Account, Post
from wavebreak.signals.credibility import CredibilityConfig, CredibilityTracker

NOW = datetime(2024, 7, 30, 12, tzinfo=UTC)


def _acct(handle: str, name: str, age_days: float, followers: int = 500, following: int = 300) -> Account:
    return Account(
        id=f"x:{handle}",
        platform="x",
        handle=handle,
        name=name,
        created_at=NOW - timedelta(days=age_days),
        followers=followers,
        following=following,
    )


def test_authority_list_by_handle() -> None:
    tracker = CredibilityTracker(CredibilityConfig(trusted_authorities={"@MerseyPolice"}))
    sig = tracker.score(_acct("merseypolice", "Merseyside Police", 4000, 300_000, 300), NOW)
    assert sig.name == "credibility"
    assert sig.label == "authority"
    assert sig.score >= 0.9
    assert sig.data is not None and sig.data["on_authority_list"] is True


@pytest.mark.parametrize(
    "name", ["Channel3 Now", "UK News 24", "Breaking Alerts", "Daily Truth", "Actu France Infos"]
)
def test_pseudo_news_naming_pattern(name: str) -> None:
    sig = CredibilityTracker().score(_acct("someone", name, 400), NOW)
    assert sig.label == "pseudo_news"
    assert sig.score < 0.35
    assert any("news outlet" in e for e in sig.explanation)


def test_news_like_name_on_trusted_domain_is_trusted() -> None:
    cfg = CredibilityConfig(trusted_domains={"bbc.co.uk"})
    acct = _acct("bbcbreaking", "BBC Breaking News", 5000, 40_000_000, 10)
    acct.url = "https://www.bbc.co.uk/news"
    sig = CredibilityTracker(cfg).score(acct, NOW)
    assert sig.label == "trusted"
    assert sig.score >= 0.85


def test_new_account() -> None:
    sig = CredibilityTracker().score(_acct("bob", "Bob", 3, followers=2, following=200), NOW)
    assert sig.label == "new_account"
    assert sig.score < 0.5
    assert sig.data is not None and sig.data["age_days"] == pytest.approx(3.0)


def test_ordinary_account() -> None:
    sig = CredibilityTracker().score(_acct("alice", "Alice", 1000), NOW)
    assert sig.label == "ordinary"
    assert 0.5 <= sig.score <= 0.9


def test_posting_rate_and_low_credibility_links_lower_score() -> None:
    cfg = CredibilityConfig(low_credibility_domains={"fabricated.example"})
    tracker = CredibilityTracker(cfg)
    acct = _acct("carol", "Carol", 1000)
    before = tracker.score(acct, NOW).score
    posts = [
        Post(
            id=f"x:{i}",
            platform="x",
            author_id=acct.id,
            created_at=NOW - timedelta(minutes=120 - i),
            urls=("https://www.fabricated.example/story",),
        )
        for i in range(120)
    ]
    tracker.observe(posts)
    sig = tracker.score(acct, NOW)
    assert sig.data is not None
    assert sig.data["rate_per_hour"] > 30
    assert sig.data["low_cred_link_share"] == 1.0
    assert sig.score < before
    assert sig.label == "low_credibility"


def test_config_load_yaml(tmp_path: Path) -> None:
    p = tmp_path / "lists.yaml"
    p.write_text(
        "trusted_authorities: ['@Police']\npseudo_news: ['x:99']\nlow_credibility_domains: ['www.bad.example']\n"
    )
    cfg = CredibilityConfig.load(p)
    assert cfg.trusted_authorities == {"police"}
    assert cfg.pseudo_news == {"x:99"}
    assert cfg.low_credibility_domains == {"bad.example"}
    assert CredibilityConfig.load().trusted_authorities == set()  # shipped default is empty
    bad = tmp_path / "bad.yaml"
    bad.write_text("trusted: []\n")
    with pytest.raises(ValueError):
        CredibilityConfig.load(bad)


def test_pseudo_news_list_overrides() -> None:
    tracker = CredibilityTracker(CredibilityConfig(pseudo_news={"x:plain"}))
    sig = tracker.score(_acct("plain", "Plain Name", 3000, 100_000, 10), NOW)
    assert sig.label == "pseudo_news"
    assert sig.score <= 0.15
