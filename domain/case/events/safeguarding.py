"""Vulnerability assessed, safeguarding declared and its Six-Point Plan worked."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class VulnerabilityAssessed:
    at: datetime
    by: str
    factors: tuple[str, ...]
    tier: str
    notes: str


@dataclass(frozen=True)
class SafeguardingDeclared:
    at: datetime
    by: str
    kind: str
    note: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class PlanStepCompleted:
    at: datetime
    by: str
    step: str
    note: str
