"""Session-scoped servers, one per kind, started from the installed binaries
(the SDK's own download fails offline) and stopped at the end of the session."""

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from activities.db import make_engine, migrate
from infra import keys
from infra.codec import encrypting_converter
from infra.keystore import KeyStore
from tests.postgres import postgres_server
from tools.devserver import binary, register_search_attributes
from worker import build_worker
from workflows.search_attributes import ALL_KEYS

# One key ring for the session, in a private temporary folder; subprocesses
# (worker.py, starter.py) inherit it through the environment.
_KEYS = Path(tempfile.mkdtemp(prefix="casework-keys-"))
atexit.register(shutil.rmtree, _KEYS, ignore_errors=True)
os.environ["CASEWORK_KEY_FILE"] = str(_KEYS / "casework-keys.json")
keys.ensure(Path(os.environ["CASEWORK_KEY_FILE"]))
# worker.py subprocesses serve no metrics unless a test gives them a port of its own
# (tests/integration/test_metrics.py): the default port is the host's, not the test's.
os.environ.setdefault("CASEWORK_METRICS_PORT", "0")
# ... and leave the session server's Temporal Schedules alone, unless a test asks
# (tests/integration/test_schedules.py): they are the namespace's, not one test's.
os.environ.setdefault("CASEWORK_SCHEDULES", "off")
# ... and render forms as the demo does: the session's workers print the demo's
# placeholder landlord (domain/policy.py), marked "DEMO — not for submission"; the
# refusal outside the demo is tested with the flag given (tests/domain/test_form_content.py).
os.environ.setdefault("CASEWORK_DEMO", "1")


@pytest.fixture(scope="session")
def key_store(engine: Engine) -> KeyStore:
    return KeyStore(engine, keys.load(_KEYS))


@pytest.fixture(scope="session")
def converter(key_store: KeyStore) -> DataConverter:
    """Every test client and worker encrypts, as in production (infra/codec.py)."""
    return encrypting_converter(key_store)


@pytest.fixture(scope="session", autouse=True)
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The session's read model; subprocesses inherit it, as they must share its
    data keys with the session's clients and workers."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'casework.db'}"
    migrate(url)
    os.environ["DATABASE_URL"] = url
    return url


@pytest.fixture(scope="session")
def postgres() -> Iterator[Callable[[], str] | None]:
    """Makes an empty PostgreSQL database per call (None: no PostgreSQL here)."""
    with postgres_server() as fresh_database:
        yield fresh_database


@pytest.fixture
def postgres_url(postgres: Callable[[], str] | None) -> str:
    """An empty PostgreSQL database of the test's own."""
    if postgres is None:
        pytest.skip("no PostgreSQL server binaries here and no TEST_DATABASE_URL")
    return postgres()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh read model of the test's own, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'read-model.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    migrate(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
async def ts_env(converter: DataConverter) -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"),
        data_converter=converter,
    )
    await register_search_attributes(env.client)
    async with env:
        yield env


@pytest.fixture(scope="session")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's workers keep generated forms and the outbox."""
    return tmp_path_factory.mktemp("files")


@pytest.fixture(scope="session")
async def ts_worker(ts_env: WorkflowEnvironment, engine: Engine, files: Path) -> AsyncIterator[str]:
    """A worker on the time-skipping server for the whole session; yields its task queue."""
    task_queue = f"tq-{uuid.uuid4()}"
    async with build_worker(ts_env.client, task_queue, engine, files=files):
        yield task_queue


@pytest.fixture(scope="session")
async def dev_env(
    tmp_path_factory: pytest.TempPathFactory, converter: DataConverter
) -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"),
        data_converter=converter,
        search_attributes=ALL_KEYS,
        ui=False,
    )
    async with env:
        yield env


@pytest.fixture(scope="session")
async def dev_worker(
    dev_env: WorkflowEnvironment, engine: Engine, files: Path
) -> AsyncIterator[str]:
    """A worker on the real dev server for the whole session; yields its task queue."""
    task_queue = f"it-{uuid.uuid4()}"
    async with build_worker(dev_env.client, task_queue, engine, files=files):
        yield task_queue


@pytest.fixture
def client(ts_env: WorkflowEnvironment) -> Client:
    return ts_env.client


HISTORIES = Path(__file__).parent / "histories"
