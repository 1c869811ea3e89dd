"""starter.py's file-store commands (docs/files.md), and the store a back-office
command reads: the one every worker writes, through the read-model database
(DATABASE_URL) and, with CASEWORK_FILE_STORE=s3, the bucket. Never a local folder.

    python starter.py files import --from .data [--json]

Imports are lazy: starter.py builds its parser from this module on every call."""

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backoffice.inputs import BadInput

if TYPE_CHECKING:
    from activities.files.store import FileStore
    from infra.config import Settings

COMMANDS = ("files",)


def shared_store(settings: "Settings") -> "FileStore":
    """The shared file store, with the data keys that seal it (the key ring from
    CASEWORK_KEYS or CASEWORK_KEY_FILE). The schema is brought up to date first."""
    from activities.db import ensure_schema, make_engine
    from infra import keys
    from infra.file_store import FileStoreConfigError, open_file_store
    from infra.keystore import KeyStore

    ensure_schema(settings.database_url)
    engine = make_engine(settings.database_url)
    store = KeyStore(engine, keys.load(settings.data_dir), ttl=settings.key_cache_seconds)
    try:
        return open_file_store(engine, store)
    except FileStoreConfigError as error:
        raise BadInput(str(error)) from None


def add_parsers(sub: Any) -> None:
    f = sub.add_parser("files", help="the shared file store: import files from a worker's disk")
    f.add_argument("action", choices=("import",))
    f.add_argument(
        "--from",
        dest="source",
        required=True,
        help="a worker's data folder from before the shared store (e.g. .data)",
    )
    f.add_argument("--json", action="store_true", help="print what was done as JSON")


async def run_files(args: argparse.Namespace) -> int:
    """0: everything found is in the store (imported now or before); 1: some files
    could not be imported (each is named, with why); 2: bad input (no such folder, a
    bad file-store setting)."""
    from backoffice.file_import import import_files
    from backoffice.render import err, out
    from infra.config import Settings

    source = Path(args.source)
    if not source.is_dir():
        raise BadInput(f"--from: {source} is not a folder")
    store = shared_store(Settings())
    report = import_files(store, source)
    if args.json:
        print(json.dumps(report.as_dict() | {"backend": store.backend}, indent=2))
    else:
        for line in report.imported:
            out.print(f"imported\t{line}", highlight=False, markup=False)
        for line in report.refused:
            err.print(f"refused\t{line}", highlight=False, markup=False)
        out.print(
            f"{len(report.imported)} imported, {len(report.skipped)} already in the store, "
            f"{len(report.refused)} refused ({store.backend} store)",
            highlight=False,
        )
    return 1 if report.refused else 0
