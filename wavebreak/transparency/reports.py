"""Transparency reports computed from the moderation event log alone.

Why the log and not the tables: the log is append-only and hash-chained, so a figure in a
published report can be recomputed by an auditor from the same verified input
(``wavebreak audit verify`` first). The one exception is post creation time for the UK
"time to take down" figure, which the log does not carry: it is read from the posts table
when a store is given, and the figure says so.

Quantities follow the sheets of the EU harmonised template (Implementing Regulation (EU)
2024/2835): notices received under Art. 16 and from trusted flaggers by category with median
time to action; orders from authorities (Art. 9/10, here authority reports and legal holds)
and median time to give effect; own-initiative measures by type of restriction and whether
solely automated; internal complaints (Art. 20) with outcomes and median handling time;
suspensions for misuse (Art. 23); indicators of the accuracy of automated means (agreement
of automated decisions with later human review, overturn rate on appeal). A UK Online Safety
Act-style view groups the same decisions into illegal-harm categories, with time to take
down and the crisis periods.

Review events are read by kind (``report.received``, ``case.opened``, ``case.decided``,
``appeal.received``, ``appeal.decided``, ``notifier.suspended``, ``account.suspended``...);
fields are looked up under the names the review desk uses (``report_id``/``id``,
``target_id``, ``notifier_kind``, ``category``, ``decision_id``, ``outcome``...), and a
missing kind yields zero counts rather than an error.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from wavebreak.core.records import AccountAction, Action, Decision, Event
from wavebreak.decisions.serde import decision_from_dict, dt_from_iso
from wavebreak.transparency.common import median, utc

RESTRICTIVE_OUTCOMES = {
    "upheld",
    "action",
    "actioned",
    "restrict",
    "restricted",
    "confirmed",
    "violation",
    "remove",
}
NON_RESTRICTIVE_OUTCOMES = {
    "reversed",
    "no_action",
    "allow",
    "dismissed",
    "rejected",
    "overturned",
    "no_violation",
}
OSA_HARMS = {
    "KEYWORD_HATE_SPEECH": "Hate offences (stirring up racial or religious hatred)",
    "KEYWORD_DISCRIMINATION": "Hate offences (stirring up racial or religious hatred)",
    "KEYWORD_INCITEMENT_VIOLENCE_HATRED": "Threats, abuse and incitement to violence",
    "KEYWORD_TERRORIST_CONTENT": "Terrorism",
    "KEYWORD_MISINFORMATION": "False communications offence (s.179)",
    "KEYWORD_DISINFORMATION": "False communications offence (s.179)",
    "KEYWORD_FOREIGN_INFORMATION_MANIPULATION": "Foreign interference offence",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS": "Contempt of court / reporting restrictions",
    "STATEMENT_CATEGORY_VIOLENCE": "Threats, abuse and incitement to violence",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY": "Public order offences",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH": "Harassment, stalking, threats and abuse",
}


def _hours(a: datetime | None, b: datetime | None) -> float | None:
    if a is None or b is None:
        return None
    return round((b - a).total_seconds() / 3600.0, 3)


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def _p(ev: Event, *keys: str, default: Any = None) -> Any:
    for k in keys:
        if k in ev.payload and ev.payload[k] is not None:
            return ev.payload[k]
    return default


def restriction_type(d: Decision) -> str:
    """The template's type of restriction for one decision (most severe measure wins)."""
    if d.account_action == AccountAction.SUSPEND:
        return "account suspension"
    if d.account_action == AccountAction.LIMIT_REACH:
        return "partial suspension of service"
    sev = d.severity
    if sev == Action.REMOVE:
        return "removal"
    if sev == Action.GEO_WITHHOLD:
        return "disabling access (geo)"
    if sev in (Action.EXCLUDE, Action.HOLD_FOR_REVIEW):
        return "exclusion from amplification surfaces"
    if sev == Action.DEMOTE:
        return "demotion"
    return "labelling / context"


