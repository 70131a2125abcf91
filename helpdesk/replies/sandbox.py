"""Jinja's sandbox with bounded work: reply templates are written by admins, rendered on
every ticket page that picks them, and must never take the page down.

Jinja's own sandbox stops templates from reaching Python internals, not from working
forever or building huge values. Here every loop step and every call (macros included)
counts against a budget of steps and time, each value that can grow (`~`, `+`, `*`, `%`,
the width/replace filters, a macro's output) is checked against MAX_TEXT, and the output is
collected piece by piece up to MAX_TEXT. Recursion and memory errors end the render too.
`render` raises TemplateProblem with a message for the agent.
"""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from jinja2 import Template, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from helpdesk.replies.errors import TemplateProblem

MAX_TEXT = 100_000  # characters of any value, and of the rendered text
MAX_STEPS = 200_000  # loop iterations and calls in one render
MAX_SECONDS = 1.0
_PERCENT_STAR = re.compile(r"%[-#0 +]*\*")
_NESTED_SPEC = re.compile(r"\{[^{}]*:[^{}]*\{")
_NUMBER = re.compile(r"\d+")
# Filters that repeat a string argument along their value (an indent per line, a separator
# per item): the value's length times the argument's bounds what they build.
REPEATING = frozenset({"indent", "wordwrap", "join"})


class TooMuch(SecurityError):
    """The template asked for more work or text than a reply may take."""


@dataclass
class _Budget:
    deadline: float = field(default_factory=lambda: time.monotonic() + MAX_SECONDS)
    steps: int = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TooMuch(f"it takes more than {MAX_STEPS:,} loop steps and calls")
        if self.steps % 64 == 0 and time.monotonic() > self.deadline:
            raise TooMuch(f"it takes longer than {MAX_SECONDS:g} s to render")


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("budget", default=None)


def _step() -> None:
    budget = _budget.get()
    if budget is not None:
        budget.step()


def _check_size(size: int) -> None:
    if size > MAX_TEXT:
        raise TooMuch(f"it builds a value longer than {MAX_TEXT:,} characters")


def _sized(value: Any) -> Any:
    if isinstance(value, str | list | tuple | dict):
        _check_size(len(value))
    return value


def _check_format(text: str, args: Any = ()) -> None:
    """Refuse format strings asking for huge widths or precisions."""
    if any(len(n) > 6 or int(n) > MAX_TEXT for n in _NUMBER.findall(text)):
        raise TooMuch("it formats with a width beyond the limit")
    if _NESTED_SPEC.search(text):
        raise TooMuch("it formats with a width taken from a value")
    values = args if isinstance(args, tuple) else (args,)
    if _PERCENT_STAR.search(text) and any(isinstance(v, int) and v > MAX_TEXT for v in values):
        raise TooMuch("it formats with a width beyond the limit")


def counted(iterable: Iterable[Any]) -> Iterator[Any]:
    """What every `{% for %}` iterates: one budget step per item."""
    for item in iterable:
        _step()
        yield item


def concat(items: Iterable[Any]) -> str:
    """`a ~ b`, checked."""
    return _sized("".join(map(str, items)))


def _guarded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        values = [*args, *kwargs.values()]
        if any(type(v) is int and abs(v) > MAX_TEXT for v in values):
            raise TooMuch(f"the {name} filter is given a number beyond the limit")
        strings = [v for v in values if isinstance(v, str)]
        if name == "replace" and len(strings) >= 3:
            text, old, new = strings[:3]
            count = len(text) + 1 if not old else text.count(old)
            _check_size(len(text) + count * len(new))
        if name in REPEATING and values and hasattr(values[0], "__len__") and strings:
            _check_size(len(values[0]) * max(len(v) for v in strings))
        if name == "format" and strings:
            _check_format(strings[0], tuple(values[1:]))
        return _sized(func(*args, **kwargs))

    return guarded


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, also bounding steps, time and the size of what is built."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.filters = {name: _guarded_filter(name, func) for name, func in self.filters.items()}
        self.globals.pop("lipsum", None)  # n paragraphs of filler on request

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            sizes = [len(v) for v in (left, right) if isinstance(v, str | list | tuple)]
            counts = [v for v in (left, right) if isinstance(v, int)]
            if sizes and counts and sizes[0] * abs(counts[0]) > MAX_TEXT:
                raise TooMuch("repeated value too large")
        if operator == "%" and isinstance(left, str):
            _check_format(left, right)
        return _sized(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _step()
        if any(type(v) is int and abs(v) > MAX_TEXT for v in [*args, *kwargs.values()]):
            raise TooMuch("a call is given a number beyond the limit")
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        _check_format(value.__self__)
        return wrapper

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every loop's items pass through `counted`, every `~` through `concat`."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = _call("counted", loop.iter)
        for parent in tree.find_all(nodes.Node):
            for name_, value in parent.iter_fields():
                if isinstance(value, nodes.Concat):
                    setattr(parent, name_, _call("concat", nodes.List(value.nodes)))
                elif isinstance(value, list):
                    value[:] = [
                        _call("concat", nodes.List(v.nodes)) if isinstance(v, nodes.Concat) else v
                        for v in value
                    ]
        return tree


def _call(function: str, argument: nodes.Node) -> nodes.Call:
    target = nodes.ImportedName(f"{__name__}.{function}")
    return nodes.Call(target, [argument], [], None, None)


def render(template: Template, variables: Mapping[str, object]) -> str:
    """The rendered text, or TemplateProblem saying what the template asked too much of."""
    token = _budget.set(_Budget())
    size = 0
    pieces: list[str] = []
    try:
        for piece in template.generate(dict(variables)):
            size += len(piece)
            if size > MAX_TEXT:
                raise TemplateProblem("The rendered text is too long.")
            pieces.append(piece)
    except TooMuch as exc:
        raise TemplateProblem(f"The template asks too much: {exc}.") from None
    except RecursionError:
        raise TemplateProblem("The template calls itself without end.") from None
    except MemoryError:
        raise TemplateProblem("The template builds text too large to hold.") from None
    finally:
        _budget.reset(token)
    return "".join(pieces)
