"""EC2 Auto Scaling instances take time to launch (moto 5.2.5: every new instance is ``InService`` and a ``healthy``
target of the group's target groups the moment the desired capacity rises).

A group the seed creates runs its desired capacity, as a settled application's does. Raising the desired capacity
launches new instances ``Pending``; they turn ``InService`` ``asg_instance_start`` modelled seconds later
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html). Until then, in each target
group the group is attached to, they are ``initial`` (``Elb.RegistrationInProgress``), then ``healthy``
(https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html;
``fidelity.target_health``). Lowering the desired
capacity terminates instances at once, as moto does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest.mock import patch

from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup
from moto.autoscaling.responses import AutoScalingResponse

from evacops.localcloud.fidelity.target_health import InitialTargets

if TYPE_CHECKING:
    from contextlib import ExitStack

    from evacops.localcloud.clock import Timeline
    from evacops.localcloud.fidelity.latencies import Latencies


class AutoScalingLaunches:
    """New instances are ``Pending`` (``initial`` targets) for ``asg_instance_start`` modelled seconds (see the
    module)."""

    def __init__(self, timeline: Timeline, latencies: Latencies) -> None:
        self.timeline = timeline
        self.latencies = latencies
        self.targets = InitialTargets(timeline)
        self.pending = self.targets.ids  # instance ids launched and not yet in service
        self._creating = False

    def install(self, stack: ExitStack) -> None:
        extension = self
        original_create = AutoScalingBackend.create_auto_scaling_group
        original_replace = FakeAutoScalingGroup.replace_autoscaling_group_instances

        def create(backend: AutoScalingBackend, *args: Any, **kwargs: Any) -> Any:
            extension._creating = True
            try:
                return original_create(backend, *args, **kwargs)
            finally:
                extension._creating = False

        def replace(group: FakeAutoScalingGroup, count_needed: int, propagated_tags: dict[str, str]) -> None:
            before = len(group.instance_states)
            original_replace(group, count_needed, propagated_tags)
            if extension._creating:
                return
            launched = group.instance_states[before:]
            for state in launched:
                state.lifecycle_state = "Pending"
                extension.pending.add(state.instance.id)

            def in_service() -> None:
                for state in launched:
                    extension.pending.discard(state.instance.id)
                    if state.lifecycle_state == "Pending":
                        state.lifecycle_state = "InService"

            extension.timeline.after(extension.latencies.asg_instance_start, in_service)

        stack.enter_context(patch.object(AutoScalingBackend, "create_auto_scaling_group", create))
        stack.enter_context(patch.object(FakeAutoScalingGroup, "replace_autoscaling_group_instances", replace))
        self.targets.install(stack)
        for response, action in (
            (AutoScalingResponse, "describe_auto_scaling_groups"),
            (AutoScalingResponse, "update_auto_scaling_group"),
        ):
            stack.enter_context(patch.object(response, action, self._settled(getattr(response, action))))

    def _settled(self, action: Any) -> Any:
        """The response, after every launch due by now has happened."""
        timeline = self.timeline

        def settled(response: Any) -> Any:
            timeline.settle()
            return action(response)

        return settled
