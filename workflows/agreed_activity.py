"""AgreedActivity: one activity the IPRG agreed, a child of IPR (id
`ipr-<reference>-activity-<n>`). A reminder before its due date, an escalation to the
IPRG once overdue, repeated (weekly by default) until the owner's assurance is
recorded with its evidence. Tells the IPR each step.

Only the entry points live in this module (the sandbox re-imports it for every
workflow it runs); what they do is in workflows/agreed_activity_core.py, passed
through (once per worker)."""

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.ipr import activity as act
    from workflows.agreed_activity_core import CAN_SETTLES_FIRST as CAN_SETTLES_FIRST
    from workflows.agreed_activity_core import COMMANDS as COMMANDS
    from workflows.agreed_activity_core import AgreedActivityCore


@workflow.defn(name="AgreedActivity")
class AgreedActivity(AgreedActivityCore):
    @workflow.init
    def __init__(self, raw: Any) -> None:
        self._setup(raw)

    @workflow.run
    async def run(self, raw: Any) -> str:
        return await self._run()

    @workflow.query(name="activity_view")
    def activity_view(self) -> act.ActivityState:
        return self._state
