"""Local clouds set up once in a process and forked for each drill.

Setting a cloud up (moto's account seeded, the stack deployed in both regions, the handlers warmed) takes 1.1 to
1.5 s of CPU, and it is the same for every drill that plays one plan on the same latencies: the fault matrix plays
hundreds. A prepared cloud is set up once; each drill then runs in a child process forked from it, which starts with
the set-up exactly as it was (copy-on-write), changes only its own copy, sends its result back through a pipe and
exits::

    forked(plan, latencies, run_case, case, plan=plan)   # run_case runs in a child; its result is returned here

Inside the child, the drill's ``local_cloud(plan, latencies=...)`` is given the prepared cloud (``adopted``), started
there (its clock, schedules and alarm evaluation are threads of the child). A drill that asks for another cloud is
refused: the child's process is the prepared cloud's; so is a cloud set up in the parent while it keeps prepared ones
(``release`` closes them first).

Forking copies only the thread that forks, so it is safe only from a process with one thread: the set-up starts none,
and the process that holds prepared clouds must do nothing else (a worker process of a pool, as the fault matrix's
are: ``forked`` refuses to fork beside another thread). POSIX only (``os.fork``).
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import threading
import traceback
from typing import TYPE_CHECKING, Any, TypeVar

from evacops.localcloud import LocalCloud
from evacops.localcloud.interpreter import deployed_machines

if TYPE_CHECKING:
    from collections.abc import Callable

    from evac.domain.plan import RecoveryPlan
    from evacops.localcloud.fidelity import Latencies

T = TypeVar("T")
# The AWS services evac's handlers call (functions/evac/aws/: tests/localcloud/test_fork.py reads them there), and
# those the probers ask of the regions they watch (evac.aws.probes) with clients of their own.
HANDLER_SERVICES = (
    "rds",
    "cloudwatch",
    "sagemaker",
    "sagemaker-runtime",
    "application-autoscaling",
    "route53",
    "dynamodb",
    "stepfunctions",
    "ssm",
    "s3",
    "ecr",
    "service-quotas",
    "lambda",
    "sns",
    "events",
    "scheduler",
    "ecs",
    "elbv2",
    "autoscaling",
)
PROBED_SERVICES = ("sagemaker-runtime", "rds")
# The process's prepared cloud, at most one: a cloud set up while another is open would be set up inside it (moto's
# mock and the patches are process-wide), so the one kept is closed when another plan or latencies are asked for.
_prepared: LocalCloud | None = None
_adopted: LocalCloud | None = None  # in a forked child: the prepared cloud its drill is given


class ForkedDrillError(RuntimeError):
    """A forked drill's process ended without a result (it crashed or was killed), or raised what cannot be sent."""


def forked(plan: RecoveryPlan, latencies: Latencies, call: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``call(*args, **kwargs)`` in a child forked from a cloud of ``plan`` on ``latencies`` prepared in this
    process (set up now if none is); its result (or the exception it raised) comes back through a pipe."""
    if threading.active_count() > 1:
        names = ", ".join(t.name for t in threading.enumerate() if t is not threading.current_thread())
        raise RuntimeError(f"a local cloud is forked only from a process with one thread; this one also runs {names}")
    cloud = _prepared_for(plan, latencies)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: play, answer, exit without running the parent's clean-up
        os.close(read)
        _answer(write, cloud, call, args, kwargs)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        raise ForkedDrillError(f"the forked drill's process ended without a result ({_status(status)})")
    ok, value = pickle.loads(data)  # noqa: S301 - written by this process's own child, just now
    if ok:
        return value
    raise value


def adopted(plan: RecoveryPlan, options: dict[str, Any]) -> LocalCloud | None:
    """In a forked child: its prepared cloud, given once, if ``plan`` and ``options`` are what it was prepared with;
    elsewhere None. A child asking for any other cloud is an error (the process is the prepared cloud's)."""
    global _adopted
    cloud, _adopted = _adopted, None
    if cloud is None and _prepared is not None:  # its patches and hooks are in place: another would run inside them
        raise RuntimeError("a local cloud set up beside a prepared one: release() the prepared cloud first")
    if cloud is None:
        return None
    wanted = {"latencies": cloud.latencies, "log_file": None, "pace": None}
    if plan != cloud.plan or {k: options.get(k) for k in wanted} != wanted:
        raise RuntimeError("a forked drill asked for a local cloud other than the one prepared for it")
    # Which schedules run is the drill's to choose: they are installed when the cloud starts, after the fork.
    cloud.schedules.skipped = frozenset(options.get("without_schedules") or ())
    return cloud


def release() -> None:
    """Close this process's prepared cloud, if any (before it sets up one of its own, as a negative control does)."""
    global _prepared
    cloud, _prepared = _prepared, None
    if cloud is not None:
        cloud.__exit__(None, None, None)


def _prepared_for(plan: RecoveryPlan, latencies: Latencies) -> LocalCloud:
    global _prepared  # noqa: PLW0603 - see release
    if _prepared is not None and _prepared.plan == plan and _prepared.latencies == latencies:
        return _prepared
    release()
    cloud = LocalCloud(plan, latencies=latencies).prepare()
    _ready_to_fork(cloud)
    _prepared = cloud
    return cloud


def _ready_to_fork(cloud: LocalCloud) -> None:
    """Do now, once, what every drill forked from ``cloud`` would do again the first time (a cloud that serves one
    drill does it as it goes, only where it needs to): make every client the handlers may ask for (a drill uses about
    half of them), build the clients the state machines' tasks ask for, parse every path of their definitions, and
    expand the stack's roles (Application Auto Scaling's check)."""
    from evac.aws import clients
    from evac.aws.probes import PUBLISH_TIMEOUT_SECONDS

    plan = cloud.plan
    for service in HANDLER_SERVICES:
        for region in plan.vantages:
            clients.client(service, region)
            clients.client(service, region, probe=True)
    for region in plan.vantages:
        clients.bounded("cloudwatch", region, PUBLISH_TIMEOUT_SECONDS)
        for service in PROBED_SERVICES:
            clients.bounded(service, region, plan.probes.timeout_seconds)
    machines = list(deployed_machines(cloud.stacks))
    cloud.task_clients.warm(machines)
    cloud.paths.warm(machines)
    for region in plan.regions.both:
        cloud.scalable_targets.roles(region)


def _answer(write: int, cloud: LocalCloud, call: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> None:
    """The child's whole life: adopt the cloud, call, send (ok, result or exception), exit at once."""
    global _adopted  # noqa: PLW0603 - one per child process: the cloud the fork was made for (``adopted``)
    code = 0
    # The child lives for one drill, and its exit frees everything: the cyclic collector would only walk, and touch
    # (copying the parent's pages on write), objects that die with it. Off, a matrix case costs a tenth less CPU and
    # its process some 30 MB more at its peak (measured on the default plan).
    gc.disable()
    try:
        _adopted = cloud
        try:
            answer = (True, call(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - the parent raises it again
            answer = (False, exc)
        try:
            data = pickle.dumps(answer)
        except Exception as exc:  # noqa: BLE001 - a result or exception that does not pickle: what it was does
            what = traceback.format_exception_only(answer[1])[-1].strip() if not answer[0] else type(answer[1]).__name__
            data = pickle.dumps((False, ForkedDrillError(f"the forked drill's answer ({what}) cannot be sent: {exc}")))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
    except BaseException:  # noqa: BLE001 - nothing may escape into the parent's code, in this process
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
