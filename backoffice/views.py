"""`starter.py show` and `ipr-show`: a case's or an IPR's view (or journal) as JSON,
read by a query. Kept apart from the commands that open and change them, so reading
one imports only the client, the codec and the view."""

import argparse

from backoffice.render import dump
from infra.config import connect
from workflows.ids import case_workflow_id, ipr_workflow_id


async def run_show(args: argparse.Namespace) -> int:
    from domain.case.view import CaseView

    handle = (await connect()).get_workflow_handle(case_workflow_id(args.ref))
    if args.journal:
        dump(await handle.query("journal"))
    else:
        dump(await handle.query("case_view", result_type=CaseView))
    return 0


async def run_ipr_show(args: argparse.Namespace) -> int:
    from domain.ipr.model import IprState

    handle = (await connect()).get_workflow_handle(ipr_workflow_id(args.reference))
    if args.journal:
        dump(await handle.query("journal"))
    else:
        dump(await handle.query("ipr_view", result_type=IprState))
    return 0
