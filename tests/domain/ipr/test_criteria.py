"""Whether an IPR is conducted: criteria (A) and (B) of docs/rules.md#ipr-criteria, and the reasons
a referrer reads."""

from typing import get_args

import pytest

from domain.ipr.criteria import (
    ExternalReview,
    Harm,
    Nation,
    ScreeningFacts,
    screen,
)

HARMS: tuple[Harm, ...] = ("serious_harm", "death", "suicide", "attempted_suicide")
REVIEWS: tuple[ExternalReview, ...] = (
    "safeguarding_adults_review",
    "significant_case_review",
    "domestic_homicide_review",
    "inquest_interested_party",
)
HARM_WORDS = {
    "serious_harm": "suffered serious harm",
    "death": "died",
    "suicide": "died by suicide",
    "attempted_suicide": "is believed to have attempted suicide",
}
REVIEW_WORDS = {
    "safeguarding_adults_review": "take part in a Safeguarding Adults Review",
    "significant_case_review": "take part in a Significant Case Review",
    "domestic_homicide_review": "take part in a Domestic Homicide Review",
    "inquest_interested_party": "be an Interested Party at an inquest",
}
SHARED = (
    "The case is still shared with the Advanced Customer Support Senior Leaders "
    "so that any learning is not lost."
)
SCOTLAND_ONLY = (
    "A Significant Case Review is held in Scotland only; for England and Wales, "
    "check whether the request is for a Safeguarding Adults Review."
)
B_NOT_MET = (
    "Criterion (B) is not met: DWP has not been asked to take part in a "
    "Safeguarding Adults Review, a Significant Case Review or a Domestic Homicide "
    "Review, nor named an Interested Party at an inquest."
)


def test_the_vocabularies_are_the_ones_domain_md_names() -> None:
    assert set(get_args(Harm)) == {"none", *HARMS}
    assert set(get_args(ExternalReview)) == set(REVIEWS)
    assert set(get_args(Nation)) == {"england", "wales", "scotland"}


# --- criterion (A) ---------------------------------------------------------------


@pytest.mark.parametrize("harm", HARMS)
def test_a_is_met_by_an_allegation_and_each_harm(harm: Harm) -> None:
    decision = screen(ScreeningFacts(allegation=True, harm=harm))
    assert decision.met is True
    assert decision.criteria == ("A",)
    assert decision.reasons == (
        "Criterion (A) is met: there is a suggestion that DWP's actions or omissions "
        f"may have contributed negatively, and the customer {HARM_WORDS[harm]}.",
        B_NOT_MET,
    )


@pytest.mark.parametrize("harm", HARMS)
def test_a_is_not_met_by_harm_without_an_allegation(harm: Harm) -> None:
    decision = screen(ScreeningFacts(allegation=False, harm=harm))
    assert decision.met is False
    assert decision.criteria == ()
    assert decision.reasons[0] == (
        f"Criterion (A) is not met: the customer {HARM_WORDS[harm]}, but nothing "
        "suggests that DWP's actions or omissions contributed to their circumstances."
    )
    assert decision.reasons[-1] == SHARED


def test_a_is_not_met_by_an_allegation_without_harm() -> None:
    decision = screen(ScreeningFacts(allegation=True, harm="none"))
    assert (decision.met, decision.criteria) == (False, ())
    assert decision.reasons == (
        "Criterion (A) is not met: there is a suggestion that DWP's actions or "
        "omissions contributed, but the customer did not suffer serious harm or die, "
        "and there is no reason to believe they attempted suicide.",
        B_NOT_MET,
        SHARED,
    )


def test_neither_criterion_is_met_without_allegation_harm_or_review() -> None:
    decision = screen(ScreeningFacts(allegation=False, harm="none"))
    assert (decision.met, decision.criteria) == (False, ())
    assert decision.reasons == (
        "Criterion (A) is not met: there is no suggestion that DWP's actions or "
        "omissions contributed, and no serious harm, death or attempted suicide.",
        B_NOT_MET,
        SHARED,
    )


# --- criterion (B) ---------------------------------------------------------------


def _scotland_if_scr(review: ExternalReview) -> Nation:
    return "scotland" if review == "significant_case_review" else "england"


