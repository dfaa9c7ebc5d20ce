"""evac's errors.

Each error's class name is what Step Functions sees as the error name of a failed Lambda task, so the runbook's
``Retry`` and ``Catch`` match on these names. Never rename one without updating ``state_machines/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


def problems(exc: ValidationError) -> str:
    """Every validation error with the path of the field it is about: ``detail.alarmName: Field required``."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors())


class EvacError(Exception):
    """Base of every error evac raises on purpose."""


class PlanError(EvacError):
    """The recovery plan, or a runbook input checked against it, is invalid."""


class InvalidInputError(EvacError):
    """A step received input that does not match its contract."""


class AlreadyActiveError(EvacError):
    """The target region already holds the writer and no earlier run of this incident went there: a new failover
    to the region already active is refused (a rerun of the same incident resumes instead)."""


class MetricUnavailableError(EvacError):
    """A CloudWatch metric evac reads for evidence (the replication lag) could not be read; the run goes on.

    ``transient``: throttled, a 5xx or no answer - worth the runbook's retry before the run goes on without it.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class NotificationFailedError(EvacError):
    """The run's outcome could not be published; the run itself is recorded and the lock released."""


class PreflightFailedError(EvacError):
    """The target region is not ready to be promoted; nothing was changed."""


class SecondaryNotReadyError(EvacError):
    """A readiness check the automatic path depends on failed in the target region; the message names each finding."""


class ApprovalRejectedError(EvacError):
    """A person rejected a run waiting for approval (sent as the task's failure by ``evac.domain.approvals``)."""


class ResourceNotFoundError(EvacError):
    """A resource the plan names does not exist (an adapter's answer; readiness reports it as a failed check)."""


class DatabasePromotionError(EvacError):
    """Aurora refused to promote the target cluster."""


class InferenceScaleError(EvacError):
    """SageMaker refused to scale the target endpoint."""


class DnsShiftError(EvacError):
    """Route 53 refused the record change."""


class DnsControlPlaneUnavailableError(EvacError):
    """Route 53's control plane (us-east-1) did not answer and the run may not move traffic on a data plane: a planned
    run, or a plan whose ``dns.mechanism`` is ``record-weights``. The message says what to run by hand."""


class StepPendingError(EvacError):
    """A step ARC Region switch runs is not done yet (an endpoint still scaling, a DNS change not INSYNC): ARC invokes
    the custom action again after its retry interval, until the step's timeout."""


class VerificationFailedError(EvacError):
    """The target region does not serve: wrong writer, failing canary or wrong DNS weights."""


class RegionUnavailableError(EvacError):
    """A region's API did not answer within its bounded timeout."""


class ControlPlaneUnavailableError(RegionUnavailableError):
    """A global service's control plane (Route 53's, in us-east-1) did not answer within its bounded timeout."""


class AwsCallError(EvacError):
    """An AWS call failed for a reason evac cannot act on; the message names the operation.

    ``denied``: IAM refused it (AccessDenied): a permission the stack lacks, never evidence about a region.
    """

    def __init__(self, message: str, *, denied: bool = False) -> None:
        super().__init__(message)
        self.denied = denied


class AwsTransientError(AwsCallError):
    """Throttling or a 5xx that outlasted botocore's retries; the ASL retries the step."""


class ResourceRecoveryError(EvacError):
    """A resource of the plan's ``resources:`` could not be recovered in the target (missing, refused, or a
    deployment that failed); the message names every such resource, its kind and why."""


class FunctionTimeoutError(EvacError):
    """A function a ``custom`` resource names did not answer within the plan's ``timeout_seconds``."""
