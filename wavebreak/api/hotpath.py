"""A raw ASGI lane for the two calls a ranking surface makes on every page: ``POST /v1/gate`` and
``POST /v1/trends/vet``.

Why: a gate call is answered from memory in ~0.1 ms, but going through FastAPI (routing over every
route, a ``Request`` object, dependency solving, exit stacks, exception middleware) cost about twice
that again per call on this project's 2-core machine, and the gate's latency target (p99 < 10 ms for
100-item calls at 1,000 requests/s, load generator on the same machine) is a CPU budget. This lane
does only what those two endpoints need: read the (already size-checked) body, check the key and its
scope, validate the body with the same pydantic model in one pass of its Rust JSON parser, and answer
with the same :class:`~wavebreak.api.app.ApiState` method the FastAPI route calls. Errors have the
standard ``{"error": {...}}`` shape with the same statuses as the routes.

The FastAPI routes stay declared: they carry the OpenAPI documentation and answer when the lane is
off (``create_app(hot_path=False)``); a test checks both lanes give the same bytes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, TypeVar

import orjson
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from wavebreak.api.errors import ApiError, error_bytes, validation_error
from wavebreak.api.schemas import GateRequest, TrendsVetRequest

if TYPE_CHECKING:
    from wavebreak.api.app import ApiState

_JSON = (b"content-type", b"application/json")
_log = logging.getLogger(__name__)
_Body = TypeVar("_Body", bound=BaseModel)


def parse_body(model: type[_Body], raw: bytes) -> _Body:
    """Validate a JSON body in one pass of pydantic's Rust JSON parser (both lanes use it).

    Why not a FastAPI body parameter: FastAPI decodes the JSON with the stdlib, then validates field
    by field, which cost about as much CPU per 100-item call as the gate itself. Errors keep FastAPI's
    shape (``loc`` starts with ``body``), so the standard 400/422 answer (:func:`validation_error`)
    is the same whichever lane raised them.
    """
    try:
        return model.model_validate_json(raw)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors(include_url=False)]
        raise RequestValidationError(errors) from None


class HotPath:
    """ASGI middleware answering the gate and trend-vetting calls itself; everything else passes through."""

    routes: dict[str, tuple[type[BaseModel], str, str]] = {
        "/v1/gate": (GateRequest, "answer_gate", "gate:read"),
        "/v1/trends/vet": (TrendsVetRequest, "answer_trends", "gate:read"),
    }

    def __init__(self, app: ASGIApp, state: ApiState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        status, body, headers = await self._answer(scope, receive, *route)
        raw_headers = [_JSON, (b"content-length", str(len(body)).encode())]
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})

    async def _answer(
        self, scope: Scope, receive: Receive, model: type[BaseModel], method: str, needs: str
    ) -> tuple[int, bytes, dict[str, str] | None]:
        presented = auth = None
        for k, v in scope["headers"]:
            if k == b"x-api-key":
                presented = v.decode("latin-1")
            elif k == b"authorization":
                auth = v.decode("latin-1")
        try:
            self.state.authorize_headers(presented, auth, needs)
            req = parse_body(model, await _read_body(receive))
            answer = await getattr(self.state, method)(req)
            return 200, orjson.dumps(answer, option=orjson.OPT_NON_STR_KEYS), None
        except RequestValidationError as e:
            status, code, message, details = validation_error(e.errors())
            return status, error_bytes(code, message, details), None
        except ApiError as e:
            return e.status, error_bytes(e.code, e.message, e.details), e.headers
        except Exception as e:
            _log.exception("unexpected error answering %s", scope["path"])
            return 500, error_bytes("internal_error", f"unexpected error: {type(e).__name__}"), None


async def _read_body(receive: Receive) -> bytes:
    """The whole request body (the body-size guard in front has already bounded it)."""
    chunks: list[bytes] = []
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            break
        chunks.append(msg.get("body", b""))
        if not msg.get("more_body", False):
            break
    return b"".join(chunks)
