"""Run a coroutine at once, in the caller's own callback, and leave only what it could not finish.

A task per realtime frame costs a scheduling round and a task switch; a host that stores a
sample without waiting never needs one. Python 3.12's eager tasks do this for tasks; on 3.11
this is the same idea for one awaited call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine, Generator
from typing import Any

__all__ = ["start_eagerly"]


def start_eagerly(coro: Coroutine[Any, Any, None]) -> Awaitable[None] | None:
    """Run `coro` until it first waits: None if it finished (what it raised is raised here),
    else an awaitable that finishes it, to be awaited by a task as `coro` itself would be."""
    try:
        waiting_on = coro.send(None)
    except StopIteration:
        return None
    return _Rest(coro, waiting_on)


class _Rest:
    """The rest of a started coroutine: what it waits on goes to the awaiting task, and what
    the task sends or throws goes back into it, exactly as `await coro` passes them."""

    __slots__ = ("_coro", "_waiting_on")

    def __init__(self, coro: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self._coro = coro
        self._waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, None]:
        coro, waiting_on = self._coro, self._waiting_on
        while True:
            try:
                sent = yield waiting_on
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # a cancellation too: the coroutine decides
                try:
                    waiting_on = coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    waiting_on = coro.send(sent)
                except StopIteration:
                    return
