"""Files and folders readable by their owner only: forms, submissions, letters, logs and
the read model hold people's personal data. The entry points set a umask of 077 too;
these explicit modes keep library use (tests, scripts, another host) just as safe."""

import contextlib
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """`mkdir -p` in which every folder it creates is 0700 (Path.mkdir gives the
    parents it creates the default mode). Folders already there are left as they are."""
    missing: list[Path] = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # made by a racing attempt
            if not folder.is_dir():
                raise
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty and 0600 unless it exists (so a library that opens it
    afterwards, SQLite for one, never creates it with its own mode).

    A file already there is not opened at all: closing any descriptor of a file drops
    every POSIX lock this process holds on it, and SQLite's connections in this process
    would lose theirs. Another process could then take the database for its only user
    and rebuild the WAL index under them: committed writes lost (a second engine made
    while the first was connected did exactly that: tests/integration/test_durability.py)."""
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    return path


def write_private(path: Path, content: bytes) -> None:
    """Write `path` (replacing what it held); a file this creates is 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        f.write(content)
