"""The resident, the tenancy and its rent, as a case is opened with them: validated
on construction (STRICT: unknown fields refused, text stripped)."""

import re
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field
from pydantic.dataclasses import dataclass

from domain.rent import RentFrequency
from domain.values import ONE_LINE, STORABLE, Balance, BirthDate, Label, PositiveAmount, TenancyDate

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)

_NINO = re.compile(r"^(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")


def _nino(value: str | None) -> str | None:
    if value is None:
        return None
    compact = value.replace(" ", "").upper()
    if not _NINO.match(compact):
        raise ValueError("must be a National Insurance number such as AB123456C")
    return compact


def _tenancy_ref(value: str) -> str:
    if _NINO.match(value.replace("-", "").upper()):
        # It becomes the workflow id, which is stored in plain text.
        raise ValueError(
            "must be the landlord's tenancy reference, not a National Insurance number"
        )
    if not _REF.match(value):
        raise ValueError("must be 3-40 letters, digits or hyphens, starting with a letter or digit")
    return value


TenancyRef = Annotated[str, AfterValidator(_tenancy_ref)]
NiNumber = Annotated[str | None, AfterValidator(_nino)]


# Bounds: domain/bounds.py (README, "Bounds on input").
Money = Balance
PositiveMoney = PositiveAmount


@dataclass(frozen=True, config=STRICT)
class Resident:
    full_name: Label
    date_of_birth: BirthDate | None = None
    ni_number: NiNumber = None
    phone: Annotated[str, Field(max_length=40), ONE_LINE] | None = None
    email: Annotated[str, Field(max_length=200), ONE_LINE] | None = None


@dataclass(frozen=True, config=STRICT)
class Tenancy:
    address: Annotated[str, Field(min_length=1, max_length=400), STORABLE]
    start_date: TenancyDate
    landlord_ref: Annotated[str, Field(max_length=64), ONE_LINE] | None = None


@dataclass(frozen=True, config=STRICT)
class Rent:
    amount: PositiveMoney
    frequency: RentFrequency = "weekly"
