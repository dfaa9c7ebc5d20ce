"""In-memory fakes of the domain's ports (``evac.domain.ports``), one module per port family, seeded as the bundled
plan's application runs: us-east-1 writes and serves, us-west-2 keeps a warm standby.

Each fake behaves like the AWS API it stands for where the runbook depends on it: a promotion refuses to start while
another is in flight, an endpoint refuses a capacity change while it is updating, a DNS change is pending until it
propagates. So the tests can assert outcomes (who writes, what serves, where traffic goes) rather than call counts.
"""

from __future__ import annotations

ACCOUNT = "123456789012"


class RefusedError(Exception):
    """What a fake raises where AWS would refuse the call."""
