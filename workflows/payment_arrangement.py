"""PaymentArrangement: one APA, MPTL or rent arrears deduction request, a child of
UCCase. Generates its form, submits it through the outbox, then waits on durable
timers (objection window, chase, escalation, reviews) and tells the case.

Only the entry points live in this module (the sandbox re-imports it for every
workflow it runs); what they do is in workflows/payment_arrangement_core.py, passed
through (once per worker)."""

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.arrangements import lifecycle as life
    from workflows.payment_arrangement_core import COMMANDS as COMMANDS
    from workflows.payment_arrangement_core import PaymentArrangementCore


@workflow.defn(name="PaymentArrangement")
class PaymentArrangement(PaymentArrangementCore):
    @workflow.init
    def __init__(self, raw: Any) -> None:
        self._setup(raw)

    @workflow.run
    async def run(self, raw: Any) -> str:
        return await self._run()

    @workflow.query(name="arrangement_view")
    def arrangement_view(self) -> life.ArrangementState:
        return self._state

    @workflow.signal(name="stop")
    def stop(self, raw: Any) -> None:
        """From the case: the request is withdrawn or the arrangement has ended (a
        death, arrears cleared, DWP stopped it). Chases and reviews stop with it."""
        self._on_stop(raw)
