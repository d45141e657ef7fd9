"""End-to-end: the demo writes its outputs and the false claim is among its narratives; replay keeps good
records and quarantines bad ones for every input format."""

from __future__ import annotations

import gzip
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wavebreak.cli.main import app
from wavebreak.demo.run import run_demo
from wavebreak.ingest import emit
from wavebreak.scenario import ScenarioConfig, generate

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out, seed=7, scale=0.02, quiet=True, slow_path=False)
    return out


def test_demo_writes_summary_report_and_truth(demo_out: Path) -> None:
    summary = json.loads((demo_out / "summary.json").read_text())
    for key in ("input", "narratives", "alerts", "decisions", "scoring", "scenario"):
        assert key in summary
    assert summary["input"]["accepted"]["posts"] > 3000
    assert summary["input"]["quarantined"]["total"] == 0
    entry = summary["narratives"][0]
    for key in (
        "id",
        "title",
        "keywords",
        "first_seen",
        "alerted_at",
        "posts_at_alert",
        "accounts_at_alert",
        "posts_total",
        "accounts_total",
        "risk",
        "actions",
    ):
        assert key in entry
    assert entry["first_seen"].endswith("Z")
    html = (demo_out / "report.html").read_text()
    assert "<img" in html and "data:image/png;base64," in html
    truth = json.loads((demo_out / "truth.json").read_text())
    assert truth["narrative"]


def test_false_claim_narrative_is_in_the_summary(demo_out: Path) -> None:
    """The narrative holding most false-claim posts is listed, alerted and acted on."""
    summary = json.loads((demo_out / "summary.json").read_text())
    scoring = {row["narrative"]: row for row in summary["scoring"]}
    fc = scoring["false_claim"]
    assert fc["alerted_at"] is not None
    assert fc["minutes_to_first_action"] is not None
    facts = summary["scenario"]["facts"]
    name = facts["suspect_false_name"].split()[-1].lower()
    titles = " ".join(
        (n["title"] + " " + " ".join(n["keywords"] + n["entities"])).lower() for n in summary["narratives"]
    )
    assert name in titles


def test_decisions_are_recorded_in_the_store(demo_out: Path) -> None:
    from wavebreak.decisions.audit import verify_chain
    from wavebreak.storage import open_storage

    storage = open_storage(f"sqlite:///{demo_out / 'wavebreak.db'}")
    kinds = Counter(e.kind for e in storage.iter_events())
    assert kinds["decision.applied"] > 0
    assert kinds["hold.added"] == 1
    assert verify_chain(storage).ok
    storage.close()


@pytest.mark.parametrize("fmt", ["jetstream", "mastodon", "x-v2", "twitter-v1", "jsonl", "csv"])
def test_replay_each_format_quarantines_bad_lines_and_keeps_the_rest(fmt: str, tmp_path: Path) -> None:
    scn = generate(ScenarioConfig(seed=3, scale=0.005))
    posts = list(scn.posts())[:300]
    buf = io.BytesIO()
    emit(posts, fmt, buf)
    lines = buf.getvalue().splitlines(keepends=True)
    if fmt == "csv":
        # A row missing its required fields (id, author, time, text) in the middle of the file.
        data = lines[0] + b"".join(lines[1:50]) + b"x,,,\n" + b"".join(lines[50:])
        expect_bad = 1
    else:
        data = b"".join(lines[:40]) + b"{not json\n" + b"\xff\xfe garbage\n" + b"".join(lines[40:])
        expect_bad = 2
    src = tmp_path / f"stream.{fmt}.gz"
    src.write_bytes(gzip.compress(data))
    summary_path = tmp_path / "summary.json"
    result = runner.invoke(
        app,
        [
            "replay",
            str(src),
            "--format",
            fmt,
            "--db",
            f"sqlite:///{tmp_path / 'r.db'}",
            "--summary",
            str(summary_path),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(summary_path.read_text())
    assert summary["input"]["quarantined"]["total"] == expect_bad
    assert summary["input"]["accepted"]["posts"] >= 290
    qlines = (tmp_path / "quarantine.jsonl").read_text().splitlines()
    assert len(qlines) == expect_bad
    assert all(json.loads(q)["reason"] for q in qlines)


def test_ingest_only_loads_records(tmp_path: Path) -> None:
    scn = generate(ScenarioConfig(seed=4, scale=0.005))
    src = tmp_path / "s.jsonl"
    with src.open("wb") as fh:
        n = emit(list(scn.posts())[:200], "jsonl", fh)
    result = runner.invoke(
        app, ["ingest", str(src), "--format", "jsonl", "--db", f"sqlite:///{tmp_path / 'i.db'}"]
    )
    assert result.exit_code == 0, result.output
    from wavebreak.storage import open_storage

    storage = open_storage(f"sqlite:///{tmp_path / 'i.db'}")
    assert storage.counts()["posts"] == n
    assert storage.counts().get("decisions", 0) == 0
    storage.close()


def test_score_writes_one_object_per_post_in_order(tmp_path: Path) -> None:
    src = tmp_path / "texts.jsonl"
    src.write_text(
        '{"text": "Lovely weather at the beach today"}\n'
        "not json\n"
        '{"text": "Est-ce vrai ? La police dit que ce nom est faux"}\n'
    )
    result = runner.invoke(app, ["score", str(src), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [r["id"] for r in rows] == ["generic:line-1", "generic:line-3"]
    assert rows[1]["lang"] == "fr"
    for r in rows:
        assert {"hate", "incitement", "threat", "abuse", "stance", "rumour"} <= set(r["signals"])
        assert all("model" in s and "explanation" in s for s in r["signals"].values())


def test_false_claim_narrative_is_refuted_by_the_authority_statement(demo_out: Path) -> None:
    """After the police statement, the false-claim narrative is matched to it (refuted_by) and gets
    the context-note decision: the authority-matching half of the Southport story."""
    summary = json.loads((demo_out / "summary.json").read_text())
    name = summary["scenario"]["facts"]["suspect_false_name"].split()[-1].lower()
    claim = [n for n in summary["narratives"] if name in (n["title"] + " ".join(n["keywords"])).lower()]
    assert claim
    top = max(claim, key=lambda n: n["posts_total"])
    assert top.get("refuted_by"), top["title"]
    rules = {a.get("rule_id") or a.get("rule") for a in top["actions"]}
    assert "refuted-narrative-context" in rules
