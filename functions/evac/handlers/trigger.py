"""The trigger: an alarm state change arrives through EventBridge; start at most one runbook per incident.

Malformed or foreign events are not errors to retry: they are logged with the reason and answered with a
``reject``/``ignore`` decision, and nothing starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from evac.alarm_events import AlarmStateChangeEvent
from evac.aws.stepfunctions import Runbook
from evac.domain.trigger import decide
from evac.handlers._step import describe, logger, metrics, tracer
from evac.settings import settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    config = settings()
    try:
        parsed = AlarmStateChangeEvent.model_validate(event)
    except ValidationError as exc:
        reason = describe(exc, "alarm state change event")
        logger.warning("event rejected", extra={"decision": "reject", "reason": reason})
        return {"decision": "reject", "reason": reason}
    decision = decide(
        parsed.signal(), config.plan, here=config.region, account=context.invoked_function_arn.split(":")[4]
    )
    result: dict = {"decision": decision.action, "reason": decision.reason}
    if decision.request is not None:
        logger.append_keys(correlation_id=decision.request.incident_id)
        arn, started = Runbook(config.runbook_arn).start(
            decision.request.incident_id, decision.request.model_dump(mode="json", exclude_none=True)
        )
        result |= {"execution": arn, "started": started}
        metrics.add_metric(name="RunbooksStarted" if started else "DuplicateTriggers", unit=MetricUnit.Count, value=1)
    logger.info("alarm event decided", extra=result)
    return result
