"""Work that botocore and moto repeat on every AWS call, done once where its answer cannot change.

A drill makes several hundred AWS calls, every one of them in this process: what each costs in Python is what a fault
matrix case costs. Two pure computations are remembered (both outside the model: no modelled time depends on them):

- botocore sanitises each part of the User-Agent header character by character on every request (``useragent``); the
  parts are the same few dozen strings over and over.
- moto looks up the methods of the response class (``inspect.getmembers``) on every request to see whether it serves
  the action. A class's methods change only while the local cloud installs its fidelity (``patch.object`` on the
  response classes, ``create=True`` for the APIs moto lacks), so the methods are remembered per class from the first
  call of a cloud that is set up, for that cloud's lifetime.

And one that moto repeats on every ``CreateKey``: it generates a 2048-bit RSA key pair for each KMS key, a symmetric
one too, whose pair nothing reads (AWS has none; moto encrypts with the key's own material): 20 to 200 ms of CPU a
key, two or more a cloud. Keys that are not asymmetric share one pair per process; RSA and ECC keys get their own.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING
from unittest.mock import patch

from botocore import useragent
from moto.core import responses
from moto.kms import models as kms_models
from moto.kms.utils import AbstractPrivateKey, KeySpec, generate_private_key

if TYPE_CHECKING:
    from contextlib import ExitStack


def remember_per_call_work(stack: ExitStack) -> None:
    """Install both, until ``stack`` closes. Call it after every patch of moto's response classes."""
    sanitise = functools.lru_cache(maxsize=1024)(useragent.sanitize_user_agent_string_component)
    stack.enter_context(patch.object(useragent, "sanitize_user_agent_string_component", sanitise))
    methods = functools.lru_cache(maxsize=None)(responses.method_names_from_class)
    stack.enter_context(patch.object(responses, "method_names_from_class", methods))
    stack.enter_context(patch.object(kms_models, "generate_private_key", _key_pair))


def _key_pair(key_spec: str) -> AbstractPrivateKey:
    if key_spec in KeySpec.rsa_key_specs() or key_spec in KeySpec.ecc_key_specs():
        return generate_private_key(key_spec)
    return _unused_pair()


@functools.cache
def _unused_pair() -> AbstractPrivateKey:
    return generate_private_key(KeySpec.SYMMETRIC_DEFAULT)
