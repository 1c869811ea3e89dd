"""Who acts for the resident."""

from dataclasses import dataclass as record


@record(frozen=True)
class Representative:
    kind: str
    name: str
    contact: str