def _osa_harm(d: Decision) -> str:
    g = d.grounds
    return OSA_HARMS.get(g.dsa_keyword or "", OSA_HARMS.get(g.dsa_category, "Other / terms of service"))


def compute_report(
    events: list[Event], start: datetime, end: datetime, post_created: dict[str, datetime] | None = None
) -> dict[str, Any]:
    """All figures of the report for events with ``start <= at < end`` (context read from all events)."""
    start, end = utc(start), utc(end)
    assert start is not None and end is not None

    def inside(ev: Event) -> bool:
        at = utc(ev.at)
        return at is not None and start <= at < end

    by_kind: dict[str, list[Event]] = defaultdict(list)
    for ev in events:
        by_kind[ev.kind].append(ev)
    decisions: list[tuple[Event, Decision]] = []
    for ev in by_kind.get("decision.applied", []):
        try:
            decisions.append((ev, decision_from_dict(ev.payload)))
        except (KeyError, ValueError, TypeError):
            continue
    restrictive = [(ev, d) for ev, d in decisions if d.severity >= Action.LABEL or d.account_action]
    actions_on: dict[str, list[tuple[datetime, Decision]]] = defaultdict(list)
    for _, d in restrictive:
        actions_on[d.target_id].append((utc(d.at), d))  # type: ignore[arg-type]
    case_of_report: dict[str, str] = {}
    for ev in by_kind.get("case.opened", []):
        for rid in _p(ev, "report_ids", default=[]) or []:
            case_of_report[str(rid)] = str(_p(ev, "case_id", "id", default=ev.subject))
    case_decided: dict[str, tuple[datetime, str]] = {}
    for ev in by_kind.get("case.decided", []):
        cid = str(_p(ev, "case_id", "id", default=ev.subject))
        case_decided.setdefault(cid, (utc(ev.at), str(_p(ev, "outcome", "action", default="")).lower()))  # type: ignore[arg-type]

    # ---- notices (Art. 16) and orders from authorities
    notices: dict[str, dict[str, Any]] = {}
    tt_all: list[float] = []
    tt_tf: list[float] = []
    orders: list[dict[str, Any]] = []
    for ev in by_kind.get("report.received", []):
        if not inside(ev):
            continue
        kind = str(_p(ev, "notifier_kind", default="user"))
        cat = str(_p(ev, "category", default="STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE"))
        rid = str(_p(ev, "report_id", "id", default=ev.subject))
        target = str(_p(ev, "target_id", default=""))
        at = utc(dt_from_iso(_p(ev, "at")) or ev.at)
        acted = [t for t, _ in actions_on.get(target, []) if at is not None and t >= at]
        cid = case_of_report.get(rid)
        if cid and cid in case_decided and case_decided[cid][1] not in NON_RESTRICTIVE_OUTCOMES:
            acted.append(case_decided[cid][0])
        t_action = _hours(at, min(acted)) if acted else None
        if kind == "authority":
            orders.append(
                {"order_type": "Art. 9 order (authority notice)", "id": rid, "hours_to_effect": t_action}
            )
            continue
        row = notices.setdefault(
            cat, {"category": cat, "notices": 0, "trusted_flagger": 0, "actioned": 0, "_t": [], "_ttf": []}
        )
        row["notices"] += 1
        if kind == "trusted_flagger":
            row["trusted_flagger"] += 1
        if t_action is not None:
            row["actioned"] += 1
            row["_t"].append(t_action)
            tt_all.append(t_action)
            if kind == "trusted_flagger":
                row["_ttf"].append(t_action)
                tt_tf.append(t_action)
    notice_rows = []
    for row in sorted(notices.values(), key=lambda r: -r["notices"]):
        t, ttf = row.pop("_t"), row.pop("_ttf")
        notice_rows.append(
            {**row, "median_hours_to_action": _r(median(t)), "median_hours_to_action_tf": _r(median(ttf))}
        )
    for ev in by_kind.get("hold.added", []):
        if not inside(ev):
            continue
        hid = ev.subject
        starts = utc(dt_from_iso(_p(ev, "starts_at")) or ev.at)
        effects = [
            utc(d.at)
            for _, d in decisions
            if d.rule_id == "legal-hold" and any(h.get("hold_id") == hid for h in d.facts.get("holds") or [])
        ]
        orders.append(
            {
                "order_type": "Art. 10-type legal restriction (legal hold)",
                "id": hid,
                "jurisdictions": ",".join(_p(ev, "jurisdictions", default=[]) or []),
                # the gate enforces a hold from its registration, so registration is giving effect
                "hours_to_effect": max(0.0, _hours(starts, utc(ev.at)) or 0.0),
                "hours_to_first_application": _hours(starts, min(effects)) if effects else None,  # type: ignore[type-var]
            }
        )

    # ---- own-initiative measures
    notified_targets = {str(_p(ev, "target_id", default="")) for ev in by_kind.get("report.received", [])}
    own: Counter[tuple[str, str, str]] = Counter()
    own_auto: Counter[tuple[str, str, str]] = Counter()
    for ev, d in restrictive:
        if not inside(ev):
            continue
        if d.facts.get("notifier_kind") or d.facts.get("report_ids") or d.target_id in notified_targets:
            continue
        key = (d.grounds.dsa_category, restriction_type(d), d.target_kind)
        own[key] += 1
        if d.automated_decision:
            own_auto[key] += 1
    own_rows = [
        {
            "category": k[0],
            "restriction_type": k[1],
            "target_kind": k[2],
            "measures": n,
            "solely_automated": own_auto[k],
            "with_human_involvement": n - own_auto[k],
        }
        for k, n in sorted(own.items(), key=lambda kv: -kv[1])
    ]

    # ---- complaints (Art. 20)
    received = {
        str(_p(ev, "appeal_id", "id", default=ev.subject)): ev for ev in by_kind.get("appeal.received", [])
    }
    decided = [ev for ev in by_kind.get("appeal.decided", []) if inside(ev)]
    outcomes: Counter[str] = Counter()
    handling: list[float] = []
    auto_ids = {d.id for _, d in decisions if d.automated_decision}
    overturn_auto = [0, 0]
    for ev in decided:
        aid = str(_p(ev, "appeal_id", "id", default=ev.subject))
        outcome = str(_p(ev, "outcome", default="unknown")).lower()
        outcomes[outcome] += 1
        rec = received.get(aid)
        if rec is not None:
            h = _hours(utc(rec.at), utc(ev.at))
            if h is not None:
                handling.append(h)
        did = str(_p(ev, "decision_id", default="") or (_p(rec, "decision_id", default="") if rec else ""))
        if did in auto_ids:
            overturn_auto[1] += 1
            overturn_auto[0] += outcome in NON_RESTRICTIVE_OUTCOMES
    complaints = {
        "received": sum(1 for ev in received.values() if inside(ev)),
        "decided": len(decided),
        "outcomes": dict(outcomes),
        "median_hours_to_decide": _r(median(handling)),
    }

    # ---- suspensions (Art. 23)
    susp = {
        "accounts_suspended_manifestly_illegal_content": sum(
            inside(e) for e in by_kind.get("account.suspended", [])
        ),
        "notifiers_suspended_manifestly_unfounded_notices": sum(
            inside(e) for e in by_kind.get("notifier.suspended", [])
        ),
        "notifiers_warned": sum(inside(e) for e in by_kind.get("notifier.warned", [])),
    }

    # ---- automated means: agreement with human review, overturn on appeal
    agree = disagree = 0
    auto_by_target: dict[str, list[datetime]] = defaultdict(list)
    for ev, d in restrictive:
        if d.automated_decision and inside(ev):
            auto_by_target[d.target_id].append(utc(d.at))  # type: ignore[arg-type]
    subject_of_case = {
        str(_p(ev, "case_id", "id", default=ev.subject)): str(_p(ev, "subject_id", "target_id", default=""))
        for ev in by_kind.get("case.opened", [])
    }
    for cid, (at, outcome) in case_decided.items():
        subj = subject_of_case.get(cid, "")
        if subj in auto_by_target and any(t <= at for t in auto_by_target[subj]):
            if outcome in NON_RESTRICTIVE_OUTCOMES:
                disagree += 1
            elif outcome:
                agree += 1
    human_reversals = sum(
        1
        for ev in by_kind.get("decision.reversed", [])
        if inside(ev) and str(_p(ev, "decision_id", default=ev.subject)) in auto_ids and ev.actor != "policy"
    )
    reviewed = agree + disagree
    appeals_decided = sum(outcomes.values())
    reversed_n = sum(n for o, n in outcomes.items() if o in NON_RESTRICTIVE_OUTCOMES)
    automated = {
        "automated_decisions": sum(1 for ev, d in restrictive if inside(ev) and d.automated_decision),
        "automated_decisions_human_reviewed": reviewed,
        "agreement_with_human_review": _r(agree / reviewed) if reviewed else None,
        "automated_decisions_reversed_by_humans": human_reversals,
        "appeals_decided": appeals_decided,
        "overturn_rate_on_appeal": _r(reversed_n / appeals_decided) if appeals_decided else None,
        "overturn_rate_on_appeal_automated": _r(overturn_auto[0] / overturn_auto[1])
        if overturn_auto[1]
        else None,
    }

    # ---- UK OSA view
    harms: dict[str, dict[str, Any]] = {}
    for ev, d in restrictive:
        if not inside(ev):
            continue
        h = harms.setdefault(_osa_harm(d), {"harm": _osa_harm(d), "measures": 0, "takedowns": 0, "_t": []})
        h["measures"] += 1
        if d.item_action >= Action.HOLD_FOR_REVIEW or d.severity >= Action.GEO_WITHHOLD:
            h["takedowns"] += 1
            created = (post_created or {}).get(d.target_id)
            if created is not None:
                h["_t"].append(_hours(utc(created), utc(d.at)))
    harm_rows = []
    for h in sorted(harms.values(), key=lambda r: -r["measures"]):
        t = h.pop("_t")
        harm_rows.append({**h, "median_hours_to_take_down": _r(median(t))})
    crises: dict[str, dict[str, Any]] = {}
    for ev in sorted(
        (e for k, v in by_kind.items() if k.startswith("crisis.") for e in v), key=lambda e: e.at
    ):
        c = crises.setdefault(
            ev.subject,
            {"crisis_id": ev.subject, "title": "", "proposed": None, "confirmed": None, "ended": None},
        )
        if ev.kind == "crisis.proposed":
            c["title"] = _p(ev, "title", default="")
            c["proposed"] = utc(ev.at)
            c["expires"] = utc(dt_from_iso(_p(ev, "expires_at")))
        elif ev.kind == "crisis.confirmed":
            c["confirmed"] = utc(ev.at)
        elif ev.kind == "crisis.renewed":
            c["expires"] = utc(dt_from_iso(_p(ev, "expires_at")))
        elif ev.kind == "crisis.ended":
            c["ended"] = utc(ev.at)
    crisis_rows = []
    for c in crises.values():
        s_, e_ = c.get("confirmed"), c.get("ended") or c.get("expires")
        n = sum(1 for _, d in restrictive if s_ and utc(d.at) >= s_ and (e_ is None or utc(d.at) < e_))  # type: ignore[operator]
        crisis_rows.append(
            {
                "crisis_id": c["crisis_id"],
                "title": c["title"],
                "proposed": _iso(c.get("proposed")),
                "confirmed": _iso(s_),
                "ended_or_expires": _iso(e_),
                "measures_during_crisis": n,
            }
        )

    return {
        "period": {"from": _iso(start), "to": _iso(end)},
        "notices_art16": notice_rows,
        "notices_total": sum(r["notices"] for r in notice_rows),
        "notices_trusted_flaggers": sum(r["trusted_flagger"] for r in notice_rows),
        "median_hours_to_action": _r(median(tt_all)),
        "median_hours_to_action_trusted_flaggers": _r(median(tt_tf)),
        "orders_art9_10": orders,
        "median_hours_to_give_effect_to_orders": _r(median(o["hours_to_effect"] for o in orders)),
        "own_initiative": own_rows,
        "own_initiative_total": sum(r["measures"] for r in own_rows),
        "own_initiative_solely_automated": sum(r["solely_automated"] for r in own_rows),
        "complaints_art20": complaints,
        "suspensions_art23": susp,
        "automated_means": automated,
        "uk_osa": {
            "illegal_harms": harm_rows,
            "crisis_periods": crisis_rows,
            "time_to_take_down_source": "posts table (post creation time)"
            if post_created
            else "not available",
        },
    }


