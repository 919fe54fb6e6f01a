"""The device file: checked against the manifest, secrets encrypted at rest, saved atomically."""

from __future__ import annotations

import json
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from sense_energy_driver.errors import SenseConfigError
from sense_energy_driver.standalone import KEY_FILE_NAME, DeviceFile, DeviceFileError, Zone
from sense_energy_driver.standalone.crypto import decrypt, read_key_file

WriteDevice = Callable[..., Path]
PASSWORD = "correct horse battery staple"  # as tests/standalone/conftest.py writes it


def _stored(path: Path) -> dict[str, object]:
    attributes = json.loads(path.read_text())["attributes"]
    assert isinstance(attributes, dict)
    return attributes


def test_plaintext_password_is_encrypted_on_first_load(write_device: WriteDevice) -> None:
    path = write_device()
    os.chmod(path, 0o640)
    loaded = DeviceFile.load(path)
    assert loaded.get("password") == PASSWORD
    text = path.read_text()
    assert PASSWORD not in text
    stored = _stored(path)["password"]
    assert isinstance(stored, str) and stored.startswith("gem-crypt:")
    assert decrypt(read_key_file(path.parent / KEY_FILE_NAME), stored) == PASSWORD
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the original's mode is kept
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_key_file_is_made_beside_the_device_file_with_mode_0600(
    write_device: WriteDevice,
) -> None:
    path = write_device()
    DeviceFile.load(path)
    key = path.parent / KEY_FILE_NAME
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_second_load_does_not_rewrite(write_device: WriteDevice) -> None:
    path = write_device()
    DeviceFile.load(path)
    before, inode = path.read_bytes(), path.stat().st_ino
    again = DeviceFile.load(path)
    assert again.get("password") == PASSWORD
    assert path.read_bytes() == before
    assert path.stat().st_ino == inode  # not even replaced by an identical copy


def test_all_secure_attributes_are_encrypted(write_device: WriteDevice) -> None:
    path = write_device(totp_secret="JBSWY3DPEHPK3PXP", refresh_token="rt-123")
    loaded = DeviceFile.load(path)
    stored = _stored(path)
    for name, plain in (("totp_secret", "JBSWY3DPEHPK3PXP"), ("refresh_token", "rt-123")):
        assert loaded.get(name) == plain
        assert str(stored[name]).startswith("gem-crypt:")
    assert stored["username"] == "me@example.com"  # not secure: left as written


def test_values_are_typed_as_the_manifest_says(write_device: WriteDevice) -> None:
    path = write_device(status_interval="45000", follow_retraining="true", monitor_id="m1")
    loaded = DeviceFile.load(path)
    assert loaded.get("status_interval") == 45000
    assert loaded.get("follow_retraining") is True
    assert loaded.get("monitor_id") == "m1"
    assert loaded.get("totp_secret") is None  # unset: None, the driver applies defaults
    assert loaded.zones == (Zone("fridge1", "Fridge"),)
    assert loaded.name == "Home"


@pytest.mark.parametrize(
    ("attributes", "fragment"),
    [
        ({"status_interval": "abc"}, "attribute 'status_interval' must be an int"),
        ({"status_interval": True}, "attribute 'status_interval' must be an int"),
        ({"follow_retraining": "maybe"}, "attribute 'follow_retraining' must be a bool"),
        ({"colour": "red"}, "unknown attribute 'colour'; valid attributes: username"),
        ({"username": ""}, "attribute 'username' is required"),
        ({"password": None}, "attribute 'password' is required"),
        ({"monitor_id": 7}, "attribute 'monitor_id' must be a string, got 7"),
    ],
)
def test_bad_attributes_name_the_file_and_the_field(
    write_device: WriteDevice, attributes: dict[str, object], fragment: str
) -> None:
    path = write_device(**attributes)
    before = path.read_bytes()
    with pytest.raises(DeviceFileError) as info:
        DeviceFile.load(path)
    assert str(info.value).startswith(f"{path}: ")
    assert fragment in str(info.value)
    assert path.read_bytes() == before
    assert isinstance(info.value, SenseConfigError)


