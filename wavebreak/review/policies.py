"""The closed catalogue of policies a reviewer can decide under.

Why a closed catalogue: a statement of reasons must name the platform rule and the legal
ground (DSA art. 17); a free-text policy box produces decisions nobody can audit or count.
Ids and grounds mirror the default policy pack so reviewer and engine decisions on the
same harm are reported under the same category.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wavebreak.core import constants as C
from wavebreak.core.records import Grounds


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    """One policy a reviewer may cite: its grounds and the report categories it covers."""

    id: str
    title: str
    grounds: Grounds
    categories: tuple[str, ...]


REVIEW_POLICIES: dict[str, ReviewPolicy] = {
    p.id: p
    for p in (
        ReviewPolicy(
            "misleading-identity-claim",
            "Misleading information: unverified identity of a crime suspect",
            Grounds(
                "Misleading information: unverified claims about the identity of crime suspects",
                "UK Online Safety Act 2023 s.179 (false communications) where knowingly false",
                "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
                "KEYWORD_MISINFORMATION",
                False,
            ),
            ("misinformation",),
        ),
        ReviewPolicy(
            "incitement",
            "Violent speech: incitement to violence",
            Grounds(
                "Violent speech: incitement to violence",
                "Public Order Act 1986 Part 3; Serious Crime Act 2007 ss.44-46; OSA 2023 priority illegal content",
                "STATEMENT_CATEGORY_VIOLENCE",
                "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
                True,
            ),
            ("incitement", "terrorism"),
        ),
        ReviewPolicy(
            "threat",
            "Violent speech: threats",
            Grounds(
                "Violent speech: threats",
                "OSA 2023 s.181 (threatening communications)",
                "STATEMENT_CATEGORY_VIOLENCE",
                None,
                True,
            ),
            ("threat",),
        ),
        ReviewPolicy(
            "hateful-conduct",
            "Hateful conduct",
            Grounds(
                "Hateful conduct",
                "Public Order Act 1986 Parts 3 and 3A (stirring up hatred)",
                "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
                "KEYWORD_HATE_SPEECH",
                False,
            ),
            ("hate", "illegal_hate"),
        ),
        ReviewPolicy(
            "minor-identity",
            "Legal: identity of a minor protected by a reporting restriction",
            Grounds(
                "Legal: court orders and statutory reporting restrictions",
                "Youth Justice and Criminal Evidence Act 1999, s.45",
                "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
                None,
                True,
            ),
            ("minor_identity", "child_safety"),
        ),
        ReviewPolicy(
            "harassment",
            "Abuse and harassment",
            Grounds(
                "Abuse and harassment", None, "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", None, False
            ),
            ("harassment", "impersonation"),
        ),
        ReviewPolicy(
            "spam",
            "Spam and platform manipulation",
            Grounds("Spam and platform manipulation", None, "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"),
            ("spam",),
        ),
        ReviewPolicy(
            "no-violation",
            "No violation found",
            Grounds("No violation found"),
            ("other",),
        ),
    )
}

CATEGORIES: tuple[str, ...] = (
    "incitement",
    "threat",
    "terrorism",
    "child_safety",
    "minor_identity",
    "illegal_hate",
    "hate",
    "misinformation",
    "harassment",
    "impersonation",
    "spam",
    "other",
)
"""Report categories accepted at intake (anything else is filed as ``other``)."""

RULE_CATEGORY: dict[str, str] = {
    "incitement": "incitement",
    "threat": "threat",
    "hate": "hate",
    "identity": "misinformation",
    "pseudo-news": "misinformation",
    "refuted": "misinformation",
    "legal-hold": "minor_identity",
}
"""Category of an automated decision sent for confirmation, by rule id prefix."""


def policy_for_category(category: str) -> str:
    """The default policy a reviewer is offered for a report category."""
    for p in REVIEW_POLICIES.values():
        if category in p.categories:
            return p.id
    return "no-violation"


def category_for_rule(rule_id: str) -> str:
    """Map an engine rule id (``incitement-hold-reach``) to a report category."""
    for prefix, cat in RULE_CATEGORY.items():
        if rule_id.startswith(prefix):
            return cat
    return "other"


def release_needs_second_reviewer(categories: Iterable[str], followers: int, crisis: bool) -> str | None:
    """Why releasing a hold or restriction needs a second, different reviewer, or None if one suffices.

    Four eyes (dual control) for the costliest reversal: a call to violence or a threat released
    at high reach, or while a confirmed crisis covers it. One reviewer still releases everything
    else, so the second look is spent where a single error is worst. Shared by the review desk
    and the simulator, so both apply the same rule.
    """
    hit = sorted(set(categories).intersection(C.REVIEW_FOUR_EYES_CATEGORIES))
    if not hit:
        return None
    if crisis:
        return f"{'/'.join(hit)} in a confirmed crisis"
    if followers > C.REVIEW_FOUR_EYES_FOLLOWERS:
        return f"{'/'.join(hit)} by an author with {followers} followers (> {C.REVIEW_FOUR_EYES_FOLLOWERS})"
    return None