def _iso(v: datetime | None) -> str | None:
    return v.isoformat().replace("+00:00", "Z") if v else None


def report_from_storage(storage: Any, start: datetime, end: datetime) -> dict[str, Any]:
    """Read the whole log once, plus creation times of posts taken down, and compute the report."""
    events = list(storage.iter_events())
    targets = []
    for ev in events:
        if ev.kind == "decision.applied" and ev.payload.get("target_kind") == "post":
            sev = ev.payload.get("item_action", "allow")
            if Action.parse(sev) >= Action.HOLD_FOR_REVIEW:
                targets.append(ev.payload["target_id"])
    created = {p.id: p.created_at for p in storage.get_posts(targets)} if targets else {}
    return compute_report(events, start, end, created)


SHEETS = {
    "notices_art16.csv": "notices_art16",
    "orders_art9_10.csv": "orders_art9_10",
    "own_initiative.csv": "own_initiative",
    "uk_osa_illegal_harms.csv": ("uk_osa", "illegal_harms"),
    "uk_osa_crisis_periods.csv": ("uk_osa", "crisis_periods"),
}


def _write_csv(path: Path, rows: list[dict[str, Any]], fields: list[str] | None = None) -> None:
    fields = fields or sorted({k for r in rows for k in r}) or ["empty"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k) for k in fields})


