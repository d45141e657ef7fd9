"""Deterministic generator of the Marlowe Bay crisis stream (a fictional Southport-like case).

How it works, and why:

1. **Plan (numpy, vectorised).** Every post is first a row in a few arrays:
   time, author, *family* (what kind of post it is: an original false claim,
   a repost of the police statement, a goal tweet...), language and parent.
   Times are sampled per family from a per-minute intensity curve that tells
   the story (claim at T+1h, pseudo-news at T+3h, megaphone at T+4h, police
   refutation at T+21h...) times a UK diurnal curve. Authors are drawn from
   role pools with heavy-tailed activity; parents are picked by preferential
   attachment on follower counts among *earlier* posts of the right families
   (so cascades are causal), with fixed shares routed to the key posts.
   Ground truth is derived from the plan, never from the rendered text.
2. **Render (lazily).** ``Scenario.posts()`` walks the plan in time order and
   renders each text from the template bank with one seeded ``random.Random``,
   so iteration is deterministic, repeatable and needs memory only for the
   texts of posts that are reposted later.

Everything is reproducible from ``ScenarioConfig`` alone: numpy's PCG64 and
Python's Mersenne Twister are both stable across platforms for a given seed,
and nothing iterates over an unordered set.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import numpy as np

from wavebreak.core.records import (
    Account,
    AccountKind,
    AuthorityStatement,
    Crisis,
    LegalHold,
    Platform,
    Post,
    PostKind,
    PublicMetrics,
)
from wavebreak.scenario import templates as tp
from wavebreak.scenario.model import ScenarioConfig, ScenarioFacts, Truth

PLATFORM = Platform.DEMO.value
STORY_HOURS = 36.0
"""Length of the reference story; ``ScenarioConfig.hours`` rescales every story time by hours/36."""
MINUTES = int(STORY_HOURS * 60)

ACCOUNTS_AT_SCALE_1 = 50_000
"""About 50k accounts at scale 1, as in the brief (the special actors come on top)."""
MIN_PERSONS = 400
"""Below this a small-scale stream has too few distinct authors for the distinct-account invariants."""

# Key story times, in story hours after T+0 (the attack is ATTACK_BEFORE_MIN minutes before T+0).
ATTACK_BEFORE_MIN = 15
H_ORIGIN = 1.12
H_PSEUDO = 3.05
H_MEGA = 4.02
H_INCITE = 6.10
H_INCITE_BIG = (7.0, 9.5, 29.8)
H_REFUTE = 21.0
H_LEAK = 26.0

FR_SHARE_FALSE_CLAIM = 0.15
"""Share of false-claim traffic in French, as the brief asks (the wave crossed the Channel)."""

# --------------------------------------------------------------------------- families


@dataclass(frozen=True)
class Family:
    """One kind of post: its narrative, structure, labels and where its parent comes from."""

    key: str
    narrative: str
    kind: PostKind = PostKind.POST
    template: str | None = None  # None: a repost (text is "RT @parent: parent text")
    supports: bool = False
    refutes: bool = False
    incitement: bool = False
    hate: bool = False
    query: bool = False
    stance: str | None = None
    parents: tuple[str, ...] = ()
    boosts: tuple[tuple[str, float], ...] = ()  # (single key post family, share of children routed to it)
    fallback: str | None = None  # original family used when no parent exists yet
    mood: str = "fun"
    noisy: bool = True


_FC_SRC = ("fc_origin", "fc_pseudo", "fc_mega", "fc_orig", "fc_hate")
_FC_BOOST = (("fc_mega", 0.22), ("fc_pseudo", 0.06), ("fc_origin", 0.02))
_IN_SRC = ("in_main", "in_big", "in_orig")

FAMILIES: tuple[Family, ...] = (
    # ---- false claim
    Family(
        "fc_origin",
        "false_claim",
        template="fc_origin",
        supports=True,
        hate=False,
        stance="support",
        mood="angry",
        noisy=False,
    ),
    Family("fc_pseudo", "false_claim", template="fc_pseudo", supports=True, stance="support", noisy=False),
    Family(
        "fc_mega",
        "false_claim",
        PostKind.QUOTE,
        "fc_mega",
        supports=True,
        stance="support",
        parents=("fc_pseudo",),
        noisy=False,
    ),
    Family("fc_orig", "false_claim", template="fc_orig", supports=True, stance="support", mood="angry"),
    Family(
        "fc_quote",
        "false_claim",
        PostKind.QUOTE,
        "fc_quote",
        supports=True,
        stance="support",
        parents=_FC_SRC,
        boosts=_FC_BOOST,
        fallback="fc_orig",
        mood="angry",
    ),
    Family(
        "fc_repost",
        "false_claim",
        PostKind.REPOST,
        None,
        parents=_FC_SRC,
        boosts=_FC_BOOST,
        fallback="fc_orig",
    ),
    Family(
        "fc_reply",
        "false_claim",
        PostKind.REPLY,
        "fc_reply",
        supports=True,
        stance="support",
        parents=_FC_SRC,
        boosts=_FC_BOOST,
        fallback="fc_orig",
        mood="angry",
    ),
    Family("fc_query", "false_claim", template="fc_query", query=True, stance="query", mood="calm"),
    Family(
        "fc_hate", "false_claim", template="fc_hate", supports=True, hate=True, stance="support", mood="angry"
    ),
    Family(
        "fc_coord_text", "false_claim", template="fc_coord_text", supports=True, stance="support", noisy=False
    ),
    Family(
        "fc_coord_link", "false_claim", template="fc_coord_link", supports=True, stance="support", noisy=False
    ),
    Family("fc_coord_rt", "false_claim", PostKind.REPOST, None, parents=("fc_mega",)),
    # ---- refutation
    Family("rf_auth", "refutation", template="rf_auth", refutes=True, stance="deny", noisy=False),
    Family("rf_early", "refutation", template="rf_early", refutes=True, stance="deny", mood="calm"),
    Family("rf_named", "refutation", template="rf_named", refutes=True, stance="deny", mood="calm"),
    Family("rf_plain", "refutation", template="rf_plain", refutes=True, stance="deny", mood="calm"),
    Family("rf_news", "refutation", template="rf_news", refutes=True, stance="deny", noisy=False),
    Family(
        "rf_repost",
        "refutation",
        PostKind.REPOST,
        None,
        parents=("rf_auth", "rf_early", "rf_named", "rf_plain", "rf_news"),
        boosts=(("rf_auth", 0.45),),
        fallback="rf_plain",
    ),
    Family(
        "rf_quote",
        "refutation",
        PostKind.QUOTE,
        "rf_quote",
        refutes=True,
        stance="deny",
        parents=("rf_auth", "rf_news", "fc_mega", "fc_orig"),
        boosts=(("rf_auth", 0.3), ("fc_mega", 0.15)),
        fallback="rf_plain",
        mood="calm",
    ),
    Family(
        "rf_reply",
        "refutation",
        PostKind.REPLY,
        "rf_reply",
        refutes=True,
        stance="deny",
        parents=_FC_SRC,
        boosts=(("fc_mega", 0.2),),
        fallback="rf_plain",
        mood="calm",
    ),
    # ---- incitement (every post here attacks a religious group / asylum seekers, so also hate)
    Family("in_main", "incitement", template="in_main", incitement=True, hate=True, noisy=False),
    Family("in_big", "incitement", template="in_big", incitement=True, hate=True, noisy=False),
    Family("in_orig", "incitement", template="in_orig", incitement=True, hate=True, mood="angry"),
    Family(
        "in_repost",
        "incitement",
        PostKind.REPOST,
        None,
        parents=_IN_SRC,
        boosts=(("in_main", 0.5),),
        fallback="in_orig",
    ),
    Family(
        "in_reply",
        "incitement",
        PostKind.REPLY,
        "in_reply",
        incitement=True,
        hate=True,
        parents=_IN_SRC,
        boosts=(("in_main", 0.5),),
        fallback="in_orig",
        mood="angry",
    ),
    Family("in_coord_rt", "incitement", PostKind.REPOST, None, parents=("in_main",)),
    # ---- leak of the minor's real name (protected)
    Family("lk_orig", "minor_name_leak", template="lk_orig", stance="comment", mood="angry"),
    Family("lk_refute", "minor_name_leak", template="lk_refute", refutes=True, stance="deny"),
    Family(
        "lk_repost",
        "minor_name_leak",
        PostKind.REPOST,
        None,
        parents=("lk_orig", "lk_refute"),
        fallback="lk_orig",
    ),
    # ---- background
    Family("news_attack", "background:news", template="news_attack", mood="calm"),
    Family("news_gen", "background:news", template="news_gen", mood="news"),
    Family(
        "news_repost",
        "background:news",
        PostKind.REPOST,
        None,
        parents=("news_attack", "news_gen"),
        fallback="news_gen",
    ),
    Family("sport_orig", "background:sport", template="sport_orig"),
    Family("sport_goal", "background:sport", template="sport_goal"),
    Family(
        "sport_repost",
        "background:sport",
        PostKind.REPOST,
        None,
        parents=("sport_orig", "sport_goal"),
        fallback="sport_orig",
    ),
    Family(
        "sport_reply",
        "background:sport",
        PostKind.REPLY,
        "chat_reply",
        parents=("sport_orig", "sport_goal"),
        fallback="sport_orig",
    ),
    Family("wx_orig", "background:weather", template="wx_orig"),
    Family(
        "wx_repost", "background:weather", PostKind.REPOST, None, parents=("wx_orig",), fallback="wx_orig"
    ),
    Family("conc_orig", "background:concert", template="conc_orig"),
    Family(
        "conc_repost",
        "background:concert",
        PostKind.REPOST,
        None,
        parents=("conc_orig",),
        fallback="conc_orig",
    ),
    Family("prod_orig", "background:product", template="prod_orig"),
    Family(
        "prod_repost",
        "background:product",
        PostKind.REPOST,
        None,
        parents=("prod_orig",),
        fallback="prod_orig",
    ),
    # ---- chatter (benign, including benign mentions of Muslims, migrants, Jews, Black people)
    Family("chat_orig", "chatter", template="chat_orig"),
    Family("chat_group", "chatter", template="chat_group", mood="calm"),
    Family("chat_vigil", "chatter", template="chat_vigil", mood="calm"),
    Family(
        "chat_reply",
        "chatter",
        PostKind.REPLY,
        "chat_reply",
        parents=("chat_orig", "chat_group"),
        fallback="chat_orig",
    ),
    Family(
        "chat_counter",
        "chatter",
        PostKind.REPLY,
        "chat_counter",
        parents=_IN_SRC,
        boosts=(("in_main", 0.4),),
        fallback="chat_vigil",
        mood="calm",
    ),
)
FAM_INDEX: dict[str, int] = {f.key: i for i, f in enumerate(FAMILIES)}
SINGLE_POST_FAMILIES = ("fc_origin", "fc_pseudo", "fc_mega", "rf_auth", "in_main")

# Volume plan at scale 1: family -> (posts, minimum at any scale, French share, author pool, outlet share)
VOLUMES: dict[str, tuple[int, int, float, str, float]] = {
    "fc_orig": (9_000, 40, FR_SHARE_FALSE_CLAIM, "believers", 0.0),
    "fc_quote": (5_000, 20, FR_SHARE_FALSE_CLAIM, "believers", 0.0),
    "fc_repost": (18_500, 60, FR_SHARE_FALSE_CLAIM, "believers", 0.0),
    "fc_reply": (4_500, 15, FR_SHARE_FALSE_CLAIM, "believers", 0.0),
    "fc_query": (2_000, 8, FR_SHARE_FALSE_CLAIM, "believers", 0.0),
    "fc_hate": (1_800, 8, FR_SHARE_FALSE_CLAIM, "haters", 0.0),
    "rf_early": (900, 6, 0.12, "refuters", 0.05),
    "rf_named": (6_000, 20, 0.12, "refuters", 0.0),
    "rf_plain": (3_000, 10, 0.12, "refuters", 0.0),
    "rf_news": (150, 3, 0.12, "outlets", 1.0),
    "rf_repost": (6_500, 20, 0.12, "refuters", 0.0),
    "rf_quote": (1_200, 5, 0.12, "refuters", 0.0),
    "rf_reply": (2_500, 8, 0.12, "refuters", 0.0),
    "in_orig": (900, 12, 0.08, "haters", 0.0),
    "in_repost": (2_600, 15, 0.08, "believers", 0.0),
    "in_reply": (900, 6, 0.08, "haters", 0.0),
    "lk_orig": (150, 6, 0.05, "all", 0.0),
    "lk_refute": (60, 3, 0.05, "all", 0.0),
    "lk_repost": (150, 4, 0.05, "all", 0.0),
    "news_attack": (9_000, 30, 0.10, "all", 0.25),
    "news_gen": (7_000, 25, 0.10, "all", 0.35),
    "news_repost": (4_000, 15, 0.10, "all", 0.0),
    "sport_orig": (7_000, 25, 0.05, "all", 0.02),
    "sport_goal": (4_500, 20, 0.05, "all", 0.0),
    "sport_repost": (2_000, 8, 0.05, "all", 0.0),
    "sport_reply": (1_500, 6, 0.05, "all", 0.0),
    "wx_orig": (7_000, 25, 0.10, "all", 0.03),
    "wx_repost": (3_000, 10, 0.10, "all", 0.0),
    "conc_orig": (6_000, 20, 0.0, "all", 0.01),
    "conc_repost": (2_000, 8, 0.0, "all", 0.0),
    "prod_orig": (4_500, 15, 0.0, "all", 0.02),
    "prod_repost": (1_500, 6, 0.0, "all", 0.0),
    "chat_orig": (52_000, 150, 0.12, "all", 0.0),
    "chat_group": (5_000, 20, 0.12, "all", 0.0),
    "chat_vigil": (9_000, 30, 0.12, "all", 0.0),
    "chat_reply": (8_000, 25, 0.12, "all", 0.0),
    "chat_counter": (1_200, 6, 0.05, "refuters", 0.0),
}

# Coordinated bursts: (story hour, family). Each member of the cluster posts within seconds.
BURSTS: tuple[tuple[float, str], ...] = (
    (4.60, "fc_coord_text"),
    (6.30, "fc_coord_link"),
    (7.20, "in_coord_rt"),
    (8.10, "fc_coord_rt"),
    (10.70, "fc_coord_text"),
    (14.20, "fc_coord_link"),
    (18.50, "fc_coord_text"),
    (30.20, "in_coord_rt"),
)
BURST_PARTICIPATION = 0.9
"""Share of the cluster taking part in each burst: real clusters are never perfectly synchronous."""
BURST_MEAN_DELAY_S = 6.0
"""Mean delay of a member after the burst's start: 'within seconds of each other'."""

