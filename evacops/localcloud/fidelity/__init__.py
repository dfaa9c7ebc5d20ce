"""evac's fidelity extensions to moto 5.2.5: the AWS behaviours a failover depends on that moto lacks or simplifies.

Each behaviour cites the AWS documentation it follows and plays its latency on the local cloud's scaled clock
(``latencies``). They are installed with ``unittest.mock.patch`` for the life of a ``LocalCloud`` and removed after
it. One module per AWS service, named like evac's adapters in ``functions/evac/aws/``:

- ``rds``: Aurora Global Database ``CreateGlobalCluster`` from a source cluster in any region (moto: us-east-1 only),
  ``FailoverGlobalCluster`` / ``SwitchoverGlobalCluster`` (moto: NotImplementedError).
- ``sagemaker``: ``UpdateEndpointWeightsAndCapacities`` goes ``Updating``, its new instances come into service one
  by one, and it is ``InService`` again after the scale-up time (moto: InService at once); ``InvokeEndpoint`` answers
  only for an endpoint with instances in service. Capacity: an instance type a region has no room for makes the
  update roll back, InService at the old count with a ``FailureReason`` (moto: every update succeeds);
  ``UpdateEndpoint`` (moto: NotImplementedError) deploys a new endpoint configuration blue/green, refused for a
  variant registered with Application Auto Scaling whose instance type would change. A production variant without
  ``ModelName`` (one hosting inference components) is accepted (moto: KeyError).
- ``route53``: changes are ``PENDING`` until propagated, then ``INSYNC`` (moto: INSYNC at once).
- ``servicequotas``: SageMaker's per-type endpoint quotas (moto: VPC defaults only, no ListServiceQuotas).
- ``dynamodb``: global tables, version 2019.11.21: ``UpdateTable`` ``ReplicaUpdates`` creates the replica in the
  other region, ``CREATING`` then ``ACTIVE``, and ``DescribeTable`` lists ``Replicas`` (moto: no replicas at all).
- ``stepfunctions``: a failed task's error is named as AWS names it: ``Lambda.TooManyRequestsException``,
  ``Lambda.SdkClientException``, ``Lambda.Unknown``, ``DynamoDB.InternalServerErrorException``... (moto: a throttled
  Lambda invoke is ``Exception``, an unreachable SNS is the uncatchable ``States.Runtime``); the ``startExecution``
  integration's parameter names are mapped to boto3's; a path that does not resolve is ``States.Runtime``, and a
  task's result over 256 KiB ``States.DataLimitExceeded``, both terminal: no ``Catch`` handles them (moto: the
  task's own error, caught by ``States.ALL``, and the quota's error caught too); an execution whose history reaches
  25,000 events fails (moto: no limit).
- ``s3``: default SSE-S3, SSE-KMS ETags that differ per bucket, and replication that copies new objects as the
  bucket's rules allow (filters, the SSE-KMS opt-in), keeping the version id and answering ``ReplicationStatus``
  (moto: MD5 ETags, rules stored but never applied, filters and ``SourceSelectionCriteria`` dropped).
- ``cloudwatch``: an alarm's ``StateUpdatedTimestamp`` is on the modelled clock, and only real transitions count;
  metric alarms are evaluated from PutMetricData datapoints (Period, Statistic, Threshold, EvaluationPeriods,
  DatapointsToAlarm, TreatMissingData) and their transitions delivered as EventBridge events (moto: never evaluated);
  a transition publishes to the SNS topics of that state's actions (moto: no action runs).
- ``sns``: a service's publish (a CloudWatch alarm's) to a topic whose key does not let the service use it, an AWS
  managed key above all, is dropped (moto: no key is checked).
- ``ecs``: a service's new tasks run ``ecs_task_start`` after its desired count rose, ``IN_PROGRESS`` until then
  (moto: no task runs at creation, every task at once on an update).
- ``ec2_autoscaling``: an Auto Scaling group's new instances are ``Pending``, and ``initial`` targets of its target
  groups, for ``asg_instance_start`` after its desired capacity rose (moto: ``InService`` and ``healthy`` at once).
- ``scheduler``: EventBridge Scheduler ``rate(...)`` schedules invoke their Lambda targets every period (moto: stored,
  never run).
"""

from __future__ import annotations

from evacops.localcloud.fidelity.cloudwatch import AlarmActions, AlarmEvaluation, AlarmStateClock
from evacops.localcloud.fidelity.dynamodb import DynamoDBGlobalTables
from evacops.localcloud.fidelity.latencies import Latencies
from evacops.localcloud.fidelity.rds import AuroraGlobalFailover
from evacops.localcloud.fidelity.route53 import Route53Propagation
from evacops.localcloud.fidelity.s3 import S3Replication
from evacops.localcloud.fidelity.sagemaker import INSUFFICIENT_CAPACITY, InferenceComponentVariants, SageMakerScaling
from evacops.localcloud.fidelity.servicequotas import SageMakerQuotas, quota_code
from evacops.localcloud.fidelity.sns import ServicePublishes
from evacops.localcloud.fidelity.stepfunctions import (
    HISTORY_LIMIT,
    PAYLOAD_LIMIT,
    ExecutionHistoryLimit,
    StartExecutionIntegration,
    StepFunctionsTaskErrors,
    TerminalErrors,
)

__all__ = [
    "HISTORY_LIMIT",
    "INSUFFICIENT_CAPACITY",
    "PAYLOAD_LIMIT",
    "AlarmActions",
    "AlarmEvaluation",
    "AlarmStateClock",
    "AuroraGlobalFailover",
    "DynamoDBGlobalTables",
    "ExecutionHistoryLimit",
    "InferenceComponentVariants",
    "Latencies",
    "Route53Propagation",
    "S3Replication",
    "SageMakerQuotas",
    "SageMakerScaling",
    "ServicePublishes",
    "StartExecutionIntegration",
    "StepFunctionsTaskErrors",
    "TerminalErrors",
    "quota_code",
]
