"""evolve(state, event) -> state for a managed migration."""

from dataclasses import replace

from domain.migration import events as e
from domain.migration.model import MigrationState


def evolve(s: MigrationState, ev: e.MigrationEvent) -> MigrationState:
    s = replace(s, version=s.version + 1)
    match ev:
        case e.ReminderDue():
            return replace(
                s,
                reminders=tuple(replace(r, sent=True) if r.on == ev.on else r for r in s.reminders),
            )
        case e.ExtensionGranted():
            return replace(
                s,
                deadline_day=ev.deadline_day,
                final_deadline=ev.final_deadline,
                reminders=ev.reminders,
                status="extended",
                extensions=(*s.extensions, ev.deadline_day),
            )
        case e.DeadlineMissed():
            return replace(s, status="deadline_missed")
        case e.FinalDeadlinePassed():
            # Still open, to record a late claim (which keeps no protection).
            return replace(s, status="lapsed", protection="none")
        case e.MigrationClosed():
            return replace(s, completed=True)
        case e.ClaimRecorded():
            if ev.award_start is None:
                return replace(
                    s,
                    claim_date=ev.claim_date,
                    status="claimed_not_qualifying",
                    protection="none",
                    completed=True,
                )
            late = ev.claim_date > s.deadline_day
            return replace(
                s,
                claim_date=ev.claim_date,
                award_starts=(ev.award_start,),
                status="claimed_after_deadline" if late else "claimed",
            )
        case e.MigrationDayRecorded():
            return replace(s, migration_day=ev.migration_day)
        case e.CapitalOnMigrationDayRecorded():
            return replace(
                s, capital_on_migration_day=ev.capital, disregard_live=ev.disregard_applies
            )
        case e.TransitionalAmountsRecorded():
            return replace(
                s,
                legacy_total=ev.legacy_total,
                indicative_uc=ev.indicative_uc,
                benefit_cap=ev.benefit_cap,
                te_initial=ev.te_initial,
                te=ev.te_initial,
                state_pension_deferral=ev.state_pension_deferral,
                protection="active",
            )
        case e.APAssessed():
            r = ev.record
            return replace(
                s,
                aps=(*s.aps, r),
                te=r.te,
                below_threshold_aps=r.below_threshold_aps,
                earnings_rule_applies=ev.earnings_rule_applies,
                disregard_live=ev.disregard_live,
                disregard_aps_used=ev.disregard_aps_used,
                household_at_start=s.household_at_start or r.household,
            )
        case e.ProtectionSuspended():
            return replace(s, protection="suspended", excess_earnings_window_ends=ev.window_ends)
        case e.Reclaimed():
            if not ev.protected:
                return s
            return replace(
                s,
                protection="active",
                award_starts=(*s.award_starts, ev.claim_date),
                excess_earnings_window_ends=None,
            )
        case e.ProtectionEnded():
            return replace(s, protection="ended", protection_ended_reason=ev.reason, completed=True)
        case e.MigrationEnded():
            died = f"the resident died on {ev.date_of_death.isoformat()}"
            protected = s.protection in ("active", "suspended")
            return replace(
                s,
                status="ended",
                protection="ended" if protected else "none",
                protection_ended_reason=died if protected else s.protection_ended_reason,
                completed=True,
            )
    raise TypeError(f"evolve: no rule for {type(ev).__name__}")
