"""File stores for tests: the real FileStore over a real SQLite read model of the
test's own (or a given engine), sealing with the session's key ring; and reading back
what an activity recorded (a `casework-files:` locator) as a test would a path."""

import os
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from activities.db import FileEntryRecord, make_engine, migrate
from activities.files.blobs import Blobs
from activities.files.store import FileStore
from infra import keys
from infra.keystore import KeyStore

_STORES: dict[Path, FileStore] = {}
_ORDER: list[FileStore] = []


def key_store(engine: Engine) -> KeyStore:
    """The session's key ring (CASEWORK_KEY_FILE, set in tests/conftest.py)."""
    return KeyStore(engine, keys.load(Path(os.environ["CASEWORK_KEY_FILE"]).parent))


def store_for(engine: Engine, blobs: Blobs | None = None) -> FileStore:
    store = FileStore(engine, key_store(engine), blobs)
    _ORDER.append(store)
    return store


def store_in(folder: Path) -> FileStore:
    """The store of a read model at `folder`/files.db: the same store for the same folder."""
    folder = folder.resolve()
    if folder not in _STORES:
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / 'files.db'}"
        migrate(url)
        _STORES[folder] = store_for(make_engine(url))
    return _STORES[folder]


def parse_locator(locator: str) -> tuple[str, str, str]:
    """(kind, owner, name) of "casework-files:<kind>/<owner>/<name>"."""
    scheme, _, rest = locator.partition(":")
    assert scheme == "casework-files", locator
    kind, _, tail = rest.partition("/")
    owner, _, name = tail.rpartition("/")
    return kind, owner, name


def stored_bytes(locator: str, store: FileStore | None = None) -> bytes:
    """What a locator names, from `store` or the newest test store that holds it."""
    _, owner, name = parse_locator(locator)
    for candidate in [store] if store else reversed(_ORDER):
        content = candidate.get(owner, name)
        if content is not None:
            return content
    raise AssertionError(f"{locator} is in no test store")


def count_entries(engine: Engine, pattern: str = "%", owner: str | None = None) -> int:
    """Index entries whose name is LIKE `pattern` (in `owner` if given)."""
    query = (
        select(func.count()).select_from(FileEntryRecord).where(FileEntryRecord.name.like(pattern))
    )
    if owner is not None:
        query = query.where(FileEntryRecord.owner == owner)
    with Session(engine) as session:
        return int(session.scalar(query) or 0)
