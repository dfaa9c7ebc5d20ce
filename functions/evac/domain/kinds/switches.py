"""Pipeline kinds that are switched on where the writer is: Lambda event source mappings (a stream consumer),
EventBridge Scheduler schedules and EventBridge rules (a training or batch pipeline's trigger). Enabled in the
target; disabled in the source as the resource's ``graceful`` / ``ungraceful`` say.

A mapping passes through ``Enabling`` / ``Disabling`` before ``Enabled`` / ``Disabled``
(https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html); a schedule's ``State`` is
``ENABLED`` or ``DISABLED`` (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_UpdateSchedule.html); a
rule's is ``ENABLED``, ``DISABLED`` or ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``, which is on as well
(https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeRule.html): enabling it again would turn
its CloudTrail management events off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from evac.domain.kinds.step import Context, Look, on_source
from evac.domain.plan_resources import EventSourceMapping, Schedule
from evac.errors import ResourceRecoveryError

if TYPE_CHECKING:
    from evac.domain.kinds.ports import Region, Rules, Schedules
    from evac.domain.plan_resources import EventBridgeRule

    Switchable = EventSourceMapping | Schedule | EventBridgeRule


@dataclass(frozen=True)
class _Switch:
    """One switchable resource in one region, whatever its service; ``scope``: a schedule's group, a rule's bus."""

    what: str
    ident: str
    on: tuple[str, ...]  # the states that are on; the first is what enabling gives
    off: str
    scope: str | None = None

    def _ports(self, region: Region) -> Schedules | Rules:
        return region.schedules if self.what == "schedule" else region.rules

    def state(self, region: Region) -> str | None:
        if self.scope is None:
            return region.mappings.state(self.ident)
        return self._ports(region).state(self.ident, self.scope)

    def set(self, region: Region, enabled: bool) -> None:
        if self.scope is None:
            region.mappings.set_enabled(self.ident, enabled)
        else:
            self._ports(region).set_enabled(self.ident, self.scope, enabled)


def _switch(resource: Switchable, region: str) -> _Switch:
    if isinstance(resource, EventSourceMapping):
        return _Switch("event source mapping", resource.mappings[region], ("Enabled",), "Disabled")
    if isinstance(resource, Schedule):
        return _Switch("schedule", resource.schedules[region], ("ENABLED",), "DISABLED", resource.group)
    on = ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
    return _Switch("rule", resource.rules[region], on, "DISABLED", resource.event_bus)


def start(context: Context, resource: Switchable) -> Look:
    """Enable in the target (unless on or turning on), then act on the source."""
    run = context.run
    target = _switch(resource, run.target_region)
    state = _state(context, target)
    if state not in (*target.on, "Enabling"):
        target.set(context.target, True)
    source = _switch(resource, run.source_region)
    acted = on_source(context, resource.graceful, resource.ungraceful, lambda: source.set(context.source, False))
    # a source disabled is confirmed off by the next check
    return Look(done=state in target.on and acted != "disabled", detail={"state": state, "source": acted})


def check(context: Context, resource: Switchable, source: str) -> Look:
    """Done once on in the target and, when the source was disabled on a graceful run, off there."""
    run = context.run
    target = _switch(resource, run.target_region)
    state = _state(context, target)
    if state == target.off:
        target.set(context.target, True)  # turned off since, or the enable was lost
    off = True
    if source == "disabled" and context.graceful:
        switch = _switch(resource, run.source_region)
        off = switch.state(context.source) in (switch.off, None)
    return Look(done=state in target.on and off, detail={"state": state})


def _state(context: Context, switch: _Switch) -> str:
    state = switch.state(context.target)
    if state is None:
        raise ResourceRecoveryError(f"{switch.what} {switch.ident} does not exist in {context.run.target_region}")
    return state
