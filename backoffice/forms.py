"""`starter.py form`: copy the PDF a payment arrangement submitted out of the form store."""

import argparse
from pathlib import Path

from temporalio.client import Client

from activities.files.store import FileStore
from activities.forms import FormNotStored, FormStore, StoredFormRefused
from activities.owner_only import write_private
from backoffice.files_cli import shared_store
from backoffice.inputs import BadInput
from backoffice.render import err, out, refused
from domain.case.view import CaseView
from infra.config import Settings, connect
from workflows.ids import case_workflow_id


async def download_form(
    client: Client,
    ref: str,
    number: int,
    out_path: str | None,
    pack: bool = False,
    files: FileStore | None = None,
) -> int:
    """Copy an arrangement's stored PDF (kept once, by content hash, by the worker):
    the form sent to DWP, or with `pack` the APA1 pack kept beside a UC47. Read from
    the shared file store (the read-model database, or the bucket: any host reaches
    it) by the hash the case holds, and checked against it: the path the case records
    is never opened (whoever can write workflow state could point it anywhere)."""
    view = await client.get_workflow_handle(case_workflow_id(ref)).query(
        "case_view", result_type=CaseView
    )
    if not 1 <= number <= len(view.arrangements):
        raise BadInput(f"number: case {ref} has {len(view.arrangements)} payment arrangement(s)")
    arrangement = view.arrangements[number - 1]
    field, sha = "form_sha256", arrangement.form_sha256
    if pack:
        field, sha = "pack_sha256", arrangement.pack_sha256
    if not sha:
        what = "APA1 pack" if pack else "form"
        err.print(f"{arrangement.arrangement_id} has no {what} (status {arrangement.status})")
        return 1
    forms = FormStore(files or shared_store(Settings()))
    try:
        stored = forms.read(sha, field)
    except FormNotStored as error:
        return refused(
            f"{error}; a form written on a worker's disk before the shared store is "
            "imported with `starter.py files import --from DATA_DIR`"
        )
    except StoredFormRefused as error:
        return refused(error)
    target = Path(out_path or stored.name)
    write_private(target, stored.content)
    out.print(f"{target} ({sha})")
    return 0


async def run_form(args: argparse.Namespace) -> int:
    client = await connect()
    return await download_form(client, args.ref, args.number, args.out, args.pack)
