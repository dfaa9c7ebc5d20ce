"""A deployed evac stack, reached from the operator's machine: its runbook started and followed (``runbook``), its
readiness function asked (``readiness_function``, on the local cloud too)."""
