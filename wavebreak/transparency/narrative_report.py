"""Investigation report on one narrative: the kind a research institute publishes after a crisis.

Why computed from stored posts: the narratives stage keeps origin and amplifier rankings
in memory only, so the report rebuilds them from what storage holds (posts with parent
links, author snapshots, decisions, the windowed series). Definitions, stated in the
report itself:

- reach of an account = its followers (the audience a post of it can reach once);
- contributed reach of an account = its followers, counted once however often it posted;
- downstream reach of an account = followers of the distinct accounts that reposted,
  quoted or replied to its posts, directly or further down the cascade;
- bridge = an account whose downstream reach is at least ``NARR_BRIDGE_MIN_REACH`` and
  ``NARR_BRIDGE_MIN_RATIO`` times its own: it carried the claim to a far larger audience;
- coordination cluster = accounts that repeatedly (≥ ``NARR_COORD_MIN_REPEATS`` items) shared
  the same item within ``NARR_COORD_WINDOW_S`` seconds of each other, grouped by connected
  components, kept from ``NARR_COORD_MIN_ACCOUNTS`` accounts;
- cost of delay = posts and reach accumulated between the first post and the first action,
  and the posts (and reach) published between the alert and the first action, which an
  action at alert time would have kept off algorithmic surfaces.

Private accounts appear as keyed pseudonyms (:func:`~wavebreak.transparency.common.account_label`);
texts of private accounts are not quoted, and any text matching a legal hold is withheld.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from wavebreak.core import constants as C
from wavebreak.core.records import Account, Action, Decision, Post
from wavebreak.transparency.common import (
    account_label,
    applied_decisions,
    describe_actions,
    hold_registry,
    is_public,
    redact_held,
    utc,
)


def _cascade_figure(
    posts: list[Post], followers: dict[str, int], markers: list[tuple[datetime, str, str]]
) -> str:
    """The cascade drawn as a tree: time on x, one band per root tree on y, children below parents."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from wavebreak.transparency.charts import to_data_uri

    in_set = {p.id for p in posts}
    children: dict[str, list[Post]] = defaultdict(list)
    roots: list[Post] = []
    for p in sorted(posts, key=lambda p: p.created_at):
        par = p.parent_id
        if par and par in in_set:
            children[par].append(p)
        else:
            roots.append(p)
    y: dict[str, float] = {}
    row = [0.0]

    def place(p: Post) -> None:
        y[p.id] = row[0]
        kids = children.get(p.id, [])
        if not kids:
            row[0] += 1
        for k in kids:
            place(k)

    import sys

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for r in roots:
        place(r)
    fig, ax = plt.subplots(figsize=(11, 6))
    t = {p.id: p.created_at for p in posts}
    for p in posts:
        par = p.parent_id
        if par in y and p.id in y:
            ax.plot([t[par], t[p.id]], [y[par], y[p.id]], color="#95a5a6", linewidth=0.6, zorder=1)
    colours = {"post": "#c0392b", "repost": "#2980b9", "quote": "#8e44ad", "reply": "#16a085"}
    import math

    for kind, col in colours.items():
        pts = [p for p in posts if str(p.kind) == kind and p.id in y]
        if pts:
            ax.scatter(
                [t[p.id] for p in pts],
                [y[p.id] for p in pts],
                s=[6 + 10 * math.log10(1 + followers.get(p.author_id, 0)) for p in pts],
                c=col,
                label=kind,
                alpha=0.75,
                zorder=2,
                edgecolors="none",
            )
    for when, label, colour in markers:
        ax.axvline(when, color=colour, linestyle="--", linewidth=1)
        ax.annotate(label[:40], xy=(when, 1), xycoords=("data", "axes fraction"), rotation=90, fontsize=7,
                    va="top", ha="right", color=colour)  # fmt: skip
    ax.set_title("Cascade: who propagated whom (marker size = author followers, log scale)")
    ax.set_xlabel("stream time (UTC)")
    ax.set_ylabel("cascade tree / branch (one band per original post)")
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %H:%M"))
    fig.autofmt_xdate()
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.2)
    return to_data_uri(fig)


