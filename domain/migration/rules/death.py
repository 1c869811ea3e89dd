"""The resident's death ends the migration."""

from datetime import datetime

from domain.dates import business_date
from domain.errors import DomainError
from domain.migration import commands as c
from domain.migration import events as e
from domain.migration.model import MigrationState


def resident_died(
    state: MigrationState, cmd: c.ResidentDied, now: datetime
) -> list[e.MigrationEvent]:
    if cmd.date_of_death > business_date(now):
        raise DomainError("date_of_death", "cannot be in the future")
    return [e.MigrationEnded(at=now, by=cmd.by, date_of_death=cmd.date_of_death)]
