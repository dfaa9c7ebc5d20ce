"""The fault matrix: every AWS call site of the runbook, the trigger and its watch, the capacity fallback, the
follow-capacity ramp, a failed run's failure path and the scheduled readiness report, each fault, the drill (or, for
the readiness report, a run of its function: ``readiness``) run again, invariants checked.

The call sites are not a hand-written list: a clean run of each base scenario on the local cloud records every API call
made (the functions' calls and the state machines' own integrations), and each distinct ``(caller, service, operation,
region, target)`` is a site, in the group its scenario records (``sites``). For each site and each fault kind
(throttling, a 5xx, AccessDenied, a timeout) the fault is injected at the site's first call and, where the site is
polled (called in more than one invocation of a poll loop), at its second poll; where throttling and a 5xx are one
fault to the caller (a Lambda function's call, other than a prober's: ``sites.ALIKE_TRANSIENTS``), one of the two,
half the sites each, unless ``every_kind``. The scenario is played again and its end state is checked against the
invariants:

- ``one_writer``: exactly one writer region at the end;
- ``dns_safe``: no DNS change ever sent traffic to a region that was not, at that moment, the writer and serving
  at capacity (the local cloud's ground truth) and whose writer and inference the runbook had verified;
- ``lock_released``, ``run_record``, ``notified``: the evidence of every run;
- ``outcome``: a transient fault still ends SUCCEEDED; a permanent one (AccessDenied) ends FAILED with an error
  whose message names the operation - unless the site is best-effort (``BEST_EFFORT``), where the run succeeds and
  its record names the operation that failed;
- ``one_runbook``, ``evidence``: never more runbooks than the scenario starts, none on alarms nobody could read;
  a fault in the trigger or its watch fails closed (``policy.trigger_expectation``);
- ``exercised``: the fault was injected at least once (a scenario that injected nothing proves nothing);
- ``fail_closed``: the readiness report answers ready only if no read a critical check needs was faulted.

A call that changes something is also faulted after effect: it takes effect, then its answer is lost.

Where the permanent fault takes away the very means of one piece of evidence (the ledger write, the notification,
the lock release), that invariant cannot hold and is replaced by the others carrying the news (``EXEMPT``).

Drills run on latencies a little longer than the plan expects, so every poll loop polls more than once: outcomes,
not timings, are what the matrix checks.
"""

from __future__ import annotations

from evacops.chaos.matrix import Matrix, Result, run_case, run_matrix, write_json
from evacops.chaos.sites import BASE_SCENARIOS, KINDS, SUBSET, Case, Site, record_sites

__all__ = [
    "BASE_SCENARIOS",
    "KINDS",
    "SUBSET",
    "Case",
    "Matrix",
    "Result",
    "Site",
    "record_sites",
    "run_case",
    "run_matrix",
    "write_json",
]