@pytest.mark.parametrize("allegation", [True, False], ids=["with_allegation", "no_allegation"])
@pytest.mark.parametrize("review", REVIEWS)
def test_b_is_met_by_each_external_review_with_or_without_an_allegation(
    review: ExternalReview, allegation: bool
) -> None:
    facts = ScreeningFacts(
        allegation=allegation,
        harm="none",
        external_reviews=(review,),
        nation=_scotland_if_scr(review),
    )
    decision = screen(facts)
    assert decision.met is True
    assert decision.criteria == ("B",)
    assert decision.reasons[1] == (
        f"Criterion (B) is met: DWP has been asked to {REVIEW_WORDS[review]}. Under (B) a "
        "review is conducted whether or not there is an allegation."
    )
    assert SHARED not in decision.reasons
    assert len(decision.reasons) == 2


@pytest.mark.parametrize("review", REVIEWS)
def test_b_is_met_with_no_allegation_and_no_harm_at_all(review: ExternalReview) -> None:
    """The issue's case: (B) with no allegation, nothing under (A)."""
    decision = screen(
        ScreeningFacts(
            allegation=False,
            harm="none",
            external_reviews=(review,),
            nation=_scotland_if_scr(review),
        )
    )
    assert (decision.met, decision.criteria) == (True, ("B",))
    assert decision.reasons[0].startswith("Criterion (A) is not met")


@pytest.mark.parametrize("nation", ["england", "wales"])
def test_a_significant_case_review_outside_scotland_does_not_meet_b(nation: Nation) -> None:
    decision = screen(
        ScreeningFacts(
            allegation=False,
            harm="none",
            external_reviews=("significant_case_review",),
            nation=nation,
        )
    )
    assert (decision.met, decision.criteria) == (False, ())
    assert decision.reasons[1:] == (B_NOT_MET, SCOTLAND_ONLY, SHARED)


def test_a_significant_case_review_in_scotland_meets_b() -> None:
    decision = screen(
        ScreeningFacts(
            allegation=False,
            harm="none",
            external_reviews=("significant_case_review",),
            nation="scotland",
        )
    )
    assert (decision.met, decision.criteria) == (True, ("B",))
    assert SCOTLAND_ONLY not in decision.reasons


def test_an_english_scr_alongside_a_sar_still_meets_b_on_the_sar_and_explains() -> None:
    decision = screen(
        ScreeningFacts(
            allegation=False,
            harm="none",
            external_reviews=("significant_case_review", "safeguarding_adults_review"),
            nation="england",
        )
    )
    assert (decision.met, decision.criteria) == (True, ("B",))
    assert decision.reasons[1] == (
        "Criterion (B) is met: DWP has been asked to take part in a Safeguarding Adults "
        "Review. Under (B) a review is conducted whether or not there is an allegation."
    )
    assert decision.reasons[2] == SCOTLAND_ONLY
    assert SHARED not in decision.reasons


def test_several_reviews_are_named_once_each_in_order() -> None:
    decision = screen(
        ScreeningFacts(
            allegation=False,
            harm="none",
            external_reviews=(
                "domestic_homicide_review",
                "inquest_interested_party",
                "domestic_homicide_review",
            ),
        )
    )
    assert decision.reasons[1] == (
        "Criterion (B) is met: DWP has been asked to take part in a Domestic Homicide "
        "Review and to be an Interested Party at an inquest. Under (B) a review is "
        "conducted whether or not there is an allegation."
    )


# --- both, and the shape of the reasons -------------------------------------------


def test_both_criteria_met() -> None:
    decision = screen(
        ScreeningFacts(
            allegation=True,
            harm="suicide",
            external_reviews=("inquest_interested_party",),
        )
    )
    assert decision.met is True
    assert decision.criteria == ("A", "B")
    assert decision.reasons[0].startswith("Criterion (A) is met")
    assert decision.reasons[1].startswith("Criterion (B) is met")
    assert SHARED not in decision.reasons


FACTS = [
    ScreeningFacts(allegation=a, harm=h, external_reviews=r, nation=n)
    for a in (True, False)
    for h in ("none", "death")
    for r in ((), ("significant_case_review",), ("safeguarding_adults_review",))
    for n in ("england", "scotland")
]


@pytest.mark.parametrize("facts", FACTS)
def test_reasons_are_plain_sentences_a_then_b(facts: ScreeningFacts) -> None:
    decision = screen(facts)
    assert decision.reasons[0].startswith("Criterion (A)")
    assert decision.reasons[1].startswith("Criterion (B)")
    for reason in decision.reasons:
        assert reason.endswith(".")
        assert reason[0].isupper()
        assert "_" not in reason  # no code words such as significant_case_review
    assert decision.met == bool(decision.criteria)
    assert (SHARED in decision.reasons) == (not decision.met)
    assert decision.reasons.count(SHARED) <= 1
