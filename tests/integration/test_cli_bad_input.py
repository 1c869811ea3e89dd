"""Every documented starter.py command fails clearly on bad input (issue 11, items 2,
3 and 9): refused with exit 2 naming the field and the rule, before anything is sent
(TEMPORAL_ADDRESS points nowhere), never a traceback. Against the dev server: rules
that need the case say so with exit 1 and change nothing; a finished case or review
is called what it is; a successful command exits 0, never 134."""

import asyncio
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

import starter
from activities.db import CaseEventRecord, JournalRecord
from backoffice import cases, iprs
from domain.case.view import CaseView
from tests.factories import opening
from tests.helpers import settled_history_length, shared_env

ROOT = Path(__file__).resolve().parents[2]
ESC, BEL, NUL = "\x1b", "\x07", "\x00"
ONE_LINE = "must be one line without control characters"
CONTROL = "must not contain control characters"
TODAY = datetime.now(UTC).date()
HEADER = (
    "tenancy_ref,opening_reason,opened_by,full_name,date_of_birth,address,tenancy_start,"
    "rent_amount,balance"
)
ROW = "HA-1,arrears_trigger,o1,Ann Example,1980-01-02,1 Row,2020-01-01,95.00,10"


def years_ago(years: int) -> str:
    return TODAY.replace(year=TODAY.year - years).isoformat()


def case_json(**changes: object) -> str:
    fields: dict[str, object] = {
        "tenancy_ref": "HA-1",
        "opening_reason": "arrears_trigger",
        "opened_by": "officer-1",
        "resident": {"full_name": "Ann Example", "date_of_birth": "1980-04-02"},
        "tenancy": {"address": "1 Row", "start_date": "2020-01-01"},
        "rent": {"amount": "90"},
    }
    return json.dumps(fields | changes)


def referral_json(**changes: object) -> str:
    fields: dict[str, object] = {
        "reference": "IPR-1",
        "referrer": {"name": "Pat", "role": "Case manager", "email": "pat@dwp.gov.uk"},
        "received_on": TODAY.isoformat(),
        "customer": {"full_name": "Sample Person"},
        "summary": "a letter was missed",
        "service_lines": ["UC"],
    }
    return json.dumps(fields | changes)


def note(**fields: object) -> str:
    return json.dumps({"by": "officer-1", "text": "x"} | fields)


def in_file(name: str, text: str) -> Callable[[Path], str]:
    def write(tmp: Path) -> str:
        path = tmp / name
        path.write_text(text)
        return str(path)

    return write


def scenario(**replace: str) -> Callable[[Path], str]:
    """The shipped deadline-met scenario with lines replaced."""
    text = (ROOT / "scenarios" / "deadline_met.yaml").read_text()
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new, 1)
    return in_file("scenario.yaml", text)


Arg = str | Callable[[Path], str]


@dataclass(frozen=True)
class Cli:
    name: str
    argv: tuple[Arg, ...]
    says: tuple[str, ...]


