"""Application Auto Scaling checks the caller's permissions on the scalable target's service (moto: no check).

"Application Auto Scaling ... requires that the IAM identity calling RegisterScalableTarget has permissions for the
target service's and CloudWatch's actions on the resource": for a SageMaker variant, ``sagemaker:DescribeEndpoint``,
``sagemaker:DescribeEndpointConfig``, ``sagemaker:UpdateEndpointWeightsAndCapacities``, ``cloudwatch:DescribeAlarms``,
``cloudwatch:PutMetricAlarm`` and ``cloudwatch:DeleteAlarms`` (Application Auto Scaling User Guide, "Identity-based
policy examples", *Permissions required for API actions on target resources*:
https://docs.aws.amazon.com/autoscaling/application/userguide/security_iam_id-based-policy-examples.html). Without
them the call is refused with ``AccessDeniedException`` naming the action, and nothing is registered.

Registering a higher ``MinCapacity`` than the variant's desired count changes the capacity itself: "If you register
a scalable target with a minimum capacity that is greater than the current capacity, Application Auto Scaling
scales out to the minimum" (Application Auto Scaling User Guide, "Register a scalable target": the capacity is
adjusted to be within the range). The endpoint goes ``Updating`` to that count (the SageMaker fidelity plays it), and
an ``UpdateEndpointWeightsAndCapacities`` that follows meets "Cannot update in-progress endpoint".

The caller's permissions are its role as the template grants it, SAM-expanded and resolved for the region
(``evacops.iam.principals``, what the least-privilege proof reads): a role that lacks one fails the drill here as it
would fail the failover in AWS. Calls the harness makes (seeding the account) are not checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final
from unittest.mock import patch

from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.core.exceptions import JsonRESTError
from moto.sagemaker.models import sagemaker_backends

from evacops.localcloud import reuse

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import ExitStack

    from evacops.iam import Principal

# What Application Auto Scaling checks for a SageMaker variant: (action, which resource it is checked on).
SAGEMAKER_TARGET: Final = (
    ("sagemaker:DescribeEndpoint", "endpoint"),
    ("sagemaker:DescribeEndpointConfig", "endpoint-config"),
    ("sagemaker:UpdateEndpointWeightsAndCapacities", "endpoint"),
    ("cloudwatch:DescribeAlarms", "alarm"),
    ("cloudwatch:PutMetricAlarm", "alarm"),
    ("cloudwatch:DeleteAlarms", "alarm"),
)


class CallerNotAuthorizedError(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("AccessDeniedException", message)


class ScalableTargetPermissions:
    """Refuse ``RegisterScalableTarget`` for a SageMaker variant when the calling function's role lacks what
    Application Auto Scaling checks. ``who()`` names the function running in this thread (None: the harness);
    ``parameters(region)`` are the stack's parameters there, to resolve each function's role as the template grants
    it (``roles``, SAM-expanded once per process, template content, region and parameters: ``reuse.roles``)."""

    def __init__(self, who: Callable[[], str | None], parameters: Callable[[str], dict[str, Any]]) -> None:
        self.who = who
        self.parameters = parameters
        self.refused: list[str] = []
        self._roles: dict[str, dict[str, Principal]] = {}

    def roles(self, region: str) -> dict[str, Principal]:
        if region not in self._roles:
            self._roles[region] = reuse.roles(region, self.parameters(region))
        return self._roles[region]

    def install(self, stack: ExitStack) -> None:
        original = ApplicationAutoScalingResponse.register_scalable_target
        extension = self

        def register_scalable_target(response: ApplicationAutoScalingResponse) -> Any:
            extension.check(response)
            answer = original(response)
            extension.scale_to_minimum(response)
            return answer

        stack.enter_context(
            patch.object(ApplicationAutoScalingResponse, "register_scalable_target", register_scalable_target)
        )

    def check(self, response: ApplicationAutoScalingResponse) -> None:
        caller = self.who()
        if caller is None or response._get_param("ServiceNamespace") != "sagemaker":
            return
        from evacops.iam import allowed  # here: evacops.iam imports the local cloud (a cycle)

        region, account = response.region, response.current_account
        role = self.roles(region).get(caller)
        missing = [
            action
            for action, kind in SAGEMAKER_TARGET
            if role is None
            or not allowed(role, action, [self._arn(kind, region, account, response._get_param("ResourceId"))])
        ]
        if missing:
            message = (
                f"User: arn:aws:sts::{account}:assumed-role/evac-{caller}-role/evac-{caller} is not authorized to"
                f" perform: {missing[0]} on the scalable target's resource (RegisterScalableTarget also needs"
                f" {', '.join(missing[1:]) or 'nothing else'})"
            )
            self.refused.append(f"{caller}: {', '.join(missing)}")
            raise CallerNotAuthorizedError(message)

    @staticmethod
    def scale_to_minimum(response: ApplicationAutoScalingResponse) -> None:
        """A SageMaker variant whose new minimum exceeds its desired count scales out to it, as if updated."""
        resource = str(response._get_param("ResourceId") or "")
        minimum = response._get_int_param("MinCapacity")
        parts = resource.split("/")
        if response._get_param("ServiceNamespace") != "sagemaker" or minimum is None or len(parts) != 4:
            return
        backend = sagemaker_backends[response.current_account][response.region]
        endpoint = backend.endpoints.get(parts[1])
        variant = (
            next((v for v in endpoint.production_variants if v["VariantName"] == parts[3]), None) if endpoint else None
        )
        if endpoint is None or variant is None or endpoint.endpoint_status != "InService":
            return
        if int(variant.get("DesiredInstanceCount") or variant.get("CurrentInstanceCount") or 0) < minimum:
            backend.update_endpoint_weights_and_capacities(
                parts[1], [{"VariantName": parts[3], "DesiredInstanceCount": minimum}]
            )

    @staticmethod
    def _arn(kind: str, region: str, account: str, resource_id: str) -> str:
        """The ARN the check is made on: the endpoint, its current configuration, or the target-tracking alarms
        Application Auto Scaling names after the target (``TargetTracking-endpoint/NAME/variant/V-AlarmHigh-...``)."""
        endpoint = resource_id.split("/")[1] if resource_id.startswith("endpoint/") else resource_id
        if kind == "alarm":
            return f"arn:aws:cloudwatch:{region}:{account}:alarm:TargetTracking-{resource_id}-AlarmHigh"
        if kind == "endpoint-config":
            found = sagemaker_backends[account][region].endpoints.get(endpoint)
            config = found.endpoint_config_name if found else endpoint
            return f"arn:aws:sagemaker:{region}:{account}:endpoint-config/{config.lower()}"
        return f"arn:aws:sagemaker:{region}:{account}:endpoint/{endpoint.lower()}"
