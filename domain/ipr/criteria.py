"""Whether an Internal Process Review is conducted (docs/rules.md#ipr-criteria), with the reasons
in words a referrer can read."""

from dataclasses import dataclass
from typing import Literal

Harm = Literal["none", "serious_harm", "death", "suicide", "attempted_suicide"]
ExternalReview = Literal[
    "safeguarding_adults_review",
    "significant_case_review",
    "domestic_homicide_review",
    "inquest_interested_party",
]
Nation = Literal["england", "wales", "scotland"]

HARM_WORDS: dict[str, str] = {
    "serious_harm": "suffered serious harm",
    "death": "died",
    "suicide": "died by suicide",
    "attempted_suicide": "is believed to have attempted suicide",
}
REVIEW_WORDS: dict[str, str] = {
    "safeguarding_adults_review": "take part in a Safeguarding Adults Review",
    "significant_case_review": "take part in a Significant Case Review",
    "domestic_homicide_review": "take part in a Domestic Homicide Review",
    "inquest_interested_party": "be an Interested Party at an inquest",
}


@dataclass(frozen=True)
class ScreeningFacts:
    # A suggestion or allegation that DWP's actions or omissions may have
    # contributed negatively to the customer's circumstances.
    allegation: bool
    harm: Harm
    external_reviews: tuple[ExternalReview, ...] = ()
    # A Significant Case Review is a Scottish process.
    nation: Nation = "england"


@dataclass(frozen=True)
class CriteriaDecision:
    met: bool
    # "A", "B", both or neither.
    criteria: tuple[str, ...]
    reasons: tuple[str, ...]


def counted_reviews(facts: ScreeningFacts) -> tuple[ExternalReview, ...]:
    """The external reviews that count under criterion (B) and as external scrutiny: a
    Significant Case Review is held in Scotland only (docs/rules.md#ipr-criteria)."""
    return tuple(
        dict.fromkeys(
            r
            for r in facts.external_reviews
            if r != "significant_case_review" or facts.nation == "scotland"
        )
    )


def screen(facts: ScreeningFacts) -> CriteriaDecision:
    """Criterion (A): an allegation AND serious harm, death or (believed) attempted
    suicide. Criterion (B): DWP asked to take part in a SAR, an SCR (Scotland only) or a
    DHR, or named an Interested Party at an inquest, allegation or not."""
    reasons: list[str] = []
    met: list[str] = []
    harmed = facts.harm != "none"
    if facts.allegation and harmed:
        met.append("A")
        reasons.append(
            "Criterion (A) is met: there is a suggestion that DWP's actions or omissions "
            f"may have contributed negatively, and the customer {HARM_WORDS[facts.harm]}."
        )
    elif harmed:
        reasons.append(
            f"Criterion (A) is not met: the customer {HARM_WORDS[facts.harm]}, but nothing "
            "suggests that DWP's actions or omissions contributed to their circumstances."
        )
    elif facts.allegation:
        reasons.append(
            "Criterion (A) is not met: there is a suggestion that DWP's actions or "
            "omissions contributed, but the customer did not suffer serious harm or die, "
            "and there is no reason to believe they attempted suicide."
        )
    else:
        reasons.append(
            "Criterion (A) is not met: there is no suggestion that DWP's actions or "
            "omissions contributed, and no serious harm, death or attempted suicide."
        )
    counted = counted_reviews(facts)
    if counted:
        met.append("B")
        asked = " and to ".join(REVIEW_WORDS[r] for r in dict.fromkeys(counted))
        reasons.append(
            f"Criterion (B) is met: DWP has been asked to {asked}. Under (B) a review "
            "is conducted whether or not there is an allegation."
        )
    else:
        reasons.append(
            "Criterion (B) is not met: DWP has not been asked to take part in a "
            "Safeguarding Adults Review, a Significant Case Review or a Domestic Homicide "
            "Review, nor named an Interested Party at an inquest."
        )
    if "significant_case_review" in facts.external_reviews and facts.nation != "scotland":
        reasons.append(
            "A Significant Case Review is held in Scotland only; for England and Wales, "
            "check whether the request is for a Safeguarding Adults Review."
        )
    if not met:
        reasons.append(
            "The case is still shared with the Advanced Customer Support Senior Leaders "
            "so that any learning is not lost."
        )
    return CriteriaDecision(met=bool(met), criteria=tuple(met), reasons=tuple(reasons))
