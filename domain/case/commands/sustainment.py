"""Tenancy sustainment actions."""

from typing import Annotated

from pydantic import Field
from pydantic.dataclasses import dataclass

from domain.case.model import STRICT, Actor, SustainmentKind, SustainmentStatus
from domain.values import BusinessDate, Label, Note, PositiveAmount


@dataclass(frozen=True, config=STRICT)
class StartSustainmentAction:
    by: Actor
    kind: SustainmentKind
    note: Note = ""
    owner: Label = "tenancy_sustainment"
    follow_up_days: Annotated[int, Field(ge=1, le=90)] = 14


@dataclass(frozen=True, config=STRICT)
class UpdateSustainmentAction:
    by: Actor
    action_id: Label
    status: SustainmentStatus
    note: Note = ""
    follow_up_days: Annotated[int, Field(ge=1, le=90)] | None = None
    # A Discretionary Housing Payment award: its period and monthly amount.
    award_from: BusinessDate | None = None
    award_to: BusinessDate | None = None
    amount: PositiveAmount | None = None
    # A DHP: the day the application went to the local authority, and the day it decided.
    applied_on: BusinessDate | None = None
    decided_on: BusinessDate | None = None
