"""The UC claim as the DWP portal last showed it."""

from dataclasses import dataclass as record
from datetime import date, datetime
from decimal import Decimal


@record(frozen=True)
class ClaimStatus:
    claim_stage: str
    first_ap_start: date
    housing_element: Decimal
    sanctions: bool
    conditionality_regime: str
    recorded_at: datetime
