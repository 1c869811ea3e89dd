"""The matched bare workflow: no domain code. It accepts any update (the same names
and payloads as the real case), runs one trivial activity per update, and arms the
timers its input lists (the real workflow's count and delays), so the engine's own
cost is measured with nothing of ours on top. Kept in a module of its own with no
imports but the SDK, as the sandbox re-imports a workflow's module on every run."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RawValue


@dataclass
class BareInput:
    timers: list[float] = field(default_factory=list)  # seconds, armed at the start
    close_after: int = 0  # updates after which the workflow completes (0: never)


@activity.defn(name="bare_activity")
def bare_activity(payload: Any) -> None:
    """Sync, like the real projection: it runs on the same kind of thread pool."""
    return None


@workflow.defn(name="BareCase")
class BareCase:
    @workflow.init
    def __init__(self, spec: BareInput) -> None:
        self._updates = 0
        self._timers = [
            asyncio.create_task(workflow.sleep(timedelta(seconds=s))) for s in spec.timers
        ]

    @workflow.run
    async def run(self, spec: BareInput) -> int:
        close = spec.close_after
        await workflow.wait_condition(lambda: bool(close) and self._updates >= close)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._updates

    @workflow.update(dynamic=True)
    async def command(self, name: str, args: Sequence[RawValue]) -> dict[str, Any]:
        await workflow.execute_activity(
            "bare_activity",
            args[0] if args else None,
            start_to_close_timeout=timedelta(seconds=30),
        )
        self._updates += 1
        return {"accepted": True}

    @workflow.query(name="case_view")
    def view(self) -> int:
        return self._updates
