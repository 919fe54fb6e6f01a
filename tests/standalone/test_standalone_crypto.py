"""gem-crypt: the host platform's format for secure attributes, and the key file beside it."""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

import pytest

from sense_energy_driver.standalone.crypto import (
    GemCryptError,
    KeyFileError,
    create_key_file,
    decrypt,
    encrypt,
    is_encrypted,
    read_key_file,
)

KEY = bytes(range(32))
FORMAT = re.compile(r"^gem-crypt:([0-9a-f]{24}):([0-9a-f]{32}):([0-9a-f]*)$")


@pytest.mark.parametrize("plain", ["hunter2", "", "pässwörd ✓", "x" * 500])
def test_round_trip(plain: str) -> None:
    token = encrypt(KEY, plain)
    assert decrypt(KEY, token) == plain
    assert is_encrypted(token)


def test_format_is_prefix_and_three_lower_case_hex_fields() -> None:
    token = encrypt(KEY, "hunter2")
    match = FORMAT.match(token)
    assert match is not None
    iv, tag, ciphertext = match.groups()
    assert len(bytes.fromhex(iv)) == 12
    assert len(bytes.fromhex(tag)) == 16
    assert len(bytes.fromhex(ciphertext)) == len(b"hunter2")  # GCM: ciphertext as long as text
    assert "hunter2" not in token


def test_a_fresh_iv_every_time() -> None:
    assert encrypt(KEY, "same") != encrypt(KEY, "same")


def _flip(hex_text: str) -> str:
    first = "1" if hex_text[0] == "0" else "0"
    return first + hex_text[1:]


@pytest.mark.parametrize("field", [0, 1, 2])
def test_tampering_with_any_field_is_a_clear_error(field: int) -> None:
    parts = encrypt(KEY, "hunter2").removeprefix("gem-crypt:").split(":")
    parts[field] = _flip(parts[field])
    with pytest.raises(GemCryptError, match="does not decrypt") as info:
        decrypt(KEY, "gem-crypt:" + ":".join(parts))
    assert "hunter2" not in str(info.value)


def test_wrong_key_is_a_clear_error() -> None:
    token = encrypt(KEY, "hunter2")
    with pytest.raises(GemCryptError, match="different key"):
        decrypt(secrets.token_bytes(32), token)


@pytest.mark.parametrize(
    "token",
    [
        "gem-crypt:",
        "gem-crypt:abc:def:00",
        "gem-crypt:" + "A" * 24 + ":" + "0" * 32 + ":00",  # upper case is not the format
        "gem-crypt:" + "0" * 24 + ":" + "0" * 32 + ":0",  # odd ciphertext length
        "gem-crypt:" + "0" * 24 + ":" + "0" * 32,  # a field missing
    ],
)
def test_malformed_values_are_a_clear_error(token: str) -> None:
    with pytest.raises(GemCryptError, match="not a well-formed gem-crypt value"):
        decrypt(KEY, token)


def test_key_file_is_created_with_mode_0600_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / ".encryption_key"
    key = create_key_file(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == key.hex()
    assert read_key_file(path) == key


def test_creating_an_existing_key_file_keeps_the_existing_key(tmp_path: Path) -> None:
    path = tmp_path / ".encryption_key"
    first = create_key_file(path)
    assert create_key_file(path) == first


def test_a_key_file_that_is_not_a_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / ".encryption_key"
    path.write_text("not a key\n")
    os.chmod(path, 0o600)
    with pytest.raises(KeyFileError, match="64 hex digits"):
        read_key_file(path)


def test_a_group_readable_key_file_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / ".encryption_key"
    path.write_text(KEY.hex())
    os.chmod(path, 0o644)
    assert read_key_file(path) == KEY
    assert "readable by other users" in caplog.text
