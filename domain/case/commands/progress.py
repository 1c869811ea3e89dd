"""Progress notices the case's own children send (not a back office)."""

from typing import Annotated

from pydantic import Field
from pydantic.dataclasses import dataclass

from domain.arrangements.progress import ArrangementProgress, ArrangementTask
from domain.case.model import STRICT
from domain.migration.model import MigrationStatus, ProtectionStatus

Secret = Annotated[str, Field(max_length=100)]
# Progress notices come from this case's own children and are read in signal handlers,
# which run again on replay: they keep the rules they were written under.
NoticeText = Annotated[str, Field(min_length=1, max_length=4000)]
NoticeShort = Annotated[str, Field(min_length=1, max_length=200)]


@dataclass(frozen=True, config=STRICT)
class RecordMigrationProgress:
    """Sent by the case's ManagedMigration workflow, not by a back office."""

    kind: NoticeShort
    text: NoticeText
    status: MigrationStatus
    protection: ProtectionStatus
    escalate: bool = False
    outreach: bool = False
    # False once the migration has finished (the case may then complete).
    active: bool = True
    # The secret the case gave the migration it started (domain/notices.py); none from
    # a migration started before secrets existed.
    notice_secret: Secret | None = None


@dataclass(frozen=True, config=STRICT)
class RecordArrangementProgress(ArrangementProgress):
    """Sent by the case's PaymentArrangement workflows, not by a back office: the
    child's notice (domain/arrangements/case_notice.py) with the request's status and
    its envelope. The progress it records (forms, decision) is inherited, flat."""

    arrangement_id: NoticeShort
    kind: NoticeShort
    text: NoticeText
    status: NoticeShort
    task: ArrangementTask | None = None
    escalate: bool = False
    # The read-model key of the case the request belongs to (a later case for the
    # same tenancy must not take an earlier case's notices).
    case_key: Annotated[str, Field(max_length=200)] | None = None
    # False once the request is finished (the case may then complete).
    active: bool = True
    # The secret the case gave the arrangement it started (domain/notices.py); none
    # from an arrangement started before secrets existed.
    notice_secret: Secret | None = None
