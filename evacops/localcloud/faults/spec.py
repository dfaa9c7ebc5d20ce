"""The fault a person asks for on the command line (``evac drill --inject SPEC``), in the matrix's own terms.

Grammar: ``[Caller/]service:Operation:kind[@region][#call][+after-effect]``

- ``service``: botocore's service name (``route53``, ``sagemaker``, ``rds``, ``cloudwatch``, ``lambda``...);
  ``Operation``: the API operation as the API reference names it (``ChangeResourceRecordSets``);
- ``kind``: ``throttling``, ``5xx``, ``503``, ``access-denied``, ``timeout`` or ``connection``;
- ``@region``: only calls to that region's endpoint (Route 53's is ``aws-global``); default: any region;
- ``#call``: the N-th matching call fails (from 1; default 1); a transient kind fails that one call, ``access-denied``
  that call and every later one (a missing permission does not come back);
- ``+after-effect``: the call takes effect and its answer is lost (a 5xx or a timeout after the change was made);
- ``Caller/``: only the calls of one function (its logical id, ``ShiftDnsFunction``) or of the runbook's own
  integrations (``FailoverRunbook``).

>>> parse_fault("route53:ChangeResourceRecordSets:access-denied").operation
'ChangeResourceRecordSets'
>>> f = parse_fault("CheckDatabaseFunction/rds:DescribeGlobalClusters:timeout@us-west-2#2+after-effect")
>>> (f.caller, f.region, f.first, f.calls, f.after_effect)
('CheckDatabaseFunction', 'us-west-2', 2, 1, True)
"""

from __future__ import annotations

import re
from typing import Final

from evacops.localcloud.faults.model import FAULT_KINDS, Fault

_SPEC: Final = re.compile(
    r"^(?:(?P<caller>[A-Za-z][A-Za-z0-9]*)/)?(?P<service>[a-z0-9-]+):(?P<operation>[A-Z][A-Za-z0-9]*):(?P<kind>[a-z0-9-]+)"
    r"(?:@(?P<region>[a-z0-9-]+))?(?:#(?P<call>[0-9]+))?(?P<after>\+after-effect)?$"
)
KINDS: Final = tuple(k for k in FAULT_KINDS if k != "refused")  # "refused" needs a code and message: not here
GRAMMAR: Final = "[Caller/]service:Operation:kind[@region][#call][+after-effect]"


class FaultSpecError(ValueError):
    """A ``--inject`` spec that does not parse; the message says which part is wrong."""


def parse_fault(spec: str) -> Fault:
    """The fault ``spec`` asks for (grammar: the module's docstring), or ``FaultSpecError`` naming what is wrong."""
    found = _SPEC.match(spec.strip())
    if found is None:
        raise FaultSpecError(f"{spec!r} is not {GRAMMAR} (e.g. route53:ChangeResourceRecordSets:access-denied)")
    kind = found["kind"]
    if kind not in KINDS:
        raise FaultSpecError(f"{spec!r}: fault kind {kind!r} is not one of {', '.join(KINDS)}")
    call = int(found["call"] or 1)
    if call < 1:
        raise FaultSpecError(f"{spec!r}: #call counts from 1")
    return Fault(
        kind,  # type: ignore[arg-type]
        service=found["service"],
        operation=found["operation"],
        region=found["region"],
        caller=found["caller"],
        first=call,
        calls=None if kind == "access-denied" else 1,
        after_effect=found["after"] is not None,
    )
