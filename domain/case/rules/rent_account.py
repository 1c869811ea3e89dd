"""Rent account movements: the balance, re-opening after closure, arrears cleared."""

from datetime import datetime, timedelta

from domain.bounds import MAX_BALANCE
from domain.case import commands as c
from domain.case import events as e
from domain.case.evolve import evolve
from domain.case.model import CaseState
from domain.case.rules.lifecycle import material_movement
from domain.case.rules.recovery import plan_standing
from domain.case.rules.tasks import new_task
from domain.dates import business_date
from domain.errors import DomainError
from domain.shared.decision import Decision


def record_rent_movement(
    state: CaseState, cmd: c.RecordRentMovement, now: datetime
) -> list[e.Event]:
    if cmd.kind != "balance" and cmd.amount <= 0:
        raise DomainError("amount", f"a {cmd.kind} must be more than £0.00")
    balance = {
        "charge": state.balance + cmd.amount,
        "payment": state.balance - cmd.amount,
        "tpd_credit": state.balance - cmd.amount,
        "balance": cmd.amount,
        "missed_uc_payment": state.balance,
    }[cmd.kind]
    if abs(balance) > MAX_BALANCE:
        raise DomainError(
            "amount",
            f"would take the balance to £{balance:,}; a balance stays within ±£{MAX_BALANCE:,}",
        )
    d: Decision[CaseState, e.Event] = Decision(state, evolve)
    d.emit(
        e.RentMovementRecorded(
            at=now,
            by=cmd.by,
            kind=cmd.kind,
            amount=cmd.amount,
            on=cmd.on,
            reference=cmd.reference,
            balance_after=balance,
        )
    )
    reason = material_movement(state, cmd.kind, balance)
    if reason:
        d.emit(e.CaseReopened(at=now, by=e.SYSTEM, reason=reason))
        due = now + timedelta(days=state.policy.reopened_review_days)
        d.emit(new_task(d.state, now, e.SYSTEM, "reopened_review", due, reason))
    if balance <= 0 < state.balance and state.deceased_on is None:
        # Arrears cleared: a rent arrears deduction has done its work.
        for a in state.arrangements:
            if a.kind == "tpd" and a.status == "granted":
                note = (
                    f"{a.arrangement_id}: arrears cleared; ask DWP to stop the deduction, "
                    "then end_payment_arrangement (arrears_cleared)"
                )
                d.emit(
                    new_task(
                        d.state,
                        now,
                        e.SYSTEM,
                        "arrangement_follow_up",
                        now + timedelta(days=2),
                        note,
                        subject=a.arrangement_id,
                    )
                )
    # Judged against where the plan stands today, whatever date the entry carries.
    d.emit(*plan_standing(d.state, balance, business_date(now), now))
    return d.events
