"""A cloud prepared once and forked for each drill: every child starts from the set-up as it was, whatever an earlier
child changed; results and errors come back; what cannot be forked safely is refused; a drill in a child makes no
client and parses no path the parent could have made once for all of them.

Forking is done from a process with one thread only, so each test runs its checks in a spawned worker process
(a pytest worker has threads of its own)."""

from __future__ import annotations

import ast
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import boto3
import pytest
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.utils import json_path

from evac.aws import clients
from evac.domain.plan import DEFAULT_PLAN, load_plan
from evacops.chaos.sites import chaos_latencies
from evacops.cloud import local_cloud
from evacops.drill.engine import drill_plan, run_drill
from evacops.localcloud import fork
from evacops.localcloud.fidelity import Latencies
from evacops.localcloud.fork import HANDLER_SERVICES, ForkedDrillError, forked

ADAPTERS = Path(clients.__file__).parent


def _mark(value: str) -> dict[str, object]:
    plan = load_plan(DEFAULT_PLAN)
    return _mark_on(chaos_latencies(plan), value)


def _mark_on(latencies: Latencies, value: str) -> dict[str, object]:
    """In the child: start the adopted cloud, note what a parameter held, set it to ``value``, play a minute."""
    plan = load_plan(DEFAULT_PLAN)
    with local_cloud(plan, latencies=latencies) as cloud:
        ssm = boto3.client("ssm", plan.regions.primary)
        before = ssm.get_parameters(Names=["/test/fork-mark"])["Parameters"]
        ssm.put_parameter(Name="/test/fork-mark", Value=value, Type="String", Overwrite=True)
        cloud.clock.sleep(60)
        after = ssm.get_parameter(Name="/test/fork-mark")["Parameter"]["Value"]
        return {"before": before, "after": after, "elapsed": cloud.clock.elapsed(), "pid": os.getpid()}


def _fail() -> None:
    raise ValueError("the drill's own error")


def _crash() -> None:
    os._exit(3)


def _made_by_a_drill() -> dict[str, object]:
    """In the child: play a primary outage; what it made that the parent had not (each a count)."""
    cloud = fork._adopted
    assert cloud is not None

    def made() -> dict[str, int]:
        return {
            "handler clients": clients._client.cache_info().misses + clients._bounded.cache_info().misses,
            "task clients": cloud.task_clients.built,
            "paths": json_path.parse.cache_info().misses + result_path.parse.cache_info().misses,
        }

    before = made()
    report = run_drill("primary-outage", latencies=cloud.latencies)
    return {"status": report.status, "made": {name: count - before[name] for name, count in made().items()}}


def _other_cloud() -> None:
    plan = load_plan(DEFAULT_PLAN)
    with local_cloud(plan, latencies=Latencies()):
        pass


def _in_worker() -> dict[str, object]:
    """The checks, in a process with one thread (a spawned worker)."""
    plan = load_plan(DEFAULT_PLAN)
    latencies = chaos_latencies(plan)
    first = forked(plan, latencies, _mark, "first")
    second = forked(plan, latencies, _mark, "second")
    other = forked(plan, Latencies(), _mark_on, Latencies(), "other")  # another cloud: the first one closed before
    third = forked(plan, latencies, _mark, "third")  # and the first one's set-up again, from scratch
    drill = forked(drill_plan("primary-outage", plan), latencies, _made_by_a_drill)
    errors: dict[str, str] = {}
    for name, call in (("raised", _fail), ("crashed", _crash), ("other", _other_cloud)):
        try:
            forked(plan, latencies, call)
        except (ValueError, ForkedDrillError, RuntimeError) as exc:
            errors[name] = f"{type(exc).__name__}: {exc}"
    try:
        _other_cloud()  # here, beside the prepared cloud
    except RuntimeError as exc:
        errors["beside"] = str(exc)
    thread = threading.Thread(target=threading.Event().wait, args=(5,), name="bystander", daemon=True)
    thread.start()
    try:
        forked(plan, latencies, _fail)
    except RuntimeError as exc:
        errors["threads"] = str(exc)
    return {
        "first": first,
        "second": second,
        "other": other,
        "third": third,
        "drill": drill,
        "errors": errors,
        "parent": os.getpid(),
    }


@pytest.fixture(scope="module")
def outcome() -> dict[str, object]:
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_in_worker).result()


def test_each_child_starts_from_the_set_up_not_from_what_an_earlier_child_changed(outcome: dict) -> None:
    first, second = outcome["first"], outcome["second"]
    assert first["before"] == second["before"] == []  # the second child did not see the first one's parameter
    assert (first["after"], second["after"]) == ("first", "second")
    assert first["elapsed"] == second["elapsed"]  # both from the same modelled moment
    assert len({first["pid"], second["pid"], outcome["parent"]}) == 3  # each in a process of its own


def test_a_process_keeps_one_prepared_cloud_and_sets_the_next_up_from_an_empty_account(outcome: dict) -> None:
    # a second cloud set up while the first was open would have been seeded inside it (BucketAlreadyOwnedByYou)
    assert outcome["other"]["before"] == []
    assert outcome["other"]["after"] == "other"
    assert outcome["third"]["before"] == []


def test_errors_come_back_named(outcome: dict) -> None:
    errors = outcome["errors"]
    assert errors["raised"] == "ValueError: the drill's own error"
    assert errors["crashed"].startswith("ForkedDrillError")
    assert "exit status 3" in errors["crashed"]
    assert "other than the one prepared for it" in errors["other"]
    assert "beside a prepared one" in errors["beside"]


def test_no_fork_beside_another_thread(outcome: dict) -> None:
    assert "one thread" in outcome["errors"]["threads"]
    assert "bystander" in outcome["errors"]["threads"]


def test_a_drill_in_a_child_makes_no_client_and_parses_no_path_its_parent_could_have(outcome: dict) -> None:
    assert outcome["drill"]["status"] == "SUCCEEDED"
    assert outcome["drill"]["made"] == {"handler clients": 0, "task clients": 0, "paths": 0}


def test_the_parent_makes_a_client_of_every_service_evacs_adapters_call() -> None:
    called = {
        node.args[0].value
        for module in ADAPTERS.glob("*.py")
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) in {"client", "bounded"}
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }
    assert "sagemaker" in called  # the reading itself works
    assert called <= set(HANDLER_SERVICES)
