"""Replay CPU per history event, against the matched bare workflow, over histories
recorded in the same run.

    .venv/bin/python -m bench.replay [--cases 20] [--repeat 5] [--rounds 3] [--workflow case|ipr]

Records `--cases` standard lifecycles (bench/common.py) of the real UCCase and as many
of the bare workflow (same updates, one activity each, the same timers) on one dev
server, then replays each set `--repeat` times with temporalio.worker.Replayer (the
real set with worker.WORKFLOWS, as the replay test does) and divides the process CPU
time (time.process_time: every thread, the SDK core's included) by the events
replayed. Real and bare alternate order by round; ratio real/bare per round.

`--workflow ipr`: the real set is IPRs instead (bench/common.py `ipr_lifecycle`:
referral, screening, investigator, evidence); the bare set is still the case
lifecycle, a reference, not a matched pair (no bare IPR).
"""

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from bench import common as b
from bench.bare import BareCase
from bench.lifecycle import bare_lifecycle, matched_specs, real_lifecycle


async def record(
    cases: int, kind: str = "case"
) -> tuple[list[WorkflowHistory], list[WorkflowHistory]]:
    lifecycle = b.ipr_lifecycle if kind == "ipr" else real_lifecycle
    with tempfile.TemporaryDirectory() as tmp:
        env = await b.start_server()
        async with env:
            client = env.client
            spec, _ = await matched_specs(client, Path(tmp))
            task_queue = b.unique("bench-replay")
            async with b.real_worker(client, task_queue, Path(tmp)):
                real = await b.gather_limited(
                    cases, 10, lambda i: lifecycle(client, task_queue, b.unique(f"R{i}"))
                )
                real_histories = [await h.fetch_history() for h in real]
            task_queue = b.unique("bench-replay-bare")
            async with b.bare_worker(client, task_queue):
                bare = await b.gather_limited(
                    cases,
                    10,
                    lambda i: bare_lifecycle(client, task_queue, b.unique(f"bare-R{i}"), spec),
                )
                bare_histories = [await h.fetch_history() for h in bare]
    return real_histories, bare_histories


async def _each(histories: list[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    for history in histories:
        yield history


async def cpu_per_event(replayer: Replayer, histories: list[WorkflowHistory], repeat: int) -> float:
    events = sum(len(h.events) for h in histories) * repeat
    began = time.process_time()
    for _ in range(repeat):
        await replayer.replay_workflows(_each(histories))
    return (time.process_time() - began) / events * 1e6


async def main(args: argparse.Namespace) -> None:
    from worker import WORKFLOWS

    b.quiet()
    print(f"machine: {b.machine()}")
    real_h, bare_h = await record(args.cases, args.workflow)
    replayers = {
        "real": (Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter), real_h),
        "bare": (Replayer(workflows=[BareCase], data_converter=pydantic_data_converter), bare_h),
    }
    for replayer, histories in replayers.values():
        await replayer.replay_workflows(_each(histories[:3]))  # warm-up: imports, sandbox
    results: dict[str, list[float]] = {"real": [], "bare": []}
    for r in range(args.rounds):
        for flavour in ["real", "bare"] if r % 2 == 0 else ["bare", "real"]:
            replayer, histories = replayers[flavour]
            results[flavour].append(await cpu_per_event(replayer, histories, args.repeat))
    real_events = sum(len(h.events) for h in real_h) / len(real_h)
    bare_events = sum(len(h.events) for h in bare_h) / len(bare_h)
    print(
        f"\nReplay CPU per event, {args.cases} {'IPR' if args.workflow == 'ipr' else 'standard'} "
        f"lifecycles x {args.repeat} replays, "
        f"{args.rounds} rounds ({real_events:.0f} events per real history, "
        f"{bare_events:.0f} per bare)"
    )
    b.print_ratio("CPU per event", results["real"], results["bare"], "us", ".0f")
    per_case = [
        r * real_events / (x * bare_events)
        for r, x in zip(results["real"], results["bare"], strict=True)
    ]
    print(f"    per history (not per event) real/bare  {b.spread(per_case)}")
    print("  target (issue 12): <= 1.1x bare per event")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cases", type=int, default=20)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workflow", choices=["case", "ipr"], default="case")
    asyncio.run(main(p.parse_args()))
