"""The UC claim after a migration notice, and a re-claim after an award ended for
excess earnings (docs/rules.md#migration-deadlines, docs/rules.md#protection-ends)."""

from datetime import datetime

from domain.dates import business_date
from domain.errors import DomainError
from domain.migration import commands as c
from domain.migration import events as e
from domain.migration.deadlines import award_start
from domain.migration.model import MigrationState


def no_claim_yet(state: MigrationState, field: str) -> None:
    if state.claim_date is not None:
        raise DomainError(field, f"a claim is already recorded ({state.claim_date.isoformat()})")


def needs_qualifying_claim(state: MigrationState, field: str) -> None:
    if not state.qualifying:
        raise DomainError(
            field, "needs a qualifying claim first (record_claim by the final deadline)"
        )


def record_claim(
    state: MigrationState, cmd: c.RecordClaim, now: datetime
) -> list[e.MigrationEvent]:
    no_claim_yet(state, "claim_date")
    if cmd.claim_date > business_date(now):
        raise DomainError("claim_date", "cannot be in the future")
    if cmd.claim_date < state.notice_issued:
        raise DomainError("claim_date", "is before the migration notice was issued")
    start = award_start(cmd.claim_date, state.deadline_day, state.final_deadline)
    return [e.ClaimRecorded(at=now, by=cmd.by, claim_date=cmd.claim_date, award_start=start)]


def record_reclaim(
    state: MigrationState, cmd: c.RecordReclaim, now: datetime
) -> list[e.MigrationEvent]:
    window = state.excess_earnings_window_ends
    if window is None:
        raise DomainError(
            "claim_date", "a re-claim is only tracked after an award ended for excess earnings"
        )
    if cmd.claim_date > business_date(now):
        raise DomainError("claim_date", "cannot be in the future")
    ended = state.aps[-1].ends
    if cmd.claim_date <= ended:
        raise DomainError("claim_date", f"must be after the award ended ({ended.isoformat()})")
    inside = state.protection == "suspended" and cmd.claim_date <= window
    return [e.Reclaimed(at=now, by=cmd.by, claim_date=cmd.claim_date, protected=inside)]
