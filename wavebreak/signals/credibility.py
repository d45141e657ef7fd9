"""Source credibility of accounts: who is an authority, who only dresses up as news.

Why transparent features and a hand-set score rather than a trained model: there is no labelled
corpus of "credible accounts", the features that matter in a Southport-like wave are few and well
known (a days-old account, a handle that presents as a news outlet without being one, a posting rate
no human sustains, links into low-credibility domains, the platform's own trusted lists), and a
reviewer must be able to read *why* an account was discounted. Every feature is returned in
``Signal.data`` and quoted in ``Signal.explanation``. The score only ever *weights* signals (a
pseudo-news account's claims spread faster in risk terms); it never acts on an account alone.

State is bounded: per-author EWMA posting rate and link-domain counters live in an LRU of at most
``CREDIBILITY_MAX_TRACKED_AUTHORS`` authors.
"""

from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from wavebreak.core.constants import (
    CREDIBILITY_HIGH_RATE_PER_HOUR,
    CREDIBILITY_LOW_THRESHOLD,
    CREDIBILITY_MAX_TRACKED_AUTHORS,
    CREDIBILITY_NEW_ACCOUNT_DAYS,
    CREDIBILITY_RATE_HALF_LIFE_S,
)
from wavebreak.core.records import Account, AccountKind, Post, Signal, SignalName

VERSION = "credibility-1.0"
"""Model id recorded on every signal."""

DEFAULT_LISTS = Path(__file__).with_name("credibility_lists.yaml")
"""Shipped default lists (deliberately near-empty: real deployments and the demo configure their own)."""

# Self-presentation as a news outlet, EN and FR. Matched on the display name and the handle.
_NEWS_LIKE_RE = re.compile(
    r"(?:\bnews\b|news\s*24|news\d+|\bnow\b|\bbreaking|\bdaily\b|\breport(?:s|er)?\b|\balerts?\b"
    r"|\bupdates?\b|\btimes\b|\bherald\b|\bwire\b|\bpost\b|\btribune\b|\bgazette\b|\bjournal\b|\bflash\b"
    r"|\bactus?\b|\binfos?\b|info en continu|\bdirect\b|\bla une\b|\bjournal\b|\bl['’]?info\b"
    r"|[a-z](?:news|now|daily|report|alert|actu|infos?)\b|\b(?:news|daily|breaking|actu|infos?)[a-z0-9])",
    re.IGNORECASE,
)
"""Name/handle patterns of accounts that present as news ("... Now", "... News 24", "Daily ...",
"Breaking", "Report", "Alert", "Actu", "Infos", "Info en continu"), also glued in handles
("uknewsnow", "actufrance")."""

_NEWS_KEYS: tuple[str, ...] = (
    "news", "now", "breaking", "daily", "report", "alert", "update", "times", "herald", "wire", "post",
    "tribune", "gazette", "journal", "flash", "actu", "info", "direct", "la une",
)  # fmt: skip
"""Literal words one of which every match of ``_NEWS_LIKE_RE`` contains (a test walks every branch of
the pattern to check it)."""
_NEWS_KEYS_RE = re.compile("|".join(sorted(_NEWS_KEYS, key=len, reverse=True)))


def _news_like(value: str) -> bool:
    """``_NEWS_LIKE_RE`` matches ``value``, with a cheap exact pre-check for ASCII strings.

    Why: the case-insensitive alternation costs ~8 µs a string and runs twice per account scored;
    for an ASCII string, case-insensitive matching is matching the lower-cased string, and a match
    needs one of ``_NEWS_KEYS`` in it, which one case-sensitive scan of literals settles in < 1 µs
    (and nearly no account name holds one). Non-ASCII strings (Unicode case folding has special
    cases) always take the full pattern.
    """
    if not value:
        return False
    if value.isascii() and _NEWS_KEYS_RE.search(value.lower()) is None:
        return False
    return _NEWS_LIKE_RE.search(value) is not None


_WWW_RE = re.compile(r"^www\d?\.")


def _norm_handle(value: str) -> str:
    return value.strip().lower().lstrip("@")