def write_report(report: dict[str, Any], out: Path) -> list[Path]:
    """One CSV per template sheet, ``report.json`` and a readable ``index.html`` with charts."""
    from jinja2 import Environment, select_autoescape

    from wavebreak.transparency.charts import bar_chart

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, key in SHEETS.items():
        rows = report[key[0]][key[1]] if isinstance(key, tuple) else report[key]
        p = out / name
        _write_csv(p, rows)
        paths.append(p)
    kv_sheets = {
        "complaints_art20.csv": {
            **{k: v for k, v in report["complaints_art20"].items() if k != "outcomes"},
            **{f"outcome_{k}": v for k, v in report["complaints_art20"]["outcomes"].items()},
        },
        "suspensions_art23.csv": report["suspensions_art23"],
        "automated_means.csv": report["automated_means"],
    }
    for name, kv in kv_sheets.items():
        p = out / name
        _write_csv(p, [{"indicator": k, "value": v} for k, v in kv.items()], ["indicator", "value"])
        paths.append(p)
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    paths.append(out / "report.json")
    charts = []
    own = report["own_initiative"]
    if own:
        agg: Counter[str] = Counter()
        for r in own:
            agg[r["restriction_type"]] += r["measures"]
        charts.append(
            bar_chart(
                list(agg), list(agg.values()), title="Own-initiative measures by type", xlabel="measures"
            )
        )
    if report["notices_art16"]:
        rows = report["notices_art16"]
        charts.append(
            bar_chart(
                [r["category"].replace("STATEMENT_CATEGORY_", "") for r in rows],
                [r["notices"] for r in rows],
                title="Notices received (Art. 16) by category",
                xlabel="notices",
            )
        )
    harms = report["uk_osa"]["illegal_harms"]
    if harms:
        charts.append(
            bar_chart(
                [h["harm"] for h in harms],
                [h["measures"] for h in harms],
                title="Measures by UK illegal-harm category",
                xlabel="measures",
            )
        )
    env = Environment(autoescape=select_autoescape(default=True))
    html = env.from_string(_HTML).render(r=report, charts=charts)
    (out / "index.html").write_text(html, encoding="utf-8")
    paths.append(out / "index.html")
    return paths


