import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Processes:
    """Processes this test starts; every one is killed when it ends."""

    def __init__(self) -> None:
        self.all: list[asyncio.subprocess.Process] = []

    async def start(
        self, *cmd: str, env: dict[str, str] | None = None, log: Path
    ) -> asyncio.subprocess.Process:
        with log.open("ab") as out:
            proc = await asyncio.create_subprocess_exec(
                *cmd, cwd=ROOT, env=env, stdout=out, stderr=asyncio.subprocess.STDOUT
            )
        self.all.append(proc)
        return proc


@pytest.fixture
async def processes() -> AsyncIterator[Processes]:
    procs = Processes()
    yield procs
    for proc in procs.all:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
