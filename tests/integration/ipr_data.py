"""Invented IPRs for the read-model and publication tests, built by the real domain
rules (initial_state, decide, evolve) with `now` datetimes in 2021-2023."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine
from temporalio.testing import ActivityEnvironment

from activities.db import make_engine, migrate
from activities.ipr import IprActivities
from activities.ipr_records import ipr_projection
from domain.ipr import commands as c
from domain.ipr import events as e
from domain.ipr.decide import check_referral, decide, evolve, initial_state
from domain.ipr.model import Customer, IprPolicy, IprState, Referrer
from tests.file_store import store_for
from workflows.ids import ipr_children

REFERRER = Referrer(name="Robin Referrer", role="Work coach", email="robin.referrer@dwp.gov.uk")


def at(day: date, hour: int = 12) -> datetime:
    """Noon UTC is the same calendar day in the UK, summer or winter."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass(frozen=True)
class Plan:
    """One IPR's life. `on` is the day it closed (closed), was screened out
    (not_accepted) or its last step (open)."""

    n: int
    lines: tuple[str, ...]
    end: Literal["closed", "not_accepted", "open"]
    on: date
    # Criterion (B) when given (with `nation`), else criterion (A): an allegation and a death.
    reviews: tuple[str, ...] = ()
    nation: str = "england"
    # External scrutiny learned of after screening (RecordExternalScrutiny).
    later_scrutiny: str | None = None
    # The service line of each learning item, agreed activity and learning outcome.
    learning: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    # For an open IPR: how far it got.
    open_at: Literal["investigation", "findings", "agreed_activities"] = "investigation"
    customer: Customer | None = None
    reference: str | None = None
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return self.reference or f"T-{self.n:03d}"

    @property
    def ipr_id(self) -> str:
        return f"ipr-{self.ref}/run-{self.n}"


def learning_text(n: int, k: int, line: str) -> str:
    return f"Learning {k} of review {n} for {line}"


def activity_text(n: int, k: int, line: str) -> str:
    return f"Activity {k} of review {n}: {line} to assure the IPRG"


def outcome_text(n: int, k: int, line: str) -> str:
    return f"Outcome {k} of review {n} for {line}"


def build(plan: Plan) -> IprState:
    referred = plan.on - timedelta(days=60) if plan.end != "not_accepted" else plan.on
    customer = plan.customer or Customer(full_name=f"Alex Sample{plan.n}")
    referral = c.Referral(
        reference=plan.ref,
        referrer=REFERRER,
        received_on=referred,
        customer=customer,
        summary=f"Concern about {customer.full_name}",
        service_lines=plan.lines,
    )
    now = at(referred, 9)
    check_referral(referral, now)
    state = initial_state(referral, now, IprPolicy(), ipr_children(referral.reference, None))

    def run(command: Any, when: date) -> None:
        nonlocal state
        for event in decide(state, command, at(when)):
            state = evolve(state, event)

    extra = plan.texts.get("extra", "")
    if plan.end == "not_accepted":
        # An SCR asked for in England does not meet (B); nor does a death with no allegation.
        run(
            c.RecordScreening(
                by="screener",
                allegation=False,
                harm="none",
                external_reviews=plan.reviews,  # type: ignore[arg-type]
            ),
            plan.on,
        )
        assert state.stage == "not_accepted"
        # What domain.ipr.rules.closure.record_feedback emits once the workflow's feedback activity
        # has run; evolved directly because decide refuses every command at this stage.
        for event in (
            e.FeedbackSent(at=at(plan.on), by=e.SYSTEM, feedback_path="feedback.pdf"),
            e.Closed(at=at(plan.on), by=e.SYSTEM, closed_on=plan.on, accepted=False),
        ):
            state = evolve(state, event)
        return state
    screening = (
        c.RecordScreening(
            by="screener",
            allegation=False,
            harm="none",
            external_reviews=plan.reviews,  # type: ignore[arg-type]
            nation=plan.nation,  # type: ignore[arg-type]
        )
        if plan.reviews
        else c.RecordScreening(by="screener", allegation=True, harm="death")
    )
    run(screening, referred + timedelta(days=2))
    assert state.stage == "investigation", state.screening
    run(c.AssignInvestigator(by="lead", investigator="inv-1"), referred + timedelta(days=2))
    if plan.later_scrutiny:
        run(
            c.RecordExternalScrutiny(by="lead", kind=plan.later_scrutiny),  # type: ignore[arg-type]
            referred + timedelta(days=3),
        )
    run(
        c.RecordEvidence(by="inv-1", service_line=plan.lines[0], description="Contact history"),
        referred + timedelta(days=5),
    )
    if plan.end == "open" and plan.open_at == "investigation":
        return state
    learning = tuple(
        c.LearningItem(
            service_line=line,
            text=plan.texts.get("learning", learning_text(plan.n, k, line)) + extra,
        )
        for k, line in enumerate(plan.learning, 1)
    )
    run(
        c.RecordFindings(by="inv-1", learning_identified=bool(learning), learning=learning),
        referred + timedelta(days=10),
    )
    if plan.end == "open" and plan.open_at == "findings":
        return state
    agreed_on = referred + timedelta(days=15)
    if plan.activities:
        items = tuple(
            c.ActivityItem(
                service_line=line,
                description=plan.texts.get("activity", activity_text(plan.n, k, line)) + extra,
                due_on=agreed_on + timedelta(days=30),
            )
            for k, line in enumerate(plan.activities, 1)
        )
        run(c.RecordIprgAgreement(by="iprg", agreed_on=agreed_on, activities=items), agreed_on)
        if plan.end == "open":
            return state
        for activity in state.activities:
            run(
                c.RecordActivityProgress(
                    activity_id=activity.activity_id,
                    kind="assured",
                    evidence="Owner confirmed the change",
                    assured_on=referred + timedelta(days=20),
                ),
                referred + timedelta(days=20),
            )
    for k, line in enumerate(plan.outcomes, 1):
        run(
            c.RecordLearningOutcome(
                by="lead",
                service_line=line,
                outcome=plan.texts.get("outcome", outcome_text(plan.n, k, line)) + extra,
            ),
            referred + timedelta(days=25),
        )
    run(c.CloseIpr(by="lead"), plan.on)
    assert state.stage == "closed" and state.closed_on == plan.on
    return state


def fresh_engine(folder: Path) -> Engine:
    url = f"sqlite:///{folder / 'read-model.db'}"
    migrate(url)
    return make_engine(url)


def project(engine: Engine, files: Path, plans: list[Plan]) -> None:
    activities = IprActivities(engine, store_for(engine))
    env = ActivityEnvironment()
    for plan in plans:
        env.run(activities.project_ipr, ipr_projection(plan.ipr_id, build(plan)))
