"""A review completed before the engine: checked in memory against the review's own
rules before anything is started, each refusal naming the import's field
(domain/ipr/imported.py, docs/ipr-publication.md)."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.case.parsing import parse
from domain.errors import DomainError
from domain.ipr.imported import ImportedReview, check, referral, steps

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def review(**changes: Any) -> ImportedReview:
    raw: dict[str, Any] = {
        "reference": "IMP-2019-001",
        "referrer": {"name": "Sam Colleague", "role": "ACS", "email": "sam@dwp.gov.uk"},
        "received_on": "2019-05-01",
        "customer": {"full_name": "Pat Example"},
        "summary": "Concern",
        "service_lines": ["PIP", "ESA"],
        "referred_lines": ["PIP"],
        "screened_on": "2019-05-03",
        "findings_on": "2019-07-01",
        "learning": [{"service_line": "UC", "text": "journal unread"}],
        "agreed_on": "2019-07-05",
        "activities": [
            {
                "service_line": "ACS",
                "description": "ACS to assure the IPRG",
                "due_on": "2019-08-01",
                "assured_on": "2019-07-25",
                "evidence": "briefing issued",
            }
        ],
        "outcomes": [{"service_line": "UC", "text": "guidance", "recorded_on": "2019-08-02"}],
        "completed_on": "2019-09-01",
        **changes,
    }
    made: ImportedReview = parse(ImportedReview, raw, today=NOW.date())
    return made


def test_a_complete_review_passes_and_becomes_its_commands() -> None:
    check(review(), NOW)
    made = referral(review())
    assert made.imported and made.service_lines == ("PIP",) and made.received_on == date(2019, 5, 1)
    names = [s.name for s in steps(review())]
    assert names == [
        "record_screening",
        "assign_investigator",
        "record_evidence",
        "record_findings",
        "record_iprg_agreement",
        "record_learning_outcome",
        "close_ipr",
    ]
    # Screening amends the referral's lines to the primary lines as screened.
    assert steps(review())[0].command.service_lines == ("PIP", "ESA")
    # Update ids are unique within the review: a second import applies nothing twice.
    assert len({s.key for s in steps(review())}) == len(names)


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"screened_on": "2019-04-30"}, "screened_on", "cannot be before the referral"),
        ({"findings_on": "2019-05-02"}, "findings_on", "cannot be before the screening"),
        ({"agreed_on": "2019-06-30"}, "agreed_on", "cannot be before the findings"),
        ({"completed_on": "2019-08-01"}, "completed_on", "cannot be before the review's last"),
        ({"outcomes": []}, "outcomes", "learning was identified"),
        (
            {"outcomes": [{"service_line": "UC", "text": "g", "recorded_on": "2019-06-01"}]},
            "outcomes.0.recorded_on",
            "cannot be before the findings",
        ),
        ({"activities": [], "learning": [], "outcomes": []}, "agreed_on", "given with no"),
        ({"referrer": {"name": "X", "role": "MP", "email": "x@example.org"}}, "referrer", ""),
    ],
)
def test_a_bad_review_is_refused_naming_the_imports_field(
    changes: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(DomainError) as refused:
        check(review(**changes), NOW)
    assert refused.value.field == field and refused.value.rule.startswith(rule)


def test_an_activity_assured_before_its_agreement_names_the_activity() -> None:
    activity = {
        "service_line": "ACS",
        "description": "d",
        "due_on": "2019-08-01",
        "assured_on": "2019-07-01",
        "evidence": "e",
    }
    with pytest.raises(DomainError) as refused:
        check(review(activities=[activity]), NOW)
    assert refused.value.field == "activities.0.assured_on"
