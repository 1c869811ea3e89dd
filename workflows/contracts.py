"""Payload types of the workflows that are not domain commands."""

from dataclasses import dataclass

from pydantic.dataclasses import dataclass as validated

from activities.records import EventRecord
from domain.case.commands import OpenCase
from domain.case.model import STRICT, CaseState


@validated(frozen=True, config=STRICT)
class CaseInput(OpenCase):
    """UCCase's one argument: the opening details a back office sends, plus, on
    continue-as-new only, the state carried from the previous run and any events
    that run applied but had not yet projected."""

    carried: CaseState | None = None
    unprojected: tuple[EventRecord, ...] = ()


@dataclass(frozen=True)
class CommandResult:
    version: int
    events: list[str]


@dataclass(frozen=True)
class CaseOutcome:
    tenancy_ref: str
    status: str
    outcome: str | None
    journal_entries: int
