"""The back-office client: bad input is refused before anything starts; imports
never start a case twice."""

import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.client import WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

import starter
from activities.policy import PolicyFileError, read_policy
from backoffice.cases import list_query, open_case
from backoffice.imports import bulk_open, read_csv
from backoffice.inputs import BadInput
from domain.case.view import CaseView
from tests.factories import deduction_facts, opening
from tests.helpers import arrangement_id, eventually, run_starter, shared_env
from workflows.uc_case import case_workflow_id

ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "tenancy_ref,opening_reason,opened_by,full_name,date_of_birth,ni_number,address,"
    "tenancy_start,rent_amount,rent_frequency,balance\n"
)


def _starter(*args: str, address: str = "127.0.0.1:1") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "starter.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "", "TEMPORAL_ADDRESS": address, "COLUMNS": "200", **shared_env()},
    )


def test_bad_csv_rows_are_reported_by_line_field_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        HEADER
        + "HA-1,arrears_trigger,o1,Ann Example,1980-01-02,AB123456C,1 Row,2020-01-01,95,weekly,10\n"
        + "HA-2,arrears_trigger,o1,Bo Example,1980-01-02,XX,2 Row,2020-01-01,95.00,weekly,10\n"
        + "HA-3,fell_behind,o1,Cy Example,,,3 Row,2020-01-01,95.00,weekly,10\n"
        + "HA-4,arrears_trigger,o1,Di Example,,,4 Row,2020-01-01,-5,weekly,0\n"
        + "HA-1,arrears_trigger,o1,Ann Again,,,1 Row,2020-01-01,95.00,weekly,0\n"
    )
    cases, problems = read_csv(path)
    assert [case.tenancy_ref for case in cases] == ["HA-1"]
    assert len(problems) == 4
    assert (
        "line 3: resident.ni_number: Value error, must be a National Insurance number"
        in problems[0]
    )
    assert "line 4: opening_reason: Input should be 'claim_notification'" in problems[1]
    assert "line 5: rent.amount: Input should be greater than 0" in problems[2]
    assert "line 6: tenancy_ref: HA-1 repeats line 2" in problems[3]


_REFERRAL = (
    '{"reference": "IPR-1", "received_on": "2026-01-05", "summary": "x",'
    ' "service_lines": ["UC"], "customer": {"full_name": "A Person"},'
    ' "referrer": {"name": "MP office", "role": "caseworker", "email": "mp@parliament.uk"}}'
)
# Each command line and what its refusal must say (all of it, in stderr, exit 2).
_REFUSED: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (
        ("send", "HA-1", "record_rent_movement", '{"by": "o", "kind": "refund"}'),
        ("payload: kind: Input should be 'charge'", "amount: Field required"),
    ),
    (("send", "HA-1", "record_rent_move", "{}"), ("command 'record_rent_move' is unknown",)),
    (("open", '{"tenancy_ref": "bad ref"}'), ("tenancy_ref: Value error",)),
    (
        ("list", "--stage", "recovery' OR true OR CaseStage='x"),
        ("--stage: must be one of logged, claim_status",),
    ),
    (
        ("list", "--status", "shut"),
        ("--status: must be one of open, bereavement, closed, completed",),
    ),
    (("ipr-refer", _REFERRAL), ("referrer: an IPR referral comes only from",)),
    (
        ("ipr-refer", _REFERRAL.replace('"UC"', '"Housing"')),
        ("service_lines.0: Value error, must be one of",),
    ),
    (
        (
            "ipr-send",
            "IPR-1",
            "record_screening",
            '{"by": "s", "allegation": true, "harm": "bruise"}',
        ),
        ("payload: harm: Input should be 'none'",),
    ),
    (("ipr-send", "IPR-1", "approve", "{}"), ("command 'approve' is unknown",)),
    (
        ("ipr-activity", "IPR-1", "record_assurance", "{}"),
        ("activity_id: must look like ipr-",),
    ),
    (
        ("arrangement", "uc-case-HA-1", "record_outcome", "{}"),
        ("arrangement_id: must look like uc-apa-",),
    ),
    (
        ("arrangement", "uc-apa-HA-1-1", "grant", "{}"),
        ("command 'grant' is unknown; known commands: record_objection",),
    ),
    (
        (
            "arrangement",
            "uc-apa-HA-1-1",
            "record_outcome",
            '{"by": "o", "decision": "maybe", "decided_on": "2026-01-01"}',
        ),
        ("payload: decision: Input should be 'granted'",),
    ),
]


