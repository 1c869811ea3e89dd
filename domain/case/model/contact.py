"""Who acts for the resident."""

from dataclasses import dataclass as record
from datetime import date


@record(frozen=True)
class Representative:
    kind: str
    name: str
    contact: str
    # Whether their authority must be verified before a decision needing consent
    # (docs/representatives.md): set for those recorded since the rule; a state or a
    # request's facts stored before it parse with False, and nothing is refused.
    verification_required: bool = False
    # The verification: when the evidence was seen, by whom, which evidence and its
    # reference (an order or LPA number, a DWP letter's date or reference).
    verified_on: date | None = None
    verified_by: str | None = None
    evidence: str | None = None
    evidence_reference: str | None = None

    @property
    def verified(self) -> bool:
        return self.verified_on is not None
