"""What a setting allows: one object that checks a value and writes its own "allowed" text.

As scikit-learn's ``Interval`` and ``StrOptions`` do: ``Interval`` for numbers, ``Options`` for
the names of a registry, ``Rule`` for any other check. A config message reads ``allowed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Interval:
    """Numbers from ``low`` to ``high`` (None: unbounded), each end closed or open."""

    integer: bool
    low: float | None
    high: float | None
    closed: str = "both"  # both | left | right | neither
    note: str = ""  # what a special value means, after the range: " (0 = full batch)"

    def check(self, value: Any) -> bool:
        """Return whether the number ``value`` lies in the interval."""
        left, right = self.closed in ("both", "left"), self.closed in ("both", "right")
        if self.low is not None and (value < self.low if left else value <= self.low):
            return False
        return self.high is None or (value <= self.high if right else value < self.high)

    @property
    def allowed(self) -> str:
        """Return the interval as a message writes it: ``0 < x <= 1000``, ``an integer 1 .. 8``."""
        if self.integer:
            if self.high is None:
                text = f"an integer >= {_number(self.low)}"
            else:
                text = f"an integer {_number(self.low)} .. {_number(self.high)}"
        else:
            lo = "<=" if self.closed in ("both", "left") else "<"
            hi = "<=" if self.closed in ("both", "right") else "<"
            if self.high is None:
                text = f"x {'>=' if lo == '<=' else '>'} {_number(self.low)}"
            else:
                text = f"{_number(self.low)} {lo} x {hi} {_number(self.high)}"
        return text + self.note


def _number(x: float | None) -> str:
    return f"{x:g}" if isinstance(x, float) and not x.is_integer() else str(int(x or 0))


@dataclass(frozen=True)
class Options:
    """The names of a registry (read when checked, so a new entry needs no second list).

    ``registry`` is the registry, or a function returning it when importing it up front would
    slow a command that never reads it (the CSV reader's policies, for ``predict``).
    """

    registry: Mapping[str, Any] | Iterable[str] | Callable[[], Iterable[str]]

    @property
    def names(self) -> tuple[str, ...]:
        """Return the allowed names, in the registry's order."""
        registry = self.registry
        return tuple(registry() if callable(registry) else registry)

    def check(self, value: Any) -> bool:
        """Return whether ``value`` is one of the names."""
        return value in self.names

    @property
    def allowed(self) -> str:
        """Return ``one of a, b, c``."""
        return "one of " + ", ".join(self.names)


@dataclass(frozen=True)
class Rule:
    """Any other check, with the text that says what it allows."""

    test: Callable[[Any], bool]
    text: str

    def check(self, value: Any) -> bool:
        """Return ``test(value)``."""
        return self.test(value)

    @property
    def allowed(self) -> str:
        """Return the text."""
        return self.text


Constraint = Interval | Options | Rule