def test_a_mistyped_secure_value_is_not_echoed(write_device: WriteDevice) -> None:
    path = write_device(password=987654321)
    with pytest.raises(DeviceFileError, match="must be a string, got a number") as info:
        DeviceFile.load(path)
    assert "987654321" not in str(info.value)


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ([], "must be a JSON object"),
        ({"zones": []}, '"attributes" is required'),
        ({"attributes": [], "zones": []}, '"attributes" must be an object'),
        ({"attributes": {}, "extra": 1}, "unknown key 'extra'"),
        ({"attributes": {"username": "u", "password": "p"}, "zones": {}}, '"zones" must be a list'),
        (
            {"attributes": {"username": "u", "password": "p"}, "zones": [{"label": "x"}]},
            'zones[0]: "address" must be a non-empty string',
        ),
        (
            {"attributes": {"username": "u", "password": "p"}, "zones": [{"address": "a"}] * 2},
            "zones[1]: address 'a' is listed twice",
        ),
    ],
)
def test_bad_shapes_are_named(tmp_path: Path, document: object, fragment: str) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(document))
    with pytest.raises(DeviceFileError) as info:
        DeviceFile.load(path)
    assert fragment in str(info.value)


def test_wrong_key_names_file_attribute_and_key_and_touches_nothing(
    write_device: WriteDevice,
) -> None:
    path = write_device()
    DeviceFile.load(path)
    key = path.parent / KEY_FILE_NAME
    key.write_text(secrets.token_hex(32))
    before = path.read_bytes()
    with pytest.raises(DeviceFileError) as info:
        DeviceFile.load(path)
    message = str(info.value)
    assert str(path) in message and "'password'" in message and str(key) in message
    assert "does not decrypt" in message
    assert path.read_bytes() == before


def test_tampered_value_is_an_error_not_an_empty_password(write_device: WriteDevice) -> None:
    path = write_device()
    DeviceFile.load(path)
    document = json.loads(path.read_text())
    document["attributes"]["password"] = document["attributes"]["password"][:-2] + "00"
    path.write_text(json.dumps(document))
    with pytest.raises(DeviceFileError, match="attribute 'password' does not decrypt"):
        DeviceFile.load(path)


def test_missing_key_with_encrypted_values_is_an_error_and_makes_no_key(
    write_device: WriteDevice,
) -> None:
    path = write_device()
    DeviceFile.load(path)
    key = path.parent / KEY_FILE_NAME
    key.unlink()
    before = path.read_bytes()
    with pytest.raises(DeviceFileError, match=r"is encrypted but the key file .* is missing"):
        DeviceFile.load(path)
    assert not key.exists()
    assert path.read_bytes() == before


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(DeviceFileError, match="device file not found"):
        DeviceFile.load(tmp_path / "absent.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"attributes": ')
    with pytest.raises(DeviceFileError, match=r"not valid JSON \(line 1, column 16"):
        DeviceFile.load(broken)


def test_set_persists_encrypted_and_is_visible(write_device: WriteDevice) -> None:
    path = write_device()
    loaded = DeviceFile.load(path)
    assert loaded.set("refresh_token", "fresh-token") is True
    assert loaded.get("refresh_token") == "fresh-token"
    assert "fresh-token" not in path.read_text()
    assert DeviceFile.load(path).get("refresh_token") == "fresh-token"
    assert loaded.set("refresh_token", "fresh-token") is False  # unchanged: no rewrite
    assert loaded.set("user_id", "42") is True
    assert _stored(path)["user_id"] == "42"
    assert loaded.set("user_id", None) is True
    assert "user_id" not in _stored(path)


def test_set_checks_names_and_types(write_device: WriteDevice) -> None:
    loaded = DeviceFile.load(write_device())
    with pytest.raises(DeviceFileError, match="unknown attribute 'nope'"):
        loaded.set("nope", 1)
    with pytest.raises(DeviceFileError, match="must be an int"):
        loaded.set("status_interval", "soon")


def test_add_zone_in_memory_or_persisted(write_device: WriteDevice) -> None:
    path = write_device()
    loaded = DeviceFile.load(path)
    before = path.read_bytes()
    assert loaded.add_zone(Zone("tv1", "TV")) is True
    assert path.read_bytes() == before
    assert loaded.add_zone(Zone("tv1", "TV")) is False
    assert loaded.add_zone(Zone("ev1", "EV"), persist=True) is True
    assert [z.address for z in DeviceFile.load(path).zones] == ["fridge1", "ev1"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only directories")
def test_unwritable_directory_is_a_device_file_error(write_device: WriteDevice) -> None:
    path = write_device()
    DeviceFile.load(write_device("other"))  # make the key while the directory is writable
    before = path.read_bytes()
    os.chmod(path.parent, 0o500)
    try:
        with pytest.raises(DeviceFileError, match="cannot save password encrypted"):
            DeviceFile.load(path)
    finally:
        os.chmod(path.parent, 0o700)
    assert path.read_bytes() == before