# --------------------------------------------------------------------------- special accounts


@dataclass(frozen=True)
class _Special:
    role: str
    name: str
    handle: str
    kind: AccountKind
    followers: int
    created: tuple[int, int, int] | int  # a date, or days before the stream starts
    region: str
    description: str
    verified: bool = False
    url: str = ""
    fr: bool = False


SPECIALS: tuple[_Special, ...] = (
    _Special(
        "authority",
        tp.POLICE_NAME,
        tp.POLICE_HANDLE,
        AccountKind.AUTHORITY,
        412_000,
        (2010, 3, 2),
        "GB",
        "Official account of Westmarsh Police. Do not report crime here. In an emergency call 999.",
        True,
        "https://westmarsh.police.example",
    ),
    _Special(
        "origin",
        tp.ORIGIN_NAME,
        tp.ORIGIN_HANDLE,
        AccountKind.PERSON,
        4_300,
        (2021, 11, 8),
        "GB",
        "Mum of three. Says what others won't. No DMs.",
        False,
    ),
    _Special(
        "pseudo_news",
        tp.PSEUDO_NEWS_NAME,
        tp.PSEUDO_NEWS_HANDLE,
        AccountKind.NEWS,
        11_800,
        96,
        "GB",
        "Breaking news from across the UK and beyond. Independent. Unfiltered. News they won't show you.",
        True,
        f"https://{tp.PSEUDO_NEWS_DOMAIN}",
    ),
    _Special(
        "megaphone",
        tp.MEGAPHONE_NAME,
        tp.MEGAPHONE_HANDLE,
        AccountKind.PERSON,
        2_800_000,
        (2014, 6, 19),
        "GB",
        "Free speech. No apologies. Watch my shows on the link below.",
        True,
        "https://daxharrow.example",
    ),
    _Special(
        "incitement",
        tp.INCITER_NAME,
        tp.INCITER_HANDLE,
        AccountKind.ORGANISATION,
        500_000,
        (2019, 9, 1),
        "GB",
        "Defending our towns and our children. Patriots only.",
        True,
    ),
    _Special(
        "outlet",
        "Coastal Herald",
        "CoastalHerald",
        AccountKind.NEWS,
        1_200_000,
        (2009, 5, 4),
        "GB",
        "News from the coast since 1887.",
        True,
        "https://coastalherald.example",
    ),
    _Special(
        "outlet",
        "The National Ledger",
        "NationalLedger",
        AccountKind.NEWS,
        2_100_000,
        (2008, 2, 11),
        "GB",
        "Independent national news.",
        True,
        "https://nationalledger.example",
    ),
    _Special(
        "outlet",
        "Morning Wire",
        "MorningWireNews",
        AccountKind.NEWS,
        900_000,
        (2010, 8, 30),
        "US",
        "World news, every morning.",
        True,
        "https://morningwire.example",
    ),
    _Special(
        "outlet",
        "Le Courrier du Nord",
        "CourrierDuNord",
        AccountKind.NEWS,
        600_000,
        (2011, 1, 17),
        "FR",
        "L'actualité en continu.",
        True,
        "https://courrierdunord.example",
        True,
    ),
    _Special(
        "outlet",
        "Harbour FM",
        "HarbourFM",
        AccountKind.NEWS,
        45_000,
        (2012, 4, 2),
        "GB",
        "Local radio for Marlowe Bay and the coast.",
        True,
        "https://harbourfm.example",
    ),
    _Special(
        "weather",
        "National Weather Desk",
        "WeatherDeskUK",
        AccountKind.ORGANISATION,
        800_000,
        (2011, 10, 5),
        "GB",
        "Forecasts and warnings.",
        True,
        "https://weatherdesk.example",
    ),
    _Special(
        "club",
        "Kingsport United FC",
        "KingsportUtd",
        AccountKind.ORGANISATION,
        1_500_000,
        (2010, 1, 9),
        "GB",
        "Official account of Kingsport United.",
        True,
        "https://kingsportunited.example",
    ),
    _Special(
        "artist",
        "Nova Lark",
        "novalark",
        AccountKind.PERSON,
        3_000_000,
        (2015, 7, 7),
        "GB",
        "new album out now. tour tickets below",
        True,
        "https://novalark.example",
    ),
    _Special(
        "brand",
        "Pixelwave",
        "Pixelwave",
        AccountKind.ORGANISATION,
        2_500_000,
        (2012, 3, 3),
        "US",
        "Phones that fold. Ideas that don't.",
        True,
        "https://pixelwave.example",
    ),
    _Special(
        "factcheck",
        "ClearCheck UK",
        "ClearCheckUK",
        AccountKind.ORGANISATION,
        150_000,
        (2016, 5, 5),
        "GB",
        "Independent fact-checking charity.",
        True,
        "https://clearcheck.example",
    ),
    _Special(
        "inciter_mid",
        "Tommy Vane",
        "tommy_vane_speaks",
        AccountKind.PERSON,
        85_000,
        (2020, 2, 2),
        "GB",
        "Patriot. Dad. Banned twice.",
        False,
    ),
    _Special(
        "inciter_mid",
        "Gary Pike",
        "garypike_england",
        AccountKind.PERSON,
        120_000,
        (2021, 6, 6),
        "GB",
        "England first.",
        True,
    ),
    _Special(
        "inciter_mid",
        "Truth Tribune UK",
        "TruthTribuneUK",
        AccountKind.PERSON,
        150_000,
        (2022, 9, 9),
        "GB",
        "The news they hide.",
        False,
    ),
)

