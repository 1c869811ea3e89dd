"""ManagedMigration on the time-skipping server: timers fire on the right dates,
the case hears about it, and updates after a deadline get the right outcome."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.testing import WorkflowEnvironment

from domain.case import commands as c
from domain.case.view import CaseView
from domain.dates import add_months, business_date, start_of_day
from domain.migration.deadlines import earliest_deadline_day
from domain.migration.model import MigrationState
from tests.factories import opening
from tests.helpers import (
    eventually,
    migration_id,
    plain,
    result_or_stuck,
    settled_history_length,
)
from tools.simulator import Scenario, simulate
from workflows.managed_migration import ManagedMigration
from workflows.search_attributes import as_dict
from workflows.uc_case import UCCase, case_workflow_id


async def _timer_fires(handle: WorkflowHandle) -> list[tuple[datetime, str]]:
    """(fired at, summary) of every timer that fired, read from history."""
    history = await handle.fetch_history()
    started = {
        e.event_id: e for e in history.events if e.HasField("timer_started_event_attributes")
    }
    fired = []
    for event in history.events:
        if event.HasField("timer_fired_event_attributes"):
            start = started[event.timer_fired_event_attributes.started_event_id]
            summary = await plain(handle, start.user_metadata.summary)
            at = event.event_time.ToDatetime().replace(tzinfo=UTC)
            fired.append((at, summary))
    return fired


async def _migrating_case(
    env: WorkflowEnvironment,
    task_queue: str,
    deadline_in_months: int = 3,
    ref: str | None = None,
    **notice: Any,
) -> tuple[WorkflowHandle, WorkflowHandle, date]:
    ref = ref or f"M-{uuid.uuid4().hex[:10]}"
    case = await env.client.start_workflow(
        UCCase.run, opening(ref), id=case_workflow_id(ref), task_queue=task_queue
    )
    today = business_date(await env.get_current_time())
    deadline = add_months(today, deadline_in_months)
    if not notice.get("reissued") and deadline_in_months >= 3:
        # Three calendar months on is a day short of the rule's earliest from the
        # 29th to the 31st (31 January + 3 months is 30 April; the earliest, 1 May).
        deadline = max(deadline, earliest_deadline_day(today))
    await case.execute_update(
        "record_migration_notice",
        c.RecordMigrationNotice(by="o", notice_issued=today, deadline_day=deadline, **notice),
    )
    migration = env.client.get_workflow_handle_for(ManagedMigration.run, await migration_id(case))
    await eventually(lambda: _exists(env.client, migration.id), lambda ok: ok)
    return case, migration, deadline


async def _exists(client: Client, workflow_id: str) -> bool:
    try:
        await client.get_workflow_handle(workflow_id).describe()
        return True
    except Exception:
        return False


async def _view(case: WorkflowHandle) -> CaseView:
    return await case.query("case_view", result_type=CaseView)


async def _migration(handle: WorkflowHandle) -> MigrationState:
    return await handle.query("migration_view", result_type=MigrationState)


async def test_reminders_and_deadline_timers_fire_on_their_dates_and_escalate_the_case(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    case, migration, deadline = await _migrating_case(ts_env, ts_worker)
    view = await _view(case)
    assert view.stage == "managed_migration" and view.migration is not None
    state = await _migration(migration)
    final = state.final_deadline
    attrs = as_dict((await migration.describe()).typed_search_attributes)
    assert attrs["MigrationStatus"] == "notice_issued" and attrs["ProtectionStatus"] == "pending"
    assert attrs["MigrationDeadline"] == start_of_day(deadline)
    assert attrs["FinalDeadline"] == start_of_day(final)
    # Let every deadline pass: reminders, the deadline day, the final deadline.
    await ts_env.sleep(final + timedelta(days=2) - business_date(await ts_env.get_current_time()))
    # Lapsed, it stays open for a late claim (which would keep no protection).
    assert (await _migration(migration)).status == "lapsed"
    fired = await _timer_fires(migration)
    dates = [business_date(at) for at, _ in fired]  # UK calendar days
    today = state.notice_issued
    expected = [
        today + timedelta(days=14),
        deadline - timedelta(days=28),
        deadline - timedelta(days=7),
        deadline - timedelta(days=1),
        deadline + timedelta(days=1),
        final + timedelta(days=1),
    ]
    assert dates == expected
    assert "deadline day" in fired[4][1] and "final deadline" in fired[5][1]
    view = await _view(case)
    assert view.escalated
    kinds = [t.kind for t in view.open_tasks]
    assert kinds.count("migration_outreach") == 4 and kinds.count("migration_follow_up") == 2
    journal = await case.query("journal")
    assert any(j["kind"] == "migration_deadline_missed" for j in journal)


async def test_claim_after_the_deadline_but_by_the_final_deadline_is_backdated_and_qualifies(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    case, migration, deadline = await _migrating_case(ts_env, ts_worker)
    await ts_env.sleep(
        deadline + timedelta(days=3) - business_date(await ts_env.get_current_time())
    )
    claim_date = deadline + timedelta(days=2)
    await migration.execute_update(
        "record_claim", {"by": "o", "claim_date": claim_date.isoformat()}
    )
    state = await _migration(migration)
    assert state.status == "claimed_after_deadline"
    assert state.award_starts == (deadline,)
    assert (await _view(case)).migration.status == "claimed_after_deadline"  # type: ignore[union-attr]


async def test_an_extension_asked_on_the_deadline_day_is_refused_naming_the_rule(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    case, migration, deadline = await _migrating_case(ts_env, ts_worker)
    await ts_env.sleep(
        deadline - business_date(await ts_env.get_current_time()) + timedelta(hours=10)
    )
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await migration.execute_update(
            "grant_extension",
            {
                "by": "o",
                "asked_on": deadline.isoformat(),
                "new_deadline_day": (deadline + timedelta(days=28)).isoformat(),
            },
        )
    assert "on or after the deadline day" in str(info.value.cause)


async def test_protection_tracks_erosion_and_ends_when_the_couple_separates() -> None:
    """Fixed dates (rates are held per year): a new child erodes the TE, the
    capital disregard applies, and the separation ends protection in that AP."""
    by = {"by": "o"}
    elements = {"standard_allowance": "628.10", "child:1": "339.00"}
    statements = [
        (1, "2025-11-20", elements),
        (2, "2025-12-20", {**elements, "child:2": "292.81"}),
        (3, "2026-01-20", {**elements, "child:2": "292.81"}),
    ]
    events: list[dict[str, Any]] = [
        {
            "date": "2025-07-01",
            "update": "record_migration_notice",
            "args": {
                **by,
                "notice_issued": "2025-07-01",
                "deadline_day": "2025-10-01",
                "tax_credits": True,
            },
        },
        {
            "date": "2025-09-15",
            "to": "migration",
            "update": "record_claim",
            "args": {**by, "claim_date": "2025-09-15"},
        },
        {
            "date": "2025-09-16",
            "to": "migration",
            "update": "record_capital_on_migration_day",
            "args": {**by, "capital": "20000"},
        },
        {
            "date": "2025-09-16",
            "to": "migration",
            "update": "record_transitional_amounts",
            "args": {**by, "legacy_total": "1500", "indicative_uc": "1200", "benefit_cap": None},
        },
        *[
            {
                "date": day,
                "to": "migration",
                "update": "record_award_statement",
                "args": {
                    **by,
                    "ap": ap,
                    "elements": els,
                    "household": "couple",
                    "capital": "20000",
                },
            }
            for ap, day, els in statements
        ],
        {
            "date": "2026-02-20",
            "to": "migration",
            "update": "record_award_statement",
            "args": {
                **by,
                "ap": 4,
                "elements": {"standard_allowance": "400.14"},
                "household": "single",
                "capital": "20000",
            },
        },
    ]
    out = await simulate(
        Scenario.model_validate(
            {
                "name": "couple separates",
                "case": {
                    "tenancy_ref": "SIM-SEP",
                    "opening_reason": "migration_appointment",
                    "opened_by": "o",
                    "resident": {"full_name": "Sep Example"},
                    "tenancy": {"address": "1 Row", "start_date": "2020-01-01"},
                    "rent": {"amount": "100.00"},
                },
                "events": events,
                "until": "2026-02-21",
            }
        )
    )
    assert [u for u in out["updates"] if "refused" in u] == []
    m = out["migration"]
    # TE 1,500 - 1,200 = 300; AP 2 adds a child (+292.81): 7.19; AP 4 the couple
    # separates: no TE and no disregard for that whole AP.
    tes = [Decimal(a["transitional_element"]) for a in m["assessment_periods"]]
    assert tes == [Decimal("300.00"), Decimal("7.19"), Decimal("7.19"), Decimal("0.00")]
    assert [a["capital_disregard_applies"] for a in m["assessment_periods"]] == [
        True,
        True,
        True,
        False,
    ]
    assert m["protection"] == "ended" and "couple separated" in m["protection_ended_reason"]
    assert any("transitional protection ended" in j["text"] for j in out["journal"])


async def test_final_deadline_timer_fires_on_the_last_day_of_february_in_a_leap_year() -> None:
    """Deadline day 31 Jan 2028: the first AP of an award starting then ends on
    28 Feb 2028 (the next AP starts on the last day of February, the 29th), so the
    final-deadline timer fires at the start of 29 Feb 2028 (reg 21)."""
    scenario = Scenario.model_validate(
        {
            "name": "leap-year month end",
            "case": {
                "tenancy_ref": "SIM-LEAP",
                "opening_reason": "migration_appointment",
                "opened_by": "o",
                "resident": {"full_name": "Leap Example"},
                "tenancy": {"address": "1 Leap Row", "start_date": "2020-01-01"},
                "rent": {"amount": "100.00"},
            },
            "events": [
                {
                    "date": "2027-10-29",
                    "update": "record_migration_notice",
                    "args": {
                        "by": "o",
                        "notice_issued": "2027-10-29",
                        "deadline_day": "2028-01-31",
                    },
                }
            ],
            "until": "2028-03-01",
        }
    )
    out = await simulate(scenario)
    migration_timers = [t for t in out["timers_fired"] if t["workflow"] == "migration"]
    fired = [(t["fired_on"], t["summary"].split(":")[0]) for t in migration_timers]
    assert fired[-2:] == [
        ("2028-02-01", "deadline day Mon 31 Jan 2028 ends"),
        ("2028-02-29", "final deadline Mon 28 Feb 2028 ends"),
    ]
    assert out["migration"]["status"] == "lapsed"
    assert any(j["kind"] == "migration_deadline_missed" for j in out["journal"])


async def test_a_forged_progress_signal_is_dropped_and_the_case_carries_on(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref = f"F-{uuid.uuid4().hex[:10]}"
    case = await ts_env.client.start_workflow(
        UCCase.run, opening(ref), id=case_workflow_id(ref), task_queue=ts_worker
    )
    await case.signal(
        "migration_progress",
        {"kind": "x", "text": "x", "status": "claimed", "protection": "active"},
    )
    await case.signal("migration_progress", {"nonsense": True})
    await case.execute_update("add_journal_note", c.AddJournalNote(by="o", text="still here"))
    view = await _view(case)
    assert view.version == 2 and view.migration is None


async def test_a_migration_keeps_tracking_when_its_case_has_gone(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    case, migration, deadline = await _migrating_case(ts_env, ts_worker)
    await settled_history_length(case)  # an activity left in flight stalls the clock
    await case.terminate("test: the case is gone")
    today = business_date(await ts_env.get_current_time())
    await migration.execute_update("record_claim", {"by": "o", "claim_date": today.isoformat()})
    await ts_env.sleep(timedelta(seconds=5))
    state = await _migration(migration)
    assert state.status == "claimed"
    assert (await migration.describe()).status == WorkflowExecutionStatus.RUNNING


async def test_a_death_on_the_case_ends_the_migration_and_its_reminders(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    case, migration, deadline = await _migrating_case(ts_env, ts_worker)
    await ts_env.sleep(timedelta(days=3))
    died = business_date(await ts_env.get_current_time())
    await case.execute_update(
        "record_death", {"by": "income-09", "date_of_death": died, "informant": "daughter"}
    )
    outcome = await result_or_stuck(ts_env, migration)
    assert (outcome.status, outcome.protection) == ("ended", "none")
    attrs = as_dict((await migration.describe()).typed_search_attributes)
    assert attrs["MigrationStatus"] == "ended"
    journal = await eventually(
        lambda: case.query("journal"),
        lambda j: any(x["kind"] == "migration_closed" for x in j),
    )
    [closed] = [x for x in journal if x["kind"] == "migration_closed"]
    assert f"the resident died on {died.isoformat()}" in closed["text"]
    # Past every reminder and the deadline day: nothing chases the estate.
    await ts_env.sleep(deadline + timedelta(days=2) - died)
    view = await _view(case)
    assert view.migration is not None and not view.migration.active
    assert not [t for t in view.open_tasks if t.kind.startswith("migration")]
    assert not [x for x in await case.query("journal") if x["kind"] == "migration_reminder"]


async def test_a_second_case_of_a_tenancy_gets_its_own_migration_which_reminds_and_lets_it_close(
    ts_env: WorkflowEnvironment, ts_worker: str
) -> None:
    ref = f"M-{uuid.uuid4().hex[:10]}"
    first, first_migration, _ = await _migrating_case(ts_env, ts_worker, ref=ref)
    # The first case of the tenancy ends, and its migration with it; the tenancy's
    # case id is then started again for a second case.
    # (Idle first: the time-skipping server's clock stalls on a workflow ended with
    # an activity in flight.)
    for handle in (first_migration, first):
        await settled_history_length(handle)
        await handle.terminate("the first case ended")
    second, migration, _ = await _migrating_case(ts_env, ts_worker, ref=ref)
    assert second.id == first.id and migration.id != first_migration.id
    assert migration.id.startswith(f"uc-migration-{ref}/")
    assert (await _migration(migration)).case_workflow_id == second.id
    # Its own reminder, 14 days after the notice, reaches the second case.
    await ts_env.sleep(timedelta(days=15))
    view = await eventually(
        lambda: _view(second),
        lambda v: [t.kind for t in v.open_tasks] == ["migration_outreach"],
    )
    today = business_date(await ts_env.get_current_time())
    await migration.execute_update("record_claim", {"by": "o", "claim_date": today.isoformat()})
    view = await eventually(
        lambda: _view(second),
        lambda v: v.migration is not None and v.migration.status.startswith("claimed"),
    )
    for task in view.open_tasks:
        await second.execute_update(
            "complete_task", c.CompleteTask(by="o", task_id=task.task_id, outcome="rang")
        )
    await second.execute_update(
        "close_case", c.CloseCase(by="o", outcome="stable_arrears_clearing")
    )
    view = await _view(second)
    assert view.status == "closed"
    journal = await second.query("journal")
    assert not [j for j in journal if j["outcome"] in ("not_started", "refused")]
