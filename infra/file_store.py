"""Which backend holds the file store's blobs, from the environment (docs/files.md):

    CASEWORK_FILE_STORE       database (default: the read-model database) or s3
    CASEWORK_S3_BUCKET        the bucket (required with s3)
    CASEWORK_S3_PREFIX        a key prefix inside it (default: none)
    CASEWORK_S3_ENDPOINT_URL  an S3-compatible server instead of AWS (MinIO, Ceph, moto)

Credentials and region come from the standard AWS_* variables, profiles or roles. The
index stays in the read-model database with either backend."""

import os

from sqlalchemy import Engine

from activities.files.blobs import Blobs, DatabaseBlobs
from activities.files.sealing import DataKeys
from activities.files.store import FileStore

BACKENDS = ("database", "s3")


class FileStoreConfigError(ValueError):
    """A file-store variable that cannot work; the message names it."""


def blobs_from_env(engine: Engine, env: dict[str, str] | None = None) -> Blobs:
    env = dict(os.environ) if env is None else env
    backend = env.get("CASEWORK_FILE_STORE", "").strip() or "database"
    if backend == "database":
        return DatabaseBlobs(engine)
    if backend != "s3":
        raise FileStoreConfigError(
            f"CASEWORK_FILE_STORE: must be one of {', '.join(BACKENDS)}; not {backend!r}"
        )
    bucket = env.get("CASEWORK_S3_BUCKET", "").strip()
    if not bucket:
        raise FileStoreConfigError("CASEWORK_S3_BUCKET: required with CASEWORK_FILE_STORE=s3")
    from activities.files.s3 import S3Blobs

    return S3Blobs(
        bucket,
        prefix=env.get("CASEWORK_S3_PREFIX", "").strip(),
        endpoint_url=env.get("CASEWORK_S3_ENDPOINT_URL", "").strip() or None,
    )


def open_file_store(engine: Engine, keys: DataKeys, env: dict[str, str] | None = None) -> FileStore:
    """The configured store over the read-model database `engine` (its index, and its
    blobs unless CASEWORK_FILE_STORE=s3), sealing with `keys` (infra/keystore.py)."""
    return FileStore(engine, keys, blobs_from_env(engine, env))
