"""Request and response models of the HTTP API (pydantic 2), with OpenAPI examples.

Why separate models from the core records: records are trusted, fast dataclasses
past the edge; these models are the edge, where every field is validated, bounded
and documented for integrators (``/docs``, ``/openapi.json``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from wavebreak.core import constants as C
from wavebreak.core.records import Action, Surface

ActionName = Literal[tuple(a.slug for a in Action)]  # type: ignore[valid-type]
RecordFormat = Literal["jsonl", "generic", "jetstream", "mastodon", "x-v2", "twitter-v1"]

_EX_POST = {
    "id": "generic:1001",
    "author_id": "generic:u42",
    "created_at": "2024-07-29T14:05:00Z",
    "text": "They say the attacker came by boat and was on a watch list",
    "lang": "en",
}


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `unauthorized`, `payload_too_large`.")
    message: str = Field(description="What went wrong, for a person.")
    details: Any = Field(default=None, description="Structured details (e.g. the failing fields or records).")


class ErrorResponse(BaseModel):
    """Every error the API returns has this shape."""

    error: ErrorBody

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"error": {"code": "forbidden", "message": "this key lacks scope gate:read", "details": None}}
            ]
        }
    )


# ----------------------------------------------------------------------------- gate


class GateRequest(BaseModel):
    """Which items a surface wants to show, to a viewer in which region."""

    surface: Surface = Field(description="The amplification surface asking.")
    viewer_region: str | None = Field(
        default=None, max_length=16, description="ISO 3166-1 alpha-2 region of the viewer (legal holds)."
    )
    items: list[str] = Field(
        default_factory=list,
        max_length=C.API_MAX_GATE_ITEMS,
        description=f"Ids of recorded items (at most {C.API_MAX_GATE_ITEMS}).",
    )
    posts: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=C.API_MAX_GATE_ITEMS,
        description="Raw posts the server may not have seen yet (generic schema unless `format` says "
        "otherwise); they are scored on the fly and answered after `items`.",
    )
    format: RecordFormat = Field(default="jsonl", description="Format of `posts`.")
    at: datetime | None = Field(default=None, description="Decide as of this time (default: now).")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"surface": "trends", "viewer_region": "GB", "items": ["demo:302", "demo:17"]},
                {"surface": "recommendations", "viewer_region": "FR", "posts": [_EX_POST]},
            ]
        }
    )


class GateItem(BaseModel):
    item_id: str
    action: ActionName = Field(description="The most restrictive action that applies on this surface.")
    reason_id: str | None = Field(description="Decision (or legal hold) id behind the action; null if none.")
    rule_id: str | None = Field(description="Policy rule (or `legal-hold`) behind the action.")
    explanation: str = Field(description="One sentence a person can read.")
    boost_as_context: bool = Field(
        default=False, description="The item refutes a restricted narrative: surfaces may show it as context."
    )
    provisional: bool = Field(default=False, description="Scored on the fly, not yet recorded.")


class GateResponse(BaseModel):
    surface: Surface
    viewer_region: str | None
    results: list[GateItem]
    scored: str | None = Field(
        default=None, description="How raw posts were scored: `signals+policy` or `holds-only`."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "surface": "trends",
                    "viewer_region": "GB",
                    "results": [
                        {
                            "item_id": "demo:302",
                            "action": "exclude",
                            "reason_id": "dec-20240729T170214-e3390821b8",
                            "rule_id": "identity-claim-post",
                            "explanation": "post demo:302: rule identity-claim-post fired "
                            "(signals.identity_claim=0.902 >= 0.6).",
                            "boost_as_context": False,
                            "provisional": False,
                        }
                    ],
                    "scored": None,
                }
            ]
        }
    )


# ----------------------------------------------------------------------------- trends


class TrendCandidate(BaseModel):
    term: str = Field(min_length=1, max_length=500)
    sample_post_ids: list[str] = Field(default_factory=list, max_length=C.API_MAX_GATE_ITEMS)


class TrendsVetRequest(BaseModel):
    region: str | None = Field(default=None, max_length=16)
    candidates: list[TrendCandidate] = Field(max_length=C.API_MAX_TREND_CANDIDATES)
    at: datetime | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "region": "GB",
                    "candidates": [
                        {"term": "#MarloweBay", "sample_post_ids": ["demo:302", "demo:17"]},
                        {"term": "Renshaw-Adeyemi", "sample_post_ids": []},
                    ],
                }
            ]
        }
    )


class TrendVerdict(BaseModel):
    term: str
    eligible: bool
    reason: str
    reason_id: str | None
    rule_id: str | None = None
    excluded_share: float = 0.0


class TrendsVetResponse(BaseModel):
    region: str | None
    results: list[TrendVerdict]


# ----------------------------------------------------------------------------- ingest


class IngestRequest(BaseModel):
    """Records to run through the pipeline (one micro-batch)."""

    records: list[Any] = Field(
        max_length=C.API_MAX_INGEST_RECORDS, description="Records in `format` (JSON objects)."
    )
    format: RecordFormat = Field(
        default="jsonl", description="`jsonl` = the generic schema of docs/formats.md."
    )

    model_config = ConfigDict(json_schema_extra={"examples": [{"format": "jsonl", "records": [_EX_POST]}]})


class IngestResponse(BaseModel):
    accepted: dict[str, int] = Field(description="Records kept, by kind (posts, accounts, deletions).")
    rejected: list[dict[str, Any]] = Field(description="`{index, reason}` for each rejected record.")
    decisions: list[dict[str, Any]] = Field(
        description="Decisions the pipeline took on this batch (summary)."
    )
    alerts: int


# ----------------------------------------------------------------------------- crises, holds, refutations


class CrisisCreate(BaseModel):
    """Declare (confirmed at once) or propose (a person confirms later) a scoped crisis."""

    title: str = Field(min_length=1, max_length=500)
    terms: list[str] = Field(default_factory=list, max_length=200)
    regions: list[str] = Field(default_factory=list, max_length=50)
    languages: list[str] = Field(default_factory=list, max_length=50)
    duration_days: float | None = Field(
        default=None, gt=0, le=C.CRISIS_MAX_DAYS, description=f"Default {C.CRISIS_DEFAULT_DAYS} days."
    )
    confirm: bool = Field(default=True, description="False = propose only.")
    at: datetime | None = Field(default=None, description="Event time (default: now).")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Marlowe Bay disorder",
                    "terms": ["marlowe bay", "asylum seeker", "boat"],
                    "regions": ["GB"],
                    "duration_days": 7,
                }
            ]
        }
    )


class CrisisStep(BaseModel):
    """Confirm, renew or end: who does it is the key; optional time, duration and reason."""

    at: datetime | None = None
    duration_days: float | None = Field(default=None, gt=0, le=C.CRISIS_MAX_DAYS)
    reason: str = Field(default="ended", max_length=500)


class HoldCreate(BaseModel):
    id: str | None = Field(default=None, max_length=200, description="Default: generated.")
    title: str = Field(min_length=1, max_length=500)
    terms: list[str] = Field(min_length=1, max_length=200)
    jurisdictions: list[str] = Field(min_length=1, max_length=50)
    legal_basis: str = Field(min_length=1, max_length=1000)
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Reporting restriction: identity of a minor suspect",
                    "terms": ["Tobias Renshaw-Adeyemi"],
                    "jurisdictions": ["GB"],
                    "legal_basis": "Children and Young Persons Act 1933 s.49",
                }
            ]
        }
    )


class HoldEnd(BaseModel):
    at: datetime | None = None


class RefutationCreate(BaseModel):
    id: str | None = Field(default=None, max_length=200)
    source: str = Field(min_length=1, max_length=500, description="Who published it (police, fact-checker).")
    text: str = Field(min_length=1, max_length=20_000)
    claim: str = Field(default="", max_length=2_000, description="The claim it refutes.")
    lang: str = Field(default="en", max_length=16)
    url: str = Field(default="", max_length=2_000)
    at: datetime | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "source": "Marlowe Bay Police",
                    "claim": "The suspect is an asylum seeker who came by boat",
                    "text": "The 17-year-old arrested was born in Wales and did not arrive by boat.",
                    "url": "https://police.example/statement",
                }
            ]
        }
    )


class Page(BaseModel):
    items: list[dict[str, Any]]
    total: int
    offset: int
    limit: int
