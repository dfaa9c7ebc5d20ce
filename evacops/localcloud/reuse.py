"""What one local cloud's set-up leaves for the next in the same process: work that depends only on files in this
checkout and on botocore's data, never on any AWS state. Every cloud still starts from an empty moto account and
creates every resource through the APIs; only the parsing in between is done once::

    with ExitStack() as stack:
        share_service_models(stack)    # sessions made now share one loader of botocore's service models
        template = parsed_template()   # template.yaml, parsed once per content

- botocore parses each service's JSON model once per loader, and each new session has a loader of its own: the
  local cloud makes new sessions for every cloud (its fault hooks must be in them), so each cloud parsed every model
  again. The models are data, read-only once loaded.
- template.yaml and the ASL files are parsed once per content (a changed file is parsed again); each caller gets its
  own copy of the template, and moto's interpreter runs a deep copy of a parsed program (``ParsedDefinitions``).
- Each function's role as the template grants it (``evacops.iam.principals``: SAM's expansion of the template, 0.6 s
  per region) depends only on template.yaml, the region and the stack's parameters: Application Auto Scaling's
  permission check reads it on each cloud's first RegisterScalableTarget in a region.
- The set-up creates a few hundred thousand objects that live as long as the cloud; the garbage collector would walk
  them over and over while they are made (``quiet_collector``).
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import boto3
import botocore.session
from botocore.httpsession import URLLib3Session, create_urllib3_context
from botocore.loaders import create_loader
from moto.core.base_backend import AccountSpecificBackend
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from evac.aws import clients
from evacops.template import TEMPLATE, load_template

if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import ExitStack
    from pathlib import Path

    from botocore.loaders import Loader

    from evacops.iam import Principal

_lock = threading.Lock()
_loaders: dict[str | None, Loader] = {}  # AWS_DATA_PATH -> the loader every session made in a cloud shares
_templates: dict[tuple[str, str], dict[str, Any]] = {}  # (path, sha256 of its text) -> the parsed document
_roles: dict[tuple[str, str, str], dict[str, Principal]] = {}  # (template sha256, region, parameters) -> roles
_programs: dict[str, Any] = {}  # ASL definition text -> moto's parsed program
_tls: list[Any] = []  # the one TLS context every client's connection pool is given (no connection leaves moto)


class _SearchPaths(list[str]):
    """A loader's search paths: boto3 adds its own data folder to every session's loader; once is enough."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


def _shared_loader(search_path_string: str | None = None) -> Loader:
    with _lock:
        if search_path_string not in _loaders:
            loader = create_loader(search_path_string)
            loader._search_paths = _SearchPaths(loader.search_paths)  # type: ignore[attr-defined]
            _loaders[search_path_string] = loader
        return _loaders[search_path_string]


def share_service_models(stack: ExitStack) -> None:
    """Every botocore session made until ``stack`` closes loads service models through one process-wide loader, and
    every client made shares one TLS context (botocore makes one per client, a few ms each; moto answers every request
    before it is sent, so none is ever used, but handlers and schedules make clients as they run)."""
    stack.enter_context(patch.object(botocore.session, "create_loader", _shared_loader))
    stack.enter_context(patch.object(URLLib3Session, "_get_ssl_context", _shared_tls))


def new_sessions() -> None:
    """Forget boto3's default session, evac's clients and the session moto keeps to list regions, so the next ones
    are made with the handlers now built in (a session kept from a closed cloud would keep that cloud alive)."""
    boto3.DEFAULT_SESSION = None
    clients.clear()
    AccountSpecificBackend.get_session.cache_clear()


def share_harness_clients(stack: ExitStack) -> None:
    """Until ``stack`` closes, ``boto3.client(service, region)`` returns one client per service and region, made from
    the session current when it is first asked for. The cloud's own code (seeding, deploying, schedules, observing)
    asks for a new client at each step, ~5 ms of CPU each; clients are thread-safe, and the fault hooks that
    attribute a call read the calling thread and the request's credentials at the call, not the client. Any other
    form (a config, credentials, an endpoint, the region left to the environment) makes a client as boto3 does."""
    made: dict[tuple[Any, Any], Any] = {}
    lock = threading.Lock()
    original = boto3.client

    def client(*args: Any, **kwargs: Any) -> Any:
        given = dict(zip(("service_name", "region_name"), args, strict=False)) | kwargs
        named = (given.get("service_name"), given.get("region_name"))
        if len(args) > len(named) or set(given) != {"service_name", "region_name"} or None in named:
            return original(*args, **kwargs)
        with lock:
            if named not in made:
                made[named] = original(*args, **kwargs)
            return made[named]

    stack.enter_context(patch.object(boto3, "client", client))


def _shared_tls(_: URLLib3Session) -> Any:
    with _lock:
        if not _tls:
            _tls.append(create_urllib3_context())
        return _tls[0]


def parsed_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """``load_template(path)``, parsed once per content of the file; the caller's own copy."""
    text = path.read_text(encoding="utf-8")
    key = (str(path), hashlib.sha256(text.encode()).hexdigest())
    with _lock:
        if key not in _templates:
            _templates[key] = load_template(path)
        return copy.deepcopy(_templates[key])


def roles(region: str, parameters: dict[str, Any]) -> dict[str, Principal]:
    """``evacops.iam.principals(region, parameters)`` for template.yaml, expanded once per content of the file, region
    and parameters; the caller's own copy."""
    from evacops.iam import principals  # here: evacops.iam imports the local cloud (a cycle)

    text = TEMPLATE.read_text(encoding="utf-8")
    key = (hashlib.sha256(text.encode()).hexdigest(), region, json.dumps(parameters, sort_keys=True, default=str))
    with _lock:
        found = _roles.get(key)
    if found is None:
        found = principals(region, parameters)
        with _lock:
            found = _roles.setdefault(key, found)
    return copy.deepcopy(found)


def program(definition: str) -> Any:
    """moto's parsed program of an ASL ``definition``, parsed once per process (callers run a deep copy of it)."""
    with _lock:
        parsed = _programs.get(definition)
    if parsed is None:
        parsed = AmazonStateLanguageParser.parse(definition)[0]
        with _lock:
            parsed = _programs.setdefault(definition, parsed)
    return parsed


def validate_once(stack: ExitStack) -> None:
    """moto validates a definition by parsing it at CreateStateMachine; here that parse is the one kept (``program``),
    and a definition that does not parse is left to moto's own validation, which raises ``InvalidDefinition``."""
    validate = StepFunctionsParserBackend._validate_definition

    def once(definition: str) -> None:
        try:
            program(definition)
        except Exception:  # moto's own validation says what is wrong, as it would have
            validate(definition)
            raise

    stack.enter_context(patch.object(StepFunctionsParserBackend, "_validate_definition", staticmethod(once)))


@contextmanager
def quiet_collector() -> Iterator[None]:
    """No cyclic garbage collection while the block runs (a set-up that only adds long-lived objects): collecting
    then would walk every object made so far each few hundred allocations and find almost nothing to free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
