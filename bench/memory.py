"""Worker memory per cached case, against the matched bare workflow, on one dev server
in one run.

    .venv/bin/python -m bench.memory [--cases 300] [--rounds 3] [--workflow case|ipr]

Each flavour's worker runs in a subprocess of its own (so neither inherits the
other's heap) with max_cached_workflows above the number of cases. The bench runs 5
warm-up lifecycles (imports, sandbox, connections), reads the worker's RSS after a
gc (from /proc), runs `--cases` standard lifecycles (bench/common.py), queries every
case so all are in the worker's cache (a closed case stays open for its watch timer),
and reads RSS again: (after - before) / cases. The bare workflow takes the same
updates, one activity each, and arms the same timers. Real and bare alternate order
by round; ratio real/bare per round.

`--workflow ipr`: the real worker holds IPRs instead (bench/common.py `ipr_lifecycle`:
referral, screening, investigator, evidence; open with a timer armed), queried with
`ipr_view`. The bare workflow still runs the case lifecycle: its figure is a
reference, not a matched pair (no bare IPR).
"""

import argparse
import asyncio
import gc
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from bench import common as b
from bench.bare import BareInput
from bench.lifecycle import bare_lifecycle, matched_specs, real_lifecycle

WARM_UP = 5


async def serve(target: str, task_queue: str, flavour: str, cached: int) -> None:
    """The worker process: answers `rss` on stdin with its RSS after a full gc."""
    b.quiet()
    client = await Client.connect(target, data_converter=pydantic_data_converter)
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory() as tmp:
        worker = (
            b.real_worker(client, task_queue, Path(tmp), max_cached_workflows=cached)
            if flavour == "real"
            else b.bare_worker(client, task_queue, max_cached_workflows=cached)
        )
        async with worker:
            print("ready", flush=True)
            while True:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line or line.strip() == "stop":
                    return
                gc.collect()
                await asyncio.sleep(0.5)
                print(b.rss_bytes(), flush=True)


class WorkerProcess:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def read(self) -> str:
        assert self.proc.stdout is not None
        return (await self.proc.stdout.readline()).decode().strip()

    async def rss(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"rss\n")
        await self.proc.stdin.drain()
        return int(await self.read())

    async def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"stop\n")
        await self.proc.stdin.drain()
        await self.proc.wait()


async def _flavour(
    flavour: str, client: Client, target: str, spec: BareInput, n: int, kind: str = "case"
) -> float:
    task_queue = b.unique(f"bench-mem-{flavour}")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.memory",
        "--serve",
        target,
        task_queue,
        flavour,
        str(n + WARM_UP + 50),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    worker = WorkerProcess(proc)
    try:
        assert await worker.read() == "ready"

        query = "ipr_view" if flavour == "real" and kind == "ipr" else "case_view"

        def lifecycle(i: int) -> Any:
            if flavour == "real" and kind == "ipr":
                return b.ipr_lifecycle(client, task_queue, b.unique(f"IPRMEM{i}"))
            if flavour == "real":
                return real_lifecycle(client, task_queue, b.unique(f"MEM{i}"))
            return bare_lifecycle(client, task_queue, b.unique(f"bare-MEM{i}"), spec)

        warm = await b.gather_limited(WARM_UP, WARM_UP, lifecycle)
        for handle in warm:
            await handle.query(query)
        before = await worker.rss()
        handles = await b.gather_limited(n, 10, lifecycle)
        await b.gather_limited(n, 10, lambda i: handles[i].query(query))
        after = await worker.rss()
        return (after - before) / n / 1024
    finally:
        await worker.stop()


async def main(args: argparse.Namespace) -> None:
    b.quiet()
    print(f"machine: {b.machine()}")
    results: dict[str, list[float]] = {"real": [], "bare": []}
    with tempfile.TemporaryDirectory() as tmp:
        env = await b.start_server()
        async with env:
            life_spec, _ = await matched_specs(env.client, Path(tmp))
            target = env.client.service_client.config.target_host
            for r in range(args.rounds):
                order = ["real", "bare"] if r % 2 == 0 else ["bare", "real"]
                for flavour in order:
                    results[flavour].append(
                        await _flavour(
                            flavour, env.client, target, life_spec, args.cases, args.workflow
                        )
                    )
                print(f"  round {r + 1} done", flush=True)
    what = "IPR (real) / case (bare)" if args.workflow == "ipr" else "case"
    print(
        f"\nWorker memory per cached {what} (RSS delta / cases, {args.cases} "
        f"lifecycles cached), {args.rounds} rounds"
    )
    b.print_ratio(
        f"KB per cached {'IPR' if args.workflow == 'ipr' else 'case'}",
        results["real"],
        results["bare"],
        "KB",
        ".0f",
    )
    print("  target (issue 12): <= 1.3x bare")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        asyncio.run(serve(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
        sys.exit(0)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cases", type=int, default=300)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workflow", choices=["case", "ipr"], default="case")
    asyncio.run(main(p.parse_args()))
