"""The vulnerability assessment, a safeguarding declaration and its Six-Point Plan."""

from typing import Annotated, Literal

from pydantic.dataclasses import dataclass

from domain.bounds import MAX_ITEMS
from domain.case.model import STRICT, Actor
from domain.values import Note, Short, Tag, at_most_items


@dataclass(frozen=True, config=STRICT)
class RecordVulnerabilityAssessment:
    by: Actor
    factors: Annotated[tuple[Tag, ...], at_most_items(MAX_ITEMS)] = ()
    notes: Note = ""


@dataclass(frozen=True, config=STRICT)
class RecordSafeguardingDeclaration:
    by: Actor
    kind: Literal["suicidal_intent", "self_harm"]
    note: Note = ""


@dataclass(frozen=True, config=STRICT)
class CompletePlanStep:
    by: Actor
    step: Short
    note: Note = ""
