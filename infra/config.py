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
DEFAULT_METRICS_PORT = 9464  # the port OpenTelemetry's Prometheus exporter uses


def _data_dir() -> Path:
    return Path(os.environ.get("CASEWORK_DATA_DIR", ROOT / ".data"))


def _metrics_port() -> int:
    raw = os.environ.get("CASEWORK_METRICS_PORT", str(DEFAULT_METRICS_PORT)).strip()
    if not raw:
        return 0
    if not raw.isdigit() or int(raw) > 65535:
        raise ValueError(f"CASEWORK_METRICS_PORT: must be a port number 0-65535, not {raw!r}")
    return int(raw)


def _work_available_days() -> int:
    raw = os.environ.get("CASEWORK_WORK_AVAILABLE_DAYS", "7").strip() or "7"
    if not raw.isdigit() or not 0 <= int(raw) <= 366:
        raise ValueError(
            f"CASEWORK_WORK_AVAILABLE_DAYS: must be a whole number of days 0-366, not {raw!r}"
        )
    return int(raw)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def demo_mode() -> bool:
    """CASEWORK_DEMO: on in `make demo` (tools/demo.py) and the test session. Only then
    may forms carry the demo's placeholder landlord, bank and officer details, and
    each says "DEMO — not for submission" (docs/forms.md)."""
    raw = os.environ.get("CASEWORK_DEMO", "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"CASEWORK_DEMO: must be 1 or 0 (true/false, yes/no, on/off), not {raw!r}")


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
    # Personal data of a closed case or IPR is kept this long (docs/rules.md#personal-data).
    retention_years: int = field(
        default_factory=lambda: int(os.environ.get("CASEWORK_RETENTION_YEARS", "6"))
    )
    # How long a process keeps an unwrapped data key: an erasure reaches a
    # running worker or codec server within this many seconds.
    key_cache_seconds: float = field(
        default_factory=lambda: float(os.environ.get("CASEWORK_KEY_CACHE_SECONDS", "60"))
    )
    # Where the worker serves its metrics for Prometheus (docs/metrics.md):
    # http://<metrics_host>:<metrics_port>/metrics; 0 or empty turns them off.
    metrics_port: int = field(default_factory=lambda: _metrics_port())
    metrics_host: str = field(
        default_factory=lambda: os.environ.get("CASEWORK_METRICS_HOST", "127.0.0.1")
    )
    # The Work Available Report lists deadlines falling within this many days.
    work_available_days: int = field(default_factory=lambda: _work_available_days())
    # The demo: placeholder landlord details allowed on forms, marked as such.
    demo: bool = field(default_factory=lambda: demo_mode())

    @property
    def metrics_address(self) -> str | None:
        """host:port the worker's metrics endpoint binds to, or None when turned off."""
        return f"{self.metrics_host}:{self.metrics_port}" if self.metrics_port else None

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


def json_logging_runtime(metrics_address: str | None = None) -> Runtime:
    """A Temporal runtime whose core (Rust) log lines are forwarded into Python
    logging, so they come out as JSON lines with everything else; with
    `metrics_address` (host:port) it also serves the SDK's metrics and the
    engine's own (docs/metrics.md) at http://<metrics_address>/metrics."""
    from temporalio.runtime import (
        LogForwardingConfig,
        LoggingConfig,
        PrometheusConfig,
        Runtime,
        TelemetryConfig,
        TelemetryFilter,
    )

    forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    logging_config = LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"), forwarding=forwarding
    )
    metrics = (
        PrometheusConfig(bind_address=metrics_address, durations_as_seconds=True)
        if metrics_address
        else None
    )
    return Runtime(telemetry=TelemetryConfig(logging=logging_config, metrics=metrics))


def worker_runtime(settings: Settings) -> Runtime:
    """The worker's runtime: JSON logging, and metrics on `CASEWORK_METRICS_PORT`. A
    port already taken (a second worker on the host with the same setting) is logged
    as an error naming the address and the setting, and the worker runs without
    metrics rather than not at all."""
    address = settings.metrics_address
    if address is None:
        return json_logging_runtime()
    try:
        return json_logging_runtime(address)
    except ValueError as error:  # the SDK's "Failed starting Prometheus exporter: ..."
        logging.getLogger("casework.metrics").error(
            "metrics not served: %s (CASEWORK_METRICS_PORT, CASEWORK_METRICS_HOST: %s)",
            error,
            address,
        )
        return json_logging_runtime()


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
