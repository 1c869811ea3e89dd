"""Bad input over all five workflows, table-driven (issue 11, items 2 and 3): every
update and input below is refused naming the field and the rule, before history, and
neither the workflow's history nor the read model's rows change. Bounds: domain/bounds.py.

One workflow of each type serves every case of its type: a refused update writes
nothing, so each case starts from the same state. On the dev server, not the
time-skipping one: the real server runs an update's validation in a speculative
workflow task that leaves no event when the update is refused, where the Java test
server records the task (three events) all the same."""

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.db import (
    CaseEventRecord,
    CaseRecord,
    IprActivityRecord,
    IprNarrativeRecord,
    IprRecord,
    JournalRecord,
)
from domain.dates import add_months, business_date
from tests import helpers
from tests.factories import deduction_facts, opening
from tests.helpers import eventually, settled_history_length
from workflows.ipr import IPR, ipr_workflow_id
from workflows.uc_case import UCCase, case_workflow_id

Today = date
Payload = Callable[[Today], dict[str, Any]]
BY = {"by": "officer-1"}
ESC, BEL, NUL, DEL, NEL, VT = "\x1b", "\x07", "\x00", "\x7f", "\x85", "\x0b"
ONE_LINE = "must be one line without control characters"
CONTROL = "must not contain control characters"
BEFORE_UC = "Universal Credit began on 2013-04-29"
LATEST = "must be on or before 2099-12-31"
AHEAD = "must be at most 5 years after today"
SIX_YEARS = 12 * 6


def ahead(today: Today, months: int = SIX_YEARS) -> str:
    return add_months(today, months).isoformat()


@dataclass(frozen=True)
class Bad:
    workflow: str
    update: str
    payload: Payload
    field: str
    rule: str

    @property
    def id(self) -> str:
        return f"{self.workflow}-{self.update}-{self.field}-{self.rule[:12]}"


def note(**fields: Any) -> Payload:
    return lambda _: {**BY, "text": "x", **fields}


