"""Faults on demand, injected below the handlers, and a record of every AWS call the system under test makes.

Two botocore event handlers are put in ``botocore.handlers.BUILTIN_HANDLERS`` ahead of moto's stub, so every
session created afterwards (evac's clients, Step Functions' own integration clients) carries them:

- ``before-parameter-build`` opens a *call*: one API call, whatever botocore's retries do with it. It knows the
  service, the operation, the client's region and configuration (its timeouts) and the parameters.
- ``before-send`` sees each *attempt* of that call. It attributes the call to whoever made it (the Lambda function
  the local cloud's runtime is running in this thread, or the state machine, whose integration clients sign with
  their own credentials), records it, and injects the fault the call is due, if any:

  ============== ============================================================================================
  ``throttling`` the service's throttling error (``ThrottlingException`` / ``Throttling`` 400,
                 Lambda ``TooManyRequestsException`` 429, SNS ``Throttled`` 429)
  ``5xx``        the service's internal error (``InternalFailure`` 500, DynamoDB ``InternalServerError``,
                 Lambda ``ServiceException``, SNS ``InternalError``)
  ``503``        ``ServiceUnavailable`` 503
  ``access-denied`` ``AccessDeniedException`` / ``AccessDenied`` 403 (SNS ``AuthorizationError``), naming the
                 IAM action, as IAM does
  ``timeout``    botocore's ``ReadTimeoutError``, after the client's ``read_timeout`` on the scaled clock
  ``connection`` botocore's ``EndpointConnectionError`` (the endpoint's name does not resolve), at once
  ``refused``    the service refuses the request with the fault's own ``code``, ``status`` and ``message``
                 (``InvalidGlobalClusterStateFault``...)
  ============== ============================================================================================

  A region *blackout* makes every attempt to that region's endpoints fail with ``ConnectTimeoutError`` after the
  client's ``connect_timeout``, from a modelled moment on. A global endpoint is dark with the region its control
  plane lives in: Route 53's API with us-east-1 (its DNS answers and health checks are not API calls, and go on).

A fault ``after_effect`` lets the call take effect first (moto's stub answers it, the change is made) and then loses
its answer: the error or timeout the caller sees came after the change, as a 5xx or a dropped connection can.

An error response is a real HTTP response in the service's protocol, so botocore parses it and retries it as it
would in AWS (its retry sleeps are played on the scaled clock too). The faulted request itself is re-addressed to a
host no service answers (``.invalid``, RFC 6761), so moto's stub behind this hook lets it pass and the operation
does not happen. A fault spans whole calls: every attempt of a faulted call fails, so botocore's own retries are
exhausted and the error reaches the handler, and the runbook's ASL ``Retry`` is what is put to the test.

Calls the drill harness makes (observing the cloud, delivering alarm events) are neither recorded nor faulted.
"""

from __future__ import annotations

from evacops.localcloud.faults.calls import STATES_ACCESS_KEY, Call, StateMachineContext, iam_action
from evacops.localcloud.faults.injector import FaultInjector
from evacops.localcloud.faults.model import FAULT_KINDS, PERMANENT, TRANSIENT, Fault, FaultKind
from evacops.localcloud.faults.responses import error_response
from evacops.localcloud.faults.spec import GRAMMAR, FaultSpecError, parse_fault

__all__ = [
    "FAULT_KINDS",
    "GRAMMAR",
    "PERMANENT",
    "STATES_ACCESS_KEY",
    "TRANSIENT",
    "Call",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "FaultSpecError",
    "StateMachineContext",
    "error_response",
    "iam_action",
    "parse_fault",
]
