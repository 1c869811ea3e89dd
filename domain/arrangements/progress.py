"""What a payment arrangement tells its case about itself, in one value.

The child's notice (`case_notice.CaseNotice`), the case's command
(`RecordArrangementProgress`), its event (`ArrangementProgressed`) and its record of
the request (`ArrangementSummary`) each *are* an `ArrangementProgress`: they inherit
these fields, so a new one is declared here once and travels from the child to the
case view by itself. Inherited, not nested: every one of them is JSON on the wire and
in stored histories, and stays the flat shape it always had.

The limits are the ones the case applies to a notice (it is read in a signal handler,
which runs again on replay: these limits must not tighten); stdlib dataclasses ignore
them, pydantic applies them wherever one of these is parsed.
"""

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

# The task a notice opens on the case, if any.
ArrangementTask = Literal["arrangement_chase", "arrangement_follow_up", "arrangement_review"]

Sha256 = Annotated[str, Field(max_length=64)]
StoredPath = Annotated[str, Field(max_length=1000)]


@dataclass(frozen=True, kw_only=True)
class ArrangementProgress:
    # The form submitted to DWP, stored once by content hash.
    form_sha256: Sha256 | None = None
    form_path: StoredPath | None = None
    # Forms kept with the request but not sent (the APA1 pack beside a UC47).
    pack_sha256: Sha256 | None = None
    pack_path: StoredPath | None = None
    # Once DWP has decided: when it starts, the rate granted, the review dates.
    start_date: date | None = None
    granted_rate: Annotated[Decimal, Field(max_digits=5, decimal_places=2)] | None = None
    review_dates: tuple[date, ...] = ()


def progress_fields(carrier: ArrangementProgress) -> dict[str, Any]:
    """The progress `carrier` holds, as keywords for the next one along."""
    return {f.name: getattr(carrier, f.name) for f in fields(ArrangementProgress)}
