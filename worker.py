"""The worker: wires configuration, database, client, workflows and activities."""

import asyncio
import contextlib
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.db import make_engine, migrate
from activities.forms import FormActivities, FormStore, placeholders
from activities.ipr import IprActivities
from activities.outbox import FileOutbox, OutboxActivities
from activities.policy import (
    LANDLORD_ENV,
    LandlordSource,
    PolicySource,
    read_landlord,
    read_policy,
)
from activities.projection import Projection
from activities.reporting.work_available import WorkAvailableActivities
from activities.scheduled import ScheduledActivities
from infra import schedules
from infra.config import DEFAULT_ADDRESS, Settings, connect, demo_mode, worker_runtime
from infra.file_store import open_file_store
from infra.keys import load as load_key_ring
from infra.keystore import KeyStore
from infra.logs import configure_logging, get_logger
from workflows.agreed_activity import AgreedActivity
from workflows.ipr import IPR
from workflows.managed_migration import ManagedMigration
from workflows.payment_arrangement import PaymentArrangement
from workflows.scheduled import SCHEDULED_WORKFLOWS
from workflows.uc_case import UCCase

WORKFLOWS: list[type] = [
    UCCase,
    ManagedMigration,
    PaymentArrangement,
    IPR,
    AgreedActivity,
    *SCHEDULED_WORKFLOWS,
]


def activities_for(
    engine: Engine, policy_file: str | None = None, files: Path | None = None
) -> list[Any]:
    # `files` (the old local folder) is no longer written: forms, submissions and letters
    # go to the shared file store (activities/files/, docs/files.md).
    settings = Settings()
    keys = KeyStore(engine, load_key_ring(settings.data_dir), ttl=settings.key_cache_seconds)
    shared = open_file_store(engine, keys)
    ipr = IprActivities(engine, shared)
    scheduled = ScheduledActivities(engine, keys, settings.retention_years, settings.data_dir)
    return [
        Projection(engine).project_case,
        PolicySource(policy_file).load_policy,
        FormActivities(FormStore(shared), LandlordSource(policy_file)).generate_form,
        OutboxActivities(FileOutbox(shared)).submit_form,
        ipr.project_ipr,
        ipr.send_ipr_feedback,
        WorkAvailableActivities(engine, settings.work_available_days).work_available_report,
        scheduled.escalation_digest,
        scheduled.retention_sweep,
    ]


def build_worker(
    client: Client,
    task_queue: str,
    engine: Engine,
    policy_file: str | None = None,
    files: Path | None = None,
    **options: Any,
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities_for(engine, policy_file, files),
        activity_executor=ThreadPoolExecutor(max_workers=8),
        **options,
    )


async def main() -> None:
    os.umask(0o077)  # logs, forms, submissions, letters, the read model: owner only
    settings = Settings()
    configure_logging(settings.log_format)
    log = get_logger("worker")
    read_policy()  # refuse to start on a bad policy file, naming the field
    landlord = read_landlord()  # ... or bad CASEWORK_LANDLORD_* variables, naming it
    if not demo_mode():  # ... or a bad CASEWORK_DEMO
        # Forms would be refused (activities/forms.py check_fit_to_send): say so now,
        # naming each setting, rather than at the first request.
        unset = [LANDLORD_ENV[name] for name in placeholders(landlord, "UC47")]
        if unset:
            log.warning(
                "the landlord's details are the demo's placeholders: UC47s and APA1s "
                "will be refused until they are set (docs/forms.md)",
                settings=unset,
            )
    apply_schedules = schedules.enabled()  # ... or a bad CASEWORK_SCHEDULES
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    client = await _connect(worker_runtime(settings), log, stop)
    if client is None:  # stopped while waiting for Temporal
        engine.dispose()
        return
    applying: asyncio.Task[None] | None = None
    try:
        async with build_worker(
            client, settings.task_queue, engine, graceful_shutdown_timeout=timedelta(seconds=10)
        ):
            log.info(
                "worker started",
                task_queue=settings.task_queue,
                namespace=client.namespace,
                metrics=settings.metrics_address,
            )
            if apply_schedules:
                applying = asyncio.create_task(_apply_schedules(client, settings.task_queue, log))
            else:
                log.info("schedules not applied: CASEWORK_SCHEDULES=off")
            await stop.wait()
            log.info("worker stopping")
    finally:
        if applying is not None:
            applying.cancel()
        engine.dispose()


async def _connect(runtime: Any, log: Any, stop: asyncio.Event) -> Client | None:
    """The client, once Temporal answers: an unreachable server is one error line per
    attempt, retried with a growing pause (up to a minute), not a crash and restart."""
    pause = 1.0
    attempt = 0
    while not stop.is_set():
        attempt += 1
        try:
            return await connect(runtime)
        except RuntimeError as error:
            if "Failed client connect" not in str(error):
                raise
            log.error(
                "cannot reach Temporal: retrying",
                address=os.environ.get("TEMPORAL_ADDRESS", DEFAULT_ADDRESS),
                attempt=attempt,
                retry_in_seconds=pause,
                error=str(error).splitlines()[0][:300],
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)
        pause = min(pause * 2, 60.0)
    return None


async def _apply_schedules(client: Client, task_queue: str, log: Any) -> None:
    """Create or update the schedules (infra/schedules.py). A failure is logged, naming
    the schedule and why, and tried again later; the worker runs on meanwhile."""
    pause = 30.0
    while True:
        try:
            for applied in await schedules.apply(client, task_queue):
                log.info(
                    "schedule applied",
                    schedule=applied.id,
                    outcome=applied.outcome,
                    when=applied.when,
                    paused=applied.paused,
                )
            return
        except schedules.ScheduleError as error:
            log.error(
                "schedules not applied: retrying",
                error=str(error),
                retry_in_seconds=pause,
                by_hand="python starter.py schedules apply",
            )
        await asyncio.sleep(pause)
        pause = min(pause * 2, 600.0)


if __name__ == "__main__":
    asyncio.run(main())
