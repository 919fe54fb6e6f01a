"""Run inside a fresh network namespace by test_web_nonloopback.py; prints one JSON result.

The namespace has only its own loopback interface, carrying the documentation address
192.0.2.1 as well, so the dashboard can be bound to a real non-loopback address that nothing
outside the namespace can reach. The probe starts `demo --web 192.0.2.1:0` twice and drives
Debian's Chromium against it.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

from playwright.async_api import async_playwright

ADDRESS = "192.0.2.1"


def start_demo(directory: Path) -> tuple[subprocess.Popen[str], list[str]]:
    """Start the demo; return it and its stderr lines up to the realtime feed's opening."""
    demo = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [
            sys.executable,
            "-m",
            "sense_energy_driver",
            "demo",
            "--web",
            f"{ADDRESS}:0",
            "--no-live",
            "--seconds",
            "120",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert demo.stderr is not None
    lines: list[str] = []
    for line in demo.stderr:  # until the feed is open: Ctrl-C then stops the demo cleanly
        lines.append(line.rstrip("\n"))
        if "realtime open" in line:
            break
    return demo, lines


def stop_demo(demo: subprocess.Popen[str]) -> int:
    demo.send_signal(signal.SIGINT)
    try:
        return demo.wait(timeout=20)
    finally:
        if demo.poll() is None:
            demo.kill()


async def browse(url: str, token: str) -> dict[str, object]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            stranger = await browser.new_page()
            refused = await stranger.goto(url)
            refused_text = await stranger.text_content("body")
            api = await stranger.goto(url + "api/state")
            page = await browser.new_page()  # a context of its own: no console from the above
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            opened = await page.goto(f"{url}?token={token}")
            await page.wait_for_function(
                # data-value is absent until the first state arrives, then "" until a sample.
                "() => !!document.querySelector('[data-testid=power]').dataset.value",
                timeout=10_000,
            )
            power = await page.text_content("[data-testid=power]")
            html = await page.content()
            errors = list(errors)  # the page's own; the API answer below is not a page
            state = await page.goto(url + "api/state")  # with the session cookie
            state_text = await state.text() if state else ""
            return {
                "page_has_token": token in html,
                "state_status": state.status if state else None,
                "state_has_token": token in state_text,
                "refused_status": refused.status if refused else None,
                "refused_text": refused_text,
                "api_status": api.status if api else None,
                "opened_status": opened.status if opened else None,
                "opened_url": page.url,
                "power": power,
                "errors": errors,
            }
        finally:
            await browser.close()


def main() -> None:
    directory = Path(sys.argv[1])
    demo, first_lines = start_demo(directory)
    try:
        text = "\n".join(first_lines)
        url_match = re.search(r"web dashboard on (http://\S+)", text)
        token_match = re.search(r"shown this once.*\n\s+(\S+)", text)
        assert url_match and token_match, text
        result = asyncio.run(browse(url_match[1], token_match[1]))
    finally:
        first_code = stop_demo(demo)
    again, second_lines = start_demo(directory)
    second_code = stop_demo(again)
    result.update(
        first_lines=first_lines,
        second_lines=second_lines,
        token=token_match[1],
        codes=[first_code, second_code],
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
