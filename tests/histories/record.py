"""Record the histories the replay test checks every change against.

    .venv/bin/python -m tests.histories.record [scenario ...]   (all when none named)
    .venv/bin/python -m tests.histories.record --encrypted [scenario ...]

Plain histories (recorded before payloads were encrypted) live beside this file;
encrypted ones in encrypted/, with the test-only key ring and the wrapped data keys
that replay needs. Files already saved are never overwritten: evidence is added.

Run it when a workflow change is meant to be incompatible (and versioned), or to
add a scenario; never to make a failing replay pass. Each scenario exercises many
code paths: commands, refusals, timers, closure, re-opening, continue-as-new.
"""

import asyncio
import contextlib
import json
import os
import sys
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.db import DataKeyRecord, make_engine, migrate
from devserver import binary, register_search_attributes
from domain.case import commands as c
from domain.dates import add_months
from domain.policy import SIX_POINT_PLAN_STEPS
from infra import keys
from infra.codec import encrypting_converter
from infra.keystore import KeyStore
from tests.factories import claim_status, opening
from tests.helpers import eventually
from worker import build_worker
from workflows.ipr import IPR, ipr_workflow_id
from workflows.uc_case import UCCase, case_workflow_id

HERE = Path(__file__).parent
ENCRYPTED = HERE / "encrypted"
IDS = HERE / "ids.json"  # saved file -> its workflow id, which replay needs
TASK_QUEUE = "record-histories"


async def _start(client: Client, ref: str, **facts: object) -> WorkflowHandle:
    handle = await client.start_workflow(
        UCCase.run, opening(ref, **facts), id=case_workflow_id(ref), task_queue=TASK_QUEUE
    )
    return handle


async def full_lifecycle(env: WorkflowEnvironment) -> list[WorkflowHandle]:
    h = await _start(env.client, "REPLAY-1")
    now = await env.get_current_time()
    await h.execute_update(
        "record_claim_status",
        claim_status("2026-01-30", by="o", housing_element=Decimal("400")),
    )
    await h.execute_update(
        "record_vulnerability_assessment",
        c.RecordVulnerabilityAssessment(by="o", factors=("mental_health_condition",)),
    )
    await h.execute_update(
        "request_call_back",
        c.RequestCallBack(by="o", due_at=now + timedelta(days=1), reason="arrears"),
    )
    with contextlib.suppress(WorkflowUpdateFailedError):  # refused, as it should be
        await h.execute_update("close_case", c.CloseCase(by="o", outcome="nope"))
    await env.sleep(timedelta(days=2))  # the call-back escalates
    await h.execute_update(
        "complete_task", c.CompleteTask(by="o", task_id="task-1", outcome="called")
    )
    await h.execute_update(
        "record_safeguarding_declaration", c.RecordSafeguardingDeclaration(by="o", kind="self_harm")
    )
    for step in SIX_POINT_PLAN_STEPS:
        await h.execute_update("complete_plan_step", c.CompletePlanStep(by="o", step=step))
    await h.execute_update("close_case", c.CloseCase(by="o", outcome="stable_arrears_clearing"))
    await env.sleep(timedelta(days=20))
    await h.execute_update(
        "record_rent_movement",
        c.RecordRentMovement(
            by="o", kind="missed_uc_payment", amount=Decimal("400"), on="2026-02-01"
        ),
    )
    await h.execute_update("complete_task", c.CompleteTask(by="o", task_id="task-2", outcome="ok"))
    await h.execute_update("close_case", c.CloseCase(by="o", outcome="moved_off_uc"))
    await h.result()  # the watch ends
    return [h]


async def continue_as_new(env: WorkflowEnvironment) -> list[WorkflowHandle]:
    policy_file = Path(tempfile.mkdtemp()) / "policy.json"
    policy_file.write_text(json.dumps({"continue_as_new_after_events": 40}))
    os.environ["CASEWORK_POLICY_FILE"] = str(policy_file)
    try:
        h = await _start(env.client, "REPLAY-2")
        first = (await h.describe()).run_id
        for i in range(12):
            await h.execute_update("add_journal_note", c.AddJournalNote(by="o", text=f"n{i}"))
    finally:
        del os.environ["CASEWORK_POLICY_FILE"]
    return [env.client.get_workflow_handle(h.id, run_id=first)]


