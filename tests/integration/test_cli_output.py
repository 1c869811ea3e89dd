"""Output a script can use: `list --json`, `show --json`, tables never cut when piped,
a bad `--query` in one line with exit 2, and `import`'s exit status when some rows
are bad (backoffice/exit_codes.py SOME_ROWS_BAD)."""

import asyncio
import json
import sys
import uuid
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

import starter
from backoffice.exit_codes import SOME_ROWS_BAD
from backoffice.render import CASE_COLUMNS
from tests.factories import opening
from tests.helpers import eventually, run_starter, shared_env
from workflows.uc_case import UCCase, case_workflow_id

ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "tenancy_ref,opening_reason,opened_by,full_name,date_of_birth,ni_number,address,"
    "tenancy_start,rent_amount,rent_frequency,balance\n"
)


def _row(ref: str, rent: str = "95.00") -> str:
    return f"{ref},arrears_trigger,o1,Ann Example,1980-01-02,,1 Row,2020-01-01,{rent},weekly,10\n"


async def _cli(
    *args: str, env: WorkflowEnvironment, task_queue: str = "uc-casework", columns: str = "40"
) -> tuple[int | None, str, str]:
    """starter.py in its own process, its stdout a pipe (not a terminal) and a narrow
    COLUMNS: what a script sees."""
    address = env.client.service_client.config.target_host
    return await run_starter(*args, address=address, task_queue=task_queue, columns=columns)


async def _listed(env: WorkflowEnvironment, workflow_id: str) -> None:
    """Until visibility has the case (it is eventually consistent)."""

    async def count() -> int:
        return (await env.client.count_workflows(f"WorkflowId = '{workflow_id}'")).count

    await eventually(count, lambda n: n == 1, attempts=200, delay=0.1)


async def test_list_and_show_print_json_and_the_table_is_never_cut_when_piped(
    dev_env: WorkflowEnvironment, dev_worker: str
) -> None:
    ref = f"OUT-{uuid.uuid4().hex[:8]}-LONG-REFERENCE"
    workflow_id = case_workflow_id(ref)
    await dev_env.client.start_workflow(
        UCCase.run, opening(ref), id=workflow_id, task_queue=dev_worker
    )
    await _listed(dev_env, workflow_id)
    only = f"WorkflowId = '{workflow_id}'"

    code, out, err = await _cli("list", "--query", only, "--json", env=dev_env)
    assert code == 0, err
    [row] = json.loads(out)
    assert row["id"] == workflow_id and row["CaseStatus"] == "open", row
    assert row["CaseStage"] == "logged"
    assert "Ann" not in out and "Morgan" not in out  # search attributes only

    # Piped, 40 columns: tab-separated lines, the header first, nothing cut or wrapped.
    code, out, err = await _cli("list", "--query", only, env=dev_env)
    assert code == 0, err
    header, line = out.splitlines()
    assert header.split("\t") == CASE_COLUMNS
    cells = line.split("\t")
    assert cells[:3] == [workflow_id, "logged", "open"], cells
    assert len(cells) == len(CASE_COLUMNS) and "…" not in out

    code, out, err = await _cli("show", ref, "--json", env=dev_env)
    assert code == 0, err
    assert json.loads(out)["tenancy_ref"] == ref
    code, out, err = await _cli("show", ref, "--journal", "--json", env=dev_env)
    assert code == 0, err
    assert isinstance(json.loads(out), list)


async def test_a_query_the_server_refuses_is_one_line_and_bad_input(
    dev_env: WorkflowEnvironment,
) -> None:
    # Refused by the server, then by starter.py itself before anything is sent.
    queries = ("NoSuchAttribute = 'x'", "CaseStage = ", "CaseStage === 'x'", "x" * 1001)
    done = await asyncio.gather(
        *(_cli("list", "--query", query, env=dev_env, columns="400") for query in queries)
    )
    for query, (code, out, err) in zip(queries, done, strict=True):
        assert code == starter.BAD_INPUT, (query, err)
        assert len(err.splitlines()) == 1, err
        assert err.startswith("bad input: --query: "), err
        assert "Traceback" not in err and out == ""
    code, _, err = await _cli("list", "--stage", "nowhere", env=dev_env, columns="400")
    assert code == starter.BAD_INPUT and len(err.splitlines()) == 1, err
    assert err.startswith("bad input: --stage: must be one of"), err


async def test_import_exits_0_when_every_row_started_and_5_when_some_were_bad(
    dev_env: WorkflowEnvironment, dev_worker: str, tmp_path: Path
) -> None:
    good, other, bad = (f"IMP-{uuid.uuid4().hex[:8]}" for _ in range(3))
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(HEADER + _row(good) + _row(bad, rent="-5"))
    code, out, err = await _cli("import", str(mixed), env=dev_env, task_queue=dev_worker)
    assert code == SOME_ROWS_BAD == 5, err
    assert "1 opened, 0 already open, 1 bad rows" in out
    assert "line 3: rent.amount" in err
    await dev_env.client.get_workflow_handle(case_workflow_id(good)).describe()

    clean = tmp_path / "clean.csv"
    clean.write_text(HEADER + _row(good) + _row(other))
    code, out, err = await _cli("import", str(clean), env=dev_env, task_queue=dev_worker)
    assert code == 0, err
    assert "1 opened, 1 already open, 0 bad rows" in out

    only_bad = tmp_path / "bad.csv"
    only_bad.write_text(HEADER + _row(bad, rent="-5"))
    code, out, err = await _cli("import", str(only_bad), env=dev_env, task_queue=dev_worker)
    assert code == starter.BAD_INPUT, err
    assert "0 opened, 0 already open, 1 bad rows" in out


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """`starter.py kpis --json | head -1`: the reader closes the pipe before the command
    writes (unbuffered, as PYTHONUNBUFFERED=1 makes it, so the write itself fails); the
    command ends quietly with 1, as rich's own output does on a closed pipe, instead of
    printing a BrokenPipeError traceback."""
    import subprocess

    process = subprocess.Popen(
        [sys.executable, "starter.py", "kpis", "--json"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={"PATH": "", "PYTHONUNBUFFERED": "1", **shared_env()},
    )
    assert process.stdout is not None
    process.stdout.close()  # before the interpreter has even imported starter.py
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr.decode(), stderr.decode()
    assert "BrokenPipeError" not in stderr.decode()
    assert process.returncode == 1