BAD: list[Bad] = [
    # --- UCCase: text the read model can store --------------------------------------
    Bad("case", "add_journal_note", note(by=f"officer{ESC}[31m"), "by", ONE_LINE),
    Bad("case", "add_journal_note", note(by=f"officer{BEL}"), "by", ONE_LINE),
    Bad("case", "add_journal_note", note(by="officer\n2"), "by", ONE_LINE),
    Bad("case", "add_journal_note", note(text=f"a{NUL}b"), "text", CONTROL),
    Bad("case", "add_journal_note", note(text=f"a{DEL}b"), "text", CONTROL),
    Bad("case", "add_journal_note", note(text=f"a{NEL}b"), "text", CONTROL),
    Bad("case", "add_journal_note", note(outcome=f"a{VT}b"), "outcome", CONTROL),
    Bad(
        "case",
        "record_vulnerability_assessment",
        lambda _: {**BY, "factors": [f"debt{NUL}"]},
        "factors.0",
        ONE_LINE,
    ),
    Bad(
        "case",
        "record_representative",
        lambda _: {**BY, "kind": "appointee", "name": f"A{ESC}", "contact": "x"},
        "name",
        CONTROL,
    ),
    Bad(
        "case",
        "complete_task",
        lambda _: {**BY, "task_id": "task-1\nx", "outcome": "done"},
        "task_id",
        ONE_LINE,
    ),
    # --- UCCase: plausible dates ---------------------------------------------------
    Bad(
        "case",
        "record_death",
        lambda _: {**BY, "date_of_death": "9999-12-31", "informant": "son"},
        "date_of_death",
        LATEST,
    ),
    Bad(
        "case",
        "record_death",
        lambda _: {**BY, "date_of_death": "0001-01-01", "informant": "son"},
        "date_of_death",
        "must be on or after 1900-01-01",
    ),
    # The opening's resident was born on 1980-04-02 (tests/factories.py).
    Bad(
        "case",
        "record_death",
        lambda _: {**BY, "date_of_death": "1975-01-01", "informant": "son"},
        "date_of_death",
        "cannot be before the resident's date of birth (1980-04-02)",
    ),
    Bad(
        "case",
        "record_claim_status",
        lambda _: {
            **BY,
            "claim_stage": "in_payment",
            "first_ap_start": "2012-06-01",
            "housing_element": "400",
            "conditionality_regime": "work_preparation",
        },
        "first_ap_start",
        BEFORE_UC,
    ),
    Bad(
        "case",
        "record_claim_status",
        lambda today: {
            **BY,
            "claim_stage": "in_payment",
            "first_ap_start": ahead(today),
            "housing_element": "400",
            "conditionality_regime": "work_preparation",
        },
        "first_ap_start",
        AHEAD,
    ),
    Bad(
        "case",
        "request_call_back",
        lambda _: {**BY, "due_at": "9999-12-31T10:00:00Z", "reason": "x"},
        "due_at",
        "must be between 1900-01-01 and 2099-12-31",
    ),
    Bad(
        "case",
        "request_call_back",
        lambda today: {**BY, "due_at": f"{ahead(today, 36)}T10:00:00Z", "reason": "x"},
        "due_at",
        "a call-back is due at most 2 years ahead",
    ),
    Bad(
        "case",
        "agree_arrears_plan",
        lambda today: {**BY, "target_balance": "0", "by_date": ahead(today)},
        "by_date",
        AHEAD,
    ),
    Bad(
        "case",
        "record_migration_notice",
        lambda _: {**BY, "notice_issued": "2012-01-05", "deadline_day": "2012-04-05"},
        "notice_issued",
        BEFORE_UC,
    ),
    Bad(
        "case",
        "end_payment_arrangement",
        lambda _: {
            **BY,
            "arrangement_id": "uc-apa-X-1",
            "ended_on": "9999-12-31",
            "reason": "arrears_cleared",
        },
        "ended_on",
        LATEST,
    ),
    Bad(
        "case",
        "record_uc50_issued",
        lambda _: {**BY, "issued_on": "0001-01-01"},
        "issued_on",
        "must be on or after 2000-01-01",
    ),
    Bad(
        "case",
        "request_payment_arrangement",
        lambda _: {**BY, "kind": "tpd", "deduction_rate": "12", "ap_start": "0001-01-01"},
        "ap_start",
        BEFORE_UC,
    ),
    Bad(
        "case",
        "record_award_statement",
        lambda _: {
            **BY,
            "ap_start": "0001-01-01",
            "housing_costs_element": True,
            "earned_income": "0",
        },
        "ap_start",
        BEFORE_UC,
    ),
    # --- UCCase: amounts within their limits ---------------------------------------
    Bad(
        "case",
        "record_rent_movement",
        lambda today: {**BY, "kind": "balance", "amount": "-5000000", "on": today.isoformat()},
        "amount",
        "must be within ±£100,000.00",
    ),
    Bad(
        "case",
        "record_rent_movement",
        lambda today: {**BY, "kind": "charge", "amount": "50000", "on": today.isoformat()},
        "amount",
        "one movement is at most £10,000.00",
    ),
    Bad(
        "case",
        "record_claim_status",
        lambda today: {
            **BY,
            "claim_stage": "in_payment",
            "first_ap_start": today.isoformat(),
            "housing_element": "50000",
            "conditionality_regime": "work_preparation",
        },
        "housing_element",
        "must be at most £10,000.00",
    ),
    Bad(
        "case",
        "agree_arrears_plan",
        lambda today: {**BY, "target_balance": "5000000", "by_date": ahead(today, 12)},
        "target_balance",
        "must be within ±£100,000.00",
    ),
    Bad(
        "case",
        "update_sustainment_action",
        lambda _: {**BY, "action_id": "action-1", "status": "awarded", "amount": "1000000"},
        "amount",
        "must be at most £10,000.00",
    ),
    Bad(
        "case",
        "request_payment_arrangement",
        lambda _: {**BY, "kind": "tpd", "deduction_rate": "12", "standard_allowance": "1e6"},
        "standard_allowance",
        "must be at most £10,000.00",
    ),
    # --- ManagedMigration ------------------------------------------------------------
    Bad(
        "migration",
        "record_claim",
        lambda _: {**BY, "claim_date": "2012-06-01"},
        "claim_date",
        BEFORE_UC,
    ),
    Bad(
        "migration",
        "record_claim",
        lambda _: {**BY, "claim_date": "9999-12-31"},
        "claim_date",
        LATEST,
    ),
    Bad(
        "migration",
        "record_claim",
        lambda today: {"by": f"o{ESC}", "claim_date": today.isoformat()},
        "by",
        ONE_LINE,
    ),
    Bad(
        "migration",
        "grant_extension",
        lambda today: {**BY, "asked_on": today.isoformat(), "new_deadline_day": ahead(today)},
        "new_deadline_day",
        AHEAD,
    ),
    Bad(
        "migration",
        "record_capital_on_migration_day",
        lambda _: {**BY, "capital": "5000000"},
        "capital",
        "must be at most £1,000,000.00",
    ),
    Bad(
        "migration",
        "record_transitional_amounts",
        lambda _: {**BY, "legacy_total": "50000", "indicative_uc": "800", "benefit_cap": None},
        "legacy_total",
        "must be at most £10,000.00",
    ),
    Bad(
        "migration",
        "record_award_statement",
        lambda _: {**BY, "ap": 1, "elements": {f"standard{NUL}": "400"}, "household": "single"},
        "elements.standard\\x00.[key]",
        ONE_LINE,
    ),
    Bad(
        "migration",
        "record_award_statement",
        lambda _: {**BY, "ap": 100000, "elements": {"standard": "400"}, "household": "single"},
        "ap",
        "must be at most 240",
    ),
    # --- PaymentArrangement ----------------------------------------------------------
    Bad(
        "arrangement",
        "record_outcome",
        lambda _: {**BY, "decision": "granted", "decided_on": "9999-12-31"},
        "decided_on",
        LATEST,
    ),
    Bad(
        "arrangement",
        "record_outcome",
        lambda today: {"by": f"dwp{BEL}", "decision": "granted", "decided_on": today.isoformat()},
        "by",
        ONE_LINE,
    ),
    Bad(
        "arrangement",
        "record_outcome",
        lambda today: {
            **BY,
            "decision": "granted",
            "decided_on": today.isoformat(),
            "start_date": ahead(today),
        },
        "start_date",
        AHEAD,
    ),
    Bad(
        "arrangement",
        "record_objection",
        lambda _: {**BY, "objected_on": "0001-01-01"},
        "objected_on",
        "must be on or after 2000-01-01",
    ),
    # --- IPR -------------------------------------------------------------------------
    Bad(
        "ipr",
        "record_screening",
        lambda _: {"by": f"s{ESC}", "allegation": True, "harm": "death"},
        "by",
        ONE_LINE,
    ),
    Bad(
        "ipr",
        "record_screening",
        lambda _: {**BY, "allegation": True, "harm": "death", "notes": f"a{NUL}"},
        "notes",
        CONTROL,
    ),
    Bad(
        "ipr",
        "assign_investigator",
        lambda _: {**BY, "investigator": f"inv{BEL}"},
        "investigator",
        ONE_LINE,
    ),
    Bad(
        "ipr",
        "record_evidence",
        lambda _: {**BY, "service_line": "UC", "description": f"journal{DEL}"},
        "description",
        CONTROL,
    ),
    Bad(
        "ipr",
        "record_fact_finding",
        lambda _: {
            **BY,
            "service_line": "UC",
            "stakeholder_role": "work coach",
            "held_on": "9999-12-31",
            "summary": "x",
        },
        "held_on",
        LATEST,
    ),
    Bad(
        "ipr",
        "record_iprg_agreement",
        lambda today: {
            **BY,
            "agreed_on": today.isoformat(),
            "activities": [{"service_line": "UC", "description": "x", "due_on": "0001-01-01"}],
        },
        "activities.0.due_on",
        "must be on or after 2000-01-01",
    ),
    Bad(
        "ipr",
        "record_iprg_agreement",
        lambda today: {
            **BY,
            "agreed_on": today.isoformat(),
            "activities": [{"service_line": "UC", "description": "x", "due_on": ahead(today)}],
        },
        "activities.0.due_on",
        AHEAD,
    ),
    Bad(
        "ipr",
        "record_findings",
        lambda _: {
            **BY,
            "learning_identified": True,
            "learning": [{"service_line": "UC", "text": "x"}] * 51,
        },
        "learning",
        "at most 50 items",
    ),
    # --- AgreedActivity --------------------------------------------------------------
    Bad(
        "activity",
        "record_assurance",
        lambda today: {**BY, "evidence": f"done{NUL}", "assured_on": today.isoformat()},
        "evidence",
        CONTROL,
    ),
    Bad(
        "activity",
        "record_assurance",
        lambda _: {**BY, "evidence": "done", "assured_on": "9999-12-31"},
        "assured_on",
        LATEST,
    ),
    Bad(
        "activity",
        "record_assurance",
        lambda today: {"by": f"lead{ESC}", "evidence": "done", "assured_on": today.isoformat()},
        "by",
        ONE_LINE,
    ),
    Bad(
        "activity",
        "record_assurance",
        lambda today: {**BY, "evidence": "x" * 5000, "assured_on": today.isoformat()},
        "evidence",
        "at most 4000 characters",
    ),
    Bad(
        "activity",
        "record_assurance",
        lambda today: {**BY, "evidence": "done", "assured_on": today.isoformat(), "extra": 1},
        "extra",
        "Unexpected keyword argument",
    ),
]


