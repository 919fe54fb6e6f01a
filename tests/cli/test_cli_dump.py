"""`dump` against the simulator: every secret masked in every file, in the corpus format."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from sense_energy_driver.cli.dump_mask import Masker
from sense_energy_driver.simulator import MonitorSpec, SenseSimulator
from sense_energy_driver.simulator.real_rest import personal
from tests.cli.conftest import RunCli, WriteDevice, simulator_thread
from tests.replay.corpus import CORPUS
from tests.sim_fixtures import attributes_for

CANARY_EMAIL = "canary.owner@example.org"
CANARY_PASSWORD = "Canary-Pw-7731x"
CANARY_SERIAL = "N32CANARY77"
CANARY_USER = "731905"


def _files(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): p.read_text(encoding="utf-8")
        for p in out.rglob("*.json")
        if p.name != "index.json"
    }


def _secrets(sim: SenseSimulator) -> list[str]:
    """Everything that must not appear: credentials, tokens, serial, MACs, IP, SSID, postcode."""
    assert sim.profile == "real"  # its status and monitor bodies carry MACs, IP, SSID, address
    home = personal(sim.monitor())
    return [CANARY_EMAIL, CANARY_PASSWORD, CANARY_SERIAL, *sim.tokens.issued(), *home.values()]


@pytest.fixture
def canary_sim() -> object:
    spec = MonitorSpec(id="5550123", solar=True, serial=CANARY_SERIAL)
    with simulator_thread(
        email=CANARY_EMAIL, password=CANARY_PASSWORD, user_id=CANARY_USER, monitors=[spec]
    ) as sim:
        yield sim


def test_dump_masks_every_secret_in_every_file(
    cli: RunCli, write_device: WriteDevice, canary_sim: SenseSimulator, tmp_path: Path
) -> None:
    attrs = attributes_for(canary_sim)
    device = write_device("canary", **{**attrs, "username": CANARY_EMAIL})
    device.write_text(
        json.dumps({"attributes": {**attrs, "password": CANARY_PASSWORD}, "zones": []}),
        encoding="utf-8",
    )
    out = tmp_path / "dump"
    result = cli("dump", "--device", device, "--out", out, "--seconds", "1.5")
    assert result.code == 0, result.err
    files = _files(out)
    kinds = {name.split("/")[0] for name in files}
    assert kinds == {"rest", "feed"}
    assert any(name.startswith("rest/authenticate.") for name in files)
    assert any(name.startswith("feed/realtime_update.") for name in files)
    secrets = _secrets(canary_sim)
    assert len(secrets) >= 11  # credentials, serial, two tokens or more, five personal values
    for name, text in {**files, "index.json": (out / "index.json").read_text()}.items():
        for secret in secrets:
            assert secret not in text, f"{name} leaks a secret"
        assert not re.search(rf"(?<!\d){CANARY_USER}(?!\d)", text), f"{name} leaks the user id"
        assert "5550123" not in text, f"{name} leaks the monitor id"
    auth = json.loads(files[next(n for n in files if n.startswith("rest/authenticate."))])
    assert auth["access_token"] == "t1.v2.MASKED_ACCESS_TOKEN"
    assert auth["monitors"][0]["id"] in (200001, "200001")
    assert CANARY_PASSWORD not in result.out + result.err


def test_dump_writes_index_entries_in_the_corpus_schema(
    cli: RunCli, sim_device: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dump"
    (out).mkdir()
    (out / "index.json").write_text(
        json.dumps({"schema": 1, "sources": {"x": {"year": 2020}}, "fixtures": []})
    )
    result = cli("dump", "--device", sim_device, "--out", out, "--seconds", "0")
    assert result.code == 0, result.err
    index = json.loads((out / "index.json").read_text())
    assert set(index["sources"]) == {"x", "dump"}
    assert index["sources"]["dump"]["recorded"]
    files = set(_files(out))
    assert {f["file"] for f in index["fixtures"]} == files
    for entry in index["fixtures"]:
        assert entry["source"] == "dump" and entry["kind"] == "rest"
        assert entry["endpoint"] in entry["file"]
        assert entry["path"].split()[0] in ("GET", "POST")
    assert not any(n.startswith("feed/") for n in files)  # --seconds 0 records no feed


def test_dump_refuses_bad_options(cli: RunCli, sim_device: Path, tmp_path: Path) -> None:
    result = cli("dump", "--device", sim_device, "--out", tmp_path, "--seconds", "-1")
    assert result.code == 2
    assert "--seconds" in result.err


def test_masker_masks_names_only_when_asked() -> None:
    body = {"name": "Grandma's heater", "id": "abc", "location": "Kitchen"}
    assert Masker().mask(body)["name"] == "Grandma's heater"
    masked = Masker(mask_names=True).mask(body)
    assert masked["name"].startswith("Device ") and masked["location"].startswith("Device ")


def test_masker_keeps_types_and_references() -> None:
    masker = Masker()
    masker.add_monitor(98765)
    body = {"user_id": 4242, "monitors": [{"id": 98765}], "settings": {"98765": {"x": True}}}
    assert masker.mask(body) == {
        "user_id": 100001,
        "monitors": [{"id": 200001}],
        "settings": {"200001": {"x": True}},
    }
    text = masker.mask({"body": "mac 24:CD:8D:3D:DD:79 at 10.1.2.3 for me@home.net"})["body"]
    assert text == "mac 02:00:00:00:00:01 at 192.0.2.1 for user@example.invalid"


def test_dump_into_the_corpus_keeps_its_entries(
    cli: RunCli, sim_device: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "real"
    shutil.copytree(CORPUS, corpus)
    before = json.loads((corpus / "index.json").read_text())
    result = cli("dump", "--device", sim_device, "--out", corpus, "--seconds", "0.5")
    assert result.code == 0, result.err
    after = json.loads((corpus / "index.json").read_text())
    assert after["fixtures"][: len(before["fixtures"])] == before["fixtures"]
    added = after["fixtures"][len(before["fixtures"]) :]
    assert added and all(e["source"] == "dump" for e in added)
    assert {e["kind"] for e in added} == {"rest", "feed"}
    for entry in added:
        assert (corpus / entry["file"]).is_file()
    assert set(after["sources"]) == set(before["sources"]) | {"dump"}
