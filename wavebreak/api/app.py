"""The HTTP API: a thin FastAPI layer over the gate, the store and the pipeline.

Why thin: every answer the API gives must be the one the library gives (the
gate, the crisis manager, the hold registry), so the API only authenticates,
validates, bounds and serialises. State comes from the event log through
:class:`~wavebreak.api.live.LiveIndex`; every write goes *to* the log first
(with the API key's id as actor) and is then folded back in, so a server
restarted from the log answers exactly as before.

Hot path (``POST /v1/gate``, ``POST /v1/trends/vet``): async handlers answered
from memory on the event loop; when ids were never seen, their metadata is
fetched in one batched query in the thread pool first. Everything that touches
the database (reads of decisions and narratives, ingest, writes) runs in the
thread pool, so a slow query never stalls a gate call.
"""

from __future__ import annotations

import gc
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from wavebreak.api.errors import ApiError, BodyLimitMiddleware, install_error_handlers
from wavebreak.api.hotpath import HotPath, parse_body
from wavebreak.api.keys import ApiKey
from wavebreak.api.live import LiveIndex, apply_crisis_event, gate_item
from wavebreak.api.schemas import (
    CrisisCreate,
    CrisisStep,
    ErrorResponse,
    GateRequest,
    GateResponse,
    HoldCreate,
    HoldEnd,
    IngestRequest,
    IngestResponse,
    Page,
    RefutationCreate,
    TrendsVetRequest,
    TrendsVetResponse,
)
from wavebreak.api.scoring import RawScorer, parse_records
from wavebreak.core import constants as C
from wavebreak.core.records import Account, AuthorityStatement, Deletion, Event, LegalHold, Post, Surface

API_VERSION = "1.0"
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Malformed JSON or header"},
    401: {"model": ErrorResponse, "description": "Missing or invalid API key"},
    403: {"model": ErrorResponse, "description": "The key lacks the required scope"},
    413: {"model": ErrorResponse, "description": "Body above the size limit"},
    422: {"model": ErrorResponse, "description": "Body does not match the schema"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse, "description": "No such object"}}


def _json(payload: Any, status: int = 200) -> Response:
    """Serialise with orjson (datetimes, enums) and skip response-model re-validation on the hot path."""
    return Response(
        orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS),
        status_code=status,
        media_type="application/json",
    )


