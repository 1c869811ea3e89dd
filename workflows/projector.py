"""How a workflow keeps its read model fed without ever waiting on it.

A case's deadlines, search attributes, children and continue-as-new run in its main
loop; projection to SQL runs beside it in its own coroutine (a "projector") that
drains the workflow's outbox. An outage of the read model therefore delays only the
read model: the projector retries in rounds with a growing pause, and once a round
has failed the lag is visible (the `ProjectionBehind` search attribute, a metric, a
log line and one journal entry; another when it catches up). An event the database
refuses for its value is set aside by the activity, reported, and retried daily
and at closure; the events after it still land. See docs/reliability.md.

This module holds the parts the UC case and the IPR share: the retry policy of one
round, the pause between rounds, and the lag record that is carried across
continue-as-new.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.search_attributes import PROJECTION_BEHIND

# Runs from before this change awaited each projection in the main loop.
PROJECTS_IN_BACKGROUND = "projection-off-critical-path"

# Activity errors that mean the database refused a value, not that it is unavailable.
VALUE_REFUSED = ("DataError", "IntegrityError")

# One round: a few quick attempts (an outage of seconds never shows), then the
# projector takes over and pauses between rounds with its own durable timer: 1, 2,
# 4 ... minutes, then hourly (each round is billed: about 4 actions an hour per
# lagging case in a long outage; the read model catches up within the hour after).
ROUND = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=3,
    # The database refusing a value is not an outage: retrying will not help.
    non_retryable_error_types=list(VALUE_REFUSED),
)
ROUND_TIMEOUT = timedelta(seconds=30)
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=1)
# Events set aside are tried again this often (after a fix is deployed), and at closure.
SET_ASIDE_RETRY = timedelta(days=1)
# At most this many events in one activity input, so a long outage never builds an
# oversized payload.
BATCH_LIMIT = 200


def refused_value(error: ActivityError) -> bool:
    """The database refused a value (the activity's error is of a type ROUND does not
    retry), as opposed to an outage."""
    cause = error.cause
    return isinstance(cause, ApplicationError) and cause.type in VALUE_REFUSED


class Lag:
    """Failed rounds since the read model last took a batch, carried across
    continue-as-new so a long outage is reported once, not once per run."""

    def __init__(self, workflow_type: str, failed_rounds: int = 0) -> None:
        self._workflow_type = workflow_type
        self.failed_rounds = failed_rounds
        self._retry_at: datetime | None = None
        held = workflow.info().typed_search_attributes.get(PROJECTION_BEHIND)
        self._published: int | None = held

    def failed(self, error: ActivityError) -> bool:
        """Count a failed round; True when it is the first (time to report)."""
        self.failed_rounds += 1
        cause = type(error.cause).__name__ if error.cause else type(error).__name__
        workflow.logger.warning(
            "read model behind",
            extra={"failed_rounds": self.failed_rounds, "error": cause},
        )
        workflow.metric_meter().create_counter(
            "casework_projection_failed_rounds",
            "Projection rounds (a few activity attempts each) that failed",
        ).add(1, {"workflow_type": self._workflow_type})
        return self.failed_rounds == 1

    async def wait_out(self, error: ActivityError, report: Callable[[], None], behind: int) -> None:
        """After a failed round: report the first (`report` journals it), show what the
        read model lacks, then pause before the next round."""
        if self.failed(error):
            report()
        self.publish(behind)
        # Billed only while the read model is down: the pause between projection rounds.
        await workflow.sleep(self.pause(), summary="read model unavailable")

    def retry_timeout(self, anything_set_aside: bool) -> timedelta | None:
        """How long until what is set aside is tried again: a day after it was first
        set aside (or last tried), however busy the workflow is meanwhile."""
        if not anything_set_aside:
            self._retry_at = None
            return None
        if self._retry_at is None:
            self._retry_at = workflow.now() + SET_ASIDE_RETRY
        return max(self._retry_at - workflow.now(), timedelta(seconds=1))

    def retry_due(self) -> None:
        """The day is up: the next round takes what is set aside."""
        self._retry_at = None

    def pause(self) -> timedelta:
        doublings = min(self.failed_rounds - 1, 6)  # 2**n minutes would overflow timedelta
        return min(FIRST_PAUSE * 2**doublings, LONGEST_PAUSE)

    def caught_up(self) -> int:
        """The failed rounds before this success (0: it was never behind)."""
        rounds, self.failed_rounds = self.failed_rounds, 0
        return rounds

    def set_aside(self, count: int) -> None:
        workflow.logger.warning("events set aside", extra={"events": count})
        workflow.metric_meter().create_counter(
            "casework_projection_set_aside",
            "Events the read model refused for their values, set aside",
        ).add(count, {"workflow_type": self._workflow_type})

    def publish(self, behind: int) -> None:
        """`ProjectionBehind`: what the read model lacks (0 when it holds everything).
        Upserted only when it changes (an upsert is billed): during an outage once per
        round, never in normal running."""
        if self._published == behind or (self._published is None and behind == 0):
            return
        # Billed only when the lag changes: never in normal running.
        workflow.upsert_search_attributes([PROJECTION_BEHIND.value_set(behind)])
        self._published = behind