# All five workflows, and enough cases to cover their commands' fields.
assert {bad.workflow for bad in BAD} == {"case", "migration", "arrangement", "ipr", "activity"}
assert len(BAD) >= 50


@dataclass(frozen=True)
class Target:
    """A workflow under test, and how many read-model rows its case or IPR has."""

    handle: WorkflowHandle
    rows: Callable[[], int]


def case_rows(engine: Engine, workflow_id: str) -> Callable[[], int]:
    def count() -> int:
        with engine.connect() as db:
            return sum(
                db.execute(
                    select(func.count()).where(table.case_id.like(f"{workflow_id}/%"))
                ).scalar_one()
                for table in (CaseRecord, CaseEventRecord, JournalRecord)
            )

    return count


def ipr_rows(engine: Engine, workflow_id: str) -> Callable[[], int]:
    def count() -> int:
        with engine.connect() as db:
            return sum(
                db.execute(
                    select(func.count()).where(table.ipr_id.like(f"{workflow_id}/%"))
                ).scalar_one()
                for table in (IprRecord, IprNarrativeRecord, IprActivityRecord)
            )

    return count


async def _started(env: WorkflowEnvironment, workflow_id: str) -> WorkflowHandle:
    handle = env.client.get_workflow_handle(workflow_id)

    async def history() -> int:
        try:
            return len((await handle.fetch_history()).events)
        except Exception:
            return 0  # not started yet

    await eventually(history, lambda n: n > 0)
    return handle


