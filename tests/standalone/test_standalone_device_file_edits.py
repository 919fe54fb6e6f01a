"""The device file stays the user's: saves merge into edits, reloads take them, one runner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sense_energy_driver.standalone import (
    DeviceFile,
    DeviceFileError,
    DeviceFileLock,
    DeviceInUseError,
    StandaloneHost,
    Zone,
    atomic,
)
from sense_energy_driver.standalone.atomic import atomic_write_text
from sense_energy_driver.standalone.zonecheck import unknown_zone_warnings
from tests.standalone.conftest import PASSWORD, WriteDevice


def _edit(path: Path, change: object) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert callable(change)
    change(document)
    atomic_write_text(path, json.dumps(document))


def test_a_driver_write_keeps_an_edit_made_meanwhile(write_device: WriteDevice) -> None:
    path = write_device()
    loaded = DeviceFile.load(path)
    _edit(path, lambda d: d["zones"].append({"address": "oven1", "label": "Oven"}))

    assert loaded.set("refresh_token", "rt-1")

    saved = json.loads(path.read_text(encoding="utf-8"))
    assert {"address": "oven1", "label": "Oven"} in saved["zones"]
    assert saved["attributes"]["refresh_token"].startswith("gem-crypt:")
    # The merged edit is still news for reload(), which takes it.
    changes = loaded.reload()
    assert changes.zones_added == (Zone("oven1", "Oven"),)
    assert loaded.get("refresh_token") == "rt-1"


def test_an_edit_landing_during_a_save_is_merged_not_undone(
    write_device: WriteDevice, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_device()
    loaded = DeviceFile.load(path)
    calls: list[bool] = []

    def racing_write(target: Path, text: str, **options: object) -> object:
        if not calls:  # the user saves between our read and our replace
            _edit(path, lambda d: d.update(name="Edited meanwhile"))
        calls.append(True)
        return atomic_write_text(target, text, **options)  # type: ignore[arg-type]

    monkeypatch.setattr("sense_energy_driver.standalone.devicefile.atomic_write_text", racing_write)
    loaded.set("user_id", "u-1")

    assert len(calls) == 2  # the first replace was called off, the second merged both
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["name"] == "Edited meanwhile"
    assert saved["attributes"]["user_id"] == "u-1"
    assert loaded.changed_on_disk()  # the merged edit is still news for reload()
    loaded.reload()
    assert loaded.name == "Edited meanwhile"


def test_an_edit_landing_right_after_a_save_is_still_news(
    write_device: WriteDevice, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_device()
    loaded = DeviceFile.load(path)
    fsync_directory = atomic._fsync_directory
    edits: list[bool] = []

    def then_edit(directory: Path) -> None:
        fsync_directory(directory)
        if not edits:  # the user saves between our replace and anything after it
            edits.append(True)
            _edit(path, lambda d: d.update(name="Edited right after"))

    monkeypatch.setattr(atomic, "_fsync_directory", then_edit)
    loaded.set("user_id", "u-1")

    assert edits and loaded.changed_on_disk()
    loaded.reload()
    assert loaded.name == "Edited right after"


def test_reload_reports_names_and_zones_and_encrypts_a_typed_password(
    write_device: WriteDevice,
) -> None:
    path = write_device(zones=[{"address": "a", "label": "A"}, {"address": "b"}])
    loaded = DeviceFile.load(path)

    def edit(document: dict[str, object]) -> None:
        attributes = document["attributes"]
        assert isinstance(attributes, dict)
        attributes["password"] = "typed-in-canary"
        attributes["status_interval"] = 45000
        document["zones"] = [{"address": "a", "label": "Renamed"}, {"address": "c"}]

    _edit(path, edit)
    assert loaded.changed_on_disk()
    changes = loaded.reload()

    assert changes.attributes == ("password", "status_interval")
    assert changes.zones_added == (Zone("c"),)
    assert changes.zones_removed == (Zone("b"),)
    assert changes.zones_relabelled == (Zone("a", "Renamed"),)
    assert loaded.get("password") == "typed-in-canary"
    assert "typed-in-canary" not in path.read_text(encoding="utf-8")
    assert not loaded.reload()  # nothing new since


def test_an_editor_saving_an_old_token_back_does_not_win(write_device: WriteDevice) -> None:
    path = write_device()
    loaded = DeviceFile.load(path)
    loaded.set("refresh_token", "old-token")
    stale = path.read_text(encoding="utf-8")  # an editor opened the file now
    loaded.set("refresh_token", "new-token")
    document = json.loads(stale)
    document["name"] = "Renamed home"
    atomic_write_text(path, json.dumps(document))  # ... and saves it with the old token

    changes = loaded.reload()

    assert changes.attributes == ()
    assert loaded.name == "Renamed home"
    assert loaded.get("refresh_token") == "new-token"
    assert DeviceFile.load(path).get("refresh_token") == "new-token"


def test_a_broken_edit_is_neither_taken_nor_overwritten(write_device: WriteDevice) -> None:
    path = write_device()
    loaded = DeviceFile.load(path)
    path.write_text('{"attributes": {"username": ', encoding="utf-8")

    with pytest.raises(DeviceFileError, match="not valid JSON"):
        loaded.reload()
    with pytest.raises(DeviceFileError, match="not valid JSON"):
        loaded.set("refresh_token", "rt")
    assert path.read_text(encoding="utf-8") == '{"attributes": {"username": '
    assert loaded.get("password") == PASSWORD


async def test_host_reload_applies_each_change_and_keeps_config_on_a_bad_edit(
    write_device: WriteDevice,
) -> None:
    path = write_device()
    applied: list[str] = []

    async def apply(name: str) -> None:
        applied.append(name)

    with StandaloneHost(path) as host:
        _edit(path, lambda d: d["attributes"].update(monitor_id="m2", status_interval="x"))
        assert not await host.reload_device_file(apply)
        assert host.get_attribute("monitor_id") is None
        _edit(path, lambda d: d["attributes"].update(status_interval=40000))
        changes = await host.reload_device_file(apply)
        assert host.get_attribute("monitor_id") == "m2"
    assert changes.attributes == ("monitor_id", "status_interval")
    assert applied == ["monitor_id", "status_interval"]
    log = path.with_suffix(".log").read_text(encoding="utf-8")
    assert "'status_interval' must be an int" in log
    assert "keeping the running configuration" in log


def test_the_lock_refuses_a_second_holder_naming_the_pid(tmp_path: Path) -> None:
    device = tmp_path / "home.json"
    with DeviceFileLock(device):
        with pytest.raises(DeviceInUseError) as refused:
            DeviceFileLock(device).acquire()
        assert refused.value.pid == os.getpid()
        assert f"process {os.getpid()}" in str(refused.value)
    with DeviceFileLock(device):  # free again once released
        pass


def test_an_exclusive_host_holds_the_lock_until_closed(write_device: WriteDevice) -> None:
    path = write_device()
    with StandaloneHost(path, exclusive=True):
        with pytest.raises(DeviceInUseError):
            StandaloneHost(path, exclusive=True)
        with StandaloneHost(path):  # readers (command, history) are not locked out
            pass
    with StandaloneHost(path, exclusive=True):
        pass


def test_zone_addresses_that_are_not_ids_get_the_closest_names() -> None:
    devices = [
        {"id": "d1f00001", "name": "Fridge"},
        {"id": "d1f00002", "name": "Dryer"},
        {"id": "d1f00003", "name": "Always On"},
    ]
    zones = [Zone("d1f00001", "Kitchen"), Zone("fridge"), Zone("xyz", "Dryer 2"), Zone("qqq")]

    warnings = unknown_zone_warnings(zones, devices)

    assert len(warnings) == 3
    assert "'fridge' is not a Sense device id" in warnings[0]
    assert "closest: Fridge (id d1f00001)" in warnings[0]
    assert "closest: Dryer (id d1f00002)" in warnings[1]
    assert "closest" not in warnings[2]
