"""The statement-of-reasons schema of the EU DSA Transparency Database API, and its validator.

Why reproduce the database's validation here: a statement the database rejects is a
statement the platform has not filed (DSA Art. 24(5)); finding out in batches of 100 at
submission time, with a whole batch refused for one bad field, is too late. The rules
below mirror the database's request validation (Laravel rules of
``digital-services-act/transparency-database``, API v1 with the 2025 taxonomy update):

- enumerations for every coded field (the union of the 2023 and 2025 category and
  keyword lists, both accepted by the API during the transition);
- ``decision_visibility`` / ``decision_monetary`` / ``decision_provision`` /
  ``decision_account``: at least one of the four (``required_without_all``);
- ``*_other`` free-text fields required when their list/enum holds the ``*_OTHER`` value;
- ``decision_ground`` ILLEGAL requires ``illegal_content_legal_ground`` (≤ 500) and
  ``illegal_content_explanation`` (≤ 2000); INCOMPATIBLE requires
  ``incompatible_content_ground`` (≤ 500) and ``incompatible_content_explanation`` (≤ 2000);
- ``content_type`` a non-empty array; ``territorial_scope`` EEA country codes;
  ``content_language`` an upper-case ISO 639-1 code;
- dates ``YYYY-MM-DD``: content_date in [2000-01-01, 2038-01-01], application_date in
  [2020-01-01, 2038-01-01], every ``end_date_*`` ≤ 2038-01-01;
- ``decision_facts`` ≤ 5000; ``source_identity`` ≤ 500; ``puid`` ≤ 500 and
  ``^[a-zA-Z0-9-_]+$``; ``automated_detection`` Yes/No.

:func:`validate_statement` returns ``{field: [messages]}`` (empty when valid), naming each
failing field the way the API's 422 answer does.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DECISION_VISIBILITIES = (
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
)
DECISION_MONETARIES = (
    "DECISION_MONETARY_SUSPENSION",
    "DECISION_MONETARY_TERMINATION",
    "DECISION_MONETARY_OTHER",
)
DECISION_PROVISIONS = (
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
)
DECISION_ACCOUNTS = ("DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED")
ACCOUNT_TYPES = ("ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE")
DECISION_GROUNDS = ("DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT")
CONTENT_TYPES = (
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
)
STATEMENT_CATEGORIES = (
    # 2025 taxonomy (Implementing Regulation (EU) 2024/2835 alignment)
    "STATEMENT_CATEGORY_ANIMAL_WELFARE",
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
    "STATEMENT_CATEGORY_VIOLENCE",
    # 2023 taxonomy, still accepted
    "STATEMENT_CATEGORY_NON_CONSENSUAL_BEHAVIOUR",
    "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT",
    "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
    "STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS",
)
KEYWORDS = (
    "KEYWORD_ADULT_SEXUAL_MATERIAL",
    "KEYWORD_AGE_SPECIFIC_RESTRICTIONS",
    "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS",
    "KEYWORD_ANIMAL_HARM",
    "KEYWORD_BIOMETRIC_DATA_BREACH",
    "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",
    "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS",
    "KEYWORD_COORDINATED_HARM",
    "KEYWORD_COPYRIGHT_INFRINGEMENT",
    "KEYWORD_DANGEROUS_TOYS",
    "KEYWORD_DATA_FALSIFICATION",
    "KEYWORD_DEFAMATION",
    "KEYWORD_DESIGN_INFRINGEMENT",
    "KEYWORD_DISCRIMINATION",
    "KEYWORD_DISINFORMATION",
    "KEYWORD_FOREIGN_INFORMATION_MANIPULATION",
    "KEYWORD_GENDER_BASED_VIOLENCE",
    "KEYWORD_GEO_SPECIFIC_RESTRICTIONS",
    "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
    "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
    "KEYWORD_HATE_SPEECH",
    "KEYWORD_HUMAN_EXPLOITATION",
    "KEYWORD_HUMAN_TRAFFICKING",
    "KEYWORD_ILLEGAL_ORGANIZATIONS",
    "KEYWORD_IMAGE_BASED_SEXUAL_ABUSE",
    "KEYWORD_IMPERSONATION_ACCOUNT_HIJACKING",
    "KEYWORD_INAUTHENTIC_ACCOUNTS",
    "KEYWORD_INAUTHENTIC_LISTINGS",
    "KEYWORD_INAUTHENTIC_USER_REVIEWS",
    "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
    "KEYWORD_LANGUAGE_SPECIFIC_RESTRICTIONS",
    "KEYWORD_MISINFORMATION",
    "KEYWORD_MISSING_PROCESSING_GROUND",
    "KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",
    "KEYWORD_NON_CONSENSUAL_ITEMS_DEEPFAKE",
    "KEYWORD_NUDITY",
    "KEYWORD_ONLINE_BULLYING_INTIMIDATION",
    "KEYWORD_PATENT_INFRINGEMENT",
    "KEYWORD_PHISHING",
    "KEYWORD_PROHIBITED_PRODUCTS",
    "KEYWORD_PYRAMID_SCHEMES",
    "KEYWORD_REGULATED_GOODS_SERVICES",
    "KEYWORD_RIGHT_TO_BE_FORGOTTEN",
    "KEYWORD_RISK_ENVIRONMENTAL_DAMAGE",
    "KEYWORD_RISK_PUBLIC_HEALTH",
    "KEYWORD_SELF_MUTILATION",
    "KEYWORD_STALKING",
    "KEYWORD_SUICIDE",
    "KEYWORD_TERRORIST_CONTENT",
    "KEYWORD_TRADE_SECRET_INFRINGEMENT",
    "KEYWORD_TRADEMARK_INFRINGEMENT",
    "KEYWORD_UNLAWFUL_SALE_ANIMALS",
    "KEYWORD_UNSAFE_CHALLENGES",
    "KEYWORD_UNSAFE_PRODUCTS",
    "KEYWORD_OTHER",
)
SOURCE_TYPES = (
    "SOURCE_ARTICLE_16",
    "SOURCE_TRUSTED_FLAGGER",
    "SOURCE_TYPE_OTHER_NOTIFICATION",
    "SOURCE_VOLUNTARY",
)
AUTOMATED_DECISIONS = (
    "AUTOMATED_DECISION_FULLY",
    "AUTOMATED_DECISION_PARTIALLY",
    "AUTOMATED_DECISION_NOT_AUTOMATED",
)
EEA_COUNTRIES = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",  # EU-27
    "IS", "LI", "NO",  # EEA EFTA states
)  # fmt: skip
ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
    dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id
    ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu
    lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu
    rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
    ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".upper().split()
)
PUID_PATTERN = re.compile(r"^[a-zA-Z0-9\-_]+\Z")
DATE_MAX = date(2038, 1, 1)
CONTENT_DATE_MIN = date(2000, 1, 1)
APPLICATION_DATE_MIN = date(2020, 1, 1)
END_DATE_FIELDS = (
    "end_date_visibility_restriction",
    "end_date_monetary_restriction",
    "end_date_service_restriction",
    "end_date_account_restriction",
)

VisibilityT = Literal[DECISION_VISIBILITIES]  # type: ignore[valid-type]
CategoryT = Literal[STATEMENT_CATEGORIES]  # type: ignore[valid-type]
KeywordT = Literal[KEYWORDS]  # type: ignore[valid-type]
ContentTypeT = Literal[CONTENT_TYPES]  # type: ignore[valid-type]
CountryT = Literal[EEA_COUNTRIES]  # type: ignore[valid-type]


class StatementOfReasons(BaseModel):
    """Field types, enumerations and lengths of one statement (conditional rules: :func:`validate_statement`).

    ``extra="forbid"``: an unknown field is a typo the database would silently drop, and a
    dropped field can be a required one.
    """

    model_config = ConfigDict(extra="forbid")

    decision_visibility: list[VisibilityT] | None = None
    decision_visibility_other: str | None = Field(None, max_length=500)
    decision_monetary: Literal[DECISION_MONETARIES] | None = None  # type: ignore[valid-type]
    decision_monetary_other: str | None = Field(None, max_length=500)
    decision_provision: Literal[DECISION_PROVISIONS] | None = None  # type: ignore[valid-type]
    decision_account: Literal[DECISION_ACCOUNTS] | None = None  # type: ignore[valid-type]
    account_type: Literal[ACCOUNT_TYPES] | None = None  # type: ignore[valid-type]
    decision_ground: Literal[DECISION_GROUNDS]  # type: ignore[valid-type]
    decision_ground_reference_url: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$")
    illegal_content_legal_ground: str | None = Field(None, max_length=500)
    illegal_content_explanation: str | None = Field(None, max_length=2000)
    incompatible_content_ground: str | None = Field(None, max_length=500)
    incompatible_content_explanation: str | None = Field(None, max_length=2000)
    incompatible_content_illegal: Literal["Yes", "No"] | None = None
    content_type: list[ContentTypeT] = Field(min_length=1)
    content_type_other: str | None = Field(None, max_length=500)
    category: CategoryT
    category_addition: list[CategoryT] | None = None
    category_specification: list[KeywordT] | None = None
    category_specification_other: str | None = Field(None, max_length=500)
    territorial_scope: list[CountryT] | None = None
    content_language: str | None = None
    content_date: str
    application_date: str
    end_date_visibility_restriction: str | None = None
    end_date_monetary_restriction: str | None = None
    end_date_service_restriction: str | None = None
    end_date_account_restriction: str | None = None
    decision_facts: str = Field(min_length=1, max_length=5000)
    source_type: Literal[SOURCE_TYPES]  # type: ignore[valid-type]
    source_identity: str | None = Field(None, max_length=500)
    automated_detection: Literal["Yes", "No"]
    automated_decision: Literal[AUTOMATED_DECISIONS]  # type: ignore[valid-type]
    puid: str = Field(min_length=1, max_length=500)


def _date(value: Any) -> date | None:
    """Strict ``YYYY-MM-DD`` (the API's ``date_format:Y-m-d``): no time part, no other layout."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _present(d: dict[str, Any], key: str) -> bool:
    v = d.get(key)
    return v is not None and v != "" and v != []


def _conditional_errors(d: dict[str, Any]) -> dict[str, list[str]]:
    """The database's cross-field rules (required_if / required_without_all / dates / pattern)."""
    err: dict[str, list[str]] = {}

    def add(field: str, msg: str) -> None:
        err.setdefault(field, []).append(msg)

    restriction_fields = (
        "decision_visibility",
        "decision_monetary",
        "decision_provision",
        "decision_account",
    )
    if not any(_present(d, f) for f in restriction_fields):
        for f in restriction_fields:
            others = ", ".join(x for x in restriction_fields if x != f)
            add(f, f"The {f} field is required when none of {others} are present.")
    if "DECISION_VISIBILITY_OTHER" in (d.get("decision_visibility") or []) and not _present(
        d, "decision_visibility_other"
    ):
        add(
            "decision_visibility_other",
            "Required when decision_visibility contains DECISION_VISIBILITY_OTHER.",
        )
    if d.get("decision_monetary") == "DECISION_MONETARY_OTHER" and not _present(d, "decision_monetary_other"):
        add("decision_monetary_other", "Required when decision_monetary is DECISION_MONETARY_OTHER.")
    if "CONTENT_TYPE_OTHER" in (d.get("content_type") or []) and not _present(d, "content_type_other"):
        add("content_type_other", "Required when content_type contains CONTENT_TYPE_OTHER.")
    if "KEYWORD_OTHER" in (d.get("category_specification") or []) and not _present(
        d, "category_specification_other"
    ):
        add("category_specification_other", "Required when category_specification contains KEYWORD_OTHER.")
    ground = d.get("decision_ground")
    if ground == "DECISION_GROUND_ILLEGAL_CONTENT":
        for f in ("illegal_content_legal_ground", "illegal_content_explanation"):
            if not _present(d, f):
                add(f, f"The {f} field is required when decision ground is illegal content.")
    elif ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        for f in ("incompatible_content_ground", "incompatible_content_explanation"):
            if not _present(d, f):
                add(f, f"The {f} field is required when decision ground is incompatible content.")
    lang = d.get("content_language")
    if lang is not None and lang not in ISO_639_1:
        add("content_language", "Must be an upper-case ISO 639-1 language code (e.g. EN).")
    cd = _date(d.get("content_date"))
    if "content_date" in d and cd is None:
        add("content_date", "The content date does not match the format YYYY-MM-DD.")
    elif cd is not None and not CONTENT_DATE_MIN <= cd <= DATE_MAX:
        add("content_date", "The content date must be between 2000-01-01 and 2038-01-01.")
    ad = _date(d.get("application_date"))
    if "application_date" in d and ad is None:
        add("application_date", "The application date does not match the format YYYY-MM-DD.")
    elif ad is not None and not APPLICATION_DATE_MIN <= ad <= DATE_MAX:
        add("application_date", "The application date must be between 2020-01-01 and 2038-01-01.")
    for f in END_DATE_FIELDS:
        if d.get(f) is None:
            continue
        ed = _date(d.get(f))
        if ed is None:
            add(f, f"The {f} does not match the format YYYY-MM-DD.")
        elif ed > DATE_MAX:
            add(f, f"The {f} must be a date before or equal to 2038-01-01.")
    puid = d.get("puid")
    if isinstance(puid, str) and puid and not PUID_PATTERN.match(puid):
        add("puid", "The puid may only contain letters, digits, hyphens and underscores.")
    return err


def validate_statement(statement: dict[str, Any]) -> dict[str, list[str]]:
    """``{field: [messages]}`` for every rule the statement breaks; ``{}`` when the database would accept it."""
    errors: dict[str, list[str]] = {}
    try:
        StatementOfReasons.model_validate(statement)
    except ValidationError as exc:
        for e in exc.errors():
            loc = e.get("loc") or ("__root__",)
            field = str(loc[0])
            errors.setdefault(field, []).append(e.get("msg", "invalid"))
    for field, msgs in _conditional_errors(statement).items():
        errors.setdefault(field, []).extend(msgs)
    return errors


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the field-level rules (conditional rules are documented in this module)."""
    return StatementOfReasons.model_json_schema()