async def migration(env: WorkflowEnvironment) -> list[WorkflowHandle]:
    """A case with a migration: notice, reminders, a claim, protection over 2 APs."""
    case = await _start(env.client, "REPLAY-3")
    today = (await env.get_current_time()).date()
    await case.execute_update(
        "record_migration_notice",
        c.RecordMigrationNotice(
            by="o", notice_issued=today, deadline_day=add_months(today, 3), tax_credits=True
        ),
    )
    child = env.client.get_workflow_handle("uc-migration-REPLAY-3")
    await env.sleep(timedelta(days=20))  # the first outreach reminder fires
    claim = (await env.get_current_time()).date()
    await child.execute_update("record_claim", {"by": "o", "claim_date": claim.isoformat()})
    await child.execute_update("record_capital_on_migration_day", {"by": "o", "capital": "18000"})
    await child.execute_update(
        "record_transitional_amounts",
        {"by": "o", "legacy_total": "1500", "indicative_uc": "1250", "benefit_cap": None},
    )
    for ap, child_element in ((1, {}), (2, {"child:2": "303.94"})):
        await env.sleep(timedelta(days=32))
        await child.execute_update(
            "record_award_statement",
            {
                "by": "o",
                "ap": ap,
                "household": "single",
                "capital": "18000",
                "elements": {"standard_allowance": "424.90", "child:1": "351.88", **child_element},
            },
        )
    return [case, child]


async def _today(env: WorkflowEnvironment) -> str:
    return (await env.get_current_time()).date().isoformat()


async def _exists(handle: WorkflowHandle) -> bool:
    try:
        await handle.describe()
        return True
    except Exception:
        return False


async def arrangement(env: WorkflowEnvironment) -> list[WorkflowHandle]:
    """An APA managed payment: forms, submission, objection window, grant, the first
    review reminder, then the resident's death ending it."""
    case = await _start(env.client, "REPLAY-4", balance=Decimal("1200.00"))
    await case.execute_update(
        "record_vulnerability_assessment",
        c.RecordVulnerabilityAssessment(by="o", factors=("homeless",)),
    )
    await case.execute_update(
        "request_payment_arrangement",
        {"by": "o", "kind": "apa", "apa_type": "managed_payment_to_landlord"},
    )
    child = env.client.get_workflow_handle("uc-apa-REPLAY-4-1")

    async def status() -> str:
        return (await child.query("arrangement_view"))["status"] if await _exists(child) else ""

    await eventually(status, lambda s: s == "submitted")
    await env.sleep(timedelta(days=15))  # past the objection window
    await eventually(status, lambda s: s == "awaiting_outcome")
    today = await _today(env)
    await child.execute_update(
        "record_outcome",
        {"by": "o", "decision": "granted", "decided_on": today, "start_date": today},
    )
    await env.sleep(timedelta(days=95))  # the 3-month review reminder
    await case.execute_update(
        "record_death", {"by": "o", "date_of_death": await _today(env), "informant": "son"}
    )
    await eventually(status, lambda s: s == "ended")
    return [case, child]


async def death_during_migration(env: WorkflowEnvironment) -> list[WorkflowHandle]:
    """A migration notice, then the resident's death: the case stops the migration."""
    case = await _start(env.client, "REPLAY-5")
    today = (await env.get_current_time()).date()
    await case.execute_update(
        "record_migration_notice",
        c.RecordMigrationNotice(by="o", notice_issued=today, deadline_day=add_months(today, 3)),
    )
    child = env.client.get_workflow_handle("uc-migration-REPLAY-5")
    await eventually(lambda: _exists(child), lambda ok: ok)
    await env.sleep(timedelta(days=20))  # the first outreach reminder fires
    await case.execute_update(
        "record_death", {"by": "o", "date_of_death": await _today(env), "informant": "son"}
    )
    await child.result()
    return [case, child]


async def ipr(env: WorkflowEnvironment) -> list[WorkflowHandle]:
    """An IPR from referral to closure: screening in, investigation, findings, two
    agreed activities (one assured late, after an escalation), a learning outcome."""
    ref = "REPLAY-6"
    today = await _today(env)
    h = await env.client.start_workflow(
        IPR.run,
        {
            "reference": ref,
            "referrer": {"name": "Pat Colleague", "role": "Case manager", "email": "p@dwp.gov.uk"},
            "received_on": today,
            "customer": {"full_name": "Sam Example"},
            "summary": "Sam Example died; the family says deductions left no money.",
            "service_lines": ["UC", "PIP"],
        },
        id=ipr_workflow_id(ref),
        task_queue=TASK_QUEUE,
    )
    await h.execute_update("record_screening", {"by": "s", "allegation": True, "harm": "death"})
    await h.execute_update("assign_investigator", {"by": "s", "investigator": "inv"})
    await h.execute_update(
        "record_evidence", {"by": "inv", "service_line": "UC", "description": "journal read"}
    )
    await h.execute_update(
        "record_findings",
        {
            "by": "inv",
            "learning_identified": True,
            "learning": [{"service_line": "UC", "text": "journal messages went unanswered"}],
        },
    )
    due = (await env.get_current_time()).date() + timedelta(days=10)
    activities = [
        {"service_line": line, "description": f"{line} to assure the IPRG", "due_on": str(due)}
        for line in ("UC", "PIP")
    ]
    await h.execute_update(
        "record_iprg_agreement",
        {"by": "iprg", "agreed_on": await _today(env), "activities": activities},
    )
    children = [env.client.get_workflow_handle(f"ipr-{ref}-activity-{n}") for n in (1, 2)]
    for child in children:
        await eventually(lambda child=child: _exists(child), lambda ok: ok)  # type: ignore[misc]
    assurance = {"by": "lead", "evidence": "guidance reissued"}
    await children[1].execute_update(
        "record_assurance", {**assurance, "assured_on": await _today(env)}
    )
    await env.sleep(timedelta(days=12))  # the first is overdue and escalated
    await children[0].execute_update(
        "record_assurance", {**assurance, "assured_on": await _today(env)}
    )
    for child in children:
        await child.result()
    await h.execute_update(
        "record_learning_outcome", {"by": "iprg", "service_line": "UC", "outcome": "reissued"}
    )
    await h.execute_update("close_ipr", {"by": "iprg"})
    await h.result()
    return [h, *children]