OUTLET_DOMAINS: tuple[str, ...] = (
    "coastalherald.example",
    "nationalledger.example",
    "morningwire.example",
    "harbourfm.example",
)
OUTLET_DOMAINS_FR: tuple[str, ...] = ("courrierdunord.example",)

EN_REGIONS = np.array(["GB", "IE", "US", "AU", "CA"])
EN_REGION_P = np.array([0.80, 0.07, 0.09, 0.02, 0.02])
FR_REGIONS = np.array(["FR", "BE", "CA"])
FR_REGION_P = np.array([0.82, 0.10, 0.08])
FR_ACCOUNT_SHARE = 0.12
"""Share of ordinary accounts that write in French (mostly in France): the wave crossed the Channel."""
BELIEVER_SHARE = 0.62
HATER_SHARE = 0.03
REFUTER_SHARE = 0.40


# --------------------------------------------------------------------------- timeline


def _sig(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _gauss(h: np.ndarray, mu: float, sd: float) -> np.ndarray:
    return np.exp(-0.5 * ((h - mu) / sd) ** 2)


def intensities() -> dict[str, np.ndarray]:
    """Per-story-minute posting intensity of each sampled family (unnormalised).

    The shapes carry the story: a false claim that crawls for three hours,
    explodes once the megaphone cites the pseudo-news article, keeps going
    overnight at a lower rate and collapses after the police statement at
    T+21h; refutations that spike at T+21h; incitement from T+6h with a second
    wave on the evening of day 2; a derby with goal bursts; a storm; a
    concert; a product launch; and a UK diurnal rhythm under everything.
    """
    h = (np.arange(MINUTES) + 0.5) / 60.0
    local = (11.75 + 1.0 + h) % 24.0  # BST = UTC+1
    diurnal = 0.55 + 0.45 * np.cos(2 * np.pi * (local - 20.0) / 24.0)
    after = lambda x: (h >= x).astype(float)  # noqa: E731

    fc = after(H_ORIGIN + 0.05) * (
        0.03 + 0.05 * after(H_PSEUDO) + _sig((h - 6.0) / 0.9) * np.exp(-np.clip(h - 11.0, 0, None) / 22.0)
    )
    fc *= np.where(h > H_REFUTE, np.maximum(0.12, np.exp(-(h - H_REFUTE) / 2.5)), 1.0)
    rf_before = 0.035 * after(2.5) * (0.3 + _sig((h - 9.0) / 2.0))
    rf_after = after(H_REFUTE + 0.02) * (np.exp(-(h - H_REFUTE) / 5.0) + 0.18)
    incite = after(H_INCITE + 0.03) * (
        _sig((h - 7.2) / 0.7) * np.exp(-np.clip(h - 8.0, 0, None) / 7.0) + 0.7 * _gauss(h, 30.5, 1.4)
    )
    leak = after(H_LEAK) * _sig((h - H_LEAK - 0.8) / 0.6) * np.exp(-np.clip(h - H_LEAK - 2, 0, None) / 8.0)
    attack_news = np.exp(-h / 4.0) + 0.2 + 0.7 * _gauss(h, H_REFUTE + 0.6, 0.8) + 0.3 * _gauss(h, 30.5, 1.5)
    goals = sum(_gauss(h, g, 0.035) for g in (7.40, 8.05, 8.60))
    match = 0.15 + after(5.5) * _sig((h - 6.5) / 0.4) * np.where(h < 9.2, 1.6, np.exp(-(h - 9.2) / 0.6))
    storm = 0.1 + 2.0 * _gauss(h, 25.0, 3.0)
    concert = 0.05 + 1.2 * _gauss(h, 9.2, 0.8) + 1.5 * _gauss(h, 10.1, 0.15)
    product = 0.03 + after(22.25) * (0.3 + 3.0 * np.exp(-(h - 22.25) / 1.5))
    vigil = 0.6 * np.exp(-h / 8.0) + 0.8 * _gauss(h, 8.0, 1.0) + 0.1

    curves: dict[str, np.ndarray] = {
        "fc_orig": fc,
        "fc_quote": fc * after(H_PSEUDO),
        "fc_repost": fc * (0.3 + after(H_MEGA)),
        "fc_reply": fc,
        "fc_query": fc * (1.0 + 0.5 * after(14.0)),
        "fc_hate": fc * after(H_PSEUDO),
        "rf_early": rf_before * (h < H_REFUTE),
        "rf_named": rf_after + rf_before,
        "rf_plain": rf_after,
        "rf_news": rf_after * np.exp(-np.clip(h - H_REFUTE - 1, 0, None) / 2.0),
        "rf_repost": rf_after,
        "rf_quote": rf_after,
        "rf_reply": rf_after + 2 * rf_before,
        "in_orig": incite,
        "in_repost": incite,
        "in_reply": incite,
        "lk_orig": leak,
        "lk_refute": leak,
        "lk_repost": leak * after(H_LEAK + 0.5),
        "news_attack": attack_news,
        "news_gen": np.ones_like(h),
        "news_repost": attack_news + 0.5,
        "sport_orig": match,
        "sport_goal": goals * 12 + 0.002,
        "sport_repost": match + goals * 5,
        "sport_reply": match + goals * 5,
        "wx_orig": storm,
        "wx_repost": storm,
        "conc_orig": concert,
        "conc_repost": concert,
        "prod_orig": product,
        "prod_repost": product,
        "chat_orig": np.ones_like(h),
        "chat_group": np.ones_like(h),
        "chat_vigil": vigil,
        "chat_reply": np.ones_like(h),
        "chat_counter": incite * after(H_INCITE + 0.2),
    }
    return {k: v * diurnal for k, v in curves.items()}


# --------------------------------------------------------------------------- plan


@dataclass
class _Plan:
    """The whole stream as arrays, in created_at order (row i is post ``demo:<i+1>``)."""

    t: np.ndarray  # seconds since start, float64
    fam: np.ndarray  # int16 index into FAMILIES
    lang: np.ndarray  # int8: 0 en, 1 fr
    author: np.ndarray  # int32 index into accounts
    parent: np.ndarray  # int32 row of the parent, -1 for originals
    burst: np.ndarray  # int16 burst number, -1 outside bursts
    views: np.ndarray  # int64
    likes: np.ndarray
    reposts: np.ndarray
    replies: np.ndarray
    quotes: np.ndarray


def _weighted_draw(
    rng: np.random.Generator, pool: np.ndarray, weight: np.ndarray, n: int, distinct: int = 0
) -> np.ndarray:
    """Draw ``n`` authors from ``pool`` by activity ``weight``; the first ``distinct`` are all different.

    Why the distinct part: the story needs the false name said by >18k distinct
    accounts by T+22h; a plain weighted draw over heavy-tailed activity would
    concentrate posts on fewer accounts. Distinct authors are an
    Efraimidis-Spirakis weighted sample without replacement (vectorised); the
    rest are drawn with replacement; the result is shuffled across posts.
    """
    if n <= 0 or len(pool) == 0:
        return np.zeros(0, dtype=np.int32)
    w = weight[pool]
    distinct = min(distinct, len(pool), n)
    parts = []
    if distinct:
        keys = np.log(rng.random(len(pool))) / w
        parts.append(pool[np.argpartition(-keys, distinct - 1)[:distinct]])
    rest = n - distinct
    if rest:
        parts.append(rng.choice(pool, size=rest, p=w / w.sum()))
    out = np.concatenate(parts).astype(np.int32)
    rng.shuffle(out)
    return out


class _Builder:
    """Builds accounts, the plan and the truth; kept as an object so each step stays readable."""

    def __init__(self, config: ScenarioConfig) -> None:
        self.cfg = config
        self.rng = np.random.default_rng(np.random.SeedSequence([config.seed, 20240729]))
        self.k = config.hours / STORY_HOURS  # real seconds per story second

    # ---------------------------------------------------------------- accounts

    def accounts(self) -> None:
        rng, cfg = self.rng, self.cfg
        start = cfg.start
        n_special = len(SPECIALS)
        n_cluster = int(np.clip(round(60 * cfg.scale), 30, 80))
        n_persons = max(MIN_PERSONS, round(ACCOUNTS_AT_SCALE_1 * cfg.scale) - n_special - n_cluster)
        n = n_special + n_cluster + n_persons
        self.n_special, self.n_cluster = n_special, n_cluster
        self.cluster = np.arange(n_special, n_special + n_cluster, dtype=np.int32)
        persons = np.arange(n_special + n_cluster, n, dtype=np.int32)

        followers = np.zeros(n, dtype=np.int64)
        following = np.zeros(n, dtype=np.int64)
        fr = np.zeros(n, dtype=bool)
        region = np.empty(n, dtype=object)
        created_days = np.zeros(n, dtype=np.float64)  # days before start
        # persons: heavy-tailed followers (lognormal body; a rare few pass 100k)
        followers[persons] = np.minimum(
            np.round(rng.lognormal(np.log(180), 1.55, len(persons))).astype(np.int64), 900_000
        )
        # a few ordinary accounts are influencers (100k to ~1.6M followers): the tail the brief asks for
        n_big = max(3, round(30 * cfg.scale))
        big = rng.choice(persons, size=n_big, replace=False)
        followers[big] = np.round(10 ** rng.uniform(5.0, 6.2, n_big)).astype(np.int64)
        following[persons] = np.round(rng.lognormal(np.log(260), 1.0, len(persons))).astype(np.int64)
        fr[persons] = rng.random(len(persons)) < FR_ACCOUNT_SHARE
        n_fr = int(fr.sum())
        region[persons[~fr[persons]]] = rng.choice(EN_REGIONS, size=len(persons) - n_fr, p=EN_REGION_P)
        region[persons[fr[persons]]] = rng.choice(FR_REGIONS, size=n_fr, p=FR_REGION_P)
        created_days[persons] = rng.uniform(60, 17 * 365, len(persons))
        # coordinated cluster: new accounts, few followers, follow many, English, mostly GB
        followers[self.cluster] = rng.integers(5, 400, n_cluster)
        following[self.cluster] = rng.integers(300, 3000, n_cluster)
        region[self.cluster] = rng.choice(["GB", "GB", "GB", "US"], size=n_cluster)
        created_days[self.cluster] = rng.uniform(3, 25, n_cluster)
        for i, sp in enumerate(SPECIALS):
            followers[i] = sp.followers
            following[i] = int(rng.integers(50, 2000))
            fr[i] = sp.fr
            region[i] = sp.region
            if isinstance(sp.created, int):
                created_days[i] = sp.created
            else:
                created_days[i] = (start - datetime(*sp.created, tzinfo=start.tzinfo)).days

        self.followers, self.fr, self.region = followers, fr, region
        self.activity = rng.lognormal(0.0, 0.9, n)
        self.activity[self.cluster] *= 3.0

        # role pools (persons only; specials post through fixed slots or outlet shares)
        r = rng.random(len(persons))
        believer = r < BELIEVER_SHARE
        hater = r < HATER_SHARE
        refuter = rng.random(len(persons)) < REFUTER_SHARE
        is_fr = fr[persons]
        self.pools: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, mask in (
            ("believers", believer),
            ("haters", hater),
            ("refuters", refuter),
            ("all", np.ones(len(persons), dtype=bool)),
        ):
            self.pools[name] = (persons[mask & ~is_fr], persons[mask & is_fr])
        idx = {sp.handle: i for i, sp in enumerate(SPECIALS)}
        self.special = {sp.role: i for i, sp in reversed(list(enumerate(SPECIALS)))}
        outlets_en = np.array(
            [
                idx[h]
                for h in ("CoastalHerald", "NationalLedger", "MorningWireNews", "HarbourFM", "ClearCheckUK")
            ],
            dtype=np.int32,
        )
        self.pools["outlets"] = (outlets_en, np.array([idx["CourrierDuNord"]], dtype=np.int32))
        self.family_outlets = {
            "weather": np.array([idx["WeatherDeskUK"]], dtype=np.int32),
            "club": np.array([idx["KingsportUtd"]], dtype=np.int32),
            "artist": np.array([idx["novalark"]], dtype=np.int32),
            "brand": np.array([idx["Pixelwave"]], dtype=np.int32),
        }
        self.inciter_mid = np.array([i for i, sp in enumerate(SPECIALS) if sp.role == "inciter_mid"])

        # Account objects (handles are unique by construction: an index suffix breaks any clash)
        prng = random.Random(cfg.seed * 7919 + 3)
        accounts: list[Account] = []
        for i, sp in enumerate(SPECIALS):
            accounts.append(
                Account(
                    id=f"{PLATFORM}:u{i}",
                    platform=PLATFORM,
                    handle=sp.handle,
                    name=sp.name,
                    created_at=start - timedelta(days=float(created_days[i])),
                    followers=sp.followers,
                    following=int(following[i]),
                    verified=sp.verified,
                    kind=sp.kind,
                    description=sp.description,
                    url=sp.url,
                    region=sp.region,
                )
            )
        seen: set[str] = {a.handle.lower() for a in accounts}
        cluster_words = ("patriot", "lion", "bulldog", "truth", "albion", "wake", "redpill", "george")
        for i in range(n_special, n):
            in_cluster = i < n_special + n_cluster
            if in_cluster:
                first = prng.choice(("Patriot", "Lion", "Proud", "Real", "English", "True"))
                last = prng.choice(("Brit", "Dad", "Mum", "Voice", "Lad", "Rose"))
                handle = (
                    f"{prng.choice(cluster_words)}{prng.choice(('_', '', '__'))}{prng.randrange(10, 99999)}"
                )
                desc = prng.choice(("Wake up.", "Britain first.", "No surrender.", "Save our kids.", ""))
            else:
                firsts, lasts = (tp.FIRST_FR, tp.LAST_FR) if fr[i] else (tp.FIRST_EN, tp.LAST_EN)
                first, last = prng.choice(firsts), prng.choice(lasts)
                style = prng.randrange(4)
                if style == 0:
                    handle = f"{first}{last}".lower()
                elif style == 1:
                    handle = f"{first.lower()}_{last.lower()}{prng.randrange(1, 99)}"
                elif style == 2:
                    handle = f"{first[0].lower()}{last.lower()}{prng.randrange(100, 9999)}"
                else:
                    handle = f"{last.lower()}_{first.lower()}"
                handle = handle.replace("é", "e").replace("è", "e").replace("ï", "i")
                desc = ""
            if handle.lower() in seen:
                handle = f"{handle}{i}"
            seen.add(handle.lower())
            accounts.append(
                Account(
                    id=f"{PLATFORM}:u{i}",
                    platform=PLATFORM,
                    handle=handle,
                    name=f"{first} {last}",
                    created_at=start - timedelta(days=float(created_days[i])),
                    followers=int(followers[i]),
                    following=int(following[i]),
                    verified=False,
                    kind=AccountKind.PERSON,
                    description=desc,
                    region=str(region[i]),
                )
            )
        self.account_list = accounts

    # ---------------------------------------------------------------- plan

    def _authors(self, key: str, n: int, lang: int) -> np.ndarray:
        _, _, _, pool_name, outlet_share = VOLUMES[key]
        pool = self.pools[pool_name][lang]
        if len(pool) == 0:
            pool = self.pools["all"][lang] if len(self.pools["all"][lang]) else self.pools["all"][0]
        out = _weighted_draw(self.rng, pool, self.activity, n)
        extra: np.ndarray | None = None
        if key in ("wx_orig",):
            extra = self.family_outlets["weather"]
        elif key == "sport_orig":
            extra = self.family_outlets["club"]
        elif key == "conc_orig":
            extra = self.family_outlets["artist"]
        elif key == "prod_orig":
            extra = self.family_outlets["brand"]
        elif pool_name != "outlets" and outlet_share > 0:
            extra = self.pools["outlets"][lang]
        if extra is not None and outlet_share > 0:
            take = self.rng.random(n) < outlet_share
            out[take] = self.rng.choice(extra, size=int(take.sum()))
        return out

    def plan(self) -> None:
        rng, cfg, k = self.rng, self.cfg, self.k
        curves = intensities()
        ts: list[np.ndarray] = []
        fams: list[np.ndarray] = []
        langs: list[np.ndarray] = []
        authors: list[np.ndarray] = []
        bursts: list[np.ndarray] = []

        def add(
            key: str, t_story_h: np.ndarray, author: np.ndarray, lang: np.ndarray, burst: int = -1
        ) -> None:
            ts.append(t_story_h * 3600.0 * k)
            fams.append(np.full(len(t_story_h), FAM_INDEX[key], dtype=np.int16))
            langs.append(lang.astype(np.int8))
            authors.append(author.astype(np.int32))
            bursts.append(np.full(len(t_story_h), burst, dtype=np.int16))

        sp = self.special
        one = np.ones(1)
        zero = np.zeros(1, dtype=np.int8)
        add("fc_origin", H_ORIGIN * one, np.array([sp["origin"]]), zero)
        add("fc_pseudo", H_PSEUDO * one, np.array([sp["pseudo_news"]]), zero)
        add("fc_mega", H_MEGA * one, np.array([sp["megaphone"]]), zero)
        add("in_main", H_INCITE * one, np.array([sp["incitement"]]), zero)
        add("rf_auth", H_REFUTE * one, np.array([sp["authority"]]), zero)
        add("in_big", np.array(H_INCITE_BIG), self.inciter_mid, np.zeros(3, dtype=np.int8))

        # The false claim's authors are drawn jointly per language so that distinct accounts are guaranteed.
        fc_keys = ("fc_orig", "fc_quote", "fc_repost", "fc_reply", "fc_query", "fc_hate")
        for key, (base, minimum, fr_share, _pool, _o) in VOLUMES.items():
            n = max(minimum, round(base * cfg.scale))
            if key in fc_keys:
                continue
            p = curves[key] / curves[key].sum()
            n_fr = int(rng.binomial(n, fr_share)) if fr_share > 0 else 0
            for lang, m in ((0, n - n_fr), (1, n_fr)):
                if m == 0:
                    continue
                minute = rng.choice(MINUTES, size=m, p=p)
                add(
                    key,
                    (minute + rng.random(m)) / 60.0,
                    self._authors(key, m, lang),
                    np.full(m, lang, dtype=np.int8),
                )
        for lang in (0, 1):
            counts = {}
            for key in fc_keys:
                base, minimum, fr_share, _pool, _o = VOLUMES[key]
                n = max(minimum, round(base * cfg.scale))
                counts[key] = round(n * (fr_share if lang else 1 - fr_share))
            believers = self.pools["believers"][lang]
            total = sum(v for kk, v in counts.items() if kk != "fc_hate")
            # ~92% of the believer pool speaks at least once: what makes ">18k accounts" hold at scale 1
            drawn = _weighted_draw(rng, believers, self.activity, total, distinct=int(0.92 * len(believers)))
            pos = 0
            for key in fc_keys:
                m = counts[key]
                if m == 0:
                    continue
                p = curves[key] / curves[key].sum()
                minute = rng.choice(MINUTES, size=m, p=p)
                if key == "fc_hate":
                    auth = self._authors(key, m, lang)
                else:
                    auth = drawn[pos : pos + m]
                    pos += m
                add(key, (minute + rng.random(m)) / 60.0, auth, np.full(m, lang, dtype=np.int8))

        # coordinated bursts: the cluster posts within seconds, several times
        for b, (h0, key) in enumerate(BURSTS):
            members = self.cluster[rng.random(len(self.cluster)) < BURST_PARTICIPATION]
            delay_s = np.minimum(rng.exponential(BURST_MEAN_DELAY_S, len(members)), 45.0)
            t_story = h0 + delay_s / 3600.0 / k  # delays are real seconds whatever the timeline scale
            add(key, t_story, members, np.zeros(len(members), dtype=np.int8), burst=b)

        t = np.concatenate(ts)
        order = np.argsort(t, kind="stable")
        self.t = t[order]
        self.fam = np.concatenate(fams)[order]
        self.lang = np.concatenate(langs)[order]
        self.author = np.concatenate(authors)[order]
        self.burst = np.concatenate(bursts)[order]
        self.n = len(self.t)
        self._parents()
        self._metrics()

    def _row_of(self, key: str) -> int:
        return int(np.flatnonzero(self.fam == FAM_INDEX[key])[0])

    def _parents(self) -> None:
        """Pick each child's parent among earlier posts (preferential attachment on followers)."""
        rng = self.rng
        parent = np.full(self.n, -1, dtype=np.int32)
        weight = (self.followers[self.author].astype(np.float64) + 20.0) ** 0.8
        for fam in FAMILIES:
            if not fam.parents:
                continue
            fi = FAM_INDEX[fam.key]
            cand_mask = np.isin(self.fam, [FAM_INDEX[p] for p in fam.parents])
            for lang in (0, 1):
                ch = np.flatnonzero((self.fam == fi) & (self.lang == lang))
                if len(ch) == 0:
                    continue
                cand = np.flatnonzero(cand_mask & (self.lang == lang))
                if len(cand) == 0:
                    kk = np.zeros(len(ch), dtype=np.int64)
                else:
                    kk = np.searchsorted(self.t[cand], self.t[ch], side="left")
                ok = kk > 0
                if ok.any():
                    cum = np.cumsum(weight[cand])
                    u = rng.random(int(ok.sum())) * cum[kk[ok] - 1]
                    j = np.minimum(np.searchsorted(cum, u, side="right"), kk[ok] - 1)
                    parent[ch[ok]] = cand[j]
                for key, share in fam.boosts:
                    row = self._row_of(key)
                    if self.lang[row] != lang:
                        continue
                    hit = (self.t[ch] > self.t[row]) & (rng.random(len(ch)) < share)
                    parent[ch[hit]] = row
                    ok |= hit
                lost = ch[~ok]
                if len(lost):
                    if fam.fallback is None:
                        raise RuntimeError(f"family {fam.key} has children before any parent")
                    self.fam[lost] = FAM_INDEX[fam.fallback]
        self.parent = parent

    def _metrics(self) -> None:
        """Views from follower counts (originals reach a share of followers, reposts less)."""
        rng, n = self.rng, self.n
        fol = self.followers[self.author].astype(np.float64)
        is_repost = np.isin(self.fam, [FAM_INDEX[f.key] for f in FAMILIES if f.kind == PostKind.REPOST])
        rate = rng.lognormal(np.log(0.22), 0.9, n) * np.where(is_repost, 0.3, 1.0)
        views = np.round(fol * rate + rng.integers(0, 60, n)).astype(np.int64)
        kind = np.array([f.kind.value for f in FAMILIES])[self.fam]
        has_parent = self.parent >= 0
        reposts = np.bincount(self.parent[has_parent & (kind == PostKind.REPOST)], minlength=n)
        replies = np.bincount(self.parent[has_parent & (kind == PostKind.REPLY)], minlength=n)
        quotes = np.bincount(self.parent[has_parent & (kind == PostKind.QUOTE)], minlength=n)
        # A post's reach grows with its cascade (each repost exposes the reposter's audience to it).
        child_views = np.bincount(self.parent[has_parent], weights=views[has_parent], minlength=n)
        views = views + np.round(0.5 * child_views).astype(np.int64)
        # The key posts, as in the real case: millions for the megaphone, hundreds of thousands for incitement.
        views[self._row_of("fc_mega")] = int(2_800_000 * rng.uniform(1.9, 2.6))
        views[self._row_of("in_main")] = int(500_000 * rng.uniform(0.9, 1.6))
        for row in np.flatnonzero(self.fam == FAM_INDEX["in_big"]):
            views[row] = int(self.followers[self.author[row]] * rng.uniform(1.5, 3.0))
        views[self._row_of("rf_auth")] = int(412_000 * rng.uniform(2.0, 3.0))
        views[self._row_of("fc_pseudo")] = max(
            int(views[self._row_of("fc_pseudo")]), int(rng.uniform(3e5, 6e5))
        )
        likes = np.round(views * rng.uniform(0.004, 0.03, n)).astype(np.int64)
        self.views, self.likes = views, likes
        self.reposts, self.replies, self.quotes = reposts, replies, quotes

    # ---------------------------------------------------------------- truth

    def truth(self) -> Truth:
        ids = [f"{PLATFORM}:{i + 1}" for i in range(self.n)]
        fam = self.fam.copy()
        # a repost carries what it reposts: labels come from the parent's family
        label_fam = fam.copy()
        is_repost = np.isin(fam, [FAM_INDEX[f.key] for f in FAMILIES if f.kind == PostKind.REPOST])
        label_fam[is_repost] = fam[self.parent[is_repost]]
        narrative_of = [f.narrative for f in FAMILIES]
        truth = Truth(
            narrative={pid: narrative_of[f] for pid, f in zip(ids, fam.tolist(), strict=True)},
            incitement=set(),
            hate=set(),
            refutes=set(),
            supports=set(),
            lang={pid: ("fr" if lg else "en") for pid, lg in zip(ids, self.lang.tolist(), strict=True)},
        )
        for fi, f in enumerate(FAMILIES):
            rows = np.flatnonzero(label_fam == fi).tolist()
            if not rows:
                continue
            sel = [ids[r] for r in rows]
            for flag, target in (
                (f.incitement, truth.incitement),
                (f.hate, truth.hate),
                (f.refutes, truth.refutes),
                (f.supports, truth.supports),
                (f.query, truth.query),
            ):
                if flag:
                    target.update(sel)
            if f.stance:
                truth.stance.update(dict.fromkeys(sel, f.stance))
        truth.coordinated = {ids[r] for r in np.flatnonzero(self.burst >= 0).tolist()}
        self.ids = ids
        return truth

    def facts(self) -> ScenarioFacts:
        cfg, sp, ids = self.cfg, self.special, self.ids
        at = lambda row: cfg.start + timedelta(seconds=float(self.t[row]))  # noqa: E731
        leak_rows = np.flatnonzero(np.isin(self.fam, [FAM_INDEX["lk_orig"], FAM_INDEX["lk_refute"]]))
        return ScenarioFacts(
            suspect_false_name=tp.FALSE_NAME,
            suspect_real_name=tp.MINOR_REAL_NAME,
            town=tp.TOWN,
            origin_post_id=ids[self._row_of("fc_origin")],
            origin_account_id=f"{PLATFORM}:u{sp['origin']}",
            pseudo_news_account_id=f"{PLATFORM}:u{sp['pseudo_news']}",
            pseudo_news_post_id=ids[self._row_of("fc_pseudo")],
            pseudo_news_domain=tp.PSEUDO_NEWS_DOMAIN,
            megaphone_account_id=f"{PLATFORM}:u{sp['megaphone']}",
            megaphone_post_id=ids[self._row_of("fc_mega")],
            incitement_account_id=f"{PLATFORM}:u{sp['incitement']}",
            incitement_post_ids=[ids[self._row_of("in_main")]]
            + [ids[r] for r in np.flatnonzero(self.fam == FAM_INDEX["in_big"]).tolist()],
            authority_account_id=f"{PLATFORM}:u{sp['authority']}",
            authority_statement_post_id=ids[self._row_of("rf_auth")],
            authority_statement_text=tp.AUTHORITY_STATEMENT,
            refutation_at=at(self._row_of("rf_auth")),
            protected_terms=list(tp.PROTECTED_TERMS),
            religious_group=tp.RELIGIOUS_GROUP,
            crisis_terms=list(tp.CRISIS_TERMS),
            attack_at=cfg.start - timedelta(minutes=ATTACK_BEFORE_MIN),
            false_name_variants=sorted(set(tp.FALSE_NAME_VARIANTS), key=lambda s: (s.lower(), s)),
            false_name_match=list(tp.FALSE_NAME_MATCH),
            pseudo_news_url=tp.PSEUDO_NEWS_URL,
            coordinated_account_ids=[f"{PLATFORM}:u{i}" for i in self.cluster.tolist()],
            first_leak_at=at(int(leak_rows[0])) if len(leak_rows) else None,
            incitement_targets=[tp.MOSQUE, tp.HOTEL],
        )


# --------------------------------------------------------------------------- rendering

_URL_RE = re.compile(r"https?://\S+")
_TAG_RE = re.compile(r"#(\w+)")
_MENTION_RE = re.compile(r"(?<![\w@])@(\w+)")


def _prepare(tmpls: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """Split ``{url}`` out of templates once, so noise never touches a link."""
    return tuple((t.replace(" {url}", "").replace("{url}", ""), "{url}" in t) for t in tmpls)


_TEMPLATES: dict[str, dict[str, tuple[tuple[str, bool], ...]]] = {
    fam: {lang: _prepare(ts) for lang, ts in by_lang.items()} for fam, by_lang in tp.T.items()
}
_BANKS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        **tp.SLOTS_EN,
        "name": tp.FALSE_NAME_VARIANTS,
        "minor": tp.MINOR_NAME_VARIANTS,
        "birthplace": (tp.BIRTHPLACE, "Porthwyn, Wales", "Wales"),
        "mosque": (tp.MOSQUE,),
        "group_in": tp.SLOTS_EN["group"],
        "artist": tp.SLOTS_EN["artist"],
    },
    "fr": {
        **tp.SLOTS_EN,
        **tp.SLOTS_FR,
        "name": (tp.FALSE_NAME_FR, tp.FALSE_NAME, tp.FALSE_NAME, "Idris Al Qamari", "Al-Qamari"),
        "minor": tp.MINOR_NAME_VARIANTS,
        "birthplace": ("Porthwyn (Pays de Galles)", tp.BIRTHPLACE),
        "mosque": ("la mosquée de Harbour Road",),
        "group_in": tp.SLOTS_FR["group"],
    },
}


