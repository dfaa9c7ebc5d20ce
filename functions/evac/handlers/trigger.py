"""The trigger: an alarm state change arrives (EventBridge, or an alarm's Lambda action); if it concerns this
stack, start the watch that confirms it after the plan's sustain window, and warm the functions the watch and the
runbook will need meanwhile (``evac.aws.warmup``: best effort, asynchronous; a refused warm-up is logged and ignored).

Malformed or foreign events are not errors to retry: they are logged with the reason and answered with a
``reject``/``ignore`` decision, and nothing starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from evac import clock
from evac.alarm_events import NotAStateChangeError, ValidationError, parse_alarm_event, watch_name
from evac.aws.stepfunctions import StateMachine
from evac.domain.trigger import screen
from evac.handlers._step import describe, logger, metrics, tracer, warm
from evac.settings import settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from evac.domain.trigger import AlarmSignal


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: Any, context: LambdaContext) -> dict:
    config = settings()
    # Parser's models, not its event_parser + EventBridgeEnvelope: two shapes arrive (EventBridge, the alarm's Lambda
    # action), the envelope would drop the region, account and time, and bad input is answered, not raised.
    try:
        signal = parse_alarm_event(event)
    except NotAStateChangeError as exc:
        return _answer({"decision": "ignore", "reason": str(exc)})
    except ValidationError as exc:
        return _answer({"decision": "reject", "reason": describe(exc, "alarm event")})
    plan = config.plan
    decision = screen(signal, plan, here=config.region, account=context.invoked_function_arn.split(":")[4])
    result: dict[str, Any] = {"decision": decision.action, "reason": decision.reason}
    if decision.request is not None:
        logger.append_keys(correlation_id=decision.request.incident_id)
        # The delivery's request id makes every delivery's input its own: Step Functions answers a repeat of a running
        # execution's exact name and input with success, so only a different input tells a repeat (refused) apart.
        watch = _watch_input(signal, plan.trigger.sustain_seconds, delivery=context.aws_request_id)
        arn, started = StateMachine(config.watch_arn).start(watch_name(signal), watch)
        result |= {"incident": decision.request.incident_id, "watch": arn, "started": started}
        metrics.add_metric(name="WatchesStarted" if started else "DuplicateAlarmEvents", unit=MetricUnit.Count, value=1)
        if started:  # the run it may start needs these functions in about the sustain window
            warm(config)
    return _answer(result)


def _answer(result: dict[str, Any]) -> dict[str, Any]:
    logger.info("alarm event decided", extra=result)
    if result["decision"] == "reject":
        metrics.add_metric(name="EventsRejected", unit=MetricUnit.Count, value=1)
    return result


def _watch_input(signal: AlarmSignal, sustain_seconds: int, *, delivery: str) -> dict[str, Any]:
    """The watch's input: the signal, and when its sustain window ends, counted from the alarm's own state change."""
    from evac.domain.watch import WatchInput, confirm_at

    watch = WatchInput(
        signal=signal.__dict__,
        sustain_seconds=sustain_seconds,
        confirm_at=confirm_at(signal.changed_at, sustain_seconds, clock.now()),
        delivery=delivery,
    )
    return watch.model_dump(mode="json")
