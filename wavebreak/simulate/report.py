"""The simulator's HTML report: the two arms side by side, the targets, and the sweep curve.

Self-contained (charts are PNG data URIs from :mod:`wavebreak.transparency.charts`) so
it can be mailed to a policy owner or a regulator as one file.
"""

from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path
from typing import Any

from wavebreak.core import constants as C

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1300px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
.ok{color:#1e8449;font-weight:bold}.miss{color:#c0392b;font-weight:bold}
.pair{display:flex;gap:1em}.pair>div{flex:1}img{max-width:100%}
"""


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return html.escape(str(v))


def _timeline(arm: dict[str, Any], title: str) -> str:
    from wavebreak.scenario import ScenarioConfig
    from wavebreak.transparency.charts import timeline_chart

    start = ScenarioConfig().start
    s = arm["series"]
    hours = s["hours"]
    series = {}
    for key in ("false_claim", "incitement", "refutation"):
        for kind in ("organic", "algorithmic"):
            series[f"{key} {kind}"] = [
                (start + timedelta(hours=h), v) for h, v in zip(hours, s[key][kind], strict=True)
            ]
    return timeline_chart(series, title=title, ylabel="views per hour")


def comparison_html(result: dict[str, Any]) -> str:
    """Report for ``wavebreak simulate --policy A --vs B``."""
    from wavebreak.transparency.charts import bar_chart

    pol, vs = result["policy"], result["vs"]
    a0, b0 = result["arms"][vs][0], result["arms"][pol][0]
    agg = result["aggregate"]
    rows = []
    for name, t in agg["targets"].items():
        cls = "ok" if t["met"] else "miss"
        ci = t.get("ci95")
        rows.append(
            f"<tr><td>{html.escape(name)}</td><td>{_fmt(t['target'])}</td><td>{_fmt(t['measured'])}</td>"
            f"<td>{_fmt(ci[0]) + ' .. ' + _fmt(ci[1]) if ci else 'one seed'}</td>"
            f"<td class={cls}>{'met' if t['met'] else 'missed'}</td></tr>"
        )
    figs = []
    for key, v in agg["figures"].items():
        ci = v["ci95"]
        figs.append(
            f"<tr><td>{html.escape(key)}</td><td>{_fmt(v['mean'])}</td>"
            f"<td>{_fmt(ci[0]) + ' .. ' + _fmt(ci[1]) if ci else 'one seed'}</td></tr>"
        )
    labels, va, vb = [], [], []
    for key in ("false_claim", "incitement", "refutation"):
        for kind in ("organic", "algorithmic"):
            labels.append(f"{key} {kind}")
            va.append(a0["exposures"][key][kind])
            vb.append(b0["exposures"][key][kind])
    bar_a = bar_chart(labels, va, title=f"exposures, arm {vs} (seed {a0['seed']})", xlabel="views")
    bar_b = bar_chart(labels, vb, title=f"exposures, arm {pol} (seed {b0['seed']})", xlabel="views")
    col = b0["collateral"]
    blocked = "".join(
        f"<tr><td>{html.escape(b['region'])}</td><td>{html.escape(b['term'])}</td><td>{_fmt(b['minutes'])}</td>"
        f"<td>{_fmt(b.get('total_minutes'))}</td></tr>"
        for b in col["blocked_trends"]
    )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Wavebreak simulation: {html.escape(pol)} vs {html.escape(vs)}</title>
<style>{_CSS}</style></head><body>
<h1>Counterfactual simulation: {html.escape(pol)} vs {html.escape(vs)}</h1>
<p>Seeds {result["seeds"]}, scale {result["scale"]}, {result["hours"]} h, 5-minute steps. Agent-based diffusion on a
follower graph built from the scenario's accounts; trends, search and recommendations ask the gate before showing
anything. Assumptions and every parameter: docs/simulate.md.</p>
<h2>Targets (mean over seeds)</h2>
<table><tr><th>target</th><th>threshold</th><th>measured</th><th>95 % CI</th><th></th></tr>{"".join(rows)}</table>
<h2>Exposures over time (first seed)</h2>
<div class=pair><div><img src="{_timeline(a0, f"arm {vs}")}"></div><div><img src="{_timeline(b0, f"arm {pol}")}"></div></div>
<div class=pair><div><img src="{bar_a}"></div><div><img src="{bar_b}"></div></div>
<h2>Benign trends blocked (arm {html.escape(pol)}, first seed; limit {C.SIM_BENIGN_TREND_BLOCK_MAX_MIN:g} min)</h2>
<table><tr><th>region</th><th>term</th><th>longest block (min)</th><th>all blocks (min)</th></tr>{blocked}</table>
<h2>Review workload (arm {html.escape(pol)}, first seed)</h2><pre>{html.escape(str(b0.get("review")))}</pre>
<h2>Every figure (mean, 95 % CI over seeds)</h2>
<table><tr><th>figure</th><th>mean</th><th>95 % CI</th></tr>{"".join(figs)}</table>
</body></html>"""


def sweep_html(result: dict[str, Any]) -> str:
    """Report for ``wavebreak simulate sweep``: harm prevented against collateral per threshold factor."""
    import matplotlib.pyplot as plt

    from wavebreak.transparency.charts import to_data_uri

    pts = result["points"]
    xs = [p["benign_restricted_share"]["mean"] or 0.0 for p in pts]
    ys = [p["harm_prevented_total"]["mean"] or 0.0 for p in pts]
    ya = [p["harm_prevented_algorithmic"]["mean"] or 0.0 for p in pts]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(xs, ys, "o-", label="total exposures prevented")
    ax.plot(xs, ya, "s--", label="algorithmic exposures prevented")
    for p, x, y in zip(pts, xs, ys, strict=True):
        ax.annotate(f"x{p['factor']:g}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel("benign posts restricted (share)")
    ax.set_ylabel("harmful exposures prevented (share)")
    ax.set_title("Harm prevented vs collateral, thresholds scaled")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    img = to_data_uri(fig)
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{_fmt(p[k]['mean'] if isinstance(p[k], dict) else p[k])}</td>"
            for k in (
                "factor",
                "harm_prevented_total",
                "harm_prevented_algorithmic",
                "benign_restricted_share",
                "max_benign_trend_block_min",
                "refutation_reach_ratio",
                "legit_views_lost_share",
            )
        )
        + "</tr>"
        for p in pts
    )
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Wavebreak threshold sweep</title>
<style>{_CSS}</style></head><body><h1>Threshold sweep: {html.escape(result["policy"])}</h1>
<p>Every named threshold of the pack multiplied by the factor (lower = stricter). Seeds {result["seeds"]},
scale {result["scale"]}.</p><img src="{img}">
<table><tr><th>factor</th><th>total prevented</th><th>algorithmic prevented</th><th>benign restricted</th>
<th>longest benign trend block (min)</th><th>refutation reach ratio</th><th>legit views lost</th></tr>{rows}</table>
</body></html>"""


def write(out: Path, name: str, result: dict[str, Any], page: str) -> None:
    """Write ``<name>.json`` and ``<name>.html`` into ``out``."""
    import orjson

    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_bytes(
        orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY)
    )
    (out / f"{name}.html").write_text(page, encoding="utf-8")
