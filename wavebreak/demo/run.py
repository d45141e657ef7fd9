"""``wavebreak demo``: a Southport-like crisis replayed through the whole pipeline.

The generator writes a deterministic stream (fictional names and places) and
its ground truth; the pipeline runs on an embedded SQLite file exactly as in
production. The people around the machine are scripted by
:class:`DemoDirector`, each acting in stream time as a trust & safety team
would: the legal team registers the statutory restriction on the minor's name,
the fact-check desk registers the police statement when it is published, and
the duty officer confirms a crisis that the engine proposed after a short
review delay. Everything they do is an event in the log, like any decision.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from wavebreak.core import constants as C
from wavebreak.core.records import AuthorityStatement, Event, LegalHold
from wavebreak.demo.live import LivePrinter, drive, print_counts
from wavebreak.pipeline.runner import (
    Pipeline,
    PipelineOptions,
    build_pipeline,
    default_score_workers,
    replay_gc,
)
from wavebreak.pipeline.stage import Batch
from wavebreak.pipeline.summary import build_summary, iso


def scenario_batches(
    posts: Iterator[Any], size: int, max_span: float = C.BATCH_MAX_SPAN_SECONDS
) -> Iterator[Batch]:
    """Group the generator's time-ordered posts into micro-batches of at most ``size`` posts
    and ``max_span`` seconds of stream time (the engine reacts once per batch)."""
    buf: list[Any] = []
    t0 = None
    for post in posts:
        if buf and (len(buf) >= size or (post.created_at - t0).total_seconds() > max_span):
            yield Batch(posts=buf)
            buf = []
        if not buf:
            t0 = post.created_at
        buf.append(post)
    if buf:
        yield Batch(posts=buf)


@dataclass
class DemoDirector:
    """The scripted humans of the demo, acting in stream time before each batch."""

    facts: Any
    start: datetime
    console: Console
    quiet: bool
    confirm_delay: timedelta = field(default_factory=lambda: timedelta(minutes=C.DEMO_CRISIS_CONFIRM_MINUTES))
    statement_registered: bool = False
    confirmed: set[str] = field(default_factory=set)
    log: list[dict[str, Any]] = field(default_factory=list)

    def say(self, at: datetime, who: str, what: str) -> None:
        from wavebreak.demo.live import stream_clock

        self.log.append({"at": iso(at), "who": who, "what": what})
        if not self.quiet:
            self.console.print(f"[bold]{stream_clock(at, self.start)}[/] [cyan]{who.upper()}[/] {what}")

    def setup(self, pipeline: Pipeline) -> None:
        """Before the stream: registries exist, and the legal team turns the restriction into a hold."""
        from wavebreak.policy.crisis import CrisisManager
        from wavebreak.policy.holds import HoldRegistry
        from wavebreak.policy.refutations import RefutationRegistry

        services = pipeline.ctx.services
        holds = services.setdefault("holds", HoldRegistry())
        services.setdefault("refutations", RefutationRegistry())
        services.setdefault("crises", CrisisManager())
        hold = LegalHold(
            id="hold-minor-suspect",
            title="Reporting restriction: identity of a minor suspect (England and Wales)",
            terms=tuple(self.facts.protected_terms),
            jurisdictions=("GB",),
            legal_basis="Children and Young Persons Act 1933 s.49 (reporting restrictions on a child "
            "or young person concerned in proceedings), England and Wales",
            starts_at=self.start,
        )
        _append(pipeline, [holds.add(hold, actor="legal-team")])
        self.say(self.start, "legal team", f"legal hold registered: {hold.title}")

    def before(self, batch: Batch, pipeline: Pipeline) -> None:
        services = pipeline.ctx.services
        if not batch.posts or "refutations" not in services:
            return
        now = batch.posts[-1].created_at
        # Fact-check desk: registers the authority's statement as soon as it is published.
        if not self.statement_registered:
            for post in batch.posts:
                if post.id == self.facts.authority_statement_post_id:
                    st = AuthorityStatement(
                        id="stmt-police-1",
                        at=post.created_at,
                        source=self.facts.authority_account_id,
                        text=self.facts.authority_statement_text,
                        lang="en",
                        claim=f"The suspect is {self.facts.suspect_false_name}, an asylum seeker on a watch list",
                        url=f"https://{C.DEMO_AUTHORITY_DOMAIN}/news/statement",
                    )
                    _append(pipeline, [services["refutations"].add(st, actor="fact-check-desk")])
                    self.statement_registered = True
                    self.say(
                        post.created_at, "fact-check desk", "police statement registered as a refutation"
                    )
                    break
        # Duty officer: confirms a proposed crisis after reviewing it for a few minutes.
        crises = services["crises"]
        for crisis in crises.pending():
            if crisis.id in self.confirmed or now - crisis.declared_at < self.confirm_delay:
                continue
            event = crises.confirm(crisis.id, by="duty-officer", at=now)
            _append(pipeline, [event])
            self.confirmed.add(crisis.id)
            self.say(now, "duty officer", f"crisis {crisis.id} confirmed: {crisis.title}")


class ReviewTeam:
    """The scripted review team: notices arrive in stream time and a small team works the queue.

    Reports come from ``wavebreak.review.simulate`` (users, a trusted flagger, a police referral
    unit, and a few bad-faith reporters). Each reviewer decides one case every
    ``DEMO_REVIEW_MINUTES_PER_CASE`` minutes, always taking the top of the harm-ordered queue,
    and judges like a careful human (the scenario's ground truth stands in for their judgement).
    A false-claim case is decided for its whole narrative; at the end, one wrongly restricted
    post is appealed and a *different* reviewer reverses it, so the gate changes back.
    """

    def __init__(self, scenario: Any, storage: Any, director: DemoDirector, max_reports: int) -> None:
        from wavebreak.review.desk import ReviewDesk
        from wavebreak.review.simulate import prepare_desk, simulated_reports

        self.scn = scenario
        self.director = director
        self.desk = ReviewDesk(storage)
        prepare_desk(self.desk, scenario, at=scenario.config.start)
        self.reports = simulated_reports(scenario, seed=scenario.config.seed, max_reports=max_reports)
        self._next = 0
        self._capacity = 0.0
        self._last: datetime | None = None
        self.decided = 0
        self.narrative_actions: list[dict[str, Any]] = []
        self.appeal: dict[str, Any] | None = None

    def before(self, batch: Batch, pipeline: Pipeline) -> None:
        if not batch.posts:
            return
        # Between two batches the team is the only writer: the desk reads the log once
        # (ReviewDesk.batch), and the team's writes (notices, cases, decisions, reversals) commit
        # together, one commit instead of one per notice and per decision. The desk applies what
        # it appends as it goes, so it sees the same either way.
        tx = getattr(self.desk.storage, "transaction", None)
        with tx() if tx is not None else nullcontext(), self.desk.batch():
            self._before(batch.posts[-1].created_at)

    def _before(self, now: datetime) -> None:
        while self._next < len(self.reports) and self.reports[self._next][0] <= now:
            _at, report = self.reports[self._next]
            self.desk.submit(report)
            self._next += 1
        if self._last is not None:
            minutes = (now - self._last).total_seconds() / 60
            self._capacity += minutes * C.DEMO_REVIEWERS / C.DEMO_REVIEW_MINUTES_PER_CASE
        self._last = now
        while self._capacity >= 1:
            queue = self.desk.queue(at=now)
            if not queue:
                self._capacity = 0
                break
            self._capacity -= 1
            self._decide(queue[0], now)

    def _decide(self, item: Any, now: datetime) -> None:
        from wavebreak.review.policies import policy_for_category
        from wavebreak.review.simulate import truth_label

        cf = item.file
        reviewer = f"reviewer-{1 + self.decided % C.DEMO_REVIEWERS}"
        target = cf.target_ids[0] if cf.target_ids else cf.case.subject_id
        label = truth_label(self.scn, target)
        policy = policy_for_category(label)
        if label == "other":
            action, scope = "allow", "post"
        elif label == "misinformation" and cf.narrative_id:
            action, scope = "exclude", "narrative"
        elif label in ("incitement", "minor_identity"):
            action, scope = "remove", "post"
        else:
            action, scope = "demote", "post"
        try:
            d = self.desk.decide(
                cf.case.id,
                reviewer,
                policy,
                action,
                scope=scope,
                at=now,
                note=f"simulated reviewer: {label}",
                role="lead",
            )
        except (PermissionError, ValueError, KeyError):
            return
        self.decided += 1
        if d is not None and scope == "narrative":
            self.narrative_actions.append(
                {
                    "at": iso(now),
                    "case": cf.case.id,
                    "narrative": cf.narrative_id,
                    "decision": d.id,
                    "reviewer": reviewer,
                    "action": action,
                }
            )
            self.director.say(
                now,
                reviewer,
                f"case {cf.case.id}: {action} for the whole narrative {cf.narrative_id} ({policy})",
            )

    def finish(self, storage: Any, end: datetime) -> dict[str, Any]:
        """Appeal one wrongly restricted post, have another reviewer reverse it, report metrics."""
        from wavebreak.review.simulate import truth_label

        for event in storage.iter_events(kinds=["decision.applied"]):
            payload = event.payload
            target = payload.get("target_id", "")
            if payload.get("target_kind") != "post" or truth_label(self.scn, target) != "other":
                continue
            if self.scn.truth.narrative.get(target) not in ("refutation", "chatter", "background:news"):
                continue
            try:
                appeal = self.desk.appeal(
                    payload["id"],
                    "author-of-" + target,
                    "My post corrects the rumour; it does not spread it.",
                    at=end,
                )
            except ValueError:  # already reversed by a reviewer (or out of window): not appealable
                continue
            decided = self.desk.decide_appeal(
                appeal.id,
                "appeals-reviewer",
                "reversed",
                "The post refutes the claim; restriction lifted.",
                at=end,
            )
            self.appeal = {
                "decision": payload["id"],
                "target": target,
                "appeal": appeal.id,
                "outcome": str(decided.outcome),
                "decided_by": decided.decided_by,
            }
            self.director.say(end, "appeals reviewer", f"appeal {appeal.id} on {target}: reversed")
            break
        return {
            "reports_submitted": self._next,
            "cases_decided": self.decided,
            "narrative_actions": self.narrative_actions,
            "appeal": self.appeal,
            "metrics": self.desk.metrics(at=end),
        }


def _append(pipeline: Pipeline, events: list[Event]) -> None:
    """Record a human action in the event log at once (recorded before announced)."""
    if pipeline.ctx.storage is not None and events:
        pipeline.ctx.storage.append_events(events)


class TruthTracker:
    """Counts, per true narrative, its posts over time and where the pipeline put them."""

    def __init__(self, truth: Any) -> None:
        self.truth = truth
        self.times: dict[str, list[datetime]] = defaultdict(list)
        self.assigned: dict[str, Counter[str]] = defaultdict(Counter)

    def after(self, batch: Batch, _pipeline: Pipeline) -> None:
        label_of = self.truth.narrative
        for post in batch.posts:
            label = label_of.get(post.id, "chatter")
            self.times[label].append(post.created_at)
            nid = batch.narrative_of.get(post.id)
            if nid is not None:
                self.assigned[label][nid] += 1

    def score(self, pipeline: Pipeline, first_action: dict[str, datetime]) -> list[dict[str, Any]]:
        """Lead time per true narrative: alert of the detected narratives that hold most of its posts."""
        service = pipeline.ctx.services.get("narratives")
        rows = []
        for label in sorted(self.times):
            if label == "chatter":
                continue
            times = self.times[label]
            total = len(times)
            first = times[0]
            alerted: datetime | None = None
            acted: datetime | None = None
            for nid, count in self.assigned[label].most_common(C.DEMO_SCORING_TOP_NARRATIVES):
                n = service.get(nid) if service is not None else None
                if n is None or count < C.DEMO_SCORING_MIN_SHARE * total:
                    continue
                # A narrative alerted before this true narrative began covered it from its first post.
                if n.alerted_at is not None:
                    at = max(n.alerted_at, first)
                    alerted = at if alerted is None else min(alerted, at)
                fa = first_action.get(nid)
                if fa is not None:
                    at = max(fa, first)
                    acted = at if acted is None else min(acted, at)
            share = None
            if alerted is not None:
                share = sum(1 for t in times if t <= alerted) / total
            rows.append(
                {
                    "narrative": label,
                    "posts": total,
                    "first_post": iso(first),
                    "alerted_at": iso(alerted),
                    "minutes_to_alert": round((alerted - first).total_seconds() / 60, 1) if alerted else None,
                    "share_at_alert": share,
                    "minutes_to_first_action": round((acted - first).total_seconds() / 60, 1)
                    if acted
                    else None,
                }
            )
        return rows


def run_demo(
    out: Path,
    *,
    seed: int = 7,
    scale: float = 1.0,
    db: str | None = None,
    quiet: bool = False,
    slow_path: bool = True,
    score_workers: int | None = None,
) -> dict[str, Any]:
    """Generate, replay, write summary.json, truth.json and report.html into ``out``.

    ``score_workers``: processes scoring texts ahead of the pipeline (None: one where this process
    may use two CPUs, else none; :func:`~wavebreak.pipeline.runner.default_score_workers`); the
    results are the same either way.
    """
    from wavebreak.scenario import ScenarioConfig, generate
    from wavebreak.storage import open_storage

    console = Console(stderr=True)
    scn = generate(ScenarioConfig(seed=seed, scale=scale))
    out.mkdir(parents=True, exist_ok=True)
    if db is None:
        db_path = out / "wavebreak.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        db = f"sqlite:///{db_path}"
    quarantine = out / "quarantine.jsonl"
    quarantine.unlink(missing_ok=True)
    storage = open_storage(db)
    opts = PipelineOptions(
        quarantine_file=quarantine,
        slow_path=slow_path,
        config={"credibility": {"trusted_authorities": [scn.facts.authority_account_id]}},
        score_workers=default_score_workers() if score_workers is None else score_workers,
    )
    pipeline = build_pipeline(storage, opts)
    start = scn.config.start
    printer = LivePrinter(pipeline, console, start=start, quiet=quiet)
    pipeline.ctx.on_alert.append(printer.on_alert)
    pipeline.ctx.on_decision.append(printer.on_decision)
    director = DemoDirector(scn.facts, start, console, quiet)
    director.setup(pipeline)
    team = ReviewTeam(scn, storage, director, max_reports=int(C.DEMO_MAX_REPORTS * max(scale, 0.05)))
    tracker = TruthTracker(scn.truth)
    total = len(scn.truth.narrative)

    def after_hook(batch: Batch, p: Pipeline) -> None:
        tracker.after(batch, p)

    batches = pipeline.ahead(scenario_batches(scn.posts(), C.BATCH_SIZE))
    try:
        with replay_gc():
            drive(
                pipeline,
                _with_after(batches, pipeline, after_hook),
                console=console,
                total=total,
                description="crisis stream",
                hooks=[director.before, team.before],
            )
    finally:
        pipeline.close()
    scoring = tracker.score(pipeline, printer.decisions.first_action_at)
    end = pipeline.ctx.now or start
    review = team.finish(storage, end)
    crises = pipeline.ctx.services.get("crises")
    extra: dict[str, Any] = {
        "scenario": {
            "seed": seed,
            "scale": scale,
            "start": iso(start),
            "hours": scn.config.hours,
            "facts": scn.facts.to_json(),
        },
        "scoring": scoring,
        "human_actions": director.log,
        "review": review,
        "storage": {"url": db},
    }
    if crises is not None:
        extra["crises"] = [crises.facts(c.id) for c in crises.all()]
    summary = build_summary(pipeline, printer.decisions, alerts=printer.alerts, extra=extra)
    (out / "summary.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    (out / "truth.json").write_bytes(orjson.dumps(scn.truth_json()))
    from wavebreak.demo.report import write_report

    write_report(
        pipeline,
        summary,
        printer,
        out / "report.html",
        title=f"crisis demo (seed {seed}, scale {scale})",
        scoring=scoring,
    )
    storage.close()
    print_counts(console, summary["input"])
    for row in scoring:
        if row["narrative"] in ("false_claim", "incitement"):
            console.print(
                f"{row['narrative']}: alerted {row['minutes_to_alert']} min after its first post, "
                f"at {100 * (row['share_at_alert'] or 0):.2f}% of its final posts; first action after "
                f"{row['minutes_to_first_action']} min"
            )
    console.print(f"wrote {out / 'summary.json'}, {out / 'report.html'}, {out / 'truth.json'}")
    return summary


def _with_after(batches: Iterator[Batch], pipeline: Pipeline, hook: Any) -> Iterator[Batch]:
    """Yield each batch, then call ``hook`` once the pipeline has processed it."""
    for batch in batches:
        yield batch
        hook(batch, pipeline)


def emit_stream(fmt: str, *, seed: int, scale: float, out: Any) -> int:
    """Write the scenario stream in an input format (``wavebreak demo --emit jetstream > crisis.jsonl``)."""
    from wavebreak.ingest import emit
    from wavebreak.scenario import ScenarioConfig, generate

    scn = generate(ScenarioConfig(seed=seed, scale=scale))
    return emit(scn.posts(), fmt, out)
