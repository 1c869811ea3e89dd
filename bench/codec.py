"""The payload codec's cost: history bytes and lifecycle throughput of the same
UCCase lifecycle with and without encryption, on one dev server in one run.

    .venv/bin/python -m bench.codec [--cases 40] [--rounds 3] [--concurrency 10]

Each round runs the lifecycle for N cases through a worker and client with the
plain pydantic converter, then through a worker and client with the codec
(interleaved order alternates by round), and prints cases/s and mean history bytes
per case, with the ratio codec / plain: min, median and max over the rounds.
"""

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from activities.db import make_engine, migrate
from bench.common import standard_commands
from domain.case.model import Rent, Resident, Tenancy
from infra import keys
from infra.codec import encrypting_converter
from infra.keystore import KeyStore
from infra.logs import configure_logging
from tools.devserver import binary
from worker import build_worker
from workflows.contracts import CaseInput
from workflows.search_attributes import ALL_KEYS
from workflows.uc_case import UCCase, case_workflow_id


def _opening(ref: str) -> CaseInput:
    return CaseInput(
        tenancy_ref=ref,
        opening_reason="arrears_trigger",
        opened_by="officer-17",
        resident=Resident(
            full_name="Morgan Benchperson", date_of_birth=date(1980, 4, 2), ni_number="AB123456C"
        ),
        tenancy=Tenancy(address="12 Example Road, Testtown", start_date=date(2019, 6, 3)),
        rent=Rent(amount=Decimal("100.00"), frequency="weekly"),
        balance=Decimal("250.00"),
    )


async def _lifecycle(client: Client, task_queue: str, ref: str) -> int:
    """Open, four commands, close; the history's size in bytes once it settles."""
    handle = await client.start_workflow(
        UCCase.run, _opening(ref), id=case_workflow_id(ref), task_queue=task_queue
    )
    # The opening input carries no policy: the case loads it (a local activity) and
    # its handlers wait meanwhile, so nothing is refused.
    commands = standard_commands()
    for name, command in commands:
        await handle.execute_update(name, command)
    history = await handle.fetch_history()
    return sum(e.ByteSize() for e in history.events)


async def _round(
    env: WorkflowEnvironment,
    converter: DataConverter,
    engine: object,
    files: Path,
    n: int,
    conc: int,
) -> tuple[float, float]:
    client = await Client.connect(
        env.client.service_client.config.target_host, data_converter=converter
    )
    task_queue = f"bench-{uuid.uuid4()}"
    sem = asyncio.Semaphore(conc)

    async def one(i: int) -> int:
        async with sem:
            return await _lifecycle(client, task_queue, f"B-{uuid.uuid4().hex[:8]}-{i}")

    async with build_worker(client, task_queue, engine, files=files):  # type: ignore[arg-type]
        started = time.perf_counter()
        sizes = await asyncio.gather(*(one(i) for i in range(n)))
        elapsed = time.perf_counter() - started
    return n / elapsed, statistics.mean(sizes)


async def main(cases: int, rounds: int, concurrency: int) -> None:
    configure_logging("console", logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        engine = make_engine(url)
        store = KeyStore(engine, keys.generate())
        codec = encrypting_converter(store)
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=binary("temporal"),
            search_attributes=ALL_KEYS,
            ui=False,
            dev_server_log_level="error",
        )
        results: dict[str, list[tuple[float, float]]] = {"plain": [], "codec": []}
        async with env:
            await _round(env, pydantic_data_converter, engine, Path(tmp), 5, 5)  # warm-up
            for r in range(rounds):
                order = ["plain", "codec"] if r % 2 == 0 else ["codec", "plain"]
                for name in order:
                    converter = codec if name == "codec" else pydantic_data_converter
                    results[name].append(
                        await _round(env, converter, engine, Path(tmp), cases, concurrency)
                    )
        engine.dispose()
    rate = [c[0] / p[0] for c, p in zip(results["codec"], results["plain"], strict=True)]
    size = [c[1] / p[1] for c, p in zip(results["codec"], results["plain"], strict=True)]
    print(f"UCCase lifecycle (open, 4 commands, close), {cases} cases x {rounds} rounds")
    for name in ("plain", "codec"):
        rates = [x[0] for x in results[name]]
        sizes = [x[1] for x in results[name]]
        print(
            f"  {name:5}  {statistics.median(rates):6.1f} cases/s (min {min(rates):.1f}, "
            f"max {max(rates):.1f});  {statistics.median(sizes):8.0f} history bytes/case"
        )
    print(
        f"  codec/plain throughput  min {min(rate):.2f}x  median {statistics.median(rate):.2f}x"
        f"  max {max(rate):.2f}x"
    )
    print(
        f"  codec/plain history bytes  min {min(size):.2f}x  median {statistics.median(size):.2f}x"
        f"  max {max(size):.2f}x"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cases", type=int, default=40)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=10)
    a = p.parse_args()
    asyncio.run(main(a.cases, a.rounds, a.concurrency))
