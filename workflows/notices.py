"""How a child workflow tells its parent what the parent must know: one signal per
notice, in order, each carrying the secret the parent gave the child. A parent that
has gone (completed, terminated) does not stop the child, which keeps its own record.

Shared by ManagedMigration and PaymentArrangement (to their case) and AgreedActivity
(to its IPR). Each notice is billed twice (sent and received); each child says why
its notices are needed where it builds them. They are sent one at a time, as
histories recorded so far expect: sending them together would be a new command
order, needing a patch on every child, whose marker costs a billable upsert of its
own (docs/patches.md), more than it would save.
"""

from collections.abc import Iterable
from typing import Any

from temporalio import workflow


async def tell_parent(
    parent_workflow_id: str,
    signal: str,
    notices: Iterable[tuple[str, dict[str, Any]]],
    secret: str | None,
    parent: str = "case",
) -> None:
    """Send each `(kind, payload)` of `notices` as `signal` to the parent. `notices`
    may be a generator: each payload is then built just before it is sent, from the
    state as it stands then."""
    handle = workflow.get_external_workflow_handle(parent_workflow_id)
    for kind, payload in notices:
        if secret is not None:
            payload["notice_secret"] = secret
        try:
            await handle.signal(signal, payload)
        except Exception as error:  # the parent has gone: the child carries on
            workflow.logger.warning(
                f"{parent} unreachable", extra={"notice": kind, "error": type(error).__name__}
            )
