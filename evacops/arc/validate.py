"""Check a ``CreatePlan`` request against botocore's ARC Region switch service model, before AWS sees it.

botocore's own ``ParamValidator`` checks what every client checks on the way out (required members, unknown members,
types, minimum lengths and ranges, one member of a union); the service also enforces the model's enums, patterns and
maximums (https://docs.aws.amazon.com/arc-region-switch/latest/api/CommonErrors.html, ``ValidationException``),
which this checks too, so a request that passes here fails in AWS only on what AWS alone knows (does the role exist).

Example::

    problems(create_plan_request(plan, target))  # -> [] for a valid request
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

import botocore.session
from botocore.model import ListShape, MapShape, StringShape, StructureShape
from botocore.validate import ParamValidator

if TYPE_CHECKING:
    from botocore.model import OperationModel, Shape

SERVICE, OPERATION = "arc-region-switch", "CreatePlan"


@cache
def create_plan_model() -> OperationModel:
    return botocore.session.get_session().get_service_model(SERVICE).operation_model(OPERATION)


def problems(request: dict[str, Any]) -> list[str]:
    """Every way ``request`` breaks the model, one line each naming the member; empty when it is valid."""
    shape = create_plan_model().input_shape
    if shape is None:  # CreatePlan always has an input; a model without one cannot be checked against
        return [f"botocore's {SERVICE} model has no input for {OPERATION}"]
    report = ParamValidator().validate(request, shape)
    found = report.generate_report().splitlines() if report.has_errors() else []
    return found + list(_constraints(request, shape, "input"))


def _constraints(value: Any, shape: Shape, path: str) -> list[str]:
    """The model's enum, pattern and maximum constraints, which botocore leaves to the service."""
    found: list[str] = []
    meta = shape.metadata
    if isinstance(shape, StringShape) and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            found.append(f"Invalid value for parameter {path}: {value!r}, must be one of: {', '.join(shape.enum)}")
        if (pattern := meta.get("pattern")) and not _matches(pattern, value):
            found.append(f"Invalid value for parameter {path}: {value!r} does not match the pattern {pattern}")
    if "max" in meta and isinstance(value, (str, list, dict, int)) and not isinstance(value, bool):
        size = value if isinstance(value, int) else len(value)
        if size > meta["max"]:
            kind = "range" if isinstance(value, int) else "length"
            found.append(f"Invalid {kind} for parameter {path}: {size}, valid max: {meta['max']}")
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                found += _constraints(value[name], member, f"{path}.{name}")
    elif isinstance(shape, ListShape) and isinstance(value, list):
        for i, item in enumerate(value):
            found += _constraints(item, shape.member, f"{path}[{i}]")
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        for key, item in value.items():
            found += _constraints(key, shape.key, f"{path} (key: {key})")
            found += _constraints(item, shape.value, f"{path}.{key}")
    return found


def _matches(pattern: str, value: str) -> bool:
    """Smithy patterns are ECMA 262 regexes, unanchored unless they say so; Python's ``re`` lacks ``\\p{...}``
    classes, and a pattern it cannot compile is left to the service."""
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return True
