"""ManagedMigration: a child of UCCase from the migration notice to the end of
transitional protection. Its deadlines are durable timers (one armed at a time);
what the case must know goes to it as `migration_progress` signals.

Only the entry points live in this module (the sandbox re-imports it for every
workflow it runs); what they do is in workflows/managed_migration_core.py, passed
through (once per worker)."""

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.migration.model import MigrationState
    from workflows.contracts import MigrationOutcome
    from workflows.managed_migration_core import ManagedMigrationCore
    from workflows.managed_migration_core import search_attributes as search_attributes


@workflow.defn(name="ManagedMigration")
class ManagedMigration(ManagedMigrationCore):
    @workflow.init
    def __init__(self, raw: Any) -> None:
        self._setup(raw)

    @workflow.run
    async def run(self, raw: Any) -> MigrationOutcome:
        return await self._run()

    @workflow.signal(name="stop")
    def stop(self, raw: Any) -> None:
        """From the case, when the resident's death is recorded: the migration ends,
        its reminders with it. A signal cannot be refused: a bad one is logged."""
        self._on_stop(raw)

    @workflow.query(name="migration_view")
    def migration_view(self) -> MigrationState:
        return self._state
