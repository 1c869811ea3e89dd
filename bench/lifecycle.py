"""Standard UCCase lifecycle throughput and case start rate, against the matched bare
workflow on one dev server in one run.

    .venv/bin/python -m bench.lifecycle [--lifecycles 40] [--cases 2000] [--rounds 3]

Lifecycle: update-with-start carrying the first command (policy in the input, as
starter.py opens a case), then the other commands of the standard lifecycle
(bench/common.py: claim status, two journal notes, closure), and until the case has
no activity pending (its projection is done). The bare workflow takes the same
updates through update-with-start and execute_update, one trivial activity each, and
arms the timers the real case armed (read from a real history in the same run).
Cases/s over `--lifecycles` cases run `--concurrency` at a time.

Start rate: `--cases` update-with-starts carrying the first command, `--start-concurrency`
at a time, cases/s until every call has returned; the workers then drain (untimed).

Each round runs real and bare in turn (the order alternates), each on a fresh task
queue with its own worker in this process; ratios real/bare per round.
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle

from bench import common as b
from bench.bare import BareInput


async def real_lifecycle(client: Client, task_queue: str, ref: str) -> WorkflowHandle:
    commands = b.standard_commands()
    handle = await b.open_case(client, task_queue, ref, commands[0])
    for name, command in commands[1:]:
        await handle.execute_update(name, command)
    await b.settle(handle)
    return handle


async def bare_lifecycle(
    client: Client, task_queue: str, wid: str, spec: BareInput
) -> WorkflowHandle:
    commands = b.standard_commands()
    handle = await b.open_bare(client, task_queue, wid, spec, commands[0])
    for name, command in commands[1:]:
        await handle.execute_update(name, command)
    await b.settle(handle)
    return handle


async def matched_specs(client: Client, tmp: Path) -> tuple[BareInput, BareInput]:
    """The bare inputs for a lifecycle and for a start: the timers the real case armed."""
    task_queue = b.unique("bench-match")
    async with b.real_worker(client, task_queue, tmp):
        life = await real_lifecycle(client, task_queue, b.unique("M"))
        start = await b.open_case(client, task_queue, b.unique("M"), b.standard_commands()[0])
        await b.settle(start)
        return (
            BareInput(timers=b.timers_of(await life.fetch_history())),
            BareInput(timers=b.timers_of(await start.fetch_history())),
        )


async def _flavour(
    flavour: str,
    client: Client,
    tmp: Path,
    specs: tuple[BareInput, BareInput],
    lifecycles: int,
    cases: int,
    conc: int,
    start_conc: int,
) -> tuple[float, float]:
    task_queue = b.unique(f"bench-{flavour}")
    life_spec, start_spec = specs
    first = b.standard_commands()[0]

    def lifecycle(i: int) -> Any:
        if flavour == "real":
            return real_lifecycle(client, task_queue, b.unique(f"L{i}"))
        return bare_lifecycle(client, task_queue, b.unique(f"bare-L{i}"), life_spec)

    def start(i: int) -> Any:
        if flavour == "real":
            return b.open_case(client, task_queue, b.unique(f"S{i}"), first)
        return b.open_bare(client, task_queue, b.unique(f"bare-S{i}"), start_spec, first)

    worker = (
        b.real_worker(client, task_queue, tmp)
        if flavour == "real"
        else b.bare_worker(client, task_queue)
    )
    async with worker:
        await b.gather_limited(3, 3, lifecycle)  # warm-up: sandbox, connections
        began = time.perf_counter()
        await b.gather_limited(lifecycles, conc, lifecycle)
        life_rate = lifecycles / (time.perf_counter() - began)
        began = time.perf_counter()
        handles = await b.gather_limited(cases, start_conc, start)
        start_rate = cases / (time.perf_counter() - began)
        await b.gather_limited(len(handles), 20, lambda i: b.settle(handles[i], 120))
    return life_rate, start_rate


async def main(args: argparse.Namespace) -> None:
    b.quiet()
    print(f"machine: {b.machine()}")
    results: dict[str, list[tuple[float, float]]] = {"real": [], "bare": []}
    with tempfile.TemporaryDirectory() as tmp:
        env = await b.start_server()
        async with env:
            specs = await matched_specs(env.client, Path(tmp))
            print(
                f"matched bare: lifecycle timers {specs[0].timers} s, "
                f"start timers {specs[1].timers} s"
            )
            for r in range(args.rounds):
                order = ["real", "bare"] if r % 2 == 0 else ["bare", "real"]
                for flavour in order:
                    results[flavour].append(
                        await _flavour(
                            flavour,
                            env.client,
                            Path(tmp),
                            specs,
                            args.lifecycles,
                            args.cases,
                            args.concurrency,
                            args.start_concurrency,
                        )
                    )
                print(f"  round {r + 1} done", flush=True)
    commands = len(b.standard_commands())
    print(
        f"\nUCCase standard lifecycle (update-with-start + {commands - 1} commands, "
        f"until projected) vs bare; {args.rounds} rounds, in-memory dev server"
    )
    b.print_ratio(
        f"lifecycle throughput, {args.lifecycles} cases, {args.concurrency} at a time",
        [x[0] for x in results["real"]],
        [x[0] for x in results["bare"]],
        "cases/s",
    )
    b.print_ratio(
        f"start rate, {args.cases} update-with-starts, {args.start_concurrency} at a time",
        [x[1] for x in results["real"]],
        [x[1] for x in results["bare"]],
        "starts/s",
    )
    print("  targets (issue 12): lifecycle >= 0.9x bare; start rate >= 0.9x bare")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--lifecycles", type=int, default=40)
    p.add_argument("--cases", type=int, default=2000, help="cases started for the start rate")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=10)
    p.add_argument("--start-concurrency", type=int, default=20)
    asyncio.run(main(p.parse_args()))
