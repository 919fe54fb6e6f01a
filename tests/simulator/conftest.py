"""Fixtures for the simulator suite: a fast simulator, a schema-checking HTTP client, feeds.

Every response the `client` fixture receives is validated against the project's OpenAPI
document by an httpx response hook, so no test can see an off-spec body unnoticed.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msgpack
import pytest
import websockets
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker, validate

from sense_energy_driver.simulator import SenseSimulator

REPO = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO / "sense_energy_driver" / "simulator" / "openapi.yml"
SHARED_SPEC = REPO.parent / "shared" / "spec" / "sense-client-api.openapi.yml"
PREFIX = "/apiservice/api/v1"
# Noon in New York in June: the sun is up on the solar monitor.
START = datetime(2026, 6, 13, 16, 0, tzinfo=UTC)
# The simulator suite checks the OpenAPI document's shapes: the `spec` profile (the `real`
# profile is compared with the recordings in tests/simulator/test_sim_shapes.py).
FAST = {"interval": 0.05, "speed": 60.0, "seed": 7, "start_time": START, "profile": "spec"}


class OpenApi:
    """The project's OpenAPI document, able to check one response against its operation."""

    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.doc: dict[str, Any] = yaml.safe_load(path.read_text())
        self.validated: Counter[str] = Counter()
        routes = []
        for template, item in self.doc["paths"].items():
            pattern = "[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]+\}", template))
            routes.append((template.count("{"), re.compile(pattern + "$"), item))
        self._routes = sorted(routes, key=lambda r: r[0])

    @property
    def operation_ids(self) -> set[str]:
        return {op["operationId"] for item in self.doc["paths"].values() for op in item.values()}

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        for _, pattern, item in self._routes:
            if pattern.match(path) and method.lower() in item:
                op: dict[str, Any] = item[method.lower()]
                return op
        return None

    def check(self, method: str, path: str, status: int, body: Any) -> None:
        """Validate a body against the schema for (operation, status); errors need error_reason."""
        if status >= 400:
            assert isinstance(body, dict), f"{method} {path} -> {status}: non-JSON error body"
            assert isinstance(body.get("error_reason"), str), body
        injected = status >= 400 and body["error_reason"].startswith("Injected")
        assert status != 500 or injected, f"{method} {path} answered 500: {body}"
        if not path.startswith(PREFIX):
            return
        op = self.operation(method, path[len(PREFIX) :])
        if op is None:
            assert path.endswith("/openapi.yml") or status == 404, f"{method} {path} not in spec"
            return
        response = op["responses"].get(str(status), {})
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        self.validated[op["operationId"]] += 1
        if schema is None:
            return
        enforce = (status == 200 and op["operationId"] != "getRealtimeUpdate") or (
            isinstance(body, dict) and "mfa_token" in body
        )
        validate(
            body,
            {**schema, "components": self.doc["components"]},
            cls=OAS30Validator,
            enforce_properties_required=enforce,
            format_checker=oas30_format_checker,
        )


@pytest.fixture(scope="session")
def openapi() -> OpenApi:
    return OpenApi()


@pytest.fixture
async def sim() -> AsyncIterator[SenseSimulator]:
    async with SenseSimulator(monitors=3, **FAST) as simulator:  # type: ignore[arg-type]
        yield simulator


def make_client(sim: SenseSimulator, openapi: OpenApi, **kwargs: Any) -> httpx.AsyncClient:
    """An httpx client whose every response is checked against the OpenAPI document."""

    async def check(response: httpx.Response) -> None:
        await response.aread()
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        request = response.request
        openapi.check(request.method, request.url.path, response.status_code, body)

    return httpx.AsyncClient(base_url=sim.api_url, event_hooks={"response": [check]}, **kwargs)


@pytest.fixture
async def client(sim: SenseSimulator, openapi: OpenApi) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(sim, openapi) as http:
        yield http


async def login(http: httpx.AsyncClient, email: str, password: str) -> dict[str, Any]:
    """Authenticate and return the AuthResponse body."""
    response = await http.post("/authenticate", data={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"bearer {token}"}


@pytest.fixture
async def auth(sim: SenseSimulator, client: httpx.AsyncClient) -> dict[str, Any]:
    """The primary account's AuthResponse."""
    return await login(client, sim.email, sim.password)


@pytest.fixture
def headers(auth: dict[str, Any]) -> dict[str, str]:
    return bearer(auth["access_token"])


class FeedReader:
    """Decodes a feed connection's frames into messages {type, payload[, epoch]}."""

    def __init__(self, ws: websockets.ClientConnection, use_msgpack: bool) -> None:
        self.ws = ws
        self.msgpack = use_msgpack
        self.frames: list[str | bytes] = []
        self._unpacker = msgpack.Unpacker(raw=False)
        self._objects: list[Any] = []
        self._ready: deque[dict[str, Any]] = deque()

    def _decode(self, frame: str | bytes) -> None:
        self.frames.append(frame)
        if self.msgpack:
            assert isinstance(frame, bytes), "msgpack feeds send binary frames"
            self._unpacker.feed(frame)
            self._objects.extend(self._unpacker)
            while len(self._objects) >= 3:
                kind, epoch, payload = self._objects[:3]
                del self._objects[:3]
                self._ready.append({"type": kind, "epoch": epoch, "payload": payload})
        else:
            assert isinstance(frame, str), "JSON feeds send text frames"
            self._ready.append(json.loads(frame))

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        while not self._ready:
            async with asyncio.timeout(timeout):
                self._decode(await self.ws.recv())
        return self._ready.popleft()

    async def until(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        while (message := await self.next(timeout))["type"] != kind:
            pass
        return message

    async def drain(self) -> None:
        """Read until the server closes the connection (raises websockets.ConnectionClosed)."""
        while True:
            await self.next()

    async def updates(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        return [(await self.until("realtime_update", timeout))["payload"] for _ in range(n)]


OpenFeed = Callable[..., AbstractAsyncContextManager[FeedReader]]


@pytest.fixture
def open_feed(sim: SenseSimulator) -> OpenFeed:
    """open_feed(token, monitor_id=None, msgpack=False, **connect_kwargs) -> FeedReader."""

    @asynccontextmanager
    async def opener(
        token: str, monitor_id: str | None = None, *, msgpack: bool = False, **kwargs: Any
    ) -> AsyncIterator[FeedReader]:
        url = sim.feed_url(monitor_id or sim.monitor_ids()[0], token)
        if msgpack:
            kwargs["additional_headers"] = {"Accept": "application/x-msgpack"}
        async with websockets.connect(url, **kwargs) as ws:
            yield FeedReader(ws, msgpack)

    return opener
