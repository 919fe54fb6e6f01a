"""The side-service registry: options added to a parser, services entered and left in order."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest

from sense_energy_driver.cli.services import ServiceSpec, add_service_arguments, running_services


def _spec(name: str, events: list[str]) -> ServiceSpec:
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(f"--{name}", action="store_true")

    @asynccontextmanager
    async def service() -> AsyncIterator[None]:
        events.append(f"start {name}")
        try:
            yield
        finally:
            events.append(f"stop {name}")

    def build(
        args: argparse.Namespace, host: Any, driver: Any
    ) -> AbstractAsyncContextManager[None] | None:
        return service() if getattr(args, name) else None

    return ServiceSpec(name, add_arguments, build)


async def test_requested_services_run_around_the_block_in_reverse_stop_order() -> None:
    events: list[str] = []
    specs = (_spec("web", events), _spec("mqtt", events), _spec("kasa", events))
    parser = argparse.ArgumentParser()
    add_service_arguments(parser, specs)
    args = parser.parse_args(["--web", "--kasa"])

    async with running_services(args, host=None, driver=None, services=specs):  # type: ignore[arg-type]
        events.append("driving")

    assert events == ["start web", "start kasa", "driving", "stop kasa", "stop web"]


async def test_a_failing_block_still_stops_every_started_service() -> None:
    events: list[str] = []
    specs = (_spec("web", events),)
    parser = argparse.ArgumentParser()
    add_service_arguments(parser, specs)
    args = parser.parse_args(["--web"])

    with pytest.raises(RuntimeError, match="boom"):
        async with running_services(args, host=None, driver=None, services=specs):  # type: ignore[arg-type]
            raise RuntimeError("boom")

    assert events == ["start web", "stop web"]