_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Transparency report {{ r.period.from }} to {{ r.period.to }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}
th{background:#f4f4f4}img{max-width:100%}</style></head><body>
<h1>Transparency report</h1><p>Period: {{ r.period.from }} to {{ r.period.to }}. Computed from the
hash-chained moderation event log (verify with <code>wavebreak audit verify</code>).</p>
<h2>Notices (Art. 16)</h2><p>{{ r.notices_total }} notices, {{ r.notices_trusted_flaggers }} from trusted
flaggers; median time to action {{ r.median_hours_to_action if r.median_hours_to_action is not none else "n/a" }} h
(trusted flaggers: {{ r.median_hours_to_action_trusted_flaggers if r.median_hours_to_action_trusted_flaggers is not none else "n/a" }} h).</p>
{% if r.notices_art16 %}<table><tr><th>category</th><th>notices</th><th>trusted flaggers</th><th>actioned</th><th>median h</th></tr>
{% for n in r.notices_art16 %}<tr><td>{{ n.category }}</td><td>{{ n.notices }}</td><td>{{ n.trusted_flagger }}</td><td>{{ n.actioned }}</td><td>{{ n.median_hours_to_action }}</td></tr>{% endfor %}</table>{% endif %}
<h2>Orders from authorities (Art. 9/10)</h2><p>{{ r.orders_art9_10|length }} orders; median time to give effect
{{ r.median_hours_to_give_effect_to_orders if r.median_hours_to_give_effect_to_orders is not none else "n/a" }} h.</p>
<h2>Own-initiative measures</h2><p>{{ r.own_initiative_total }} measures, {{ r.own_initiative_solely_automated }} solely automated.</p>
<table><tr><th>category</th><th>type</th><th>target</th><th>measures</th><th>solely automated</th></tr>
{% for o in r.own_initiative %}<tr><td>{{ o.category }}</td><td>{{ o.restriction_type }}</td><td>{{ o.target_kind }}</td><td>{{ o.measures }}</td><td>{{ o.solely_automated }}</td></tr>{% endfor %}</table>
<h2>Complaints (Art. 20)</h2><p>{{ r.complaints_art20.received }} received, {{ r.complaints_art20.decided }} decided
{{ r.complaints_art20.outcomes }}; median {{ r.complaints_art20.median_hours_to_decide if r.complaints_art20.median_hours_to_decide is not none else "n/a" }} h.</p>
<h2>Suspensions (Art. 23)</h2><ul>{% for k, v in r.suspensions_art23.items() %}<li>{{ k }}: {{ v }}</li>{% endfor %}</ul>
<h2>Automated means: accuracy indicators</h2><ul>{% for k, v in r.automated_means.items() %}<li>{{ k }}: {{ v if v is not none else "n/a" }}</li>{% endfor %}</ul>
<h2>UK Online Safety Act view</h2><table><tr><th>illegal harm</th><th>measures</th><th>take-downs</th><th>median h to take down</th></tr>
{% for h in r.uk_osa.illegal_harms %}<tr><td>{{ h.harm }}</td><td>{{ h.measures }}</td><td>{{ h.takedowns }}</td><td>{{ h.median_hours_to_take_down }}</td></tr>{% endfor %}</table>
<h3>Crisis periods</h3><table><tr><th>crisis</th><th>confirmed</th><th>ended / expires</th><th>measures</th></tr>
{% for c in r.uk_osa.crisis_periods %}<tr><td>{{ c.crisis_id }} {{ c.title }}</td><td>{{ c.confirmed }}</td><td>{{ c.ended_or_expires }}</td><td>{{ c.measures_during_crisis }}</td></tr>{% endfor %}</table>
<h2>Charts</h2>{% for c in charts %}<img src="{{ c }}" alt="chart">{% endfor %}
</body></html>"""
