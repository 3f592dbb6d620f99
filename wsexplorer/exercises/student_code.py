"""Find a student's functions and turn them into code a sandboxed process can run.

A student hands in a module (a ``.py`` file, or a module object that has one), a path, or the
functions themselves: a dict such as a notebook's ``globals()``, or any object with the functions as
attributes. Functions written in a notebook have no file, so their source is gathered with
:mod:`inspect`, together with what they use from the notebook: the modules they refer to become
``import`` lines, other functions and classes of the notebook are gathered the same way, and plain
constants (numbers, strings, bytes, tuples of them) are written out. Anything else is refused with a
sentence saying what to change, rather than sent half-working.
"""

from __future__ import annotations

import dis
import inspect
import os
import sys
import textwrap
import types
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .sandbox import StudentCode

__all__ = ["CodeNotUsable", "student_code"]

_MAX_CONSTANT = 100_000  # characters of a constant's repr written out
_CONSTANT_TYPES = (type(None), bool, int, float, complex, str, bytes)


class CodeNotUsable(ValueError):
    """The student's functions cannot be sent to the sandbox as they are; the message says why."""


def student_code(target: object, roles: Mapping[str, str]) -> StudentCode:
    """The code that defines the functions named in ``roles`` (role -> the student's name).

    ``target`` is a path to a ``.py`` file, a module, a mapping of names to functions (a notebook's
    ``globals()``), or an object with the functions as attributes. Roles whose function cannot be
    found are left for the sandbox to report as missing.
    """
    if isinstance(target, (str, os.PathLike)):
        path = Path(target)
        if not path.is_file():
            raise CodeNotUsable(f"{str(path)!r} is not a file")
        return StudentCode(dict(roles), path=str(path.resolve()))
    if isinstance(target, types.ModuleType):
        file = getattr(target, "__file__", None)
        if file and Path(file).is_file() and Path(file).suffix == ".py":
            return StudentCode(dict(roles), path=str(Path(file).resolve()))
        found = {name: getattr(target, name) for name in roles.values() if hasattr(target, name)}
    elif isinstance(target, Mapping):
        found = {name: target[name] for name in roles.values() if name in target}
    else:
        found = {name: getattr(target, name) for name in roles.values() if hasattr(target, name)}
    functions = {name: f for name, f in found.items() if callable(f)}
    return StudentCode(dict(roles), source=_gather(functions))


def _gather(functions: Mapping[str, Callable[..., Any]]) -> str:
    """Source text defining ``functions`` (under the names given) and what they use."""
    imports: dict[str, str] = {}
    constants: dict[str, str] = {}
    bodies: dict[int, str] = {}
    order: list[int] = []

    def add(obj: Any, name: str) -> None:
        if id(obj) in bodies:
            return
        obj = inspect.unwrap(obj) if callable(obj) else obj
        if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
            raise CodeNotUsable(f"{name} is a lambda: define it with def so its source can be sent")
        if isinstance(obj, types.FunctionType) and obj.__code__.co_freevars:
            names = ", ".join(repr(v) for v in obj.__code__.co_freevars)
            raise CodeNotUsable(
                f"{name} uses {names} from the function it is defined in; define {name} at the top level "
                "of a cell or a .py file"
            )
        try:
            source = textwrap.dedent(inspect.getsource(obj))
        except (OSError, TypeError):
            raise CodeNotUsable(
                f"the source of {name} cannot be found: define it in a notebook cell or a .py file"
            ) from None
        bodies[id(obj)] = source if obj.__name__ == name else f"{source}\n{name} = {obj.__name__}\n"
        for used in _globals_used(obj):
            _use(obj, used, add, imports, constants)
        order.append(id(obj))

    for name, function in functions.items():
        add(function, name)
    parts = [*imports.values(), *constants.values(), *(bodies[i] for i in order)]
    return "\n".join(parts) + "\n"


def _use(
    owner: Any,
    name: str,
    add: Callable[[Any, str], None],
    imports: dict[str, str],
    constants: dict[str, str],
) -> None:
    """Make ``name``, a global used by ``owner``, available in the gathered source."""
    namespace: Mapping[str, Any] = getattr(owner, "__globals__", None) or vars(
        inspect.getmodule(owner) or owner
    )
    if name not in namespace or name in imports or name in constants:
        return  # a builtin, or already there
    value = namespace[name]
    if isinstance(value, types.ModuleType):
        module = value.__name__
        imports[name] = f"import {module}" if module == name else f"import {module} as {name}"
        return
    home = getattr(value, "__module__", None)
    if callable(value) and home == getattr(owner, "__module__", None):
        add(value, name)
        return
    where = _public_home(value, name) if callable(value) else None
    if where is not None:
        module, original = where
        imports[name] = f"from {module} import {original}" + (f" as {name}" if original != name else "")
        return
    if isinstance(value, _CONSTANT_TYPES) or (
        isinstance(value, (tuple, frozenset)) and all(isinstance(v, _CONSTANT_TYPES) for v in value)
    ):
        text = repr(value)
        if len(text) <= _MAX_CONSTANT:
            constants[name] = f"{name} = {text}"
            return
    raise CodeNotUsable(
        f"{name!r} (a {type(value).__name__}) is used by {getattr(owner, '__name__', owner)} but cannot be "
        "sent to the sandbox: create it inside the function, or put your code in a .py file"
    )


def _public_home(value: Any, name: str) -> tuple[str, str] | None:
    """A public module and a name to import ``value`` from (``hashlib``'s ``sha1``, not ``_hashlib``'s)."""
    home, original = getattr(value, "__module__", None), getattr(value, "__qualname__", "")
    candidates = [(home, original), *((m, name) for m in list(sys.modules))]
    for module_name, attr in candidates:
        if not module_name or not attr or "." in attr or module_name in ("__main__", "builtins"):
            continue
        if any(part.startswith("_") for part in module_name.split(".")):
            continue
        module = sys.modules.get(module_name)
        if module is not None and getattr(module, attr, None) is value:
            return module_name, attr
    return None


def _globals_used(obj: Any) -> Iterator[str]:
    """The global names a function (or a class's methods) reads, nested functions included."""
    codes: list[types.CodeType] = []
    if isinstance(obj, types.FunctionType):
        codes.append(obj.__code__)
    elif isinstance(obj, type):
        codes.extend(v.__code__ for v in vars(obj).values() if isinstance(v, types.FunctionType))
        for base in obj.__bases__:
            if base is not object:
                yield base.__name__
    seen: set[str] = set()
    while codes:
        code = codes.pop()
        for ins in dis.get_instructions(code):
            if (
                ins.opname in ("LOAD_GLOBAL", "LOAD_NAME")
                and isinstance(ins.argval, str)
                and ins.argval not in seen
            ):
                seen.add(ins.argval)
                yield ins.argval
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
