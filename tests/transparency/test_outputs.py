"""Notices, why, narrative report, research export and the CLI on the demo store."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from wavebreak.cli.main import app
from wavebreak.core.records import Action
from wavebreak.transparency.common import applied_decisions, is_public
from wavebreak.transparency.notices import render_notice
from wavebreak.transparency.why import explain_item, explain_trend


def _first(storage: Any, pred: Any) -> Any:
    return next(d for _, d in applied_decisions(storage) if pred(d))


def test_notice_en_fr(demo_store: Any) -> None:
    d = _first(demo_store, lambda d: d.severity >= Action.EXCLUDE and d.target_kind == "post")
    en, fr = render_notice(d, "en"), render_notice(d, "fr")
    assert d.rule_id in en and d.grounds.platform_policy in en
    assert "appeal" in en and "out-of-court" in en and "automated" in en
    assert "réclamation" in fr and "extrajudiciaire" in fr and "automatiquement" in fr
    assert d.id in en and d.id in fr


def test_why_explains_trend_exclusion_with_rule_and_facts(demo_store: Any) -> None:
    nd = _first(demo_store, lambda d: d.target_kind == "narrative" and d.actions)
    sample = demo_store.narrative_post_ids(nd.target_id)[:20]
    res = explain_trend(demo_store, "any-term", sample=sample, at=nd.at)
    assert res["eligible"] is False
    assert res["rule"] and res["rule"] in res["summary"]
    assert res["decision"] is not None and res["decision"]["because"]  # recorded facts in words
    assert "threshold" in res["summary"]


def test_why_item_names_rule(demo_store: Any) -> None:
    d = _first(demo_store, lambda d: d.target_kind == "post" and d.actions.get("trends") is not None)
    res = explain_item(demo_store, d.target_id, "trends", at=d.at)
    assert res["surfaces"]["trends"]["action"] != "allow"
    assert "rule" in res["summary"] and res["decisions"]


def test_narrative_report_has_charts(demo_store: Any, tmp_path: Path) -> None:
    from wavebreak.transparency.narrative_report import render_narrative_report

    nid = demo_store.list_narratives(limit=1)[0].id
    out = render_narrative_report(demo_store, nid, tmp_path / "n.html")
    html = out.read_text()
    assert html.count('<img src="data:image/png;base64,') >= 4
    assert "What acting earlier would have changed" in html


def test_research_export_hides_small_handles(demo_store: Any, tmp_path: Path) -> None:
    from wavebreak.transparency.research import export_research

    res = export_research(demo_store, tmp_path)
    assert res["counts"]["actions"] > 0 and (tmp_path / "DATA_DICTIONARY.md").exists()
    blob = "\n".join((tmp_path / f).read_text() for f in ("accounts.csv", "actions.csv", "narratives.csv"))
    rows = list(csv.DictReader((tmp_path / "accounts.csv").open()))
    small = [r for r in rows if r["public"] == "False"]
    assert small and all(r["account"].startswith("acct_") for r in small)
    nid = demo_store.list_narratives(limit=1)[0].id
    for p in demo_store.get_posts(demo_store.narrative_post_ids(nid)[:150]):
        acc = demo_store.get_account(p.author_id)
        if acc and not is_public(acc) and acc.handle:
            assert f"@{acc.handle}" not in blob and f",{acc.handle}," not in blob
            assert p.id not in blob


def test_cli_commands(demo_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["export", "sor", "--db", demo_db, "--out", str(tmp_path / "s.jsonl"), "--json"])
    assert r.exit_code == 0, r.output
    counts = json.loads(r.stdout)
    assert counts["invalid"] == 0 and counts["statements"] > 0
    r = runner.invoke(
        app, ["report", "transparency", "--from", "2020-01-01", "--to", "2038-01-01", "--db", demo_db,
              "--out", str(tmp_path / "rep"), "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["own_initiative_total"] > 0 and (tmp_path / "rep" / "own_initiative.csv").exists()