def _coordination(posts: list[Post]) -> list[list[str]]:
    """Connected components of accounts that co-shared the same item within the window, repeatedly."""
    by_item: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for p in posts:
        key = p.parent_id or (" ".join(p.text.lower().split())[:200] if p.text else None)
        if key:
            by_item[key].append((p.created_at, p.author_id))
    pairs: Counter[tuple[str, str]] = Counter()
    for shares in by_item.values():
        shares.sort()
        seen_pairs: set[tuple[str, str]] = set()
        for i, (ti, ai) in enumerate(shares):
            for tj, aj in shares[i + 1 :]:
                if (tj - ti).total_seconds() > C.NARR_COORD_WINDOW_S:
                    break
                if ai != aj:
                    seen_pairs.add((min(ai, aj), max(ai, aj)))
        pairs.update(seen_pairs)
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for (a, b), n in pairs.items():
        if n >= C.NARR_COORD_MIN_REPEATS:
            parent[find(a)] = find(b)
    groups: dict[str, list[str]] = defaultdict(list)
    for a in list(parent):
        groups[find(a)].append(a)
    return sorted(
        (sorted(g) for g in groups.values() if len(g) >= C.NARR_COORD_MIN_ACCOUNTS), key=len, reverse=True
    )


def build_narrative_report(storage: Any, narrative_id: str) -> dict[str, Any]:
    """Every figure and table of the report (charts are added by :func:`render_narrative_report`)."""
    nar = storage.get_narrative(narrative_id)
    if nar is None:
        raise KeyError(f"no narrative {narrative_id!r} in this store")
    holds = hold_registry(storage)
    ids = storage.narrative_post_ids(narrative_id)
    posts = sorted(storage.get_posts(ids), key=lambda p: p.created_at)
    accounts: dict[str, Account | None] = {}
    for p in posts:
        if p.author_id not in accounts:
            accounts[p.author_id] = storage.get_account(p.author_id)
    followers = {a: (acc.followers if acc else 0) for a, acc in accounts.items()}
    label = {a: account_label(acc, a) for a, acc in accounts.items()}

    def shown_text(p: Post) -> str:
        acc = accounts.get(p.author_id)
        if not is_public(acc):
            return "[text of a private account not quoted]"
        return redact_held(p.text[:280], holds)

    # first posts
    first = [
        {
            "at": p.created_at.isoformat(),
            "account": label[p.author_id],
            "followers": followers[p.author_id],
            "kind": str(p.kind),
            "text": shown_text(p),
        }
        for p in posts[: C.NARRATIVE_REPORT_TOP]
    ]
    # cumulative curves from posts (distinct accounts, reach counted once per account)
    cum_posts, cum_accounts, cum_reach = [], [], []
    seen: set[str] = set()
    reach = 0
    for i, p in enumerate(posts, 1):
        if p.author_id not in seen:
            seen.add(p.author_id)
            reach += followers[p.author_id]
        cum_posts.append((p.created_at, float(i)))
        cum_accounts.append((p.created_at, float(len(seen))))
        cum_reach.append((p.created_at, float(reach)))
    # downstream reach via parent links
    by_id = {p.id: p for p in posts}
    downstream: dict[str, set[str]] = defaultdict(set)
    for p in posts:
        par = p.parent_id
        hops = 0
        while par and par in by_id and hops < 50:
            anc = by_id[par].author_id
            if anc != p.author_id:
                downstream[anc].add(p.author_id)
            par = by_id[par].parent_id
            hops += 1
    posts_by_acc = Counter(p.author_id for p in posts)
    amp_rows = []
    for a in accounts:
        down = sum(followers[b] for b in downstream.get(a, ()))
        amp_rows.append(
            {
                "account": label[a],
                "kind": str(accounts[a].kind) if accounts[a] else "unknown",
                "followers": followers[a],
                "posts": posts_by_acc[a],
                "contributed_reach": followers[a],
                "downstream_reach": down,
                "bridge": down >= C.NARR_BRIDGE_MIN_REACH
                and down >= C.NARR_BRIDGE_MIN_RATIO * max(followers[a], 1),
            }
        )
    amplifiers = sorted(amp_rows, key=lambda r: -r["contributed_reach"])[: C.NARRATIVE_REPORT_TOP]
    bridges = sorted((r for r in amp_rows if r["bridge"]), key=lambda r: -r["downstream_reach"])[
        : C.NARRATIVE_REPORT_TOP
    ]
    clusters = [[label[a] for a in g] for g in _coordination(posts)]
    langs = Counter((p.lang or "unknown") for p in posts)
    # decisions on the narrative and its posts
    pids = set(ids)
    decs: list[Decision] = [
        d
        for _, d in applied_decisions(storage)
        if d.target_id == narrative_id or d.narrative_id == narrative_id or d.target_id in pids
    ]
    restrictive = [d for d in decs if d.severity >= Action.DEMOTE]
    first_action = min((utc(d.at) for d in restrictive), default=None)
    first_nar_action = min((utc(d.at) for d in restrictive if d.target_kind == "narrative"), default=None)
    alert = utc(nar.alerted_at)
    t0 = utc(posts[0].created_at) if posts else utc(nar.first_seen)

    def upto(t: datetime | None) -> tuple[int, int]:
        if t is None:
            return len(posts), int(cum_reach[-1][1]) if cum_reach else 0
        n = sum(1 for p in posts if utc(p.created_at) < t)  # type: ignore[operator]
        return n, int(cum_reach[n - 1][1]) if n else 0

    n_first, r_first = upto(first_action)
    n_alert, r_alert = upto(alert)
    between = [p for p in posts if alert and first_action and alert <= utc(p.created_at) < first_action]  # type: ignore[operator]
    between_reach = sum(followers[a] for a in {p.author_id for p in between})
    refutations = []
    for ev in storage.iter_events(kinds=["refutation.added"]):
        if ev.subject in nar.refuted_by or not nar.refuted_by:
            refutations.append(
                {
                    "id": ev.subject,
                    "at": ev.payload.get("at"),
                    "source_url": ev.payload.get("url"),
                    "text": ev.payload.get("text", ""),
                }
            )
    refuted = [r for r in refutations if r["id"] in nar.refuted_by]
    actions = [
        {
            "at": utc(d.at).isoformat(),  # type: ignore[union-attr]
            "target": d.target_kind if d.target_kind != "post" else "post",
            "rule": d.rule_id,
            "measures": "; ".join(describe_actions(d)),
            "automated": d.automated_decision,
        }
        for d in sorted(restrictive, key=lambda d: d.at)
    ]
    rule_counts = Counter(d.rule_id for d in restrictive)
    return {
        "narrative": {
            "id": nar.id,
            "claim": redact_held(nar.title, holds),
            "status": str(nar.status),
            "first_seen": nar.first_seen.isoformat(),
            "last_seen": nar.last_seen.isoformat(),
            "posts": len(posts),
            "accounts": len(accounts),
            "reach": int(cum_reach[-1][1]) if cum_reach else 0,
            "alerted_at": alert.isoformat() if alert else None,
            "risk": nar.risk,
            "keywords": [redact_held(k, holds) for k in nar.keywords],
        },
        "refutations": refuted or refutations[:1],
        "refutation_is_linked": bool(refuted),
        "first_posts": first,
        "amplifiers": amplifiers,
        "bridges": bridges,
        "coordination_clusters": clusters,
        "languages": dict(langs.most_common()),
        "actions": actions,
        "actions_by_rule": dict(rule_counts.most_common()),
        "cost_of_delay": {
            "first_post": t0.isoformat() if t0 else None,
            "alert": alert.isoformat() if alert else None,
            "first_action": first_action.isoformat() if first_action else None,
            "first_narrative_action": first_nar_action.isoformat() if first_nar_action else None,
            "minutes_first_post_to_first_action": round((first_action - t0).total_seconds() / 60, 1)
            if first_action and t0
            else None,
            "posts_before_first_action": n_first,
            "reach_before_first_action": r_first,
            "posts_before_alert": n_alert,
            "reach_before_alert": r_alert,
            "posts_between_alert_and_first_action": len(between),
            "reach_between_alert_and_first_action": between_reach,
        },
        "_series": {"posts": cum_posts, "accounts": cum_accounts, "reach": cum_reach},
        "_posts": posts,
        "_followers": followers,
        "_restrictive": restrictive,
        "_refutation_times": [r["at"] for r in refuted],
    }


