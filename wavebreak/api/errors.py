"""One error shape for every failure, and the request-size guard.

Every error is ``{"error": {"code", "message", "details"}}`` so that an
integrator handles one shape; FastAPI's defaults (``{"detail": ...}``) are
replaced here. Malformed JSON is a 400 (the client sent bytes that are not
JSON); JSON that does not fit the schema is a 422 naming each failing field.

Why the body guard is a raw ASGI middleware that reads the body *before* the
app: a ``Content-Length`` header can be absent (chunked upload) or lie, so the
guard counts the bytes actually received and stops at
``API_MAX_BODY_BYTES + 1``; nothing past the limit is ever buffered, and the
413 goes out before any handler (or the pipeline) runs.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """Raise from a handler to answer with the standard error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODES.get(status, "error")
        self.message = message
        self.details = details
        self.headers = headers


def error_bytes(code: str, message: str, details: Any = None) -> bytes:
    return orjson.dumps({"error": {"code": code, "message": message, "details": details}})


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        error_bytes(code, message, details),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        out.append(
            {
                "loc": [str(x) for x in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
        )
    return out


def validation_error(errors: Any) -> tuple[int, str, str, list[dict[str, Any]]]:
    """Status, code, message and details for schema errors: 400 when the bytes are not JSON at all,
    422 naming each failing field otherwise (shared by the FastAPI handler and the ASGI hot path)."""
    if any(e.get("type") == "json_invalid" for e in errors):
        ctx = next((e.get("ctx") or {} for e in errors if e.get("type") == "json_invalid"), {})
        return (
            400,
            "malformed_json",
            f"request body is not valid JSON: {ctx.get('error', 'decode error')}",
            _jsonable_errors(errors),
        )
    too_many = [e for e in errors if e.get("type") == "too_long"]
    msg = "request does not match the schema"
    if too_many:
        msg = "too many items: " + "; ".join(
            f"{'.'.join(str(x) for x in e['loc'][1:])} {e.get('msg', '')}" for e in too_many
        )
    return 422, "validation_error", msg, _jsonable_errors(errors)


def install_error_handlers(app: FastAPI) -> None:
    """Replace FastAPI's default error bodies with the standard shape."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        return error_response(*validation_error(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> Response:
        code = _CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail), None, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> Response:
        return error_response(500, "internal_error", f"unexpected error: {type(exc).__name__}")


class BodyLimitMiddleware:
    """413 for bodies above ``max_bytes``, by header and by bytes actually streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers", ()):
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    await self._reject(send, 400, "bad_request", "invalid Content-Length header")
                    return
                if declared > self.max_bytes:
                    await self._too_large(send, declared)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body = msg.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large(send, None)
                return
            chunks.append(body)
            if not msg.get("more_body", False):
                break
        whole = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send, declared: int | None) -> None:
        what = f"{declared} bytes" if declared is not None else "more bytes"
        await self._reject(
            send,
            413,
            "payload_too_large",
            f"request body of {what} exceeds the limit of {self.max_bytes} bytes",
            {"limit_bytes": self.max_bytes},
        )

    @staticmethod
    async def _reject(send: Send, status: int, code: str, message: str, details: Any = None) -> None:
        body = error_bytes(code, message, details)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})