# read per account scored, bound once (3.11 reads ``AccountKind.X`` through the enum class's slow hook)
_NEWS = AccountKind.NEWS
_CREDIBILITY = SignalName.CREDIBILITY

_DOMAINS: dict[str, str] = {}
"""URL -> host memo of :func:`_domain` (bounded: emptied whole past ``_DOMAINS_MAX``)."""
_DOMAINS_MAX = 50_000


def _domain(url: str) -> str:
    """Host of a URL without ``www.``; accepts bare domains ("example.org/path").

    Memoised per URL string: :meth:`CredibilityTracker.observe` parses every link of every post, and
    a wave shares the same few links thousands of times (``urlsplit`` is ~2-3 µs a call).
    """
    host = _DOMAINS.get(url)
    if host is None:
        if len(_DOMAINS) >= _DOMAINS_MAX:
            _DOMAINS.clear()
        host = _DOMAINS[url] = _parse_domain(url)
    return host


def _parse_domain(url: str) -> str:
    """:func:`_domain` without the memo."""
    if "//" not in url:
        url = "//" + url
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return _WWW_RE.sub("", host.lower())


def _domain_in(host: str, domains: set[str]) -> bool:
    """Suffix match on label boundaries, so ``news.example.org`` matches ``example.org``."""
    if not host or not domains:
        return False
    parts = host.split(".")
    return any(".".join(parts[i:]) in domains for i in range(len(parts) - 1))


_LISTS = ("trusted_authorities", "pseudo_news", "trusted_domains", "low_credibility_domains")
"""The list names a credibility configuration may hold."""


@dataclass
class CredibilityConfig:
    """The platform's lists. Entries are account ids (``platform:native_id``) or handles (no ``@``)."""

    trusted_authorities: set[str] = field(default_factory=set)
    pseudo_news: set[str] = field(default_factory=set)
    trusted_domains: set[str] = field(default_factory=set)
    low_credibility_domains: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.trusted_authorities = {_norm_handle(x) for x in self.trusted_authorities}
        self.pseudo_news = {_norm_handle(x) for x in self.pseudo_news}
        self.trusted_domains = {_domain(x) for x in self.trusted_domains if _domain(x)}
        self.low_credibility_domains = {_domain(x) for x in self.low_credibility_domains if _domain(x)}

    @classmethod
    def load(cls, path: Path | None = None) -> CredibilityConfig:
        """Read the YAML lists (the shipped default when ``path`` is None); unknown keys are an error."""
        import yaml

        p = Path(path) if path is not None else DEFAULT_LISTS
        return cls.from_mapping(yaml.safe_load(p.read_text(encoding="utf-8")) or {}, str(p))

    @classmethod
    def from_mapping(cls, raw: object, where: str) -> CredibilityConfig:
        """Lists from a mapping (a YAML file's content, a run's ``config["credibility"]``);
        unknown keys are an error naming ``where``."""
        if not isinstance(raw, dict):
            raise ValueError(f"{where}: expected a mapping of list names to lists")
        unknown = set(raw) - set(_LISTS)
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}; expected {sorted(_LISTS)}")
        return cls(**{k: set(raw.get(k) or []) for k in _LISTS})

    def extend(self, other: CredibilityConfig) -> None:
        """Add ``other``'s entries to these lists (both already normalised)."""
        for k in _LISTS:
            getattr(self, k).update(getattr(other, k))


@dataclass(slots=True)
class _AuthorState:
    rate: float = 0.0  # EWMA posts/hour
    last: float | None = None  # epoch seconds of the last post seen
    links: int = 0
    low_links: int = 0
    trusted_links: int = 0
    posts: int = 0


