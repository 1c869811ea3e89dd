"""Billable actions per standard lifecycle and per migrated case followed for 12
assessment periods, counted from the histories (bench/billing.py).

    .venv/bin/python -m bench.actions [--cases 5] [--rounds 3] [--skip-migration]

Standard lifecycle (bench/common.py: update-with-start carrying the first command,
then the rest, until projected), on a dev server: actions per case against the
minimum (one start, one update per command, one projection activity per command) and
against the matched bare workflow run on the same server (same updates, one activity
per update, the same timers).

Migrated case: scenarios/followed_12_aps.yaml played as `starter.py simulate` plays
it (tools/simulator.py, on the time-skipping test server), then the case's and its
ManagedMigration child's histories counted together (every run of each), refused
updates added; against 35, the issue's minimum.
"""

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowHistory, WorkflowUpdateFailedError

from bench import common as b
from bench.bare import BareInput
from bench.billing import Actions, count_actions

MIGRATED_MINIMUM = 35  # issue 12, section 5
SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "followed_12_aps.yaml"


async def runs_of(handle: WorkflowHandle) -> list[WorkflowHistory]:
    """Every run of a workflow from the one the handle names, following continue-as-new."""
    client, histories = handle._client, []
    run_id = handle.first_execution_run_id or handle.run_id
    current = client.get_workflow_handle(handle.id, run_id=run_id)
    while True:
        history = await current.fetch_history()
        histories.append(history)
        last = history.events[-1]
        if last.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            return histories
        new_run = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
        current = client.get_workflow_handle(handle.id, run_id=new_run)


def chain_actions(histories: list[WorkflowHistory], rejected: int = 0) -> Actions:
    total = Actions()
    for history in histories:
        total = total + count_actions(history)
    return total + count_actions([], rejected_updates=rejected)


async def _lifecycle(
    client: Client, task_queue: str, bare: BareInput | None
) -> tuple[Actions, list[float]]:
    commands, rejected = b.standard_commands(), 0
    first = commands[0]
    if bare is None:
        handle = await b.open_case(client, task_queue, b.unique("A"), first)
    else:
        handle = await b.open_bare(client, task_queue, b.unique("bare-A"), bare, first)
    for name, command in commands[1:]:
        try:
            await handle.execute_update(name, command)
        except WorkflowUpdateFailedError:
            rejected += 1
    await b.settle(handle)
    runs = await runs_of(handle)
    return chain_actions(runs, rejected), [t for h in runs for t in b.timers_of(h)]


async def standard(cases: int, rounds: int) -> None:
    commands = len(b.standard_commands())
    minimum = 1 + commands + commands
    real: list[Actions] = []
    bare: list[Actions] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = await b.start_server()
        async with env:
            for _ in range(rounds):
                task_queue = b.unique("bench-actions")
                timers: list[float] = []
                async with b.real_worker(env.client, task_queue, Path(tmp)):
                    for _ in range(cases):
                        actions, timers = await _lifecycle(env.client, task_queue, None)
                        real.append(actions)
                # The bare arms as many timers, as long, as the last real case did.
                spec = BareInput(timers=timers)
                task_queue = b.unique("bench-actions-bare")
                async with b.bare_worker(env.client, task_queue):
                    for _ in range(cases):
                        bare.append((await _lifecycle(env.client, task_queue, spec))[0])
    totals = [a.total for a in real]
    bare_totals = [a.total for a in bare]
    print(
        f"Billable actions per standard lifecycle (update-with-start + {commands - 1} "
        f"commands), {cases} cases x {rounds} rounds"
    )
    print(f"  real  median {statistics.median(totals)} (min {min(totals)}, max {max(totals)})")
    print(f"        e.g. {real[-1].describe()}")
    print(
        f"  bare  median {statistics.median(bare_totals)} (min {min(bare_totals)}, "
        f"max {max(bare_totals)})"
    )
    print(f"        e.g. {bare[-1].describe()}")
    print(
        f"  minimum {minimum} (1 start + {commands} updates + {commands} projections)"
        f"   real/minimum  {b.spread([t / minimum for t in totals])}"
    )
    print(f"  real/bare  {b.spread([r / x for r, x in zip(totals, bare_totals, strict=True)])}")
    print("  target (issue 12): <= 1.1x the minimum")


async def migrated(rounds: int) -> None:
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.testing import WorkflowEnvironment

    from tools import simulator
    from tools.devserver import binary, register_search_attributes
    from workflows.uc_case import case_workflow_id

    scenario = simulator.load_scenario(SCENARIO)
    figures: list[tuple[Actions, Actions]] = []
    for _ in range(rounds):
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=binary("temporal-test-server"),
            data_converter=pydantic_data_converter,
        )
        async with env:
            await register_search_attributes(env.client)
            # simulator.simulate plays it so, but closes its server before histories are read.
            report = await simulator._play(env, scenario)
            refused = sum(1 for u in report["updates"] if "refused" in u)
            case = env.client.get_workflow_handle(case_workflow_id(scenario.case["tenancy_ref"]))
            case_runs = await runs_of(case)
            children = [
                e.start_child_workflow_execution_initiated_event_attributes.workflow_id
                for h in case_runs
                for e in h.events
                if e.HasField("start_child_workflow_execution_initiated_event_attributes")
            ]
            child_actions = Actions()
            for child in children:
                child_actions = child_actions + chain_actions(
                    await runs_of(env.client.get_workflow_handle(child))
                )
            # Refused updates were sent to the case or the migration; billed either way.
            figures.append((chain_actions(case_runs, refused), child_actions))
    totals = [c.total + m.total for c, m in figures]
    case_actions, child_actions = figures[-1]
    print(
        f"\nBillable actions per migrated case followed for 12 APs ({SCENARIO.name}, "
        f"simulator on the time-skipping server), {rounds} rounds"
    )
    print(
        f"  case + migration  median {statistics.median(totals)} "
        f"(min {min(totals)}, max {max(totals)})"
    )
    print(f"    case       {case_actions.total}: {case_actions.describe()}")
    print(f"    migration  {child_actions.total}: {child_actions.describe()}")
    print(
        f"  minimum {MIGRATED_MINIMUM} (issue 12)   "
        f"ratio  {b.spread([t / MIGRATED_MINIMUM for t in totals])}"
    )
    print("  target (issue 12): <= 1.25x")


async def main(args: argparse.Namespace) -> None:
    b.quiet()
    print(f"machine: {b.machine()}")
    await standard(args.cases, args.rounds)
    if not args.skip_migration:
        await migrated(args.rounds)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cases", type=int, default=5, help="standard lifecycles per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--skip-migration", action="store_true")
    asyncio.run(main(p.parse_args()))