@pytest.fixture(scope="module")
async def today(dev_env: WorkflowEnvironment) -> Today:
    return business_date(await dev_env.get_current_time())


@pytest.fixture(scope="module")
async def targets(
    dev_env: WorkflowEnvironment, dev_worker: str, engine: Engine, today: Today
) -> dict[str, Target]:
    """A case with a migration and a payment arrangement (children), an IPR at
    screening, and another IPR with an agreed activity (a child)."""
    client = dev_env.client
    ref = f"T-{uuid.uuid4().hex[:10]}"
    case = await client.start_workflow(
        UCCase.run,
        opening(ref, balance=Decimal("1200.00")),
        id=case_workflow_id(ref),
        task_queue=dev_worker,
    )
    await case.execute_update(
        "record_migration_notice",
        {**BY, "notice_issued": today.isoformat(), "deadline_day": ahead(today, 3)},
    )
    for update, command in zip(
        ("record_claim_status", "record_award_statement"), deduction_facts(today), strict=True
    ):  # what a rent arrears deduction rests on (docs/rules.md#third-party-deductions)
        await case.execute_update(update, command)
    await case.execute_update(
        "request_payment_arrangement", {**BY, "kind": "tpd", "deduction_rate": "12"}
    )
    migration = await _started(dev_env, await helpers.migration_id(case))
    arrangement = await _started(dev_env, await helpers.arrangement_id(case))
    screening = await _referred(dev_env, dev_worker, today)
    assessed = await _referred(dev_env, dev_worker, today)
    for update, payload in (
        ("record_screening", {**BY, "allegation": True, "harm": "death"}),
        ("assign_investigator", {**BY, "investigator": "inv-1"}),
        ("record_evidence", {**BY, "service_line": "UC", "description": "journal"}),
        ("record_findings", {**BY, "learning_identified": False}),
        (
            "record_iprg_agreement",
            {
                **BY,
                "agreed_on": today.isoformat(),
                "activities": [
                    {
                        "service_line": "UC",
                        "description": "assure the IPRG",
                        "due_on": (today + timedelta(days=30)).isoformat(),
                    }
                ],
            },
        ),
    ):
        await assessed.execute_update(update, payload)
    activity = await _started(dev_env, await helpers.activity_id(assessed))
    await _quiet([case, migration, arrangement, screening, assessed, activity])
    return {
        "case": Target(case, case_rows(engine, case.id)),
        "migration": Target(migration, case_rows(engine, case.id)),
        "arrangement": Target(arrangement, case_rows(engine, case.id)),
        "ipr": Target(screening, ipr_rows(engine, screening.id)),
        "activity": Target(activity, ipr_rows(engine, assessed.id)),
    }


