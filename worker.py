"""The worker: wires configuration, database, client, workflows and activities."""

import asyncio
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
from activities.forms import FormActivities, FormStore
from activities.ipr import IprActivities
from activities.outbox import FileOutbox, OutboxActivities
from activities.policy import LandlordSource, PolicySource, read_landlord, read_policy
from activities.projection import Projection
from infra.config import Settings, connect, json_logging_runtime
from infra.file_store import open_file_store
from infra.keys import load as load_key_ring
from infra.keystore import KeyStore
from infra.logs import configure_logging, get_logger
from workflows.agreed_activity import AgreedActivity
from workflows.ipr import IPR
from workflows.managed_migration import ManagedMigration
from workflows.payment_arrangement import PaymentArrangement
from workflows.uc_case import UCCase

WORKFLOWS: list[type] = [UCCase, ManagedMigration, PaymentArrangement, IPR, AgreedActivity]


def activities_for(
    engine: Engine, policy_file: str | None = None, files: Path | None = None
) -> list[Any]:
    # `files` (the old local folder) is no longer written: forms, submissions and letters
    # go to the shared file store (activities/files/, docs/files.md).
    settings = Settings()
    keys = KeyStore(engine, load_key_ring(settings.data_dir), ttl=settings.key_cache_seconds)
    shared = open_file_store(engine, keys)
    ipr = IprActivities(engine, shared)
    return [
        Projection(engine).project_case,
        PolicySource(policy_file).load_policy,
        FormActivities(FormStore(shared), LandlordSource(policy_file)).generate_form,
        OutboxActivities(FileOutbox(shared)).submit_form,
        ipr.project_ipr,
        ipr.send_ipr_feedback,
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
    read_landlord()  # ... or bad CASEWORK_LANDLORD_* variables, naming the variable
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    client = await connect(json_logging_runtime())
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    try:
        async with build_worker(
            client, settings.task_queue, engine, graceful_shutdown_timeout=timedelta(seconds=10)
        ):
            log.info("worker started", task_queue=settings.task_queue, namespace=client.namespace)
            await stop.wait()
            log.info("worker stopping")
    finally:
        engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
