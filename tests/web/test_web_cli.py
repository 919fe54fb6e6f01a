"""`--web` on the CLI: the demo serves the dashboard beside the driver; bad values exit 2."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import httpx
import pytest

from sense_energy_driver.cli import main
from sense_energy_driver.cli.services import SERVICES
from tests.cli.conftest import _forget_cli_logging  # noqa: F401 - an autouse fixture


def test_the_web_service_is_registered_for_run_and_demo() -> None:
    assert [spec.name for spec in SERVICES].count("web") == 1


@pytest.mark.parametrize(
    ("value", "says"),
    [("127.0.0.1:http", "port must be a number"), ("::1:80", "brackets")],
)
def test_a_bad_web_address_is_a_usage_error(
    value: str, says: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["demo", "--web", value, "--seconds", "1", "--dir", str(tmp_path)])
    assert code == 2
    assert says in capsys.readouterr().err


def test_demo_serves_the_dashboard_on_loopback_while_it_runs(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The demo in this thread; a second thread reads the API while it runs."""
    seen: dict[str, object] = {}
    announced = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("web dashboard on "):
                seen["url"] = record.getMessage().removeprefix("web dashboard on ")
                announced.set()

    watch = Watch()
    logger = logging.getLogger("sense_energy_driver.web.server")
    logger.addHandler(watch)
    logger.setLevel(logging.INFO)

    def read_api() -> None:
        if not announced.wait(30):
            return
        with httpx.Client(base_url=str(seen["url"]).rstrip("/"), timeout=10) as client:
            # The event stream says when the driver has written zone values: no polling.
            with client.stream("GET", "/api/events") as events:
                for line in events.iter_lines():
                    if line.startswith("data: ") and '"zones":{"' in line:
                        break
            seen["state"] = client.get("/api/state").json()

    reader = threading.Thread(target=read_api)
    reader.start()
    try:
        code = main(
            ["demo", "--web", "127.0.0.1:0", "--no-live", "--seconds", "4", "--dir", str(tmp_path)]
        )
    finally:
        reader.join(30)
        logger.removeHandler(watch)
    err = capfd.readouterr().err
    assert code == 0
    assert re.search(r"web dashboard on http://127\.0\.0\.1:\d+/", err)
    assert "token" not in err  # loopback: no token made or asked
    assert not (tmp_path / "demo.web-token").exists()
    state = seen.get("state")
    assert isinstance(state, dict), seen
    assert state["name"] == "Sense demo" and len(state["zones"]) > 3
