"""A local fake of the DSA Transparency Database API, for tests and dry runs.

Why ship it in the package rather than in tests: a platform wiring Wavebreak to the
real database wants to rehearse its submission job (batching, retries, the ledger)
offline first, exactly as the Commission's sandbox is meant to be used. The fake applies
the same validation as :mod:`wavebreak.transparency.sor_schema`, the same limits
(≤ 100 statements per call, unique ``puid`` per platform, Bearer token) and can be told to
answer 429 (with ``Retry-After``) or 500 on chosen calls.

Endpoints (as the real API): ``POST /api/v1/statement`` (one), ``POST /api/v1/statements``
(``{"statements": [...]}``), ``GET /api/v1/statement/existing-puid/{puid}``.
"""

# no `from __future__ import annotations`: FastAPI must see the real Request class of the
# locally imported module in the endpoint signatures.

import uuid
from collections import deque
from collections.abc import Iterable
from typing import Any

from wavebreak.core import constants as C
from wavebreak.transparency.sor_schema import validate_statement


def make_app(token: str = "test-token", failures: Iterable[int] = ()) -> Any:
    """A FastAPI app; ``failures`` are status codes answered, in order, before normal service.

    ``app.state.store`` maps puid → stored statement; ``app.state.calls`` counts requests.
    """
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    app = FastAPI(title="fake DSA Transparency Database")
    app.state.store = {}
    app.state.failures = deque(failures)
    app.state.calls = 0

    def _guard(request: Request) -> JSONResponse | None:
        app.state.calls += 1
        if request.headers.get("authorization") != f"Bearer {token}":
            return JSONResponse({"message": "Unauthenticated."}, status_code=401)
        if app.state.failures:
            code = app.state.failures.popleft()
            headers = {"Retry-After": "1"} if code == 429 else {}
            return JSONResponse({"message": f"injected {code}"}, status_code=code, headers=headers)
        return None

    def _store(s: dict[str, Any]) -> dict[str, Any]:
        rec = {**s, "uuid": str(uuid.uuid4())}
        app.state.store[s["puid"]] = rec
        return rec

    @app.post("/api/v1/statement")
    async def one(request: Request) -> JSONResponse:
        if (r := _guard(request)) is not None:
            return r
        s = await request.json()
        errors = validate_statement(s)
        if errors:
            return JSONResponse({"message": "The given data was invalid.", "errors": errors}, status_code=422)
        if s["puid"] in app.state.store:
            existing = app.state.store[s["puid"]]
            return JSONResponse(
                {
                    "message": "The identifier given is not unique within this platform.",
                    "errors": {"puid": ["The identifier given is not unique within this platform."]},
                    "existing": {"puid": s["puid"], "uuid": existing["uuid"]},
                },
                status_code=422,
            )
        return JSONResponse(_store(s), status_code=201)

    @app.post("/api/v1/statements")
    async def many(request: Request) -> JSONResponse:
        if (r := _guard(request)) is not None:
            return r
        body = await request.json()
        statements = body.get("statements") if isinstance(body, dict) else None
        if not isinstance(statements, list) or not statements:
            return JSONResponse(
                {"message": "statements is required", "errors": {"statements": ["required"]}}, status_code=422
            )
        if len(statements) > C.SOR_BATCH_MAX:
            return JSONResponse(
                {
                    "message": f"at most {C.SOR_BATCH_MAX} statements per call",
                    "errors": {
                        "statements": [f"The statements may not have more than {C.SOR_BATCH_MAX} items."]
                    },
                },
                status_code=422,
            )
        errors: dict[str, Any] = {}
        seen: set[str] = set()
        duplicates = []
        for i, s in enumerate(statements):
            e = validate_statement(s) if isinstance(s, dict) else {"statement": ["must be an object"]}
            if e:
                errors[f"statement_{i}"] = e
            puid = s.get("puid") if isinstance(s, dict) else None
            if puid in app.state.store or puid in seen:
                duplicates.append(puid)
            seen.add(puid)
        if errors:
            return JSONResponse({"message": "The given data was invalid.", "errors": errors}, status_code=422)
        if duplicates:
            return JSONResponse(
                {
                    "message": "The identifier given is not unique within this platform.",
                    "errors": {"puid": ["The identifier given is not unique within this platform."]},
                    "existing_puids": duplicates,
                },
                status_code=422,
            )
        return JSONResponse({"statements": [_store(s) for s in statements]}, status_code=201)

    @app.get("/api/v1/statement/existing-puid/{puid}")
    async def existing(puid: str, request: Request) -> JSONResponse:
        if (r := _guard(request)) is not None:
            return r
        rec = app.state.store.get(puid)
        if rec is None:
            return JSONResponse({"message": "statement of reason not found"}, status_code=404)
        return JSONResponse(rec, status_code=302)

    return app
