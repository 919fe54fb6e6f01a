"""How `init` asks questions: a terminal by default, canned answers in tests."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from .common import UsageError

__all__ = ["Prompts"]


def _say(text: str) -> None:
    print(text, file=sys.stderr)


@dataclass
class Prompts:
    """Questions and hidden input; without a terminal every question must come as a flag."""

    interactive: bool
    ask: Callable[[str], str] = input
    secret: Callable[[str], str] = getpass.getpass
    say: Callable[[str], None] = field(default=_say)

    def need(self, what: str, flag: str) -> None:
        """Refuse to ask when nobody can answer: name the flag that gives `what`."""
        if not self.interactive:
            raise UsageError(f"{what} is needed: pass {flag} (no terminal to ask on)")
