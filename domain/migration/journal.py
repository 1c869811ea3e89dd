"""What the UC case hears about its migration: a journal line, and whether it
escalates the case or asks for outreach."""

from dataclasses import dataclass

from domain.migration import events as e


@dataclass(frozen=True)
class CaseNotice:
    kind: str
    text: str
    escalate: bool = False
    outreach: bool = False


def notice_for(ev: e.MigrationEvent) -> CaseNotice | None:
    match ev:
        case e.ReminderDue():
            return CaseNotice(
                "migration_reminder",
                f"migration outreach reminder ({ev.label}): contact the resident about claiming UC",
                outreach=True,
            )
        case e.ExtensionGranted():
            return CaseNotice(
                "migration_extension",
                f"deadline day extended to "
                f"{ev.deadline_day.isoformat()}; final deadline "
                f"{ev.final_deadline.isoformat()}",
            )
        case e.DeadlineMissed():
            return CaseNotice(
                "migration_deadline_missed",
                f"deadline day {ev.deadline_day.isoformat()} "
                "passed with no UC claim: legacy benefits end; a claim by the final "
                "deadline is still a qualifying claim",
                escalate=True,
            )
        case e.FinalDeadlinePassed():
            return CaseNotice(
                "migration_lapsed",
                f"final deadline {ev.final_deadline.isoformat()} "
                "passed with no claim: a later claim keeps no transitional protection",
                escalate=True,
            )
        case e.ClaimRecorded():
            if ev.award_start is None:
                return CaseNotice(
                    "migration_claim",
                    f"UC claim made {ev.claim_date.isoformat()}, "
                    "after the final deadline: not a qualifying claim, no "
                    "transitional protection",
                    escalate=True,
                )
            return CaseNotice(
                "migration_claim",
                f"qualifying UC claim made "
                f"{ev.claim_date.isoformat()}; award starts {ev.award_start.isoformat()}",
            )
        case e.TransitionalAmountsRecorded():
            return CaseNotice(
                "migration_protection", f"transitional element £{ev.te_initial} a month"
            )
        case e.ProtectionSuspended():
            return CaseNotice(
                "migration_protection",
                "award ended for excess earnings: protection "
                f"resumes on a re-claim by {ev.window_ends.isoformat()}",
            )
        case e.Reclaimed():
            kept = "protection resumes" if ev.protected else "outside the window: no protection"
            return CaseNotice(
                "migration_protection", f"re-claim made {ev.claim_date.isoformat()}: {kept}"
            )
        case e.MigrationEnded():
            return CaseNotice(
                "migration_closed",
                f"migration ended: the resident died on {ev.date_of_death.isoformat()}; "
                "no further reminders",
            )
        case e.MigrationClosed():
            return CaseNotice("migration_closed", f"migration closed: {ev.reason}")
        case e.ProtectionEnded():
            return CaseNotice("migration_protection", f"transitional protection ended: {ev.reason}")
    return None
