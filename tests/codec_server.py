"""The codec server in-process on a free loopback port, for tests that drive the
real `temporal` CLI through it."""

import asyncio
import base64
import binascii
import json
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress

from aiohttp import web
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from infra.codec_server import make_app
from infra.keystore import KeyStore
from tools.devserver import binary


@asynccontextmanager
async def codec_server(store: KeyStore, engine: Engine) -> AsyncIterator[str]:
    """Serves until the block ends; yields its endpoint (http://127.0.0.1:<port>)."""
    runner = web.AppRunner(make_app(store, ("http://localhost:8233",), engine))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def temporal_cli(
    env: WorkflowEnvironment,
    *args: str,
    codec: str | None = None,
    auth: str | None = None,
    timeout: float = 60,
) -> tuple[int, str, str]:
    """Runs the CLI against ``env`` (through the codec server when given); returns
    exit code, stdout and stderr. Async: a worker on this event loop keeps polling
    and the in-process codec server keeps answering while it runs."""
    address = env.client.service_client.config.target_host
    extra: Sequence[str] = ()
    if codec:
        extra = ("--codec-endpoint", codec, *(("--codec-auth", auth) if auth else ()))
    proc = await asyncio.create_subprocess_exec(
        binary("temporal"),
        *args,
        "--address",
        address,
        *extra,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        # Only the flags given here reach the codec server, never the caller's own.
        env={k: v for k, v in os.environ.items() if not k.startswith("TEMPORAL_CODEC")},
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout=timeout)
    assert proc.returncode is not None
    return proc.returncode, stdout.decode(), stderr.decode()


def unique_ref(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def readable(output: str) -> str:
    """CLI JSON output with every payload's data decoded from base64 next to it:
    what anyone holding the output can read."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, str):
                with suppress(binascii.Error, ValueError):
                    found.append(base64.b64decode(data, validate=True).decode(errors="replace"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    with suppress(ValueError):
        walk(json.loads(output))
    return "\n".join([output, *found])
