"""What starter.py says and how it exits when a command does not succeed.

Exit status (README, "starter.py"): 0 done; 1 refused (by the case, the review, the
server, or not found, completed, erased); 2 bad input, nothing sent; 3 Temporal did not
answer: the command may or may not have been applied, so send it again with the same
--request-id; 4 an internal error (a bug: the traceback is printed); 5 (`import` only)
some rows were bad, the others started (backoffice/exit_codes.py)."""

import argparse
import asyncio

from rich.markup import escape
from temporalio.client import (
    RPCTimeoutOrCancelledError,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from backoffice.exit_codes import BAD_INPUT, NO_ANSWER, REFUSED
from backoffice.inputs import BadInput
from backoffice.privacy_cli import PrivacyBadInput
from backoffice.render import bad_input, bad_input_line, err, refused
from infra.config import connect
from infra.keys import KeyRingError
from infra.keystore import SubjectErased
from workflows.ids import case_workflow_id, ipr_workflow_id

_NO_ANSWER = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)


def exit_status(args: argparse.Namespace, error: Exception) -> int | None:
    """The exit status for a command that raised `error`, its message printed; None
    for an error that is a bug (the caller lets it go: its traceback is printed)."""
    if isinstance(error, (BadInput, PrivacyBadInput, KeyRingError)):
        # `list`'s options (--stage, --status, --query) each fail in one sentence: one
        # line, as a script reading stderr wants it.
        (bad_input_line if args.cmd == "list" else bad_input)(error)
        return BAD_INPUT
    if isinstance(error, SubjectErased):
        err.print(f"[red]erased[/red]: {error}", highlight=False)
        return REFUSED
    if isinstance(error, WorkflowUpdateFailedError):
        return refused(getattr(error.cause, "message", error.cause))
    if isinstance(error, WorkflowQueryFailedError):
        return refused(error.message)
    if isinstance(error, (WorkflowUpdateRPCTimeoutOrCancelledError, RPCTimeoutOrCancelledError)):
        return no_answer("no answer in time")
    if isinstance(error, RPCError):
        if error.status == RPCStatusCode.NOT_FOUND:
            return _not_found(args, error)
        if error.status in _NO_ANSWER:
            return no_answer(error.message)
        if error.status == RPCStatusCode.INVALID_ARGUMENT and args.cmd == "list":
            # The visibility query the server could not take: one line naming the option.
            bad_input_line(f"--query: the server cannot run it: {error.message}")
            return BAD_INPUT
        return refused(f"the server refused it ({error.status.name}): {error.message}")
    if isinstance(error, RuntimeError) and "Failed client connect" in str(error):
        err.print(f"[red]cannot reach Temporal[/red]: {escape(str(error))}", highlight=False)
        return NO_ANSWER
    return None


def no_answer(why: str) -> int:
    err.print(
        f"[red]no answer from Temporal[/red]: {why}; the command may or may not have been "
        "applied: send it again with the same --request-id",
        highlight=False,
    )
    return NO_ANSWER


def _target(args: argparse.Namespace) -> tuple[str, str] | None:
    """What the command addressed: (what, workflow id), or None."""
    if args.cmd in ("send", "show", "form"):
        return "case", case_workflow_id(args.ref)
    if args.cmd in ("ipr-send", "ipr-show"):
        return "IPR", ipr_workflow_id(args.reference)
    if args.cmd == "arrangement":
        return "payment arrangement", args.arrangement_id
    if args.cmd == "ipr-activity":
        return "agreed activity", args.activity_id
    return None


_CLOSED = {
    WorkflowExecutionStatus.COMPLETED: "completed",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.TERMINATED: "terminated",
    WorkflowExecutionStatus.CANCELED: "cancelled",
    WorkflowExecutionStatus.TIMED_OUT: "timed out",
}


async def _closed_as(workflow_id: str) -> str:
    """How a workflow the server calls completed ended: completed, failed, terminated..."""
    try:
        status = (await (await connect()).get_workflow_handle(workflow_id).describe()).status
    except Exception:  # only to word the message: the refusal stands either way
        return "ended"
    return _CLOSED.get(status, "ended") if status is not None else "ended"


def _not_found(args: argparse.Namespace, error: RPCError) -> int:
    target = _target(args)
    if target is not None and "already completed" in error.message:
        # A command to a workflow that has finished: say so, not "not found".
        what, workflow_id = target
        closed = asyncio.run(_closed_as(workflow_id))
        err.print(
            f"[red]{closed}[/red]: {what} {workflow_id} has {closed} and takes no more "
            "commands; nothing was applied (workflow execution already completed)",
            highlight=False,
        )
        return 1
    ref = getattr(args, "ref", None)
    reference = getattr(args, "reference", None)
    what = f"no case {case_workflow_id(ref)} on the server" if ref else error.message
    if reference:
        what = f"no IPR {ipr_workflow_id(reference)} on the server"
    err.print(f"[red]not found[/red]: {what}", highlight=False)
    return 1