class CredibilityTracker:
    """Observes posts (bounded per-author state) and scores accounts on demand."""

    def __init__(self, config: CredibilityConfig | None = None) -> None:
        self.config = config if config is not None else CredibilityConfig()
        self._state: OrderedDict[str, _AuthorState] = OrderedDict()
        self._decay = math.log(2.0) / CREDIBILITY_RATE_HALF_LIFE_S
        # account id -> (state key, signal): see score_cached
        # LRU as an OrderedDict: popitem(last=False) is O(1), where evicting the first key of a plain
        # dict scans every slot deleted since its last resize (see SignalsStage._texts)
        self._signals: OrderedDict[str, tuple[tuple[object, ...], Signal]] = OrderedDict()
        self.cache_hits = 0
        self.cache_misses = 0

    # ------------------------------------------------------------------ state
    def observe(self, posts: list[Post]) -> None:
        """Update per-author posting rate (EWMA) and link-domain counters from a batch."""
        cfg = self.config
        state = self._state
        decay = self._decay
        impulse = decay * 3600.0
        exp = math.exp
        for post in posts:
            aid = post.author_id
            st = state.get(aid)
            if st is None:
                st = state[aid] = _AuthorState()
                if len(state) > CREDIBILITY_MAX_TRACKED_AUTHORS:
                    state.popitem(last=False)
            else:
                state.move_to_end(aid)
            t = post.created_at.timestamp()
            # Event-rate EWMA: each post adds an impulse of (decay * 3600) posts/hour, and the level
            # decays exponentially between posts, so a steady r posts/hour converges to ~r.
            last = st.last
            if last is not None and t > last:
                st.rate *= exp(-decay * (t - last))
            st.rate += impulse
            st.last = t if last is None or t > last else last
            st.posts += 1
            if not post.urls:
                continue
            for url in post.urls:
                host = _domain(url)
                if not host:
                    continue
                st.links += 1
                if _domain_in(host, cfg.low_credibility_domains):
                    st.low_links += 1
                elif _domain_in(host, cfg.trusted_domains):
                    st.trusted_links += 1

    def __len__(self) -> int:
        return len(self._state)

    # ------------------------------------------------------------------ scoring
    def features(self, account: Account, at: datetime) -> dict[str, float | bool | str | None]:
        """The raw features of one account at ``at`` (also returned in ``Signal.data``)."""
        cfg = self.config
        keys = {_norm_handle(account.id), _norm_handle(account.handle)} - {""}
        age_days: float | None = None
        if account.created_at is not None:
            created = account.created_at
            ref = at
            if (created.tzinfo is None) != (ref.tzinfo is None):
                created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
                ref = ref.replace(tzinfo=UTC) if ref.tzinfo is None else ref
            age_days = max(0.0, (ref - created).total_seconds() / 86400.0)
        st = self._state.get(account.id)
        rate = 0.0
        if st is not None and st.last is not None:
            rate = st.rate * math.exp(-self._decay * max(0.0, at.timestamp() - st.last))
        links = st.links if st is not None else 0
        own_domain = _domain(account.url) if account.url else ""
        news_like = _news_like(account.name or "") or _news_like(account.handle or "")
        return {
            "age_days": None if age_days is None else round(age_days, 2),
            "followers": account.followers,
            "following": account.following,
            "follower_ratio_log10": round(math.log10((account.followers + 1) / (account.following + 1)), 3),
            "posts_count": account.posts_count,
            "verified": account.verified,
            "kind": str(account.kind),
            "rate_per_hour": round(rate, 3),
            "links": links,
            "low_cred_link_share": round(st.low_links / links, 3) if st and links else 0.0,
            "trusted_link_share": round(st.trusted_links / links, 3) if st and links else 0.0,
            "news_like_name": news_like,
            "on_authority_list": bool(keys & cfg.trusted_authorities),
            "on_pseudo_news_list": bool(keys & cfg.pseudo_news),
            "own_domain_trusted": _domain_in(own_domain, cfg.trusted_domains),
            "own_domain_low_cred": _domain_in(own_domain, cfg.low_credibility_domains),
        }

    def score(self, account: Account, at: datetime) -> Signal:
        """``credibility`` signal: score 1 = credible ... 0 = not; label says which rule decided."""
        f = self.features(account, at)
        reasons: list[str] = []
        age = f["age_days"]
        new = age is not None and float(age) < CREDIBILITY_NEW_ACCOUNT_DAYS  # type: ignore[arg-type]

        # Continuous part: additive, bounded, each term readable in the explanation.
        s = 0.6
        if age is not None:
            if new:
                s -= 0.25
                reasons.append(f"account {float(age):.0f} days old")  # type: ignore[arg-type]
            elif float(age) > 365:  # type: ignore[arg-type]
                s += 0.1
        ratio = float(f["follower_ratio_log10"])  # type: ignore[arg-type]
        s += 0.05 * max(-2.0, min(3.0, ratio))
        if f["verified"]:
            s += 0.1
        if float(f["rate_per_hour"]) >= CREDIBILITY_HIGH_RATE_PER_HOUR:  # type: ignore[arg-type]
            s -= 0.2
            reasons.append(f"posting {float(f['rate_per_hour']):.0f}/h")  # type: ignore[arg-type]
        low_share = float(f["low_cred_link_share"])  # type: ignore[arg-type]
        if low_share > 0:
            s -= 0.4 * low_share
            reasons.append(f"{low_share:.0%} of links to low-credibility domains")
        s += 0.1 * float(f["trusted_link_share"])  # type: ignore[arg-type]
        if f["own_domain_low_cred"]:
            s -= 0.3
            reasons.append("profile links a low-credibility domain")

        trusted = bool(f["own_domain_trusted"]) or (account.kind == _NEWS and account.verified and not new)
        if f["on_authority_list"]:
            label, s = "authority", max(s, 0.95)
            reasons.insert(0, "on the trusted authorities list")
        elif f["on_pseudo_news_list"]:
            label, s = "pseudo_news", min(s, 0.15)
            reasons.insert(0, "on the pseudo-news list")
        elif trusted:
            label, s = "trusted", max(s, 0.85)
            reasons.insert(0, "trusted news domain" if f["own_domain_trusted"] else "verified news account")
        elif f["news_like_name"]:
            label, s = "pseudo_news", min(s - 0.25, 0.3)
            reasons.insert(0, "presents as a news outlet without being on a trusted list")
        elif new:
            label = "new_account"
        elif s < CREDIBILITY_LOW_THRESHOLD:
            label = "low_credibility"
        else:
            label = "ordinary"
        s = max(0.0, min(1.0, s))
        expl = [*reasons, f"followers {account.followers}, following {account.following}"]
        return Signal(
            name=_CREDIBILITY,
            score=round(s, 4),
            label=label,
            model=VERSION,
            explanation=tuple(expl),
            data=f,
        )

    def score_cached(self, account: Account, at: datetime) -> Signal:
        """:meth:`score`, re-computed only when the account's state moved materially since the last call.

        Why: the stage scores every author of every batch, and active authors post in many batches;
        re-deriving the same verdict each time was a third of the fast path's per-post cost outside
        the models. The state key is what the verdict and its explanation depend on, coarsened where
        the score is continuous: profile fields (hence list membership), verified/kind, account age
        (in days only while the account is "new", else >1 year or not), followers and following in
        ~19 % steps (log2 quarters: the follower-ratio term moves the score by < 0.005 inside one
        step), the posting rate in 5 posts/hour steps once it is over the high-rate threshold (below
        it the rate does not enter the score), and the shares of low-credibility and trusted links.
        A cached signal's ``data`` (followers, rate, link counts) shows the figures of the call that
        computed it, which can lag the live state inside those steps.
        """
        st = self._state.get(account.id)
        rate = 0.0
        # the decayed rate never exceeds the stored one, and below the threshold only "under it" enters
        # the key: most authors skip the exp() (same key as computing it)
        if st is not None and st.last is not None and st.rate >= CREDIBILITY_HIGH_RATE_PER_HOUR:
            rate = st.rate * math.exp(-self._decay * max(0.0, at.timestamp() - st.last))
        age: int | None = None
        if account.created_at is not None:
            created, ref = account.created_at, at
            if (created.tzinfo is None) != (ref.tzinfo is None):
                created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
                ref = ref.replace(tzinfo=UTC) if ref.tzinfo is None else ref
            # whole days, as int(total_seconds // 86400) for any account younger than ~27 years (older
            # ones read -1 below either way), without the float conversion
            age = max(0, (ref - created).days)
            if age >= CREDIBILITY_NEW_ACCOUNT_DAYS:  # only "new" accounts quote their age in days
                age = -1 if age > 365 else -2
        key = (
            account.handle,
            account.name,
            account.url,
            account.kind,
            account.verified,
            age,
            int(math.log2(account.followers + 1) * 4),
            int(math.log2(account.following + 1) * 4),
            int(rate // 5) if rate >= CREDIBILITY_HIGH_RATE_PER_HOUR else -1,
            (round(st.low_links / st.links, 2), round(st.trusted_links / st.links, 2))
            if st is not None and (st.low_links or st.trusted_links)
            else None,
        )
        hit = self._signals.get(account.id)
        if hit is not None and hit[0] == key:
            self.cache_hits += 1
            return hit[1]
        self.cache_misses += 1
        sig = self.score(account, at)
        cache = self._signals
        cache[account.id] = (key, sig)
        cache.move_to_end(account.id)
        if len(cache) > CREDIBILITY_MAX_TRACKED_AUTHORS:
            cache.popitem(last=False)
        return sig


# ------------------------------------------------------------------ evaluation


def _twitter_time(value: str) -> datetime:
    return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")


def account_from_twitter_user(user: dict[str, object]) -> Account:
    """Map a Twitter API v1.1 user object (as in PHEME) onto an :class:`Account`."""
    created = user.get("created_at")
    return Account(
        id=f"x:{user.get('id_str') or user.get('id')}",
        platform="x",
        handle=str(user.get("screen_name") or ""),
        name=str(user.get("name") or ""),
        created_at=_twitter_time(str(created)) if created else None,
        followers=int(user.get("followers_count") or 0),  # type: ignore[call-overload]
        following=int(user.get("friends_count") or 0),  # type: ignore[call-overload]
        posts_count=int(user.get("statuses_count") or 0),  # type: ignore[call-overload]
        verified=bool(user.get("verified")),
        description=str(user.get("description") or ""),
        url=str(user.get("url") or ""),
    )


def evaluate_pheme(folder: Path, config: CredibilityConfig | None = None) -> dict[str, object]:
    """ROC AUC of the credibility score for "source of a true rumour" vs "source of a false rumour".

    What this measures, honestly: PHEME only holds rumour *source* tweets, mostly from established
    news accounts, so this is "does account credibility separate sources whose rumour turned out true
    from those whose rumour turned out false", a weak proxy for the target (pseudo-news and throwaway
    accounts in a Southport-like wave). Events are confounded with veracity (one event is all false),
    so per-event AUCs, where both classes exist, are reported next to the pooled AUC.
    """
    import json as _json

    from sklearn.metrics import roc_auc_score

    tracker = CredibilityTracker(config)
    rows: list[tuple[str, int, float, str]] = []
    for f in sorted(Path(folder).glob("*.json")):
        event = f.name.split("-all-")[0]
        for tw in _json.loads(f.read_text(encoding="utf-8")):
            ver = str(tw.get("VERACITY", "")).lower()
            if ver not in ("true", "false") or not isinstance(tw.get("user"), dict):
                continue
            sig = tracker.score(account_from_twitter_user(tw["user"]), _twitter_time(tw["created_at"]))
            rows.append((event, int(ver == "true"), sig.score, sig.label or ""))
    if not rows:
        raise ValueError(f"{folder}: no PHEME source tweets with true/false veracity")
    y = [r[1] for r in rows]
    s = [r[2] for r in rows]
    per_event: dict[str, float] = {}
    for ev in sorted({r[0] for r in rows}):
        ys = [r[1] for r in rows if r[0] == ev]
        if 0 < sum(ys) < len(ys):
            per_event[ev] = round(float(roc_auc_score(ys, [r[2] for r in rows if r[0] == ev])), 4)
    labels: dict[str, int] = {}
    for r in rows:
        labels[r[3]] = labels.get(r[3], 0) + 1
    return {
        "n": len(rows),
        "true": sum(y),
        "false": len(y) - sum(y),
        "auc_pooled": round(float(roc_auc_score(y, s)), 4),
        "auc_per_event": per_event,
        "auc_mean_event": round(float(np.mean(list(per_event.values()))), 4) if per_event else None,
        "labels": labels,
    }
