"""Configuration from the environment, with the defaults a newcomer needs.

Temporal connection settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE) are
read by the SDK's own environment configuration.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the SDK is imported when a client or runtime is made: not to read settings
    from temporalio.client import Client
    from temporalio.converter import DataConverter
    from temporalio.runtime import Runtime

    from infra.keystore import KeyStore

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ADDRESS = "localhost:7233"


def _data_dir() -> Path:
    return Path(os.environ.get("CASEWORK_DATA_DIR", ROOT / ".data"))


@dataclass(frozen=True)
class Settings:
    task_queue: str = field(
        default_factory=lambda: os.environ.get("CASEWORK_TASK_QUEUE", "uc-casework")
    )
    database_url: str = field(
        default_factory=lambda: os.environ.get(
            "DATABASE_URL", f"sqlite:///{_data_dir() / 'casework.db'}"
        )
    )
    log_format: str = field(default_factory=lambda: os.environ.get("CASEWORK_LOG_FORMAT", "json"))
    data_dir: Path = field(default_factory=_data_dir)
    # Personal data of a closed case or IPR is kept this long (DOMAIN.md 5).
    retention_years: int = field(
        default_factory=lambda: int(os.environ.get("CASEWORK_RETENTION_YEARS", "6"))
    )
    # How long a process keeps an unwrapped data key: an erasure reaches a
    # running worker or codec server within this many seconds.
    key_cache_seconds: float = field(
        default_factory=lambda: float(os.environ.get("CASEWORK_KEY_CACHE_SECONDS", "60"))
    )

    def key_store(self) -> KeyStore:
        """The key ring (environment or key file) over the data keys in the read-model
        database, which is brought to the current schema first if it lacks the store."""
        from activities.db import ensure_schema, make_engine
        from infra import keys
        from infra.keystore import KeyStore

        ring = keys.load(self.data_dir)
        ensure_schema(self.database_url)
        return KeyStore(make_engine(self.database_url), ring, ttl=self.key_cache_seconds)

    def data_converter(self) -> DataConverter:
        from infra.codec import encrypting_converter

        return encrypting_converter(self.key_store())


def json_logging_runtime() -> Runtime:
    """A Temporal runtime whose core (Rust) log lines are forwarded into Python
    logging, so they come out as JSON lines with everything else."""
    from temporalio.runtime import (
        LogForwardingConfig,
        LoggingConfig,
        Runtime,
        TelemetryConfig,
        TelemetryFilter,
    )

    forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    logging_config = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"), forwarding=forwarding
    )
    return Runtime(telemetry=TelemetryConfig(logging=logging_config))


async def connect(
    runtime: Runtime | None = None, data_converter: DataConverter | None = None
) -> Client:
    """A client whose payloads are encrypted by the codec (infra/codec.py)."""
    from temporalio.client import Client
    from temporalio.envconfig import ClientConfig

    connect_config = ClientConfig.load_client_connect_config()
    connect_config.setdefault("target_host", DEFAULT_ADDRESS)
    return await Client.connect(
        **connect_config,
        data_converter=data_converter or Settings().data_converter(),
        runtime=runtime,
    )
