"""Least privilege, proven against the drills: every AWS call each function (and each state machine's own
integrations) made is allowed by its role as template.yaml declares it; nothing more is granted without a reason.

The roles are the ones CloudFormation would create: aws-sam-translator expands the SAM policy templates, and the
intrinsics are resolved for each stack with the drill's own parameters. The calls are the local cloud's record of
the drills in ``tests/e2e/conftest.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest

from evacops.iam import NO_RESOURCE_LEVEL, Principal, Statement, allowed, principals, resources
from evacops.template import TEMPLATE, load_template

if TYPE_CHECKING:
    from evacops.localcloud.faults import Call
    from tests.e2e.conftest import Drilled

pytestmark = pytest.mark.e2e
TEMPLATE_LINES = TEMPLATE.read_text(encoding="utf-8").splitlines()
# A grant no drill exercises stays only with this said beside it in template.yaml.
UNUSED_MARK = "no drill"
MANAGED = {k for k, r in load_template()["Resources"].items() if r["Type"] == "AWS::IAM::ManagedPolicy"}


@dataclass(frozen=True)
class Made:
    """A recorded call with the role its caller had in the stack it ran in."""

    call: Call
    role: Principal
    arns: tuple[str, ...]
    drill: str = ""  # the label of the drill that made it (its plan's roles name its own resources)


@cache
def _roles(region: str, parameters: tuple[tuple[str, Any], ...]) -> dict[str, Principal]:
    return principals(region, dict(parameters))


def roles_of(drill: Drilled, region: str) -> dict[str, Principal]:
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in drill.parameters[region].items()}
    return _roles(region, tuple(sorted(values.items())))


@pytest.fixture(scope="module")
def made(drilled: dict[str, Drilled]) -> list[Made]:
    found = []
    for label, drill in drilled.items():
        for call in drill.calls:
            role = roles_of(drill, call.caller_region)[call.caller]
            # a witness stack has no runbook: its prober issues no task token
            arns = resources(call, token_issuer=drill.runbooks.get(call.caller_region, ""))
            found.append(Made(call, role, tuple(arns), label))
    return found


@pytest.fixture(scope="module")
def every_role(drilled: dict[str, Drilled]) -> list[tuple[str, Principal]]:
    """(region, role) of every principal of every stack the drills deployed."""
    drill = next(iter(drilled.values()))
    return [(region, role) for region in drill.parameters for role in roles_of(drill, region).values()]


def test_the_drills_exercised_every_function_and_state_machine(
    made: list[Made], every_role: list[tuple[str, Principal]]
) -> None:
    assert {role.logical_id for _, role in every_role} <= {m.call.caller for m in made}


def test_every_recorded_call_is_allowed_by_its_callers_role(made: list[Made]) -> None:
    denied = sorted(
        {
            f"{m.call.caller} ({m.call.caller_region}): {m.call.action} on {list(m.arns)}"
            for m in made
            if not allowed(m.role, m.call.action, list(m.arns))
        }
    )

    assert denied == []


def test_no_statement_grants_a_wildcard_action(every_role: list[tuple[str, Principal]]) -> None:
    wildcards = [
        f"{role.logical_id}: {action}"
        for _, role in every_role
        for statement in role.statements
        for action in statement.actions
        if "*" in action or "?" in action
    ]

    assert wildcards == []


def test_every_unscoped_grant_is_an_action_without_resource_level_permissions_or_says_why(
    every_role: list[tuple[str, Principal]],
) -> None:
    unscoped = {
        (owner, action)
        for _, role in every_role
        for owner, _, statement in numbered(role)
        if "*" in statement.resources
        for action in statement.actions
    }

    unjustified = sorted(
        f"{logical}: {action}"
        for logical, action in unscoped
        if action not in NO_RESOURCE_LEVEL and not comment_beside(logical, action)
    )

    assert unjustified == []


def test_grants_no_drill_used_are_none_or_justified_beside_them(
    made: list[Made], every_role: list[tuple[str, Principal]]
) -> None:
    # A grant is one action on one resource of one statement, as template.yaml writes it (in a function's or state
    # machine's own policies, or in a managed policy several share): used if any drill used it through any of them.
    # Each call is matched against its caller's role as resolved in its own drill's cloud (every cloud has its own
    # hosted zone id, so a grant on the zone resolves differently in each).
    used: set[tuple[str, int, str, int]] = set()
    names: dict[tuple[str, int, str, int], str] = {}
    for _, role in every_role:
        for owner, index, statement in numbered(role):
            for action in statement.actions:
                for r, pattern in enumerate(statement.resources):
                    names.setdefault((owner, index, action, r), f"{owner}: {action} on {pattern}")
    for m in made:
        for owner, index, statement in numbered(m.role):
            for action in statement.actions:
                for r, pattern in enumerate(statement.resources):
                    if uses(m, action, pattern):
                        used.add((owner, index, action, r))

    unjustified = sorted(
        names[grant] for grant in set(names) - used if UNUSED_MARK not in comment_beside(grant[0], grant[2]).lower()
    )

    assert unjustified == [], "grant these only with a comment saying why no drill needs them, or remove them"


def numbered(role: Principal) -> list[tuple[str, int, Statement]]:
    """(the template block that writes it, its index there, statement) for each of the role's statements: a
    template managed policy is its own block, the rest are the function's or state machine's."""
    counts: dict[str, int] = {}
    found = []
    for statement in role.statements:
        owner = statement.source if statement.source in MANAGED else role.logical_id
        found.append((owner, counts.get(owner, 0), statement))
        counts[owner] = counts.get(owner, 0) + 1
    return found


def uses(made: Made, action: str, pattern: str) -> bool:
    return fnmatchcase(made.call.action.lower(), action.lower()) and any(fnmatchcase(a, pattern) for a in made.arns)


def comment_beside(logical: str, action: str) -> str:
    """The comments beside the template line granting ``action`` in ``logical``'s block: on that line, on its
    statement's ``Action:``, ``Effect:`` or ``Resource:`` line, or in the comment lines right above its ``Action:``;
    empty if there are none."""
    start = TEMPLATE_LINES.index(f"  {logical}:")
    end = next(
        (i for i in range(start + 1, len(TEMPLATE_LINES)) if re.match(r"^  \S", TEMPLATE_LINES[i])),
        len(TEMPLATE_LINES),
    )
    block = TEMPLATE_LINES[start:end]
    for i, line in enumerate(block):
        if action not in line:
            continue
        heading = next((j for j in range(i, -1, -1) if "Action:" in block[j] or "Effect:" in block[j]), i)
        statement = [*_comments_above(block, i), line, *_comments_above(block, heading), block[heading]]
        statement += [block[j] for j in range(i + 1, len(block)) if "Resource:" in block[j]][:1]
        comments = [text.split("#", 1)[1].strip() for text in statement if "#" in text]
        if comments:
            return " ".join(comments)
    return ""


def _comments_above(block: list[str], index: int) -> list[str]:
    """The comment-only lines right above ``block[index]``."""
    above = index
    while above > 0 and block[above - 1].strip().startswith("#"):
        above -= 1
    return block[above:index]
