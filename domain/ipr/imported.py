"""A review completed before the engine existed, as an import file gives it
(docs/ipr-publication.md), and the commands that record it through an IPR workflow
with its real dates: referral, screening, findings, the IPRG's agreed activities
(already assured), learning outcomes, completion.

`check` runs those commands through the review's own rules (decide, evolve) before
anything is started, so a row the workflow would refuse is refused here, naming the
import's own field."""

from dataclasses import dataclass as plain
from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from domain.bounds import MAX_ITEMS
from domain.errors import DomainError
from domain.ipr import commands as c
from domain.ipr.criteria import ExternalReview, Harm, Nation
from domain.ipr.decide import check_referral, decide, evolve, initial_state
from domain.ipr.model import (
    Actor,
    Customer,
    IprPolicy,
    Reference,
    ReferralSource,
    Referrer,
    ServiceLine,
    Text,
)
from domain.shared.children import ChildNames
from domain.values import BusinessDate, at_most_items

CONFIG = ConfigDict(extra="forbid", str_strip_whitespace=True)
IMPORTED_BY = "ipr-import"
# The evidence an imported review records: it stays in the review's own file.
EVIDENCE = "Recorded before the engine existed: the evidence is in the review's own file"


@dataclass(frozen=True, config=CONFIG)
class ImportedActivity:
    service_line: ServiceLine
    description: Text
    due_on: BusinessDate
    assured_on: BusinessDate
    evidence: Text


@dataclass(frozen=True, config=CONFIG)
class ImportedOutcome:
    service_line: ServiceLine
    text: Text
    recorded_on: BusinessDate


@dataclass(frozen=True, config=CONFIG)
class ImportedReview:
    """One completed review. `service_lines` are the case's primary lines as screened;
    each learning item, activity and outcome keeps its own line."""

    reference: Reference
    referrer: Referrer
    received_on: BusinessDate
    customer: Customer
    summary: Text
    service_lines: Annotated[tuple[ServiceLine, ...], Field(min_length=1), at_most_items(MAX_ITEMS)]
    screened_on: BusinessDate
    findings_on: BusinessDate
    completed_on: BusinessDate
    source: ReferralSource = "dwp"
    # The screening's facts: criterion (A) by default (an allegation and a death).
    allegation: bool = True
    harm: Harm = "death"
    external_reviews: Annotated[tuple[ExternalReview, ...], at_most_items(MAX_ITEMS)] = ()
    nation: Nation = "england"
    # The primary lines of the referral, when screening amended them.
    referred_lines: (
        Annotated[tuple[ServiceLine, ...], Field(min_length=1), at_most_items(MAX_ITEMS)] | None
    ) = None
    investigator: Actor = "not recorded"
    learning: Annotated[tuple[c.LearningItem, ...], at_most_items(MAX_ITEMS)] = ()
    agreed_on: BusinessDate | None = None
    activities: Annotated[tuple[ImportedActivity, ...], at_most_items(MAX_ITEMS)] = ()
    outcomes: Annotated[tuple[ImportedOutcome, ...], at_most_items(MAX_ITEMS)] = ()
    recorded_by: Actor = IMPORTED_BY


@plain(frozen=True)
class Step:
    """One command of the import: its update name, a key unique within the review
    (its update id is derived from it), the command, and how the import names the
    fields the command's rules may refuse."""

    name: str
    key: str
    command: Any
    fields: dict[str, str]


def referral(review: ImportedReview) -> c.Referral:
    return c.Referral(
        reference=review.reference,
        referrer=review.referrer,
        received_on=review.received_on,
        customer=review.customer,
        summary=review.summary,
        service_lines=review.referred_lines or review.service_lines,
        source=review.source,
        imported=True,
    )


def steps(review: ImportedReview) -> list[Step]:
    by = review.recorded_by
    amended = review.service_lines if review.referred_lines else None
    found: list[Step] = [
        Step(
            "record_screening",
            "screening",
            c.RecordScreening(
                by=by,
                allegation=review.allegation,
                harm=review.harm,
                external_reviews=review.external_reviews,
                nation=review.nation,
                screened_on=review.screened_on,
                service_lines=amended,
            ),
            {"screened_on": "screened_on", "kind": "external_reviews"},
        ),
        Step(
            "assign_investigator",
            "investigator",
            c.AssignInvestigator(by=by, investigator=review.investigator),
            {},
        ),
        Step(
            "record_evidence",
            "evidence",
            c.RecordEvidence(by=by, service_line=review.service_lines[0], description=EVIDENCE),
            {},
        ),
        Step(
            "record_findings",
            "findings",
            c.RecordFindings(
                by=by,
                learning_identified=bool(review.learning),
                learning=review.learning,
                recorded_on=review.findings_on,
            ),
            {"recorded_on": "findings_on"},
        ),
    ]
    if review.activities:
        found.append(
            Step(
                "record_iprg_agreement",
                "agreement",
                c.RecordIprgAgreement(
                    by=by,
                    agreed_on=review.agreed_on or review.findings_on,
                    activities=tuple(
                        c.ActivityItem(
                            service_line=a.service_line,
                            description=a.description,
                            due_on=a.due_on,
                            assured_on=a.assured_on,
                            evidence=a.evidence,
                        )
                        for a in review.activities
                    ),
                ),
                {"agreed_on": "agreed_on"},
            )
        )
    for n, outcome in enumerate(review.outcomes):
        found.append(
            Step(
                "record_learning_outcome",
                f"outcome-{n + 1}",
                c.RecordLearningOutcome(
                    by=by,
                    service_line=outcome.service_line,
                    outcome=outcome.text,
                    recorded_on=outcome.recorded_on,
                ),
                {"recorded_on": f"outcomes.{n}.recorded_on"},
            )
        )
    found.append(
        Step(
            "close_ipr",
            "completion",
            c.CloseIpr(by=by, completed_on=review.completed_on),
            {"learning_outcomes": "outcomes", "completed_on": "completed_on"},
        )
    )
    return found


def check(review: ImportedReview, now: datetime) -> None:
    """Refuse, naming the import's field, a review the IPR's rules would refuse at any
    step; one that passes is recorded through the workflow step by step."""
    if review.agreed_on is not None and not review.activities:
        raise DomainError("agreed_on", "given with no activities: leave it out")
    made = referral(review)
    check_referral(made, now)  # its fields are the import's own
    # A dry run: the ids are the workflow's to give, any will do here.
    state = initial_state(made, now, IprPolicy(), ChildNames(numbered="dry-run-activity-"))
    for step in steps(review):
        try:
            events = decide(state, step.command, now)
        except DomainError as error:
            field = step.fields.get(error.field) or _activity_field(error.field) or error.field
            raise DomainError(field, error.rule) from None
        for event in events:
            state = evolve(state, event)
    if state.stage != "closed":
        raise DomainError("completed_on", f"the review ends at {state.stage}, not closed")


def _activity_field(field: str) -> str | None:
    """`activities.N.x` of the agreement is `activities.N.x` of the import too."""
    return field if field.startswith("activities.") else None
