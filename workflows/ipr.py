"""IPR: one Internal Process Review, from referral to closure (docs/rules.md#ipr).

Thin shell around domain.ipr: each command is an update whose validator runs
`decide`, so a refused one never reaches history. Screening decides the criteria;
not met, an activity writes the referrer's feedback and shares the case with the
ACSSL list and the IPR closes as not accepted. Agreed activities run as children
(`AgreedActivity`). The read model gets an anonymised projection after each change.

Only the entry points live in this module: the sandbox re-imports it for every
workflow it runs, so whatever is here is compiled and held once per cached IPR.
What they do is in workflows/ipr_core.py, passed through (once per worker).
"""

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.ipr.model import JournalEntry
    from workflows.ids import ipr_workflow_id as ipr_workflow_id
    from workflows.ipr_core import IPRCore
    from workflows.ipr_core import IprOutcome as IprOutcome


@workflow.defn(name="IPR")
class IPR(IPRCore):
    @workflow.init
    def __init__(self, raw: Any) -> None:
        self._setup(raw)

    @workflow.run
    async def run(self, raw: Any) -> IprOutcome:
        return await self._run()

    @workflow.signal(name="activity_progress")
    def activity_progress(self, raw: Any) -> None:
        """From one of this IPR's AgreedActivity children. A signal cannot be refused:
        a malformed or unexpected one is logged and dropped."""
        self._on_activity_progress(raw)

    @workflow.query(name="ipr_view")
    def ipr_view(self) -> dict[str, Any]:
        """The review's state with its journal (the JSON of an IprState as it was
        when the journal was part of it)."""
        return self._view()

    @workflow.query(name="journal")
    def journal(self) -> list[JournalEntry]:
        return self._served_journal()
