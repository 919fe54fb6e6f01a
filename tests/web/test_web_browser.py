"""The dashboard in a real browser (Debian's Chromium) against the simulator, over loopback.

No sleeps: every check waits for a condition in the page with a timeout.
"""

from __future__ import annotations

import pytest

from tests.web.conftest import OpenPage, WebEnv

POWER = "[data-testid=power]"


def _zone(address: str) -> str:
    return f'[data-zone="{address}"]'


async def _displayed_power(page: object) -> int:
    text = await page.text_content(POWER)  # type: ignore[attr-defined]
    return int(str(text).replace(",", ""))


async def _power_shown(page: object) -> None:
    # data-value is absent until the first state arrives, then "" until a sample: wait for both.
    await page.wait_for_function(  # type: ignore[attr-defined]
        "sel => !!document.querySelector(sel).dataset.value", arg=POWER, timeout=5000
    )


async def test_the_page_loads_with_values_and_no_console_error(
    web_env: WebEnv, open_page: OpenPage
) -> None:
    opened = await open_page(web_env.url)
    page = opened.page
    await _power_shown(page)
    await page.wait_for_selector("#zones li[data-zone]", timeout=5000)
    zones = await page.eval_on_selector_all("#zones li", "els => els.map(e => e.dataset.zone)")
    assert sorted(zones) == sorted(web_env.devices)
    states = await page.eval_on_selector_all("#zones li", "els => els.map(e => e.dataset.state)")
    assert set(states) <= {"on", "off"}
    assert await page.get_attribute("[data-testid=health]", "data-stale") == "false"
    assert "connected" in str(await page.text_content("[data-testid=feed-status]"))
    # Wait for the daily chart's totals too, so every request the page makes has been answered.
    await page.wait_for_function(
        "() => document.querySelector('[data-testid=daily-note]').textContent === ''",
        timeout=10_000,
    )
    assert opened.errors == []


async def test_power_follows_the_simulator_within_5_s(web_env: WebEnv, open_page: OpenPage) -> None:
    page = (await open_page(web_env.url)).page
    await _power_shown(page)
    before = await _displayed_power(page)
    off = next(a for a in web_env.devices if a not in web_env.sim.truth())
    web_env.sim.force_device(None, off, 6000)

    await page.wait_for_function(
        "([sel, n]) => Number(document.querySelector(sel).dataset.value) >= n",
        arg=[POWER, before + 5000],
        timeout=5000,
    )
    assert await _displayed_power(page) >= before + 5000

    web_env.sim.release_device(None, off)
    await page.wait_for_function(
        "([sel, n]) => Number(document.querySelector(sel).dataset.value) < n",
        arg=[POWER, before + 5000],
        timeout=5000,
    )


@pytest.mark.parametrize("switch_on", [True, False], ids=["switched-on", "switched-off"])
async def test_a_switched_zone_flips_its_state_within_2_s(
    web_env: WebEnv, open_page: OpenPage, switch_on: bool
) -> None:
    page = (await open_page(web_env.url)).page
    await page.wait_for_selector("#zones li[data-zone]")
    address = next(iter(web_env.devices))
    # Hold the device in the opposite state first, and see the page agree.
    web_env.sim.force_device(None, address, 0 if switch_on else 1200)
    start, end = ("off", "on") if switch_on else ("on", "off")
    await page.wait_for_selector(f'{_zone(address)}[data-state="{start}"]', timeout=5000)

    web_env.sim.force_device(None, address, 1200 if switch_on else 0)

    await page.wait_for_selector(f'{_zone(address)}[data-state="{end}"]', timeout=2000)
    watts = await page.text_content(f"{_zone(address)} .watts")
    assert watts == ("1,200 W" if switch_on else "0 W")


async def test_the_charts_are_drawn(web_env: WebEnv, open_page: OpenPage) -> None:
    page = (await open_page(web_env.url)).page
    # The live chart gets a point per sample; wait for a few, then count drawn pixels.
    await page.wait_for_function(
        "() => window.dashboard.charts.power.data[0].length >= 5",
        timeout=5000,
    )
    await page.wait_for_function(
        "() => window.dashboard.charts.daily.data[1].filter(v => v !== null).length === 30",
        timeout=10_000,
    )
    drawn = await page.evaluate(
        """() => ['power-chart', 'daily-chart'].map(id => {
            const canvas = document.querySelector('#' + id + ' canvas');
            const ctx = canvas.getContext('2d');
            const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
            return painted;
        })"""
    )
    assert all(count > 500 for count in drawn), drawn
    series = await page.evaluate("() => window.dashboard.charts.power.series.length")
    assert series == 4  # x, power, solar, grid
    # The timeline has a row per zone, each with at least one span from the store.
    await page.wait_for_function(
        "n => document.querySelectorAll('#timeline .row .span').length >= n",
        arg=len(web_env.devices),
        timeout=5000,
    )


async def test_the_stale_marker_appears_when_the_feed_goes_silent(
    web_env: WebEnv, open_page: OpenPage
) -> None:
    page = (await open_page(web_env.url)).page
    health = "[data-testid=health]"
    await page.wait_for_selector(f'{health}[data-stale="false"]', timeout=5000)
    assert not await page.is_visible("[data-testid=stale]")

    web_env.sim.stall_feed(None)  # the feed stays open but sends nothing

    await page.wait_for_selector(f'{health}[data-stale="true"]', timeout=10_000)
    assert await page.is_visible("[data-testid=stale]")
    assert "ago" in str(await page.text_content("[data-testid=sample-age]"))

    web_env.sim.resume_feed()
    await page.wait_for_selector(f'{health}[data-stale="false"]', timeout=10_000)


async def test_a_phone_sized_screen_shows_the_same_page(
    web_env: WebEnv, open_page: OpenPage
) -> None:
    opened = await open_page(web_env.url, width=390, height=844)
    page = opened.page
    await _power_shown(page)
    width = await page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    assert await page.is_visible(POWER)
    assert opened.errors == []
