"""Commands to a payment arrangement: from its own workflow (submission), from the case
(stop), and from a back office (objection, outcome)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass as strict

from domain.arrangements.model import Decision
from domain.values import Actor, BusinessDate

# Commands from outside (a back office, the case) refuse unknown fields.
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass(frozen=True)
class RecordSubmission:
    by: str
    reference: str
    form_sha256: str = ""
    form_path: str = ""
    pack_sha256: str = ""
    pack_path: str = ""


@dataclass(frozen=True)
class RecordSubmissionFailure:
    """The channel refused the submission for good (no retry can fix it)."""

    by: str
    reason: str


@strict(frozen=True, config=_STRICT)
class StopArrangement:
    """The case ended it: withdrawn before DWP's decision, ended after it."""

    by: str
    reason: str
    stopped_on: date


@strict(frozen=True, config=_STRICT)
class RecordObjection:
    by: Actor
    objected_on: BusinessDate


@strict(frozen=True, config=_STRICT)
class RecordOutcome:
    by: Actor
    decision: Decision
    decided_on: BusinessDate
    start_date: BusinessDate | None = None
    deduction_rate: Annotated[Decimal, Field(max_digits=5, decimal_places=2)] | None = None