def test_cli_refuses_bad_input_before_contacting_the_server(tmp_path: Path) -> None:
    # TEMPORAL_ADDRESS points nowhere: a refusal here proves nothing was sent.
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("tenancy,name\nx,y\n")
    table = [*_REFUSED, (("import", str(bad_csv)), ("line 1 (header): missing columns",))]
    # Each is its own process: run side by side, as they share nothing.
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(lambda row: _starter(*row[0]), table))
    for (args, expected), result in zip(table, done, strict=True):
        assert result.returncode == 2, (args, result.stderr)
        for text in expected:
            assert text in result.stderr, (args, result.stderr)


async def test_an_arrangement_outcome_sent_with_the_cli_reaches_the_case(
    dev_env: WorkflowEnvironment, dev_worker: str
) -> None:
    ref = f"CLI-{uuid.uuid4().hex[:8]}"
    handle = (await open_case(dev_env.client, dev_worker, opening(ref))).handle
    # The facts a rent arrears deduction rests on (docs/rules.md#third-party-deductions).
    status, award = deduction_facts(datetime.now(UTC).date())
    await handle.execute_update("record_claim_status", status)
    await handle.execute_update("record_award_statement", award)
    await handle.execute_update(
        "request_payment_arrangement",
        {
            "by": "officer-2",
            "kind": "tpd",
            "deduction_rate": "12",
            "below_guidance_reason": "possession hearing listed",
        },
    )
    child = await arrangement_id(handle)

    async def status() -> str:
        view = await handle.query("case_view", result_type=CaseView)
        return view.arrangements[0].status

    assert await eventually(status, lambda s: s == "submitted") == "submitted"
    today = datetime.now(UTC).date().isoformat()  # UK and UTC agree but for an hour
    outcome = f'{{"by": "officer-2", "decision": "refused", "decided_on": "{today}"}}'
    address = dev_env.client.service_client.config.target_host
    # The worker runs in this event loop: the CLI must not block it.
    code, stdout, stderr = await run_starter(
        "arrangement", child, "record_outcome", outcome, address=address
    )
    assert code == 0, stderr
    assert '"Decided"' in stdout
    assert await eventually(status, lambda s: s == "refused") == "refused"
    code, _, stderr = await run_starter(
        "arrangement", child, "record_outcome", outcome, address=address
    )
    assert code == 1 and "workflow execution already completed" in stderr  # refused: done


def test_list_query_checks_its_values_and_finds_completed_cases() -> None:
    assert list_query("recovery", "open", True, None) == (
        "WorkflowType = 'UCCase' AND ExecutionStatus = 'Running' AND CaseStage = 'recovery' "
        "AND CaseStatus = 'open' AND Escalated = true"
    )
    # A completed case's workflow has returned: it is never Running.
    completed = list_query(None, "completed", False, None)
    assert completed == "WorkflowType = 'UCCase' AND CaseStatus = 'completed'"
    with pytest.raises(BadInput, match="--stage: must be one of"):
        list_query("Recovery", None, False, None)
    with pytest.raises(BadInput, match="--status: must be one of"):
        list_query(None, "", False, None)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            WorkflowQueryFailedError("the case is still opening; try again"),
            "refused: the case is still opening; try again",
        ),
        (
            WorkflowUpdateFailedError(
                ApplicationError("the case is still opening; try again", type="CaseOpening")
            ),
            "refused: the case is still opening; try again",
        ),
        (
            RPCError("workflow not found for ID: uc-case-HA-9", RPCStatusCode.NOT_FOUND, b""),
            "not found: no case uc-case-HA-9 on the server",
        ),
    ],
)
def test_server_refusals_are_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: Exception,
    message: str,
) -> None:
    async def refuse(_: object) -> int:
        raise error

    monkeypatch.setattr(starter, "run", refuse)
    assert starter.main(["show", "HA-9"]) == 1
    assert capsys.readouterr().err.strip() == message