async def ipr_not_accepted(env: WorkflowEnvironment) -> list[WorkflowHandle]:
    """An IPR reading its targets from the policy file, screened out: feedback, closed."""
    ref = "REPLAY-7"
    h = await env.client.start_workflow(
        IPR.run,
        {
            "reference": ref,
            "referrer": {"name": "Pat Colleague", "role": "Case manager", "email": "p@dwp.gov.uk"},
            "received_on": await _today(env),
            "customer": {"full_name": "Sam Example"},
            "summary": "A letter was not answered.",
            "service_lines": ["UC"],
        },
        id=ipr_workflow_id(ref),
        task_queue=TASK_QUEUE,
    )
    await h.execute_update("record_screening", {"by": "s", "allegation": True, "harm": "none"})
    await h.result()
    return [h]


SCENARIOS = {
    "lifecycle": full_lifecycle,
    "continue_as_new": continue_as_new,
    "migration": migration,
    "arrangement": arrangement,
    "death_during_migration": death_during_migration,
    "ipr": ipr,
    "ipr_not_accepted": ipr_not_accepted,
}


async def main(names: list[str], encrypted: bool) -> None:
    folder = ENCRYPTED if encrypted else HERE
    ids_file = folder / "ids.json"
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/record.db"
        migrate(url)
        engine = make_engine(url)
        converter = pydantic_data_converter
        if encrypted:
            ring = _test_ring()
            store = KeyStore(engine, ring)
            converter = encrypting_converter(store)
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=binary("temporal-test-server"),
            data_converter=converter,
        )
        await register_search_attributes(env.client)
        async with env, build_worker(env.client, TASK_QUEUE, engine, files=Path(tmp)):
            handles = []
            for name in names:
                handles += await SCENARIOS[name](env)
            ids = json.loads(ids_file.read_text()) if ids_file.exists() else {}
            for handle in handles:
                history = await handle.fetch_history()
                name = f"{handle.id.replace('-', '_', 2).lower()}.json"
                if (folder / name).exists():
                    print(f"kept {name}: already saved, never overwritten")
                    continue
                (folder / name).write_text(history.to_json())
                ids[name] = handle.id
                print(f"saved {name}: {len(history.events)} events")
            ids_file.write_text(json.dumps(dict(sorted(ids.items())), indent=2) + "\n")
        if encrypted:
            _save_data_keys(engine)
        engine.dispose()


def _test_ring() -> keys.KeyRing:
    """The encrypted histories' own key ring: test-only, made once and kept beside
    them (it protects invented data); never a key of any deployment."""
    path = ENCRYPTED / "test-keyring.json"
    keys.ensure(path)
    return keys.load_file(path)


def _save_data_keys(engine: Engine) -> None:
    """Add the wrapped data keys the recorded histories were sealed with."""
    path = ENCRYPTED / "data_keys.json"
    saved = {k["key_id"]: k for k in json.loads(path.read_text())} if path.exists() else {}
    with Session(engine) as session:
        for record in session.scalars(select(DataKeyRecord)):
            saved.setdefault(
                record.key_id,
                {
                    "key_id": record.key_id,
                    "domain": record.domain,
                    "subject": record.subject,
                    "generation": record.generation,
                    "wrapped": record.wrapped,
                    "wrapping_key_id": record.wrapping_key_id,
                    "created_at": record.created_at.isoformat(),
                },
            )
    path.write_text(json.dumps(sorted(saved.values(), key=lambda k: k["key_id"]), indent=2) + "\n")


if __name__ == "__main__":
    # Name the scenarios to (re)record; histories recorded by older code are
    # worth keeping, so record only what is new.
    args = sys.argv[1:]
    encrypted = "--encrypted" in args
    chosen = [a for a in args if a != "--encrypted"] or list(SCENARIOS)
    unknown = set(chosen) - SCENARIOS.keys()
    if unknown:
        sys.exit(f"unknown scenario(s) {sorted(unknown)}; choose from {sorted(SCENARIOS)}")
    asyncio.run(main(chosen, encrypted))
