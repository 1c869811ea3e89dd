"""Making a second engine on a SQLite read model keeps the locks the first one holds.

Closing any descriptor of a file drops every POSIX lock the process holds on it; the
old `private_file` opened and closed the database file on every `make_engine`, so a
process with two engines (a client's key store and its read model, a worker after a
restart) lost its connections' locks, and another process could rebuild the WAL
index under them: committed journal entries were lost
(tests/integration/test_durability.py)."""

import os
from pathlib import Path

from sqlalchemy import text

from activities.db import make_engine


def _locks_held(path: Path) -> list[str]:
    """This process's POSIX locks on `path` (/proc/locks: "... PID MAJ:MIN:INODE ...")."""
    inode = os.stat(path).st_ino
    return [
        line
        for line in Path("/proc/locks").read_text().splitlines()
        if line.split()[4] == str(os.getpid()) and line.split()[5].endswith(f":{inode}")
    ]


def test_a_second_engine_leaves_the_first_engines_locks_in_place(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'casework.db'}"
    first = make_engine(url)
    try:
        with first.connect() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.commit()
            # In WAL mode an open connection holds a shared lock on the database file.
            held = _locks_held(tmp_path / "casework.db")
            assert held, "an open WAL connection holds a lock on the database file"
            make_engine(url).dispose()
            assert _locks_held(tmp_path / "casework.db") == held
    finally:
        first.dispose()


def test_a_new_read_model_file_is_still_made_private(tmp_path: Path) -> None:
    database = tmp_path / "folder" / "casework.db"
    make_engine(f"sqlite:///{database}").dispose()
    assert database.stat().st_mode & 0o777 == 0o600
    assert database.parent.stat().st_mode & 0o777 == 0o700
