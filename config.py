"""Configuration from the environment, with the defaults a newcomer needs.

Temporal connection settings (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE) are
read by the SDK's own environment configuration.
"""

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfig
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

ROOT = Path(__file__).resolve().parent
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


def json_logging_runtime() -> Runtime:
    """A Temporal runtime whose core (Rust) log lines are forwarded into Python
    logging, so they come out as JSON lines with everything else."""
    forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    logging_config = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"), forwarding=forwarding
    )
    return Runtime(telemetry=TelemetryConfig(logging=logging_config))


async def connect(runtime: Runtime | None = None) -> Client:
    connect_config = ClientConfig.load_client_connect_config()
    connect_config.setdefault("target_host", DEFAULT_ADDRESS)
    return await Client.connect(
        **connect_config, data_converter=pydantic_data_converter, runtime=runtime
    )