def render_narrative_report(storage: Any, narrative_id: str, out: Path) -> Path:
    """Write the self-contained HTML report (charts embedded as PNG data URIs)."""
    from jinja2 import Environment, select_autoescape

    from wavebreak.decisions.serde import dt_from_iso
    from wavebreak.transparency.charts import bar_chart, timeline_chart

    r = build_narrative_report(storage, narrative_id)
    n = r["narrative"]
    markers: list[tuple[datetime, str, str]] = []
    if n["alerted_at"]:
        markers.append((datetime.fromisoformat(n["alerted_at"]), "alert", "#d35400"))
    cd = r["cost_of_delay"]
    if cd["first_action"]:
        markers.append((datetime.fromisoformat(cd["first_action"]), "first action", "#27ae60"))
    if cd["first_narrative_action"] and cd["first_narrative_action"] != cd["first_action"]:
        markers.append(
            (datetime.fromisoformat(cd["first_narrative_action"]), "narrative restricted", "#16a085")
        )
    for t in r["_refutation_times"]:
        when = dt_from_iso(t)
        if when:
            markers.append((when, "official refutation", "#2c3e50"))
    posts: list[Post] = r["_posts"]
    charts: dict[str, str] = {}
    if posts:
        step = timedelta(minutes=15)
        t0 = posts[0].created_at
        per: Counter[int] = Counter(int((p.created_at - t0) / step) for p in posts)
        series = [(t0 + k * step, float(per.get(k, 0))) for k in range(max(per) + 1)]
        charts["timeline"] = timeline_chart(
            {"posts per 15 min": series},
            title="Posts over time, with alert and actions",
            ylabel="posts",
            markers=markers,
        )
        s = r["_series"]
        charts["growth"] = timeline_chart(
            {"distinct accounts": s["accounts"], "posts": s["posts"]},
            title="Cumulative posts and distinct accounts",
            ylabel="count",
            markers=markers,
        )
        charts["reach"] = timeline_chart(
            {"potential reach (followers of distinct accounts)": s["reach"]},
            title="Cumulative potential reach",
            ylabel="followers reached",
            markers=markers,
        )
        sample = posts[: C.NARRATIVE_REPORT_CASCADE_NODES]
        charts["cascade"] = _cascade_figure(sample, r["_followers"], markers)
    if r["amplifiers"]:
        charts["amplifiers"] = bar_chart(
            [a["account"] for a in r["amplifiers"]],
            [a["contributed_reach"] for a in r["amplifiers"]],
            title="Top amplifiers by contributed reach",
            xlabel="followers",
        )
    if r["languages"]:
        charts["languages"] = bar_chart(
            list(r["languages"]), list(r["languages"].values()), title="Posts by language", xlabel="posts"
        )
    restrictive: list[Decision] = r["_restrictive"]
    if restrictive:
        acc: list[tuple[datetime, float]] = []
        for i, d in enumerate(sorted(restrictive, key=lambda d: d.at), 1):
            acc.append((utc(d.at), float(i)))  # type: ignore[arg-type]
        charts["actions"] = timeline_chart(
            {"posts published": r["_series"]["posts"], "restrictive decisions": acc},
            title="What the platform did, against the curve",
            ylabel="cumulative count",
            markers=markers,
        )
    env = Environment(autoescape=select_autoescape(default=True))
    html = env.from_string(_HTML).render(r=r, n=n, charts=charts, cd=cd, C=C)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Narrative {{ n.id }}: investigation report</title>