async def _quiet(handles: list[WorkflowHandle]) -> None:
    """Until no history grows for a moment: children's first notices have landed."""
    lengths = None
    for _ in range(50):
        now = [await settled_history_length(handle) for handle in handles]
        if now == lengths:
            return
        lengths = now
        await asyncio.sleep(0.3)
    raise AssertionError("the workflows never settled")


def referral(ref: str, received_on: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    fields = {
        "reference": ref,
        "referrer": {"name": "Pat", "role": "Case manager", "email": "pat@dwp.gov.uk"},
        "received_on": received_on,
        "customer": {"full_name": "Sample Person", "date_of_birth": "1961-03-03"},
        "summary": "a letter was missed",
        "service_lines": ["UC"],
    }
    return fields | (changes or {})


async def _referred(env: WorkflowEnvironment, task_queue: str, today: Today) -> WorkflowHandle:
    ref = f"IPR-{uuid.uuid4().hex[:10]}"
    return await env.client.start_workflow(
        IPR.run, referral(ref, today.isoformat()), id=ipr_workflow_id(ref), task_queue=task_queue
    )


@pytest.mark.parametrize("bad", BAD, ids=[bad.id for bad in BAD])
async def test_a_bad_update_is_refused_naming_field_and_rule_and_changes_nothing(
    targets: dict[str, Target], today: Today, bad: Bad
) -> None:
    target = targets[bad.workflow]
    history = await settled_history_length(target.handle)
    rows = target.rows()
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await target.handle.execute_update(bad.update, bad.payload(today))
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type in ("InvalidCommand", "DomainError"), cause
    assert cause.message.startswith(f"{bad.field}: "), cause.message
    assert bad.rule in cause.message, cause.message
    assert cause.details[0]["field"] == bad.field
    assert await settled_history_length(target.handle) == history
    assert target.rows() == rows


# --- inputs: a start whose input breaks a bound fails at once, naming it ------------

BAD_OPENINGS: list[tuple[str, dict[str, Any], str, str]] = [
    ("name-nul", {"resident": {"full_name": f"Ann{NUL}"}}, "resident.full_name", ONE_LINE),
    ("opened-by-esc", {"opened_by": f"officer{ESC}[2J"}, "opened_by", ONE_LINE),
    ("balance", {"balance": "-5000000"}, "balance", "must be within ±£100,000.00"),
    (
        "born-9999",
        {"resident": {"full_name": "Ann", "date_of_birth": "9999-12-31"}},
        "resident.date_of_birth",
        "must be between 1900-01-01 and 2099-12-31",
    ),
    (
        "tenancy-0001",
        {"tenancy": {"address": "1 Row", "start_date": "0001-01-01"}},
        "tenancy.start_date",
        "must be on or after 1900-01-01",
    ),
    ("rent", {"rent": {"amount": "1000000"}}, "rent.amount", "must be at most £10,000.00"),
    (
        "address-bel",
        {"tenancy": {"address": f"1 Row{BEL}", "start_date": "2020-01-01"}},
        "tenancy.address",
        CONTROL,
    ),
]


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [case[1:] for case in BAD_OPENINGS],
    ids=[case[0] for case in BAD_OPENINGS],
)
async def test_a_case_opened_with_a_bad_input_fails_at_once_and_projects_nothing(
    dev_env: WorkflowEnvironment,
    dev_worker: str,
    engine: Engine,
    changes: dict[str, Any],
    field: str,
    rule: str,
) -> None:
    ref = f"T-{uuid.uuid4().hex[:10]}"
    raw = {
        "tenancy_ref": ref,
        "opening_reason": "arrears_trigger",
        "opened_by": "officer-1",
        "resident": {"full_name": "Ann Example", "date_of_birth": "1980-04-02"},
        "tenancy": {"address": "1 Row", "start_date": "2020-01-01"},
        "rent": {"amount": "90"},
        **changes,
    }
    handle = await dev_env.client.start_workflow(
        "UCCase", raw, id=case_workflow_id(ref), task_queue=dev_worker
    )
    with pytest.raises(WorkflowFailureError) as info:
        await asyncio.wait_for(handle.result(), 10)  # accepted, it would run on
    cause = info.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "InvalidCommand"
    assert cause.message.startswith(f"{field}: ") and rule in cause.message, cause.message
    assert case_rows(engine, handle.id)() == 0


