"""Device catalogue: hidden and merged devices, and retraining detection."""

from __future__ import annotations

from sense_energy_driver.poller import DeviceCatalog, Retrained
from sense_energy_driver.restmodels import Device


def test_merged_and_hidden_devices_are_not_listed() -> None:
    catalog = DeviceCatalog()
    catalog.update(
        [
            Device(id="a", name="Fridge"),
            Device(id="b", name="Old", tags={"MergeId": "a"}),
            Device(id="c", name="Hidden", tags={"DeviceListAllowed": False}),
        ]
    )
    assert list(catalog.devices) == ["a"]


def test_retrained_by_merge_id() -> None:
    catalog = DeviceCatalog()
    catalog.update([Device(id="d1", name="Dryer")])
    changes = catalog.update(
        [Device(id="d1", name="Dryer", tags={"MergeId": "d2"}), Device(id="d2", name="Dryer 2")]
    )
    assert changes == [Retrained(old_id="d1", new_id="d2", name="Dryer")]
    assert catalog.retrained["d1"].new_id == "d2"


def test_retrained_by_same_name() -> None:
    catalog = DeviceCatalog()
    catalog.update([Device(id="d1", name="Dryer"), Device(id="x", name="TV")])
    changes = catalog.update([Device(id="d9", name="Dryer"), Device(id="x", name="TV")])
    assert changes == [Retrained(old_id="d1", new_id="d9", name="Dryer")]


def test_removed_device_without_successor_is_not_retraining() -> None:
    catalog = DeviceCatalog()
    catalog.update([Device(id="d1", name="Dryer")])
    assert catalog.update([Device(id="x", name="TV")]) == []
