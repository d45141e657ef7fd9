"""Researcher export (DSA Art. 40-style data access): aggregated, pseudonymised tables.

Why these choices: researchers need per-narrative curves, the actions taken and who
amplified, but not the identity of private users. Accounts are named (handle) only when
public (news/authority/organisation, or ≥ ``RESEARCH_PUBLIC_MIN_FOLLOWERS`` followers);
everyone else is a keyed HMAC pseudonym, stable within one key so researchers can follow
an account across tables, unlinkable without the platform's key. Post ids of private
accounts are pseudonymised the same way (a public post id leads to its author). No post
text is exported. Files: CSV always, Parquet alongside (pyarrow), and ``DATA_DICTIONARY.md``.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from wavebreak.core.records import Account, Action
from wavebreak.transparency.common import account_label, applied_decisions, is_public, pseudonym

DICTIONARY: dict[str, dict[str, str]] = {
    "narratives": {
        "narrative_id": "Wavebreak's stable narrative id (a cluster of posts carrying one claim).",
        "status": "emerging | active | refuted | dormant | merged.",
        "first_seen / last_seen": "UTC time of the first and last post assigned to the narrative.",
        "alerted_at": "UTC time a burst or risk alert was raised (empty if never).",
        "posts": "Posts assigned to the narrative.",
        "accounts": "Distinct authoring accounts.",
        "reach": "Sum of followers of distinct authoring accounts (potential audience, not views).",
        "risk": "Risk score in [0, 1] computed by the narratives stage.",
        "languages": "JSON object: language code → posts.",
        "restrictive_decisions": "Decisions (demote or stronger) on the narrative or its posts.",
        "first_action_at": "UTC time of the first such decision (empty if none).",
    },
    "actions": {
        "decision_id": "Id of the decision in the moderation event log.",
        "at": "UTC time the decision was applied.",
        "target_kind": "post | narrative | account.",
        "target": "Narrative id; for posts/accounts: raw id if the author is public, else an HMAC pseudonym.",
        "narrative_id": "Narrative the decision relates to (empty if none).",
        "rule_id": "Policy-pack rule that fired.",
        "dsa_category / dsa_keyword": "DSA Transparency Database category and keyword of the rule's grounds.",
        "illegal": "Whether the grounds assert illegality.",
        "severity": "Most restrictive action (allow < label < context_note < demote < exclude < "
        "interstitial < hold_for_review < geo_withhold < remove).",
        "surfaces": "JSON object: surface → action.",
        "automated_decision": "True when no human took the decision.",
    },
    "accounts": {
        "account": "@handle for public accounts, else HMAC pseudonym (acct_…).",
        "public": "True when named (news/authority/organisation or large audience).",
        "kind": "person | news | authority | organisation | bot | unknown.",
        "followers_bucket": "Followers rounded to a bucket (<100, <1k, <10k, <100k, <1M, ≥1M) for private "
        "accounts; exact count for public ones.",
        "narrative_posts": "Posts of the account assigned to any narrative.",
        "narratives": "Distinct narratives the account posted in.",
        "restricted_posts": "Its posts with a post-level restrictive decision.",
    },
    "narrative_series": {
        "narrative_id": "Narrative id.",
        "at": "Window end (UTC).",
        "posts": "Posts in the window.",
        "accounts_cum / reach_cum": "Cumulative distinct accounts and reach at the window end.",
    },
}


def _bucket(n: int) -> str:
    for limit, label in (
        (100, "<100"),
        (1_000, "<1k"),
        (10_000, "<10k"),
        (100_000, "<100k"),
        (1_000_000, "<1M"),
    ):
        if n < limit:
            return label
    return ">=1M"


def _write(out: Path, name: str, rows: list[dict[str, Any]], fields: list[str]) -> list[Path]:
    p = out / f"{name}.csv"
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k) for k in fields})
    paths = [p]
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(
            [{k: (None if r.get(k) is None else str(r.get(k))) for k in fields} for r in rows]
        )
        if rows:
            pq.write_table(table, out / f"{name}.parquet")
            paths.append(out / f"{name}.parquet")
    except ImportError:  # pragma: no cover - pyarrow is a pinned dependency
        pass
    return paths


def export_research(storage: Any, out: Path, narrative_limit: int = 1000) -> dict[str, Any]:
    """Write the research tables into ``out``; return ``{files, counts}``."""
    out.mkdir(parents=True, exist_ok=True)
    narratives = storage.list_narratives(limit=narrative_limit)
    decisions = [d for _, d in applied_decisions(storage)]
    accounts: dict[str, Account | None] = {}
    post_author: dict[str, str] = {}
    acc_posts: Counter[str] = Counter()
    acc_narr: dict[str, set[str]] = defaultdict(set)
    nar_rows, series_rows = [], []
    for n in narratives:
        pids = storage.narrative_post_ids(n.id)
        for p in storage.get_posts(pids):
            post_author[p.id] = p.author_id
            acc_posts[p.author_id] += 1
            acc_narr[p.author_id].add(n.id)
        pset = set(pids)
        restr = [
            d for d in decisions
            if d.severity >= Action.DEMOTE and (d.target_id == n.id or d.narrative_id == n.id or d.target_id in pset)
        ]  # fmt: skip
        nar_rows.append(
            {
                "narrative_id": n.id,
                "status": str(n.status),
                "first_seen": n.first_seen.isoformat(),
                "last_seen": n.last_seen.isoformat(),
                "alerted_at": n.alerted_at.isoformat() if n.alerted_at else None,
                "posts": n.posts_total,
                "accounts": n.accounts_total,
                "reach": n.reach_total,
                "risk": n.risk,
                "languages": json.dumps(n.languages, sort_keys=True),
                "restrictive_decisions": len(restr),
                "first_action_at": min((d.at for d in restr), default=None),
            }
        )
        for row in storage.narrative_series(n.id):
            series_rows.append(
                {
                    "narrative_id": n.id,
                    "at": row["at"].isoformat() if hasattr(row["at"], "isoformat") else row["at"],
                    "posts": row.get("posts"),
                    "accounts_cum": row.get("accounts_cum", row.get("accounts")),
                    "reach_cum": row.get("reach_cum", row.get("reach")),
                }
            )

    def account(aid: str) -> Account | None:
        if aid not in accounts:
            accounts[aid] = storage.get_account(aid)
        return accounts[aid]

    missing = [d.target_id for d in decisions if d.target_kind == "post" and d.target_id not in post_author]
    for p in storage.get_posts(missing):
        post_author[p.id] = p.author_id
    restricted_by_acc: Counter[str] = Counter()
    act_rows = []
    for d in decisions:
        if d.target_kind == "post":
            author = post_author.get(d.target_id, "")
            target = d.target_id if is_public(account(author)) else pseudonym(d.target_id, "post")
            if d.severity >= Action.DEMOTE:
                restricted_by_acc[author] += 1
        elif d.target_kind == "account":
            target = account_label(account(d.target_id), d.target_id)
        else:
            target = d.target_id
        act_rows.append(
            {
                "decision_id": d.id,
                "at": d.at.isoformat(),
                "target_kind": d.target_kind,
                "target": target,
                "narrative_id": d.narrative_id,
                "rule_id": d.rule_id,
                "dsa_category": d.grounds.dsa_category,
                "dsa_keyword": d.grounds.dsa_keyword,
                "illegal": d.grounds.illegal,
                "severity": d.severity.slug,
                "surfaces": json.dumps({s.value: a.slug for s, a in d.actions.items()}, sort_keys=True),
                "automated_decision": d.automated_decision,
            }
        )
    acc_rows = []
    for aid in sorted(acc_posts, key=lambda a: -acc_posts[a]):
        acc = account(aid)
        pub = is_public(acc)
        acc_rows.append(
            {
                "account": account_label(acc, aid),
                "public": pub,
                "kind": str(acc.kind) if acc else "unknown",
                "followers_bucket": (str(acc.followers) if pub else _bucket(acc.followers))
                if acc
                else "unknown",
                "narrative_posts": acc_posts[aid],
                "narratives": len(acc_narr[aid]),
                "restricted_posts": restricted_by_acc[aid],
            }
        )
    files: list[Path] = []
    files += _write(out, "narratives", nar_rows, list(nar_rows[0]) if nar_rows else ["narrative_id"])
    files += _write(out, "actions", act_rows, list(act_rows[0]) if act_rows else ["decision_id"])
    files += _write(out, "accounts", acc_rows, list(acc_rows[0]) if acc_rows else ["account"])
    files += _write(
        out, "narrative_series", series_rows, ["narrative_id", "at", "posts", "accounts_cum", "reach_cum"]
    )
    lines = [
        "# Wavebreak research export: data dictionary",
        "",
        "Pseudonyms are keyed HMAC-SHA256 (platform key, env WAVEBREAK_PSEUDONYM_KEY), stable within one export key.",
        "Accounts are named only when public (news, authority or organisation accounts, or at least "
        "the public-figure follower threshold). No post text is included.",
        "",
    ]
    for table, cols in DICTIONARY.items():
        lines += [f"## {table} (`{table}.csv`, `{table}.parquet`)", "", "| column | meaning |", "|---|---|"]
        lines += [f"| {c} | {m} |" for c, m in cols.items()]
        lines.append("")
    (out / "DATA_DICTIONARY.md").write_text("\n".join(lines), encoding="utf-8")
    files.append(out / "DATA_DICTIONARY.md")
    return {
        "files": [str(f) for f in files],
        "counts": {
            "narratives": len(nar_rows),
            "actions": len(act_rows),
            "accounts": len(acc_rows),
            "series_rows": len(series_rows),
        },
    }
