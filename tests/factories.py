"""Invented case data for tests."""

from datetime import date
from decimal import Decimal
from typing import Any

from domain.case.commands import RecordClaimStatus
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
