"""UCCase: one durable record per tenancy, from logging to closure.

Thin shell around domain.case: each command is an update whose validator runs
`decide`, so a refused command never reaches history; accepted events are
applied with `evolve`, projected to SQL by an activity, and reflected in
search attributes. The only timer is the case's next deadline.

Only the entry points live in this module: the sandbox re-imports it for every
workflow it runs, so whatever is here is compiled and held once per cached case.
What they do is in workflows/uc_case_core.py, passed through (once per worker).
"""

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.case.model import JournalEntry
    from domain.case.view import CaseView, view_of
    from workflows.contracts import CaseOutcome
    from workflows.ids import case_workflow_id as case_workflow_id
    from workflows.uc_case_core import OPENS_IN_INIT as OPENS_IN_INIT
    from workflows.uc_case_core import UCCaseCore


@workflow.defn(name="UCCase")
class UCCase(UCCaseCore):
    # The input and every command arrive as plain JSON and are parsed in `_setup`,
    # so a malformed payload is refused naming its field instead of failing the task.
    @workflow.init
    def __init__(self, raw: Any) -> None:
        self._setup(raw)

    @workflow.run
    async def run(self, raw: Any) -> CaseOutcome:
        return await self._run()

    @workflow.signal(name="migration_progress")
    def migration_progress(self, raw: Any) -> None:
        """From this case's ManagedMigration child: journal it, escalate or ask for outreach."""
        self._on_migration_progress(raw)

    @workflow.signal(name="arrangement_progress")
    def arrangement_progress(self, raw: Any) -> None:
        """From one of this case's PaymentArrangement children."""
        self._on_arrangement_progress(raw)

    @workflow.query(name="case_view")
    def case_view(self) -> CaseView:
        return view_of(self.state, workflow.now(), len(self._served_journal()))

    @workflow.query(name="journal")
    def journal(self) -> list[JournalEntry]:
        return self._served_journal()
