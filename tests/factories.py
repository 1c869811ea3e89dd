"""Invented case data for tests."""

from datetime import date
from decimal import Decimal
from typing import Any

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
