"""The record of the system under test's AWS calls, and who made each: a Lambda function (the runtime says which) or
a state machine's own integration (which one: ``StateMachineContext``, and Step Functions' credentials)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from unittest.mock import patch

from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
    StateTaskService,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import StateTaskLambda

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import ExitStack

    from botocore.awsrequest import AWSPreparedRequest

    from evacops.localcloud.faults.model import Fault


# moto's Step Functions interpreter creates its integration clients with these credentials
# (moto.stepfunctions.parser.asl.utils.boto_client): a call signed with them is the state machine's own.
STATES_ACCESS_KEY: Final = "ak"


_CREDENTIAL = re.compile(r"Credential=([^/]+)/")


# IAM's service prefix where it is not the boto3 service name, and actions not named after their operation
# (the Service Authorization Reference: S3's HeadObject is authorized as GetObject, and so on).
_IAM_PREFIX: Final = {
    "sagemaker-runtime": "sagemaker",
    "stepfunctions": "states",
    "service-quotas": "servicequotas",
    "elbv2": "elasticloadbalancing",
}
_IAM_ACTION: Final = {
    ("lambda", "Invoke"): "InvokeFunction",
    ("s3", "HeadObject"): "GetObject",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "GetBucketEncryption"): "GetEncryptionConfiguration",
    ("s3", "GetBucketReplication"): "GetReplicationConfiguration",
}


def iam_action(service: str, operation: str) -> str:
    """The IAM action an API call needs: ``iam_action("sagemaker-runtime", "InvokeEndpoint")`` is
    ``"sagemaker:InvokeEndpoint"``, ``iam_action("lambda", "Invoke")`` is ``"lambda:InvokeFunction"``."""
    return f"{_IAM_PREFIX.get(service, service)}:{_IAM_ACTION.get((service, operation), operation)}"


@dataclass
class Call:
    """One API call of the system under test, as CloudTrail would show it (plus what the local cloud did to it)."""

    seq: int
    at: float  # modelled seconds since the cloud started
    caller: str  # logical id of the function, or of the state machine for its own integrations
    caller_region: str  # the region of the stack the caller belongs to
    service: str  # boto3's name: rds, sagemaker-runtime, stepfunctions...
    operation: str  # the API's name: DescribeGlobalClusters
    region: str  # the client's region
    global_endpoint: bool  # the endpoint serves every region (Route 53)
    params: dict[str, Any]
    target: str | None = None
    invocation: int | None = None  # which invocation of the calling function made it
    attempts: int = 0
    fault: str | None = None  # the fault kind injected, or "blackout"
    faulted_by: Fault | None = field(default=None, repr=False)

    @property
    def action(self) -> str:
        return iam_action(self.service, self.operation)


def signed_by(request: AWSPreparedRequest) -> str | None:
    """The access key id the request is signed with (SigV4's ``Credential=<key>/<scope>``)."""
    header = request.headers.get("Authorization", "")
    found = _CREDENTIAL.search(header.decode() if isinstance(header, bytes) else str(header))
    return found.group(1) if found else None


class StateMachineContext:
    """Which state machine's task runs in this thread: moto's interpreter evaluates each Task state in a thread of its
    own, and every AWS call the task makes (a Lambda invoke, an optimized integration) is that state machine's."""

    def __init__(self) -> None:
        self._local = threading.local()

    def current(self) -> str | None:
        """The name of the state machine whose Task runs in this thread, if any."""
        return getattr(self._local, "name", None)

    def install(self, stack: ExitStack) -> None:
        for task_class in (StateTaskLambda, StateTaskService):
            stack.enter_context(patch.object(task_class, "_eval_execution", self._tagged(task_class._eval_execution)))

    def _tagged(self, original: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
        context = self

        def eval_execution(task: Any, env: Any) -> None:
            before = context.current()
            context._local.name = env.states.context_object.context_object_data["StateMachine"]["Name"]
            try:
                original(task, env)
            finally:
                context._local.name = before

        return eval_execution