BAD_REFERRALS: list[tuple[str, Callable[[Today], dict[str, Any]], str, str]] = [
    (
        "born-2090",
        lambda today: {"customer": {"full_name": "Sample Person", "date_of_birth": "2090-01-01"}},
        "customer.date_of_birth",
        "must be in the past",
    ),
    (
        "aged-130",
        lambda today: {"customer": {"full_name": "Sample Person", "date_of_birth": "1901-01-01"}},
        "customer.date_of_birth",
        "it must be 0 to 120",
    ),
    ("summary-nul", lambda today: {"summary": f"missed{NUL}"}, "summary", CONTROL),
    (
        "received-0001",
        lambda today: {"received_on": "0001-01-01"},
        "received_on",
        "must be on or after 2000-01-01",
    ),
    (
        "referrer-esc",
        lambda today: {
            "referrer": {"name": f"Pat{ESC}", "role": "Case manager", "email": "pat@dwp.gov.uk"}
        },
        "referrer.name",
        ONE_LINE,
    ),
]


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [case[1:] for case in BAD_REFERRALS],
    ids=[case[0] for case in BAD_REFERRALS],
)
async def test_an_ipr_referred_with_a_bad_input_fails_at_once_and_projects_nothing(
    dev_env: WorkflowEnvironment,
    dev_worker: str,
    engine: Engine,
    today: Today,
    changes: Callable[[Today], dict[str, Any]],
    field: str,
    rule: str,
) -> None:
    ref = f"IPR-{uuid.uuid4().hex[:10]}"
    handle = await dev_env.client.start_workflow(
        "IPR",
        referral(ref, today.isoformat(), changes(today)),
        id=ipr_workflow_id(ref),
        task_queue=dev_worker,
    )
    with pytest.raises(WorkflowFailureError) as info:
        await asyncio.wait_for(handle.result(), 10)  # accepted, it would run on
    cause = info.value.cause
    assert isinstance(cause, ApplicationError), cause
    assert cause.message.startswith(f"{field}: ") and rule in cause.message, cause.message
    assert ipr_rows(engine, handle.id)() == 0