BIG_NOTE = in_file("note.json", note(text="x" * 5_000_000))
CASES = [
    # open
    Cli(
        "open-born-2090",
        ("open", case_json(resident={"full_name": "A", "date_of_birth": "2090-01-01"})),
        ("resident.date_of_birth", "must be in the past"),
    ),
    Cli(
        "open-aged-12",
        ("open", case_json(resident={"full_name": "A", "date_of_birth": years_ago(12)})),
        ("resident.date_of_birth", "gives an age of 12 today; it must be 16 to 120"),
    ),
    Cli(
        "open-balance",
        ("open", case_json(balance="-5000000")),
        ("balance", "must be within ±£100,000.00"),
    ),
    Cli(
        "open-opened-by-esc",
        ("open", case_json(opened_by=f"o{ESC}[2J")),
        ("opened_by", ONE_LINE, "ESC"),
    ),
    Cli(
        "open-name-nul",
        ("open", case_json(resident={"full_name": f"A{NUL}nn"})),
        ("resident.full_name", ONE_LINE, "NUL"),
    ),
    Cli(
        "open-tenancy-9999",
        ("open", case_json(tenancy={"address": "1 Row", "start_date": "9999-12-31"})),
        ("tenancy.start_date", "must be on or before 2099-12-31"),
    ),
    Cli(
        "open-oversize",
        (
            "open",
            in_file(
                "case.json",
                case_json(tenancy={"address": "x" * 600_000, "start_date": "2020-01-01"}),
            ),
        ),
        ("bytes; one payload is at most 524,288 bytes (512 KB)",),
    ),
    # send
    Cli(
        "send-by-esc",
        ("send", "HA-1", "add_journal_note", note(by=f"o{ESC}[31m")),
        ("payload: by", ONE_LINE, "ESC"),
    ),
    Cli(
        "send-by-bel",
        ("send", "HA-1", "add_journal_note", note(by=f"o{BEL}")),
        ("payload: by", ONE_LINE, "BEL"),
    ),
    Cli(
        "send-text-nul",
        ("send", "HA-1", "add_journal_note", note(text=f"a{NUL}b")),
        ("payload: text", CONTROL, "NUL"),
    ),
    Cli(
        "send-5mb-note",
        ("send", "HA-1", "add_journal_note", BIG_NOTE),
        ("payload: 5,000,0", "at most 524,288 bytes"),
    ),
    Cli(
        "send-claim-2012",
        (
            "send",
            "HA-1",
            "record_claim_status",
            json.dumps(
                {
                    "by": "o",
                    "claim_stage": "in_payment",
                    "first_ap_start": "2012-01-01",
                    "housing_element": "1",
                    "conditionality_regime": "work_preparation",
                }
            ),
        ),
        ("first_ap_start", "Universal Credit began on 2013-04-29"),
    ),
    Cli(
        "send-death-0001",
        (
            "send",
            "HA-1",
            "record_death",
            json.dumps({"by": "o", "date_of_death": "0001-01-01", "informant": "son"}),
        ),
        ("date_of_death", "must be on or after 1900-01-01"),
    ),
    Cli(
        "send-call-back-9999",
        (
            "send",
            "HA-1",
            "request_call_back",
            json.dumps({"by": "o", "due_at": "9999-12-31T10:00:00Z", "reason": "x"}),
        ),
        ("due_at", "must be between 1900-01-01 and 2099-12-31"),
    ),
    Cli(
        "send-call-back-3-years",
        (
            "send",
            "HA-1",
            "request_call_back",
            json.dumps({"by": "o", "due_at": f"{TODAY.year + 3}-01-02T10:00:00Z", "reason": "x"}),
        ),
        ("due_at", "must be at most 2 years ahead"),
    ),
    Cli(
        "send-charge-50000",
        (
            "send",
            "HA-1",
            "record_rent_movement",
            json.dumps({"by": "o", "kind": "charge", "amount": "50000", "on": TODAY.isoformat()}),
        ),
        ("amount", "one movement is at most £10,000.00"),
    ),
    Cli(
        "send-bad-ref",
        ("send", "HA 1", "add_journal_note", note()),
        ("ref: ", "3-40 letters, digits or hyphens"),
    ),
    Cli(
        "send-request-id-newline",
        ("send", "HA-1", "add_journal_note", note(), "--request-id", "a\nb"),
        ("--request-id", ONE_LINE),
    ),
    # arrangement
    Cli(
        "arrangement-decided-9999",
        (
            "arrangement",
            "uc-apa-HA-1-1",
            "record_outcome",
            json.dumps({"by": "o", "decision": "granted", "decided_on": "9999-12-31"}),
        ),
        ("decided_on", "must be on or before 2099-12-31"),
    ),
    Cli(
        "arrangement-by-esc",
        (
            "arrangement",
            "uc-apa-HA-1-1",
            "record_outcome",
            json.dumps({"by": f"o{ESC}", "decision": "granted", "decided_on": TODAY.isoformat()}),
        ),
        ("by", ONE_LINE),
    ),
    Cli(
        "arrangement-objected-0001",
        (
            "arrangement",
            "uc-apa-HA-1-1",
            "record_objection",
            json.dumps({"by": "o", "objected_on": "0001-01-01"}),
        ),
        ("objected_on", "must be on or after 2000-01-01"),
    ),
    # import
    Cli(
        "import-extra-column",
        ("import", in_file("extra.csv", f"{HEADER}\n{ROW},surplus\n")),
        ("line 2: has 10 columns; the header has 9",),
    ),
    Cli(
        "import-missing-column",
        ("import", in_file("short.csv", f"{HEADER}\n{ROW.rsplit(',', 2)[0]}\n")),
        ("line 2: has 7 columns; the header has 9",),
    ),
    Cli(
        "import-nul",
        ("import", in_file("nul.csv", f"{HEADER}\n{ROW.replace('Ann', f'A{NUL}nn')}\n")),
        ("line 2: resident.full_name", ONE_LINE),
    ),
    Cli(
        "import-born-2090",
        ("import", in_file("born.csv", f"{HEADER}\n{ROW.replace('1980-01-02', '2090-01-02')}\n")),
        ("line 2: resident.date_of_birth", "must be in the past"),
    ),
    Cli(
        "import-balance",
        ("import", in_file("balance.csv", f"{HEADER}\n{ROW.rsplit(',', 1)[0]},-5000000\n")),
        ("line 2: balance", "must be within ±£100,000.00"),
    ),
    # ipr-refer
    Cli(
        "ipr-refer-born-2090",
        ("ipr-refer", referral_json(customer={"full_name": "A", "date_of_birth": "2090-01-01"})),
        ("customer.date_of_birth", "must be in the past"),
    ),
    Cli(
        "ipr-refer-summary-nul",
        ("ipr-refer", referral_json(summary=f"missed{NUL}")),
        ("summary", CONTROL),
    ),
    Cli(
        "ipr-refer-received-0001",
        ("ipr-refer", referral_json(received_on="0001-01-01")),
        ("received_on", "must be on or after 2000-01-01"),
    ),
    Cli(
        "ipr-refer-referrer-esc",
        (
            "ipr-refer",
            referral_json(referrer={"name": f"P{ESC}", "role": "r", "email": "p@dwp.gov.uk"}),
        ),
        ("referrer.name", ONE_LINE),
    ),
    # ipr-send
    Cli(
        "ipr-send-notes-nul",
        (
            "ipr-send",
            "IPR-1",
            "record_screening",
            json.dumps({"by": "s", "allegation": True, "harm": "death", "notes": f"a{NUL}"}),
        ),
        ("notes", CONTROL),
    ),
    Cli(
        "ipr-send-held-9999",
        (
            "ipr-send",
            "IPR-1",
            "record_fact_finding",
            json.dumps(
                {
                    "by": "s",
                    "service_line": "UC",
                    "stakeholder_role": "coach",
                    "held_on": "9999-12-31",
                    "summary": "x",
                }
            ),
        ),
        ("held_on", "must be on or before 2099-12-31"),
    ),
    Cli(
        "ipr-send-bad-reference",
        ("ipr-send", "IPR 1", "close_ipr", '{"by": "s"}'),
        ("reference: ", "3-40 letters, digits or hyphens"),
    ),
    # ipr-activity
    Cli(
        "ipr-activity-5mb-evidence",
        (
            "ipr-activity",
            "ipr-IPR-1-activity-1",
            "record_assurance",
            in_file(
                "evidence.json",
                json.dumps(
                    {"by": "o", "evidence": "x" * 5_000_000, "assured_on": TODAY.isoformat()}
                ),
            ),
        ),
        ("payload: 5,000,", "at most 524,288 bytes"),
    ),
    Cli(
        "ipr-activity-assured-0001",
        (
            "ipr-activity",
            "ipr-IPR-1-activity-1",
            "record_assurance",
            json.dumps({"by": "o", "evidence": "done", "assured_on": "0001-01-01"}),
        ),
        ("assured_on", "must be on or after 2000-01-01"),
    ),
    Cli(
        "ipr-activity-by-esc",
        (
            "ipr-activity",
            "ipr-IPR-1-activity-1",
            "record_assurance",
            json.dumps({"by": f"o{ESC}", "evidence": "done", "assured_on": TODAY.isoformat()}),
        ),
        ("by", ONE_LINE),
    ),
    # simulate
    Cli(
        "simulate-impossible-date",
        ("simulate", scenario(**{"  - date: 2025-11-03": "  - date: 2026-02-30"})),
        ("events.0.date: ", "day value is outside expected range", "(line 15)"),
    ),
    Cli(
        "simulate-until-9999",
        ("simulate", scenario(**{"until: 2026-06-01": "until: 9999-12-31"})),
        ("until: ", "must be between 2000-01-01 and 2099-12-31", "(line 51)"),
    ),
    Cli(
        "simulate-until-2099",
        ("simulate", scenario(**{"until: 2026-06-01": "until: 2099-12-31"})),
        ("until: ", "must be at most 5 years after the scenario's first day", "(line 51)"),
    ),
    Cli(
        "simulate-arg-nul",
        (
            "simulate",
            scenario(
                **{"args: {by: welfare-04, notice_issued": 'args: {by: "w\\0", notice_issued'}
            ),
        ),
        ("events.0.args.by: ", ONE_LINE, "(line 17)"),
    ),
    # list
    Cli("list-query-bel", ("list", "--query", f"CaseStage = 'x{BEL}'"), ("--query", ONE_LINE)),
    Cli("list-query-long", ("list", "--query", "x" * 1001), ("--query", "at most 1000 characters")),
    # erase, codec-token, keys
    Cli(
        "erase-by-esc",
        ("erase", "case", "HA-1", "--reason", "retention", "--by", f"s{ESC}[2J"),
        ("--by", ONE_LINE),
    ),
    Cli(
        "erase-reason-nul",
        ("erase", "case", "HA-1", "--reason", f"r{NUL}x", "--by", "staff-1"),
        ("--reason", CONTROL),
    ),
    Cli(
        "erase-bad-ref",
        ("erase", "case", "HA 1", "--reason", "retention", "--by", "staff-1"),
        ("ref: ", "3-40 letters"),
    ),
    Cli(
        "codec-token-operator-bel",
        ("codec-token", "--operator", f"op{BEL}", "--domain", "uc"),
        ("--operator", ONE_LINE),
    ),
    # form
    Cli("form-number-0", ("form", "HA-1", "0"), ("number: arrangements are numbered from 1",)),
    Cli(
        "form-out-missing-folder",
        ("form", "HA-1", "1", "--out", "/nonexistent/x/form.pdf"),
        ("--out: the folder /nonexistent/x does not exist",),
    ),
    Cli("form-bad-ref", ("form", "HA 1"), ("ref: ", "3-40 letters")),
]


