import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from worker import build_worker


@pytest.fixture(scope="session")
async def dev_worker(
    dev_env: WorkflowEnvironment, engine: Engine, files: Path
) -> AsyncIterator[str]:
    task_queue = f"it-{uuid.uuid4()}"
    async with build_worker(dev_env.client, task_queue, engine, files=files):
        yield task_queue