async def test_an_unknown_case_is_named_not_a_traceback(dev_env: WorkflowEnvironment) -> None:
    address = dev_env.client.service_client.config.target_host
    ref = f"NONE-{uuid.uuid4().hex[:8]}"
    for args in (("show", ref), ("send", ref, "add_journal_note", '{"by": "o", "text": "hi"}')):
        done = _starter(*args, address=address)
        assert done.returncode == 1, done.stderr
        assert done.stderr.strip() == f"not found: no case uc-case-{ref} on the server"


def test_a_bad_policy_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text('{"watch_months_after_closure": 0, "colour": "red"}')
    try:
        read_policy(str(path))
    except PolicyFileError as error:
        assert "watch_months_after_closure: Input should be greater than or equal to 1" in str(
            error
        )
        assert "colour: Unexpected keyword argument" in str(error)
    else:
        raise AssertionError("a bad policy file was accepted")


async def test_importing_twice_never_starts_a_case_twice(
    dev_env: WorkflowEnvironment, dev_worker: str, tmp_path: Path
) -> None:
    refs = [f"IMP-{uuid.uuid4().hex[:8]}" for _ in range(5)]
    path = tmp_path / "cases.csv"
    path.write_text(
        HEADER
        + "".join(
            f"{ref},claim_notification,o1,Person {i},,,{i} Row,2020-01-01,90.00,weekly,0\n"
            for i, ref in enumerate(refs)
        )
    )
    cases, problems = read_csv(path)
    assert problems == []
    assert await bulk_open(dev_env.client, dev_worker, cases, show_progress=False) == (5, 0)
    assert await bulk_open(dev_env.client, dev_worker, cases, show_progress=False) == (0, 5)
    query = " OR ".join(f"WorkflowId = '{case_workflow_id(ref)}'" for ref in refs)

    async def runs() -> list[str]:
        return [wf.id async for wf in dev_env.client.list_workflows(query)]

    found = await eventually(runs, lambda ids: len(ids) >= 5)
    assert sorted(found) == sorted(case_workflow_id(ref) for ref in refs)  # one run each


async def test_ipr_refer_reaches_a_running_review_and_refuses_one_that_has_ended(
    dev_env: WorkflowEnvironment, dev_worker: str, tmp_path: Path
) -> None:
    ref = f"IPR-{uuid.uuid4().hex[:8]}"
    today = datetime.now(UTC).date().isoformat()
    path = tmp_path / "referral.json"
    path.write_text(
        json.dumps(
            {
                "reference": ref,
                "received_on": today,
                "summary": "the family says a letter was missed",
                "service_lines": ["UC"],
                "customer": {"full_name": "Sample Person"},
                "referrer": {"name": "Pat", "role": "Case manager", "email": "pat@dwp.gov.uk"},
            }
        )
    )
    address = dev_env.client.service_client.config.target_host

    async def refer() -> tuple[int | None, str, str]:
        # The worker runs in this event loop: the CLI must not block it.
        return await run_starter("ipr-refer", str(path), address=address, task_queue=dev_worker)

    code, stdout, stderr = await refer()
    assert (code, stdout.split()) == (0, [f"ipr-{ref}", "referred"]), stderr
    code, stdout, _ = await refer()
    assert code == 0 and "already referred: reached the running IPR" in stdout
    handle = dev_env.client.get_workflow_handle(f"ipr-{ref}")
    await handle.execute_update(
        "record_screening", {"by": "screener", "allegation": False, "harm": "none"}
    )
    await handle.result()  # not accepted: feedback sent, closed
    code, stdout, stderr = await refer()
    assert code == 2 and not stdout
    assert f"reference: {ref} was referred before and that review has ended" in stderr