# Every documented command that takes input (keys: its own test below).
assert {cli.argv[0] for cli in CASES} | {"keys"} >= {
    "open", "send", "arrangement", "import", "ipr-refer", "ipr-send", "ipr-activity",
    "simulate", "list", "erase", "codec-token", "keys", "form",
}  # fmt: skip


@pytest.fixture
def nowhere(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No Temporal server at the address: a refusal proves nothing was sent. The
    umask starter.main sets is put back."""
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:1")
    monkeypatch.setenv("COLUMNS", "400")
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


@pytest.mark.parametrize("cli", CASES, ids=[cli.name for cli in CASES])
def test_bad_input_is_refused_naming_field_and_rule_before_anything_is_sent(
    nowhere: None, capsys: pytest.CaptureFixture[str], tmp_path: Path, cli: Cli
) -> None:
    argv = [arg(tmp_path) if callable(arg) else arg for arg in cli.argv]
    code = starter.main(argv)
    err = capsys.readouterr().err
    assert code == starter.BAD_INPUT, err
    # An import reports each bad row by its line, then what it opened (nothing here).
    assert err.startswith("bad input") or cli.argv[0] == "import", err
    for words in cli.says:
        assert words in err, err
    assert "Traceback" not in err


def test_a_key_ring_path_that_names_a_folder_is_bad_input(
    nowhere: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("CASEWORK_KEY_FILE", str(tmp_path))
    assert starter.main(["keys", "show"]) == starter.BAD_INPUT
    err = capsys.readouterr().err
    assert f"{tmp_path}: cannot read the key ring" in err and "Traceback" not in err


# --- against the dev server ------------------------------------------------------------


async def cli(*args: str, address: str, script: str = "starter.py") -> tuple[int | None, str, str]:
    """starter.py in its own process; the worker runs in this event loop, so the
    process is awaited, never waited for."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        script,
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={
            "PATH": "",
            "TEMPORAL_ADDRESS": address,
            "COLUMNS": "400",
            "SLOW_WAKE_SECONDS": os.environ.get("SLOW_WAKE_SECONDS", "0.1"),
            **shared_env(),
        },
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, stdout.decode(), stderr.decode()


def _rows(engine: Engine, handle: WorkflowHandle) -> int:
    with engine.connect() as db:
        return sum(
            db.execute(select(func.count()).where(t.case_id.like(f"{handle.id}/%"))).scalar_one()
            for t in (CaseEventRecord, JournalRecord)
        )


async def _open(env: WorkflowEnvironment, task_queue: str) -> tuple[str, WorkflowHandle]:
    ref = f"CLI-{uuid.uuid4().hex[:8]}"
    handle = (await cases.open_case(env.client, task_queue, opening(ref))).handle
    await handle.query("case_view")
    return ref, handle


async def test_a_death_before_the_birth_is_refused_by_the_case_and_changes_nothing(
    dev_env: WorkflowEnvironment, dev_worker: str, engine: Engine
) -> None:
    ref, handle = await _open(dev_env, dev_worker)
    history, rows = await settled_history_length(handle), _rows(engine, handle)
    death = json.dumps({"by": "o", "date_of_death": "1975-06-01", "informant": "son"})
    address = dev_env.client.service_client.config.target_host
    code, _, err = await cli("send", ref, "record_death", death, address=address)
    assert code == starter.REFUSED, err
    assert "date_of_death: cannot be before the resident's date of birth (1980-04-02)" in err
    assert await settled_history_length(handle) == history
    assert _rows(engine, handle) == rows


async def test_a_command_to_a_completed_case_says_it_is_completed(
    dev_env: WorkflowEnvironment, dev_worker: str
) -> None:
    ref, handle = await _open(dev_env, dev_worker)
    today = date.today().isoformat()
    await handle.execute_update(
        "record_death", {"by": "o", "date_of_death": today, "informant": "son"}
    )
    view = await handle.query("case_view", result_type=CaseView)
    for task in view.open_tasks:
        await handle.execute_update(
            "complete_task", {"by": "o", "task_id": task.task_id, "outcome": "done"}
        )
    await handle.execute_update("close_case", {"by": "o", "outcome": "resident_deceased"})
    await asyncio.wait_for(handle.result(), 30)
    address = dev_env.client.service_client.config.target_host
    code, _, err = await cli("send", ref, "add_journal_note", note(), address=address)
    assert code == starter.REFUSED, err
    assert f"completed: case uc-case-{ref} has completed and takes no more commands" in err
    assert "not found" not in err


async def test_a_command_to_a_completed_ipr_says_it_is_completed(
    dev_env: WorkflowEnvironment, dev_worker: str
) -> None:
    reference = f"IPR-{uuid.uuid4().hex[:8]}"
    referral = json.loads(referral_json(reference=reference))
    opened = await iprs.refer(dev_env.client, dev_worker, iprs.parse_referral(referral, "x"))
    await opened.handle.execute_update(
        "record_screening", {"by": "screener", "allegation": False, "harm": "none"}
    )
    await asyncio.wait_for(opened.handle.result(), 30)  # not accepted: feedback, closed
    address = dev_env.client.service_client.config.target_host
    code, _, err = await cli("ipr-send", reference, "close_ipr", '{"by": "s"}', address=address)
    assert code == starter.REFUSED, err
    assert f"completed: IPR ipr-{reference} has completed and takes no more commands" in err
    assert "not found" not in err


async def test_a_query_the_server_cannot_parse_is_bad_input_not_a_traceback(
    dev_env: WorkflowEnvironment,
) -> None:
    address = dev_env.client.service_client.config.target_host
    code, _, err = await cli("list", "--query", "NoSuchAttribute = 'x'", address=address)
    assert code == starter.BAD_INPUT, err
    assert "--query: " in err and "Traceback" not in err


@pytest.mark.parametrize("wake_seconds", ["0.05", "0.1", "0.2"])
async def test_send_exits_0_after_its_update_even_when_temporal_core_is_slow_to_let_go(
    dev_env: WorkflowEnvironment,
    dev_worker: str,
    monkeypatch: pytest.MonkeyPatch,
    wake_seconds: str,
) -> None:
    # Before the fix: "Fatal Python error: PyGILState_Release" (exit 134) or SIGSEGV.
    monkeypatch.setenv("SLOW_WAKE_SECONDS", wake_seconds)
    ref, handle = await _open(dev_env, dev_worker)
    address = dev_env.client.service_client.config.target_host
    code, out, err = await cli(
        "send",
        ref,
        "add_journal_note",
        note(text="once"),
        address=address,
        script="tests/integration/slow_wake.py",
    )
    assert code == 0, err
    assert '"JournalNoteAdded"' in out and "Fatal Python error" not in err
    journal = await handle.query("journal")
    assert sum(entry["text"] == "once" for entry in journal) == 1
