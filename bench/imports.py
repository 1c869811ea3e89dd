"""How long `starter.py` spends importing before it does anything.

    .venv/bin/python -m bench.imports [--rounds 3]

Runs, in a subprocess each, `python -c pass` (the interpreter alone), `python
starter.py --help` and `python starter.py show BENCH-NONE` (against a dev server this
bench starts, with a fresh data directory and key ring: the case is not found, exit
1, after every import the command needs). For each, over the
rounds: the wall time to exit, and the import time from `python -X importtime` (sum of
the cumulative time of the top-level imports, whenever they happen in the run: lazy
imports count). Printed against the 0.3 s target; no bare workflow here.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import common as b

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.3


def import_seconds(stderr: str) -> tuple[float, list[tuple[float, str]]]:
    """Total import time, and the slowest top-level imports, from -X importtime
    (`import time: self | cumulative | name`, a nested import's name indented)."""
    top: list[tuple[float, str]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|", 2)
        if not name.startswith("  "):  # one space before a top-level import's name
            top.append((int(cumulative) / 1e6, name.strip()))
    return sum(t for t, _ in top), sorted(top, reverse=True)[:5]


def run(argv: list[str], env: dict[str, str], importtime: bool) -> tuple[float, str, int]:
    cmd = [sys.executable, *(["-X", "importtime"] if importtime else []), *argv]
    began = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return time.perf_counter() - began, done.stderr, done.returncode


async def main(rounds: int) -> None:
    print(f"machine: {b.machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        server = await b.start_server()
        async with server:
            env = {
                **os.environ,
                "TEMPORAL_ADDRESS": server.client.service_client.config.target_host,
                "CASEWORK_DATA_DIR": tmp,
                "DATABASE_URL": f"sqlite:///{tmp}/casework.db",
                "PYTHONDONTWRITEBYTECODE": "",
            }
            commands = {
                "python -c pass": ["-c", "pass"],
                "starter.py --help": ["starter.py", "--help"],
                "starter.py show BENCH-NONE": ["starter.py", "show", "BENCH-NONE"],
            }
            # A key ring in the empty data directory, so `show` reaches the server.
            run(["starter.py", "keys", "init"], env, importtime=False)
            for argv in commands.values():  # warm the bytecode cache and the page cache
                run(argv, env, importtime=False)
            walls: dict[str, list[float]] = {k: [] for k in commands}
            imports: dict[str, list[float]] = {k: [] for k in commands}
            slowest: dict[str, list[tuple[float, str]]] = {}
            codes: dict[str, int] = {}
            for _ in range(rounds):
                for name, argv in commands.items():
                    wall, _, code = run(argv, env, importtime=False)
                    walls[name].append(wall)
                    codes[name] = code
                    _, stderr, _ = run(argv, env, importtime=True)
                    total, slowest[name] = import_seconds(stderr)
                    imports[name].append(total)
    print(f"\nstarter.py start-up, {rounds} rounds (median, min-max); target <= {TARGET} s imports")
    print(f"  {'command':30} {'wall to exit':>22} {'imports (-X importtime)':>26}  exit")
    for name in commands:
        w, i = walls[name], imports[name]
        print(
            f"  {name:30} {statistics.median(w):8.2f} s ({min(w):.2f}-{max(w):.2f})"
            f" {statistics.median(i):11.2f} s ({min(i):.2f}-{max(i):.2f})   {codes[name]}"
        )
    base = statistics.median(imports["python -c pass"])
    for name in list(commands)[1:]:
        own = statistics.median(imports[name]) - base
        print(
            f"  {name}: {own:.2f} s of imports beyond the interpreter's, {own / TARGET:.1f}x target"
        )
        print("    slowest top-level: " + ", ".join(f"{m} {t:.2f}s" for t, m in slowest[name]))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(p.parse_args().rounds))
