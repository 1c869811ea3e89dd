"""`make demo`: the dev server with its Web UI, a worker, and the sample cases.

Starts only what is not already running, and on Ctrl-C stops only what it started.
State persists in .data/ (Temporal in temporal.db, the read model in casework.db),
so a second run reaches the same cases instead of duplicating them.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from rich.console import Console
from rich.table import Table
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from backoffice.cases import list_query
from backoffice.ipr_import import read_reviews, record_reviews
from backoffice.samples import (
    IPR_SAMPLES,
    PAST_IPR_SAMPLES,
    PAST_IPR_YEAR,
    SAMPLES,
    load_ipr_samples,
    load_samples,
)
from infra.config import DEFAULT_ADDRESS, ROOT, Settings, connect
from tools.devserver import register_search_attributes, start_dev_command
from workflows.search_attributes import ALL_KEYS, as_dict

console = Console()
UI_PORT = int(os.environ.get("CASEWORK_UI_PORT", "8233"))
CODEC_PORT = int(os.environ.get("CASEWORK_CODEC_PORT", "8234"))
CODEC_URL = f"http://localhost:{CODEC_PORT}"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def server_address(address: str | None) -> tuple[str, int]:
    """Host and port of TEMPORAL_ADDRESS (host:port); port 7233 when it has none."""
    host, _, port = (address or DEFAULT_ADDRESS).rpartition(":")
    if not host or not port.isdigit():
        host, port = address or "localhost", "7233"
    return host.strip("[]"), int(port)


HOST, PORT = server_address(os.environ.get("TEMPORAL_ADDRESS"))


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.settimeout(0.5)
        try:
            return s.connect_ex((host, port)) == 0
        except OSError:  # a host name that does not resolve
            return False


def metrics_line(settings: Settings) -> str:
    """Where the worker serves its metrics (docs/metrics.md), or how to turn them on."""
    if settings.metrics_address is None:
        return "metrics: off (set CASEWORK_METRICS_PORT to serve them; docs/metrics.md)"
    host = "localhost" if settings.metrics_host in LOCAL_HOSTS else settings.metrics_host
    url = f"http://{host}:{settings.metrics_port}/metrics"
    return f"metrics for Prometheus: {url} (docs/metrics.md)"


async def schedules_line(client: Client, settings: Settings) -> str:
    """The three schedules (docs/schedules.md), applied here too so they are on the
    Schedules page when the demo says so (the worker applies them as it starts)."""
    from infra import schedules

    page = f"http://localhost:{UI_PORT}/namespaces/{client.namespace}/schedules"
    try:
        applied = await schedules.apply(client, settings.task_queue)
    except schedules.ScheduleError as error:
        return f"[red]schedules not applied[/red]: {error}"
    names = ", ".join(a.id for a in applied)
    return f"[bold]Schedules[/bold]  {page}  ({names}; docs/schedules.md)"


def _already_exists(error: RPCError) -> bool:
    return error.status == RPCStatusCode.ALREADY_EXISTS or "already exists" in error.message


async def ensure_search_attributes(client: Client) -> None:
    """Register our search attributes on whatever server we use: an older
    .data/temporal.db or an external server may lack ones added since. A server
    that refuses the whole batch because some exist gets only the missing ones."""
    try:
        await register_search_attributes(client)
        return
    except RPCError as error:
        if not _already_exists(error):
            raise
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    missing = {
        k.name: IndexedValueType.ValueType(k.indexed_value_type)
        for k in ALL_KEYS
        if k.name not in listed.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )


def spawn(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    # Logs can name people: readable by their owner only (0600), umask or not.
    handle = os.fdopen(os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab")
    # Own process group, so Ctrl-C reaches us first and we stop children in order.
    return subprocess.Popen(
        cmd, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True, env=env
    )


def codec_server_env() -> dict[str, str]:
    """The codec server answers the Web UI on the port this demo gives it (CORS),
    unless CASEWORK_CODEC_UI_ORIGINS says otherwise."""
    origins = f"http://localhost:{UI_PORT},http://127.0.0.1:{UI_PORT}"
    return {"CASEWORK_CODEC_UI_ORIGINS": origins, **os.environ}


def stop(proc: subprocess.Popen[bytes], name: str) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    console.print(f"stopped {name}")


async def summary(expected: int) -> None:
    client = await connect()
    stages: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    escalated = 0
    previous: tuple[object, ...] = ()
    deadline = time.monotonic() + 20
    # Visibility is eventually consistent: wait for every case, and for two
    # identical reads in a row, before summarising.
    while time.monotonic() < deadline:
        stages, statuses, escalated = Counter(), Counter(), 0
        async for wf in client.list_workflows(list_query(None, None, False, None)):
            sa = as_dict(wf.typed_search_attributes)
            stages[str(sa.get("CaseStage", "?"))] += 1
            statuses[str(sa.get("CaseStatus", "?"))] += 1
            escalated += bool(sa.get("Escalated"))
        reading = (sorted(stages.items()), sorted(statuses.items()), escalated)
        if sum(stages.values()) >= expected and "?" not in stages and reading == previous:
            break
        previous = reading
        await asyncio.sleep(1)
    table = Table("CaseStage", "cases", title="UC cases on the server")
    for stage, n in sorted(stages.items()):
        table.add_row(stage, str(n))
    console.print(table)
    console.print(f"status: {dict(statuses)}; escalated: {escalated}")
    base = f"http://localhost:{UI_PORT}/namespaces/{client.namespace}/workflows"
    console.print(f"\n[bold]Web UI[/bold]  {base}")
    by_stage = quote('CaseStage="recovery"')
    console.print(f"  by stage:   {base}?query={by_stage}")
    console.print(f"  escalated:  {base}?query={quote('Escalated=true')}")
    iprs = quote("WorkflowType='IPR'")
    console.print(f"  IPRs:       {base}?query={iprs}")
    console.print(f"  overdue:    {base}?query={quote('ActivitiesOverdue>0')}")
    console.print("\nTry:  .venv/bin/python starter.py list --stage claim_status")
    console.print("      .venv/bin/python starter.py show HA-100231")
    console.print("      .venv/bin/python starter.py ipr-show IPR-DEMO-004")
    console.print(
        f"      .venv/bin/python starter.py ipr-publication --year {PAST_IPR_YEAR} --out .data/pub"
    )
    console.print("      .venv/bin/temporal workflow list --query \"CaseStage='recovery'\"")


def codec_sign_in(settings: Settings) -> None:
    """Tokens for a demo operator, and how to use them in the Web UI and the CLI."""
    from infra import keys, tokens

    ring = keys.load(settings.data_dir)
    uc = tokens.issue(ring, "demo-uc-operator", ["uc"], 12)
    ipr = tokens.issue(ring, "demo-ipr-reviewer", ["ipr"], 12)
    console.print(
        "\n[bold]Personal data is encrypted[/bold]: the Web UI shows ciphertext until you"
    )
    console.print(f"sign in to the codec server: open {CODEC_URL}/login and paste a token;")
    console.print("then in the Web UI's codec settings (the Data Encoder icon) choose 'Use my")
    console.print(f"browser setting and ignore cluster-level setting', enter {CODEC_URL},")
    console.print("tick 'Include cross-origin credentials' and Apply.")
    console.print(f"  UC operator token (12 h):   {uc}", highlight=False, soft_wrap=True)
    console.print(f"  IPR reviewer token (12 h):  {ipr}", highlight=False, soft_wrap=True)
    console.print(
        "  CLI: .venv/bin/temporal workflow show -w uc-case-HA-100231 "
        f'--codec-endpoint {CODEC_URL} --codec-auth "Bearer <UC token>"',
        highlight=False,
        soft_wrap=True,
    )


async def main() -> int:
    # What this and its children write (the data folder, databases, logs, forms,
    # submissions, letters) is readable by its owner only.
    os.umask(0o077)
    # The demo's worker may print the placeholder landlord details on forms, each
    # marked "DEMO — not for submission" (docs/forms.md); anywhere else they are refused.
    os.environ["CASEWORK_DEMO"] = "1"
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    from infra import keys

    key_file = keys.default_key_file(settings.data_dir)
    # A ring given inline (CASEWORK_KEYS) wins: then no file is made beside it.
    if not os.environ.get("CASEWORK_KEYS") and keys.ensure(key_file):
        console.print(f"key ring created: {key_file} (mode 0600; back it up, never commit it)")
    # SIGTERM stops what we started, as Ctrl-C does: both cancel this task.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    started: list[tuple[subprocess.Popen[bytes], str]] = []
    try:
        if port_open(PORT, HOST):
            console.print(
                f"Temporal already listening on {HOST}:{PORT}: using it (not stopping it)"
            )
        elif HOST not in LOCAL_HOSTS:
            console.print(f"[red]cannot reach Temporal at {HOST}:{PORT} (TEMPORAL_ADDRESS)[/red]")
            return 1
        else:
            cmd = start_dev_command(settings.data_dir / "temporal.db", PORT, UI_PORT, CODEC_URL)
            started.append((spawn(cmd, settings.data_dir / "temporal.log"), "Temporal dev server"))
            for _ in range(120):
                if port_open(PORT) and port_open(UI_PORT):
                    break
                time.sleep(0.5)
            else:
                console.print("[red]the dev server did not start; see .data/temporal.log[/red]")
                return 1
        if port_open(CODEC_PORT):
            console.print(f"codec server already listening on {CODEC_PORT}: using it")
        else:
            codec = spawn(
                [sys.executable, "-m", "infra.codec_server"],
                settings.data_dir / "codec-server.log",
                codec_server_env(),
            )
            started.append((codec, "codec server"))
            for _ in range(60):
                if port_open(CODEC_PORT):
                    break
                time.sleep(0.25)
            else:
                console.print(
                    "[red]the codec server did not start; see .data/codec-server.log[/red]"
                )
                return 1
            console.print(f"codec server started: {CODEC_URL} (logs: .data/codec-server.log)")
        worker = spawn([sys.executable, "worker.py"], settings.data_dir / "worker.log")
        started.append((worker, "worker"))
        console.print("worker started (logs: .data/worker.log)")
        console.print(metrics_line(settings))
        client = await connect()
        await ensure_search_attributes(client)
        created, existing = await load_samples(client, settings.task_queue, SAMPLES)
        console.print(f"sample cases: {created} opened, {existing} already there")
        referred, known = await load_ipr_samples(client, settings.task_queue, IPR_SAMPLES)
        console.print(f"sample IPRs: {referred} referred, {known} already there")
        past, problems = read_reviews(PAST_IPR_SAMPLES)
        if problems:  # the bundled file is checked by tests/integration/test_samples.py
            raise SystemExit("; ".join(problems))
        recorded, before = await record_reviews(client, settings.task_queue, past)
        console.print(
            f"past IPRs completed in {PAST_IPR_YEAR}: {recorded} recorded, {before} already there"
        )
        await summary(created + existing)
        console.print(await schedules_line(client, settings))
        codec_sign_in(settings)
        console.print(
            "\n[bold]Running.[/bold] Ctrl-C stops the worker and the server this demo started."
        )
        while all(p.poll() is None for p, _ in started):
            await asyncio.sleep(1)
        console.print("[red]a process stopped; see the logs in .data/[/red]")
        return 1
    finally:
        for proc, name in reversed(started):
            stop(proc, name)


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit(0)
