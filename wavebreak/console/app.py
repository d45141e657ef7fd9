"""The review console: server-rendered FastAPI + Jinja2 pages over one store.

Why server-rendered: reviewers work on locked-down machines; the console must load with
no CDN, no build step and no client framework, and every page must be readable by an
auditor as plain HTML. A few lines of vanilla JS only reveal blurred content.

Security: scrypt-hashed users (``user.created`` events), a signed session cookie
(itsdangerous), a CSRF token (signed cookie + hidden field) on every POST form, roles
(auditors read everything and change nothing: 403 on any POST; flaggers see only their
own notices). Decisions go through :class:`~wavebreak.review.desk.ReviewDesk`, so they
are events in the log and reach the gate; the case page shows what the gate answers now.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from itsdangerous import BadSignature, URLSafeTimedSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape

from wavebreak.console import svg
from wavebreak.console.auth import verify_password
from wavebreak.console.i18n import LANGS, translator
from wavebreak.core import constants as C
from wavebreak.core.records import ALL_SURFACES, Action, NotifierKind, Report
from wavebreak.review.desk import ReviewDesk
from wavebreak.review.lookup import narratives_of
from wavebreak.review.policies import CATEGORIES, REVIEW_POLICIES, policy_for_category
from wavebreak.review.sla import SlaPolicy

HERE = Path(__file__).parent
SESSION_COOKIE = "wb_session"
CSRF_COOKIE = "wb_csrf"
LANG_COOKIE = "wb_lang"
READ_ROLES = ("reviewer", "lead", "admin", "auditor")
WRITE_ROLES = ("reviewer", "lead", "admin")
BLUR_SIGNALS = ("hate", "incitement", "threat")
BLUR_AT = 0.5
"""Text whose hate/incitement/threat score reaches this is blurred until clicked (wellbeing)."""


def _fmt_dt(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%d %b %H:%M")
    return "" if value is None else str(value)


def create_console_app(
    storage: Any,
    *,
    secret: str | None = None,
    clock: str | Callable[[], datetime] = "wall",
    sla: SlaPolicy | None = None,
    desk: ReviewDesk | None = None,
    secure_cookies: bool = False,
) -> FastAPI:
    """A standalone console app over ``storage`` (mount it under ``/console`` or run it alone).

    ``clock``: ``"wall"`` (a live deployment), ``"log"`` (the latest event time: replayed
    stores whose stream time is not today) or a callable. ``secret`` signs cookies
    (default: ``WAVEBREAK_CONSOLE_SECRET`` or a random one per process).
    """
    desk = desk or ReviewDesk(storage, sla=sla)
    signer = URLSafeTimedSerializer(
        secret or os.environ.get("WAVEBREAK_CONSOLE_SECRET") or secrets.token_hex(32)
    )
    max_age = C.REVIEW_CONSOLE_SESSION_HOURS * 3600
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    env.filters["dt"] = _fmt_dt
    env.globals["slug"] = lambda a: Action.parse(a).slug

    def now() -> datetime:
        if callable(clock):
            return clock()
        if clock == "log":
            desk.refresh()
            return desk.state.latest_at or datetime.now(UTC)
        return datetime.now(UTC)

    app = FastAPI(title="Wavebreak review console", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.state.desk = desk

    # ------------------------------------------------------------------ session helpers

    def current_user(request: Request) -> dict[str, Any] | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = signer.loads(raw, salt="session", max_age=max_age)
        except BadSignature:
            return None
        desk.refresh()
        user = desk.state.users.get(data.get("u", ""))
        return user if user is not None else None

    def csrf_token(request: Request) -> tuple[str, bool]:
        raw = request.cookies.get(CSRF_COOKIE)
        if raw:
            try:
                return signer.loads(raw, salt="csrf"), False
            except BadSignature:
                pass
        return secrets.token_urlsafe(24), True

    def base(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    def render(
        request: Request, template: str, user: dict[str, Any] | None, status: int = 200, **ctx: Any
    ) -> HTMLResponse:
        lang = request.cookies.get(LANG_COOKIE, "en")
        lang = lang if lang in LANGS else "en"
        token, fresh = csrf_token(request)
        html = env.get_template(template).render(
            t=translator(lang),
            lang=lang,
            user=user,
            csrf=token,
            base=base(request),
            now=now(),
            request_path=request.url.path,
            **ctx,
        )
        resp = HTMLResponse(html, status_code=status)
        if fresh:
            resp.set_cookie(
                CSRF_COOKIE,
                signer.dumps(token, salt="csrf"),
                httponly=True,
                samesite="strict",
                secure=secure_cookies,
            )
        return resp

    def need(request: Request, roles: tuple[str, ...]) -> dict[str, Any]:
        user = current_user(request)
        if user is None:
            raise HTTPException(303, headers={"Location": f"{base(request)}/login"})
        if user["role"] not in roles:
            raise HTTPException(403, "your role cannot see this page")
        return user

    async def post_form(request: Request, roles: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, str]]:
        """Authenticate, refuse auditors (403), check the CSRF token (403), return user and form."""
        user = current_user(request)
        if user is None:
            raise HTTPException(401, "log in first")
        if user["role"] == "auditor":
            raise HTTPException(403, "auditors have read-only access")
        if user["role"] not in roles:
            raise HTTPException(403, "your role cannot do this")
        form = {k: str(v) for k, v in (await request.form()).items()}
        token, fresh = csrf_token(request)
        if fresh or not secrets.compare_digest(form.get("csrf", ""), token):
            raise HTTPException(403, "missing or invalid CSRF token")
        return user, form

    def go(request: Request, path: str) -> RedirectResponse:
        return RedirectResponse(f"{base(request)}{path}", status_code=303)

    def gate() -> Any:
        from wavebreak.policy.gate import Gate

        return Gate(storage, narrative_of=functools.partial(narratives_of, storage), ttl=0.0)

    def blurred(post_id: str) -> bool:
        sigs = storage.get_signals(post_id)
        return any(float(sigs[s].score) >= BLUR_AT for s in BLUR_SIGNALS if s in sigs)

    def post_view(post_id: str) -> dict[str, Any]:
        p = storage.get_post(post_id)
        sigs = storage.get_signals(post_id)
        return {
            "id": post_id,
            "post": p,
            "followers": (p.author.followers if p is not None and p.author is not None else 0),
            "handle": (
                p.author.handle if p is not None and p.author is not None else (p.author_id if p else "")
            ),
            "blur": any(float(sigs[s].score) >= BLUR_AT for s in BLUR_SIGNALS if s in sigs),
            "signals": sorted(
                ((str(k), v) for k, v in sigs.items() if str(k) != "lang" and v.score > 0.05),
                key=lambda kv: -kv[1].score,
            ),
        }

    # ------------------------------------------------------------------ auth pages

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 303 and exc.headers:
            return RedirectResponse(exc.headers["Location"], status_code=303)
        user = current_user(request)
        return render(
            request, "error.html", user, status=exc.status_code, code=exc.status_code, detail=exc.detail
        )

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return render(request, "login.html", None, error=False)

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        token, fresh = csrf_token(request)
        if fresh or not secrets.compare_digest(form.get("csrf", ""), token):
            raise HTTPException(403, "missing or invalid CSRF token")
        desk.refresh()
        user = desk.state.users.get(form.get("username", ""))
        if user is None or not verify_password(form.get("password", ""), user["password"]):
            return render(request, "login.html", None, status=401, error=True)
        resp = go(request, "/reports" if user["role"] == "flagger" else "/")
        resp.set_cookie(
            SESSION_COOKIE,
            signer.dumps({"u": user["name"]}, salt="session"),
            httponly=True,
            samesite="strict",
            max_age=max_age,
            secure=secure_cookies,
        )
        return resp

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        token, fresh = csrf_token(request)
        if fresh or not secrets.compare_digest(form.get("csrf", ""), token):
            raise HTTPException(403, "missing or invalid CSRF token")
        resp = go(request, "/login")
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    @app.get("/lang/{code}")
    def set_lang(request: Request, code: str, next: str = "/") -> Response:
        resp = go(request, next if next.startswith("/") and not next.startswith("//") else "/")
        resp.set_cookie(LANG_COOKIE, code if code in LANGS else "en", samesite="lax")
        return resp

    # ------------------------------------------------------------------ queue & cases

    @app.get("/", response_class=HTMLResponse)
    def queue_page(
        request: Request,
        policy: str = "",
        source: str = "",
        language: str = "",
        narrative: str = "",
        sla: str = "",
    ) -> HTMLResponse:
        user = need(request, READ_ROLES)
        at = now()
        items = desk.queue(
            at,
            policy=policy or None,
            source=source or None,
            language=language or None,
            narrative=narrative or None,
            sla=sla or None,
        )
        rows = []
        for q in items[:200]:
            first = q.file.target_ids[0] if q.file.target_ids else None
            p = storage.get_post(first) if first else None
            rows.append(
                {"q": q, "excerpt": (p.text[:160] if p else ""), "blur": blurred(first) if first else False}
            )
        return render(
            request,
            "queue.html",
            user,
            rows=rows,
            total=len(items),
            weights=C.REVIEW_PRIORITY_WEIGHTS,
            filters={
                "policy": policy,
                "source": source,
                "language": language,
                "narrative": narrative,
                "sla": sla,
            },
            policies=REVIEW_POLICIES,
            sources=[k.value for k in NotifierKind],
            slas=["ok", "due_soon", "breached"],
        )

    @app.get("/case/{case_id}", response_class=HTMLResponse)
    def case_page(request: Request, case_id: str) -> HTMLResponse:
        user = need(request, READ_ROLES)
        try:
            cf = desk.case(case_id)
        except KeyError:
            raise HTTPException(404, f"unknown case {case_id}") from None
        at = now()
        reports = [desk.state.reports[r] for r in cf.case.report_ids if r in desk.state.reports]
        posts = [post_view(pid) for pid in cf.target_ids[:12]]
        narrative = storage.get_narrative(cf.narrative_id) if cf.narrative_id else None
        chart = origin = ""
        amplifiers: list[dict[str, Any]] = []
        similar: list[dict[str, Any]] = []
        sample_id = cf.target_ids[0] if cf.target_ids else None
        if narrative is not None:
            series = storage.narrative_series(narrative.id)
            markers = [(r.report.at, f"report {r.report.notifier_kind.value}") for r in reports[:50]]
            if cf.decided:
                markers.append((cf.decided["at"], "decision"))
            chart = svg.timeline([(r["at"], float(r.get("posts", 0) or 0)) for r in series], markers)
            pids = storage.narrative_post_ids(narrative.id, limit=300)
            nposts = storage.get_posts(pids)
            if nposts:
                origin = post_view(nposts[0].id)
                sample_id = pids[-1]
            ranked = sorted(nposts, key=lambda p: -(p.author.followers if p.author else 0))
            seen: set[str] = set()
            for p in ranked:
                if p.author_id in seen:
                    continue
                seen.add(p.author_id)
                amplifiers.append(
                    {
                        "handle": p.author.handle if p.author else p.author_id,
                        "followers": p.author.followers if p.author else 0,
                        "post_id": p.id,
                    }
                )
                if len(amplifiers) == 5:
                    break
            similar = [post_view(p.id) for p in nposts if p.id not in cf.target_ids][:5]
        gate_rows = []
        if sample_id:
            g = gate()
            for s in ALL_SURFACES:
                r = g.decide(s, "GB", [sample_id], at=at)[0]
                gate_rows.append({"surface": s.value, "action": r.action.slug, "why": r.explanation})
        auto = [storage.get_decision(d) for d in cf.automated_decision_ids[:20]]
        default_policy = policy_for_category(cf.categories[0]) if cf.categories else "no-violation"
        return render(
            request,
            "case.html",
            user,
            cf=cf,
            reports=reports,
            posts=posts,
            narrative=narrative,
            chart=chart,
            origin=origin,
            amplifiers=amplifiers,
            similar=similar,
            gate_rows=gate_rows,
            sample_id=sample_id,
            auto=[d for d in auto if d is not None],
            policies=REVIEW_POLICIES,
            actions=list(Action),
            default_policy=default_policy,
            weights=C.REVIEW_PRIORITY_WEIGHTS,
            sla_status=desk.sla.status(cf.case.opened_at, cf.case.due_at, cf.case.first_action_at, at),
            done=request.query_params.get("done"),
        )

    @app.post("/case/{case_id}/decide")
    async def decide(request: Request, case_id: str) -> Response:
        user, form = await post_form(request, WRITE_ROLES)
        try:
            desk.decide(
                case_id,
                user["name"],
                form.get("policy_id", ""),
                form.get("action", ""),
                form.get("scope", "post"),
                form.get("note", ""),
                now(),
                role=user["role"],
            )
        except KeyError:
            raise HTTPException(404, f"unknown case {case_id}") from None
        except PermissionError as exc:
            raise HTTPException(403, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return go(request, f"/case/{case_id}?done=1")

    @app.post("/case/{case_id}/escalate")
    async def escalate(request: Request, case_id: str) -> Response:
        user, form = await post_form(request, WRITE_ROLES)
        try:
            desk.escalate(case_id, user["name"], form.get("reason", ""), now())
        except (KeyError, ValueError) as exc:
            raise HTTPException(422, str(exc)) from None
        return go(request, f"/case/{case_id}")

    # ------------------------------------------------------------------ other pages

    @app.get("/narratives", response_class=HTMLResponse)
    def narratives_page(request: Request) -> HTMLResponse:
        user = need(request, READ_ROLES)
        rows = []
        for n in storage.list_narratives(limit=40):
            series = storage.narrative_series(n.id)
            rows.append({"n": n, "spark": svg.sparkline([float(r.get("posts", 0) or 0) for r in series])})
        return render(request, "narratives.html", user, rows=rows)

    @app.get("/crisis", response_class=HTMLResponse)
    def crisis_page(request: Request) -> HTMLResponse:
        user = need(request, READ_ROLES)
        from wavebreak.policy.crisis import CrisisManager

        events = list(
            storage.iter_events(
                kinds=[
                    "crisis.proposed",
                    "crisis.confirmed",
                    "crisis.renewed",
                    "crisis.ended",
                    "hold.added",
                    "refutation.added",
                ]
            )
        )
        crises = CrisisManager.from_events(events).all()
        confirmations = [e for e in events if e.kind.startswith("crisis.")]
        holds = [e.payload for e in events if e.kind == "hold.added"]
        statements = [e.payload for e in events if e.kind == "refutation.added"]
        recent = sorted(
            (cf for cf in desk.state.cases.values() if cf.decided),
            key=lambda c: c.decided["at"],
            reverse=True,
        )[:15]
        return render(
            request,
            "crisis.html",
            user,
            crises=crises,
            confirmations=confirmations,
            holds=holds,
            statements=statements,
            recent=recent,
            at=now(),
        )

    @app.get("/flaggers", response_class=HTMLResponse)
    def flaggers_page(request: Request) -> HTMLResponse:
        user = need(request, READ_ROLES)
        ns = sorted(desk.state.notifiers.values(), key=lambda n: (not n.registered, -n.reports))
        return render(request, "flaggers.html", user, notifiers=ns[:100], at=now())

    @app.post("/flaggers")
    async def register_flagger(request: Request) -> Response:
        user, form = await post_form(request, ("admin",))
        fid = form.get("flagger_id", "").strip()
        if not fid or not form.get("name"):
            raise HTTPException(422, "a flagger needs an id and a name")
        desk.register_flagger(
            fid, form["name"], form.get("tier", "1"), form.get("contact", ""), at=now(), by=user["name"]
        )
        return go(request, "/flaggers")

    @app.get("/appeals", response_class=HTMLResponse)
    def appeals_page(request: Request) -> HTMLResponse:
        user = need(request, READ_ROLES)
        appeals = sorted(desk.state.appeals.values(), key=lambda a: a.at, reverse=True)
        eligible = {a.id: desk.eligible_appeal_reviewer(a.id, user["name"]) for a in appeals}
        return render(
            request, "appeals.html", user, appeals=appeals, eligible=eligible, cases=desk.state.appeal_case
        )

    @app.post("/appeals/{appeal_id}/decide")
    async def decide_appeal(request: Request, appeal_id: str) -> Response:
        user, form = await post_form(request, WRITE_ROLES)
        try:
            desk.decide_appeal(
                appeal_id, user["name"], form.get("outcome", ""), form.get("reason", ""), now()
            )
        except KeyError:
            raise HTTPException(404, f"unknown appeal {appeal_id}") from None
        except PermissionError as exc:
            raise HTTPException(403, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return go(request, "/appeals")

    @app.get("/metrics", response_class=HTMLResponse)
    def metrics_page(request: Request) -> HTMLResponse:
        user = need(request, READ_ROLES)
        m = desk.metrics(now())
        chart = svg.bars([(k, v["median_min"], v["p90_min"]) for k, v in m["time_to_first_action"].items()])
        return render(request, "metrics.html", user, m=m, chart=chart)

    # ------------------------------------------------------------------ flagger channel

    @app.get("/reports", response_class=HTMLResponse)
    def my_reports(request: Request) -> HTMLResponse:
        user = need(request, ("flagger", "admin", "auditor"))
        fid = user.get("flagger_id") or f"tf:{user['name']}"
        mine = [r for r in desk.state.reports.values() if r.report.notifier_id == fid]
        mine.sort(key=lambda r: r.report.at, reverse=True)
        return render(
            request,
            "reports.html",
            user,
            reports=mine[:200],
            categories=CATEGORIES,
            receipt=request.query_params.get("receipt"),
            flagger_id=fid,
        )

    @app.post("/reports")
    async def file_report(request: Request) -> Response:
        user, form = await post_form(request, ("flagger",))
        fid = user.get("flagger_id") or f"tf:{user['name']}"
        if not form.get("target_id"):
            raise HTTPException(422, "which post?")
        receipt = desk.submit(
            Report(
                id="",
                at=now(),
                notifier_id=fid,
                notifier_kind=NotifierKind.TRUSTED_FLAGGER,
                target_id=form["target_id"].strip(),
                category=form.get("category", "other"),
                explanation=form.get("explanation", ""),
                good_faith=form.get("good_faith") == "on",
                legal_reference=form.get("legal_reference") or None,
            )
        )
        return go(request, f"/reports?receipt={receipt.report_id}")

    return app