<style>body{font-family:Georgia,serif;max-width:1050px;margin:2em auto;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-family:system-ui,sans-serif}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}
th{background:#f4f4f4}img{max-width:100%;margin:1em 0}blockquote{border-left:4px solid #c0392b;margin:1em 0;padding:.3em 1em;background:#fbf3f2}
.ok{border-left-color:#27ae60;background:#f1faf3}.note{font-size:13px;color:#555}</style></head><body>
<h1>How a false claim spread: narrative {{ n.id }}</h1>
<p class="note">Investigation report generated by Wavebreak from the platform's store. Private accounts are shown as keyed
pseudonyms and their posts are not quoted; text matching a legal reporting restriction is withheld.</p>
<h2>The claim</h2><blockquote>{{ n.claim }}</blockquote>
<p>Status <b>{{ n.status }}</b>. First seen {{ n.first_seen }}, last seen {{ n.last_seen }}: {{ n.posts }} posts from
{{ n.accounts }} distinct accounts, potential reach {{ "{:,}".format(n.reach) }} followers. Alert raised: {{ n.alerted_at or "never" }}.</p>
<h2>The refutation</h2>{% for f in r.refutations %}<blockquote class="ok">{{ f.text }}<br><span class="note">{{ f.id }}, {{ f.at }}
{% if f.source_url %}— {{ f.source_url }}{% endif %}{% if not r.refutation_is_linked %} (authority statement on record; not linked to this narrative by claim matching){% endif %}</span></blockquote>
{% else %}<p>No authoritative refutation is on record.</p>{% endfor %}
<h2>Timeline</h2>{% if charts.timeline %}<img src="{{ charts.timeline }}" alt="posts over time">{% endif %}
{% if charts.growth %}<img src="{{ charts.growth }}" alt="cumulative posts and accounts">{% endif %}
{% if charts.reach %}<img src="{{ charts.reach }}" alt="cumulative reach">{% endif %}
<h2>The first posts</h2><table><tr><th>time</th><th>account</th><th>followers</th><th>kind</th><th>text</th></tr>
{% for p in r.first_posts %}<tr><td>{{ p.at }}</td><td>{{ p.account }}</td><td>{{ "{:,}".format(p.followers) }}</td><td>{{ p.kind }}</td><td>{{ p.text }}</td></tr>{% endfor %}</table>
<h2>Bridge accounts</h2><p class="note">Accounts whose downstream reach is at least {{ "{:,}".format(C.NARR_BRIDGE_MIN_REACH) }} and
{{ C.NARR_BRIDGE_MIN_RATIO }}× their own audience: they carried the claim to a far larger audience.</p>
{% if r.bridges %}<table><tr><th>account</th><th>kind</th><th>followers</th><th>downstream reach</th></tr>
{% for a in r.bridges %}<tr><td>{{ a.account }}</td><td>{{ a.kind }}</td><td>{{ "{:,}".format(a.followers) }}</td><td>{{ "{:,}".format(a.downstream_reach) }}</td></tr>{% endfor %}</table>{% else %}<p>None found.</p>{% endif %}
<h2>Top amplifiers</h2>{% if charts.amplifiers %}<img src="{{ charts.amplifiers }}" alt="top amplifiers">{% endif %}
<table><tr><th>account</th><th>kind</th><th>followers (contributed reach)</th><th>posts</th><th>downstream reach</th></tr>
{% for a in r.amplifiers %}<tr><td>{{ a.account }}</td><td>{{ a.kind }}</td><td>{{ "{:,}".format(a.contributed_reach) }}</td><td>{{ a.posts }}</td><td>{{ "{:,}".format(a.downstream_reach) }}</td></tr>{% endfor %}</table>
<h2>The cascade</h2>{% if charts.cascade %}<img src="{{ charts.cascade }}" alt="cascade graph">{% endif %}
<h2>Coordination</h2>{% if r.coordination_clusters %}<p>{{ r.coordination_clusters|length }} cluster(s) of accounts repeatedly sharing the
same items within {{ C.NARR_COORD_WINDOW_S|int }} s:</p><ul>{% for c in r.coordination_clusters %}<li>{{ c|length }} accounts: {{ c[:12]|join(", ") }}{% if c|length > 12 %}, …{% endif %}</li>{% endfor %}</ul>
{% else %}<p>No coordinated cluster found (≥ {{ C.NARR_COORD_MIN_REPEATS }} co-shares within {{ C.NARR_COORD_WINDOW_S|int }} s, ≥ {{ C.NARR_COORD_MIN_ACCOUNTS }} accounts).</p>{% endif %}
<h2>Languages</h2>{% if charts.languages %}<img src="{{ charts.languages }}" alt="languages">{% endif %}
<h2>What the platform did, and when</h2>{% if charts.actions %}<img src="{{ charts.actions }}" alt="actions against the curve">{% endif %}
<p>{{ r.actions|length }} restrictive decisions: {% for k, v in r.actions_by_rule.items() %}{{ k }} ({{ v }}){% if not loop.last %}, {% endif %}{% endfor %}.</p>
<table><tr><th>time</th><th>target</th><th>rule</th><th>measures</th><th>automated</th></tr>
{% for a in r.actions[:25] %}<tr><td>{{ a.at }}</td><td>{{ a.target }}</td><td>{{ a.rule }}</td><td>{{ a.measures }}</td><td>{{ "yes" if a.automated else "no" }}</td></tr>{% endfor %}</table>
{% if r.actions|length > 25 %}<p class="note">First 25 of {{ r.actions|length }} shown.</p>{% endif %}
<h2>What acting earlier would have changed</h2><ul>
<li>First post {{ cd.first_post }}; alert {{ cd.alert or "never" }}; first restrictive action {{ cd.first_action or "never" }}
({{ cd.minutes_first_post_to_first_action if cd.minutes_first_post_to_first_action is not none else "n/a" }} minutes after the first post).</li>
<li>Before the first action: {{ cd.posts_before_first_action }} posts, potential reach {{ "{:,}".format(cd.reach_before_first_action) }} followers.</li>
<li>Before the alert: {{ cd.posts_before_alert }} posts, potential reach {{ "{:,}".format(cd.reach_before_alert) }}.</li>
<li>Between the alert and the first action: {{ cd.posts_between_alert_and_first_action }} posts from accounts with
{{ "{:,}".format(cd.reach_between_alert_and_first_action) }} followers, which an action at alert time would have kept off
trends, recommendations and notifications.</li></ul>
<p class="note">Reach = followers of distinct accounts (potential audience, not measured views). Downstream reach follows
repost/quote/reply links stored with the posts.</p></body></html>"""
