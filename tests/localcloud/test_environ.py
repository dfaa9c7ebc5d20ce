"""``os.environ`` per thread (``evacops.localcloud.environ``): an invocation's own variables over the process's."""

from __future__ import annotations

from unittest.mock import patch

from evacops.localcloud.environ import ThreadEnviron


def test_patching_the_environment_inside_an_invocation_leaves_the_process_environment_alone() -> None:
    process = {"MOTO_ACCOUNT_ID": "123456789012", "POWERTOOLS_METRICS_DISABLED": "true"}
    environ = ThreadEnviron(process)

    with environ.using({"EVAC_TABLE": "evac-runs"}), patch.dict(environ, {"AWS_REGION": "us-west-2"}):
        assert (environ["AWS_REGION"], environ["MOTO_ACCOUNT_ID"]) == ("us-west-2", "123456789012")

    # every other thread sees the process's environment as it was: the account, and the metrics switched off
    assert process == {"MOTO_ACCOUNT_ID": "123456789012", "POWERTOOLS_METRICS_DISABLED": "true"}
    assert "AWS_REGION" not in environ
