"""Contact with and about the resident: notes, call-backs, post, complaints,
representatives, changes of circumstances and incoming messages."""

from typing import Literal

from pydantic.dataclasses import dataclass

from domain.case.model import STRICT, Actor
from domain.values import CallBackMoment, Label, PastDate, Short, Text


@dataclass(frozen=True, config=STRICT)
class AddJournalNote:
    by: Actor
    text: Text
    kind: Literal[
        "note",
        "phone_in",
        "phone_out",
        "letter_in",
        "letter_out",
        "email_in",
        "email_out",
        "visit",
        "dwp_contact",
        "internal",
    ] = "note"
    outcome: Short = "recorded"


@dataclass(frozen=True, config=STRICT)
class RequestCallBack:
    by: Actor
    due_at: CallBackMoment
    reason: Text


@dataclass(frozen=True, config=STRICT)
class RecordReturnedPost:
    by: Actor
    item: Short


@dataclass(frozen=True, config=STRICT)
class RecordComplaint:
    by: Actor
    summary: Text


@dataclass(frozen=True, config=STRICT)
class RecordRepresentative:
    by: Actor
    kind: Literal["appointee", "lasting_power_of_attorney", "deputy"]
    name: Short
    contact: Short


# The evidence of authority each kind of representative has (docs/representatives.md).
EvidenceKind = Literal["dwp_appointee_letter", "lpa_registered", "court_order"]


@dataclass(frozen=True, config=STRICT)
class VerifyRepresentative:
    """The representative's authority was checked against this evidence on `verified_on`."""

    by: Actor
    evidence: EvidenceKind
    verified_on: PastDate
    reference: Label | None = None


@dataclass(frozen=True, config=STRICT)
class RecordChangeOfCircumstances:
    by: Actor
    description: Text


@dataclass(frozen=True, config=STRICT)
class RecordIncomingMessage:
    by: Actor
    channel: Literal["uc_journal", "email", "portal", "letter", "phone"]
    summary: Text
