"""Many open cases with pending timers on one dev server (with its SQLite store) and
one worker: start rate, memory, store size, and whether every timer fires.

    .venv/bin/python -m bench.scale [--cases 10000] [--due-minutes 3] [--no-bare]

Each case opens by update-with-start carrying a call-back due `--due-minutes` after
its own start (as starter.py would send `request_call_back` first): one timer per case.
When it fires the case escalates the call-back and upserts `Escalated = true`; the
bench counts `Escalated = true` cases through visibility until all `--cases` are
there (or `--wait-minutes` pass) and prints how long that took. Then, on the same
server and worker process, as many bare workflows (bench/bare.py) open the same way
with one timer as long, for the start rate ratio. One worker as worker.py builds it
(SDK default cache of 1,000 workflows: beyond that, cases are evicted and replayed
when their timer fires). Memory from /proc: the worker is this process (the client
too); the server is the `temporal` child process. Store size: the --db-filename file
(with its -wal and -shm).
"""

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client

from bench import common as b
from bench.bare import BareInput

MB = 1024 * 1024


def store_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def memory(db: Path) -> str:
    server = b.child_pids("temporal")
    server_rss = sum(b.rss_bytes(p) for p in server)
    return (
        f"worker+client RSS {b.rss_bytes() / MB:.0f} MB, server RSS {server_rss / MB:.0f} MB, "
        f"store {store_bytes(db) / MB:.1f} MB"
    )


WARM_UP = 5


async def start_all(client: Client, n: int, conc: int, make: object) -> float:
    """Start rate of n, after WARM_UP untimed starts (sandbox, connections)."""
    for i in range(WARM_UP):
        await make(n + i)  # type: ignore[operator]
    began = time.perf_counter()
    done = 0

    async def one(i: int) -> None:
        nonlocal done
        await make(i)  # type: ignore[operator]
        done += 1
        if done % max(n // 10, 1) == 0:
            print(f"    {done} started, {done / (time.perf_counter() - began):.1f}/s", flush=True)

    await b.gather_limited(n, conc, one)
    return n / (time.perf_counter() - began)


async def escalated(client: Client, run: str) -> int:
    count = await client.count_workflows(
        f"WorkflowType = 'UCCase' AND Escalated = true AND TaskQueue = '{run}'"
    )
    return count.count


async def main(args: argparse.Namespace) -> None:
    b.quiet()
    print(f"machine: {b.machine()}")
    due = timedelta(minutes=args.due_minutes)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "temporal.db"
        env = await b.start_server(db_file=db)
        async with env:
            client = env.client
            print(f"  empty: {memory(db)}")
            task_queue = b.unique("bench-scale")
            async with b.real_worker(client, task_queue, Path(tmp)):
                t0 = time.perf_counter()
                rate = await start_all(
                    client,
                    args.cases,
                    args.concurrency,
                    lambda i: b.open_case(
                        client, task_queue, b.unique(f"SC{i}"), b.call_back(b.now() + due)
                    ),
                )
                started = time.perf_counter()
                print(f"  {args.cases} cases started at {rate:.1f}/s; {memory(db)}", flush=True)
                last = 0
                deadline = started + args.wait_minutes * 60
                while time.perf_counter() < deadline:
                    count = await escalated(client, task_queue)
                    if count != last:
                        print(
                            f"    {count} escalated, {time.perf_counter() - started:.0f} s "
                            f"after the last start",
                            flush=True,
                        )
                        last = count
                    if count >= args.cases + WARM_UP:
                        break
                    await asyncio.sleep(5)
                all_fired = time.perf_counter()
                print(f"  after the timers: {memory(db)}")
            bare_rate = None
            if not args.no_bare:
                bare_queue = b.unique("bench-scale-bare")
                spec = BareInput(timers=[due.total_seconds()])
                async with b.bare_worker(client, bare_queue):
                    bare_rate = await start_all(
                        client,
                        args.cases,
                        args.concurrency,
                        lambda i: b.open_bare(
                            client,
                            bare_queue,
                            b.unique(f"bare-SC{i}"),
                            spec,
                            b.call_back(b.now() + due),
                        ),
                    )
                print(f"  {args.cases} bare started at {bare_rate:.1f}/s; {memory(db)}")
    print(
        f"\nScale: {args.cases} (+{WARM_UP} warm-up) open cases, one call-back timer each, "
        "one worker, SQLite store"
    )
    print(f"  start rate       {rate:.1f} cases/s ({started - t0:.0f} s)")
    if bare_rate is not None:
        print(f"  bare start rate  {bare_rate:.1f}/s   real/bare {rate / bare_rate:.2f}x")
    expected = args.cases + WARM_UP
    ok = "every timer fired" if last >= expected else f"ONLY {last} of {expected} fired"
    print(
        f"  timers: {ok}; all escalated {all_fired - started:.0f} s after the last start "
        f"(the last call-back was due {due.total_seconds():.0f} s after it), "
        f"{all_fired - t0:.0f} s after the first"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--due-minutes", type=float, default=3.0)
    p.add_argument("--wait-minutes", type=float, default=30.0)
    p.add_argument("--no-bare", action="store_true")
    asyncio.run(main(p.parse_args()))
