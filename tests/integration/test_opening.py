"""Queries answer from a case's first moment: it never waits on a policy to load."""

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine
from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from backoffice.cases import open_case
from domain.case.view import CaseView
from domain.policy import CasePolicy
from tests.factories import opening
from worker import WORKFLOWS, activities_for


@activity.defn(name="load_policy")
def slow_policy() -> CasePolicy:
    """A policy source that takes its time (a slow disk, a retry): a case whose input
    brings its policy never waits for it."""
    time.sleep(3)
    return CasePolicy()


async def test_queries_answer_from_the_first_moment(
    dev_env: WorkflowEnvironment, engine: Engine
) -> None:
    # Its own worker, on the dev server: a worker that stops on the shared
    # time-skipping server would hold that server's clock for every later test.
    client = dev_env.client
    task_queue = f"slow-policy-{uuid.uuid4()}"
    activities = [a for a in activities_for(engine) if a.__name__ != "load_policy"]
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[*activities, slow_policy],
        activity_executor=ThreadPoolExecutor(max_workers=4),
    ):
        handle = (await open_case(client, task_queue, opening(f"Q-{uuid.uuid4().hex[:10]}"))).handle
        try:
            view = await asyncio.wait_for(handle.query("case_view", result_type=CaseView), 1.5)
            assert view.version == 1 and view.stage == "logged"
        finally:
            await handle.terminate("test over")