class _Slots(dict):
    """Fills a template slot on first use (so a slot used twice keeps one value)."""

    __slots__ = ("bank", "rnd")

    def __init__(self, rnd: random.Random, bank: dict[str, tuple[str, ...]]) -> None:
        super().__init__()
        self.rnd = rnd
        self.bank = bank

    def __missing__(self, key: str) -> str:
        value = self.rnd.choice(self.bank[key])
        self[key] = value
        return value


def _typo(rnd: random.Random, text: str) -> str:
    """One human typo (swap, drop or double a letter) in a plain word, never in a tag, mention or name slot."""
    words = text.split(" ")
    for _ in range(4):
        i = rnd.randrange(len(words))
        w = words[i]
        if len(w) > 3 and w.isalpha():
            j = rnd.randrange(1, len(w) - 1)
            op = rnd.randrange(3)
            if op == 0:
                w = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
            elif op == 1:
                w = w[:j] + w[j + 1 :]
            else:
                w = w[:j] + w[j] + w[j:]
            words[i] = w
            return " ".join(words)
    return text


class _Renderer:
    """Turns a planned row into text, deterministically from one ``random.Random``."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)

    def url_for(self, fam_key: str, lang: str, author: Account) -> str:
        rnd = self.rnd
        if fam_key in ("fc_pseudo", "fc_mega", "fc_coord_link"):
            return tp.PSEUDO_NEWS_URL
        if author.kind == AccountKind.NEWS and author.url:
            domain = author.url.split("://", 1)[1]
        else:
            domain = rnd.choice(OUTLET_DOMAINS_FR if lang == "fr" else OUTLET_DOMAINS)
        return f"https://{domain}/news/{rnd.randrange(10_000_000, 99_999_999)}"

    def text(self, fam: Family, lang: str, author: Account) -> str:
        rnd = self.rnd
        by_lang = _TEMPLATES[fam.template or "chat_reply"]
        tmpls = by_lang.get(lang) or by_lang["en"]
        lang = lang if lang in by_lang else "en"
        tmpl, has_url = tmpls[rnd.randrange(len(tmpls))]
        body = tmpl.format_map(_Slots(rnd, _BANKS[lang])) if "{" in tmpl else tmpl
        body = " ".join(body.split())  # empty slots leave double spaces
        person = author.kind == AccountKind.PERSON
        if fam.noisy and person:
            r = rnd.random()
            if r < 0.04:
                body = body.upper()
            elif r < 0.14:
                body = body.lower()
            if rnd.random() < 0.15:
                body = _typo(rnd, body)
            if fam.mood == "angry" and rnd.random() < 0.12:
                body = body.rstrip(".") + rnd.choice(("!!", "!!!", " !!", "?!"))
        tail: list[str] = []
        if has_url:
            tail.append(self.url_for(fam.key, lang, author))
        if fam.noisy:
            bank_key = tp.HASHTAG_FAMILIES.get(fam.key)
            if bank_key and rnd.random() < 0.35:
                bank = _BANKS[lang][bank_key]
                tail.extend(dict.fromkeys(rnd.choice(bank) for _ in range(rnd.randint(1, 2))))
            elif fam.key in tp.BACKGROUND_TAGS and rnd.random() < 0.3:
                tail.append(rnd.choice(tp.BACKGROUND_TAGS[fam.key]))
            if person and rnd.random() < 0.3:
                tail.append(rnd.choice(tp.EMOJI[fam.mood]) * rnd.randint(1, 3))
        return f"{body} {' '.join(tail)}" if tail else body


def _entities(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """URLs, hashtags (without #) and mentions (without @) as a platform would extract them."""
    urls = tuple(_URL_RE.findall(text)) if "http" in text else ()
    plain = _URL_RE.sub(" ", text) if urls else text
    tags = tuple(dict.fromkeys(_TAG_RE.findall(plain))) if "#" in plain else ()
    mentions = tuple(dict.fromkeys(_MENTION_RE.findall(plain))) if "@" in plain else ()
    return urls, tags, mentions


# --------------------------------------------------------------------------- the scenario


class PostSkeleton(NamedTuple):
    """A post without its text: what :meth:`Scenario.skeleton` yields (same ids and order as ``posts``)."""

    id: str
    created_at: datetime
    kind: PostKind
    author: Account
    views: int


class Scenario:
    """A generated stream: accounts, facts, ground truth, and the posts (rendered lazily)."""

    def __init__(
        self, config: ScenarioConfig, facts: ScenarioFacts, accounts: list[Account], truth: Truth, plan: _Plan
    ) -> None:
        self.config = config
        self.facts = facts
        self.accounts = accounts
        self.truth = truth
        self._plan = plan

    def __len__(self) -> int:
        return len(self._plan.t)

    def __repr__(self) -> str:
        return f"Scenario(seed={self.config.seed}, scale={self.config.scale}, posts={len(self)}, accounts={len(self.accounts)})"

    def skeleton(self) -> Iterator[PostSkeleton]:
        """Every post's identity, time, kind, author and views in created_at order, without its text.

        Why: simulated notifiers (``wavebreak.review.simulate``) decide whom to report from the
        ground truth, the author's reach and the views, never from the words; rendering every
        text a second time only to read those fields was ~3 % of the demo's CPU.
        """
        p = self._plan
        accounts = self.accounts
        start = self.config.start
        for i, (fi, a, t, v) in enumerate(
            zip(p.fam.tolist(), p.author.tolist(), p.t.tolist(), p.views.tolist(), strict=True)
        ):
            yield PostSkeleton(
                f"{PLATFORM}:{i + 1}", start + timedelta(seconds=t), FAMILIES[fi].kind, accounts[a], v
            )

    def posts(self) -> Iterator[Post]:
        """Every post in created_at order, rendered on the fly (same config -> same posts, every call).

        Memory stays flat: only the texts of posts that are reposted later are
        kept (a repost's text is ``RT @handle: <original text>``, X style, so
        name mentions are visible on reposts as well).
        """
        p = self._plan
        cfg = self.config
        rnd = _Renderer(cfg.seed * 1_000_003 + 11)
        accounts = self.accounts
        start = cfg.start
        fams = p.fam.tolist()
        langs = p.lang.tolist()
        authors = p.author.tolist()
        parents = p.parent.tolist()
        bursts = p.burst.tolist()
        ts = p.t.tolist()
        has_children = np.zeros(len(fams), dtype=bool)
        has_children[p.parent[p.parent >= 0]] = True
        keep = has_children.tolist()
        texts: dict[int, str] = {}
        burst_text: dict[int, str] = {}
        views, likes = p.views.tolist(), p.likes.tolist()
        n_rep, n_reply, n_quote = p.reposts.tolist(), p.replies.tolist(), p.quotes.tolist()
        for i, fi in enumerate(fams):
            fam = FAMILIES[fi]
            author = accounts[authors[i]]
            lang = "fr" if langs[i] else "en"
            par = parents[i]
            reply_to = repost_of = quote_of = None
            if fam.kind == PostKind.REPOST:
                parent_author = accounts[authors[par]]
                text = f"RT @{parent_author.handle}: {texts[par]}"
                repost_of = f"{PLATFORM}:{par + 1}"
            else:
                b = bursts[i]
                if b >= 0 and fam.key == "fc_coord_text":
                    if b not in burst_text:
                        burst_text[b] = rnd.text(fam, lang, author)
                    text = burst_text[b]
                else:
                    text = rnd.text(fam, lang, author)
                if fam.kind == PostKind.REPLY:
                    text = f"@{accounts[authors[par]].handle} {text}"
                    reply_to = f"{PLATFORM}:{par + 1}"
                elif fam.kind == PostKind.QUOTE:
                    quote_of = f"{PLATFORM}:{par + 1}"
            if keep[i]:
                texts[i] = text
            urls, tags, mentions = _entities(text)
            yield Post(
                id=f"{PLATFORM}:{i + 1}",
                platform=PLATFORM,
                author_id=author.id,
                created_at=start + timedelta(seconds=ts[i]),
                text=text,
                lang=lang,
                kind=fam.kind,
                reply_to=reply_to,
                repost_of=repost_of,
                quote_of=quote_of,
                urls=urls,
                mentions=mentions,
                hashtags=tags,
                metrics=PublicMetrics(
                    views=views[i], likes=likes[i], reposts=n_rep[i], replies=n_reply[i], quotes=n_quote[i]
                ),
                author=author,
                region=author.region,
            )

    def authority_statement(self) -> AuthorityStatement:
        """The police refutation as the record narratives are matched against (for the demo's setup)."""
        f = self.facts
        return AuthorityStatement(
            id=f"statement:{f.authority_statement_post_id}",
            at=f.refutation_at,
            source=tp.POLICE_NAME,
            text=f.authority_statement_text,
            lang="en",
            claim=f"The Marlowe Bay attacker is {f.suspect_false_name}, an asylum seeker who came by boat "
            "and was on an MI6 watch list.",
            url="https://westmarsh.police.example/news/marlowe-bay-statement",
        )

    def legal_hold(self) -> LegalHold:
        """The reporting restriction protecting the minor suspect's identity, from the start of the stream.

        Why from T+0: a suspect under 18 is protected from arrest onwards; the
        hold has to be in place before the leak (~T+26h) for the demo to show
        it catching the leak rather than chasing it.
        """
        return LegalHold(
            id="hold:marlowe-bay-minor",
            title="Identity of the minor arrested after the Marlowe Bay attack",
            terms=tuple(self.facts.protected_terms),
            jurisdictions=("GB",),
            legal_basis="Youth Justice and Criminal Evidence Act 1999, s.45 (reporting direction, defendant under 18)",
            starts_at=self.config.start,
        )

    def crisis(self, at: datetime | None = None, *, confirmed: bool = True, hours: float = 72.0) -> Crisis:
        """A crisis declaration scoped to this story (terms, regions, languages), declared at ``at``.

        The default time is when the megaphone post lands (the wave becomes
        national); the demo may declare it elsewhere to show the difference.
        """
        f = self.facts
        declared = at or self.config.start + timedelta(hours=H_MEGA * self.config.hours / STORY_HOURS)
        return Crisis(
            id="crisis:marlowe-bay",
            title=f"{f.town} knife attack",
            declared_at=declared,
            expires_at=declared + timedelta(hours=hours),
            terms=tuple(f.crisis_terms),
            regions=("GB", "IE", "FR", "BE"),
            languages=("en", "fr"),
            confirmed=confirmed,
            proposed_by="scenario",
            confirmed_by="scenario" if confirmed else None,
        )

    def truth_json(self) -> dict[str, Any]:
        """The ground truth as plain JSON types: narrative per post id, sets as sorted lists, facts."""
        t = self.truth
        key = lambda pid: int(pid.rsplit(":", 1)[1])  # noqa: E731
        return {
            "config": {
                "seed": self.config.seed,
                "scale": self.config.scale,
                "start": self.config.start.isoformat(),
                "hours": self.config.hours,
            },
            "facts": self.facts.to_json(),
            "narrative": t.narrative,
            "lang": t.lang,
            "incitement": sorted(t.incitement, key=key),
            "hate": sorted(t.hate, key=key),
            "refutes": sorted(t.refutes, key=key),
            "supports": sorted(t.supports, key=key),
            "query": sorted(t.query, key=key),
            "coordinated": sorted(t.coordinated, key=key),
            "stance": t.stance,
        }


def generate(config: ScenarioConfig | None = None) -> Scenario:
    """Generate the Marlowe Bay scenario for ``config`` (defaults: seed 7, scale 1, 36 h from 2026-07-29 11:45Z)."""
    cfg = config or ScenarioConfig()
    if cfg.scale <= 0 or cfg.hours <= 0:
        raise ValueError("scale and hours must be positive")
    if cfg.start.tzinfo is None:
        raise ValueError("ScenarioConfig.start must be timezone-aware (UTC)")
    b = _Builder(cfg)
    b.accounts()
    b.plan()
    truth = b.truth()
    facts = b.facts()
    # posts_count: a history before the stream plus what the account posts in it
    in_stream = np.bincount(b.author, minlength=len(b.account_list))
    prior = np.round(b.rng.lognormal(np.log(800), 1.2, len(b.account_list))).astype(np.int64)
    prior[b.cluster] = b.rng.integers(20, 300, len(b.cluster))
    for acc, n_prior, n_in in zip(b.account_list, prior.tolist(), in_stream.tolist(), strict=True):
        acc.posts_count = n_prior + n_in
    plan = _Plan(
        t=b.t,
        fam=b.fam,
        lang=b.lang,
        author=b.author,
        parent=b.parent,
        burst=b.burst,
        views=b.views,
        likes=b.likes,
        reposts=b.reposts,
        replies=b.replies,
        quotes=b.quotes,
    )
    return Scenario(cfg, facts, b.account_list, truth, plan)
