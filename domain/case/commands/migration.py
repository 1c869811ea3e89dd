"""The migration notice DWP issued."""

from pydantic.dataclasses import dataclass

from domain.case.model import STRICT, Actor
from domain.values import UcDate


@dataclass(frozen=True, config=STRICT)
class RecordMigrationNotice:
    by: Actor
    notice_issued: UcDate
    deadline_day: UcDate
    reissued: bool = False
    # A tax credit claimant over £16,000 on migration day gets the capital disregard.
    tax_credits: bool = False