def _body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a hot-path handler that parses its own body (``parse_body``)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def _document_hot_bodies(app: FastAPI) -> None:
    """Add the hot-path request models (referenced by :func:`_body_doc`) to the OpenAPI components."""
    default = app.openapi
    models = [model for model, _, _ in HotPath.routes.values()]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = default()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for m in models:
            js = m.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, d in js.pop("$defs", {}).items():
                schemas.setdefault(name, d)
            schemas[m.__name__] = js
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _now(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _redact(url: str) -> str:
    """A storage URL without its password, for /healthz."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


class ApiState:
    """What the handlers share: the store, the live index, the scorer and the lazily built pipeline."""

    def __init__(
        self,
        storage: Any,
        *,
        pack: str | Path | None = None,
        score_raw: bool = True,
        slow_path: bool = False,
        poll_interval: float = C.API_INDEX_POLL_S,
    ) -> None:
        self.storage = storage
        self.pack = pack
        self.slow_path = slow_path
        self.live = LiveIndex(storage, poll_interval=poll_interval)
        self.live.refresh()
        self.scorer = RawScorer(self.live, pack=pack, enabled=score_raw)
        self.write_lock = threading.Lock()
        self.pipeline_lock = threading.Lock()
        self._pipeline: Any = None
        self._refutations: Any = None
        self._last_key_refresh = 0.0
        self.started_at = datetime.now(UTC)

    # ------------------------------------------------------------------ auth

    def authenticate(self, presented: str | None) -> ApiKey:
        if not presented:
            raise ApiError(
                401,
                "an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        key = self.live.keys.verify(presented)
        if key is None and time.monotonic() - self._last_key_refresh > C.API_INDEX_POLL_S:
            # a key created a moment ago (CLI, another process) works at once, not after the next poll
            self._last_key_refresh = time.monotonic()
            self.live.refresh()
            key = self.live.keys.verify(presented)
        if key is None:
            raise ApiError(401, "invalid or revoked API key", headers={"WWW-Authenticate": "Bearer"})
        return key

    def authorize(self, request: Request, scope: str) -> ApiKey:
        """The key a request presents, if it holds ``scope``."""
        h = request.headers
        return self.authorize_headers(h.get("x-api-key"), h.get("authorization"), scope)

    def authorize_headers(self, presented: str | None, auth: str | None, scope: str) -> ApiKey:
        """The key from ``X-API-Key`` or ``Authorization: Bearer``, if it holds ``scope`` (else 401/403)."""
        if not presented and auth:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() == "bearer":
                presented = token.strip()
        key = self.authenticate(presented)
        if scope not in key.scopes:
            raise ApiError(
                403, f"this key lacks scope {scope}", details={"required": scope, "key_id": key.id}
            )
        return key

    # ------------------------------------------------------------------ hot path

    async def answer_gate(self, req: GateRequest) -> dict[str, Any]:
        """``POST /v1/gate``: one result per item, ``items`` first, then raw ``posts`` (scored on the fly)."""
        if not req.items and not req.posts:
            raise ApiError(422, "give `items` (ids) or `posts` (raw posts)")
        if len(req.items) + len(req.posts) > C.API_MAX_GATE_ITEMS:
            raise ApiError(
                413,
                f"too many items: {len(req.items) + len(req.posts)} > {C.API_MAX_GATE_ITEMS} per call",
                code="too_many_items",
                details={"limit": C.API_MAX_GATE_ITEMS},
            )
        live = self.live
        region = req.viewer_region
        out: list[dict[str, Any]] = []
        if req.items:
            if live.missing_posts(req.items):
                await run_in_threadpool(live.prefetch, req.items)
            out.extend(live.decide(Surface(req.surface).value, region, req.items, req.at))
        scored = None
        if req.posts:
            records, errors = parse_records(req.posts, req.format, source="gate")
            if errors:
                raise ApiError(422, f"{len(errors)} raw post(s) could not be parsed", details=errors)
            posts = [r for r in records if isinstance(r, Post)]
            known: list[Post] = []
            unseen: list[Post] = []
            for p in posts:
                (known if live.decisions_for([p.id]) else unseen).append(p)
            res: dict[str, dict[str, Any]] = {}
            if known:
                ids = [p.id for p in known]
                if live.missing_posts(ids):
                    live.learn_posts(known)
                for r in live.gate.decide(req.surface, region, ids, req.at):
                    res[r.item_id] = gate_item(r, False)
            if unseen:
                results, scored = await run_in_threadpool(
                    self.scorer.answer, unseen, Surface(req.surface), region, _now(req.at)
                )
                for r in results:
                    res[r.item_id] = gate_item(r, True)
            out.extend(res[p.id] for p in posts)
        return {
            "surface": Surface(req.surface).value,
            "viewer_region": region,
            "results": out,
            "scored": scored,
        }

    async def answer_trends(self, req: TrendsVetRequest) -> dict[str, Any]:
        """``POST /v1/trends/vet``: eligibility of each candidate term in a region, with the reason."""
        live = self.live
        ids = [p for c in req.candidates for p in c.sample_post_ids]
        if ids and live.missing_posts(ids):
            await run_in_threadpool(live.prefetch, ids)
        cands = [{"term": c.term, "sample_post_ids": c.sample_post_ids} for c in req.candidates]
        return {"region": req.region, "results": live.gate.vet_trends(cands, req.region, req.at)}

    # ------------------------------------------------------------------ writes

    def append(self, events: list[Event]) -> list[Event]:
        """Append to the log, then fold the new events into memory at once (read-your-writes)."""
        recorded = self.storage.append_events(events)
        self.live.refresh()
        return recorded

    # ------------------------------------------------------------------ pipeline

    def pipeline(self) -> Any:
        """The in-process pipeline (built on first ingest), sharing holds, crises and statements."""
        if self._pipeline is None:
            from wavebreak.pipeline.runner import PipelineOptions, build_pipeline
            from wavebreak.policy.crisis import CrisisManager
            from wavebreak.policy.refutations import RefutationRegistry, TfidfClaimMatcher

            opts = PipelineOptions(
                slow_path=self.slow_path, policy_pack=Path(self.pack) if self.pack else None
            )
            pipe = build_pipeline(self.storage, opts)
            crises = CrisisManager()
            for ev in self.storage.iter_events(kinds=[k for k in _CRISIS_KINDS]):
                apply_crisis_event(crises, ev)
            self.live.synced_crises.append(crises)
            refs = RefutationRegistry(None if self.slow_path else TfidfClaimMatcher())
            for st in self.live.statements.values():
                refs.add(st, actor="api")
            self._refutations = refs
            pipe.ctx.services["holds"] = self.live.holds
            pipe.ctx.services["crises"] = crises
            pipe.ctx.services["refutations"] = refs
            self._pipeline = pipe
        refs = self._refutations
        for st in list(self.live.statements.values()):
            if refs.get(st.id) is None:
                refs.add(st, actor="api")
        return self._pipeline

    def ingest(self, records: list[Post | Account | Deletion], actor: str) -> dict[str, Any]:
        from wavebreak.pipeline.stage import Batch

        posts = [r for r in records if isinstance(r, Post)]
        accounts = [r for r in records if isinstance(r, Account)]
        deletions = [r for r in records if isinstance(r, Deletion)]
        with self.pipeline_lock:
            pipe = self.pipeline()
            batch = Batch(posts=posts, accounts=accounts, deletions=deletions)
            pipe.process(batch)
            decided = [
                {
                    "id": d.id,
                    "target_kind": d.target_kind,
                    "target_id": d.target_id,
                    "rule_id": d.rule_id,
                    "severity": d.severity.slug,
                }
                for d in batch.decisions
            ]
            kept = {
                "posts": len(batch.posts),
                "accounts": len(batch.accounts),
                "deletions": len(batch.deletions),
            }
            self.storage.append_events(
                [
                    Event(
                        kind="ingest.received",
                        at=datetime.now(UTC),
                        subject=f"ingest:{uuid.uuid4().hex[:12]}",
                        payload={
                            "accepted": kept,
                            "decisions": len(decided),
                            "post_ids": [p.id for p in posts],
                        },
                        actor=actor,
                    )
                ]
            )
        self.live.learn_posts(batch.posts)
        self.live.refresh()
        return {"accepted": kept, "decisions": decided, "alerts": len(batch.alerts)}

    def close(self) -> None:
        self.live.stop()
        with self.pipeline_lock:
            if self._pipeline is not None:
                self._pipeline.close()
                self._pipeline = None


_CRISIS_KINDS = ("crisis.proposed", "crisis.confirmed", "crisis.renewed", "crisis.ended")


def _scratch_crises(state: ApiState) -> Any:
    """A copy of the crisis manager to compute a step's event on, without touching live state."""
    from wavebreak.policy.crisis import CrisisManager

    return CrisisManager([replace(c) for c in state.live.crises.all()])


def create_app(
    storage: Any = None,
    *,
    pack: str | Path | None = None,
    score_raw: bool = True,
    slow_path: bool = False,
    background: bool = True,
    poll_interval: float = C.API_INDEX_POLL_S,
    max_body_bytes: int = C.API_MAX_BODY_BYTES,
    mount_console: bool = True,
    console_clock: str = "wall",
    hot_path: bool = True,
) -> FastAPI:
    """Build the app over a store (a Storage, a URL or a path; default ``./wavebreak.db``).

    ``hot_path`` answers ``POST /v1/gate`` and ``/v1/trends/vet`` in a raw ASGI lane
    (:mod:`wavebreak.api.hotpath`) in front of FastAPI; off, the FastAPI routes answer the same.
    ``background=False`` (tests) starts neither the log poller nor the model warm-up:
    state is still folded at start and after every write, and ``app.state.api.live.refresh()``
    folds what other writers appended.
    """
    from wavebreak.policy.crisis import crisis_payload
    from wavebreak.policy.holds import HoldRegistry, hold_payload
    from wavebreak.policy.refutations import statement_payload

    if storage is None or isinstance(storage, str | Path):
        from wavebreak.storage import open_storage

        storage = open_storage(storage)
    state = ApiState(
        storage, pack=pack, score_raw=score_raw, slow_path=slow_path, poll_interval=poll_interval
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if background:
            state.live.start()
            state.scorer.warm(background=True)
            # The index and the app's modules live for the whole process: moved out of the cyclic GC's
            # reach, a full collection no longer walks them (a multi-ms pause in a gate call's p99).
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            await run_in_threadpool(state.close)

    app = FastAPI(
        title="Wavebreak API",
        version=API_VERSION,
        description=(
            "Gate what a platform's own machinery (trends, search, recommendations, notifications) may "
            "amplify, with every answer naming the decision and rule behind it. Every endpoint except "
            "`/healthz` and the docs needs an API key (`Authorization: Bearer <key>` or `X-API-Key`), "
            "created with `wavebreak apikey create --scope ...`. Errors are "
            '`{"error": {"code", "message", "details"}}`.'
        ),
        lifespan=lifespan,
    )
    app.state.api = state
    install_error_handlers(app)
    _document_hot_bodies(app)
    if hot_path:
        app.add_middleware(HotPath, state=state)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)  # added last: runs first

    def require(scope: str) -> Callable[[Request], Awaitable[ApiKey]]:
        async def dep(request: Request) -> ApiKey:
            return state.authorize(request, scope)

        dep.__name__ = f"require_{scope.replace(':', '_')}"
        return dep

    # ------------------------------------------------------------------ health

    @app.get("/healthz", tags=["health"], summary="Liveness and index state (no key needed)")
    async def healthz() -> Response:
        return _json(
            {
                "status": "ok",
                "version": API_VERSION,
                "storage": _redact(str(getattr(state.storage, "url", ""))),
                "index": state.live.health(),
                "raw_post_scoring": state.scorer.status(),
                "started_at": state.started_at.isoformat(),
            }
        )

    # ------------------------------------------------------------------ gate

    @app.post(
        "/v1/gate",
        response_model=GateResponse,
        responses=_ERRORS,
        tags=["gate"],
        summary="What a surface may do with each item, for a viewer region",
        openapi_extra=_body_doc(GateRequest),
    )
    async def gate(request: Request) -> Response:
        """One result per item, in order (`items` first, then `posts`): the most restrictive action that
        applies on this surface and the decision, rule and sentence behind it. Raw `posts` never seen
        before are scored on the fly (signals fast path + policy pack + legal holds) and marked
        `provisional`."""
        state.authorize(request, "gate:read")
        req = parse_body(GateRequest, await request.body())
        return _json(await state.answer_gate(req))

    @app.post(
        "/v1/trends/vet",
        response_model=TrendsVetResponse,
        responses=_ERRORS,
        tags=["gate"],
        summary="Which trend candidates may be shown in a region",
        openapi_extra=_body_doc(TrendsVetRequest),
    )
    async def trends_vet(request: Request) -> Response:
        """A term is ineligible when it matches a legal hold, or when most of its sample posts are excluded
        from trends; the answer names the hold or rule."""
        state.authorize(request, "gate:read")
        req = parse_body(TrendsVetRequest, await request.body())
        return _json(await state.answer_trends(req))

    # ------------------------------------------------------------------ decisions

    @app.get(
        "/v1/decisions/{decision_id}",
        responses={**_ERRORS, **_NOT_FOUND},
        tags=["decisions"],
        summary="A decision with its full reason",
    )
    def decision_detail(
        decision_id: str = PathParam(max_length=255), key: ApiKey = Depends(require("decisions:read"))
    ) -> Response:
        """Rule, facts the rule fired on, grounds (policy, law, DSA category), explanation, actor, times,
        and whether it was reversed or superseded."""
        from wavebreak.decisions.serde import decision_to_dict

        d = state.storage.get_decision(decision_id)
        if d is None:
            raise ApiError(404, f"no decision {decision_id!r}")
        out = decision_to_dict(d)
        revoked = getattr(state.storage, "decision_revoked_at", None)
        out["revoked_at"] = revoked(decision_id).isoformat() if revoked and revoked(decision_id) else None
        live_ids = {x.id for x in state.live.decisions_for([d.target_id])}
        out["in_force"] = decision_id in live_ids and out["revoked_at"] is None
        return _json(out)

    @app.get(
        "/v1/decisions",
        responses=_ERRORS,
        tags=["decisions"],
        summary="Decisions in force on a target (post, narrative or account id)",
    )
    def decisions_for_target(
        target: str = Query(max_length=255, description="Target id, e.g. demo:302 or n000050"),
        key: ApiKey = Depends(require("decisions:read")),
    ) -> Response:
        from wavebreak.decisions.serde import decision_to_dict

        return _json(
            {"target": target, "items": [decision_to_dict(d) for d in state.storage.decisions_for([target])]}
        )

    # ------------------------------------------------------------------ narratives

    @app.get(
        "/v1/narratives", response_model=Page, responses=_ERRORS, tags=["narratives"], summary="Narratives"
    )
    def narratives(
        offset: int = Query(0, ge=0),
        limit: int = Query(50, ge=1, le=C.API_PAGE_MAX),
        status: str | None = Query(None, description="emerging, active, refuted, dormant or merged"),
        key: ApiKey = Depends(require("narratives:read")),
    ) -> Response:
        """Highest risk first, with metrics (posts, accounts, reach, risk and its factors, stance)."""
        from wavebreak.decisions.serde import narrative_to_dict

        rows = state.storage.list_narratives(limit=offset + limit if status is None else 100_000)
        if status:
            rows = [n for n in rows if n.status.value == status]
        counts = getattr(state.storage, "counts", None)
        total = len(rows) if status or counts is None else int(counts().get("narratives", len(rows)))
        page = rows[offset : offset + limit]
        items = []
        for n in page:
            item = narrative_to_dict(n)
            item["decisions_in_force"] = [d.id for d in state.live.decisions_for([n.id])]
            items.append(item)
        return _json({"items": items, "total": total, "offset": offset, "limit": limit})

    @app.get(
        "/v1/narratives/{narrative_id}",
        responses={**_ERRORS, **_NOT_FOUND},
        tags=["narratives"],
        summary="A narrative with its metric series and decisions",
    )
    def narrative_detail(
        narrative_id: str = PathParam(max_length=255), key: ApiKey = Depends(require("narratives:read"))
    ) -> Response:
        from wavebreak.decisions.serde import decision_to_dict, narrative_to_dict

        n = state.storage.get_narrative(narrative_id)
        if n is None:
            raise ApiError(404, f"no narrative {narrative_id!r}")
        out = narrative_to_dict(n)
        out["series"] = state.storage.narrative_series(narrative_id)
        out["decisions"] = [decision_to_dict(d) for d in state.storage.decisions_for([narrative_id])]
        return _json(out)

    # ------------------------------------------------------------------ ingest

    @app.post(
        "/v1/posts",
        response_model=IngestResponse,
        responses=_ERRORS,
        tags=["ingest"],
        summary="Run records through the pipeline",
    )
    def ingest(req: IngestRequest, key: ApiKey = Depends(require("ingest:write"))) -> Response:
        """Parses each record with the ingest adapter of `format`, runs the good ones through the whole
        pipeline (signals, narratives, policy, recorded decisions) and answers with what was decided. If any
        record is bad the answer is 422 naming each bad record's index and reason; the good ones are kept."""
        records, errors = parse_records(req.records, req.format, source=f"http:{key.id}")
        summary: dict[str, Any] = {
            "accepted": {"posts": 0, "accounts": 0, "deletions": 0},
            "decisions": [],
            "alerts": 0,
        }
        if records:
            summary = state.ingest(records, key.actor)
        summary["rejected"] = errors
        if errors:
            raise ApiError(
                422,
                f"{len(errors)} of {len(req.records)} record(s) rejected; the others were kept",
                code="records_rejected",
                details=summary,
            )
        return _json(summary)

    # ------------------------------------------------------------------ crises

    def _crisis_view(cid: str) -> dict[str, Any]:
        c = state.live.crises.get(cid)
        if c is None:
            raise ApiError(404, f"no crisis {cid!r}")
        return {**crisis_payload(c), "active": c.active_at(datetime.now(UTC))}

    @app.get("/v1/crises", responses=_ERRORS, tags=["crises"], summary="Every crisis, proposed or declared")
    async def crises_list(key: ApiKey = Depends(require("crisis:read"))) -> Response:
        return _json({"items": [_crisis_view(c.id) for c in state.live.crises.all()]})

    @app.post(
        "/v1/crises",
        status_code=201,
        responses={**_ERRORS, 409: {"model": ErrorResponse}},
        tags=["crises"],
        summary="Declare (or propose) a scoped, self-expiring crisis",
    )
    def crises_create(req: CrisisCreate, key: ApiKey = Depends(require("crisis:write"))) -> Response:
        at = _now(req.at)
        dur = timedelta(days=req.duration_days) if req.duration_days else None
        with state.write_lock:
            scratch = _scratch_crises(state)
            try:
                if req.confirm:
                    c, events = scratch.declare(
                        req.title, at, key.actor, req.terms, req.regions, req.languages, dur
                    )
                else:
                    c, ev = scratch.propose(
                        req.title, at, req.terms, req.regions, req.languages, dur, by=key.actor
                    )
                    events = [ev]
            except ValueError as e:
                raise ApiError(422, str(e)) from None
            state.append(events)
        return _json(_crisis_view(c.id), 201)

    def _crisis_step(cid: str, step: str, req: CrisisStep, key: ApiKey) -> Response:
        at = _now(req.at)
        with state.write_lock:
            if state.live.crises.get(cid) is None:
                raise ApiError(404, f"no crisis {cid!r}")
            scratch = _scratch_crises(state)
            try:
                if step == "confirm":
                    ev = scratch.confirm(cid, key.actor, at)
                elif step == "renew":
                    dur = timedelta(days=req.duration_days) if req.duration_days else None
                    ev = scratch.renew(cid, key.actor, at, dur)
                else:
                    c = state.live.crises.get(cid)
                    if c is not None and c.ended_at is not None:
                        raise ValueError(f"crisis {cid} has already ended")
                    ev = scratch.end(cid, key.actor, at, req.reason)
                    ev.payload["facts"] = state.live.crises.facts(cid)
            except ValueError as e:
                raise ApiError(409, str(e), code="conflict") from None
            state.append([ev])
        return _json(_crisis_view(cid))

    @app.post("/v1/crises/{crisis_id}/confirm", responses={**_ERRORS, **_NOT_FOUND}, tags=["crises"])
    def crisis_confirm(
        crisis_id: str, req: CrisisStep | None = None, key: ApiKey = Depends(require("crisis:write"))
    ) -> Response:
        """A person confirms a proposed crisis: it is active from now until it expires."""
        return _crisis_step(crisis_id, "confirm", req or CrisisStep(), key)

    @app.post("/v1/crises/{crisis_id}/renew", responses={**_ERRORS, **_NOT_FOUND}, tags=["crises"])
    def crisis_renew(
        crisis_id: str, req: CrisisStep | None = None, key: ApiKey = Depends(require("crisis:write"))
    ) -> Response:
        """Extend from now by `duration_days` (at most the legal maximum)."""
        return _crisis_step(crisis_id, "renew", req or CrisisStep(), key)

    @app.post("/v1/crises/{crisis_id}/end", responses={**_ERRORS, **_NOT_FOUND}, tags=["crises"])
    def crisis_end(
        crisis_id: str, req: CrisisStep | None = None, key: ApiKey = Depends(require("crisis:write"))
    ) -> Response:
        """End the crisis now; the facts sheet is frozen into the `crisis.ended` event."""
        return _crisis_step(crisis_id, "end", req or CrisisStep(), key)

    @app.get(
        "/v1/crises/{crisis_id}",
        responses={**_ERRORS, **_NOT_FOUND},
        tags=["crises"],
        summary="Live page of facts: narratives in scope, actions taken, reach avoided",
    )
    async def crisis_detail(crisis_id: str, key: ApiKey = Depends(require("crisis:read"))) -> Response:
        view = _crisis_view(crisis_id)
        facts = state.live.crises.facts(crisis_id)
        facts.pop("crisis", None)
        return _json({**view, "facts": facts})

    # ------------------------------------------------------------------ holds

    @app.get("/v1/holds", responses=_ERRORS, tags=["holds"], summary="Legal holds")
    async def holds_list(key: ApiKey = Depends(require("holds:read"))) -> Response:
        now = datetime.now(UTC)
        active = {h.id for h in state.live.holds.active(now)}
        return _json(
            {"items": [{**hold_payload(h), "active": h.id in active} for h in state.live.holds.all()]}
        )

    @app.post(
        "/v1/holds", status_code=201, responses={**_ERRORS, 409: {"model": ErrorResponse}}, tags=["holds"]
    )
    def holds_create(req: HoldCreate, key: ApiKey = Depends(require("holds:write"))) -> Response:
        """Add a court order or statutory restriction: matching posts are geo-withheld for viewers in its
        jurisdictions and kept out of trends and search everywhere, from the next gate call."""
        hid = req.id or f"hold-{uuid.uuid4().hex[:10]}"
        hold = LegalHold(
            id=hid,
            title=req.title,
            terms=tuple(req.terms),
            jurisdictions=tuple(j.upper() for j in req.jurisdictions),
            legal_basis=req.legal_basis,
            starts_at=_now(req.starts_at),
            ends_at=_now(req.ends_at) if req.ends_at else None,
        )
        with state.write_lock:
            if state.live.holds.get(hid) is not None:
                raise ApiError(409, f"hold {hid!r} exists", code="conflict")
            try:
                ev = HoldRegistry().add(hold, actor=key.actor)
            except ValueError as e:
                raise ApiError(422, str(e)) from None
            state.append([ev])
        return _json({**hold_payload(hold), "active": True}, 201)

    @app.post("/v1/holds/{hold_id}/end", responses={**_ERRORS, **_NOT_FOUND}, tags=["holds"])
    def holds_end(
        hold_id: str, req: HoldEnd | None = None, key: ApiKey = Depends(require("holds:write"))
    ) -> Response:
        """Lift a hold (kept for audit)."""
        at = _now(req.at if req else None)
        with state.write_lock:
            h = state.live.holds.get(hold_id)
            if h is None:
                raise ApiError(404, f"no hold {hold_id!r}")
            ev = Event(
                kind="hold.ended",
                at=at,
                subject=hold_id,
                payload={"ends_at": at.isoformat()},
                actor=key.actor,
            )
            state.append([ev])
        h = state.live.holds.get(hold_id)
        assert h is not None
        return _json({**hold_payload(h), "active": False})

    # ------------------------------------------------------------------ refutations

    @app.get("/v1/refutations", responses=_ERRORS, tags=["refutations"], summary="Authority statements")
    async def refutations_list(key: ApiKey = Depends(require("refutations:read"))) -> Response:
        return _json({"items": [statement_payload(s) for s in state.live.statements.values()]})

    @app.post(
        "/v1/refutations",
        status_code=201,
        responses={**_ERRORS, 409: {"model": ErrorResponse}},
        tags=["refutations"],
    )
    def refutations_create(
        req: RefutationCreate, key: ApiKey = Depends(require("refutations:write"))
    ) -> Response:
        """Register a refutation: the pipeline matches narratives against it (new and known ones) and marks
        matching narratives refuted (context notes; posts repeating it are never demoted)."""
        sid = req.id or f"stmt-{uuid.uuid4().hex[:10]}"
        st = AuthorityStatement(
            id=sid,
            at=_now(req.at),
            source=req.source,
            text=req.text,
            lang=req.lang,
            claim=req.claim,
            url=req.url,
        )
        with state.write_lock:
            if sid in state.live.statements:
                raise ApiError(409, f"statement {sid!r} exists", code="conflict")
            ev = Event(
                kind="refutation.added", at=st.at, subject=sid, payload=statement_payload(st), actor=key.actor
            )
            state.append([ev])
        return _json(statement_payload(st), 201)

    # ------------------------------------------------------------------ why, review, console

    @app.get("/v1/why", tags=["transparency"], summary="Why an item or a trend is shown, demoted or withheld")
    async def why(
        item: str | None = None,
        trend: str | None = None,
        surface: str | None = None,
        region: str | None = None,
        key: ApiKey = Depends(require("decisions:read")),
    ) -> Response:
        """Cites the rule, the facts, the signals and the reviewer behind the gate's answer, in plain words."""
        from wavebreak.transparency.why import explain_item, explain_trend

        if bool(item) == bool(trend):
            raise ApiError(422, "give exactly one of ?item= or ?trend=")
        if item:
            out = await run_in_threadpool(explain_item, state.storage, item, surface, region)
        else:
            out = await run_in_threadpool(explain_trend, state.storage, trend, region)
        return _json(out)

    from wavebreak.review.api import review_router
    from wavebreak.review.desk import ReviewDesk

    desk = ReviewDesk(state.storage)
    app.include_router(review_router(desk), prefix="/v1/review", dependencies=[Depends(require("review"))])
    if mount_console:
        from wavebreak.console.app import create_console_app

        # The console has its own logins, roles, sessions and CSRF; it shares the store and the desk.
        app.mount("/console", create_console_app(state.storage, clock=console_clock, desk=desk))

    return app


def app_from_env() -> FastAPI:
    """App factory for multi-worker serving (``uvicorn --factory``, ``wavebreak serve --workers N``).

    Reads ``WAVEBREAK_DB``, ``WAVEBREAK_PACK``, ``WAVEBREAK_SCORE_RAW`` (1/0) and
    ``WAVEBREAK_SLOW_PATH`` (1/0). Each worker folds the same log into its own index, so
    answers agree across workers within one poll interval.
    """
    return create_app(
        os.environ.get("WAVEBREAK_DB") or None,
        pack=os.environ.get("WAVEBREAK_PACK") or None,
        score_raw=os.environ.get("WAVEBREAK_SCORE_RAW", "1") == "1",
        slow_path=os.environ.get("WAVEBREAK_SLOW_PATH", "0") == "1",
    )
