"""The vulnerability assessment and the Six-Point Plan's steps."""

from dataclasses import dataclass as record
from datetime import datetime

from domain.vulnerability import VulnerabilityTier


@record(frozen=True)
class VulnerabilityRecord:
    factors: tuple[str, ...]
    tier: VulnerabilityTier
    assessed_at: datetime
    assessed_by: str


@record(frozen=True)
class ChecklistStep:
    step: str
    done_at: datetime | None = None
    done_by: str | None = None
