"""Invented case data for tests."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from domain.case.commands import RecordAwardStatement, RecordClaimStatus
from domain.case.model import Rent, Resident, Tenancy
from workflows.contracts import CaseInput


def opening(ref: str, **overrides: Any) -> CaseInput:
    fields: dict[str, Any] = {
        "tenancy_ref": ref,
        "opening_reason": "arrears_trigger",
        "opened_by": "officer-17",
        "resident": Resident(
            full_name="Morgan Testperson", date_of_birth=date(1980, 4, 2), ni_number="AB123456C"
        ),
        "tenancy": Tenancy(address="12 Example Road, Testtown", start_date=date(2019, 6, 3)),
        "rent": Rent(amount=Decimal("100.00"), frequency="weekly"),
        "balance": Decimal("250.00"),
    }
    fields.update(overrides)
    return CaseInput(**fields)


def claim_status(first_ap_start: str, **overrides: Any) -> RecordClaimStatus:
    fields: dict[str, Any] = {
        "by": "officer-1",
        "claim_stage": "in_payment",
        "first_ap_start": first_ap_start,
        "housing_element": Decimal("420.00"),
        "conditionality_regime": "work_preparation",
    }
    fields.update(overrides)
    return RecordClaimStatus(**fields)


def deduction_facts(
    today: date,
    *,
    earned_income: str = "0.00",
    statement: dict[str, Any] | None = None,
    **claim: Any,
) -> tuple[RecordClaimStatus, RecordAwardStatement]:
    """The recorded facts a rent arrears deduction asked for on `today` rests on
    (docs/rules.md#third-party-deductions): a claim whose first AP started 70 days
    before (so `today` falls in its third AP, a few days either way), with the
    resident still living there; and the award statement of the AP before, with the
    housing costs element and `earned_income`. Record both before the request."""
    status = claim_status(
        (today - timedelta(days=70)).isoformat(),
        **{"still_in_occupation": True, **claim},
    )
    award = RecordAwardStatement(
        **{
            "by": "officer-1",
            # Any day of the AP names it: 30 days back is always in the second AP.
            "ap_start": today - timedelta(days=30),
            "housing_costs_element": True,
            "earned_income": Decimal(earned_income),
            **(statement or {}),
        }
    )
    return status, award
