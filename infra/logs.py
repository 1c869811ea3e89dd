"""structlog set-up: JSON lines (or console) for our code and the Temporal SDK alike.

Lines carry workflow id, run id and activity name, never personal data: log ids,
command names and event types only. As a second line of defence every line, ours or
the SDK's, exception text included, goes through infra.redact.mask_personal_data,
which masks NI numbers, dates, postcodes, addresses, emails, phone numbers, bank
details and the names registered with remember_names.
"""

import logging
import sys
from typing import IO, Any

import structlog
from temporalio import activity, workflow

from infra.redact import known_names, mask_personal_data, remember_names

__all__ = ["configure_logging", "get_logger", "known_names", "remember_names"]


def _temporal_context(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    wf = event.pop("temporal_workflow", None)
    if wf:
        event.setdefault("workflow_id", wf.get("workflow_id"))
        event.setdefault("run_id", wf.get("run_id"))
        event.setdefault("workflow_type", wf.get("workflow_type"))
        if "update_name" in wf:
            event.setdefault("update", wf["update_name"])
    act = event.pop("temporal_activity", None)
    if act:
        event.setdefault("workflow_id", act.get("workflow_id"))
        event.setdefault("run_id", act.get("workflow_run_id"))
        event.setdefault("activity", act.get("activity_type"))
    if "activity" not in event and activity.in_activity():
        info = activity.info()
        event.update(
            workflow_id=info.workflow_id, run_id=info.workflow_run_id, activity=info.activity_type
        )
    return event


def configure_logging(
    fmt: str = "json", level: int = logging.INFO, stream: IO[str] | None = None
) -> None:
    """Route structlog and stdlib logging (the Temporal SDK's too) to `stream`
    (stderr by default), masking personal data in every line."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _temporal_context,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.dev.ConsoleRenderer() if fmt == "console" else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr if stream is None else stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                # Every line passes here, structlog's and stdlib's alike, after the
                # traceback is rendered: one place masks message, fields and exception.
                mask_personal_data,
                renderer,
            ],
        )
    )
    # Workflow context goes in fields (see _temporal_context), not in the message.
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
