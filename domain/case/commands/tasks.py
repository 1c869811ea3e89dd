"""Completing one of the case's tasks."""

from pydantic.dataclasses import dataclass

from domain.case.model import STRICT, Actor
from domain.values import Label, Short


@dataclass(frozen=True, config=STRICT)
class CompleteTask:
    by: Actor
    task_id: Label
    outcome: Short
