"""starter.py as its own __main__, with the race behind exit 134 made likely.

Temporal's core resolves each RPC's Python future from one of its own threads, which
wakes the event loop from inside Python. Here such a thread is held there for
SLOW_WAKE_SECONDS after waking the loop, as a busy machine may deschedule it: the
command finishes meanwhile. An interpreter finalized under that thread aborts
("PyGILState_Release: thread state ... must be current when releasing", exit 134)
or segfaults; starter.py must exit with its own status all the same."""

import asyncio.selector_events
import os
import runpy
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
_wake = asyncio.selector_events.BaseSelectorEventLoop._write_to_self


def _slow_wake(loop: Any) -> None:
    _wake(loop)
    # Threads Python did not start (Temporal core's) show as "Dummy-N".
    if threading.current_thread().name.startswith("Dummy"):
        time.sleep(float(os.environ.get("SLOW_WAKE_SECONDS", "0.1")))


asyncio.selector_events.BaseSelectorEventLoop._write_to_self = _slow_wake  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.argv = [str(ROOT / "starter.py"), *sys.argv[1:]]
    runpy.run_path(str(ROOT / "starter.py"), run_name="__main__")
